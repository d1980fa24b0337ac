//! The `asyncheck` command: parse arguments, load settings, run the library, print, exit.

use std::io::{self, IsTerminal, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};

use asyncheck::discover::discover;
use asyncheck::linter::FixMode;
use asyncheck::report::{self, write_report, ReportOptions};
use asyncheck::runner::{self, FileResult, Write};
use asyncheck::settings::{self, CliOverrides, Settings};
use asyncheck::{catalog, diff};

#[derive(Parser)]
#[command(
    name = "asyncheck",
    version,
    about = "A fast linter for Python async code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files for async bugs (the default command).
    Check(CheckArgs),
    /// Show a rule's documentation.
    Rule {
        /// A rule code (`ASY001`) or name.
        rule: Option<String>,
        /// List every rule.
        #[arg(long, conflicts_with = "rule")]
        all: bool,
    },
    /// List every rule: code, name, default, fix.
    Rules,
}

#[derive(Args)]
#[allow(clippy::struct_excessive_bools)] // one bool per command-line flag
struct CheckArgs {
    /// Files or directories to check [default: .]
    paths: Vec<PathBuf>,
    /// Rules to enable, replacing the configured selection (codes, prefixes, names or ALL).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Option<Vec<String>>,
    /// Rules to enable in addition to the configured selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    extend_select: Vec<String>,
    /// Rules to disable.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Use this configuration file instead of searching for one.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// The oldest Python version the code must support (py38 … py314).
    #[arg(long, value_name = "VERSION")]
    target_version: Option<String>,
    /// How to print findings: full, concise, json, sarif, github.
    #[arg(long, value_name = "FORMAT")]
    output_format: Option<String>,
    /// Apply fixes and write the files.
    #[arg(long)]
    fix: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    diff: bool,
    /// Also apply fixes that may change behaviour.
    #[arg(long, overrides_with = "no_unsafe_fixes")]
    unsafe_fixes: bool,
    #[arg(long, overrides_with = "unsafe_fixes", hide = true)]
    no_unsafe_fixes: bool,
    /// List the fixes that were applied.
    #[arg(long)]
    show_fixes: bool,
    /// Exit with 0 even when findings remain.
    #[arg(long)]
    exit_zero: bool,
    /// Count findings per rule instead of listing them.
    #[arg(long)]
    statistics: bool,
    /// Print findings only, no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Read the source from standard input, checked as if it were this file.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Never color the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    no_color: bool,
    /// Apply `exclude` even to files named on the command line (for pre-commit).
    #[arg(long)]
    force_exclude: bool,
    /// Only discover, read and parse the files (for benchmarks).
    #[arg(long, hide = true)]
    parse_only: bool,
}

/// Exit codes, as Ruff uses them.
const FINDINGS: u8 = 1;
const ERROR: u8 = 2;

fn main() -> ExitCode {
    allocator::return_freed_memory_at_once();
    let cli = Cli::parse_from(with_default_command(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Rule { rule, all } => show_rule(rule.as_deref(), all),
        Command::Rules => show_rule(None, true),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("asyncheck: error: {err:#}");
            ExitCode::from(ERROR)
        }
    }
}

/// `asyncheck PATHS…` and `asyncheck --fix …` mean `asyncheck check …`.
fn with_default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_command = args.get(1).is_some_and(|first| {
        matches!(
            first.to_str(),
            Some("check" | "rule" | "rules" | "help" | "-h" | "--help" | "-V" | "--version")
        )
    });
    if !is_command {
        args.insert(1.min(args.len()), "check".into());
    }
    args
}

fn show_rule(rule: Option<&str>, all: bool) -> Result<u8> {
    let text = match rule {
        Some(rule) => catalog::render_rule(rule)
            .with_context(|| format!("unknown rule `{rule}`; `asyncheck rules` lists them"))?,
        None if all => catalog::rules_table(),
        None => anyhow::bail!("name a rule (`asyncheck rule ASY001`) or pass `--all`"),
    };
    print_stdout(&text)?;
    Ok(0)
}

fn check(args: &CheckArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let overrides = CliOverrides {
        config: args.config.clone(),
        isolated: args.isolated,
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        target_version: args.target_version.clone(),
        output_format: args.output_format.clone(),
        unsafe_fixes: if args.unsafe_fixes {
            Some(true)
        } else if args.no_unsafe_fixes {
            Some(false)
        } else {
            None
        },
    };
    let start = config_search_start(&cwd, &args.paths);
    let mut settings = settings::resolve(&start, &overrides)?;
    settings.force_exclude |= args.force_exclude;
    let options = report_options(args, &settings);
    options.validate().map_err(anyhow::Error::msg)?;
    let mode = if args.fix || args.diff {
        FixMode::Apply
    } else {
        FixMode::Check
    };
    if let Some(filename) = &args.stdin_filename {
        return check_stdin(args, &settings, filename, mode);
    }

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (files, missing) = discover(&paths, &settings);
    if args.parse_only {
        let (count, bytes) = runner::parse_only(&files);
        eprintln!("parsed {count} files, {bytes} bytes");
        return Ok(0);
    }
    let write = if args.fix && !args.diff {
        Write::Yes
    } else {
        Write::No
    };
    let mut results = runner::check_files(&files, &settings, mode, write);
    results.extend(
        missing
            .into_iter()
            .map(|(path, message)| FileResult::unreadable(&path, message)),
    );
    results.sort_by(|a, b| a.path.cmp(&b.path));

    if args.diff {
        return print_diffs(&results, &options);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    write_report(&mut out, &results, &options)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)?;
    Ok(exit_code(&results, args.exit_zero))
}

