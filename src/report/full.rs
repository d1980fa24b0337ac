//! `full` (the default): the concise header line, then the source around the finding with a
//! line-number gutter and `^^^` under the flagged range, then `= help: <fix title>`:
//!
//! ```text
//! app.py:5:5: ASY001 [*] Blocking call `time.sleep` in async function; use `await asyncio.sleep(...)`
//!   |
//! 4 | async def main():
//! 5 |     time.sleep(1)
//!   |     ^^^^^^^^^^^^^ ASY001
//!   |
//!   = help: Replace with `await asyncio.sleep(...)`
//!
//! ```
//!
//! Up to two lines of context on each side, blank ones trimmed (as Ruff). Tabs are expanded to
//! tab stops of 4 and control characters shown as visible symbols, so carets line up and the
//! source cannot send escape sequences to the terminal. Lines longer than 200 characters are cut
//! to a window around the flagged column (`…` marks the cuts), and a range over many lines shows
//! its first and last few, so that generated code cannot flood the terminal.

use std::io::{self, Write};

use ruff_source_file::OneIndexed;
use ruff_text_size::TextRange;

use super::concise;
use super::style::{Painter, Style};
use super::{FileReport, Item, ReportOptions};

/// Lines of context shown before and after the flagged lines.
const CONTEXT: usize = 2;
const TAB_WIDTH: usize = 4;
/// Longer lines are shown cut to this many characters around the flagged column.
const MAX_WIDTH: usize = 200;
/// A range over more lines shows only its first and last few.
const MAX_FLAGGED_LINES: usize = 8;

pub(super) fn write_item(
    out: &mut dyn Write,
    file: &FileReport,
    item: &Item,
    options: &ReportOptions,
    painter: Painter,
) -> io::Result<()> {
    concise::write_item(out, file, item, options, painter)?;
    let (label, help) = match item {
        Item::Finding(diagnostic) => (Some(diagnostic.code), diagnostic.fix_title.as_deref()),
        Item::Error(_) => (None, None),
    };
    let mut width = 1;
    if let Some(range) = item.range() {
        width = write_snippet(out, file, range, label, painter)?;
    }
    if let Some(help) = help {
        writeln!(
            out,
            "{:width$} {} {}: {help}",
            "",
            painter.paint("=", Style::BoldBlue),
            painter.paint("help", Style::Bold),
        )?;
    }
    writeln!(out)
}

/// One source line of a snippet: its number, its rendered characters, and the columns it flags.
struct Row {
    line: usize,
    text: Vec<char>,
    /// (start column, caret count, whether the label goes after the carets).
    mark: Option<(usize, usize, bool)>,
}

/// Writes the framed source lines; returns the gutter width.
fn write_snippet(
    out: &mut dyn Write,
    file: &FileReport,
    range: TextRange,
    label: Option<&str>,
    painter: Painter,
) -> io::Result<usize> {
    let rows = rows(file, range);
    let Some(last_row) = rows.last() else {
        return Ok(1);
    };
    let width = last_row.line.to_string().len();

    // Very long lines (minified or generated code, a 100,000-term expression) are cut to a
    // window that starts a little before the flagged column.
    let widest = rows.iter().map(|row| row.text.len()).max().unwrap_or(0);
    let anchor = rows
        .iter()
        .find_map(|row| row.mark.map(|(column, _, _)| column))
        .unwrap_or(0);
    let offset = if widest > MAX_WIDTH {
        anchor.saturating_sub(MAX_WIDTH / 4)
    } else {
        0
    };
    let lead = usize::from(offset > 0); // the `…` that replaces the cut start

    let bar = painter.paint("|", Style::BoldBlue);
    writeln!(out, "{:width$} {bar}", "")?;
    let mut previous = None;
    for row in &rows {
        if previous.is_some_and(|line| row.line > line + 1) {
            writeln!(out, "{}", painter.paint("...", Style::BoldBlue))?;
        }
        previous = Some(row.line);
        let number = painter.paint(format!("{:>width$}", row.line), Style::BoldBlue);
        let shown = window(&row.text, offset);
        if shown.is_empty() {
            writeln!(out, "{number} {bar}")?;
        } else {
            writeln!(out, "{number} {bar} {shown}")?;
        }
        let Some((column, carets, labelled)) = row.mark else {
            continue;
        };
        let start = column.saturating_sub(offset) + lead;
        let end = (column + carets).saturating_sub(offset) + lead;
        let end = end.min(lead + MAX_WIDTH + 1).max(start + 1);
        let mut marks = "^".repeat(end - start);
        if let (true, Some(label)) = (labelled, label) {
            marks = format!("{marks} {label}");
        }
        writeln!(
            out,
            "{:width$} {bar} {:start$}{}",
            "",
            "",
            painter.paint(marks, Style::BoldRed)
        )?;
    }
    writeln!(out, "{:width$} {bar}", "")?;
    Ok(width)
}

