//! A finding: which rule, where, what to say, and optionally how to fix it.

use ruff_text_size::TextRange;

use crate::fix::Fix;

/// One finding of one rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's code, e.g. `ASY001`.
    pub code: &'static str,
    /// The flagged source range.
    pub range: TextRange,
    /// States the problem, identifiers in backticks, no trailing period.
    pub message: String,
    /// Imperative title of the fix ("Replace with `await asyncio.sleep(...)`"), when one exists.
    pub fix_title: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Self {
            code,
            range,
            message: message.into(),
            fix_title: None,
            fix: None,
        }
    }

    /// Attaches a fix with its imperative title.
    #[must_use]
    pub fn with_fix(mut self, title: impl Into<String>, fix: Fix) -> Self {
        self.fix_title = Some(title.into());
        self.fix = Some(fix);
        self
    }

    /// Attaches help text for a finding whose fix is left to the user.
    #[must_use]
    pub fn with_help(mut self, title: impl Into<String>) -> Self {
        self.fix_title = Some(title.into());
        self
    }
}
