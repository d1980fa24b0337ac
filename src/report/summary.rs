//! The lines after the findings in the text formats: the `--show-fixes` listing and the summary
//! ("Found 3 findings (2 fixable with `--fix`; 1 more with `--unsafe-fixes`)."), and the summary
//! for `--diff` ("Would fix 2 findings.").

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::concise;
use super::style::{Painter, Style};
use super::{rule_name, FileReport, Item, ReportOptions};
use crate::runner::FileResult;

/// What a run amounts to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Totals {
    /// Findings left.
    pub(super) remaining: usize,
    /// Fixes applied (after `--fix`, or that `--diff` would apply).
    pub(super) fixed: usize,
    pub(super) errors: usize,
    /// Remaining findings whose fix `--fix` would apply with these options.
    pub(super) applicable: usize,
    /// Remaining findings whose fix needs `--unsafe-fixes`.
    pub(super) hidden: usize,
}

impl Totals {
    pub(super) fn of<'a>(
        results: impl IntoIterator<Item = &'a FileResult>,
        options: &ReportOptions,
    ) -> Self {
        let mut totals = Totals::default();
        for result in results {
            let outcome = &result.outcome;
            totals.remaining += outcome.diagnostics.len();
            totals.fixed += outcome.fixed;
            totals.errors += outcome.errors.len();
            for diagnostic in &outcome.diagnostics {
                totals.applicable += usize::from(options.applies(diagnostic));
                totals.hidden += usize::from(options.hidden(diagnostic));
            }
        }
        totals
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The summary line (without its newline).
pub(super) fn summary_line(totals: &Totals, options: &ReportOptions) -> String {
    let fixed = if options.fix_mode { totals.fixed } else { 0 };
    let total = totals.remaining + fixed;
    if total == 0 && totals.errors == 0 {
        return "All checks passed!".to_string();
    }
    let mut parts = Vec::new();
    if fixed > 0 {
        parts.push(format!("{fixed} fixed, {} remaining", totals.remaining));
    }
    let applicable = if options.show_fix_status() {
        totals.applicable
    } else {
        0
    };
    if applicable > 0 {
        parts.push(format!("{applicable} fixable with `--fix`"));
    }
    if totals.hidden > 0 {
        let hint = if applicable > 0 { "more" } else { "fixable" };
        parts.push(format!("{} {hint} with `--unsafe-fixes`", totals.hidden));
    }
    let mut line = format!("Found {}", plural(total, "finding", "findings"));
    if !parts.is_empty() {
        line.push_str(&format!(" ({})", parts.join("; ")));
    }
    if totals.errors > 0 {
        line.push_str(&format!(
            " and {}",
            plural(totals.errors, "error", "errors")
        ));
    }
    line.push('.');
    line
}

pub(super) fn write_summary(
    out: &mut dyn Write,
    files: &[FileReport],
    options: &ReportOptions,
) -> io::Result<()> {
    let totals = Totals::of(files.iter().map(|file| file.result), options);
    writeln!(out, "{}", summary_line(&totals, options))
}

/// `--show-fixes`: the fixes applied, per file and code (Ruff's layout).
///
/// ```text
/// Fixed 3 findings:
/// - app.py:
///     2 × ASY001 (blocking-sleep-in-async-function)
/// ```
///
/// `blank_before` separates the listing from what precedes it (the `full` format already ends
/// each finding with a blank line).
pub(super) fn write_fixes(
    out: &mut dyn Write,
    files: &[FileReport],
    painter: Painter,
    blank_before: bool,
) -> io::Result<()> {
    let mut per_file = Vec::new();
    for file in files {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for code in &file.result.outcome.fixed_codes {
            *counts.entry(code).or_default() += 1;
        }
        if !counts.is_empty() {
            let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            per_file.push((file, counts));
        }
    }
    let total: usize = per_file
        .iter()
        .flat_map(|(_, counts)| counts.iter().map(|(_, count)| count))
        .sum();
    if total == 0 {
        return Ok(());
    }
    let digits = per_file
        .iter()
        .flat_map(|(_, counts)| counts.iter().map(|(_, count)| count.to_string().len()))
        .max()
        .unwrap_or(1);
    if blank_before {
        writeln!(out)?;
    }
    let title = format!("Fixed {}:", plural(total, "finding", "findings"));
    writeln!(out, "{}", painter.paint(title, Style::BoldGreen))?;
    for (file, counts) in per_file {
        writeln!(
            out,
            "{} {}{}",
            painter.paint("-", Style::Cyan),
            painter.paint(file.path().display(), Style::Bold),
            painter.paint(":", Style::Cyan)
        )?;
        for (code, count) in counts {
            write!(
                out,
                "    {count:>digits$} × {}",
                painter.paint(code, Style::BoldRed)
            )?;
            match rule_name(code) {
                Some(name) => writeln!(out, " ({name})")?,
                None => writeln!(out)?,
            }
        }
    }
    writeln!(out)
}

/// For `--diff` (whose diffs go to standard output): the errors, then "Would fix N findings."
/// with a hint about fixes that need `--unsafe-fixes` (Ruff prints this on standard error).
/// `quiet` leaves out the summary line but not the errors.
pub fn write_diff_summary(
    out: &mut dyn Write,
    results: &[FileResult],
    options: &ReportOptions,
) -> io::Result<()> {
    let painter = Painter {
        enabled: options.color,
    };
    for result in results {
        let file = FileReport::new(result);
        for item in file
            .items
            .iter()
            .filter(|item| matches!(item, Item::Error(_)))
        {
            concise::write_item(out, &file, item, options, painter)?;
        }
    }
    if !options.quiet {
        let totals = Totals::of(results, options);
        writeln!(out, "{}", diff_summary_line(&totals))?;
    }
    out.flush()
}

fn diff_summary_line(totals: &Totals) -> String {
    let hidden = totals.hidden;
    let fixes = plural(hidden, "fix", "fixes");
    match (totals.fixed, hidden) {
        (0, 0) => "No findings would be fixed.".to_string(),
        (0, _) => format!("No findings would be fixed ({fixes} available with `--unsafe-fixes`)."),
        (fixed, 0) => format!("Would fix {}.", plural(fixed, "finding", "findings")),
        (fixed, _) => format!(
            "Would fix {} ({hidden} more {} available with `--unsafe-fixes`).",
            plural(fixed, "finding", "findings"),
            if hidden == 1 { "fix" } else { "fixes" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(
        remaining: usize,
        fixed: usize,
        errors: usize,
        applicable: usize,
        hidden: usize,
    ) -> Totals {
        Totals {
            remaining,
            fixed,
            errors,
            applicable,
            hidden,
        }
    }

    fn check() -> ReportOptions {
        ReportOptions::default()
    }

    fn fix() -> ReportOptions {
        ReportOptions {
            fix_mode: true,
            ..ReportOptions::default()
        }
    }

    #[test]
    fn check_mode_lines() {
        assert_eq!(
            summary_line(&totals(0, 0, 0, 0, 0), &check()),
            "All checks passed!"
        );
        assert_eq!(
            summary_line(&totals(1, 0, 0, 0, 0), &check()),
            "Found 1 finding."
        );
        assert_eq!(
            summary_line(&totals(3, 0, 0, 2, 1), &check()),
            "Found 3 findings (2 fixable with `--fix`; 1 more with `--unsafe-fixes`)."
        );
        assert_eq!(
            summary_line(&totals(2, 0, 0, 0, 2), &check()),
            "Found 2 findings (2 fixable with `--unsafe-fixes`)."
        );
        assert_eq!(
            summary_line(&totals(0, 0, 1, 0, 0), &check()),
            "Found 0 findings and 1 error."
        );
        assert_eq!(
            summary_line(&totals(2, 0, 3, 2, 0), &check()),
            "Found 2 findings (2 fixable with `--fix`) and 3 errors."
        );
    }

    #[test]
    fn fix_mode_lines() {
        assert_eq!(
            summary_line(&totals(0, 0, 0, 0, 0), &fix()),
            "All checks passed!"
        );
        assert_eq!(
            summary_line(&totals(1, 2, 0, 0, 1), &fix()),
            "Found 3 findings (2 fixed, 1 remaining; 1 fixable with `--unsafe-fixes`)."
        );
        assert_eq!(
            summary_line(&totals(0, 2, 0, 0, 0), &fix()),
            "Found 2 findings (2 fixed, 0 remaining)."
        );
        // Remaining findings with applicable fixes were not fixable after all: no `[*]` hint.
        assert_eq!(
            summary_line(&totals(1, 0, 0, 1, 0), &fix()),
            "Found 1 finding."
        );
    }

    #[test]
    fn diff_lines() {
        assert_eq!(
            diff_summary_line(&totals(0, 0, 0, 0, 0)),
            "No findings would be fixed."
        );
        assert_eq!(
            diff_summary_line(&totals(0, 2, 0, 0, 0)),
            "Would fix 2 findings."
        );
        assert_eq!(
            diff_summary_line(&totals(1, 1, 0, 0, 1)),
            "Would fix 1 finding (1 more fix available with `--unsafe-fixes`)."
        );
        assert_eq!(
            diff_summary_line(&totals(2, 0, 0, 0, 2)),
            "No findings would be fixed (2 fixes available with `--unsafe-fixes`)."
        );
    }
}
