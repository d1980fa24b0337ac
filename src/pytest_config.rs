//! The pytest configuration that decides whether pytest runs an `async def` test by itself.
//!
//! ASY142 (async-test-never-runs) asks, for the directory of a test file, what pytest would use:
//!
//! - the **nearest configuration file**, walking up from the test's directory, in pytest's own
//!   order within one directory: `pytest.toml`, `.pytest.toml`, `pytest.ini`, `.pytest.ini`
//!   (these match even without a pytest section), `pyproject.toml` (with `[tool.pytest.ini_options]`
//!   or pytest 9's `[tool.pytest]`), `tox.ini` (with `[pytest]`), `setup.cfg` (with
//!   `[tool:pytest]`). From it: `asyncio_mode` (pytest-asyncio; `legacy` behaves like `auto`),
//!   `anyio_mode` (AnyIO's plugin), `trio_mode` (pytest-trio), and `addopts` (`--asyncio-mode=auto`,
//!   `--anyio-mode=auto`, `-p plugin`);
//! - **project runners**: a `conftest.py` between the test and the configuration file's directory
//!   (or a plugin it loads with `pytest_plugins`, or a project plugin loaded with `-p` in `addopts`)
//!   that runs coroutine tests itself (`def pytest_pyfunc_call`, a `pytest_pycollect_makeitem` that
//!   looks for coroutine functions, or `item.add_marker(pytest.mark.asyncio)` and friends), like
//!   aiohttp's `aiohttp.pytest_plugin`; or a `pytest_plugin.py` that does so next to the tests
//!   (in one of those directories or its `tests`/`_tests`/`testing` folder), which projects load
//!   on the command line (`pytest -p trio._tests.pytest_plugin`);
//!   or a dependency file there (`setup.py`, `pyproject.toml`, `requirements*.txt`, …) that
//!   declares a plugin running every coroutine test (`pytest-sanic`, `pytest-tornasync`);
//! - `python_files`, the names of the modules pytest collects tests from.
//!
//! Pytest itself takes the configuration of the common ancestor of the paths it is given; the
//! nearest file to the test is what `pytest path/to/test_file.py` uses, and what a project with
//! one configuration file uses whatever the arguments.
//!
//! Results are cached per directory for the life of the process (a run of the command line);
//! [`clear_cache`] forgets them, for long-lived callers that change configuration files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

/// pytest-asyncio's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsyncioMode {
    /// Only tests marked `asyncio` (and fixtures decorated `@pytest_asyncio.fixture`) are run: the
    /// default since pytest-asyncio 0.19.
    Strict,
    /// Every `async def` test and fixture is handled (`auto`, and the removed `legacy`).
    Auto,
}

/// The settings one configuration file gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSettings {
    /// `asyncio_mode`, or `--asyncio-mode` in `addopts` (which wins).
    pub asyncio_mode: Option<AsyncioMode>,
    /// `anyio_mode = auto` or `--anyio-mode=auto`.
    pub anyio_auto: bool,
    /// `trio_mode = true` (pytest-trio).
    pub trio_mode: bool,
    /// The file sets some `asyncio_*` option (so pytest-asyncio is in use).
    pub mentions_pytest_asyncio: bool,
    /// Plugins loaded with `-p NAME` in `addopts` (not the `-p no:NAME` ones).
    pub plugins: Vec<String>,
    /// `python_files`: the glob patterns of test module names, when set.
    pub python_files: Option<Vec<String>>,
}

/// Something in the project that runs coroutine tests without the usual plugins' marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRunner {
    /// The `conftest.py` or plugin module.
    pub path: PathBuf,
    /// What it does, for messages and docs: "defines `pytest_pyfunc_call`".
    pub what: &'static str,
}

/// What pytest would use for the tests of one directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PytestConfig {
    /// The configuration file that applies (`None` when there is none up to the filesystem root).
    pub file: Option<PathBuf>,
    pub settings: FileSettings,
    /// A project `conftest.py` or plugin that runs coroutine tests itself.
    pub runner: Option<ProjectRunner>,
}

impl PytestConfig {
    /// Is every `async def` test run whatever its marks (an auto mode, pytest-trio's trio mode, or a
    /// project runner)?
    pub fn runs_every_async_test(&self) -> bool {
        self.settings.asyncio_mode == Some(AsyncioMode::Auto)
            || self.settings.anyio_auto
            || self.settings.trio_mode
            || self.runner.is_some()
    }

