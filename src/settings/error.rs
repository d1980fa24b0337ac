//! `ConfigError`: what went wrong while loading configuration, with the file, the 1-based line
//! and column, and the nearest valid key or value when one is close.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The kind of a configuration error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// A file given with `--config` does not exist.
    NotFound,
    /// A configuration file could not be read.
    Io,
    /// A configuration file is not valid TOML.
    Syntax,
    /// A key that asyncheck does not know.
    UnknownKey,
    /// A value of the wrong type (a string where a list is expected, …).
    InvalidType,
    /// A value of the right type that is not allowed (`target-version = "py27"`, a bad glob, …).
    InvalidValue,
    /// A rule selector that matches no rule.
    UnknownSelector,
}

/// An error in configuration: a file's contents or a command-line option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    path: Option<PathBuf>,
    location: Option<(usize, usize)>,
    message: String,
}

impl ConfigError {
    /// An error that is not tied to a file (a command-line option).
    pub fn new(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: None,
            location: None,
            message: message.into(),
        }
    }

    /// An error about a whole file.
    pub fn in_file(kind: ConfigErrorKind, path: &Path, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: Some(path.to_path_buf()),
            location: None,
            message: message.into(),
        }
    }

    /// An error at a byte offset of a file's text.
    pub fn at(
        kind: ConfigErrorKind,
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            path: Some(path.to_path_buf()),
            location: span.map(|span| line_column(text, span.start)),
            message: message.into(),
        }
    }

    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The configuration file, when the error is in one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// 1-based line, when known.
    pub fn line(&self) -> Option<usize> {
        self.location.map(|(line, _)| line)
    }

    /// 1-based column (in characters), when known.
    pub fn column(&self) -> Option<usize> {
        self.location.map(|(_, column)| column)
    }

    /// The message without the file and position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.location) {
            (Some(path), Some((line, column))) => {
                write!(f, "{}:{line}:{column}: {}", path.display(), self.message)
            }
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase().replace('_', "-");
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&word_lower, &candidate.to_lowercase());
        if best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    let (distance, candidate) = best?;
    let limit = (candidate.chars().count() / 3).max(1);
    (distance <= limit).then_some(candidate)
}

/// `; did you mean `x`?` when a candidate is close, else nothing.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(word, candidates)
        .map(|candidate| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters each cost one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in table.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in table.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 10), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("select", "select"), 0);
        assert_eq!(edit_distance("selekt", "select"), 1);
        assert_eq!(edit_distance("ignroe", "ignore"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_candidates() {
        let keys = ["select", "ignore", "target-version"];
        assert_eq!(closest("selekt", keys), Some("select"));
        assert_eq!(closest("target_version", keys), Some("target-version"));
        assert_eq!(closest("frobnicate", keys), None);
        assert_eq!(did_you_mean("ignor", keys), "; did you mean `ignore`?");
        assert_eq!(did_you_mean("zzz", keys), "");
    }

    #[test]
    fn display_names_file_and_position() {
        let error = ConfigError::at(
            ConfigErrorKind::UnknownKey,
            Path::new("pyproject.toml"),
            "[tool.asyncheck]\nselekt = []\n",
            Some(17..23),
            "unknown key `selekt`",
        );
        assert_eq!(
            error.to_string(),
            "pyproject.toml:2:1: unknown key `selekt`"
        );
        assert_eq!((error.line(), error.column()), (Some(2), Some(1)));
        let error = ConfigError::new(ConfigErrorKind::UnknownSelector, "bad");
        assert_eq!(error.to_string(), "bad");
    }
}
