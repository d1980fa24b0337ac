//! Printing the results of a run: one emitter per output format, plus the summary line,
//! `--show-fixes` and `--statistics`. The formats follow Ruff's, so tooling built for Ruff's
//! output reads ours.
//!
//! Everything a report says comes from the [`FileResult`]s: the findings that remain, the errors,
//! and the fixes applied. Positions are 1-based lines and 1-based columns counted in characters.

mod concise;
mod full;
mod github;
mod json;
mod sarif;
mod statistics;
mod style;
mod summary;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use crate::linter::FileError;
use crate::runner::FileResult;
use crate::settings::OutputFormat;

use style::Painter;

pub use summary::write_diff_summary;

/// The project's home, for SARIF's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/asyncheck/asyncheck";

/// Where rule pages live; a rule's page is `<base><CODE>.md`.
pub const RULE_DOCS_BASE_URL: &str = "https://github.com/asyncheck/asyncheck/blob/main/rules/";

/// The documentation page of a rule.
pub fn rule_url(code: &str) -> String {
    format!("{RULE_DOCS_BASE_URL}{code}.md")
}

/// How to print a run. The command line decides `color` (a terminal, no `NO_COLOR`, no
/// `--no-color`); the machine-readable formats are never colored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportOptions {
    pub format: OutputFormat,
    pub color: bool,
    /// `--show-fixes`: list the fixes applied, per file.
    pub show_fixes: bool,
    /// `--statistics`: a count per code instead of the findings.
    pub statistics: bool,
    /// Unsafe fixes are enabled (`--unsafe-fixes` or `unsafe-fixes = true`).
    pub unsafe_fixes: bool,
    /// `--fix` was given: the results hold fixed sources and what remains.
    pub fix_mode: bool,
    /// `--quiet`: the findings only, no summary.
    pub quiet: bool,
}

impl ReportOptions {
    /// Whether the combination can be printed: `--statistics` supports the `full`, `concise`
    /// and `json` formats only (as in Ruff).
    pub fn validate(&self) -> Result<(), String> {
        if self.statistics && matches!(self.format, OutputFormat::Sarif | OutputFormat::Github) {
            return Err(format!(
                "`--statistics` cannot be used with `--output-format {}`; use full, concise or json",
                format_name(self.format)
            ));
        }
        Ok(())
    }

    /// Would a fix be applied by `--fix` with these options?
    fn applies(&self, diagnostic: &Diagnostic) -> bool {
        diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == Applicability::Safe || self.unsafe_fixes)
    }

    /// A fix that only `--unsafe-fixes` would apply.
    fn hidden(&self, diagnostic: &Diagnostic) -> bool {
        !self.unsafe_fixes
            && diagnostic
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Unsafe)
    }

    /// `[*]` marks fixable findings, except after `--fix` (what could be fixed already was).
    fn show_fix_status(&self) -> bool {
        !self.fix_mode
    }
}

fn format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Full => "full",
        OutputFormat::Concise => "concise",
        OutputFormat::Json => "json",
        OutputFormat::Sarif => "sarif",
        OutputFormat::Github => "github",
    }
}

/// Prints `results` (sorted by path) in `options.format`. Within a file, findings and errors
/// are printed by position; errors without a position come first.
pub fn write_report(
    out: &mut dyn Write,
    results: &[FileResult],
    options: &ReportOptions,
) -> io::Result<()> {
    options
        .validate()
        .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
    let files: Vec<FileReport> = results.iter().map(FileReport::new).collect();
    let painter = Painter {
        enabled: options.color
            && matches!(options.format, OutputFormat::Full | OutputFormat::Concise),
    };

    if options.statistics {
        statistics::write(out, &files, options, painter)?;
        return out.flush();
    }
    match options.format {
        OutputFormat::Full | OutputFormat::Concise => {
            for file in &files {
                for item in &file.items {
                    if options.format == OutputFormat::Full {
                        full::write_item(out, file, item, options, painter)?;
                    } else {
                        concise::write_item(out, file, item, options, painter)?;
                    }
                }
            }
            if options.show_fixes {
                // `full` ends every finding with a blank line already.
                let blank_before = options.format == OutputFormat::Concise
                    && files.iter().any(|file| !file.items.is_empty());
                summary::write_fixes(out, &files, painter, blank_before)?;
            }
            if !options.quiet {
                summary::write_summary(out, &files, options)?;
            }
        }
        OutputFormat::Json => json::write(out, &files)?,
        OutputFormat::Sarif => sarif::write(out, &files)?,
        OutputFormat::Github => github::write(out, &files)?,
    }
    out.flush()
}

/// A 1-based position, as every format prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Location {
    /// 1-based column, in characters.
    column: usize,
    /// 1-based line.
    row: usize,
}

impl Location {
    /// Where errors without a position point, in formats that need one.
    const FILE_START: Location = Location { column: 1, row: 1 };
}

/// Something to print about a file.
#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    Finding(&'a Diagnostic),
    Error(&'a FileError),
}

impl Item<'_> {
    fn range(&self) -> Option<TextRange> {
        match self {
            Item::Finding(diagnostic) => Some(diagnostic.range),
            Item::Error(error) => error.range,
        }
    }
}

/// One file's result with its items in print order and a line index for positions.
struct FileReport<'a> {
    result: &'a FileResult,
    index: LineIndex,
    items: Vec<Item<'a>>,
}

