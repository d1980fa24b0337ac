//! ANSI styling for the text formats, by hand: a handful of SGR codes is all we need.

use std::fmt::Display;

/// The styles the text formats use (Ruff's palette).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// File paths, counts.
    Bold,
    /// Rule codes, carets, the `error` label.
    BoldRed,
    /// Separators (`:`), the `*` of `[*]`.
    Cyan,
    /// The line-number gutter.
    BoldBlue,
    /// "Fixed N findings".
    BoldGreen,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::BoldRed => "1;31",
            Style::Cyan => "36",
            Style::BoldBlue => "1;34",
            Style::BoldGreen => "1;32",
        }
    }
}

/// Paints text when color is on, and passes it through unchanged otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    pub(crate) enabled: bool,
}

impl Painter {
    pub(crate) fn paint(self, text: impl Display, style: Style) -> String {
        if self.enabled {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_when_enabled() {
        assert_eq!(Painter { enabled: false }.paint("x", Style::BoldRed), "x");
        assert_eq!(
            Painter { enabled: true }.paint("x", Style::BoldRed),
            "\x1b[1;31mx\x1b[0m"
        );
    }
}
