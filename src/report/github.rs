//! `github`: GitHub Actions workflow commands, one annotation per finding (Ruff's format):
//!
//! ```text
//! ::error title=asyncheck (ASY001),file=app.py,line=5,col=5,endLine=5,endColumn=18::app.py:5:5: ASY001 message
//! ```
//!
//! Values are escaped as the workflow-command syntax requires (`%`, CR, LF, and in properties
//! also `:` and `,`).

use std::io::{self, Write};

use super::{FileReport, Item};

pub(super) fn write(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    for file in files {
        let path = file.slash_path();
        for item in &file.items {
            let (title, text) = match item {
                Item::Finding(diagnostic) => (
                    format!("asyncheck ({})", diagnostic.code),
                    format!("{} {}", diagnostic.code, diagnostic.message),
                ),
                Item::Error(error) => ("asyncheck".to_string(), error.message.clone()),
            };
            write!(
                out,
                "::error title={},file={}",
                escape_property(&title),
                escape_property(&path)
            )?;
            let shown = match item.range() {
                Some(_) => {
                    let (start, end) = file.span(item);
                    write!(
                        out,
                        ",line={},col={},endLine={},endColumn={}",
                        start.row, start.column, end.row, end.column
                    )?;
                    format!("{path}:{}:{}: {text}", start.row, start.column)
                }
                None => format!("{path}: {text}"),
            };
            writeln!(out, "::{}", escape_data(&shown))?;
        }
    }
    Ok(())
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_values() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
