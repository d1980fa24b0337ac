//! Checking a set of files: read each, check (and fix) it in parallel on large-stack threads,
//! write fixes atomically, and collect the results in path order.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::atomic;
use crate::linter::{check_source_at, FileError, FileOutcome, FixMode};
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
    if crate::project::wanted(settings.rules) {
        return check_project(files, settings, mode, write);
    }
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
        Err(err) => {
            // The file vanished or became unreadable since it was found.
            let message = format!("Failed to read: {}", crate::settings::io_message(&err));
            return FileResult::unreadable(&display, message);
        }
    };
    let rules = settings.rules_for(path);
    let mut result = check_bytes(&display, &bytes, rules, settings, mode);
    if write == Write::Yes && result.outcome.changed {
        let mut fixed = String::with_capacity(result.outcome.source.len() + 3);
        if result.bom {
            fixed.push(BOM);
        }
        fixed.push_str(&result.outcome.source);
        if let Err(message) = atomic::replace(path, &bytes, fixed.as_bytes()) {
            // Nothing was written: report the findings of the original source, and why.
            let original = check_text(&display, &result.original, rules, settings, FixMode::Check);
            result.outcome = original.outcome;
            result.outcome.errors.push(FileError {
                message,
                range: None,
            });
        }
    }
    result.release_unneeded_text();
    result
}

