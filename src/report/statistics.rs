//! `--statistics`: how many findings per code instead of the findings themselves, most frequent
//! first (Flake8's and Ruff's layout: count, code, `[*]` when fixable, rule name), or a JSON
//! array of `{code, name, count, fixable}` with `--output-format json`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::style::{Painter, Style};
use super::{concise, rule_name, summary, FileReport, Item, ReportOptions};
use crate::settings::OutputFormat;

#[derive(Debug, Serialize)]
struct Statistic {
    /// `null` for the row counting errors (JSON only).
    code: Option<&'static str>,
    name: &'static str,
    count: usize,
    fixable: bool,
}

pub(super) fn write(
    out: &mut dyn Write,
    files: &[FileReport],
    options: &ReportOptions,
    painter: Painter,
) -> io::Result<()> {
    let mut per_code: BTreeMap<&'static str, (usize, bool)> = BTreeMap::new();
    let mut errors = 0;
    for file in files {
        for item in &file.items {
            match item {
                Item::Finding(diagnostic) => {
                    let entry = per_code.entry(diagnostic.code).or_default();
                    entry.0 += 1;
                    entry.1 |= options.applies(diagnostic);
                }
                Item::Error(_) => errors += 1,
            }
        }
    }
    let mut statistics: Vec<Statistic> = per_code
        .into_iter()
        .map(|(code, (count, fixable))| Statistic {
            code: Some(code),
            name: rule_name(code).unwrap_or(""),
            count,
            fixable,
        })
        .collect();
    // Stable: equal counts stay in code order.
    statistics.sort_by_key(|s| std::cmp::Reverse(s.count));

    if options.format == OutputFormat::Json {
        if errors > 0 {
            statistics.push(Statistic {
                code: None,
                name: "error",
                count: errors,
                fixable: false,
            });
        }
        serde_json::to_writer_pretty(&mut *out, &statistics)?;
        return writeln!(out);
    }

    // The text formats: errors still get their line, then the table and the summary.
    for file in files {
        for item in file
            .items
            .iter()
            .filter(|item| matches!(item, Item::Error(_)))
        {
            concise::write_item(out, file, item, options, painter)?;
        }
    }
    let count_width = statistics
        .iter()
        .map(|s| s.count.to_string().len())
        .max()
        .unwrap_or(1);
    let code_width = statistics
        .iter()
        .map(|s| s.code.unwrap_or("").len())
        .max()
        .unwrap_or(0);
    let any_fixable = options.show_fix_status() && statistics.iter().any(|s| s.fixable);
    for statistic in &statistics {
        let marker = match (any_fixable, statistic.fixable) {
            (false, _) => String::new(),
            (true, true) => format!("[{}] ", painter.paint("*", Style::Cyan)),
            (true, false) => "[ ] ".to_string(),
        };
        writeln!(
            out,
            "{}\t{}\t{marker}{}",
            painter.paint(format!("{:>count_width$}", statistic.count), Style::Bold),
            painter.paint(
                format!("{:<code_width$}", statistic.code.unwrap_or("")),
                Style::BoldRed
            ),
            statistic.name
        )?;
    }
    if options.show_fixes {
        summary::write_fixes(out, files, painter, true)?;
    }
    if !options.quiet {
        summary::write_summary(out, files, options)?;
    }
    Ok(())
}
