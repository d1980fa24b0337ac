//! Checking one source: parse, walk, suppress; and fixing it: apply, re-parse, repeat.

use std::path::Path;

use ruff_python_ast::PySourceType;
use ruff_python_parser::parse_unchecked_source;
use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{apply_fixes, Applicability, Fix};
use crate::noqa::Suppressions;
use crate::project::collect::{Collector, SummarySlot};
use crate::project::{FileProject, ModuleSummary, ProjectFacts, ProjectIndex, ProjectView};
use crate::rules::{self, Rule};
use crate::settings::{RuleSet, Settings};
use crate::walker::{RuleHooks, Walker, MAX_DEPTH};

/// How many rounds of fixes run before we give up on a file converging.
pub const MAX_FIX_ROUNDS: usize = 10;

/// Something that stopped a file from being checked or fixed completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub message: String,
    /// Where in the (final) source, when the error has a position.
    pub range: Option<TextRange>,
}

/// What checking (and maybe fixing) one source produced.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// The source the diagnostics and errors refer to: the fixed one after `--fix`.
    pub source: String,
    /// Findings left after suppression (and after fixing, those that remain).
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
    /// How many fixes were applied.
    pub fixed: usize,
    /// Codes of the fixes that were applied, for `--show-fixes` and statistics.
    pub fixed_codes: Vec<&'static str>,
    /// Fixes changed the source.
    pub changed: bool,
}

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Report only.
    Check,
    /// Apply fixes of fixable rules; unsafe ones only when `unsafe_fixes`.
    Apply,
}

/// One lint pass over one source.
struct Lint {
    diagnostics: Vec<Diagnostic>,
    errors: Vec<FileError>,
    has_syntax_errors: bool,
}

fn lint(
    source: &str,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    project: Option<&FileProject>,
    facts: &mut ProjectFacts,
) -> Lint {
    let parsed = parse_unchecked_source(source, PySourceType::Python);
    let mut errors: Vec<FileError> = parsed
        .errors()
        .iter()
        .map(|error| FileError {
            message: format!("SyntaxError: {}", error.error),
            range: Some(error.location),
        })
        .collect();
    let has_syntax_errors = !errors.is_empty();

    let mut instances: Vec<Box<dyn Rule>> =
        rules.iter().map(|i| (rules::RULES[i].create)()).collect();
    // The project view (issue 6), and the summary extracted by a hook set of its own.
    let view = project.map(|file| ProjectView::new(*file, parsed.syntax()));
    let slot = SummarySlot::default();
    if project.is_some_and(|file| file.collect) {
        instances.push(Box::new(Collector::new(slot.clone())));
    }
    let ctx = Context::new(source, parsed.syntax(), settings)
        .with_path(path)
        .with_project(view.as_ref());
    let mut walker = Walker::new(ctx, RuleHooks::new(instances));
    walker.walk_module(parsed.syntax());
    let too_deep_at = walker.too_deep_at;
    let mut diagnostics = std::mem::take(&mut walker.report);
    drop(walker);
    if let (Some(view), Some(file)) = (&view, project) {
        *facts = ProjectFacts::gather(view, file, &slot, path);
    }
    drop(view);

    apply_suppressions(source, &parsed, &mut diagnostics);
    if let Some(offset) = too_deep_at {
        errors.push(FileError {
            message: format!("too deeply nested: more than {MAX_DEPTH} levels; not fully checked"),
            range: Some(TextRange::empty(offset)),
        });
        // Dropping a tree this deep recurses once per level and could overflow the stack; the
        // memory is bounded by the file's size, so leaking it is the safe choice.
        std::mem::forget(parsed);
    }
    let ending = line_ending(source);
    for diagnostic in &mut diagnostics {
        // An unfixable rule's fix is neither applied nor advertised; its title stays as help.
        let fixable =
            rules::index_of(diagnostic.code).is_some_and(|i| settings.fixable.contains(i));
        if !fixable {
            diagnostic.fix = None;
        }
        if let Some(fix) = &mut diagnostic.fix {
            keep_line_endings(fix, ending);
        }
    }
    diagnostics.sort_by_key(|d| (d.range.start(), d.range.end(), d.code));
    diagnostics.dedup_by(|a, b| a.code == b.code && a.range == b.range);
    Lint {
        diagnostics,
        errors,
        has_syntax_errors,
    }
}

