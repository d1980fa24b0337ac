//! Text edits, fixes, and applying a set of fixes to a source without overlaps.

use ruff_text_size::{Ranged, TextRange, TextSize};

/// Replace `range` with `content` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replace(range: TextRange, content: impl Into<String>) -> Self {
        Self {
            range,
            content: content.into(),
        }
    }

    pub fn insert(at: TextSize, content: impl Into<String>) -> Self {
        Self::replace(TextRange::empty(at), content)
    }

    pub fn delete(range: TextRange) -> Self {
        Self::replace(range, String::new())
    }
}

impl Ranged for Edit {
    fn range(&self) -> TextRange {
        self.range
    }
}

/// Safe fixes are applied by `--fix`; unsafe ones need `--unsafe-fixes` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    Unsafe,
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of non-overlapping edits that together fix one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn safe(edits: Vec<Edit>) -> Self {
        Self::new(edits, Applicability::Safe)
    }

    pub fn unsafe_(edits: Vec<Edit>) -> Self {
        Self::new(edits, Applicability::Unsafe)
    }

    fn new(mut edits: Vec<Edit>, applicability: Applicability) -> Self {
        edits.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
        edits.dedup();
        Self {
            edits,
            applicability,
        }
    }

    /// The span from the first edit's start to the last edit's end.
    fn span(&self) -> Option<TextRange> {
        let first = self.edits.first()?;
        let last = self.edits.iter().map(|e| e.range.end()).max()?;
        Some(TextRange::new(first.range.start(), last))
    }
}

/// The result of applying one round of fixes.
pub struct Applied {
    pub source: String,
    /// Indices (into the input slice) of the fixes that were applied.
    pub applied: Vec<usize>,
}

/// Applies as many of `fixes` as fit without overlapping, in source order; the rest wait for the
/// next round. An edit identical to one already applied (two fixes adding the same import) is
/// shared rather than counted as an overlap.
pub fn apply_fixes(source: &str, fixes: &[&Fix]) -> Applied {
    let mut order: Vec<usize> = (0..fixes.len())
        .filter(|&i| fixes[i].span().is_some())
        .collect();
    order.sort_by_key(|&i| fixes[i].span().map(|r| (r.start(), r.end())));

    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for i in order {
        let fresh: Vec<&Edit> = fixes[i]
            .edits
            .iter()
            .filter(|edit| !accepted.contains(edit))
            .collect();
        let clashes = fresh.iter().any(|edit| {
            accepted
                .iter()
                .any(|taken| overlaps(taken.range, edit.range))
        });
        if !clashes {
            accepted.extend(fresh);
            applied.push(i);
        }
    }
    accepted.sort_by_key(|e| (e.range.start(), e.range.end()));

    let mut output = String::with_capacity(source.len());
    let mut cursor = TextSize::from(0);
    for edit in accepted {
        output.push_str(&source[TextRange::new(cursor, edit.range.start())]);
        output.push_str(&edit.content);
        cursor = edit.range.end();
    }
    output.push_str(&source[TextRange::new(cursor, source.text_len())]);
    applied.sort_unstable();
    Applied {
        source: output,
        applied,
    }
}

/// Two edits clash when they share any text, or when both insert at the same point (their
/// order would be arbitrary).
fn overlaps(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    a.start() < b.end() && b.start() < a.end()
        || (a.is_empty() && b.start() < a.start() && a.start() < b.end())
        || (b.is_empty() && a.start() < b.start() && b.start() < a.end())
}

trait TextLen {
    fn text_len(&self) -> TextSize;
}

impl TextLen for str {
    fn text_len(&self) -> TextSize {
        TextSize::of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u32, end: u32) -> TextRange {
        TextRange::new(start.into(), end.into())
    }

    #[test]
    fn applies_non_overlapping_fixes_in_order() {
        let a = Fix::safe(vec![Edit::replace(range(0, 1), "A")]);
        let b = Fix::safe(vec![Edit::replace(range(2, 3), "C")]);
        let out = apply_fixes("abc", &[&b, &a]);
        assert_eq!(out.source, "AbC");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn defers_an_overlapping_fix() {
        let a = Fix::safe(vec![Edit::replace(range(0, 2), "X")]);
        let b = Fix::safe(vec![Edit::replace(range(1, 3), "Y")]);
        let out = apply_fixes("abc", &[&a, &b]);
        assert_eq!(out.source, "Xc");
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn shares_identical_import_edits() {
        let import = Edit::insert(0.into(), "import asyncio\n");
        let a = Fix::safe(vec![import.clone(), Edit::replace(range(0, 1), "A")]);
        let b = Fix::safe(vec![import, Edit::replace(range(2, 3), "C")]);
        let out = apply_fixes("abc", &[&a, &b]);
        assert_eq!(out.source, "import asyncio\nAbC");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn two_different_insertions_at_one_point_clash() {
        let a = Fix::safe(vec![Edit::insert(1.into(), "x")]);
        let b = Fix::safe(vec![Edit::insert(1.into(), "y")]);
        assert_eq!(apply_fixes("ab", &[&a, &b]).applied.len(), 1);
    }
}
