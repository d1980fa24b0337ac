//! Checking one source: parse, walk, suppress; and fixing it: apply, re-parse, repeat.

use ruff_python_ast::PySourceType;
use ruff_python_parser::parse_unchecked_source;
use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{apply_fixes, Applicability, Fix};
use crate::noqa::Suppressions;
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

fn lint(source: &str, rules: RuleSet, settings: &Settings) -> Lint {
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

    let instances: Vec<Box<dyn Rule>> = rules.iter().map(|i| (rules::RULES[i].create)()).collect();
    let ctx = Context::new(source, parsed.syntax(), settings);
    let mut walker = Walker::new(ctx, RuleHooks::new(instances));
    walker.walk_module(parsed.syntax());
    let too_deep_at = walker.too_deep_at;
    let mut diagnostics = std::mem::take(&mut walker.report);
    drop(walker);

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
    for diagnostic in &mut diagnostics {
        // An unfixable rule's fix is neither applied nor advertised; its title stays as help.
        let fixable =
            rules::index_of(diagnostic.code).is_some_and(|i| settings.fixable.contains(i));
        if !fixable {
            diagnostic.fix = None;
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
    let mut outcome = check_and_fix(source, rules, settings, mode);
    outcome.changed = outcome.fixed > 0 && outcome.source != source;
    outcome
}

fn check_and_fix(source: &str, rules: RuleSet, settings: &Settings, mode: FixMode) -> FileOutcome {
    let mut outcome = FileOutcome {
        source: source.to_string(),
        ..FileOutcome::default()
    };
    // Fixes that broke the syntax, by (code, flagged text): never retried.
    let mut rejected: Vec<(&'static str, String)> = Vec::new();
    let mut round = 0;
    loop {
        let lint = lint(&outcome.source, rules, settings);
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
            outcome.errors.push(FileError {
                message: format!(
                    "fixes did not converge after {MAX_FIX_ROUNDS} rounds ({}); please report this",
                    codes.join(", ")
                ),
                range: None,
            });
            outcome.diagnostics = lint.diagnostics;
            return outcome;
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

/// The messages of the findings `settings` produces on `source` (for rules' unit tests).
#[cfg(test)]
pub(crate) fn finding_messages(source: &str, settings: &Settings) -> Vec<String> {
    check_source(source, settings.rules, settings, FixMode::Check)
        .diagnostics
        .into_iter()
        .map(|diagnostic| diagnostic.message)
        .collect()
}