/// The lines to show for `range`: context, then the flagged lines (the middle of a long range
/// left out), then context.
fn rows(file: &FileReport, range: TextRange) -> Vec<Row> {
    let source = file.source();
    let index = &file.index;
    let start = file.clamp(range.start());
    let end = file.clamp(range.end()).max(start);

    let first = index.line_index(start).get();
    let mut last = index.line_index(end).get();
    // A range that ends right after a newline flags nothing on the next line.
    if end > start && last > first && index.line_start(one_indexed(last), source) == end {
        last -= 1;
    }
    let line_text = |line: usize| -> &str {
        let text = &source[index.line_range(one_indexed(line), source)];
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.strip_suffix('\r').unwrap_or(text)
    };
    let mut from = first.saturating_sub(CONTEXT).max(1);
    while from < first && line_text(from).trim().is_empty() {
        from += 1;
    }
    let mut to = (last + CONTEXT).min(index.line_count()).max(last);
    while to > last && line_text(to).trim().is_empty() {
        to -= 1;
    }

    let mut rows = Vec::new();
    for line in from..=to {
        // Of a range over many lines, show its first and last few.
        if last - first >= MAX_FLAGGED_LINES
            && line > first + MAX_FLAGGED_LINES / 2
            && line + MAX_FLAGGED_LINES / 2 < last
        {
            continue;
        }
        let text = line_text(line);
        let mut mark = None;
        if (first..=last).contains(&line) {
            let line_start = usize::from(index.line_start(one_indexed(line), source));
            let from_byte = if line == first {
                Some(usize::from(start) - line_start)
            } else if text.trim().is_empty() {
                None
            } else {
                Some(text.len() - text.trim_start().len())
            };
            if let Some(from_byte) = from_byte {
                let to_byte = if line == last {
                    (usize::from(end) - line_start).min(text.len())
                } else {
                    text.len()
                }
                .max(from_byte);
                let column = display_width(&text[..from_byte.min(text.len())]);
                let carets = if to_byte > from_byte {
                    display_width(&text[..to_byte]) - column
                } else {
                    0
                };
                mark = Some((column, carets.max(1), line == last));
            }
        }
        rows.push(Row {
            line,
            text: render(text).chars().collect(),
            mark,
        });
    }
    rows
}

/// `MAX_WIDTH` characters of `text` from `offset`, with `…` where it was cut.
fn window(text: &[char], offset: usize) -> String {
    if offset == 0 && text.len() <= MAX_WIDTH {
        return text.iter().collect();
    }
    let mut shown = String::new();
    if offset > 0 {
        shown.push('…');
    }
    let end = (offset + MAX_WIDTH).min(text.len());
    shown.extend(text.get(offset..end).unwrap_or_default());
    if end < text.len() {
        shown.push('…');
    }
    shown
}

fn one_indexed(line: usize) -> OneIndexed {
    OneIndexed::from_zero_indexed(line.saturating_sub(1))
}

/// The line as shown: tabs expanded, control characters made visible.
fn render(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut column = 0;
    for c in text.chars() {
        if c == '\t' {
            let spaces = TAB_WIDTH - column % TAB_WIDTH;
            shown.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            shown.push(visible(c));
            column += 1;
        }
    }
    shown
}

