//! Every output format on a fixed set of results (snapshots), plus the structure the machine
//! formats promise, and `--diff` output applied for real with `git apply` and `patch -p1`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use asyncheck::report::{self, write_diff_summary, write_report, ReportOptions};
use asyncheck::runner::FileResult;
use asyncheck::settings::OutputFormat;
use asyncheck::{check_source, diff, FixMode, Settings};
use serde_json::Value;

const APP: &str = "\
import time


async def handler():
    time.sleep(1)
    return 1


async def worker(jobs):
\tfor job in jobs:
\t\ttime.sleep(0.5)  # back off
\t\tjob()
";

/// Cannot get `await` (inside a generator expression): help, but no fix.
const GENEXP: &str = "\
import time


async def total(items):
    return sum(time.sleep(0) or item for item in items)
";

const BROKEN: &str = "\
import time

async def broken(:
    time.sleep(1)
";

/// Only ASY001, so that rules added later do not change these snapshots.
fn settings(unsafe_fixes: bool) -> Settings {
    let mut settings = Settings::only("ASY001").expect("ASY001 is registered");
    settings.unsafe_fixes = unsafe_fixes;
    settings
}

fn result(path: &str, source: &str, mode: FixMode, unsafe_fixes: bool) -> FileResult {
    let settings = settings(unsafe_fixes);
    FileResult {
        path: PathBuf::from(path),
        original: source.to_string(),
        outcome: check_source(source, settings.rules, &settings, mode),
        bom: false,
    }
}

/// Findings in two files, a file with a syntax error, a clean file and an unreadable one,
/// sorted by path as the runner delivers them.
fn results() -> Vec<FileResult> {
    vec![
        result("pkg/app.py", APP, FixMode::Check, false),
        result("pkg/broken.py", BROKEN, FixMode::Check, false),
        result(
            "pkg/clean.py",
            "async def f():\n    pass\n",
            FixMode::Check,
            false,
        ),
        result("pkg/gen.py", GENEXP, FixMode::Check, false),
        FileResult::unreadable(
            Path::new("pkg/locked.py"),
            "Failed to read: Permission denied (os error 13)".to_string(),
        ),
    ]
}

fn options(format: OutputFormat) -> ReportOptions {
    ReportOptions {
        format,
        ..ReportOptions::default()
    }
}

fn render(results: &[FileResult], options: &ReportOptions) -> String {
    let mut out = Vec::new();
    write_report(&mut out, results, options).expect("writing to memory succeeds");
    String::from_utf8(out).expect("reports are UTF-8")
}

/// The working directory in absolute paths, replaced so that snapshots do not depend on it.
fn redact_cwd(text: &str) -> String {
    let cwd = std::env::current_dir().unwrap();
    let cwd = serde_json::to_string(&cwd.to_string_lossy()).unwrap();
    text.replace(cwd.trim_matches('"'), "[CWD]")
}

#[test]
fn full() {
    insta::assert_snapshot!(render(&results(), &options(OutputFormat::Full)));
}

#[test]
fn full_with_unsafe_fixes_marks_fixable_findings() {
    let results = vec![result("pkg/app.py", APP, FixMode::Check, true)];
    let options = ReportOptions {
        unsafe_fixes: true,
        ..options(OutputFormat::Full)
    };
    insta::assert_snapshot!(render(&results, &options));
}

#[test]
fn concise() {
    insta::assert_snapshot!(render(&results(), &options(OutputFormat::Concise)));
}

#[test]
fn concise_quiet_has_no_summary() {
    let options = ReportOptions {
        quiet: true,
        ..options(OutputFormat::Concise)
    };
    let text = render(&results(), &options);
    assert!(!text.contains("Found"), "{text}");
    assert_eq!(text.lines().count(), 7, "{text}");
}

#[test]
fn clean_run() {
    let results = vec![result("pkg/clean.py", "x = 1\n", FixMode::Check, false)];
    assert_eq!(
        render(&results, &options(OutputFormat::Full)),
        "All checks passed!\n"
    );
    assert_eq!(render(&results, &options(OutputFormat::Json)), "[]\n");
    assert_eq!(render(&results, &options(OutputFormat::Github)), "");
}

#[test]
fn fix_mode_with_show_fixes() {
    let results = vec![
        result("pkg/app.py", APP, FixMode::Apply, true),
        result("pkg/gen.py", GENEXP, FixMode::Apply, true),
    ];
    assert_eq!(results[0].outcome.fixed, 2);
    let options = ReportOptions {
        fix_mode: true,
        show_fixes: true,
        unsafe_fixes: true,
        ..options(OutputFormat::Full)
    };
    insta::assert_snapshot!(render(&results, &options));
}

#[test]
fn json() {
    let text = render(&results(), &options(OutputFormat::Json));
    let value: Value = serde_json::from_str(&text).expect("valid JSON");
    let items = value.as_array().expect("an array");
    assert_eq!(items.len(), 7);
    let ruff_keys = [
        "cell",
        "code",
        "end_location",
        "filename",
        "fix",
        "location",
        "message",
        "noqa_row",
        "url",
    ];
    for item in items {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ruff_keys);
        assert!(Path::new(item["filename"].as_str().unwrap()).is_absolute());
    }
    let first = &items[0];
    assert_eq!(first["code"], "ASY001");
    assert_eq!(first["location"]["row"], 5);
    assert_eq!(first["noqa_row"], 5);
    assert_eq!(first["fix"]["applicability"], "unsafe");
    assert_eq!(
        first["url"],
        "https://github.com/asyncheck/asyncheck/blob/main/rules/ASY001.md"
    );
    let syntax_error = items
        .iter()
        .find(|item| item["message"].as_str().unwrap().starts_with("SyntaxError"))
        .expect("the syntax error is reported");
    assert!(syntax_error["code"].is_null() && syntax_error["url"].is_null());
    insta::assert_snapshot!(redact_cwd(&text));
}