    /// pytest-asyncio's mode as it applies (strict when not configured).
    pub fn asyncio_mode(&self) -> AsyncioMode {
        self.settings.asyncio_mode.unwrap_or(AsyncioMode::Strict)
    }

    /// Would pytest collect tests from a module at `path`: does its name match `python_files`
    /// (`test_*.py` and `*_test.py` unless configured)? A pattern with a `/` is matched against
    /// the whole path, like pytest does.
    pub fn collects(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            return false;
        };
        let patterns: Vec<&str> = match &self.settings.python_files {
            Some(patterns) => patterns.iter().map(String::as_str).collect(),
            None => DEFAULT_PYTHON_FILES.to_vec(),
        };
        patterns.iter().any(|pattern| {
            let subject = if pattern.contains('/') {
                path.to_string_lossy().replace('\\', "/")
            } else {
                name.to_string()
            };
            globset::GlobBuilder::new(pattern)
                .literal_separator(false)
                .build()
                .is_ok_and(|glob| glob.compile_matcher().is_match(subject.as_str()))
        })
    }
}

/// pytest's default `python_files`.
pub const DEFAULT_PYTHON_FILES: &[&str] = &["test_*.py", "*_test.py"];

/// The configuration files pytest looks for in one directory, in its order.
const CONFIG_FILES: &[&str] = &[
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
];

/// Plugins known to run coroutine tests themselves when loaded.
const RUNNER_PLUGINS: &[&str] = &["aiohttp.pytest_plugin"];

/// Installed plugins (distribution names) that run every coroutine test without a mark: a
/// project that declares one as a dependency has its async tests run by it.
const RUNNER_DISTRIBUTIONS: &[&str] = &["pytest-sanic", "pytest-tornasync"];

/// Files that declare a project's (test) dependencies.
const DEPENDENCY_FILES: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "noxfile.py",
    "Pipfile",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements_dev.txt",
    "requirements-test.txt",
    "requirements_test.txt",
    "requirements-tests.txt",
    "dev-requirements.txt",
    "test-requirements.txt",
    "requirements/dev.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
];

type Cache = Mutex<FxHashMap<PathBuf, Arc<PytestConfig>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// Forgets every cached directory.
pub fn clear_cache() {
    if let Ok(mut map) = cache().lock() {
        map.clear();
    }
}

/// The configuration that applies to the test file at `path` (cached per directory).
pub fn for_file(path: &Path) -> Arc<PytestConfig> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    for_dir(&absolute)
}

/// The configuration that applies to the tests in `dir` (an absolute path; cached).
pub fn for_dir(dir: &Path) -> Arc<PytestConfig> {
    if let Some(hit) = cache().lock().ok().and_then(|map| map.get(dir).cloned()) {
        return hit;
    }
    let conftest = conftest_runner(dir);
    let config = match config_in(dir) {
        Some((file, settings)) => {
            let runner = conftest.or_else(|| plugin_runner(&settings.plugins, dir));
            PytestConfig {
                file: Some(file),
                settings,
                runner,
            }
        }
        None => match dir.parent() {
            Some(parent) => {
                let above = for_dir(parent);
                PytestConfig {
                    runner: conftest.or_else(|| above.runner.clone()),
                    ..(*above).clone()
                }
            }
            None => PytestConfig {
                runner: conftest,
                ..PytestConfig::default()
            },
        },
    };
    let config = Arc::new(config);
    if let Ok(mut map) = cache().lock() {
        map.insert(dir.to_path_buf(), Arc::clone(&config));
    }
    config
}

/// The configuration file of `dir` that pytest would pick, if any, with its settings.
fn config_in(dir: &Path) -> Option<(PathBuf, FileSettings)> {
    CONFIG_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        if !path.is_file() {
            return None;
        }
        // An unreadable file is skipped like one without a pytest section.
        let text = std::fs::read_to_string(&path).ok()?;
        parse_config(name, &text).map(|settings| (path, settings))
    })
}