impl<'a> FileReport<'a> {
    fn new(result: &'a FileResult) -> Self {
        let outcome = &result.outcome;
        let mut items: Vec<Item<'a>> = outcome
            .errors
            .iter()
            .map(Item::Error)
            .chain(outcome.diagnostics.iter().map(Item::Finding))
            .collect();
        // Errors without a position first; then by position; an error before a finding at the
        // same place; then by code.
        items.sort_by_key(|item| {
            let start = item.range().map(|range| range.start());
            let (kind, code) = match item {
                Item::Error(_) => (0, ""),
                Item::Finding(diagnostic) => (1, diagnostic.code),
            };
            (start, kind, code)
        });
        let index = if items.is_empty() {
            LineIndex::from_source_text("")
        } else {
            LineIndex::from_source_text(&outcome.source)
        };
        Self {
            result,
            index,
            items,
        }
    }

    fn source(&self) -> &str {
        &self.result.outcome.source
    }

    fn path(&self) -> &Path {
        &self.result.path
    }

    /// An offset made safe to look up: inside the source and on a character boundary.
    fn clamp(&self, offset: TextSize) -> TextSize {
        let source = self.source();
        let mut at = usize::from(offset).min(source.len());
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        TextSize::try_from(at).unwrap_or(offset)
    }

    fn location(&self, offset: TextSize) -> Location {
        let offset = self.clamp(offset);
        let position = self.index.line_column(offset, self.source());
        Location {
            row: position.line.get(),
            column: position.column.get(),
        }
    }

    /// Start and end of an item; errors without a position point at the file's start.
    fn span(&self, item: &Item) -> (Location, Location) {
        match item.range() {
            Some(range) => (self.location(range.start()), self.location(range.end())),
            None => (Location::FILE_START, Location::FILE_START),
        }
    }

    /// The path with forward slashes, as the machine formats and GitHub want it.
    fn slash_path(&self) -> String {
        slash_path(self.path())
    }
}

fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// The absolute form of a path, without resolving symbolic links (as Ruff's JSON shows it).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The rule name of a code, from the catalog.
fn rule_name(code: &str) -> Option<&'static str> {
    crate::rules::index_of(code).map(|index| crate::rules::infos()[index].name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{Edit, Fix};
    use crate::linter::FileOutcome;

    fn result(source: &str, diagnostics: Vec<Diagnostic>, errors: Vec<FileError>) -> FileResult {
        FileResult {
            path: PathBuf::from("m.py"),
            original: source.to_string(),
            outcome: FileOutcome {
                source: source.to_string(),
                diagnostics,
                errors,
                ..FileOutcome::default()
            },
            bom: false,
        }
    }

    fn range(start: u32, end: u32) -> TextRange {
        TextRange::new(start.into(), end.into())
    }

    #[test]
    fn items_sort_by_position_with_file_errors_first() {
        let source = "a\nb\nc\n";
        let result = result(
            source,
            vec![
                Diagnostic::new("ASY001", range(4, 5), "late"),
                Diagnostic::new("ASY001", range(0, 1), "early"),
            ],
            vec![
                FileError {
                    message: "at b".into(),
                    range: Some(range(2, 3)),
                },
                FileError {
                    message: "whole file".into(),
                    range: None,
                },
            ],
        );
        let report = FileReport::new(&result);
        let order: Vec<String> = report
            .items
            .iter()
            .map(|item| match item {
                Item::Finding(d) => d.message.clone(),
                Item::Error(e) => e.message.clone(),
            })
            .collect();
        assert_eq!(order, ["whole file", "early", "at b", "late"]);
    }

    #[test]
    fn locations_count_characters_and_survive_bad_offsets() {
        let source = "é = 1\nx\n";
        let result = result(
            source,
            vec![Diagnostic::new("ASY001", range(2, 3), "m")],
            vec![],
        );
        let report = FileReport::new(&result);
        assert_eq!(report.location(2.into()), Location { row: 1, column: 2 });
        // Inside `é`, and past the end: clamped, never a panic.
        assert_eq!(report.location(1.into()), Location { row: 1, column: 1 });
        assert_eq!(report.location(100.into()), Location { row: 3, column: 1 });
    }

    #[test]
    fn applicability_follows_unsafe_fixes() {
        let unsafe_fix = Diagnostic::new("ASY001", range(0, 1), "m")
            .with_fix("t", Fix::unsafe_(vec![Edit::delete(range(0, 1))]));
        let mut options = ReportOptions::default();
        assert!(!options.applies(&unsafe_fix) && options.hidden(&unsafe_fix));
        options.unsafe_fixes = true;
        assert!(options.applies(&unsafe_fix) && !options.hidden(&unsafe_fix));
    }

    #[test]
    fn statistics_only_with_text_or_json() {
        let mut options = ReportOptions {
            statistics: true,
            ..ReportOptions::default()
        };
        assert!(options.validate().is_ok());
        options.format = OutputFormat::Sarif;
        assert!(options.validate().is_err());
        let err = write_report(&mut Vec::new(), &[], &options).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn rule_urls_point_at_the_catalog() {
        assert_eq!(
            rule_url("ASY001"),
            "https://github.com/asyncheck/asyncheck/blob/main/rules/ASY001.md"
        );
    }
}
