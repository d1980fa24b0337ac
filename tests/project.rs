//! The project index end to end (issue 6): the real binary on the multi-module projects in
//! `tests/fixtures/projects/`, checked whole and file by file (as pre-commit passes changed
//! files), copied to a temporary directory first.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn fixture(name: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/projects")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    copy(&source, dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn asyncheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncheck"))
        .args(["check", "--isolated", "--output-format", "concise"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("asyncheck runs")
}

/// The finding lines (`path:line:col: CODE message`), without the summary.
fn findings(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(": ASY"))
        .map(str::to_string)
        .collect()
}

/// `path:line:col: CODE` of each finding.
fn codes(output: &Output) -> Vec<String> {
    findings(output)
        .iter()
        .map(|line| {
            let code_end = line.find(": ASY").unwrap() + 8;
            line[..code_end].to_string()
        })
        .collect()
}

const SHOP_API: &[&str] = &[
    "shop/api.py:10:5: ASY020",
    "shop/api.py:11:8: ASY021",
    "shop/api.py:13:10: ASY022",
    "shop/api.py:15:16: ASY023",
    "shop/api.py:17:14: ASY014",
];

#[test]
fn relative_imports_and_reexports_in_init() {
    let dir = fixture("relative");
    let output = asyncheck(dir.path(), &["."]);
    let mut expected: Vec<String> = SHOP_API.iter().map(ToString::to_string).collect();
    expected.push("tests/test_api.py:10:38: ASY143".to_string());
    assert_eq!(codes(&output), expected, "{:?}", findings(&output));
    let chain = findings(&output)
        .into_iter()
        .find(|line| line.contains("ASY014"))
        .unwrap();
    assert!(
        chain.contains("`load_config -> read_settings -> open` at `shop/config.py:5`"),
        "{chain}"
    );
}

#[test]
fn a_single_changed_file_still_knows_its_project() {
    // As pre-commit runs it: only the changed files are passed.
    let dir = fixture("relative");
    let output = asyncheck(dir.path(), &["shop/api.py"]);
    assert_eq!(codes(&output), SHOP_API, "{:?}", findings(&output));
    let output = asyncheck(dir.path(), &["tests/test_api.py"]);
    assert_eq!(
        codes(&output),
        ["tests/test_api.py:10:38: ASY143"],
        "{:?}",
        findings(&output)
    );
    // The modules it imports are summarised, not checked: nothing is reported in them.
    let output = asyncheck(dir.path(), &["shop/db.py"]);
    assert!(findings(&output).is_empty(), "{:?}", findings(&output));
}

#[test]
fn src_layout_methods_attributes_and_inherited_methods() {
    let dir = fixture("src_layout");
    let expected = [
        "src/app/service.py:12:9: ASY020",
        "src/app/service.py:13:9: ASY020",
        "src/app/service.py:14:9: ASY014",
        "src/app/service.py:15:9: ASY014",
        "src/app/service.py:16:33: ASY026",
    ];
    let whole = asyncheck(dir.path(), &["."]);
    assert_eq!(codes(&whole), expected, "{:?}", findings(&whole));
    let single = asyncheck(dir.path(), &["src/app/service.py"]);
    assert_eq!(findings(&single), findings(&whole));
    let lines = findings(&whole);
    assert!(
        lines[2].contains("`Repo.load -> sqlite3.connect` at `src/app/repo.py:12`"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("`BaseService.audit -> open` at `src/app/base.py:6`"),
        "{}",
        lines[3]
    );
}

#[test]
fn namespace_packages() {
    let dir = fixture("namespace");
    let output = asyncheck(dir.path(), &["plugins/auth/api.py"]);
    assert_eq!(
        codes(&output),
        [
            "plugins/auth/api.py:6:5: ASY020",
            "plugins/auth/api.py:7:5: ASY014"
        ],
        "{:?}",
        findings(&output)
    );
}

#[test]
fn attributes_set_in_a_base_class_of_another_module() {
    let dir = fixture("inherited");
    let output = asyncheck(dir.path(), &["svc/views.py"]);
    assert_eq!(
        codes(&output),
        ["svc/views.py:6:9: ASY020"],
        "{:?}",
        findings(&output)
    );
}

#[test]
fn fixes_that_need_the_index_are_applied_and_converge() {
    let dir = fixture("relative");
    let output = asyncheck(dir.path(), &["--fix", "shop/api.py"]);
    let fixed = fs::read_to_string(dir.path().join("shop/api.py")).unwrap();
    assert!(fixed.contains("    await fetch_user(user_id)\n"), "{fixed}");
    assert!(fixed.contains("    async with transaction():\n"), "{fixed}");
    assert!(fixed.contains("    async for row in rows():\n"), "{fixed}");
    // What has no safe fix remains.
    assert_eq!(
        codes(&output),
        ["shop/api.py:11:8: ASY021", "shop/api.py:17:14: ASY014"],
        "{:?}",
        findings(&output)
    );
    // A second run changes nothing.
    asyncheck(dir.path(), &["--fix", "shop/api.py"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("shop/api.py")).unwrap(),
        fixed
    );
}

#[test]
fn diff_shows_fixes_that_need_the_index() {
    let dir = fixture("namespace");
    let output = Command::new(env!("CARGO_BIN_EXE_asyncheck"))
        .args(["check", "--isolated", "--diff", "plugins/auth/api.py"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(diff.contains("+    await refresh(token)"), "{diff}");
    // Nothing was written.
    assert!(fs::read_to_string(dir.path().join("plugins/auth/api.py"))
        .unwrap()
        .contains("\n    refresh(token)\n"));
}

#[test]
fn without_project_rules_nothing_is_resolved_across_modules() {
    let dir = fixture("relative");
    let output = asyncheck(dir.path(), &["--select", "ASY001", "."]);
    assert!(findings(&output).is_empty(), "{:?}", findings(&output));
    let output = asyncheck(dir.path(), &["--select", "ASY014", "shop/api.py"]);
    assert_eq!(codes(&output), ["shop/api.py:17:14: ASY014"]);
}