/// The settings of a configuration file named `name` (`pytest.ini`, `pyproject.toml`, …), or
/// `None` when pytest would not take it as its configuration file (no pytest section).
pub fn parse_config(name: &str, text: &str) -> Option<FileSettings> {
    match name {
        "pytest.toml" | ".pytest.toml" => {
            // These files are the configuration even without a `[pytest]` table.
            let table = text.parse::<toml::Table>().ok();
            let pytest = table.as_ref().and_then(|t| t.get("pytest"));
            Some(pytest.map_or_else(FileSettings::default, settings_from_toml))
        }
        "pyproject.toml" => {
            let table = text.parse::<toml::Table>().ok()?;
            let pytest = table.get("tool")?.get("pytest")?;
            let ini_options = pytest.get("ini_options");
            // pytest 9 reads native options from `[tool.pytest]` itself.
            let native = pytest
                .as_table()
                .is_some_and(|t| t.keys().any(|key| key != "ini_options"));
            if ini_options.is_none() && !native {
                return None;
            }
            let mut settings = ini_options.map_or_else(FileSettings::default, settings_from_toml);
            if native {
                merge(&mut settings, settings_from_toml(pytest));
            }
            Some(settings)
        }
        "pytest.ini" | ".pytest.ini" => Some(
            ini_section(text, "pytest")
                .map(|entries| settings_from_entries(&entries))
                .unwrap_or_default(),
        ),
        "tox.ini" => ini_section(text, "pytest").map(|entries| settings_from_entries(&entries)),
        "setup.cfg" => {
            ini_section(text, "tool:pytest").map(|entries| settings_from_entries(&entries))
        }
        _ => None,
    }
}

fn merge(into: &mut FileSettings, from: FileSettings) {
    into.asyncio_mode = from.asyncio_mode.or(into.asyncio_mode);
    into.anyio_auto |= from.anyio_auto;
    into.trio_mode |= from.trio_mode;
    into.mentions_pytest_asyncio |= from.mentions_pytest_asyncio;
    into.plugins.extend(from.plugins);
    if from.python_files.is_some() {
        into.python_files = from.python_files;
    }
}

/// Settings from a TOML table of pytest options (strings, booleans or arrays of strings).
fn settings_from_toml(table: &toml::Value) -> FileSettings {
    let Some(table) = table.as_table() else {
        return FileSettings::default();
    };
    let entries: Vec<(String, String)> = table
        .iter()
        .filter_map(|(key, value)| {
            let text = match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Boolean(flag) => flag.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .filter_map(|item| item.as_str().map(quote_if_needed))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => return None,
            };
            Some((key.clone(), text))
        })
        .collect();
    settings_from_entries(&entries)
}

/// An `addopts` array item with a space must stay one argument when the items are joined.
fn quote_if_needed(item: &str) -> String {
    if item.contains(char::is_whitespace) {
        format!("\"{item}\"")
    } else {
        item.to_string()
    }
}

fn settings_from_entries(entries: &[(String, String)]) -> FileSettings {
    let mut settings = FileSettings::default();
    let mut addopts_mode = None;
    for (key, value) in entries {
        let first = value.split_whitespace().next().unwrap_or("");
        match key.as_str() {
            "asyncio_mode" => {
                settings.asyncio_mode = asyncio_mode(first);
            }
            "anyio_mode" => settings.anyio_auto = first.eq_ignore_ascii_case("auto"),
            "trio_mode" => settings.trio_mode = is_true(first),
            "python_files" => {
                settings.python_files =
                    Some(value.split_whitespace().map(str::to_string).collect());
            }
            "addopts" => {
                let options = addopts(value);
                addopts_mode = options.asyncio_mode.or(addopts_mode);
                settings.anyio_auto |= options.anyio_auto;
                settings.plugins.extend(options.plugins);
            }
            _ => {}
        }
        if key.starts_with("asyncio_") {
            settings.mentions_pytest_asyncio = true;
        }
    }
    // The command line (and so `addopts`) wins over the ini option.
    if addopts_mode.is_some() {
        settings.asyncio_mode = addopts_mode;
        settings.mentions_pytest_asyncio = true;
    }
    settings
}

fn asyncio_mode(text: &str) -> Option<AsyncioMode> {
    match text.to_ascii_lowercase().as_str() {
        "auto" | "legacy" => Some(AsyncioMode::Auto),
        "strict" => Some(AsyncioMode::Strict),
        _ => None,
    }
}

/// pytest's boolean ini values.
fn is_true(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "y" | "on" | "t"
    )
}

#[derive(Debug, Default)]
struct Addopts {
    asyncio_mode: Option<AsyncioMode>,
    anyio_auto: bool,
    plugins: Vec<String>,
}