/// The width `render` gives to `text`.
fn display_width(text: &str) -> usize {
    text.chars().fold(0, |column, c| {
        if c == '\t' {
            column + TAB_WIDTH - column % TAB_WIDTH
        } else {
            column + 1
        }
    })
}

fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::linter::FileOutcome;
    use crate::runner::FileResult;

    fn show(source: &str, start: u32, end: u32) -> String {
        let result = FileResult {
            path: PathBuf::from("m.py"),
            original: source.to_string(),
            outcome: FileOutcome {
                source: source.to_string(),
                diagnostics: vec![Diagnostic::new(
                    "ASY001",
                    TextRange::new(start.into(), end.into()),
                    "message",
                )],
                ..FileOutcome::default()
            },
            bom: false,
        };
        let report = FileReport::new(&result);
        let mut out = Vec::new();
        let painter = Painter { enabled: false };
        write_item(
            &mut out,
            &report,
            &report.items[0],
            &ReportOptions::default(),
            painter,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn multi_line_ranges_underline_each_line() {
        let source = "x = f(\n    1,\n\n    2,\n)\ny = 2\n";
        let end = u32::try_from(source.find(")\n").unwrap() + 1).unwrap();
        assert_eq!(
            show(source, 4, end),
            "m.py:1:5: ASY001 message\n  |\n1 | x = f(\n  |     ^^\n2 |     1,\n  |     ^^\n3 |\n4 |     2,\n  |     ^^\n5 | )\n  | ^ ASY001\n6 | y = 2\n  |\n\n"
        );
    }

    #[test]
    fn crlf_lines_and_ranges_ending_at_a_newline() {
        // The range covers `b\r\n`: only line 2 is flagged, and no `\r` is printed.
        assert_eq!(
            show("a\r\nb\r\nc\r\n", 3, 6),
            "m.py:2:1: ASY001 message\n  |\n1 | a\n2 | b\n  | ^ ASY001\n3 | c\n  |\n\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_flagged_column() {
        let source = format!("x = {}1\n", "1 + ".repeat(10_000));
        let at = u32::try_from(source.len() - 2).unwrap();
        let shown = show(&source, at, at + 1);
        assert!(
            shown.lines().all(|line| line.chars().count() < 220),
            "{shown}"
        );
        let lines: Vec<&str> = shown.lines().collect();
        // `…` then the last 50 characters of the line; the caret under its last character.
        assert!(lines[2].starts_with("1 | …"), "{shown}");
        assert!(lines[2].ends_with(" + 1"), "{shown}");
        let caret = lines[3].find('^').unwrap();
        assert_eq!(caret, lines[2].chars().count() - 1, "{shown}");
    }

    #[test]
    fn long_ranges_show_their_first_and_last_lines() {
        let source: String = (0..30).map(|i| format!("x{i}\n")).collect();
        let shown = show(&source, 0, u32::try_from(source.len() - 1).unwrap());
        assert!(shown.contains(" 1 | x0\n"), "{shown}");
        assert!(shown.contains(" 5 | x4\n"), "{shown}");
        assert!(!shown.contains(" 6 | x5\n"), "{shown}");
        assert!(shown.contains("...\n26 | x25\n"), "{shown}");
        assert!(shown.contains("30 | x29\n   | ^^^ ASY001\n"), "{shown}");
    }

    #[test]
    fn empty_range_at_the_end_of_the_file() {
        assert_eq!(
            show("a\n", 2, 2),
            "m.py:2:1: ASY001 message\n  |\n1 | a\n2 |\n  | ^ ASY001\n  |\n\n"
        );
    }

    #[test]
    fn tabs_expand_to_stops_and_controls_become_visible() {
        assert_eq!(render("\tx"), "    x");
        assert_eq!(render("ab\tx"), "ab  x");
        assert_eq!(display_width("ab\t"), 4);
        assert_eq!(render("a\u{1b}[31m"), "a\u{241b}[31m");
    }
}