/// The file's line ending, from its first line break: `\n`, `\r\n` or a lone `\r`.
fn line_ending(source: &str) -> &'static str {
    match source.bytes().position(|b| b == b'\n' || b == b'\r') {
        Some(i) if source.as_bytes()[i] == b'\n' => "\n",
        Some(i) if source.as_bytes().get(i + 1) == Some(&b'\n') => "\r\n",
        Some(_) => "\r",
        None => "\n",
    }
}

/// Line breaks a fix inserts follow the file's ending, so a CRLF or CR-only file stays one
/// (Python reads every kind alike, also inside strings, so this never changes behaviour).
fn keep_line_endings(fix: &mut Fix, ending: &str) {
    if ending == "\n" {
        return;
    }
    for edit in &mut fix.edits {
        if edit.content.contains('\n') {
            edit.content = edit.content.replace("\r\n", "\n").replace('\n', ending);
        }
    }
}

fn apply_suppressions(
    source: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::ModModule>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Building the line index costs a pass over the file: only when a directive can exist.
    if diagnostics.is_empty() || !mentions_noqa(source) {
        return;
    }
    let lines = LineIndex::from_source_text(source);
    let suppressions = Suppressions::from_tokens(source, parsed.tokens(), &lines);
    if !suppressions.is_empty() {
        diagnostics.retain(|d| !suppressions.suppresses(d.code, d.range.start(), &lines));
    }
}

/// Could the source hold a `# noqa` in any letter case? A cheap scan before tokens are read.
fn mentions_noqa(source: &str) -> bool {
    source
        .as_bytes()
        .windows(4)
        .any(|window| window.eq_ignore_ascii_case(b"noqa"))
}

/// Checks one source with the rules `settings` enables for it (per-file ignores already
/// removed from `rules`), and in `FixMode::Apply` fixes it until nothing more changes.
pub fn check_source(
    source: &str,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
) -> FileOutcome {
    check_source_at(source, None, rules, settings, mode)
}

/// [`check_source`] for a source read from `path` (rules such as ASY142 look at the file's name
/// and the configuration around it).
pub fn check_source_at(
    source: &str,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
) -> FileOutcome {
    if !crate::project::wanted(rules) {
        return check_in_project(
            source,
            path,
            rules,
            settings,
            mode,
            None,
            &mut ProjectFacts::default(),
        );
    }
    // The index of a single source is still an index: same-module helpers (ASY014) and
    // functions are known after a first pass; the source is checked again only when an answer
    // can change a finding (see `project::view`).
    let file = FileProject {
        collect: true,
        ..FileProject::default()
    };
    let mut facts = ProjectFacts::default();
    let first = check_in_project(source, path, rules, settings, mode, Some(&file), &mut facts);
    let (Some(summary), false) = (facts.summary, facts.questions.is_empty()) else {
        return first;
    };
    let index = ProjectIndex::build(vec![summary], &crate::project::policy(settings));
    if !facts.questions.iter().any(|q| q.matters(&index, Some(0))) {
        return first;
    }
    let file = FileProject {
        index: Some(&index),
        module_id: Some(0),
        ..FileProject::default()
    };
    recheck(source, first, path, rules, settings, mode, &file)
}

/// Checks a source again with the project index ready, after a first pass (`first`, whose
/// fixes are kept) asked questions the index answers. `original` is the source as read.
pub fn recheck(
    original: &str,
    first: FileOutcome,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
    project: &FileProject,
) -> FileOutcome {
    let mut facts = ProjectFacts::default();
    let mut again = check_in_project(
        &first.source,
        path,
        rules,
        settings,
        mode,
        Some(project),
        &mut facts,
    );
    again.fixed += first.fixed;
    let mut codes = first.fixed_codes;
    codes.append(&mut again.fixed_codes);
    again.fixed_codes = codes;
    let mut errors = first.errors;
    for error in again.errors.drain(..) {
        if !errors.contains(&error) {
            errors.push(error);
        }
    }
    again.errors = errors;
    again.changed = again.fixed > 0 && again.source != original;
    again
}