#[test]
fn sarif() {
    let text = render(&results(), &options(OutputFormat::Sarif));
    let mut value: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["version"], "2.1.0");
    assert_eq!(
        value["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = value["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "asyncheck");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    // One rule entry per code in the registry, in registry order, each complete.
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let registry: Vec<&str> = asyncheck::rules::RULES.iter().map(|r| r.code).collect();
    assert_eq!(ids, registry);
    for (rule, info) in rules.iter().zip(asyncheck::rules::infos()) {
        assert_eq!(rule["name"], info.name.as_str());
        assert_eq!(rule["shortDescription"]["text"], info.summary.as_str());
        assert_eq!(rule["helpUri"], report::rule_url(&info.code));
        assert!(rule["properties"].is_object());
    }

    // Findings are results pointing at their rule; the files that could not be checked are
    // tool execution notifications.
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], ids[index]);
        assert_eq!(result["level"], "error");
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("pkg/"));
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // The snapshot keeps ASY001's descriptor (without its long Markdown help) and none of the
    // rules added later.
    let driver = &mut value["runs"][0]["tool"]["driver"];
    driver["version"] = "[VERSION]".into();
    let mut first = driver["rules"][0].clone();
    first["help"]["markdown"] = "[CATALOG PAGE]".into();
    driver["rules"] = Value::Array(vec![first, "[MORE RULES]".into()]);
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}

#[test]
fn github() {
    insta::assert_snapshot!(render(&results(), &options(OutputFormat::Github)));
}

#[test]
fn statistics() {
    let options = ReportOptions {
        statistics: true,
        ..options(OutputFormat::Full)
    };
    insta::assert_snapshot!(render(&results(), &options));
}

#[test]
fn statistics_json() {
    let options = ReportOptions {
        statistics: true,
        ..options(OutputFormat::Json)
    };
    insta::assert_snapshot!(render(&results(), &options));
}

#[test]
fn color_only_in_text_formats() {
    let colored = ReportOptions {
        color: true,
        ..options(OutputFormat::Concise)
    };
    let text = render(&results(), &colored);
    assert!(text.contains("\x1b[1;31mASY001\x1b[0m"), "{text:?}");
    assert!(text.contains("\x1b[1mpkg/app.py\x1b[0m"), "{text:?}");
    for format in [
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
    ] {
        let options = ReportOptions {
            color: true,
            ..options(format)
        };
        assert!(!render(&results(), &options).contains('\x1b'), "{format:?}");
    }
    assert!(!render(&results(), &options(OutputFormat::Full)).contains('\x1b'));
}

