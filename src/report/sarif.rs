//! `sarif`: SARIF 2.1.0 (for GitHub code scanning and other viewers). One run; the driver lists
//! every rule of the registry (id, name, descriptions, help, `helpUri`, default level and
//! properties); each finding is a result with its rule, level, message, location and (when
//! there is one) its fix. Paths inside the working directory are relative URIs with forward
//! slashes; others are `file://` URIs.
//!
//! Files that could not be checked (unreadable, syntax errors, ...) are not findings of a rule:
//! they are reported the way SARIF describes tool failures, as `toolExecutionNotifications` of
//! the run's invocation, which is then marked `executionSuccessful: false`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use super::{rule_url, FileReport, Item, Location, INFORMATION_URI};
use crate::catalog::{self, Severity};
use crate::diagnostic::Diagnostic;
use crate::rules;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(super) fn write(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in files {
        let uri = artifact_uri(file.path());
        for item in &file.items {
            let location = physical_location(file, item, &uri);
            match item {
                Item::Finding(diagnostic) => {
                    results.push(result_value(file, diagnostic, &uri, location));
                }
                Item::Error(error) => notifications.push(json!({
                    "level": "error",
                    "message": { "text": error.message },
                    "locations": [location],
                })),
            }
        }
    }
    let output = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "asyncheck",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_descriptors(),
                }
            },
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

/// One reporting descriptor per rule in the registry, in code order.
fn rule_descriptors() -> Vec<Value> {
    rules::RULES
        .iter()
        .zip(rules::infos())
        .map(|(entry, info)| {
            json!({
                "id": info.code,
                "name": info.name,
                "shortDescription": { "text": info.summary },
                "fullDescription": { "text": info.summary },
                "help": {
                    "text": info.summary,
                    "markdown": catalog::body(entry.doc),
                },
                "helpUri": rule_url(&info.code),
                "defaultConfiguration": { "level": level(info.severity) },
                "properties": {
                    "problem.severity": level(info.severity),
                    "default": info.default,
                    "fix": info.fix.as_str(),
                },
            })
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn result_value(file: &FileReport, diagnostic: &Diagnostic, uri: &str, location: Value) -> Value {
    let index = rules::index_of(diagnostic.code);
    let severity = index.map_or(Severity::Error, |index| rules::infos()[index].severity);
    let mut result = json!({
        "ruleId": diagnostic.code,
        "level": level(severity),
        "message": { "text": diagnostic.message },
        "locations": [location],
    });
    if let Some(index) = index {
        result["ruleIndex"] = json!(index);
    }
    if let Some(fix) = &diagnostic.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|edit| {
                json!({
                    "deletedRegion": region(
                        file.location(edit.range.start()),
                        file.location(edit.range.end()),
                    ),
                    "insertedContent": { "text": edit.content },
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": {
                "text": diagnostic.fix_title.as_deref().unwrap_or("Apply the fix"),
            },
            "artifactChanges": [{
                "artifactLocation": { "uri": uri },
                "replacements": replacements,
            }],
            "properties": { "applicability": fix.applicability.as_str() },
        }]);
    }
    result
}

fn physical_location(file: &FileReport, item: &Item, uri: &str) -> Value {
    let mut location = json!({ "artifactLocation": { "uri": uri } });
    if item.range().is_some() {
        let (start, end) = file.span(item);
        location["region"] = region(start, end);
    }
    json!({ "physicalLocation": location })
}

fn region(start: Location, end: Location) -> Value {
    json!({
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    })
}

/// A relative URI reference for a relative path (forward slashes, percent-encoded), a `file://`
/// URI for an absolute one.
fn artifact_uri(path: &Path) -> String {
    let text = super::slash_path(path);
    if path.is_absolute() {
        let text = if text.starts_with('/') {
            text
        } else {
            format!("/{text}") // `C:/x` on Windows
        };
        format!("file://{}", percent_encode(&text, true))
    } else {
        let text = text.strip_prefix("./").unwrap_or(&text);
        percent_encode(text, false)
    }
}

/// Keeps unreserved characters and `/` (and `:` in absolute paths, for drive letters).
fn percent_encode(text: &str, keep_colon: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (keep_colon && byte == b':');
        if keep {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact_uri(Path::new("pkg/app.py")), "pkg/app.py");
        assert_eq!(artifact_uri(Path::new("./my app.py")), "my%20app.py");
        assert_eq!(artifact_uri(Path::new("a:b.py")), "a%3Ab.py");
        if cfg!(unix) {
            assert_eq!(
                artifact_uri(Path::new("/srv/é.py")),
                "file:///srv/%C3%A9.py"
            );
        }
    }
}
