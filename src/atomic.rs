//! Replacing a file's content atomically: write a temporary file beside it, then rename it over
//! the original, so a reader never sees half a file and a failed write (a full disk, a file size
//! limit) leaves the original intact and no temporary file behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::settings::io_message;

/// Replaces the content of `path` with `new`, provided it still holds `expected` (a file changed
/// on disk since it was read is never overwritten). Keeps the file's permissions (and, where the
/// user may set it, its owner); a symlink is followed and its target replaced.
pub fn replace(path: &Path, expected: &[u8], new: &[u8]) -> Result<(), String> {
    replace_with(path, expected, new, |file, bytes| file.write_all(bytes))
}

/// [`replace`] with the writing of the temporary file given (tests make it fail half-way).
fn replace_with(
    path: &Path,
    expected: &[u8],
    new: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<(), String> {
    let target = fs::canonicalize(path).map_err(fail)?;
    let metadata = fs::metadata(&target).map_err(fail)?;
    if metadata.permissions().readonly() {
        return Err("Failed to write fixes: the file is read-only".to_string());
    }
    let temporary = temporary_path(&target);
    let result = write_then_rename(&target, &temporary, expected, new, &metadata, write);
    if result.is_err() {
        // Best effort: the temporary file is ours and must not be left behind.
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn fail(err: io::Error) -> String {
    format!("Failed to write fixes: {}", io_message(&err))
}

fn write_then_rename(
    target: &Path,
    temporary: &Path,
    expected: &[u8],
    new: &[u8],
    metadata: &fs::Metadata,
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        // Nobody else may read the new content before it has the original's permissions.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(temporary).map_err(fail)?;
    write(&mut file, new).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    #[cfg(unix)]
    {
        // Keep the owner when we may (a fix run by root on another user's file); an ordinary
        // user cannot give a file away, and then the file simply becomes theirs, as any editor's
        // save would make it.
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::chown(temporary, Some(metadata.uid()), Some(metadata.gid()));
    }
    fs::set_permissions(temporary, metadata.permissions()).map_err(fail)?;
    let current = fs::read(target).map_err(fail)?;
    if current != expected {
        return Err(
            "the file changed on disk while it was being checked; fixes were not written"
                .to_string(),
        );
    }
    // Between this comparison and the rename another program could still write the file; the
    // window is a few microseconds (the alternative, locking, is advisory and ignored by editors).
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
    fn a_write_failing_half_way_leaves_the_original_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let err = replace_with(&path, b"old\n", b"new content\n", |file, bytes| {
            file.write_all(&bytes[..4])?;
            Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        })
        .unwrap_err();
        assert_eq!(err, "Failed to write fixes: No space left on device");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn a_file_deleted_before_the_write_is_not_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        let err = replace(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(err, "Failed to write fixes: No such file or directory");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_deleted_after_the_temporary_was_written_is_not_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let err = replace_with(&path, b"old\n", b"new\n", |file, bytes| {
            fs::remove_file(dir.path().join("a.py"))?;
            file.write_all(bytes)
        })
        .unwrap_err();
        assert_eq!(err, "Failed to write fixes: No such file or directory");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.py");
        fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.py");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, &link).unwrap();
        #[cfg(not(unix))]
        fs::copy(&real, &link).unwrap();
        replace(&link, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
        #[cfg(unix)]
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn the_owner_is_kept_when_it_may_be() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        // Only a privileged user can give a file away; otherwise there is nothing to keep.
        if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_err() {
            return;
        }
        replace(&path, b"old\n", b"new\n").unwrap();
        let metadata = fs::metadata(&path).unwrap();
        assert_eq!((metadata.uid(), metadata.gid()), (4321, 4321));
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
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
