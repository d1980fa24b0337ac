//! The options one configuration file sets, read from its TOML table with every key checked.
//! Keys are validated in document order; the first problem is returned with its position.

use std::ops::Range;
use std::path::Path;

use toml_edit::{Item, TableLike, Value};

use super::error::{did_you_mean, ConfigError, ConfigErrorKind};
use super::patterns::{FilePatternSet, PerFileIgnore, QualifiedNamePattern};
use super::selector::Selector;
use super::{OutputFormat, PythonVersion};

/// Every key the options table accepts. The parser, the docs test and the example test all
/// use this list.
pub const KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "fixable",
    "unfixable",
    "unsafe-fixes",
    "exclude",
    "extend-exclude",
    "force-exclude",
    "respect-gitignore",
    "target-version",
    "output-format",
    "blocking-calls",
    "allowed-blocking-calls",
];

/// What one file sets; `None` / empty means "not set".
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    pub fixable: Option<Vec<Selector>>,
    pub unfixable: Vec<Selector>,
    pub unsafe_fixes: Option<bool>,
    pub exclude: Option<FilePatternSet>,
    pub extend_exclude: Option<FilePatternSet>,
    pub force_exclude: Option<bool>,
    pub respect_gitignore: Option<bool>,
    pub target_version: Option<PythonVersion>,
    pub output_format: Option<OutputFormat>,
    pub blocking_calls: Vec<(QualifiedNamePattern, String)>,
    pub allowed_blocking_calls: Vec<QualifiedNamePattern>,
}

/// The file being read, for error positions.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// Where the options live, for messages: `[tool.asyncheck]` or the file name.
    pub table_name: &'a str,
    /// Directory that relative paths are relative to.
    pub root: &'a Path,
}

impl Source<'_> {
    fn error(
        &self,
        kind: ConfigErrorKind,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::at(kind, self.path, self.text, span, message)
    }
}

/// Reads and validates every key of `table`.
pub(crate) fn parse(table: &dyn TableLike, source: &Source<'_>) -> Result<Options, ConfigError> {
    let mut options = Options::default();
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(|k| k.span());
        let value = Field {
            key,
            key_span: key_span.clone(),
            item,
            source,
        };
        if !KEYS.contains(&key) {
            return Err(source.error(
                ConfigErrorKind::UnknownKey,
                key_span,
                format!(
                    "unknown key `{key}` in {}{}",
                    source.table_name,
                    did_you_mean(key, KEYS.iter().copied())
                ),
            ));
        }
        match key {
            "select" => options.select = Some(value.selectors()?),
            "extend-select" => options.extend_select = value.selectors()?,
            "ignore" => options.ignore = value.selectors()?,
            "per-file-ignores" => options.per_file_ignores = value.per_file_ignores()?,
            "fixable" => options.fixable = Some(value.selectors()?),
            "unfixable" => options.unfixable = value.selectors()?,
            "unsafe-fixes" => options.unsafe_fixes = Some(value.boolean()?),
            "exclude" => options.exclude = Some(value.file_patterns()?),
            "extend-exclude" => options.extend_exclude = Some(value.file_patterns()?),
            "force-exclude" => options.force_exclude = Some(value.boolean()?),
            "respect-gitignore" => options.respect_gitignore = Some(value.boolean()?),
            "target-version" => {
                let (text, span) = value.string()?;
                options.target_version = Some(parse_target_version(text).map_err(|message| {
                    source.error(ConfigErrorKind::InvalidValue, span, message)
                })?);
            }
            "output-format" => {
                let (text, span) = value.string()?;
                options.output_format = Some(parse_output_format(text).map_err(|message| {
                    source.error(ConfigErrorKind::InvalidValue, span, message)
                })?);
            }
            "blocking-calls" => options.blocking_calls = value.blocking_calls()?,
            "allowed-blocking-calls" => {
                options.allowed_blocking_calls = value.qualified_names()?;
            }
            _ => unreachable!("`{key}` is in KEYS but has no parser"),
        }
    }
    Ok(options)
}

/// `py38` … `py314`, or an error naming the accepted values.
pub(crate) fn parse_target_version(text: &str) -> Result<PythonVersion, String> {
    PythonVersion::parse(text).ok_or_else(|| {
        let names: Vec<String> = PythonVersion::all().map(|v| v.to_string()).collect();
        format!(
            "invalid target version `{text}`; expected one of {}{}",
            names.join(", "),
            did_you_mean(text, names.iter().map(String::as_str))
        )
    })
}

/// `full`, `concise`, `json`, `sarif` or `github`.
pub(crate) fn parse_output_format(text: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(text).ok_or_else(|| {
        let names: Vec<&str> = OutputFormat::ALL.iter().map(|f| f.as_str()).collect();
        format!(
            "invalid output format `{text}`; expected one of {}{}",
            names.join(", "),
            did_you_mean(text, names.iter().copied())
        )
    })
}

