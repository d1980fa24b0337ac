//! Resolved settings: what the checker needs, after configuration files and command-line
//! options have been merged. Loading lives in the submodules.

mod rule_set;
mod version;

pub use rule_set::RuleSet;
pub use version::PythonVersion;

use std::path::PathBuf;

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

/// Settings that decide how each file is checked and fixed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rules that run.
    pub rules: RuleSet,
    /// Rules whose fixes may be applied.
    pub fixable: RuleSet,
    pub unsafe_fixes: bool,
    pub target_version: PythonVersion,
    /// Directory that relative paths in the configuration are relative to.
    pub root: PathBuf,
    pub output_format: OutputFormat,
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
}
