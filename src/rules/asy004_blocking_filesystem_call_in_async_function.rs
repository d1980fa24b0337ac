//! ASY004 blocking-filesystem-call-in-async-function: filesystem calls that touch the disk
//! (`os.path.exists()`, `os.listdir()`, `shutil.rmtree()`, `glob.glob()`, `Path.exists()`, ...)
//! in async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_io::{
    is_filesystem_call, may_be_filesystem_member, LAZY_ITERATORS, PATH_FILESYSTEM_METHODS,
};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingFilesystemCallInAsyncFunction;

impl Rule for BlockingFilesystemCallInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !ctx.in_async_function() {
            return;
        }
        let Some(name) = blocking_filesystem_call(call, ctx) else {
            return;
        };
        let advice = advice(&name, ctx.library());
        out.push(
            Diagnostic::new(
                "ASY004",
                call.range(),
                format!("Blocking filesystem call `{name}` in async function; {advice}"),
            )
            .with_help(capitalize(&advice)),
        );
    }
}

/// The qualified name of a filesystem call that touches the disk (`os.path.exists`,
/// `shutil.rmtree`, `pathlib.Path.exists`), when `call` is one and it runs here: not awaited,
/// not in `allowed-blocking-calls`, not in test code, not itself the callable argument of a
/// thread API (`to_thread(os.listdir(d))` is ASY013's finding); a lazy iterator (`os.walk`,
/// `Path.glob`) only where it is iterated. Path methods count on expressions
/// known to be concrete `pathlib` paths (`Context::is_known_path`). Whether the call is in async
/// code is the caller's business (ASY014 asks it of sync helpers). `call` must be the node
/// being checked.
pub fn blocking_filesystem_call(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        if !may_be_filesystem_member(attribute.attr.as_str()) {
            return None;
        }
    }
    let name = classify(call, ctx)?;
    if LAZY_ITERATORS.contains(&name.as_str()) && !ctx.is_iterated_here(call.range()) {
        return None;
    }
    if ctx.settings().is_allowed_blocking_call(&name) || left_alone(call, ctx) || ctx.in_test_code()
    {
        return None;
    }
    Some(name)
}

fn classify(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        let method = attribute.attr.as_str();
        if PATH_FILESYSTEM_METHODS.contains(&method) {
            let on_path = ctx.is_known_path(&attribute.value)
                || (ctx.is_path_class(&attribute.value) && !call.arguments.args.is_empty());
            if on_path {
                return Some(format!("pathlib.Path.{method}"));
            }
        }
    }
    let qualified = ctx.qualified_name(&call.func)?;
    is_filesystem_call(&qualified).then_some(qualified)
}

/// `aiofiles.os` / `aiofiles.os.path` wrap these (in a thread) under the same name.
const AIOFILES_OS: &[&str] = &[
    "access",
    "listdir",
    "makedirs",
    "mkdir",
    "readlink",
    "remove",
    "removedirs",
    "rename",
    "renames",
    "replace",
    "rmdir",
    "scandir",
    "stat",
    "symlink",
    "unlink",
    "link",
    "statvfs",
];
const AIOFILES_OS_PATH: &[&str] = &[
    "exists",
    "isfile",
    "isdir",
    "islink",
    "ismount",
    "getsize",
    "getmtime",
    "getatime",
    "getctime",
    "samefile",
    "sameopenfile",
];

/// What to use instead of `name` in `library`.
fn advice(name: &str, library: Library) -> String {
    let in_thread = run_in_thread_advice(library);
    if let Some(method) = name.strip_prefix("pathlib.Path.") {
        let missing: &[&str] = match library {
            Library::Asyncio => return in_thread,
            Library::Trio => &["walk", "copy", "copy_into", "move", "move_into"],
            Library::AnyIO => &["link_to"],
        };
        if missing.contains(&method) {
            return in_thread;
        }
        return format!("use `{}.Path`, whose methods are async", library.module());
    }
    if library == Library::Asyncio {
        let aiofiles = if let Some(function) = name.strip_prefix("os.path.") {
            AIOFILES_OS_PATH
                .contains(&function)
                .then(|| format!("aiofiles.os.path.{function}"))
        } else if let Some(function) = name.strip_prefix("os.") {
            AIOFILES_OS
                .contains(&function)
                .then(|| format!("aiofiles.os.{function}"))
        } else {
            None
        };
        if let Some(aiofiles) = aiofiles {
            return format!("use `await {aiofiles}(...)`, or {in_thread}");
        }
    }
    in_thread
}

#[cfg(test)]
mod tests {
    use super::advice;
    use crate::context::Library;
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn advice_names_apis_of_the_library() {
        assert_eq!(
            advice("os.path.exists", Library::Asyncio),
            "use `await aiofiles.os.path.exists(...)`, or run it in a thread with `await asyncio.to_thread(...)`"
        );
        assert_eq!(
            advice("shutil.rmtree", Library::Asyncio),
            "run it in a thread with `await asyncio.to_thread(...)`"
        );
        assert_eq!(
            advice("pathlib.Path.exists", Library::AnyIO),
            "use `anyio.Path`, whose methods are async"
        );
        assert_eq!(
            advice("pathlib.Path.walk", Library::Trio),
            "run it in a thread with `await trio.to_thread.run_sync(...)`"
        );
        assert_eq!(
            advice("os.path.exists", Library::Trio),
            "run it in a thread with `await trio.to_thread.run_sync(...)`"
        );
    }

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source = "import os\n\nasync def f(p):\n    os.path.exists(p)\n    os.remove(p)\n";
        let mut settings = Settings::only("ASY004").unwrap();
        let count = |settings: &Settings| {
            check_source(source, settings.rules, settings, FixMode::Check)
                .diagnostics
                .len()
        };
        assert_eq!(count(&settings), 2);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("os.path.*").unwrap()];
        assert_eq!(count(&settings), 1);
    }
}
