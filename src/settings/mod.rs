//! Resolved settings: what the checker needs, after configuration files and command-line
//! options have been merged. Loading lives in the submodules:
//!
//! - `resolve`: finding `asyncheck.toml` / `pyproject.toml` `[tool.asyncheck]`, merging with the
//!   command line (`CliOverrides`) into `Settings`;
//! - `options`: reading and validating one file's keys (`KEYS`);
//! - `selector`: rule selectors and how `select` / `extend-select` / `ignore` combine;
//! - `patterns`: path globs and qualified-name globs;
//! - `error`: `ConfigError`, with file, line, column and suggestions.

mod error;
mod options;
mod patterns;
mod resolve;
mod rule_set;
mod selector;
mod version;

pub use error::{ConfigError, ConfigErrorKind};
pub use options::{Options, KEYS};
pub use patterns::{absolute, normalize, FilePatternSet, PerFileIgnore, QualifiedNamePattern};
pub(crate) use resolve::io_message;
pub use resolve::{
    find, load, minimum_python, resolve, CliOverrides, ConfigFile, CONFIG_FILE, PYPROJECT_FILE,
};
pub use rule_set::RuleSet;
pub use selector::{Selector, UnknownSelector};
pub use version::PythonVersion;

use std::path::{Path, PathBuf};

/// Folders never entered while walking directories (explicitly given paths inside them are still
/// checked unless `force-exclude`), like Ruff's default `exclude`. Hidden folders are skipped too.
pub const DEFAULT_EXCLUDE: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "_build",
    "buck-out",
    ".eggs",
    ".direnv",
    "__pypackages__",
    ".ipynb_checkpoints",
    ".pants.d",
    ".pytype",
    ".git-rewrite",
];

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Full,
    Concise,
    Json,
    Sarif,
    Github,
}

impl OutputFormat {
    pub const ALL: &[OutputFormat] = &[
        OutputFormat::Full,
        OutputFormat::Concise,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
    ];

    /// The name used in configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Full => "full",
            OutputFormat::Concise => "concise",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Github => "github",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|format| format.as_str() == text)
    }
}

/// Settings that decide how each file is checked and fixed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rules that run.
    pub rules: RuleSet,
    /// Rules whose fixes may be applied.
    pub fixable: RuleSet,
    pub unsafe_fixes: bool,
    pub target_version: PythonVersion,
    /// Directory that relative paths in the configuration are relative to: the directory of the
    /// configuration file, or the start directory when there is none (absolute after `resolve`).
    pub root: PathBuf,
    pub output_format: OutputFormat,
    /// `per-file-ignores`, in file order; see [`Settings::rules_for`].
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// `exclude`: files and folders skipped during the walk (on top of [`DEFAULT_EXCLUDE`]).
    pub exclude: FilePatternSet,
    /// `extend-exclude`: more of the same.
    pub extend_exclude: FilePatternSet,
    /// Apply the excludes to paths given explicitly too.
    pub force_exclude: bool,
    /// Skip files ignored by `.gitignore` (and `.ignore`, `.git/info/exclude`, the global one).
    pub respect_gitignore: bool,
    /// The configuration file used, if any.
    pub config_path: Option<PathBuf>,
    /// `blocking-calls`: qualified-name pattern → suggestion, most specific pattern first.
    pub blocking_calls: Vec<(QualifiedNamePattern, String)>,
    /// `allowed-blocking-calls`.
    pub allowed_blocking_calls: Vec<QualifiedNamePattern>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rules: RuleSet::defaults(),
            fixable: RuleSet::all(),
            unsafe_fixes: false,
            target_version: PythonVersion::default(),
            root: PathBuf::from("."),
            output_format: OutputFormat::default(),
            per_file_ignores: Vec::new(),
            exclude: FilePatternSet::empty(),
            extend_exclude: FilePatternSet::empty(),
            force_exclude: false,
            respect_gitignore: true,
            config_path: None,
            blocking_calls: Vec::new(),
            allowed_blocking_calls: Vec::new(),
        }
    }
}