/// A string from the file and where it is.
type SpannedStr<'a> = (&'a str, Option<Range<usize>>);

/// A table entry: key, key position, value.
type Entry<'a> = (&'a str, Option<Range<usize>>, &'a Item);

/// One key and its value, with what is needed to report errors at the right place.
struct Field<'a> {
    key: &'a str,
    key_span: Option<Range<usize>>,
    item: &'a Item,
    source: &'a Source<'a>,
}

fn describe_item(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(value) => describe_value(value),
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
    }
}

fn describe_value(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "a list",
        Value::InlineTable(_) => "a table",
    }
}

impl<'a> Field<'a> {
    fn span(&self) -> Option<Range<usize>> {
        self.item.span().or_else(|| self.key_span.clone())
    }

    fn wrong_type(&self, expected: &str, span: Option<Range<usize>>, found: &str) -> ConfigError {
        self.source.error(
            ConfigErrorKind::InvalidType,
            span,
            format!("`{}` must be {expected}, found {found}", self.key),
        )
    }

    fn boolean(&self) -> Result<bool, ConfigError> {
        match self.item.as_value() {
            Some(Value::Boolean(value)) => Ok(*value.value()),
            _ => Err(self.wrong_type("a boolean", self.span(), describe_item(self.item))),
        }
    }

