//! The rule catalog is the test suite: every `rules/ASYNNN.md` page is checked, and every fenced
//! example in it is run with only that rule enabled.
//!
//! - `python bad`: at least one finding, all of that rule.
//! - `python good`: no finding.
//! - `python fixed`: what fixing (safe and unsafe fixes) makes of the nearest `bad` block above it.
//!   The output must parse, and fixing it again must change nothing.
//!
//! Every `bad` block is also fixed, whether or not a `fixed` block follows, and must converge to
//! valid code. A rule whose catalog says `fix = "none"` must offer no fix; one with a fix needs a
//! `fixed` example; `fix = "always"` means every finding has one. A page whose fixes are unsafe
//! (fixing with safe fixes only gives a different result) needs a "Fix safety" section.
//!
//! **Target version.** Examples run with the default settings (`target-version` py39) unless
//! their first line is a directive comment:
//!
//! ```python
//! # asyncheck: target-version = "py311"
//! ```
//!
//! which sets `target-version` for that example (and stays part of its source, so a `fixed`
//! block repeats it).
//!
//! All failures are collected and reported together, each with the page, the line of the
//! example, what differed and the actual output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use asyncheck::catalog::{self, ExampleKind, FixAvailability};
use asyncheck::rules::RULES;
use asyncheck::settings::PythonVersion;
use asyncheck::{check_source, FileOutcome, FixMode, Settings};
use ruff_python_ast::PySourceType;
use ruff_python_parser::parse_unchecked_source;

/// Sections every page has, in this order.
const REQUIRED_SECTIONS: &[&str] = &[
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Options",
];
const FIX_SAFETY: &str = "Fix safety";
const DIRECTIVE: &str = "# asyncheck: target-version =";

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// The catalog pages on disk, sorted by file name.
fn pages() -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(rules_dir())
        .expect("rules/ exists")
        .map(|entry| entry.expect("readable rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("readable catalog page");
            (file, text)
        })
        .collect();
    pages.sort();
    pages
}

/// Failures of one page, each prefixed with `rules/FILE:LINE`.
struct Failures<'a> {
    file: &'a str,
    list: &'a mut Vec<String>,
}

impl Failures<'_> {
    fn add(&mut self, line: usize, message: impl AsRef<str>) {
        self.list
            .push(format!("rules/{}:{line}: {}", self.file, message.as_ref()));
    }
}

/// The `target-version` an example asks for with its first line, or the default.
fn example_version(source: &str) -> Result<PythonVersion, String> {
    let first = source.lines().next().unwrap_or("");
    let Some(value) = first.strip_prefix(DIRECTIVE) else {
        if first
            .trim_start()
            .starts_with("# asyncheck: target-version")
        {
            return Err(format!(
                "malformed directive `{first}`; write `{DIRECTIVE} \"py311\"`"
            ));
        }
        return Ok(PythonVersion::default());
    };
    let value = value.trim().trim_matches('"');
    PythonVersion::parse(value).ok_or_else(|| format!("unknown target version `{value}`"))
}

fn settings_for(code: &str, version: PythonVersion, unsafe_fixes: bool) -> Settings {
    let mut settings = Settings::only(code).expect("the rule is registered");
    settings.target_version = version;
    settings.unsafe_fixes = unsafe_fixes;
    settings
}

fn run(source: &str, settings: &Settings, mode: FixMode) -> FileOutcome {
    check_source(source, settings.rules, settings, mode)
}

fn syntax_errors(source: &str) -> Vec<String> {
    parse_unchecked_source(source, PySourceType::Python)
        .errors()
        .iter()
        .map(|error| error.error.to_string())
        .collect()
}

fn describe(outcome: &FileOutcome) -> String {
    let mut text = String::new();
    for diagnostic in &outcome.diagnostics {
        let fix = match &diagnostic.fix {
            Some(fix) => format!(" [fix: {}]", fix.applicability.as_str()),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "    {} {:?} {}{fix}",
            diagnostic.code, diagnostic.range, diagnostic.message
        );
    }
    for error in &outcome.errors {
        let _ = writeln!(text, "    error: {}", error.message);
    }
    if text.is_empty() {
        text.push_str("    (nothing)\n");
    }
    text
}

fn indent(source: &str) -> String {
    source
        .lines()
        .map(|line| format!("    | {line}\n"))
        .collect()
}

fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header("expected (fixed block)", "actual (fix output)")
        .to_string()
}

/// What a page's examples showed about its rule's fixes.
#[derive(Default)]
struct FixFacts {
    fixed_blocks: usize,
    /// A finding in a `bad` block came with a fix.
    any_fix: bool,
    /// A finding in a `bad` block had no fix.
    any_unfixed: bool,
    /// Some `bad` block fixes differently without unsafe fixes.
    unsafe_fix: bool,
}

fn check_page(file: &str, page: &str, failures: &mut Vec<String>) {
    let mut fail = Failures {
        file,
        list: failures,
    };
    let code = file.trim_end_matches(".md");

    let info = match catalog::parse_front_matter(page) {
        Ok(info) => info,
        Err(err) => {
            fail.add(1, format!("front matter does not parse: {err}"));
            return;
        }
    };
    if info.code != code {
        fail.add(
            1,
            format!(
                "front matter says code = {:?}, file name says {code}",
                info.code
            ),
        );
    }
    let Some(entry) = RULES.iter().find(|entry| entry.code == code) else {
        fail.add(
            1,
            format!("{code} is not in the RULES table (src/rules/mod.rs)"),
        );
        return;
    };
    if entry.doc != page {
        fail.add(
            1,
            "the page compiled into the RULES entry differs from the file (rebuild)",
        );
    }

    // Sections: present, and in the usual order.
    let headings: Vec<(usize, &str)> = page
        .lines()
        .enumerate()
        .filter_map(|(index, line)| line.strip_prefix("## ").map(|h| (index + 1, h.trim())))
        .collect();
    let mut last_position = 0;
    for section in REQUIRED_SECTIONS {
        match headings.iter().position(|(_, heading)| heading == section) {
            Some(position) if position < last_position => fail.add(
                headings[position].0,
                format!(
                    "section \"## {section}\" is out of order (expected {REQUIRED_SECTIONS:?})"
                ),
            ),
            Some(position) => last_position = position,
            None => fail.add(1, format!("missing section \"## {section}\"")),
        }
    }
    let has_fix_safety = headings.iter().any(|(_, heading)| *heading == FIX_SAFETY);

    let examples = catalog::examples(page);
    // ASY011 fires only on names the user configures, which the examples cannot set; its
    // behaviour is tested in the rule's own unit tests.
    let needs_bad = info.code != "ASY011";
    if needs_bad && !examples.iter().any(|e| e.kind == ExampleKind::Bad) {
        fail.add(1, "no `python bad` example");
    }
    if !examples.iter().any(|e| e.kind == ExampleKind::Good) {
        fail.add(1, "no `python good` example");
    }

    let mut facts = FixFacts::default();
    let mut last_bad: Option<(usize, String, PythonVersion)> = None;
    for example in &examples {
        let version = match example_version(&example.source) {
            Ok(version) => version,
            Err(err) => {
                fail.add(example.line, err);
                continue;
            }
        };
        let syntax = syntax_errors(&example.source);
        if !syntax.is_empty() {
            fail.add(
                example.line,
                format!(
                    "{:?} example has syntax errors: {syntax:?}\n{}",
                    example.kind,
                    indent(&example.source)
                ),
            );
            continue;
        }
        match example.kind {
            ExampleKind::Bad => {
                check_bad(
                    code,
                    example.line,
                    &example.source,
                    version,
                    &mut facts,
                    &mut fail,
                );
                last_bad = Some((example.line, example.source.clone(), version));
            }
            ExampleKind::Good => {
                let outcome = run(
                    &example.source,
                    &settings_for(code, version, true),
                    FixMode::Check,
                );
                if !outcome.diagnostics.is_empty() || !outcome.errors.is_empty() {
                    fail.add(
                        example.line,
                        format!(
                            "good example must produce no findings, got:\n{}",
                            describe(&outcome)
                        ),
                    );
                }
            }
            ExampleKind::Fixed => {
                facts.fixed_blocks += 1;
                let Some((bad_line, bad, bad_version)) = &last_bad else {
                    fail.add(
                        example.line,
                        "`python fixed` block with no `python bad` block above it",
                    );
                    continue;
                };
                if version != *bad_version {
                    fail.add(
                        example.line,
                        format!("target version {version} differs from the bad block's ({bad_version}) at line {bad_line}"),
                    );
                }
                let settings = settings_for(code, *bad_version, true);
                let outcome = run(bad, &settings, FixMode::Apply);
                if outcome.source != example.source {
                    fail.add(
                        example.line,
                        format!(
                            "fixed block differs from the fix of the bad block at line {bad_line}:\n{}\nactual fix output:\n{}findings left:\n{}",
                            diff(&example.source, &outcome.source),
                            indent(&outcome.source),
                            describe(&outcome)
                        ),
                    );
                }
            }
        }
    }

    match info.fix {
        FixAvailability::None => {
            if facts.any_fix {
                fail.add(
                    1,
                    "fix = \"none\", but a bad example's finding offers a fix",
                );
            }
            if facts.fixed_blocks > 0 {
                fail.add(1, "fix = \"none\", but the page has `python fixed` blocks");
            }
        }
        FixAvailability::Sometimes | FixAvailability::Always => {
            if facts.fixed_blocks == 0 {
                fail.add(
                    1,
                    format!(
                        "fix = \"{}\", but there is no `python fixed` example",
                        info.fix.as_str()
                    ),
                );
            }
            if !facts.any_fix {
                fail.add(
                    1,
                    "the rule has a fix, but no bad example's finding offers one",
                );
            }
            if info.fix == FixAvailability::Always && facts.any_unfixed {
                fail.add(
                    1,
                    "fix = \"always\", but a bad example's finding has no fix",
                );
            }
        }
    }
    if facts.unsafe_fix && !has_fix_safety {
        fail.add(
            1,
            format!("the rule has unsafe fixes but no \"## {FIX_SAFETY}\" section"),
        );
    }
}