impl Settings {
    /// Settings with exactly the given rule enabled (the catalog tests use this).
    pub fn only(code: &str) -> Option<Self> {
        let mut rules = RuleSet::empty();
        rules.insert(crate::rules::index_of(code)?);
        Some(Self {
            rules,
            ..Self::default()
        })
    }

    /// The rules that run on `path`: `rules` minus the `per-file-ignores` entries whose glob
    /// matches the path relative to `root` or the file name alone. A relative `path` is taken
    /// relative to the current directory.
    pub fn rules_for(&self, path: &Path) -> RuleSet {
        if self.per_file_ignores.is_empty() {
            return self.rules;
        }
        let path = absolute(path);
        let mut rules = self.rules;
        for entry in &self.per_file_ignores {
            if entry.applies_to(&path) {
                rules = rules.difference(entry.rules);
            }
        }
        rules
    }

    /// The suggestion configured in `blocking-calls` for a call to `qualified` (e.g.
    /// `mylib.db.query`), if a pattern matches it. Exact names win over globs, then the pattern
    /// with the most literal characters. The suggestion may be empty ("flag, no suggestion").
    pub fn blocking_call_suggestion(&self, qualified: &str) -> Option<&str> {
        self.blocking_calls
            .iter()
            .find(|(pattern, _)| pattern.matches(qualified))
            .map(|(_, suggestion)| suggestion.as_str())
    }

    /// Whether `allowed-blocking-calls` lets `qualified` be called in async code.
    pub fn is_allowed_blocking_call(&self, qualified: &str) -> bool {
        self.allowed_blocking_calls
            .iter()
            .any(|pattern| pattern.matches(qualified))
    }

    /// Whether `path` itself (not its ancestors) matches `exclude` or `extend-exclude`.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.exclude.is_empty() && self.extend_exclude.is_empty() {
            return false;
        }
        let path = absolute(path);
        self.exclude.matches(&path) || self.extend_exclude.matches(&path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_round_trip() {
        for format in OutputFormat::ALL {
            assert_eq!(OutputFormat::parse(format.as_str()), Some(*format));
        }
        assert_eq!(OutputFormat::parse("text"), None);
    }

    #[test]
    fn blocking_call_patterns_prefer_exact_then_longest() {
        let settings = Settings {
            blocking_calls: vec![
                (
                    QualifiedNamePattern::new("mylib.db.query").unwrap(),
                    "exact".into(),
                ),
                (
                    QualifiedNamePattern::new("mylib.db.*").unwrap(),
                    "db".into(),
                ),
                (QualifiedNamePattern::new("mylib.*").unwrap(), "lib".into()),
            ],
            allowed_blocking_calls: vec![QualifiedNamePattern::new("mylib.fast.*").unwrap()],
            ..Settings::default()
        };
        assert_eq!(
            settings.blocking_call_suggestion("mylib.db.query"),
            Some("exact")
        );
        assert_eq!(
            settings.blocking_call_suggestion("mylib.db.fetch"),
            Some("db")
        );
        assert_eq!(
            settings.blocking_call_suggestion("mylib.other"),
            Some("lib")
        );
        assert_eq!(settings.blocking_call_suggestion("other.call"), None);
        assert!(settings.is_allowed_blocking_call("mylib.fast.get"));
        assert!(!settings.is_allowed_blocking_call("mylib.slow.get"));
    }

    #[test]
    fn default_and_only_still_work() {
        let settings = Settings::default();
        assert_eq!(settings.rules, RuleSet::defaults());
        assert!(settings.respect_gitignore);
        let only = Settings::only("ASY001").unwrap();
        assert!(only.rules.contains_code("ASY001"));
        assert!(Settings::only("ASY999").is_none());
        assert_eq!(only.rules_for(Path::new("x.py")), only.rules);
    }
}
