//! Module names from paths: which dotted name `import` reaches a file by, from the package roots
//! around it (`__init__.py` chains, `src/` layouts, namespace packages), and which file a dotted
//! name is in.
//!
//! A file inside a package (its folder has an `__init__.py`) is named from the top of its chain
//! of packages: `root/pkg/sub/api.py` with `__init__.py` in `pkg` and `sub` is `pkg.sub.api`,
//! wherever `root` is. A file whose folder is not a package (a top-level module, or a namespace
//! package without `__init__.py`) is named from its *project root* — the nearest folder holding
//! `pyproject.toml`, `setup.py`, `setup.cfg` or `.git`, else the configuration root — or from
//! `<project root>/src` when it is under it; folders whose names are not identifiers end the name
//! (`my-project/tests/test_api.py` is `tests.test_api`).

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

/// What makes a folder a project root.
const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg", ".git"];

/// Where a file sits in the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulePlace {
    /// The dotted name `import` reaches it by (`pkg.sub.api`; `pkg.sub` for its `__init__.py`).
    pub name: String,
    /// The file is a package's `__init__.py` (relative imports resolve against the package
    /// itself, not its parent).
    pub is_package: bool,
    /// The folder the name is relative to (a `sys.path` entry for it).
    pub base: PathBuf,
    /// The project root around the file.
    pub project_root: PathBuf,
}

/// Answers file-system questions about module names, remembering each folder's answers.
#[derive(Debug, Default)]
pub struct Layout {
    /// The configuration root: the project root when no marker is found above a file.
    config_root: Option<PathBuf>,
    is_package: FxHashMap<PathBuf, bool>,
    project_roots: FxHashMap<PathBuf, PathBuf>,
    /// Folders names are looked up in (`base`s, project roots and their `src`).
    roots: Vec<PathBuf>,
    root_set: FxHashSet<PathBuf>,
    /// The first segment of every module name seen, and every importable name found in a root.
    top_level: FxHashSet<String>,
    /// For each importable top-level name, the roots (indices into `roots`) that hold it.
    holders: FxHashMap<String, Vec<usize>>,
    /// `find_module` answers.
    found: FxHashMap<String, Option<PathBuf>>,
}

impl Layout {
    /// `config_root`: where the configuration was found (used when no project marker is).
    pub fn new(config_root: Option<&Path>) -> Self {
        Self {
            config_root: config_root.map(crate::settings::absolute),
            ..Self::default()
        }
    }

    /// The module name of a Python file (`path` relative to the working directory or absolute).
    /// `None` when the file name is not an identifier (`my-script.py`) or not a Python file.
    pub fn place(&mut self, path: &Path) -> Option<ModulePlace> {
        let path = crate::settings::absolute(path);
        let stem = module_stem(&path)?;
        let dir = path.parent()?.to_path_buf();
        let is_package = stem == "__init__";
        let mut parts: Vec<String> = Vec::new();
        if !is_package {
            parts.push(stem.to_string());
        }
        let project_root = self.project_root(&dir);
        let mut current = dir.clone();
        let base = if self.is_package_dir(&current) {
            // Up the chain of packages.
            while let Some(name) = folder_identifier(&current) {
                if !self.is_package_dir(&current) {
                    break;
                }
                parts.push(name.to_string());
                match current.parent() {
                    Some(parent) => current = parent.to_path_buf(),
                    None => break,
                }
            }
            current
        } else {
            // A top-level module or a namespace package: relative to the project root (or its
            // `src`), cut at the deepest folder whose name is not an identifier.
            let src = project_root.join("src");
            let start = if dir.starts_with(&src) {
                src
            } else {
                project_root.clone()
            };
            match dir.strip_prefix(&start) {
                Ok(relative) => {
                    let folders: Vec<&str> = relative
                        .components()
                        .map(|c| c.as_os_str().to_str().unwrap_or("-"))
                        .collect();
                    let mut keep = folders.len();
                    while keep > 0 && is_identifier(folders[keep - 1]) {
                        keep -= 1;
                    }
                    parts.extend(folders[keep..].iter().rev().map(|f| (*f).to_string()));
                    start.join(folders[..keep].iter().collect::<PathBuf>())
                }
                Err(_) => dir.clone(),
            }
        };
        if parts.is_empty() {
            return None;
        }
        parts.reverse();
        let name = parts.join(".");
        self.add_root(&base);
        self.add_root(&project_root);
        let src = project_root.join("src");
        if src.is_dir() {
            self.add_root(&src);
        }
        if let Some(top) = name.split('.').next() {
            self.top_level.insert(top.to_string());
        }
        Some(ModulePlace {
            name,
            is_package,
            base,
            project_root,
        })
    }

