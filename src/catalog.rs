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

/// "on" / "off" for a rule's `default`.
fn on_off(default: bool) -> &'static str {
    if default {
        "on"
    } else {
        "off"
    }
}

/// `docs/rules.md`: a Markdown table of every rule (code linking to its catalog page, name,
/// summary, whether it is on by default, fix availability), generated from the catalog.
pub fn rules_index_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from rules/*.md: run `UPDATE_DOCS=1 cargo test --test rule_index` to update. -->\n\n\
         Each rule's page in [`rules/`](../rules/) explains it with examples. \"Default\" rules run\n\
         unless configured otherwise; the others must be selected (`select`/`extend-select`).\n\n\
         | Code | Name | Summary | Default | Fix |\n\
         |---|---|---|---|---|\n",
    );
    for (entry, info) in crate::rules::RULES.iter().zip(crate::rules::infos()) {
        out.push_str(&format!(
            "| [{code}](../rules/{code}.md) | {name} | {summary} | {default} | {fix} |\n",
            code = entry.code,
            name = info.name,
            summary = info.summary.replace('|', "\\|"),
            default = on_off(info.default),
            fix = info.fix.as_str(),
        ));
    }
    out
}

/// The documentation of a rule, by code (`ASY001`, any case) or name, as `asyncheck rule` prints
/// it: a `# CODE name` header, a line of metadata, then the catalog page's body.
pub fn render_rule(code_or_name: &str) -> Option<String> {
    let wanted = code_or_name.trim();
    let (entry, info) = crate::rules::RULES
        .iter()
        .zip(crate::rules::infos())
        .find(|(entry, info)| entry.code.eq_ignore_ascii_case(wanted) || info.name == wanted)?;
    let fix = match info.fix {
        FixAvailability::None => "No fix",
        FixAvailability::Sometimes => "Fix sometimes available",
        FixAvailability::Always => "Fix always available",
    };
    let default = if info.default {
        "On by default"
    } else {
        "Off by default (select it to enable)"
    };
    Some(format!(
        "# {} {}\n\n{}\n\n{default}. {fix}. Since {}.\n\n{}\n",
        entry.code,
        info.name,
        info.summary,
        info.since,
        body(entry.doc).trim_end(),
    ))
}

/// A plain-text table of every rule for `asyncheck rules`: code, name, default (on/off), fix.
pub fn rules_table() -> String {
    let infos = crate::rules::infos();
    let name_width = infos
        .iter()
        .map(|info| info.name.len())
        .chain(["NAME".len()])
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{:<6}  {:<name_width$}  {:<7}  FIX\n",
        "CODE", "NAME", "DEFAULT"
    );
    for (entry, info) in crate::rules::RULES.iter().zip(infos) {
        out.push_str(&format!(
            "{:<6}  {:<name_width$}  {:<7}  {}\n",
            entry.code,
            info.name,
            on_off(info.default),
            info.fix.as_str(),
        ));
    }
    out
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

    #[test]
    fn index_links_every_rule_to_its_page() {
        let index = rules_index_markdown();
        assert!(index.starts_with("# Rules\n"));
        assert!(index.contains("| Code | Name | Summary | Default | Fix |"));
        for entry in crate::rules::RULES {
            let link = format!("| [{0}](../rules/{0}.md) |", entry.code);
            assert!(index.contains(&link), "no row for {}", entry.code);
        }
        assert!(index.contains("| blocking-sleep-in-async-function |"));
        // Every row has five cells, even when a summary contains `|`.
        for row in index.lines().filter(|line| line.starts_with("| [")) {
            assert_eq!(row.replace("\\|", "").matches('|').count(), 6, "{row}");
        }
    }

    #[test]
    fn renders_a_rule_by_code_or_name() {
        let by_code = render_rule("ASY001").unwrap();
        assert!(by_code.starts_with(
            "# ASY001 blocking-sleep-in-async-function\n\n\
             `time.sleep()` in async code blocks the event loop\n\n\
             On by default. Fix sometimes available. Since 0.1.0.\n\n## What it does\n"
        ));
        assert!(by_code.ends_with("## Options\n\n`allowed-blocking-calls` (a list of qualified names or `*` globs) silences it for\nnames the project trusts, e.g. `allowed-blocking-calls = [\"time.sleep\"]`.\n"), "{by_code}");
        assert!(by_code.contains("## What it does"));
        assert!(!by_code.contains("+++"));
        assert_eq!(render_rule("asy001").as_deref(), Some(by_code.as_str()));
        assert_eq!(
            render_rule("blocking-sleep-in-async-function").as_deref(),
            Some(by_code.as_str())
        );
        assert!(render_rule("ASY999").is_none());
        assert!(render_rule("no-such-rule").is_none());
    }

    #[test]
    fn rules_table_has_a_row_per_rule() {
        let table = rules_table();
        let mut lines = table.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("CODE    NAME"), "{header}");
        assert!(header.ends_with("DEFAULT  FIX"), "{header}");
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), crate::rules::RULES.len());
        let first: Vec<&str> = rows[0].split_whitespace().collect();
        assert_eq!(
            first,
            [
                "ASY001",
                "blocking-sleep-in-async-function",
                "on",
                "sometimes"
            ]
        );
        // Columns line up: the default column starts at the same place on every line.
        let column = header.find("DEFAULT").unwrap();
        for row in &rows {
            assert!(matches!(&row[column..column + 3], "on " | "off"), "{row}");
        }
    }
}