/// Decodes a file's bytes (UTF-8, an optional BOM) and checks the text; bytes that are not
/// UTF-8 give an error at the first bad byte. Nothing is written.
pub fn check_bytes(
    display: &Path,
    bytes: &[u8],
    rules: RuleSet,
    settings: &Settings,
    mode: FixMode,
) -> FileResult {
    let text = match decode(bytes) {
        Ok(text) => text,
        Err(invalid) => return invalid.into_result(display),
    };
    let mut result = check_text(display, text.source, rules, settings, mode);
    result.bom = text.bom;
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
            check_source_at(source, Some(display), rules, settings, mode)
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

// ---------------------------------------------------------------------------------------------
// Checking files as one project (issue 6, `src/project/`).

/// How many rounds of "summarise the project modules the summaries refer to" a run makes, and
/// how many such files it reads at most.
const MAX_IMPORT_ROUNDS: usize = 12;
const MAX_SUMMARY_ONLY_FILES: usize = 50_000;

/// [`check_files`] when rules ask about the project: every file is parsed once, its walk runs
/// the rules and extracts its module summary; the project modules the checked files import
/// (transitively) that are not checked are summarised only; the index is built; the files whose
/// first pass asked a question the index answers differently are checked again with the index
/// (see `project::view`); fixes are written last.
fn check_project(
    files: &[PathBuf],
    settings: &Settings,
    mode: FixMode,
    write: Write,
) -> Vec<FileResult> {
    use crate::project::{FileProject, Layout, ProjectFacts, ProjectIndex};

    on_worker(|| {
        let timings = crate::project::timings_wanted();
        let started = std::time::Instant::now();
        let mut layout = Layout::new(Some(&settings.root));
        let places: Vec<_> = files.iter().map(|path| layout.place(path)).collect();
        let top_level = layout.top_level_names();
        let file_project = |index: usize| FileProject {
            module: places[index].as_ref().map(|place| place.name.as_str()),
            is_package: places[index].as_ref().is_some_and(|place| place.is_package),
            top_level: Some(&top_level),
            index: None,
            module_id: None,
            collect: true,
        };

        // Pass 1: rules and summaries.
        let first: Vec<(FileResult, ProjectFacts)> = files
            .par_iter()
            .enumerate()
            .map(|(i, path)| first_pass(path, settings, mode, &file_project(i)))
            .collect();
        let mut results = Vec::with_capacity(files.len());
        let mut questions = Vec::with_capacity(files.len());
        let mut summaries = Vec::with_capacity(files.len());
        let mut module_ids = Vec::with_capacity(files.len());
        for (result, facts) in first {
            results.push(result);
            module_ids.push(facts.summary.as_ref().map(|_| summaries.len() as u32));
            if let Some(summary) = facts.summary {
                summaries.push(summary);
            }
            questions.push(facts.questions);
        }

        let pass1 = started.elapsed();
        // The project modules the checked files import, summarised only.
        let extra = summarise_imports(&mut layout, files, &summaries, &top_level);
        let extra_count = extra.len();
        summaries.extend(extra);
        let closure = started.elapsed();
        let summary_bytes: usize = summaries.iter().map(|s| s.heap_size()).sum();
        if timings {
            use crate::project::Target;
            let (
                mut functions,
                mut empty,
                mut calls,
                mut names,
                mut name_bytes,
                mut members,
                mut locals,
                mut blocking,
            ) = (0, 0, 0, 0, 0, 0, 0, 0);
            for summary in &summaries {
                for f in &summary.functions {
                    functions += 1;
                    if f.calls.is_empty() && f.blocking.is_empty() {
                        empty += 1;
                    }
                    blocking += f.blocking.len();
                    for c in &f.calls {
                        calls += 1;
                        match &c.target {
                            Target::Name(n) => {
                                names += 1;
                                name_bytes += n.len();
                            }
                            Target::Member(_, n) => {
                                members += 1;
                                name_bytes += n.len();
                            }
                            Target::Local(_) => locals += 1,
                        }
                    }
                }
            }
            let classes: usize = summaries.iter().map(|s| s.classes.len()).sum();
            let refs: usize = summaries.iter().map(|s| s.referenced_modules.len()).sum();
            let imports: usize = summaries.iter().map(|s| s.imports.len()).sum();
            eprintln!("summaries: {functions} functions ({empty} without calls or blocking), {blocking} blocking, {calls} calls ({names} names, {members} members, {locals} local; {name_bytes} name bytes), {classes} classes, {refs} referenced, {imports} imports");
        }
        let index = ProjectIndex::build(summaries, &crate::project::policy(settings));
        let built = started.elapsed();

        // Pass 2: files whose questions the index answers.
        let rechecked = std::sync::atomic::AtomicUsize::new(0);
        results.par_iter_mut().enumerate().for_each(|(i, result)| {
            let module_id = module_ids[i];
            if !questions[i].iter().any(|q| q.matters(&index, module_id)) {
                return;
            }
            let file = FileProject {
                index: Some(&index),
                module_id,
                collect: false,
                ..file_project(i)
            };
            second_pass(result, &files[i], settings, mode, &file);
            rechecked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        if timings {
            let asked: usize = questions.iter().map(Vec::len).sum();
            eprintln!(
                "project: layout+pass 1 {:.3}s; {} summary-only files {:.3}s; index of {} functions from {} KiB of summaries {:.3}s; {} of {} files re-checked ({} questions) {:.3}s",
                pass1.as_secs_f64(),
                extra_count,
                (closure - pass1).as_secs_f64(),
                index.function_count(),
                summary_bytes / 1024,
                (built - closure).as_secs_f64(),
                rechecked.load(std::sync::atomic::Ordering::Relaxed),
                files.len(),
                asked,
                (started.elapsed() - built).as_secs_f64(),
            );
        }

        // Fixes are written once everything is known.
        results
            .par_iter_mut()
            .zip(files.par_iter())
            .for_each(|(result, path)| {
                if write == Write::Yes && result.outcome.changed {
                    write_fixes(result, path, settings);
                }
                result.release_unneeded_text();
            });
        results
    })
}

/// Pass 1 for one file: read, decode, check with the summary extracted. Text the report does
/// not need is released at once (a file checked again is read again).
fn first_pass(
    path: &Path,
    settings: &Settings,
    mode: FixMode,
    project: &crate::project::FileProject,
) -> (FileResult, crate::project::ProjectFacts) {
    let mut facts = crate::project::ProjectFacts::default();
    let display = display_path(path);
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let message = format!("Failed to read: {}", crate::settings::io_message(&err));
            return (FileResult::unreadable(&display, message), facts);
        }
    };
    let text = match decode(&bytes) {
        Ok(text) => text,
        Err(invalid) => return (invalid.into_result(&display), facts),
    };
    let rules = settings.rules_for(path);
    let outcome = guarded(text.source, || {
        crate::linter::check_in_project(
            text.source,
            Some(&display),
            rules,
            settings,
            mode,
            Some(project),
            &mut facts,
        )
    });
    let mut result = FileResult {
        path: display,
        original: text.source.to_string(),
        outcome,
        bom: text.bom,
    };
    // A fixed source is kept (it is written after pass 2); the rest can go.
    result.release_unneeded_text();
    (result, facts)
}

/// Pass 2 for one file: check it again with the index, from its fixed source (or from disk).
fn second_pass(
    result: &mut FileResult,
    path: &Path,
    settings: &Settings,
    mode: FixMode,
    project: &crate::project::FileProject,
) {
    let mut first = std::mem::take(&mut result.outcome);
    let original = if first.changed {
        std::mem::take(&mut result.original)
    } else {
        // Released after pass 1: read it again.
        let Ok(bytes) = fs::read(path) else {
            result.outcome = first;
            return;
        };
        let Ok(text) = decode(&bytes) else {
            result.outcome = first;
            return;
        };
        first.source = text.source.to_string();
        text.source.to_string()
    };
    let rules = settings.rules_for(path);
    let display = result.path.clone();
    let source_for_panic = first.source.clone();
    let outcome = guarded(&source_for_panic, || {
        crate::linter::recheck(
            &original,
            first,
            Some(&display),
            rules,
            settings,
            mode,
            project,
        )
    });
    result.outcome = outcome;
    result.original = original;
}

/// Writes a fixed file; when that fails, reports the original source's findings and why.
fn write_fixes(result: &mut FileResult, path: &Path, settings: &Settings) {
    let mut expected = String::with_capacity(result.original.len() + 3);
    let mut fixed = String::with_capacity(result.outcome.source.len() + 3);
    if result.bom {
        expected.push(BOM);
        fixed.push(BOM);
    }
    expected.push_str(&result.original);
    fixed.push_str(&result.outcome.source);
    if let Err(message) = atomic::replace(path, expected.as_bytes(), fixed.as_bytes()) {
        let rules = settings.rules_for(path);
        let original = check_text(
            &result.path,
            &result.original,
            rules,
            settings,
            FixMode::Check,
        );
        result.outcome = original.outcome;
        result.outcome.errors.push(FileError {
            message,
            range: None,
        });
    }
}

/// Runs a check; a panic becomes an internal error for this file.
fn guarded(source: &str, check: impl FnOnce() -> FileOutcome) -> FileOutcome {
    panic::catch_unwind(AssertUnwindSafe(check)).unwrap_or_else(|payload| {
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
    })
}

/// Summaries of the project modules that the summaries refer to (imports, calls, bases) and
/// that are not checked: found by module name in the project's roots, read and summarised (no
/// rules run on them), round after round until nothing new is referenced.
fn summarise_imports(
    layout: &mut crate::project::Layout,
    files: &[PathBuf],
    summaries: &[crate::project::ModuleSummary],
    top_level: &rustc_hash::FxHashSet<String>,
) -> Vec<crate::project::ModuleSummary> {
    use rustc_hash::FxHashSet;

    let mut known: FxHashSet<String> = summaries
        .iter()
        .filter_map(|summary| summary.name.as_deref().map(str::to_string))
        .collect();
    let mut seen: FxHashSet<PathBuf> = files
        .iter()
        .map(|path| crate::settings::absolute(path))
        .collect();
    let mut asked: FxHashSet<Box<str>> = FxHashSet::default();
    let mut pending: Vec<Box<str>> = summaries
        .iter()
        .flat_map(|summary| summary.referenced_modules.iter().cloned())
        .collect();
    let mut extra = Vec::new();
    for _ in 0..MAX_IMPORT_ROUNDS {
        let mut found: Vec<(PathBuf, crate::project::ModulePlace)> = Vec::new();
        for name in pending.drain(..) {
            if !asked.insert(name.clone()) {
                continue;
            }
            // The longest prefix of the name that is a module: known, or a file to read.
            let mut prefix: &str = &name;
            loop {
                if known.contains(prefix) {
                    break;
                }
                if let Some(file) = layout.find_module(prefix) {
                    let absolute = crate::settings::absolute(&file);
                    if seen.insert(absolute.clone()) {
                        if let Some(place) = layout.place(&absolute) {
                            known.insert(place.name.clone());
                            found.push((absolute, place));
                        }
                    }
                    break;
                }
                match prefix.rfind('.') {
                    Some(dot) => prefix = &prefix[..dot],
                    None => break,
                }
            }
        }
        if found.is_empty() || extra.len() >= MAX_SUMMARY_ONLY_FILES {
            break;
        }
        let summaries: Vec<crate::project::ModuleSummary> = found
            .par_iter()
            .filter_map(|(path, place)| {
                let bytes = fs::read(path).ok()?;
                let text = decode(&bytes).ok()?;
                let project = crate::project::FileProject {
                    module: Some(place.name.as_str()),
                    is_package: place.is_package,
                    top_level: Some(top_level),
                    index: None,
                    module_id: None,
                    collect: true,
                };
                let display = display_path(path);
                panic::catch_unwind(AssertUnwindSafe(|| {
                    crate::linter::summarize(text.source, Some(&display), &project)
                }))
                .ok()
                .flatten()
            })
            .collect();
        for summary in &summaries {
            pending.extend(summary.referenced_modules.iter().cloned());
        }
        extra.extend(summaries);
    }
    extra
}