    /// Is `name`'s first segment a name the project defines (a module seen, or a file or
    /// package in one of the roots)?
    pub fn is_project_top_level(&self, top: &str) -> bool {
        self.top_level.contains(top)
    }

    /// The first segments of project module names (for filtering names in summaries).
    pub fn top_level_names(&self) -> FxHashSet<String> {
        self.top_level.clone()
    }

    /// The file that defines module `name` (`pkg/db.py` or `pkg/db/__init__.py`, `.py` before
    /// `.pyi`), searched in the roots known so far.
    pub fn find_module(&mut self, name: &str) -> Option<PathBuf> {
        if name.is_empty() || !name.split('.').all(is_identifier) {
            return None;
        }
        if let Some(known) = self.found.get(name) {
            return known.clone();
        }
        let top = name.split('.').next().unwrap_or(name);
        let relative: PathBuf = name.split('.').collect();
        let mut answer = None;
        // Only the roots that hold the top-level package or module.
        for &root in self.holders.get(top).map_or(&[][..], Vec::as_slice) {
            let candidate = self.roots[root].join(&relative);
            let file = [
                candidate.with_extension("py"),
                candidate.join("__init__.py"),
                candidate.with_extension("pyi"),
                candidate.join("__init__.pyi"),
            ]
            .into_iter()
            .find(|file| file.is_file());
            if file.is_some() {
                answer = file;
                break;
            }
        }
        self.found.insert(name.to_string(), answer.clone());
        answer
    }

    fn add_root(&mut self, root: &Path) {
        if self.root_set.insert(root.to_path_buf()) {
            let position = self.roots.len();
            self.roots.push(root.to_path_buf());
            // What the root makes importable: its modules and packages.
            if let Ok(entries) = std::fs::read_dir(root) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let name = if path.is_dir() {
                        path.file_name()
                            .and_then(|n| n.to_str())
                            .map(str::to_string)
                    } else {
                        module_stem(&path).map(str::to_string)
                    };
                    if let Some(name) = name.filter(|n| is_identifier(n) && n != "__init__") {
                        let holders = self.holders.entry(name.clone()).or_default();
                        if !holders.contains(&position) {
                            holders.push(position);
                        }
                        self.top_level.insert(name);
                    }
                }
            }
        }
    }

    fn is_package_dir(&mut self, dir: &Path) -> bool {
        if let Some(&known) = self.is_package.get(dir) {
            return known;
        }
        let known = dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file();
        self.is_package.insert(dir.to_path_buf(), known);
        known
    }

    /// The nearest folder at or above `dir` with a project marker; else the configuration root
    /// when it is above `dir`; else `dir`.
    fn project_root(&mut self, dir: &Path) -> PathBuf {
        if let Some(root) = self.project_roots.get(dir) {
            return root.clone();
        }
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(root) = self.project_roots.get(ancestor) {
                found = Some(root.clone());
                break;
            }
            visited.push(ancestor.to_path_buf());
            if PROJECT_MARKERS
                .iter()
                .any(|marker| ancestor.join(marker).exists())
            {
                found = Some(ancestor.to_path_buf());
                break;
            }
        }
        let root = found.unwrap_or_else(|| match &self.config_root {
            Some(config) if dir.starts_with(config) => config.clone(),
            _ => dir.to_path_buf(),
        });
        for folder in visited {
            self.project_roots.insert(folder, root.clone());
        }
        root
    }
}

