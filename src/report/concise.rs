//! `concise`: one line per finding, `path:line:col: CODE [*] message`; errors as
//! `path:line:col: error: message` (or `path: error: message` without a position).

use std::io::{self, Write};

use super::style::{Painter, Style};
use super::{FileReport, Item, ReportOptions};

pub(super) fn write_item(
    out: &mut dyn Write,
    file: &FileReport,
    item: &Item,
    options: &ReportOptions,
    painter: Painter,
) -> io::Result<()> {
    let colon = painter.paint(":", Style::Cyan);
    write!(
        out,
        "{}{colon}",
        painter.paint(file.path().display(), Style::Bold)
    )?;
    if let Some(range) = item.range() {
        let location = file.location(range.start());
        write!(out, "{}{colon}{}{colon}", location.row, location.column)?;
    }
    match item {
        Item::Finding(diagnostic) => {
            write!(out, " {}", painter.paint(diagnostic.code, Style::BoldRed))?;
            if options.show_fix_status() && options.applies(diagnostic) {
                write!(out, " [{}]", painter.paint("*", Style::Cyan))?;
            }
            writeln!(out, " {}", diagnostic.message)
        }
        Item::Error(error) => {
            writeln!(
                out,
                " {}{colon} {}",
                painter.paint("error", Style::BoldRed),
                error.message
            )
        }
    }
}