/// The options of an `addopts` value that matter here.
fn addopts(value: &str) -> Addopts {
    let words = shell_words(value);
    let mut options = Addopts::default();
    let mut words = words.iter().map(String::as_str);
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (word, None),
        };
        match flag {
            "--asyncio-mode" => {
                let value = inline.or_else(|| words.next()).unwrap_or("");
                options.asyncio_mode = asyncio_mode(value);
            }
            "--anyio-mode" => {
                let value = inline.or_else(|| words.next()).unwrap_or("");
                options.anyio_auto = value.eq_ignore_ascii_case("auto");
            }
            "-p" => {
                if let Some(name) = words.next() {
                    push_plugin(&mut options.plugins, name);
                }
            }
            _ => {
                if let Some(name) = word.strip_prefix("-p").filter(|rest| !rest.is_empty()) {
                    push_plugin(&mut options.plugins, name.trim_start_matches('='));
                }
            }
        }
    }
    options
}

fn push_plugin(plugins: &mut Vec<String>, name: &str) {
    if !name.starts_with("no:") && !name.is_empty() {
        plugins.push(name.to_string());
    }
}

/// Splits like a POSIX shell (pytest uses `shlex.split`): whitespace separates, quotes group.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The `key = value` entries of `[section]` in an INI file (as pytest's `iniconfig` reads them:
/// `=` or `:` separators, indented continuation lines, `#`/`;` comment lines), or `None` when the
/// file has no such section.
pub fn ini_section(text: &str, section: &str) -> Option<Vec<(String, String)>> {
    let mut found = false;
    let mut in_section = false;
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let name = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.split_once(']'))
                .map(|(name, _)| name.trim());
            in_section = name == Some(section);
            found |= in_section;
            continue;
        }
        if !in_section {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A continuation of the previous value.
            if let Some((_, value)) = entries.last_mut() {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        let split = trimmed.find(['=', ':']);
        if let Some(at) = split {
            let key = trimmed[..at].trim().to_string();
            let value = strip_inline_comment(trimmed[at + 1..].trim()).to_string();
            entries.push((key, value));
        }
    }
    found.then_some(entries)
}

/// `auto  # comment` → `auto` (a `#` or `;` after whitespace starts a comment).
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if (*b == b'#' || *b == b';') && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

/// A `conftest.py` in `dir` that runs coroutine tests itself (directly or through a plugin it
/// loads with `pytest_plugins`).
fn conftest_runner(dir: &Path) -> Option<ProjectRunner> {
    let path = dir.join("conftest.py");
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(what) = runner_evidence(&text) {
            return Some(ProjectRunner { path, what });
        }
        let plugins = pytest_plugins(&text);
        if let Some(runner) = plugin_runner(&plugins, dir) {
            return Some(runner);
        }
    }
    nearby_plugin_runner(dir).or_else(|| dependency_runner(dir))
}

/// A dependency file in `dir` that declares a plugin running every coroutine test
/// ([`RUNNER_DISTRIBUTIONS`]).
fn dependency_runner(dir: &Path) -> Option<ProjectRunner> {
    DEPENDENCY_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        let text = text.to_ascii_lowercase().replace('_', "-");
        RUNNER_DISTRIBUTIONS
            .iter()
            .any(|plugin| text.contains(plugin))
            .then_some(ProjectRunner {
                path,
                what: "declares a pytest plugin that runs every coroutine test",
            })
    })
}

/// A project plugin module next to the tests, which the project loads on the command line
/// (`pytest -p trio._tests.pytest_plugin`): `pytest_plugin.py` in `dir` or in its `tests`,
/// `_tests` or `testing` folder, when it runs coroutine tests.
fn nearby_plugin_runner(dir: &Path) -> Option<ProjectRunner> {
    ["", "tests", "_tests", "testing"]
        .iter()
        .map(|folder| dir.join(folder).join("pytest_plugin.py"))
        .filter(|path| path.is_file())
        .find_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            runner_evidence(&text).map(|what| ProjectRunner { path, what })
        })
}

