//! `json`: the shape of Ruff's `--output-format json`, so tools written for Ruff read it: an
//! array of objects with `cell`, `code`, `end_location`, `filename` (absolute), `fix`,
//! `location`, `message`, `noqa_row` and `url`. Errors are objects with a null `code`, `fix`,
//! `noqa_row` and `url` (Ruff reports syntax errors that way).

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{absolute, rule_url, FileReport, Item};
use crate::diagnostic::Diagnostic;

pub(super) fn write(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    let mut values = Vec::new();
    for file in files {
        let filename = absolute(file.path()).to_string_lossy().into_owned();
        for item in &file.items {
            values.push(item_value(file, item, &filename));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &values)?;
    writeln!(out)
}

fn item_value(file: &FileReport, item: &Item, filename: &str) -> Value {
    let (location, end_location) = file.span(item);
    match item {
        Item::Finding(diagnostic) => json!({
            "cell": null,
            "code": diagnostic.code,
            "end_location": end_location,
            "filename": filename,
            "fix": fix_value(file, diagnostic),
            "location": location,
            "message": diagnostic.message,
            "noqa_row": location.row,
            "url": rule_url(diagnostic.code),
        }),
        Item::Error(error) => json!({
            "cell": null,
            "code": null,
            "end_location": end_location,
            "filename": filename,
            "fix": null,
            "location": location,
            "message": error.message,
            "noqa_row": null,
            "url": null,
        }),
    }
}

fn fix_value(file: &FileReport, diagnostic: &Diagnostic) -> Value {
    let Some(fix) = &diagnostic.fix else {
        return Value::Null;
    };
    let edits: Vec<Value> = fix
        .edits
        .iter()
        .map(|edit| {
            json!({
                "content": edit.content,
                "end_location": file.location(edit.range.end()),
                "location": file.location(edit.range.start()),
            })
        })
        .collect();
    json!({
        "applicability": fix.applicability.as_str(),
        "edits": edits,
        "message": diagnostic.fix_title,
    })
}