    fn string(&self) -> Result<SpannedStr<'a>, ConfigError> {
        match self.item.as_value() {
            Some(Value::String(value)) => Ok((value.value().as_str(), value.span())),
            _ => Err(self.wrong_type("a string", self.span(), describe_item(self.item))),
        }
    }

    /// A list of strings, each with its span.
    fn strings(&self) -> Result<Vec<SpannedStr<'a>>, ConfigError> {
        const EXPECTED: &str = "a list of strings";
        let Some(Value::Array(array)) = self.item.as_value() else {
            return Err(self.wrong_type(EXPECTED, self.span(), describe_item(self.item)));
        };
        array
            .iter()
            .map(|element| match element {
                Value::String(value) => Ok((value.value().as_str(), value.span())),
                other => Err(self.wrong_type(
                    EXPECTED,
                    other.span().or_else(|| self.span()),
                    &format!("{} in the list", describe_value(other)),
                )),
            })
            .collect()
    }

    fn selectors(&self) -> Result<Vec<Selector>, ConfigError> {
        self.strings()?
            .into_iter()
            .map(|(text, span)| {
                Selector::parse(text).map_err(|error| {
                    self.source.error(
                        ConfigErrorKind::UnknownSelector,
                        span,
                        error.message_in(&format!("in `{}`", self.key)),
                    )
                })
            })
            .collect()
    }

    fn file_patterns(&self) -> Result<FilePatternSet, ConfigError> {
        let strings = self.strings()?;
        let patterns: Vec<String> = strings.iter().map(|(text, _)| text.to_string()).collect();
        FilePatternSet::new(self.source.root, &patterns).map_err(|(index, message)| {
            self.source.error(
                ConfigErrorKind::InvalidValue,
                strings.get(index).and_then(|(_, span)| span.clone()),
                format!(
                    "invalid glob `{}` in `{}`: {message}",
                    patterns.get(index).map_or("", String::as_str),
                    self.key
                ),
            )
        })
    }

    fn qualified_names(&self) -> Result<Vec<QualifiedNamePattern>, ConfigError> {
        self.strings()?
            .into_iter()
            .map(|(text, span)| {
                QualifiedNamePattern::new(text).map_err(|message| {
                    self.source.error(
                        ConfigErrorKind::InvalidValue,
                        span,
                        format!(
                            "invalid qualified name `{text}` in `{}`: {message}",
                            self.key
                        ),
                    )
                })
            })
            .collect()
    }

    fn table(&self) -> Result<&'a dyn TableLike, ConfigError> {
        self.item
            .as_table_like()
            .ok_or_else(|| self.wrong_type("a table", self.span(), describe_item(self.item)))
    }

    /// The entries of a table value: each key with its span and the entry as a field.
    fn entries(&self) -> Result<Vec<Entry<'a>>, ConfigError> {
        let table = self.table()?;
        Ok(table
            .iter()
            .map(|(key, item)| (key, table.key(key).and_then(|k| k.span()), item))
            .collect())
    }

    fn per_file_ignores(&self) -> Result<Vec<PerFileIgnore>, ConfigError> {
        let mut entries = Vec::new();
        for (pattern, key_span, item) in self.entries()? {
            let field = Field {
                key: self.key,
                key_span: key_span.clone(),
                item,
                source: self.source,
            };
            let selectors = field.selectors()?;
            let mut rules = super::RuleSet::empty();
            for selector in &selectors {
                rules = rules.union(selector.rules());
            }
            let entry =
                PerFileIgnore::new(self.source.root, pattern, rules).map_err(|message| {
                    self.source.error(
                        ConfigErrorKind::InvalidValue,
                        key_span,
                        format!("invalid glob `{pattern}` in `{}`: {message}", self.key),
                    )
                })?;
            entries.push(entry);
        }
        Ok(entries)
    }

    fn blocking_calls(&self) -> Result<Vec<(QualifiedNamePattern, String)>, ConfigError> {
        let mut calls = Vec::new();
        for (name, key_span, item) in self.entries()? {
            let pattern = QualifiedNamePattern::new(name).map_err(|message| {
                self.source.error(
                    ConfigErrorKind::InvalidValue,
                    key_span.clone(),
                    format!(
                        "invalid qualified name `{name}` in `{}`: {message}",
                        self.key
                    ),
                )
            })?;
            let suggestion = match item.as_value() {
                Some(Value::String(value)) => value.value().clone(),
                _ => {
                    let hint = if item.is_table_like() {
                        format!(" (quote dotted names: `\"{name}.…\" = \"…\"`)")
                    } else {
                        String::new()
                    };
                    return Err(self.source.error(
                        ConfigErrorKind::InvalidType,
                        item.span().or(key_span),
                        format!(
                            "the suggestion for `{name}` in `{}` must be a string, found {}{hint}",
                            self.key,
                            describe_item(item)
                        ),
                    ));
                }
            };
            calls.push((pattern, suggestion));
        }
        Ok(calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Options, ConfigError> {
        let document = toml_edit::ImDocument::parse(text).unwrap();
        let source = Source {
            path: Path::new("asyncheck.toml"),
            text,
            table_name: "asyncheck.toml",
            root: Path::new("/project"),
        };
        parse(document.as_table(), &source)
    }

    #[test]
    fn every_key_has_a_parser() {
        // No key takes an integer, so each must fail with a type error (not as unknown).
        for key in KEYS {
            let error = parse_text(&format!("{key} = 12345\n")).unwrap_err();
            assert_eq!(error.kind(), ConfigErrorKind::InvalidType, "{key}: {error}");
            assert!(error.message().contains("found an integer"), "{error}");
            assert_eq!(
                (error.line(), error.column()),
                (Some(1), Some(key.len() + 4))
            );
        }
    }

    #[test]
    fn reads_every_kind_of_value() {
        let options = parse_text(
            r#"
select = ["ASY0"]
extend-select = ["ASY001"]
ignore = []
unsafe-fixes = true
exclude = ["gen"]
target-version = "py312"
output-format = "json"
per-file-ignores = { "tests/*" = ["ASY001"] }
allowed-blocking-calls = ["mylib.fast.*"]

[blocking-calls]
"mylib.db.*" = "use `mylib.adb` instead"
"#,
        )
        .unwrap();
        assert_eq!(options.select.as_ref().map(Vec::len), Some(1));
        assert_eq!(options.unsafe_fixes, Some(true));
        assert_eq!(options.target_version, Some(PythonVersion { minor: 12 }));
        assert_eq!(options.output_format, Some(OutputFormat::Json));
        assert_eq!(options.per_file_ignores.len(), 1);
        assert_eq!(options.blocking_calls.len(), 1);
        assert_eq!(options.blocking_calls[0].0.as_str(), "mylib.db.*");
        assert_eq!(options.allowed_blocking_calls.len(), 1);
        assert!(options.exclude.is_some());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let error = parse_text("select = [\"ASY001\", 3]\n").unwrap_err();
        assert_eq!(error.kind(), ConfigErrorKind::InvalidType);
        assert_eq!(error.column(), Some(21));
        let error = parse_text("\n\nignore = [\"ASY0001\"]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "asyncheck.toml:3:11: unknown rule selector `ASY0001` in `ignore`; did you mean `ASY001`?"
        );
        let error = parse_text("selekt = []\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "asyncheck.toml:1:1: unknown key `selekt` in asyncheck.toml; did you mean `select`?"
        );
        let error = parse_text("[blocking-calls]\nmylib.db.query = \"x\"\n").unwrap_err();
        assert_eq!(error.kind(), ConfigErrorKind::InvalidType);
        assert!(error.message().contains("quote dotted names"), "{error}");
        let error = parse_text("target-version = \"py3.11\"\n").unwrap_err();
        assert!(
            error.message().ends_with("did you mean `py311`?"),
            "{error}"
        );
        let error = parse_text("exclude = [\"a\", \"[b\"]\n").unwrap_err();
        assert_eq!(error.kind(), ConfigErrorKind::InvalidValue);
        assert_eq!(error.column(), Some(17));
    }
}
