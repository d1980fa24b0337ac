//! ASY026 async-function-as-sync-callback: an `async def` function passed where a sync callable
//! is called (`threading.Thread(target=)`, `loop.call_soon`, `asyncio.to_thread`, …): calling it
//! only creates a coroutine, which nobody awaits.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::FunctionKind;
use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::coroutines::{
    self, SyncCallbackSink, SYNC_CALLBACK_METHODS, SYNC_CALLBACK_SINKS,
};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct AsyncFunctionAsSyncCallback;

impl Rule for AsyncFunctionAsSyncCallback {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if call.arguments.is_empty() {
            return;
        }
        let Some((sink, sink_name)) = sink_of(call, ctx) else {
            return;
        };
        let Some(argument) = callable_argument(call, sink) else {
            return;
        };
        let Some(problem) = coroutine_function_argument(argument, ctx) else {
            return;
        };
        let text = ctx.text(argument.range());
        let shown = if text.len() <= 60 && !text.contains(['\n', '\r']) {
            format!("`{text}`")
        } else {
            "This callable".to_string()
        };
        let message = match problem {
            Problem::CoroutineFunction => format!(
                "{shown} is an async function; `{sink_name}` calls it without awaiting, so the coroutine never runs"
            ),
            Problem::ReturnsCoroutine => format!(
                "{shown} returns a coroutine; `{sink_name}` calls it without awaiting, so the coroutine never runs"
            ),
        };
        out.push(Diagnostic::new("ASY026", argument.range(), message).with_help(help(sink, ctx)));
    }
}

enum Problem {
    /// The argument is a coroutine function (or a `functools.partial` of one).
    CoroutineFunction,
    /// The argument is a `lambda` whose body calls a coroutine function.
    ReturnsCoroutine,
}

/// The sink a call is, and how to name it in the message.
fn sink_of(call: &ast::ExprCall, ctx: &Context) -> Option<(&'static SyncCallbackSink, String)> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        let attr = attribute.attr.as_str();
        if let Some(sink) = SYNC_CALLBACK_METHODS.iter().find(|s| s.callee == attr) {
            return Some((sink, format!("{}()", ctx.text(call.func.range()))));
        }
        let is_candidate = SYNC_CALLBACK_SINKS
            .iter()
            .any(|s| s.callee.rsplit('.').next() == Some(attr));
        if !is_candidate {
            return None;
        }
    } else if !ctx.is_imported_name(&call.func) {
        // Every sink called by a bare name is imported (`from threading import Thread`).
        return None;
    }
    let name = ctx.resolved_name(&call.func)?;
    let sink = SYNC_CALLBACK_SINKS.iter().find(|s| s.callee == name)?;
    // A method of an object is named as written (`executor.submit()`), a function by its
    // qualified name (`asyncio.to_thread()`).
    let is_method = name.rsplit_once('.').is_some_and(|(receiver, _)| {
        receiver
            .split('.')
            .any(|segment| segment.starts_with(char::is_uppercase))
    });
    let shown = if is_method {
        format!("{}()", ctx.text(call.func.range()))
    } else {
        format!("{name}()")
    };
    Some((sink, shown))
}

/// The argument that holds the callable: the keyword, else the positional argument (unless a
/// `*args` comes before it).
fn callable_argument<'a>(call: &'a ast::ExprCall, sink: &SyncCallbackSink) -> Option<&'a Expr> {
    if let Some(keyword) = call.arguments.keywords.iter().find(|k| {
        k.arg
            .as_ref()
            .is_some_and(|arg| arg.as_str() == sink.keyword)
    }) {
        return Some(&keyword.value);
    }
    let args = &call.arguments.args;
    if args
        .iter()
        .take(sink.position + 1)
        .any(|arg| matches!(arg, Expr::Starred(_)))
    {
        return None;
    }
    args.get(sink.position)
}

/// Is the argument a coroutine function, a `functools.partial` of one, or a lambda that returns
/// a coroutine?
fn coroutine_function_argument(argument: &Expr, ctx: &Context) -> Option<Problem> {
    match argument {
        Expr::Name(_) | Expr::Attribute(_) => {
            is_coroutine_function(argument, ctx).then_some(Problem::CoroutineFunction)
        }
        Expr::Call(call) => {
            let first = call.arguments.args.first()?;
            if ctx.resolved_name(&call.func).as_deref() != Some("functools.partial") {
                return None;
            }
            matches!(first, Expr::Name(_) | Expr::Attribute(_))
                .then(|| is_coroutine_function(first, ctx))?
                .then_some(Problem::CoroutineFunction)
        }
        Expr::Lambda(lambda) => {
            let Expr::Call(body) = lambda.body.as_ref() else {
                return None;
            };
            // A lambda parameter may shadow the function name the body calls.
            if let Some(parameters) = &lambda.parameters {
                let base = base_name(&body.func)?;
                if parameters.iter().any(|p| p.name().as_str() == base) {
                    return None;
                }
            }
            ctx.coroutine_call(body)
                .is_some_and(|callee| callee.is_coroutine)
                .then_some(Problem::ReturnsCoroutine)
        }
        _ => None,
    }
}

/// Does the expression name an `async def` of the module or class, or a coroutine API?
fn is_coroutine_function(expr: &Expr, ctx: &Context) -> bool {
    if let Some(kind) = ctx.local_function_kind(expr) {
        return kind == FunctionKind::Coroutine;
    }
    ctx.resolved_name(expr)
        .is_some_and(|name| coroutines::awaitable_api(&name) == Some(true))
}

/// The name at the base of `a.b.c` (`a`), or the name itself.
fn base_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        match current {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attribute) => current = &attribute.value,
            _ => return None,
        }
    }
}

/// What to do instead, for the kind of sink and the file's library.
fn help(sink: &SyncCallbackSink, ctx: &Context) -> String {
    let run = match ctx.library() {
        Library::Asyncio => "`asyncio.run()`",
        Library::Trio => "`trio.run()`",
        Library::AnyIO => "`anyio.run()`",
    };
    match sink.callee {
        "threading.Thread" | "threading.Timer" => {
            format!("Pass a sync function, or run the coroutine in the thread with {run}")
        }
        "asyncio.to_thread"
        | "anyio.to_thread.run_sync"
        | "trio.to_thread.run_sync"
        | "run_in_executor" => {
            "Await the async function directly instead of running it in a thread".to_string()
        }
        "anyio.from_thread.run_sync" => {
            "Use `anyio.from_thread.run()` for an async function".to_string()
        }
        "trio.from_thread.run_sync" => {
            "Use `trio.from_thread.run()` for an async function".to_string()
        }
        callee if callee.contains("Executor") => {
            format!("Pass a sync function, or run the coroutine in the worker with {run}")
        }
        "signal.signal" | "atexit.register" => {
            "Pass a sync function (one that schedules the coroutine, if it must run)".to_string()
        }
        _ => "Pass a sync function that schedules the coroutine, e.g. with `asyncio.create_task()`"
            .to_string(),
    }
}