/// [`check_source_at`] as one file of a project run: with `project`, the walk also extracts the
/// module's summary (into `facts`, with the questions asked of the index when it is not built
/// yet) or answers from the index.
pub fn check_in_project(
    source: &str,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
    project: Option<&FileProject>,
    facts: &mut ProjectFacts,
) -> FileOutcome {
    if line_ending(source) == "\r" && !source.contains('\n') {
        return check_cr_only(source, path, rules, settings, mode, project, facts);
    }
    let mut outcome = check_and_fix(source, path, rules, settings, mode, project, facts);
    outcome.changed = outcome.fixed > 0 && outcome.source != source;
    outcome
}

/// The summary of a file the run does not check (summary only: no rules run, nothing is
/// reported), for the project index.
pub fn summarize(
    source: &str,
    path: Option<&Path>,
    project: &FileProject,
) -> Option<ModuleSummary> {
    let mut facts = ProjectFacts::default();
    let file = FileProject {
        collect: true,
        index: None,
        ..*project
    };
    let settings = Settings::default();
    lint(
        source,
        path,
        RuleSet::empty(),
        &settings,
        Some(&file),
        &mut facts,
    );
    facts.summary
}

/// A file whose lines all end in a lone `\r` (old Mac style) is checked as the same text with
/// `\n` endings: every `\r` in it is a line break to Python, the offsets are the same, and rules
/// (and the context's line helpers) need only know `\n` and `\r\n`. The fixed text and the fixes
/// get their `\r` back.
fn check_cr_only(
    source: &str,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
    project: Option<&FileProject>,
    facts: &mut ProjectFacts,
) -> FileOutcome {
    let lf = source.replace('\r', "\n");
    let mut outcome = check_and_fix(&lf, path, rules, settings, mode, project, facts);
    outcome.source = outcome.source.replace('\n', "\r");
    let fixes = outcome
        .diagnostics
        .iter_mut()
        .filter_map(|d| d.fix.as_mut());
    for fix in fixes {
        for edit in &mut fix.edits {
            edit.content = edit.content.replace('\n', "\r");
        }
    }
    outcome.changed = outcome.fixed > 0 && outcome.source != source;
    outcome
}

fn check_and_fix(
    source: &str,
    path: Option<&Path>,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
    project: Option<&FileProject>,
    facts: &mut ProjectFacts,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        source: source.to_string(),
        ..FileOutcome::default()
    };
    // Fixes that broke the syntax, by (code, flagged text): never retried.
    let mut rejected: Vec<(&'static str, String)> = Vec::new();
    // The findings of the source as given, should its fixes not settle.
    let mut original_diagnostics: Option<Vec<Diagnostic>> = None;
    let mut round = 0;
    loop {
        let lint = lint(&outcome.source, path, rules, settings, project, facts);
        if mode == FixMode::Check || lint.has_syntax_errors || !lint.errors.is_empty() {
            outcome.diagnostics = lint.diagnostics;
            outcome.errors.extend(lint.errors);
            return outcome;
        }
        let candidates: Vec<&Diagnostic> = lint
            .diagnostics
            .iter()
            .filter(|d| is_applicable(d, settings))
            .filter(|d| !rejected.contains(&(d.code, outcome.source[d.range].to_string())))
            .collect();
        if candidates.is_empty() {
            outcome.diagnostics = lint.diagnostics;
            return outcome;
        }
        if round == MAX_FIX_ROUNDS {
            let mut codes: Vec<&str> = candidates.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            // Fixes that keep finding something to fix (each round adding the same lines
            // again) are not written at all: the file stays as it was, with its findings.
            outcome.source = source.to_string();
            outcome.fixed = 0;
            outcome.fixed_codes.clear();
            for error in &mut outcome.errors {
                error.range = None;
            }
            outcome.errors.push(FileError {
                message: format!(
                    "fixes did not converge after {MAX_FIX_ROUNDS} rounds ({}) and were not applied; please report this",
                    codes.join(", ")
                ),
                range: None,
            });
            outcome.diagnostics = original_diagnostics.unwrap_or(lint.diagnostics);
            return outcome;
        }
        if round == 0 {
            original_diagnostics = Some(lint.diagnostics.clone());
        }
        round += 1;
        match apply_round(&outcome.source, &candidates) {
            RoundResult::Applied { source, codes } => {
                outcome.fixed += codes.len();
                outcome.fixed_codes.extend(codes);
                outcome.source = source;
            }
            RoundResult::Broken(diagnostic) => {
                outcome.errors.push(FileError {
                    message: format!(
                        "the fix for {} would produce invalid syntax and was not applied; please report this",
                        diagnostic.code
                    ),
                    range: Some(diagnostic.range),
                });
                rejected.push((
                    diagnostic.code,
                    outcome.source[diagnostic.range].to_string(),
                ));
            }
        }
    }
}

