//! The real `asyncheck` binary on small projects made in temporary directories.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use std::io::Write as _;

const SLEEPY: &str = "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(1)\n";
const SLEEPY_FIXED: &str =
    "import asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(1)\n";

fn asyncheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncheck"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("asyncheck runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

#[test]
fn reports_findings_with_exit_code_one() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(dir.path(), &["check", "--isolated"]);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    let text = stdout(&output);
    assert!(text.contains("app.py:6:5: ASY001"), "{text}");
    assert!(text.contains("Found 1 finding"), "{text}");
}

#[test]
fn no_subcommand_means_check_and_clean_code_exits_zero() {
    let dir = project(&[("ok.py", "async def f():\n    pass\n")]);
    let output = asyncheck(dir.path(), &["--isolated", "ok.py"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
}

#[test]
fn exit_zero_keeps_findings_but_succeeds() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(dir.path(), &["check", "--isolated", "--exit-zero"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("ASY001"));
}

#[test]
fn unsafe_fix_needs_the_flag_and_a_second_run_changes_nothing() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(dir.path(), &["check", "--isolated", "--fix"]);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        SLEEPY
    );

    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        SLEEPY_FIXED
    );

    let again = asyncheck(
        dir.path(),
        &["check", "--isolated", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        SLEEPY_FIXED
    );
}

#[test]
fn diff_prints_a_patch_and_writes_nothing() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--diff", "--unsafe-fixes"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    let patch = stdout(&output);
    assert!(
        patch.contains("--- a/app.py") && patch.contains("+++ b/app.py"),
        "{patch}"
    );
    assert!(patch.contains("+    await asyncio.sleep(1)"), "{patch}");
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        SLEEPY
    );
}

#[test]
fn crlf_and_bom_survive_a_fix() {
    let crlf = format!("\u{feff}{}", SLEEPY.replace('\n', "\r\n"));
    let dir = project(&[("app.py", &crlf)]);
    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let fixed = fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert_eq!(
        fixed,
        format!("\u{feff}{}", SLEEPY_FIXED.replace('\n', "\r\n"))
    );
}

/// Runs `asyncheck` with `input` on its standard input.
fn asyncheck_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_asyncheck"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_with_fix_prints_the_fixed_source() {
    let output = asyncheck_stdin(
        &[
            "check",
            "--isolated",
            "--fix",
            "--unsafe-fixes",
            "--stdin-filename",
            "app.py",
        ],
        SLEEPY,
    );
    assert_eq!(stdout(&output), SLEEPY_FIXED, "{}", all_output(&output));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn stdin_without_fix_reports_under_the_given_name() {
    let output = asyncheck_stdin(
        &["check", "--isolated", "--stdin-filename", "pkg/app.py"],
        SLEEPY,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("pkg/app.py:6:5: ASY001"),
        "{}",
        all_output(&output)
    );
}

#[test]
fn noqa_suppresses_and_suppressed_findings_are_not_fixed() {
    let source = SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: ASY001");
    let dir = project(&[("app.py", &source)]);
    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        source
    );
}

#[test]
fn bad_files_are_reported_and_the_others_still_checked() {
    let dir = project(&[
        ("a_syntax.py", "def f(:\n    pass\n"),
        ("b_latin1.py", ""),
        ("c_app.py", SLEEPY),
    ]);
    fs::write(dir.path().join("b_latin1.py"), b"x = 1\ny = '\xe9'\n").unwrap();
    let output = asyncheck(
        dir.path(),
        &[
            "check",
            "--isolated",
            "a_syntax.py",
            "b_latin1.py",
            "c_app.py",
            "missing.py",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(text.contains("a_syntax.py:1:7"), "{text}");
    assert!(
        text.contains("b_latin1.py:2:6: error: not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("missing.py"), "{text}");
    assert!(text.contains("c_app.py:6:5: ASY001"), "{text}");
}

#[test]
fn syntax_errors_are_never_fixed() {
    let source = format!("{SLEEPY}\ndef broken(:\n    pass\n");
    let dir = project(&[("app.py", &source)]);
    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("app.py")).unwrap(),
        source
    );
    assert!(
        all_output(&output).contains("ASY001"),
        "linted as far as it parsed"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let sum = format!("x = {}1\n", "1 + ".repeat(100_000));
    let calls = format!("x = {}1{}\n", "f(".repeat(30_000), ")".repeat(30_000));
    let dir = project(&[("sum.py", &sum), ("calls.py", &calls), ("app.py", SLEEPY)]);
    let output = asyncheck(dir.path(), &["check", "--isolated"]);
    let text = all_output(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("sum.py:1:") && text.contains("too deeply nested"),
        "{text}"
    );
    assert!(text.contains("calls.py:1:"), "{text}");
    assert!(text.contains("app.py:6:5: ASY001"), "{text}");
}

#[test]
fn json_output_has_ruffs_shape() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(
        dir.path(),
        &["check", "--isolated", "--output-format", "json"],
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid json");
    let first = &value[0];
    assert_eq!(first["code"], "ASY001");
    assert_eq!(first["location"]["row"], 6);
    assert_eq!(first["location"]["column"], 5);
    assert_eq!(first["fix"]["applicability"], "unsafe");
}

#[test]
fn configuration_errors_name_the_file_and_line() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[tool.asyncheck]\nselect = [\"ASY001\"]\nselekt = []\n",
        ),
        ("app.py", SLEEPY),
    ]);
    let output = asyncheck(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let text = all_output(&output);
    assert!(text.contains("pyproject.toml:3"), "{text}");
    assert!(text.contains("select"), "{text}");
}

#[test]
fn unknown_rule_selected_on_the_command_line_is_an_error() {
    let dir = project(&[("app.py", SLEEPY)]);
    let output = asyncheck(dir.path(), &["check", "--isolated", "--select", "ASY999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(all_output(&output).contains("ASY999"));
}

#[test]
fn rule_documentation_and_rule_list() {
    let dir = tempfile::tempdir().unwrap();
    let output = asyncheck(dir.path(), &["rule", "ASY001"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("blocking-sleep-in-async-function"));
    assert!(stdout(&output).contains("## What it does"));
    let output = asyncheck(dir.path(), &["rules"]);
    assert!(stdout(&output).contains("ASY001"));
    let output = asyncheck(dir.path(), &["rule", "--all"]);
    assert!(stdout(&output).contains("ASY001"));
    let output = asyncheck(dir.path(), &["rule", "ASY999"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bundled_example_project_has_findings() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let output = asyncheck(&examples, &["check", "shop"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    assert!(text.contains("shop/orders.py"), "{text}");
    assert!(
        !text.contains("fine.py"),
        "fine.py has nothing to report:\n{text}"
    );
}
