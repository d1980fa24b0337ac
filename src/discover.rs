//! Which files to check: explicit files as given, directories walked in parallel with the
//! `ignore` crate (`.gitignore` even outside a git repository, hidden and the usual
//! virtualenv/build folders skipped, `exclude` / `extend-exclude` pruned), `.py` and `.pyi` only.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::settings::{absolute, io_message, Settings, DEFAULT_EXCLUDE};

/// A path that could not be read, with why.
pub type DiscoverError = (PathBuf, String);

/// The Python files under `paths` (sorted, without duplicates) and the paths that could not be
/// read. A file named explicitly is checked whatever its extension and whatever ignores it,
/// unless `force-exclude` is set and it (or a folder above it, up to the root) is excluded.
pub fn discover(paths: &[PathBuf], settings: &Settings) -> (Vec<PathBuf>, Vec<DiscoverError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut dirs = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Err(err) => errors.push((path.clone(), io_message(&err))),
            Ok(_) if settings.force_exclude && is_path_excluded(path, settings) => {}
            Ok(metadata) if metadata.is_dir() => dirs.push(path.clone()),
            Ok(_) => files.push(clean(path)),
        }
    }
    if !dirs.is_empty() {
        walk(&dirs, settings, &mut files, &mut errors);
    }
    files.sort();
    files.dedup();
    if paths.len() > 1 {
        // The same file reached by two paths (a symlink given as well as its target, or a
        // folder and a file inside it): checked, and fixed, once.
        let mut seen = std::collections::HashSet::new();
        files.retain(|file| seen.insert(fs::canonicalize(file).unwrap_or_else(|_| file.clone())));
    }
    errors.sort();
    errors.dedup();
    (files, errors)
}

/// Whether `path` or a folder above it (up to the settings root, or to the file-system root for
/// paths outside it) is excluded: its name is in [`DEFAULT_EXCLUDE`] or it matches `exclude` /
/// `extend-exclude`. This is what `force-exclude` applies to explicit paths.
pub fn is_path_excluded(path: &Path, settings: &Settings) -> bool {
    let path = absolute(path);
    let root = absolute(&settings.root);
    for ancestor in path.ancestors() {
        if ancestor == root {
            break;
        }
        let default_excluded = ancestor
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| DEFAULT_EXCLUDE.contains(&name));
        if default_excluded || settings.is_excluded(ancestor) {
            return true;
        }
    }
    false
}

/// Whether a walked file is one to check.
pub fn is_python_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "py" || extension == "pyi")
}

fn walk(
    dirs: &[PathBuf],
    settings: &Settings,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<DiscoverError>,
) {
    let mut builder = WalkBuilder::new(&dirs[0]);
    for dir in &dirs[1..] {
        builder.add(dir);
    }
    let respect = settings.respect_gitignore;
    builder
        .hidden(false)
        .parents(respect)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .require_git(false)
        .follow_links(false);
    let filter_settings = Arc::new(settings.clone());
    let cwd = std::env::current_dir().unwrap_or_default();
    builder.filter_entry(move |entry| keep(entry, &filter_settings, &cwd));

    let (sender, receiver) = mpsc::channel::<Result<PathBuf, DiscoverError>>();
    builder.build_parallel().run(|| {
        let sender = sender.clone();
        Box::new(move |result| {
            let found = match result {
                Ok(entry) => {
                    if entry.depth() == 0 || !is_checked_file(&entry) {
                        return WalkState::Continue;
                    }
                    Ok(clean(entry.path()))
                }
                Err(err) => Err(walk_error(&err)),
            };
            // The receiver outlives the walk, so sending cannot fail.
            let _ = sender.send(found);
            WalkState::Continue
        })
    });
    drop(sender);
    for found in receiver {
        match found {
            Ok(path) => files.push(path),
            Err(error) => errors.push(error),
        }
    }
}

/// The walk's pruning: skips default-excluded and hidden folders, and whatever `exclude` /
/// `extend-exclude` match. The roots of the walk (depth 0) are always entered.
fn keep(entry: &DirEntry, settings: &Settings, cwd: &Path) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
    if is_dir {
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') || DEFAULT_EXCLUDE.contains(&name.as_ref()) {
            return false;
        }
    }
    if settings.exclude.is_empty() && settings.extend_exclude.is_empty() {
        return true;
    }
    // `is_excluded` normalizes an absolute path without asking the file system.
    !settings.is_excluded(&cwd.join(entry.path()))
}

/// A regular file (or a symbolic link to one) with a Python extension.
fn is_checked_file(entry: &DirEntry) -> bool {
    if !is_python_file(entry.path()) {
        return false;
    }
    match entry.file_type() {
        Some(kind) if kind.is_file() => true,
        Some(kind) if kind.is_symlink() => fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
        _ => false,
    }
}

/// The path and message of a walk error (unreadable folder, bad ignore file, …).
fn walk_error(err: &ignore::Error) -> DiscoverError {
    fn find(err: &ignore::Error) -> (Option<PathBuf>, String) {
        match err {
            ignore::Error::WithPath { path, err } => {
                let (_, message) = find(err);
                (Some(path.clone()), message)
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Partial(errors) if !errors.is_empty() => find(&errors[0]),
            ignore::Error::Io(err) => (None, io_message(err)),
            ignore::Error::Loop { child, .. } => {
                (Some(child.clone()), "file system loop found".to_string())
            }
            other => (None, other.to_string()),
        }
    }
    let (path, message) = find(err);
    (path.unwrap_or_default(), message)
}

/// `path` without `.` components (`./src/a.py` → `src/a.py`), so the same file given two ways
/// is found once.
fn clean(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_current_dir_components() {
        assert_eq!(clean(Path::new("./a/./b.py")), PathBuf::from("a/b.py"));
        assert_eq!(clean(Path::new(".")), PathBuf::from("."));
        assert_eq!(clean(Path::new("/x/./y.py")), PathBuf::from("/x/y.py"));
    }

    #[test]
    fn python_extensions() {
        assert!(is_python_file(Path::new("a.py")));
        assert!(is_python_file(Path::new("a.pyi")));
        assert!(!is_python_file(Path::new("a.pyc")));
        assert!(!is_python_file(Path::new("py")));
    }

    #[test]
    fn io_messages_drop_the_os_error_number() {
        let err = fs::metadata("/definitely/not/here").unwrap_err();
        assert_eq!(io_message(&err), "No such file or directory");
    }
}
