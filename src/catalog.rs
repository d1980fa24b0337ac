//! The rule catalog (`rules/ASYNNN.md`): TOML front matter between `+++` lines, Markdown docs,
//! and fenced `python bad` / `python good` / `python fixed` examples.

use serde::Deserialize;

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A rule's metadata, from its catalog front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub severity: Severity,
    pub fix: FixAvailability,
    pub default: bool,
    pub since: String,
    #[serde(default)]
    pub upstream: Vec<String>,
}

const FENCE: &str = "+++";

/// Splits a catalog page into its front matter and its Markdown body.
pub fn split(page: &str) -> Option<(&str, &str)> {
    let rest = page.strip_prefix(FENCE)?.trim_start_matches(['\r', '\n']);
    let end = rest.find(&format!("\n{FENCE}"))?;
    let body = &rest[end + 1 + FENCE.len()..];
    Some((&rest[..end], body.trim_start_matches(['\r', '\n'])))
}

pub fn parse_front_matter(page: &str) -> Result<RuleInfo, String> {
    let (front, _) = split(page).ok_or("missing `+++` front matter")?;
    toml::from_str(front).map_err(|err| err.to_string())
}

/// The Markdown body of a catalog page (what `asyncheck rule` prints).
pub fn body(page: &str) -> &str {
    split(page).map_or(page, |(_, body)| body)
}

/// The kind of a fenced example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    Bad,
    Good,
    Fixed,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub kind: ExampleKind,
    /// 1-based line of the opening fence in the page, for failure messages.
    pub line: usize,
    pub source: String,
}

/// The fenced `python bad|good|fixed` blocks of a page, in order.
pub fn examples(page: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut open: Option<Example> = None;
    for (index, line) in page.lines().enumerate() {
        if open.is_some() && line.trim_end() == "```" {
            examples.extend(open.take());
            continue;
        }
        match open.as_mut() {
            Some(example) => {
                example.source.push_str(line);
                example.source.push('\n');
            }
            None => {
                let kind = match line.trim_end() {
                    "```python bad" => ExampleKind::Bad,
                    "```python good" => ExampleKind::Good,
                    "```python fixed" => ExampleKind::Fixed,
                    _ => continue,
                };
                open = Some(Example {
                    kind,
                    line: index + 1,
                    source: String::new(),
                });
            }
        }
    }
    examples
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "+++\ncode = \"ASY999\"\nname = \"x\"\nsummary = \"s\"\nseverity = \"error\"\nfix = \"none\"\ndefault = true\nsince = \"0.1.0\"\n+++\n\n## What it does\n\n```python bad\nx = 1\n```\n\n```python good\ny = 2\n```\n";

    #[test]
    fn parses_front_matter_and_body() {
        let info = parse_front_matter(PAGE).unwrap();
        assert_eq!(info.code, "ASY999");
        assert!(info.default);
        assert!(body(PAGE).starts_with("## What it does"));
    }

    #[test]
    fn finds_examples_with_their_lines() {
        let found = examples(PAGE);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, ExampleKind::Bad);
        assert_eq!(found[0].source, "x = 1\n");
        assert_eq!(found[1].kind, ExampleKind::Good);
        assert_eq!(found[0].line, 13);
    }

    #[test]
    fn rejects_unknown_front_matter_keys() {
        let page = PAGE.replace("since", "sinse");
        assert!(parse_front_matter(&page).is_err());
    }
}
