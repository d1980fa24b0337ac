//! Suppression comments, read from comment tokens (a `# noqa` inside a string does nothing):
//! `# noqa` and `# noqa: ASY001, ASY002` on a finding's first line; `# asyncheck: noqa` and
//! `# asyncheck: noqa: ASY001` anywhere in a file.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextSize};

/// Which codes a comment suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Codes {
    All,
    Only(Vec<String>),
}

impl Codes {
    fn covers(&self, code: &str) -> bool {
        match self {
            Codes::All => true,
            Codes::Only(codes) => codes.iter().any(|c| c == code),
        }
    }
}

/// The suppressions of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// (0-based line, codes) for line-level `# noqa`.
    lines: Vec<(usize, Codes)>,
    file: Vec<Codes>,
}

impl Suppressions {
    pub fn from_tokens(source: &str, tokens: &Tokens, lines: &LineIndex) -> Self {
        let mut suppressions = Self::default();
        for token in tokens.iter().filter(|t| t.kind() == TokenKind::Comment) {
            let comment = &source[token.range()];
            if let Some(codes) = file_directive(comment) {
                suppressions.file.push(codes);
            } else if let Some(codes) = line_directive(comment) {
                let line = lines.line_index(token.start()).to_zero_indexed();
                suppressions.lines.push((line, codes));
            }
        }
        suppressions
    }

    /// Is a finding of `code` starting at `offset` suppressed?
    pub fn suppresses(&self, code: &str, offset: TextSize, lines: &LineIndex) -> bool {
        if self.file.iter().any(|codes| codes.covers(code)) {
            return true;
        }
        if self.lines.is_empty() {
            return false;
        }
        let line = lines.line_index(offset).to_zero_indexed();
        self.lines
            .iter()
            .any(|(at, codes)| *at == line && codes.covers(code))
    }

    /// Is there any suppression that can apply (a cheap guard)?
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.file.is_empty()
    }
}

/// `# asyncheck: noqa` or `# asyncheck: noqa: ASY001` (the whole comment).
fn file_directive(comment: &str) -> Option<Codes> {
    let rest = comment.trim_start_matches('#').trim_start();
    let rest = strip_prefix_ignore_case(rest, "asyncheck:")?.trim_start();
    codes_after_noqa(rest)
}

/// `# noqa` or `# noqa: ASY001, ASY002` anywhere in a comment (`# type: ignore  # noqa`).
fn line_directive(comment: &str) -> Option<Codes> {
    comment.match_indices('#').find_map(|(at, _)| {
        let rest = comment[at + 1..].trim_start();
        codes_after_noqa(rest)
    })
}

/// Parses `noqa` optionally followed by `: CODE, CODE`; `noqa` must end the word.
fn codes_after_noqa(text: &str) -> Option<Codes> {
    let rest = strip_prefix_ignore_case(text, "noqa")?;
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let Some(list) = rest.trim_start().strip_prefix(':') else {
        return Some(Codes::All);
    };
    let codes: Vec<String> = list
        .split([',', ' ', '\t'])
        .map(str::trim)
        .take_while(|word| word.is_empty() || is_code(word))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect();
    // `# noqa:` with nothing valid after it suppresses nothing rather than everything.
    (!codes.is_empty()).then_some(Codes::Only(codes))
}

/// A rule code: upper-case letters then digits (`ASY001`, and other tools' codes too).
fn is_code(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_uppercase).count();
    letters > 0 && word.len() > letters && word[letters..].chars().all(|c| c.is_ascii_digit())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_directives() {
        assert_eq!(line_directive("# noqa"), Some(Codes::All));
        assert_eq!(line_directive("# NOQA"), Some(Codes::All));
        assert_eq!(
            line_directive("# noqa: ASY001, ASY002"),
            Some(Codes::Only(vec!["ASY001".into(), "ASY002".into()]))
        );
        assert_eq!(
            line_directive("# type: ignore  # noqa:ASY001 because"),
            Some(Codes::Only(vec!["ASY001".into()]))
        );
        assert_eq!(line_directive("# noqanope"), None);
        assert_eq!(line_directive("# a comment"), None);
    }

    #[test]
    fn file_directives() {
        assert_eq!(file_directive("# asyncheck: noqa"), Some(Codes::All));
        assert_eq!(
            file_directive("# asyncheck: noqa: ASY001"),
            Some(Codes::Only(vec!["ASY001".into()]))
        );
        assert_eq!(file_directive("# noqa"), None);
    }
}