fn check_bad(
    code: &str,
    line: usize,
    source: &str,
    version: PythonVersion,
    facts: &mut FixFacts,
    fail: &mut Failures<'_>,
) {
    let settings = settings_for(code, version, true);
    let outcome = run(source, &settings, FixMode::Check);
    let only_this_rule = outcome.diagnostics.iter().all(|d| d.code == code);
    if outcome.diagnostics.is_empty() || !only_this_rule || !outcome.errors.is_empty() {
        fail.add(
            line,
            format!(
                "bad example must produce findings of {code} only, got:\n{}",
                describe(&outcome)
            ),
        );
        return;
    }
    for diagnostic in &outcome.diagnostics {
        if diagnostic.message.ends_with('.') {
            fail.add(
                line,
                format!("message ends with a period: {:?}", diagnostic.message),
            );
        }
        if diagnostic.fix.is_some() {
            facts.any_fix = true;
        } else {
            facts.any_unfixed = true;
        }
    }

    // Fixing must converge to valid code, and a second run must change nothing.
    let fixed = run(source, &settings, FixMode::Apply);
    if !fixed.errors.is_empty() {
        fail.add(
            line,
            format!("fixing the bad example failed:\n{}", describe(&fixed)),
        );
        return;
    }
    let syntax = syntax_errors(&fixed.source);
    if !syntax.is_empty() {
        fail.add(
            line,
            format!(
                "the fix output does not parse: {syntax:?}\n{}",
                indent(&fixed.source)
            ),
        );
        return;
    }
    let again = run(&fixed.source, &settings, FixMode::Apply);
    if again.source != fixed.source {
        fail.add(
            line,
            format!(
                "fixing twice changes the output again:\n{}",
                diff(&fixed.source, &again.source)
            ),
        );
    }
    let safe_only = run(source, &settings_for(code, version, false), FixMode::Apply);
    if safe_only.source != fixed.source {
        facts.unsafe_fix = true;
    }
}

#[test]
fn every_catalog_page_and_example_holds() {
    let pages = pages();
    assert!(!pages.is_empty(), "no catalog pages in rules/");
    let mut failures = Vec::new();
    for (file, page) in &pages {
        check_page(file, page, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} catalog failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn target_version_directive() {
    assert_eq!(
        example_version("# asyncheck: target-version = \"py311\"\nimport asyncio\n"),
        Ok(PythonVersion::PY311)
    );
    assert_eq!(
        example_version("import asyncio\n"),
        Ok(PythonVersion::default())
    );
    assert!(example_version("# asyncheck: target-version = \"py27\"\n").is_err());
    assert!(example_version("# asyncheck: target-version=py311\n").is_err());
}