fn is_applicable(diagnostic: &Diagnostic, settings: &Settings) -> bool {
    // Fixes of unfixable rules were already removed by `lint`.
    diagnostic
        .fix
        .as_ref()
        .is_some_and(|fix| fix.applicability == Applicability::Safe || settings.unsafe_fixes)
}

enum RoundResult<'d> {
    Applied {
        source: String,
        codes: Vec<&'static str>,
    },
    /// A fix that produces invalid syntax on its own.
    Broken(&'d Diagnostic),
}

/// Applies the non-overlapping candidates; when the result does not parse, finds a fix that
/// breaks the syntax on its own, or falls back to applying the first candidate alone.
fn apply_round<'d>(source: &str, candidates: &[&'d Diagnostic]) -> RoundResult<'d> {
    let fixes: Vec<&Fix> = candidates.iter().filter_map(|d| d.fix.as_ref()).collect();
    let applied = apply_fixes(source, &fixes);
    if parses(&applied.source) {
        return RoundResult::Applied {
            source: applied.source,
            codes: applied
                .applied
                .iter()
                .map(|&i| candidates[i].code)
                .collect(),
        };
    }
    for &candidate in candidates {
        let Some(fix) = candidate.fix.as_ref() else {
            continue;
        };
        let alone = apply_fixes(source, &[fix]);
        if !parses(&alone.source) {
            return RoundResult::Broken(candidate);
        }
    }
    // Each fix is fine alone but not together: take them one round at a time.
    let first = candidates[0];
    let alone = apply_fixes(
        source,
        &[first.fix.as_ref().expect("candidates have fixes")],
    );
    RoundResult::Applied {
        source: alone.source,
        codes: vec![first.code],
    }
}

fn parses(source: &str) -> bool {
    parse_unchecked_source(source, PySourceType::Python)
        .errors()
        .is_empty()
}

/// 1-based line and column (in characters) of an offset, as reports print them.
pub fn line_column(source: &str, index: &LineIndex, offset: TextSize) -> (usize, usize) {
    let location = index.line_column(offset, source);
    (location.line.get(), location.column.get())
}

/// The source text of each finding rule `code` alone reports on `source` (for rules' unit
/// tests).
#[cfg(test)]
pub(crate) fn flagged_texts(source: &str, code: &str) -> Vec<String> {
    let settings = Settings::only(code).expect("a known rule code");
    check_source(source, settings.rules, &settings, FixMode::Check)
        .diagnostics
        .into_iter()
        .map(|diagnostic| source[diagnostic.range].to_string())
        .collect()
}

/// The messages of the findings `settings` produces on `source` (for rules' unit tests).
#[cfg(test)]
pub(crate) fn finding_messages(source: &str, settings: &Settings) -> Vec<String> {
    check_source(source, settings.rules, settings, FixMode::Check)
        .diagnostics
        .into_iter()
        .map(|diagnostic| diagnostic.message)
        .collect()
}
