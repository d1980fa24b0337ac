//! Finding and loading the configuration file, and merging it with command-line options into
//! `Settings`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, TableLike};

use super::error::{ConfigError, ConfigErrorKind};
use super::options::{self, Options, Source};
use super::patterns::{absolute, FilePatternSet};
use super::selector::{apply_layers, Layer, Selector};
use super::{PythonVersion, RuleSet, Settings};

/// File names searched for, in order of preference within one directory.
pub const CONFIG_FILE: &str = "asyncheck.toml";
pub const PYPROJECT_FILE: &str = "pyproject.toml";

/// Command-line options that affect settings. The CLI fills this in; `resolve` applies it on top
/// of the configuration file.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    /// `--config PATH`: use this file instead of searching.
    pub config: Option<PathBuf>,
    /// `--isolated`: ignore all configuration files.
    pub isolated: bool,
    /// `--select`: replaces the file's selection.
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub target_version: Option<String>,
    pub output_format: Option<String>,
    pub unsafe_fixes: Option<bool>,
}

/// A configuration file that was found and read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// The directory holding the file; relative paths in it are relative to this.
    pub root: PathBuf,
    pub options: Options,
    /// From `[project] requires-python` in the same (or, for `asyncheck.toml`, the sibling)
    /// `pyproject.toml`.
    pub requires_python: Option<PythonVersion>,
}

/// Finds the configuration (unless `cli.isolated`), reads it, and applies `cli` on top.
/// `start_dir` is where the search starts and the root when no file is found.
pub fn resolve(start_dir: &Path, cli: &CliOverrides) -> Result<Settings, ConfigError> {
    let start_dir = absolute(start_dir);
    let config = if cli.isolated {
        None
    } else if let Some(path) = &cli.config {
        Some(load_explicit(&absolute(path))?)
    } else {
        find(&start_dir)?
    };
    let (options, root, config_path, inferred_version) = match config {
        Some(file) => (
            file.options,
            file.root,
            Some(file.path),
            file.requires_python,
        ),
        None => (Options::default(), start_dir, None, None),
    };

    let cli_select = cli
        .select
        .as_ref()
        .map(|selectors| cli_selectors("--select", selectors))
        .transpose()?;
    let cli_extend_select = cli_selectors("--extend-select", &cli.extend_select)?;
    let cli_ignore = cli_selectors("--ignore", &cli.ignore)?;
    let rules = apply_layers(
        RuleSet::defaults(),
        &[
            Layer {
                select: options.select.as_deref(),
                extend_select: &options.extend_select,
                ignore: &options.ignore,
            },
            Layer {
                select: cli_select.as_deref(),
                extend_select: &cli_extend_select,
                ignore: &cli_ignore,
            },
        ],
    );
    let fixable = apply_layers(
        RuleSet::all(),
        &[Layer {
            select: options.fixable.as_deref(),
            extend_select: &[],
            ignore: &options.unfixable,
        }],
    );

    let target_version = match &cli.target_version {
        Some(text) => options::parse_target_version(text).map_err(|message| {
            ConfigError::new(
                ConfigErrorKind::InvalidValue,
                format!("invalid value for `--target-version`: {message}"),
            )
        })?,
        None => options
            .target_version
            .or(inferred_version)
            .unwrap_or_default(),
    };
    let output_format = match &cli.output_format {
        Some(text) => options::parse_output_format(text).map_err(|message| {
            ConfigError::new(
                ConfigErrorKind::InvalidValue,
                format!("invalid value for `--output-format`: {message}"),
            )
        })?,
        None => options.output_format.unwrap_or_default(),
    };

    // Most specific first, so the first match gives the suggestion.
    let mut blocking_calls = options.blocking_calls;
    blocking_calls.sort_by_key(|(pattern, _)| {
        (
            !pattern.is_exact(),
            std::cmp::Reverse(pattern.literal_len()),
        )
    });

    Ok(Settings {
        rules,
        fixable,
        unsafe_fixes: cli.unsafe_fixes.or(options.unsafe_fixes).unwrap_or(false),
        target_version,
        root,
        output_format,
        per_file_ignores: options.per_file_ignores,
        exclude: options.exclude.unwrap_or_else(FilePatternSet::empty),
        extend_exclude: options.extend_exclude.unwrap_or_else(FilePatternSet::empty),
        force_exclude: options.force_exclude.unwrap_or(false),
        respect_gitignore: options.respect_gitignore.unwrap_or(true),
        config_path,
        blocking_calls,
        allowed_blocking_calls: options.allowed_blocking_calls,
    })
}