/// The first of `plugins` (module names) that runs coroutine tests: a known one, or a module of
/// the project (found from `dir` or a directory above it, also under `src/`) that does.
fn plugin_runner(plugins: &[String], dir: &Path) -> Option<ProjectRunner> {
    plugins.iter().find_map(|plugin| {
        if RUNNER_PLUGINS.contains(&plugin.as_str()) {
            return Some(ProjectRunner {
                path: PathBuf::from(plugin),
                what: "is a plugin that runs coroutine tests",
            });
        }
        let path = find_module(plugin, dir)?;
        let text = std::fs::read_to_string(&path).ok()?;
        runner_evidence(&text).map(|what| ProjectRunner { path, what })
    })
}

/// The file of module `name` (`pkg.plugin`) under `dir` or a directory above it.
fn find_module(name: &str, dir: &Path) -> Option<PathBuf> {
    if name.is_empty()
        || !name
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        return None;
    }
    let relative: PathBuf = name.split('.').collect();
    dir.ancestors().find_map(|base| {
        [base.to_path_buf(), base.join("src")]
            .into_iter()
            .flat_map(|root| {
                [
                    root.join(&relative).with_extension("py"),
                    root.join(&relative).join("__init__.py"),
                ]
            })
            .find(|candidate| candidate.is_file())
    })
}

/// Why a conftest or plugin module's text shows that it runs coroutine tests itself.
pub fn runner_evidence(text: &str) -> Option<&'static str> {
    if text.contains("def pytest_pyfunc_call") {
        return Some("defines `pytest_pyfunc_call`");
    }
    if text.contains("def pytest_pycollect_makeitem") && text.contains("iscoroutinefunction") {
        return Some("defines `pytest_pycollect_makeitem` for coroutine functions");
    }
    let adds_async_mark = text.match_indices("add_marker(").any(|(at, _)| {
        let rest = &text[at..];
        let end = rest.find(')').unwrap_or(rest.len());
        let argument = &rest[..end];
        ["mark.asyncio", "mark.anyio", "mark.trio"]
            .iter()
            .any(|mark| argument.contains(mark))
            || ["asyncio", "anyio", "trio"].iter().any(|mark| {
                argument.contains(&format!("\"{mark}\"")) || argument.contains(&format!("'{mark}'"))
            })
    });
    adds_async_mark.then_some("adds an async plugin's mark to collected tests")
}

/// The module names in a `pytest_plugins = ...` assignment of a conftest.
pub fn pytest_plugins(text: &str) -> Vec<String> {
    let mut plugins = Vec::new();
    for (at, _) in text.match_indices("pytest_plugins") {
        // Only at the start of a line: `pytest_plugins = [...]` / `pytest_plugins += (...)`.
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..at].trim().is_empty() {
            continue;
        }
        let rest = text[at + "pytest_plugins".len()..].trim_start();
        let Some(rest) = rest
            .strip_prefix("+=")
            .or_else(|| rest.strip_prefix('='))
            .map(str::trim_start)
        else {
            continue;
        };
        // The value: a bracketed list/tuple, or a single string on the line.
        let value = match rest.chars().next() {
            Some(open @ ('[' | '(')) => {
                let close = if open == '[' { ']' } else { ')' };
                rest.find(close).map_or(rest, |end| &rest[..end])
            }
            _ => rest.lines().next().unwrap_or(""),
        };
        plugins.extend(string_literals(value));
    }
    plugins
}