/// The file's name without `.py` / `.pyi`, when it is an identifier.
fn module_stem(path: &Path) -> Option<&str> {
    let extension = path.extension()?.to_str()?;
    if extension != "py" && extension != "pyi" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    is_identifier(stem).then_some(stem)
}

fn folder_identifier(dir: &Path) -> Option<&str> {
    dir.file_name()?.to_str().filter(|name| is_identifier(name))
}

/// A Python identifier (letters, digits and `_`, not starting with a digit).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The absolute module a relative import names: `level` dots and `rest` (`..db.fetch` is level 2,
/// rest `db.fetch`) from module `module` (a package's `__init__` when `is_package`). `None` when
/// the dots climb above the top package.
pub fn resolve_relative(
    module: &str,
    is_package: bool,
    level: usize,
    rest: &str,
) -> Option<String> {
    let mut parts: Vec<&str> = module.split('.').collect();
    if !is_package {
        parts.pop();
    }
    for _ in 1..level {
        parts.pop()?;
    }
    if parts.is_empty() {
        return None;
    }
    let mut absolute = parts.join(".");
    if !rest.is_empty() {
        absolute.push('.');
        absolute.push_str(rest);
    }
    Some(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, relative: &str) -> PathBuf {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "").unwrap();
        path
    }

    #[test]
    fn packages_are_named_from_the_top_of_their_init_chain() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "pyproject.toml");
        touch(root, "shop/__init__.py");
        touch(root, "shop/db/__init__.py");
        let api = touch(root, "shop/db/queries.py");
        let mut layout = Layout::new(None);
        let place = layout.place(&api).unwrap();
        assert_eq!(place.name, "shop.db.queries");
        assert!(!place.is_package);
        assert_eq!(place.base, crate::settings::absolute(root));
        let init = layout.place(&root.join("shop/db/__init__.py")).unwrap();
        assert_eq!(init.name, "shop.db");
        assert!(init.is_package);
    }

    #[test]
    fn src_layouts_and_namespace_packages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "pyproject.toml");
        touch(root, "src/app/__init__.py");
        let db = touch(root, "src/app/db.py");
        // A namespace package (no `__init__.py`) under `src`, and one at the root.
        let ns = touch(root, "src/plugins/auth/tokens.py");
        let top = touch(root, "tools/release.py");
        let script = touch(root, "manage.py");
        let mut layout = Layout::new(None);
        assert_eq!(layout.place(&db).unwrap().name, "app.db");
        assert_eq!(layout.place(&ns).unwrap().name, "plugins.auth.tokens");
        assert_eq!(layout.place(&top).unwrap().name, "tools.release");
        assert_eq!(layout.place(&script).unwrap().name, "manage");
        assert!(layout.is_project_top_level("app"));
        assert!(layout.is_project_top_level("plugins"));
        assert_eq!(layout.find_module("app.db"), Some(db));
        assert_eq!(
            layout.find_module("app"),
            Some(root.join("src/app/__init__.py"))
        );
        assert_eq!(layout.find_module("app.missing"), None);
    }

    #[test]
    fn folders_that_are_not_identifiers_end_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, ".git/HEAD");
        let test = touch(root, "my-project/tests/test_api.py");
        let dashed = touch(root, "my-project/bad-name.py");
        let mut layout = Layout::new(None);
        assert_eq!(layout.place(&test).unwrap().name, "tests.test_api");
        assert_eq!(layout.place(&dashed), None);
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(
            resolve_relative("shop.api", false, 1, "db.fetch"),
            Some("shop.db.fetch".to_string())
        );
        assert_eq!(
            resolve_relative("shop", true, 1, "db"),
            Some("shop.db".to_string())
        );
        assert_eq!(
            resolve_relative("shop.sub.api", false, 2, "db"),
            Some("shop.db".to_string())
        );
        assert_eq!(resolve_relative("api", false, 1, "db"), None);
        assert_eq!(resolve_relative("shop.api", false, 3, "db"), None);
    }
}