/// Selectors from a command-line option; each value may hold several, separated by commas.
fn cli_selectors(option: &str, values: &[String]) -> Result<Vec<Selector>, ConfigError> {
    values
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| {
            Selector::parse(text).map_err(|error| {
                ConfigError::new(
                    ConfigErrorKind::UnknownSelector,
                    error.message_in(&format!("in `{option}`")),
                )
            })
        })
        .collect()
}

/// The nearest configuration from `start_dir` upward: an `asyncheck.toml`, or a `pyproject.toml`
/// with a `[tool.asyncheck]` table (one without it is skipped). `asyncheck.toml` wins when both
/// are in the same directory.
pub fn find(start_dir: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    for dir in start_dir.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return load(&candidate).map(Some);
        }
        let candidate = dir.join(PYPROJECT_FILE);
        if candidate.is_file() {
            let text = read(&candidate)?;
            let document = parse_toml(&candidate, &text)?;
            if asyncheck_table_checked(&candidate, &text, &document)?.is_some() {
                return from_document(&candidate, &text, &document).map(Some);
            }
        }
    }
    Ok(None)
}

/// Loads a file given with `--config`; a `pyproject.toml` without `[tool.asyncheck]` gives the
/// defaults.
fn load_explicit(path: &Path) -> Result<ConfigFile, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::in_file(
            ConfigErrorKind::NotFound,
            path,
            "configuration file not found",
        ));
    }
    load(path)
}

/// Reads one configuration file: `pyproject.toml` (or any file other than `asyncheck.toml`
/// that has a `[tool.asyncheck]` table) by that table, others by their top-level keys.
pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = read(path)?;
    let document = parse_toml(path, &text)?;
    from_document(path, &text, &document)
}

fn from_document(
    path: &Path,
    text: &str,
    document: &ImDocument<&str>,
) -> Result<ConfigFile, ConfigError> {
    let path = absolute(path);
    let root = path
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `pyproject.toml` is read through `[tool.asyncheck]`, `asyncheck.toml` by its top-level
    // keys; a file with another name (`--config ci-pyproject.toml`) is read through
    // `[tool.asyncheck]` when it has one.
    let is_pyproject = file_name == PYPROJECT_FILE
        || (file_name != CONFIG_FILE && asyncheck_table(document).is_some());
    let (table, table_name): (Option<&dyn TableLike>, &str) = if is_pyproject {
        (
            asyncheck_table_checked(&path, text, document)?,
            "[tool.asyncheck]",
        )
    } else {
        (Some(document.as_table()), &file_name)
    };
    let source = Source {
        path: &path,
        text,
        table_name,
        root: &root,
    };
    let options = match table {
        Some(table) => options::parse(table, &source)?,
        None => Options::default(),
    };
    let requires_python = if is_pyproject {
        requires_python(document)
    } else {
        sibling_requires_python(&root)
    };
    Ok(ConfigFile {
        path,
        root,
        options,
        requires_python,
    })
}

fn read(path: &Path) -> Result<String, ConfigError> {
    fs::read_to_string(path).map_err(|err| {
        let kind = if err.kind() == io::ErrorKind::NotFound {
            ConfigErrorKind::NotFound
        } else {
            ConfigErrorKind::Io
        };
        ConfigError::in_file(
            kind,
            path,
            format!("cannot read configuration file: {}", io_message(&err)),
        )
    })
}

/// An I/O error's text without the `(os error N)` suffix.
pub(crate) fn io_message(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}

fn parse_toml<'a>(path: &Path, text: &'a str) -> Result<ImDocument<&'a str>, ConfigError> {
    ImDocument::parse(text).map_err(|err| {
        ConfigError::at(
            ConfigErrorKind::Syntax,
            path,
            text,
            err.span(),
            format!(
                "invalid TOML: {}",
                err.message().trim_end().replace('\n', "; ")
            ),
        )
    })
}

