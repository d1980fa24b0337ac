//! Checking a set of files: read each, check (and fix) it in parallel on large-stack threads,
//! write fixes atomically, and collect the results in path order.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::atomic;
use crate::linter::{check_source, FileError, FileOutcome, FixMode};
use crate::settings::{RuleSet, Settings};
use ruff_text_size::{TextRange, TextSize};

/// The result for one file of a run.
#[derive(Debug)]
pub struct FileResult {
    /// The path as the user should see it (relative to the working directory when inside it).
    pub path: PathBuf,
    /// The source as read, before fixes (empty when the file could not be read).
    pub original: String,
    /// Findings and errors; `outcome.source` is the fixed source when fixes were applied.
    pub outcome: FileOutcome,
    /// The file starts with a UTF-8 byte order mark (kept out of `original` and `outcome`).
    pub bom: bool,
}

impl FileResult {
    /// Keeps only the text the report needs: the original for a diff of a changed file, the
    /// source for a file with something to show. Holding every file's text would make memory
    /// grow with the size of the tree.
    pub fn release_unneeded_text(&mut self) {
        if !self.outcome.changed {
            self.original = String::new();
        }
        let outcome = &self.outcome;
        if !outcome.changed && outcome.diagnostics.is_empty() && outcome.errors.is_empty() {
            self.outcome.source = String::new();
        }
    }

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
            bom: false,
        }
    }
}

/// Each worker thread's stack: deep (but legal) nesting recurses in the walk and when a tree is
/// dropped. Only the pages a file actually needs are ever touched.
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// The thread pool all per-file work runs on.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK)
            .thread_name(|index| format!("asyncheck-{index}"))
            .build()
            .unwrap_or_else(|_| {
                // Without our own pool (thread creation refused), fall back to one that rayon can build.
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .expect("a one-thread pool")
            })
    })
}

/// Runs `work` on a large-stack worker thread and waits for it.
pub fn on_worker<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    pool().install(work)
}

/// What to do with fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Compute fixed sources but leave files alone (`--diff`, or plain checking).
    No,
    /// Write fixed sources back (`--fix`).
    Yes,
}

/// Checks (and fixes) every file in parallel; results come back in the order of `files`.
pub fn check_files(
    files: &[PathBuf],
    settings: &Settings,
    mode: FixMode,
    write: Write,
) -> Vec<FileResult> {
    on_worker(|| {
        files
            .par_iter()
            .map(|path| check_file(path, settings, mode, write))
            .collect()
    })
}

fn check_file(path: &Path, settings: &Settings, mode: FixMode, write: Write) -> FileResult {
    let display = display_path(path);
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return FileResult::unreadable(&display, format!("Failed to read: {err}")),
    };
    let text = match decode(&bytes) {
        Ok(text) => text,
        Err(invalid) => return invalid.into_result(&display),
    };
    let rules = settings.rules_for(path);
    let mut result = check_text(&display, text.source, rules, settings, mode);
    result.bom = text.bom;
    if write == Write::Yes && result.outcome.changed {
        let mut fixed = String::with_capacity(result.outcome.source.len() + 3);
        if text.bom {
            fixed.push(BOM);
        }
        fixed.push_str(&result.outcome.source);
        if let Err(message) = atomic::replace(path, &bytes, fixed.as_bytes()) {
            result.outcome.errors.push(FileError {
                message,
                range: None,
            });
            // Nothing was written: report the findings of the original source.
            result.outcome = check_source(&result.original, rules, settings, FixMode::Check);
        }
    }
    result.release_unneeded_text();
    result
}

/// Checks text that is already in memory (standard input, or a file just read). A panic in a
/// rule becomes an internal error for this file; the other files are unaffected.
pub fn check_text(
    display: &Path,
    source: &str,
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
) -> FileResult {
    let outcome = on_worker(|| {
        panic::catch_unwind(AssertUnwindSafe(|| {
            check_source(source, rules, settings, mode)
        }))
    })
    .unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        FileOutcome {
            source: source.to_string(),
            errors: vec![FileError {
                message: format!("internal error: asyncheck panicked ({what}); please report this"),
                range: None,
            }],
            ..FileOutcome::default()
        }
    });
    FileResult {
        path: display.to_path_buf(),
        original: source.to_string(),
        outcome,
        bom: false,
    }
}

const BOM: char = '\u{feff}';

struct Decoded<'a> {
    source: &'a str,
    bom: bool,
}

/// A file that is not UTF-8: where the first bad byte is, in a lossy decoding for display.
struct InvalidUtf8 {
    lossy: String,
    valid_up_to: usize,
}

impl InvalidUtf8 {
    fn into_result(self, display: &Path) -> FileResult {
        let at = TextSize::try_from(self.valid_up_to).unwrap_or_default();
        FileResult {
            path: display.to_path_buf(),
            original: String::new(),
            outcome: FileOutcome {
                source: self.lossy,
                errors: vec![FileError {
                    message: "not valid UTF-8; asyncheck reads UTF-8 source only".to_string(),
                    range: Some(TextRange::empty(at)),
                }],
                ..FileOutcome::default()
            },
            bom: false,
        }
    }
}

/// UTF-8 with an optional BOM; anything else is an error at the first bad byte.
fn decode(bytes: &[u8]) -> Result<Decoded<'_>, InvalidUtf8> {
    let (bom, body) = match bytes.strip_prefix("\u{feff}".as_bytes()) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    match std::str::from_utf8(body) {
        Ok(source) => Ok(Decoded { source, bom }),
        // The valid prefix decodes to the same bytes in the lossy text, so the offset holds.
        Err(err) => Err(InvalidUtf8 {
            lossy: String::from_utf8_lossy(body).into_owned(),
            valid_up_to: err.valid_up_to(),
        }),
    }
}

/// The path relative to the working directory when it is inside it, as users typed it.
pub fn display_path(path: &Path) -> PathBuf {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf));
    let shown = relative.unwrap_or_else(|| path.to_path_buf());
    match shown.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => shown,
    }
}

/// Parse-only pass over `files` (for the benchmark): read and parse each, nothing else.
/// Returns how many files and bytes were parsed.
pub fn parse_only(files: &[PathBuf]) -> (usize, usize) {
    on_worker(|| {
        files
            .par_iter()
            .filter_map(|path| {
                let bytes = fs::read(path).ok()?;
                let text = decode(&bytes).ok()?;
                let parsed = ruff_python_parser::parse_unchecked_source(
                    text.source,
                    ruff_python_ast::PySourceType::Python,
                );
                std::hint::black_box(parsed.syntax().body.len());
                Some(bytes.len())
            })
            .fold(|| (0, 0), |(n, b), len| (n + 1, b + len))
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}