/// The contents of the simple quoted strings in `text`.
fn string_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    while let Some((start, c)) = chars.next() {
        if c == '"' || c == '\'' {
            if let Some((end, _)) = chars.by_ref().find(|(_, d)| *d == c) {
                out.push(text[start + 1..end].to_string());
            }
        } else if c == '#' {
            // A comment runs to the end of its line.
            for (_, d) in chars.by_ref() {
                if d == '\n' {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_asyncio_mode_from_each_format() {
        let auto = Some(AsyncioMode::Auto);
        let pyproject = "[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n";
        assert_eq!(
            parse_config("pyproject.toml", pyproject)
                .unwrap()
                .asyncio_mode,
            auto
        );
        let ini = "[pytest]\nasyncio_mode = auto\n";
        assert_eq!(parse_config("pytest.ini", ini).unwrap().asyncio_mode, auto);
        assert_eq!(parse_config("tox.ini", ini).unwrap().asyncio_mode, auto);
        let cfg = "[metadata]\nname = x\n\n[tool:pytest]\nasyncio_mode: auto\n";
        assert_eq!(parse_config("setup.cfg", cfg).unwrap().asyncio_mode, auto);
        let native = "[pytest]\nasyncio_mode = \"auto\"\n";
        assert_eq!(
            parse_config("pytest.toml", native).unwrap().asyncio_mode,
            auto
        );
        let tool_pytest = "[tool.pytest]\nasyncio_mode = \"legacy\"\n";
        assert_eq!(
            parse_config("pyproject.toml", tool_pytest)
                .unwrap()
                .asyncio_mode,
            auto
        );
    }

    #[test]
    fn files_without_a_pytest_section_do_not_count_except_pytest_ini() {
        assert_eq!(parse_config("pyproject.toml", "[tool.ruff]\nx = 1\n"), None);
        assert_eq!(parse_config("tox.ini", "[tox]\nenvlist = py3\n"), None);
        assert_eq!(
            parse_config("setup.cfg", "[pytest]\nasyncio_mode = auto\n"),
            None
        );
        assert_eq!(
            parse_config("pytest.ini", "# empty\n"),
            Some(FileSettings::default())
        );
        assert_eq!(parse_config("pyproject.toml", "not toml ["), None);
    }

    #[test]
    fn addopts_win_over_the_ini_option() {
        let ini = "[pytest]\nasyncio_mode = strict\naddopts = -ra --asyncio-mode=auto -p anyio\n";
        let settings = parse_config("pytest.ini", ini).unwrap();
        assert_eq!(settings.asyncio_mode, Some(AsyncioMode::Auto));
        assert_eq!(settings.plugins, vec!["anyio".to_string()]);

        let split = "[pytest]\naddopts =\n    --strict-markers\n    --asyncio-mode strict\n    -p no:cacheprovider -ptests.plugin\n";
        let settings = parse_config("tox.ini", split).unwrap();
        assert_eq!(settings.asyncio_mode, Some(AsyncioMode::Strict));
        assert_eq!(settings.plugins, vec!["tests.plugin".to_string()]);

        let array = "[tool.pytest.ini_options]\naddopts = [\"--anyio-mode=auto\"]\n";
        assert!(parse_config("pyproject.toml", array).unwrap().anyio_auto);
    }

    #[test]
    fn reads_anyio_and_trio_modes() {
        let ini = "[pytest]\nanyio_mode = auto\ntrio_mode = true  # comment\n";
        let settings = parse_config("pytest.ini", ini).unwrap();
        assert!(settings.anyio_auto);
        assert!(settings.trio_mode);
        let toml = "[tool.pytest.ini_options]\ntrio_mode = true\n";
        assert!(parse_config("pyproject.toml", toml).unwrap().trio_mode);
    }

    #[test]
    fn asyncio_options_show_that_pytest_asyncio_is_used() {
        let toml = "[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = \"function\"\n";
        let settings = parse_config("pyproject.toml", toml).unwrap();
        assert!(settings.mentions_pytest_asyncio);
        assert_eq!(settings.asyncio_mode, None);
    }

    #[test]
    fn shell_words_group_quotes() {
        assert_eq!(
            shell_words("-k 'a and b' --x=\"1 2\"  -q"),
            vec!["-k", "a and b", "--x=1 2", "-q"]
        );
    }

    #[test]
    fn finds_runner_evidence_in_conftests() {
        assert!(runner_evidence("def pytest_pyfunc_call(pyfuncitem):\n    pass\n").is_some());
        assert!(runner_evidence(
            "def pytest_collection_modifyitems(items):\n    for item in items:\n        item.add_marker(pytest.mark.asyncio)\n"
        )
        .is_some());
        assert!(runner_evidence("item.add_marker('anyio')").is_some());
        assert!(
            runner_evidence("item.add_marker(pytest.mark.skipif(no_trio, reason='x'))").is_none()
        );
        assert!(runner_evidence("def pytest_configure(config): pass").is_none());
    }

    #[test]
    fn reads_pytest_plugins() {
        let text = "import pytest\npytest_plugins = [\n    \"aiohttp.pytest_plugin\",  # the loop\n    'pytester',\n]\n";
        assert_eq!(
            pytest_plugins(text),
            vec!["aiohttp.pytest_plugin", "pytester"]
        );
        assert_eq!(
            pytest_plugins("pytest_plugins = \"tests.plugin\"\n"),
            vec!["tests.plugin"]
        );
        assert!(pytest_plugins("x = 'pytest_plugins'\n").is_empty());
    }
}
