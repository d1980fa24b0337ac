//! The pre-commit hooks, end to end: `pre-commit try-repo` installs asyncheck from this
//! repository (as `cargo install --path .`) and runs it on a small sample project.
//!
//! Needs `pre-commit` and `git` on PATH; skipped without them unless
//! `ASYNCHECK_REQUIRE_PRE_COMMIT` is set (CI sets it, so there it can never be skipped).

use std::path::Path;
use std::process::Command;

const BAD: &str = "import asyncio\nimport time\n\n\nasync def handler():\n    loop = asyncio.get_event_loop()\n    time.sleep(1)\n    return loop\n";
/// `BAD` after the fix hook: the safe fix (ASY025) applied, the unsafe one (ASY001) not.
const SAFELY_FIXED: &str = "import asyncio\nimport time\n\n\nasync def handler():\n    loop = asyncio.get_running_loop()\n    time.sleep(1)\n    return loop\n";
const GOOD: &str = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n";

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Runs one hook of this repository on `file` in `project`; returns (success, output).
fn run_hook(project: &Path, hook: &str, file: &str) -> (bool, String) {
    let repo = env!("CARGO_MANIFEST_DIR");
    // Reuse the hook environment (a release build) across runs.
    let home = Path::new(repo).join("target").join("pre-commit-home");
    let output = Command::new("pre-commit")
        .args(["try-repo", repo, hook, "--files", file, "--verbose"])
        .env("PRE_COMMIT_HOME", &home)
        .current_dir(project)
        .output()
        .expect("pre-commit runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn hooks_fail_on_a_finding_and_pass_once_fixed() {
    if !(available("pre-commit") && available("git")) {
        assert!(
            std::env::var_os("ASYNCHECK_REQUIRE_PRE_COMMIT").is_none(),
            "pre-commit and git are required here"
        );
        eprintln!("skipped: pre-commit or git is not installed");
        return;
    }
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    git(dir, &["init", "-q"]);
    std::fs::write(dir.join("app.py"), BAD).unwrap();
    git(dir, &["add", "app.py"]);

    let (passed, output) = run_hook(dir, "asyncheck", "app.py");
    assert!(!passed, "the check hook must fail on a finding:\n{output}");
    assert!(output.contains("ASY001"), "{output}");

    // The fix hook applies the safe fix; the unsafe one needs --unsafe-fixes, so that finding
    // remains and the hook still fails.
    let (passed, output) = run_hook(dir, "asyncheck-fix", "app.py");
    assert!(!passed, "{output}");
    assert!(output.contains("ASY001"), "{output}");
    assert_eq!(
        std::fs::read_to_string(dir.join("app.py")).unwrap(),
        SAFELY_FIXED
    );

    std::fs::write(dir.join("app.py"), GOOD).unwrap();
    git(dir, &["add", "app.py"]);
    let (passed, output) = run_hook(dir, "asyncheck", "app.py");
    assert!(passed, "the check hook must pass once fixed:\n{output}");
}
