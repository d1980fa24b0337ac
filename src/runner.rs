//! Checking a set of files: read each, check (and fix) it in parallel on large-stack threads,
//! write fixes atomically, and collect the results in path order.

use std::path::{Path, PathBuf};

use crate::linter::{FileError, FileOutcome};

/// The result for one file of a run.
#[derive(Debug)]
pub struct FileResult {
    /// The path as the user should see it (relative to the working directory when inside it).
    pub path: PathBuf,
    /// The source as read, before fixes (empty when the file could not be read).
    pub original: String,
    /// Findings and errors; `outcome.source` is the fixed source when fixes were applied.
    pub outcome: FileOutcome,
}

impl FileResult {
    /// A file that could not be read or decoded at all.
    pub fn unreadable(path: &Path, message: String) -> Self {
        Self {
            path: path.to_path_buf(),
            original: String::new(),
            outcome: FileOutcome {
                errors: vec![FileError {
                    message,
                    range: None,
                }],
                ..FileOutcome::default()
            },
        }
    }
}
