//! ASY003 blocking-open-call-in-async-function: opening a file (`open()`, `io.open()`,
//! `gzip.open()`, `tempfile.NamedTemporaryFile()`, `Path.read_text()`, ...) in async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_io::{
    may_be_open_member, ACCEPTS_FILE_OBJECT, IN_MEMORY_FILE_TYPES, OPEN_CALLS, PATH_OPEN_METHODS,
};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingOpenCallInAsyncFunction;

impl Rule for BlockingOpenCallInAsyncFunction {
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
        let Some(open) = blocking_open_call(call, ctx) else {
            return;
        };
        let advice = open.advice(ctx.library());
        out.push(
            Diagnostic::new(
                "ASY003",
                call.range(),
                format!(
                    "Blocking call `{}` opens a file in async function; {advice}",
                    open.name
                ),
            )
            .with_help(capitalize(&advice)),
        );
    }
}

/// A call that opens a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingOpen {
    /// As shown to users: `open`, `gzip.open`, `pathlib.Path.read_text`.
    pub name: String,
    pub kind: OpenKind,
}

/// Which async replacement fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenKind {
    /// `open()`, `io.open()`, `codecs.open()`: the libraries' own `open_file`.
    Open,
    /// `pathlib.Path` I/O methods: the libraries' own `Path`.
    PathMethod,
    /// `tempfile.TemporaryFile` / `NamedTemporaryFile` / `mkstemp`.
    TempFile,
    /// Everything else: run it in a thread.
    Other,
}

impl BlockingOpen {
    /// What to use instead, in `library`.
    pub fn advice(&self, library: Library) -> String {
        let in_thread = run_in_thread_advice(library);
        let member = self.name.rsplit('.').next().unwrap_or(&self.name);
        match (self.kind, library) {
            (OpenKind::Open, Library::Asyncio) => {
                format!("use `aiofiles.open(...)`, or {in_thread}")
            }
            (OpenKind::Open, Library::Trio) => "use `await trio.open_file(...)`".to_string(),
            (OpenKind::Open, Library::AnyIO) => "use `await anyio.open_file(...)`".to_string(),
            (OpenKind::PathMethod, Library::Trio | Library::AnyIO) => {
                format!("use `{}.Path`, whose methods are async", library.module())
            }
            (OpenKind::TempFile, Library::Asyncio) if member != "mkstemp" => {
                format!("use `aiofiles.tempfile.{member}(...)`, or {in_thread}")
            }
            (OpenKind::TempFile, Library::AnyIO) => format!("use `anyio.{member}(...)`"),
            _ => in_thread,
        }
    }
}

/// The file-opening call `call` makes, when it is one and runs here: not in the arguments of a
/// thread API (`to_thread(json.load, open(p))` opens here but reads in the thread), not awaited,
/// not in `if TYPE_CHECKING:`, not in `allowed-blocking-calls`, not in test code, not wrapping an
/// in-memory buffer (`gzip.open(io.BytesIO(data))`). Path methods count on expressions known to be
/// concrete `pathlib` paths (`Context::is_known_path`). Whether the call is in async code is the
/// caller's business (ASY014 asks it of sync helpers). `call` must be the node being checked.
pub fn blocking_open_call(call: &ast::ExprCall, ctx: &Context) -> Option<BlockingOpen> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        if !may_be_open_member(attribute.attr.as_str()) {
            return None;
        }
    }
    let open = classify(call, ctx)?;
    let qualified = if open.name == "open" {
        "builtins.open"
    } else {
        open.name.as_str()
    };
    if ctx.settings().is_allowed_blocking_call(qualified)
        || left_alone(call, ctx)
        // A file opened for an offloaded callable is handed to the thread too.
        || ctx.offload_role(call.range()).is_some()
        || ctx.in_test_code()
    {
        return None;
    }
    Some(open)
}

fn classify(call: &ast::ExprCall, ctx: &Context) -> Option<BlockingOpen> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        let method = attribute.attr.as_str();
        if PATH_OPEN_METHODS.contains(&method) {
            let on_path = ctx.is_known_path(&attribute.value)
                || (ctx.is_path_class(&attribute.value) && !call.arguments.args.is_empty());
            if on_path {
                return Some(BlockingOpen {
                    name: format!("pathlib.Path.{method}"),
                    kind: OpenKind::PathMethod,
                });
            }
        }
    }
    let qualified = ctx.qualified_name(&call.func)?;
    if !OPEN_CALLS.contains(&qualified.as_str()) {
        return None;
    }
    if ACCEPTS_FILE_OBJECT.contains(&qualified.as_str()) && wraps_file_object(call, ctx) {
        return None;
    }
    let kind = match qualified.as_str() {
        "builtins.open" | "io.open" | "codecs.open" => OpenKind::Open,
        "tempfile.TemporaryFile" | "tempfile.NamedTemporaryFile" | "tempfile.mkstemp" => {
            OpenKind::TempFile
        }
        _ => OpenKind::Other,
    };
    let name = match qualified.strip_prefix("builtins.") {
        Some(builtin) => builtin.to_string(),
        None => qualified,
    };
    Some(BlockingOpen { name, kind })
}

/// Does a call of an API that takes a path or a file object get a file object: a `fileobj=`
/// argument, or an in-memory buffer (`io.BytesIO(...)`, or a name bound to one)?
fn wraps_file_object(call: &ast::ExprCall, ctx: &Context) -> bool {
    if call.arguments.find_keyword("fileobj").is_some() {
        return true;
    }
    let file = call.arguments.args.first().or_else(|| {
        ["file", "filename", "name"]
            .iter()
            .find_map(|name| call.arguments.find_keyword(name))
            .map(|keyword| &keyword.value)
    });
    file.and_then(|file| ctx.type_of(file))
        .is_some_and(|ty| IN_MEMORY_FILE_TYPES.contains(&ty.as_str()))
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_use_builtins_open() {
        let source = "async def f(p):\n    open(p)\n";
        let mut settings = Settings::only("ASY003").unwrap();
        let count = |settings: &Settings| {
            check_source(source, settings.rules, settings, FixMode::Check)
                .diagnostics
                .len()
        };
        assert_eq!(count(&settings), 1);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("builtins.open").unwrap()];
        assert_eq!(count(&settings), 0);
    }
}