#[test]
fn diff_summary() {
    let results = vec![
        result("pkg/app.py", APP, FixMode::Apply, false),
        result("pkg/broken.py", BROKEN, FixMode::Check, false),
    ];
    let mut out = Vec::new();
    write_diff_summary(&mut out, &results, &ReportOptions::default()).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

// --- `--diff` output applied by real tools -------------------------------------------------

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|err| format!("{program}: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Writes `original` at `name` in a fresh directory, applies the diff with `tool`, and
/// returns what the file holds afterwards.
fn apply_with(tool: &str, name: &str, original: &str, diff: &str) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, original).unwrap();
    fs::write(dir.path().join("fix.patch"), diff).unwrap();
    match tool {
        "git" => {
            run(dir.path(), "git", &["init", "-q"])?;
            run(dir.path(), "git", &["apply", "--check", "fix.patch"])?;
            run(dir.path(), "git", &["apply", "fix.patch"])?;
        }
        "patch" => {
            run(
                dir.path(),
                "patch",
                &["-p1", "--dry-run", "--quiet", "-i", "fix.patch"],
            )?;
            run(dir.path(), "patch", &["-p1", "--quiet", "-i", "fix.patch"])?;
        }
        _ => unreachable!(),
    }
    Ok(fs::read(&path).unwrap())
}

/// (name, original, fixed) cases whose diffs must reproduce `fixed` byte for byte.
fn diff_cases() -> Vec<(String, String, String)> {
    let mut cases = Vec::new();
    // Real fixes from the linter: LF, CRLF, no final newline, a tab-indented file.
    for (name, source) in [
        ("pkg/app.py", APP.to_string()),
        ("pkg/crlf.py", APP.replace('\n', "\r\n")),
        ("pkg/no_newline.py", APP.trim_end().to_string()),
        ("pkg/deep/with space.py", APP.to_string()),
    ] {
        let outcome = check_source(
            &source,
            settings(true).rules,
            &settings(true),
            FixMode::Apply,
        );
        assert!(outcome.fixed > 0, "{name}: the fix applies");
        cases.push((name.to_string(), source, outcome.source));
    }
    // Hand-made edits around the awkward spots.
    let long: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    let edited = long
        .replace("line 2\n", "line two\n")
        .replace("line 29\n", "")
        + "line 31";
    cases.push(("long.py".into(), long, edited));
    cases.push(("gain_newline.py".into(), "a\nb".into(), "a\nb\n".into()));
    cases.push(("lose_newline.py".into(), "a\nb\n".into(), "a\nc".into()));
    cases.push((
        "mixed.py".into(),
        "a\r\nb\nc\r\n".into(),
        "a\r\nB\nc\r\n".into(),
    ));
    cases.push(("lone_cr.py".into(), "a\rb\nc\n".into(), "a\rb\nC\n".into()));
    cases.push(("from_empty.py".into(), String::new(), "x = 1\n".into()));
    cases
}

fn check_round_trips(tool: &str) {
    if !have(tool) {
        eprintln!("skipping: `{tool}` is not installed");
        return;
    }
    let mut failures = Vec::new();
    for (name, original, fixed) in diff_cases() {
        let diff = diff::unified_diff(Path::new(&name), &original, &fixed);
        assert!(diff.starts_with(&format!("--- a/{name}")), "{diff}");
        match apply_with(tool, &name, &original, &diff) {
            Ok(bytes) if bytes == fixed.as_bytes() => {}
            Ok(bytes) => failures.push(format!(
                "{name}: {tool} produced {:?}, expected {fixed:?}",
                String::from_utf8_lossy(&bytes)
            )),
            Err(err) => failures.push(format!("{name}: {err}\n{diff}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn diffs_apply_with_git_apply() {
    check_round_trips("git");
}

#[test]
fn diffs_apply_with_patch() {
    check_round_trips("patch");
}

#[test]
fn diff_of_a_real_fix() {
    let outcome = check_source(APP, settings(true).rules, &settings(true), FixMode::Apply);
    insta::assert_snapshot!(diff::unified_diff(
        Path::new("pkg/app.py"),
        APP,
        &outcome.source
    ));
}