/// Where to look for configuration: the deepest directory holding every path given (so
/// `asyncheck check examples/shop` uses that project's `pyproject.toml`), else the working
/// directory.
fn config_search_start(cwd: &Path, paths: &[PathBuf]) -> PathBuf {
    let mut dirs = paths.iter().map(|path| {
        let absolute = cwd.join(path);
        if absolute.is_dir() {
            absolute
        } else {
            absolute
                .parent()
                .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
        }
    });
    let Some(first) = dirs.next() else {
        return cwd.to_path_buf();
    };
    dirs.fold(first, |common, dir| {
        common
            .ancestors()
            .find(|ancestor| dir.starts_with(ancestor))
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
    })
}

fn check_stdin(
    args: &CheckArgs,
    settings: &Settings,
    filename: &Path,
    mode: FixMode,
) -> Result<u8> {
    let mut bytes = Vec::new();
    io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read standard input")?;
    let source = String::from_utf8(bytes).context("standard input is not valid UTF-8")?;
    let source = source.strip_prefix('\u{feff}').unwrap_or(&source);
    let result = runner::check_text(
        filename,
        source,
        settings.rules_for(filename),
        settings,
        mode,
    );
    let results = [result];
    let options = report_options(args, settings);
    if args.diff {
        return print_diffs(&results, &options);
    }
    if args.fix {
        // The fixed source goes to standard output; findings to standard error.
        print_stdout(&results[0].outcome.source)?;
        write_report(&mut io::stderr().lock(), &results, &options)?;
    } else {
        write_report(&mut io::stdout().lock(), &results, &options).or_else(ignore_broken_pipe)?;
    }
    Ok(exit_code(&results, args.exit_zero))
}

fn report_options(args: &CheckArgs, settings: &Settings) -> ReportOptions {
    let color = !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && io::stdout().is_terminal();
    ReportOptions {
        format: settings.output_format,
        color,
        show_fixes: args.show_fixes,
        statistics: args.statistics,
        unsafe_fixes: settings.unsafe_fixes,
        fix_mode: args.fix,
        quiet: args.quiet,
    }
}

/// `--diff`: a unified diff per changed file on standard output, the summary on standard
/// error; exit 1 when anything would change.
fn print_diffs(results: &[FileResult], options: &ReportOptions) -> Result<u8> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut changed = false;
    for result in results {
        if result.outcome.changed {
            changed = true;
            let bom = if result.bom { "\u{feff}" } else { "" };
            let patch = diff::unified_diff(
                &result.path,
                &format!("{bom}{}", result.original),
                &format!("{bom}{}", result.outcome.source),
            );
            out.write_all(patch.as_bytes())
                .or_else(ignore_broken_pipe)?;
        }
    }
    out.flush().or_else(ignore_broken_pipe)?;
    report::write_diff_summary(&mut io::stderr().lock(), results, options)?;
    Ok(if results.iter().any(|r| !r.outcome.errors.is_empty()) {
        ERROR
    } else if changed {
        FINDINGS
    } else {
        0
    })
}

fn exit_code(results: &[FileResult], exit_zero: bool) -> u8 {
    if results.iter().any(|r| !r.outcome.errors.is_empty()) {
        ERROR
    } else if !exit_zero && results.iter().any(|r| !r.outcome.diagnostics.is_empty()) {
        FINDINGS
    } else {
        0
    }
}

fn print_stdout(text: &str) -> Result<()> {
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .or_else(ignore_broken_pipe)?;
    Ok(())
}

/// `asyncheck … | head` closes the pipe early; that is not an error.
fn ignore_broken_pipe(err: io::Error) -> io::Result<()> {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(err)
    }
}

// Parsing allocates heavily; mimalloc is faster than the system allocator for it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod allocator {
    /// mimalloc holds freed memory for a second before returning it to the system; a run
    /// parses file after file, so that delay only raises peak memory.
    pub fn return_freed_memory_at_once() {
        // The index of `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (include/mimalloc.h
        // of libmimalloc-sys 0.1.49, pinned in Cargo.toml); the crate exports no constant for it.
        const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        // SAFETY: setting an option is thread-safe and only affects later frees.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}