/// `[tool.asyncheck]`, if the document has it as a table.
fn asyncheck_table<'d>(document: &'d ImDocument<&str>) -> Option<&'d dyn TableLike> {
    document
        .get("tool")?
        .as_table_like()?
        .get("asyncheck")?
        .as_table_like()
}

/// `[tool.asyncheck]`, or an error if `tool.asyncheck` is there but not a table.
fn asyncheck_table_checked<'d>(
    path: &Path,
    text: &str,
    document: &'d ImDocument<&str>,
) -> Result<Option<&'d dyn TableLike>, ConfigError> {
    let Some(tool) = document.get("tool").and_then(|tool| tool.as_table_like()) else {
        return Ok(None);
    };
    match tool.get("asyncheck") {
        None => Ok(None),
        Some(item) => match item.as_table_like() {
            Some(table) => Ok(Some(table)),
            None => Err(ConfigError::at(
                ConfigErrorKind::InvalidType,
                path,
                text,
                item.span()
                    .or_else(|| tool.key("asyncheck").and_then(|k| k.span())),
                "`tool.asyncheck` must be a table",
            )),
        },
    }
}

/// The lowest Python version `[project] requires-python` allows.
fn requires_python(document: &ImDocument<&str>) -> Option<PythonVersion> {
    let spec = document
        .get("project")?
        .as_table_like()?
        .get("requires-python")?
        .as_str()?;
    minimum_python(spec)
}

/// For `asyncheck.toml`: `requires-python` from a `pyproject.toml` beside it, if readable.
fn sibling_requires_python(root: &Path) -> Option<PythonVersion> {
    let text = fs::read_to_string(root.join(PYPROJECT_FILE)).ok()?;
    let document = ImDocument::parse(text.as_str()).ok()?;
    requires_python(&document)
}

/// The lowest minor version of Python 3 a PEP 440 specifier allows (`>=3.10` → py310,
/// `~=3.11.2` → py311, `>=3.9,<4` → py39), clamped to the supported range. `None` when it has no
/// lower bound or cannot be read.
pub fn minimum_python(spec: &str) -> Option<PythonVersion> {
    let mut lowest: Option<u8> = None;
    for clause in spec.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let operators = ["===", "~=", "==", "!=", ">=", "<=", ">", "<", "^"];
        let operator = operators.iter().find(|op| clause.starts_with(**op))?;
        if matches!(*operator, "!=" | "<=" | "<") {
            continue;
        }
        let version = clause[operator.len()..].trim().trim_end_matches(".*");
        let mut parts = version.split('.');
        let major: u32 = parts.next()?.trim().parse().ok()?;
        let minor: u32 = match parts.next() {
            Some(minor) => minor.parse().ok()?,
            None => 0,
        };
        let minor = match major {
            0..=2 => 0,
            3 => minor,
            _ => return None,
        };
        let minor = u8::try_from(minor).unwrap_or(u8::MAX);
        lowest = Some(lowest.map_or(minor, |current| current.max(minor)));
    }
    let minor = lowest?.clamp(PythonVersion::OLDEST, PythonVersion::NEWEST);
    Some(PythonVersion { minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requires_python_like_ruff() {
        let minor = |spec: &str| minimum_python(spec).map(|v| v.minor);
        assert_eq!(minor(">=3.10"), Some(10));
        assert_eq!(minor(">= 3.11, <4"), Some(11));
        assert_eq!(minor("~=3.12.1"), Some(12));
        assert_eq!(minor("==3.9.*"), Some(9));
        assert_eq!(minor(">3.8"), Some(8));
        assert_eq!(minor(">=3.6"), Some(8));
        assert_eq!(minor(">=2.7,!=3.0.*"), Some(8));
        assert_eq!(minor(">=3.99"), Some(14));
        assert_eq!(minor("<3.12"), None);
        assert_eq!(minor("nonsense"), None);
        assert_eq!(minor(""), None);
        assert_eq!(minor(">=4"), None);
    }

    #[test]
    fn cli_selectors_split_commas_and_reject_unknown_codes() {
        let selectors = cli_selectors("--select", &["ASY001, ASY0".to_string()]).unwrap();
        assert_eq!(selectors.len(), 2);
        let error = cli_selectors("--ignore", &["ASY0001".to_string()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown rule selector `ASY0001` in `--ignore`; did you mean `ASY001`?"
        );
    }
}
