//! ASY142 follows the pytest configuration around each test file: the fixture projects in
//! `tests/fixtures/pytest/<case>/` are copied to a temporary directory (so that nothing above
//! them is configuration) and checked through the runner, as the command line does, and with the
//! real binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use asyncheck::linter::FixMode;
use asyncheck::pytest_config::{self, AsyncioMode};
use asyncheck::runner::{check_files, Write};
use asyncheck::Settings;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytest")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of fixture `case` in a fresh temporary directory.
fn case(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy_tree(&fixtures().join(name), &root);
    (dir, root)
}

/// The ASY142 messages for `file` (relative to the case's root).
fn findings(root: &Path, file: &str) -> Vec<String> {
    let settings = Settings::only("ASY142").unwrap();
    let results = check_files(&[root.join(file)], &settings, FixMode::Check, Write::No);
    results
        .into_iter()
        .flat_map(|result| result.outcome.diagnostics)
        .map(|diagnostic| diagnostic.message)
        .collect()
}

/// The fixture test file has an unmarked async test and an async `@pytest.fixture`: both are
/// reported in strict mode, neither when every async test runs.
fn assert_strict(root: &Path, file: &str) {
    let found = findings(root, file);
    assert_eq!(found.len(), 2, "{file}: {found:#?}");
    assert!(found.iter().any(|m| m.contains("`client`")), "{found:#?}");
    assert!(
        found.iter().any(|m| m.contains("`test_unmarked`")),
        "{found:#?}"
    );
}

fn assert_silent(root: &Path, file: &str) {
    let found = findings(root, file);
    assert!(found.is_empty(), "{file}: {found:#?}");
}

#[test]
fn without_configuration_strict_mode_applies() {
    let (_dir, root) = case("no_config");
    assert_strict(&root, "tests/test_api.py");
    let config = pytest_config::for_file(&root.join("tests/test_api.py"));
    assert_eq!(config.file, None);
    assert_eq!(config.asyncio_mode(), AsyncioMode::Strict);
}

#[test]
fn auto_mode_in_pyproject_silences() {
    let (_dir, root) = case("pyproject_auto");
    assert_silent(&root, "tests/test_api.py");
    let config = pytest_config::for_file(&root.join("tests/test_api.py"));
    assert_eq!(config.file, Some(root.join("pyproject.toml")));
    assert_eq!(config.asyncio_mode(), AsyncioMode::Auto);
}

#[test]
fn auto_mode_in_pytest_9_native_table_silences() {
    let (_dir, root) = case("pyproject_native");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn pytest_ini_wins_over_pyproject_in_the_same_directory() {
    let (_dir, root) = case("pytest_ini_wins");
    assert_strict(&root, "tests/test_api.py");
    let config = pytest_config::for_file(&root.join("tests/test_api.py"));
    assert_eq!(config.file, Some(root.join("pytest.ini")));
}

#[test]
fn the_nearest_configuration_file_applies() {
    let (_dir, root) = case("nearest");
    assert_silent(&root, "tests/test_root.py");
    assert_strict(&root, "sub/tests/test_sub.py");
}

#[test]
fn a_tox_ini_without_a_pytest_section_is_skipped() {
    let (_dir, root) = case("tox_without_section");
    assert_silent(&root, "pkg/tests/test_api.py");
}

#[test]
fn setup_cfg_tool_pytest_section() {
    let (_dir, root) = case("setup_cfg");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn asyncio_mode_in_addopts() {
    let (_dir, root) = case("addopts_auto");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn trio_and_anyio_auto_modes() {
    let (_dir, root) = case("trio_mode");
    assert_silent(&root, "tests/test_api.py");
    let (_dir, root) = case("anyio_mode");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn a_conftest_that_runs_coroutines_silences() {
    let (_dir, root) = case("conftest_runner");
    assert_silent(&root, "tests/test_api.py");
    let config = pytest_config::for_file(&root.join("tests/test_api.py"));
    let runner = config.runner.as_ref().expect("the conftest is a runner");
    assert_eq!(runner.path, root.join("tests/conftest.py"));
}

#[test]
fn a_conftest_above_the_configuration_directory_is_not_used() {
    let (_dir, root) = case("conftest_above_root");
    assert_strict(&root, "proj/tests/test_api.py");
}

#[test]
fn a_project_plugin_loaded_in_addopts_silences() {
    let (_dir, root) = case("plugin_addopts");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn a_runner_plugin_in_conftest_pytest_plugins_silences() {
    let (_dir, root) = case("conftest_plugins");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn a_project_plugin_module_next_to_the_tests_silences() {
    // trio loads `trio._tests.pytest_plugin` with `-p` on the command line.
    let (_dir, root) = case("nearby_plugin");
    assert_silent(&root, "src/pkg/_core/_tests/test_api.py");
}

#[test]
fn a_declared_plugin_that_runs_every_coroutine_test_silences() {
    let (_dir, root) = case("dependency_runner");
    assert_silent(&root, "tests/test_api.py");
}

#[test]
fn only_test_files_are_checked() {
    let (_dir, root) = case("not_a_test");
    assert_silent(&root, "src/api.py");
}

#[test]
fn the_binary_reads_the_configuration_of_each_file() {
    let (dir, _root) = case("nearest");
    let output = Command::new(env!("CARGO_BIN_EXE_asyncheck"))
        .args([
            "check",
            "--isolated",
            "--select",
            "ASY142",
            "--output-format",
            "concise",
            "nearest",
        ])
        .current_dir(dir.path())
        .output()
        .expect("asyncheck runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("test_sub.py"), "{text}");
    assert!(!text.contains("test_root.py"), "{text}");
}

#[test]
fn standard_input_uses_the_configuration_around_its_file_name() {
    use std::io::Write as _;
    let (_dir, root) = case("pyproject_auto");
    let source = fs::read_to_string(root.join("tests/test_api.py")).unwrap();
    let run = |filename: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_asyncheck"))
            .args([
                "check",
                "--isolated",
                "--select",
                "ASY142",
                "--stdin-filename",
                filename,
            ])
            .current_dir(&root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("asyncheck runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(source.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().status.code()
    };
    assert_eq!(run("tests/test_api.py"), Some(0));
}
