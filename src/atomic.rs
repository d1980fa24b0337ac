//! Replacing a file's content atomically: write a temporary file beside it, then rename it over
//! the original, so a reader never sees half a file and a failed write leaves the original intact.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Replaces the content of `path` with `new`, provided it still holds `expected` (a file changed
/// on disk since it was read is never overwritten). Keeps the file's permissions; a symlink is
/// followed and its target replaced.
pub fn replace(path: &Path, expected: &[u8], new: &[u8]) -> Result<(), String> {
    let target = fs::canonicalize(path).map_err(|err| format!("Failed to write fixes: {err}"))?;
    let metadata = fs::metadata(&target).map_err(|err| format!("Failed to write fixes: {err}"))?;
    if metadata.permissions().readonly() {
        return Err("Failed to write fixes: the file is read-only".to_string());
    }
    let temporary = temporary_path(&target);
    let result = write_then_rename(&target, &temporary, expected, new, metadata.permissions());
    if result.is_err() {
        // Best effort: the temporary file is ours and must not be left behind.
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn write_then_rename(
    target: &Path,
    temporary: &Path,
    expected: &[u8],
    new: &[u8],
    permissions: fs::Permissions,
) -> Result<(), String> {
    let fail = |err: std::io::Error| format!("Failed to write fixes: {err}");
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temporary)
        .map_err(fail)?;
    file.write_all(new).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    fs::set_permissions(temporary, permissions).map_err(fail)?;
    let current = fs::read(target).map_err(fail)?;
    if current != expected {
        return Err(
            "the file changed on disk while it was being checked; fixes were not written"
                .to_string(),
        );
    }
    fs::rename(temporary, target).map_err(fail)
}

/// `.name.asyncheck-<pid>-<n>.tmp` beside the target: same filesystem, so the rename is atomic.
fn temporary_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(
        ".{name}.asyncheck-{}-{unique}.tmp",
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).unwrap();
        }
        replace(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o750);
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn refuses_to_overwrite_newer_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "edited meanwhile\n").unwrap();
        let err = replace(&path, b"old\n", b"new\n").unwrap_err();
        assert!(err.contains("changed on disk"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited meanwhile\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_read_only_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        assert!(replace(&path, b"old\n", b"new\n")
            .unwrap_err()
            .contains("read-only"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    }
}
