//! `target-version`: the oldest Python the checked code must run on.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    pub minor: u8,
}

impl PythonVersion {
    pub const OLDEST: u8 = 8;
    pub const NEWEST: u8 = 14;

    pub const PY39: Self = Self { minor: 9 };
    pub const PY311: Self = Self { minor: 11 };

    /// Every supported version, as written in configuration (`py38` … `py314`).
    pub fn all() -> impl Iterator<Item = Self> {
        (Self::OLDEST..=Self::NEWEST).map(|minor| Self { minor })
    }

    /// Parses `py311`.
    pub fn parse(text: &str) -> Option<Self> {
        let minor: u8 = text.strip_prefix("py3")?.parse().ok()?;
        (Self::OLDEST..=Self::NEWEST)
            .contains(&minor)
            .then_some(Self { minor })
    }
}

impl Default for PythonVersion {
    /// Like Ruff: the oldest version still supported upstream when unset.
    fn default() -> Self {
        Self::PY39
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "py3{}", self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_versions() {
        assert_eq!(PythonVersion::parse("py311"), Some(PythonVersion::PY311));
        assert!(PythonVersion::parse("py37").is_none());
        assert!(PythonVersion::parse("py315").is_none());
        assert!(PythonVersion::PY39 < PythonVersion::PY311);
        assert_eq!(PythonVersion::PY311.to_string(), "py311");
    }
}
