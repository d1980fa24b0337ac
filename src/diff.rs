//! Unified diffs of fixed sources (`--diff`), in the form `git apply` and `patch -p1` accept.
//!
//! Lines are split on `\n` only and printed byte for byte, so CRLF line endings and lone `\r`
//! characters round-trip exactly; a last line without a newline gets the standard
//! `\ No newline at end of file` marker.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp, DiffTag};

/// Lines of unchanged context around each change, as `diff -u` and `git diff` use.
pub const CONTEXT_LINES: usize = 3;

/// A unified diff from `original` to `fixed` with `--- a/<path>` / `+++ b/<path>` headers, or
/// an empty string when they are equal. `path` is printed as given (relative paths stay
/// relative), with forward slashes.
///
/// The diff applies to the bytes it was computed from: when the file on disk starts with a
/// byte-order mark, pass both texts with the mark so that a change to the first line applies.
pub fn unified_diff(path: &Path, original: &str, fixed: &str) -> String {
    if original == fixed {
        return String::new();
    }
    let old = split_lines(original);
    let new = split_lines(fixed);
    let ops = capture_diff_slices(Algorithm::Myers, &old, &new);
    let name = display_name(path);

    let mut out = String::with_capacity(original.len().min(fixed.len()) / 4 + 64);
    let _ = writeln!(out, "--- {}", header_name("a/", &name));
    let _ = writeln!(out, "+++ {}", header_name("b/", &name));
    for hunk in group_diff_ops(ops, CONTEXT_LINES) {
        write_hunk(&mut out, &hunk, &old, &new);
    }
    out
}

/// Splits after every `\n`, keeping it; a last line without one is kept as is.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn write_hunk(out: &mut String, hunk: &[DiffOp], old: &[&str], new: &[&str]) {
    let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else {
        return;
    };
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    let _ = writeln!(
        out,
        "@@ -{} +{} @@",
        hunk_range(&old_range),
        hunk_range(&new_range)
    );
    for op in hunk {
        let (tag, old_lines, new_lines) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => write_lines(out, ' ', &old[old_lines]),
            DiffTag::Delete => write_lines(out, '-', &old[old_lines]),
            DiffTag::Insert => write_lines(out, '+', &new[new_lines]),
            DiffTag::Replace => {
                write_lines(out, '-', &old[old_lines]);
                write_lines(out, '+', &new[new_lines]);
            }
        }
    }
}

/// `start,count` with a 1-based start; a one-line range is just `start`, and an empty range
/// starts at the line before it (as `diff -u` prints them).
fn hunk_range(range: &Range<usize>) -> String {
    match range.len() {
        0 => format!("{},0", range.start),
        1 => format!("{}", range.start + 1),
        len => format!("{},{len}", range.start + 1),
    }
}

fn write_lines(out: &mut String, sign: char, lines: &[&str]) {
    for line in lines {
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// The path with forward slashes and without a leading `./`.
fn display_name(path: &Path) -> String {
    let name = path.to_string_lossy();
    let name = if cfg!(windows) {
        name.replace('\\', "/")
    } else {
        name.into_owned()
    };
    let mut name = name.as_str();
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    name.to_string()
}

/// `a/<name>` as git prints it: C-quoted when the name holds a quote, a backslash or a control
/// character, and followed by a tab when it holds a space (so the name's end is unambiguous).
fn header_name(prefix: &str, name: &str) -> String {
    let needs_quotes = name
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control());
    if needs_quotes {
        let mut quoted = String::from("\"");
        for c in prefix.chars().chain(name.chars()) {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                '\r' => quoted.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for byte in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(quoted, "\\{byte:03o}");
                    }
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    } else if name.contains(' ') {
        format!("{prefix}{name}\t")
    } else {
        format!("{prefix}{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff(Path::new("a.py"), "x\n", "x\n"), "");
    }

    #[test]
    fn replaces_a_line_with_context() {
        let original = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let fixed = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(Path::new("./pkg/m.py"), original, fixed),
            "--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn marks_a_missing_final_newline() {
        assert_eq!(
            unified_diff(Path::new("m.py"), "a\nb", "a\nc"),
            "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified_diff(Path::new("m.py"), "a", "a\n"),
            "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"
        );
    }

    #[test]
    fn keeps_crlf_bytes() {
        let diff = unified_diff(Path::new("m.py"), "a\r\nb\r\n", "a\r\nc\r\n");
        assert_eq!(
            diff,
            "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"
        );
    }

    #[test]
    fn insertion_into_an_empty_file() {
        assert_eq!(
            unified_diff(Path::new("m.py"), "", "x\n"),
            "--- a/m.py\n+++ b/m.py\n@@ -0,0 +1 @@\n+x\n"
        );
    }

    #[test]
    fn separate_hunks_for_distant_changes() {
        let original: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let fixed = original
            .replace("2\n", "two\n")
            .replace("19\n", "nineteen\n");
        let diff = unified_diff(Path::new("m.py"), &original, &fixed);
        assert_eq!(diff.matches("\n@@ ").count(), 2, "{diff}");
    }

    #[test]
    fn header_names_follow_git() {
        assert_eq!(
            unified_diff(Path::new("./dir/sub/m.py"), "a\n", "b\n")
                .lines()
                .next(),
            Some("--- a/dir/sub/m.py")
        );
        assert_eq!(header_name("a/", "my file.py"), "a/my file.py\t");
        assert_eq!(header_name("b/", "q\"x.py"), "\"b/q\\\"x.py\"");
    }
}
