//! Compiled patterns from the configuration: path globs (`exclude`, `per-file-ignores`) and
//! qualified-name globs (`blocking-calls`, `allowed-blocking-calls`).

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::RuleSet;

/// Path globs matched like Ruff: a pattern matches a path when it matches the path's file name
/// alone (`"generated"`, `"*_pb2.py"`), or the whole path with the pattern taken relative to the
/// directory of the configuration file (`"src/legacy"`, `"tests/**/*.py"`). `*` crosses `/`.
#[derive(Debug, Clone)]
pub struct FilePatternSet {
    patterns: Vec<String>,
    basename: GlobSet,
    absolute: GlobSet,
}

impl Default for FilePatternSet {
    fn default() -> Self {
        Self::empty()
    }
}

impl FilePatternSet {
    pub fn empty() -> Self {
        Self {
            patterns: Vec::new(),
            basename: GlobSet::empty(),
            absolute: GlobSet::empty(),
        }
    }

    /// Compiles `patterns`, relative to `root`. On error, the index of the bad pattern and why.
    pub fn new(root: &Path, patterns: &[String]) -> Result<Self, (usize, String)> {
        let mut basename = GlobSetBuilder::new();
        let mut absolute = GlobSetBuilder::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let (name_glob, path_glob) = compile(root, pattern).map_err(|err| (index, err))?;
            basename.add(name_glob);
            absolute.add(path_glob);
        }
        let build = |builder: GlobSetBuilder| builder.build().map_err(|err| (0, err.to_string()));
        Ok(Self {
            patterns: patterns.to_vec(),
            basename: build(basename)?,
            absolute: build(absolute)?,
        })
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` itself (not its ancestors) matches. `path` should be absolute and
    /// normalized (see [`absolute`]); its file name is matched either way.
    pub fn matches(&self, path: &Path) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        path.file_name()
            .is_some_and(|name| self.basename.is_match(Path::new(name)))
            || self.absolute.is_match(path)
    }
}

/// One `per-file-ignores` entry: files matching `pattern` (or not matching it, for `!pattern`)
/// do not get `rules`.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub pattern: String,
    pub negated: bool,
    pub rules: RuleSet,
    basename: globset::GlobMatcher,
    absolute: globset::GlobMatcher,
}

impl PerFileIgnore {
    pub fn new(root: &Path, pattern: &str, rules: RuleSet) -> Result<Self, String> {
        let (negated, glob) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let (basename, absolute) = compile(root, glob)?;
        Ok(Self {
            pattern: pattern.to_string(),
            negated,
            rules,
            basename: basename.compile_matcher(),
            absolute: absolute.compile_matcher(),
        })
    }

    /// Whether this entry applies to `path` (absolute and normalized).
    pub fn applies_to(&self, path: &Path) -> bool {
        let matched = path
            .file_name()
            .is_some_and(|name| self.basename.is_match(Path::new(name)))
            || self.absolute.is_match(path);
        matched != self.negated
    }
}

/// The file-name glob and the whole-path glob of one pattern.
fn compile(root: &Path, pattern: &str) -> Result<(Glob, Glob), String> {
    if pattern.is_empty() {
        return Err("empty pattern".to_string());
    }
    let relative = pattern.strip_prefix("./").unwrap_or(pattern);
    let whole = if Path::new(relative).is_absolute() {
        relative.to_string()
    } else {
        let root = globset::escape(&normalize(root).to_string_lossy());
        format!("{}/{relative}", root.trim_end_matches('/'))
    };
    let name = Glob::new(pattern).map_err(|err| glob_message(&err))?;
    let whole = Glob::new(&whole).map_err(|err| glob_message(&err))?;
    Ok((name, whole))
}

fn glob_message(err: &globset::Error) -> String {
    err.kind().to_string()
}

/// `path` made absolute (against the current directory) and normalized lexically (`.` and `..`
/// removed) without touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        normalize(path)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        normalize(&cwd.join(path))
    }
}

/// Removes `.` components and resolves `..` lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// A qualified-name glob such as `mylib.db.*` or `requests.get`: `*` matches any run of
/// characters (dots included) and `?` any one character; everything else matches itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedNamePattern {
    pattern: String,
}

impl QualifiedNamePattern {
    /// Accepts identifiers joined by dots, with `*` and `?` wildcards anywhere.
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("empty qualified name".to_string());
        }
        if let Some(bad) = pattern
            .chars()
            .find(|&c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '*' | '?')))
        {
            return Err(format!(
                "unexpected character `{bad}` (expected a dotted name such as `mylib.db.query`, with `*` or `?` wildcards)"
            ));
        }
        if pattern.starts_with('.') || pattern.ends_with('.') || pattern.contains("..") {
            return Err(
                "empty name segment (expected a dotted name such as `mylib.db.query`)".to_string(),
            );
        }
        Ok(Self {
            pattern: pattern.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// No wildcards: matches exactly one name.
    pub fn is_exact(&self) -> bool {
        !self.pattern.contains(['*', '?'])
    }

    /// How many characters are not wildcards; more means more specific.
    pub fn literal_len(&self) -> usize {
        self.pattern
            .chars()
            .filter(|c| !matches!(c, '*' | '?'))
            .count()
    }

    pub fn matches(&self, name: &str) -> bool {
        if self.is_exact() {
            return self.pattern == name;
        }
        wildcard_match(&self.pattern, name)
    }
}

/// Glob matching with `*` and `?` only, by the usual linear backtracking over the last `*`.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_name_globs() {
        let pattern = QualifiedNamePattern::new("mylib.db.*").unwrap();
        assert!(pattern.matches("mylib.db.query"));
        assert!(pattern.matches("mylib.db.sub.query"));
        assert!(!pattern.matches("mylib.dbx"));
        assert!(!pattern.matches("other.mylib.db.query"));
        assert!(QualifiedNamePattern::new("*.get")
            .unwrap()
            .matches("requests.get"));
        assert!(QualifiedNamePattern::new("*")
            .unwrap()
            .matches("anything.at.all"));
        assert!(QualifiedNamePattern::new("a?c").unwrap().matches("abc"));
        assert!(QualifiedNamePattern::new("a*b*c")
            .unwrap()
            .matches("axxbyyc"));
        assert!(!QualifiedNamePattern::new("a*b*c")
            .unwrap()
            .matches("axxbyy"));
        let exact = QualifiedNamePattern::new("requests.get").unwrap();
        assert!(
            exact.is_exact() && exact.matches("requests.get") && !exact.matches("requests.gets")
        );
        assert!(QualifiedNamePattern::new("").is_err());
        assert!(QualifiedNamePattern::new("a b").is_err());
        assert!(QualifiedNamePattern::new("a..b").is_err());
        assert!(QualifiedNamePattern::new(".a").is_err());
    }

    #[test]
    fn file_patterns_match_names_and_root_relative_paths() {
        let root = Path::new("/project");
        let set = FilePatternSet::new(
            root,
            &[
                "generated".to_string(),
                "src/legacy".to_string(),
                "*_pb2.py".to_string(),
            ],
        )
        .unwrap();
        assert!(set.matches(Path::new("/project/a/generated")));
        assert!(set.matches(Path::new("/project/src/legacy")));
        assert!(!set.matches(Path::new("/project/other/src/legacy")));
        assert!(set.matches(Path::new("/project/x/foo_pb2.py")));
        assert!(!set.matches(Path::new("/project/x/foo.py")));
        assert!(!FilePatternSet::empty().matches(Path::new("/project/generated")));
        let err = FilePatternSet::new(root, &["ok".to_string(), "[bad".to_string()]).unwrap_err();
        assert_eq!(err.0, 1);
    }

    #[test]
    fn per_file_ignores_match_and_negate() {
        let root = Path::new("/project");
        let entry = PerFileIgnore::new(root, "tests/*", RuleSet::all()).unwrap();
        assert!(entry.applies_to(Path::new("/project/tests/a/test_x.py")));
        assert!(!entry.applies_to(Path::new("/project/src/x.py")));
        let entry = PerFileIgnore::new(root, "__init__.py", RuleSet::all()).unwrap();
        assert!(entry.applies_to(Path::new("/project/pkg/__init__.py")));
        let entry = PerFileIgnore::new(root, "!src/**", RuleSet::all()).unwrap();
        assert!(entry.applies_to(Path::new("/project/tests/x.py")));
        assert!(!entry.applies_to(Path::new("/project/src/x.py")));
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("./x.py")), PathBuf::from("x.py"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert!(absolute(Path::new("x.py")).is_absolute());
    }
}
