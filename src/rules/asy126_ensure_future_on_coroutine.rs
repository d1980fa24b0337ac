//! ASY126 ensure-future-on-coroutine: `asyncio.ensure_future(<coroutine call>)`, which is
//! `asyncio.create_task(...)` said indirectly.
//!
//! Only a call argument can be a fresh coroutine; what the call returns decides:
//!
//! - a known coroutine function (a library coroutine API, an `async def` of the module or of the
//!   enclosing class) — reported, with a fix that is safe in async code;
//! - a call known to return something else — a library API not known as a coroutine (it may
//!   return a future: `asyncio.gather`, `loop.create_future()`, `loop.run_in_executor()`,
//!   tornado's `Semaphore.acquire()`), a lazy awaitable (`session.get(url)`), a plain `def` of the
//!   module, a name that says future or task — not reported;
//! - an unknown callee (a parameter, a method of an untyped object, a relative import of the
//!   project) — reported with an unsafe fix: it is almost always a coroutine function, but
//!   `create_task` raises `TypeError` for anything else. Not in modules that import tornado,
//!   whose asynchronous methods return futures.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy121_loop_argument::{contains_comment, remove_list_item};
use crate::rules::coroutine_facts::{coroutine_call, local_function_kind, resolved_name};
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

/// `asyncio.create_task` exists from Python 3.7 on.
const CREATE_TASK_SINCE: PythonVersion = PythonVersion { minor: 7 };

/// Callee names (the last part) that say the call returns a future or a task, not a coroutine.
const FUTURE_WORDS: &[&str] = &["future", "task", "fut"];

/// Callee names that return a future or a task on any receiver (`self.loop.create_future()` with
/// an untyped loop, `gather` imported from elsewhere).
const FUTURE_RETURNING: &[&str] = &[
    "gather",
    "shield",
    "run_in_executor",
    "run_coroutine_threadsafe",
    "wrap_future",
    "as_completed",
    "spawn",
    "submit",
    "Future",
    "Task",
];

/// Frameworks whose asynchronous APIs return futures rather than coroutines.
const NON_COROUTINE_FRAMEWORKS: &[&str] = &["tornado"];

#[derive(Default)]
pub struct EnsureFutureOnCoroutine;

/// How sure the rule is that the argument is a coroutine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Certainty {
    /// The callee is a known coroutine function.
    Known,
    /// The callee is unknown: probably a coroutine function.
    Likely,
}

impl Rule for EnsureFutureOnCoroutine {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let member = match call.func.as_ref() {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return,
        };
        // Module-level and class-body code has no running loop: there `ensure_future` is the
        // script pattern (`ensure_future(main()); loop.run_forever()`), which `create_task`
        // cannot express.
        if member != "ensure_future"
            || !ctx.in_function()
            || ctx.target_version() < CREATE_TASK_SINCE
        {
            return;
        }
        let is_ensure_future = ctx
            .qualified_name(&call.func)
            .is_some_and(|q| names::canonical_asyncio_name(&q) == "asyncio.ensure_future");
        if !is_ensure_future {
            return;
        }
        // Deliberate compatibility code for Pythons without `create_task`.
        if ctx
            .runs_only_below(call.range())
            .is_some_and(|version| version <= CREATE_TASK_SINCE)
        {
            return;
        }
        let arguments = &call.arguments;
        let [argument] = &*arguments.args else {
            return;
        };
        let Expr::Call(inner) = argument else {
            return;
        };
        let loop_keyword = match &*arguments.keywords {
            [] => None,
            [keyword]
                if keyword
                    .arg
                    .as_ref()
                    .is_some_and(|arg| arg.as_str() == "loop") =>
            {
                Some(keyword)
            }
            _ => return,
        };
        let Some(certainty) = certainty(inner, ctx) else {
            return;
        };
        let callee = callee_text(inner, ctx);
        let message = match certainty {
            Certainty::Known => {
                format!("`asyncio.ensure_future` called with the coroutine `{callee}()`")
            }
            Certainty::Likely => format!(
                "`asyncio.ensure_future` called with `{callee}()`, which looks like a coroutine"
            ),
        };
        let diagnostic = Diagnostic::new("ASY126", call.range(), message);
        out.push(match fix(call, argument, loop_keyword, certainty, ctx) {
            Some((title, fix)) => diagnostic.with_fix(title, fix),
            None => diagnostic.with_help("Use `asyncio.create_task` to run a coroutine as a task"),
        });
    }
}

/// Is the call a coroutine call, and how sure is that? `None` when it is known or likely to
/// return something other than a coroutine.
fn certainty(inner: &ast::ExprCall, ctx: &Context) -> Option<Certainty> {
    if let Some(callee) = coroutine_call(inner, ctx) {
        // `create_task` needs a coroutine; a lazy awaitable (`session.get(url)`) is not one.
        return callee.is_coroutine.then_some(Certainty::Known);
    }
    // A function of this module that is not a coroutine function (a plain `def` may return a
    // future; an async generator is an error either way).
    if local_function_kind(&inner.func, ctx).is_some() {
        return None;
    }
    let last = match inner.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        // `handlers[i]()`, `factory()()`: unknown.
        _ => "",
    };
    let lower = last.to_ascii_lowercase();
    if FUTURE_RETURNING.contains(&last) || FUTURE_WORDS.iter().any(|word| lower.contains(word)) {
        return None;
    }
    // A library API that is not in the coroutine tables may return anything (a future, a
    // tornado `Future`); a relative import is a project function, most likely a coroutine
    // function when passed here.
    if let Some(name) = resolved_name(&inner.func, ctx) {
        if !name.starts_with('.') {
            return None;
        }
    }
    // Tornado's asynchronous methods (`IOStream.read_until()`, `Queue.join()`, `Lock.acquire()`)
    // return futures: in a tornado module an unknown callee is as likely one of them.
    if NON_COROUTINE_FRAMEWORKS
        .iter()
        .any(|package| ctx.module_scope_imports(package))
    {
        return None;
    }
    Some(Certainty::Likely)
}

/// The callee for the message: its source text when short, else its last name.
fn callee_text<'a>(inner: &'a ast::ExprCall, ctx: &Context<'a>) -> &'a str {
    let text = ctx.text(&*inner.func);
    if text.len() <= 40 && !text.contains(['\n', '\r']) {
        return text;
    }
    match inner.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => "...",
    }
}

/// `asyncio.ensure_future(coro)` → `asyncio.create_task(coro)`;
/// `asyncio.ensure_future(coro, loop=loop)` → `loop.create_task(coro)` (what `ensure_future`
/// does with a coroutine).
///
/// Safe for a known coroutine function in async code. Unsafe for an unknown callee, and in sync
/// code without `loop=`: `create_task` needs a running loop where `ensure_future` falls back to
/// `get_event_loop()`.
fn fix(
    call: &ast::ExprCall,
    argument: &Expr,
    loop_keyword: Option<&ast::Keyword>,
    certainty: Certainty,
    ctx: &Context,
) -> Option<(String, Fix)> {
    let Some(keyword) = loop_keyword else {
        let (reference, import) = ctx.reference_to("asyncio", "create_task");
        let mut edits = vec![Edit::replace(call.func.range(), reference.clone())];
        edits.extend(import);
        let safe = certainty == Certainty::Known && ctx.in_async_function();
        let fix = if safe {
            Fix::safe(edits)
        } else {
            Fix::unsafe_(edits)
        };
        return Some((format!("Replace with `{reference}`"), fix));
    };
    // `loop.create_task(coro)` evaluates the loop first: only for a loop without side effects.
    if !is_name_chain(&keyword.value) {
        return None;
    }
    let loop_text = ctx.text(&keyword.value);
    if loop_text.contains(['\n', '\r']) {
        return None;
    }
    let source = ctx.source();
    let items: Vec<TextRange> = call
        .arguments
        .iter_source_order()
        .map(|item| item.range())
        .collect();
    let index = items.iter().position(|range| *range == keyword.range())?;
    let removal = remove_list_item(source, &items, index)?;
    // The removal must not touch the argument (a comment or `\` between them).
    if removal
        .edit
        .range()
        .intersect(argument.range())
        .is_some_and(|r| !r.is_empty())
    {
        return None;
    }
    let edits = vec![
        Edit::replace(call.func.range(), format!("{loop_text}.create_task")),
        removal.edit,
    ];
    let deletes_comment = removal.deletes_comment || contains_comment(ctx.text(&*call.func));
    let fix = if certainty == Certainty::Known && !deletes_comment {
        Fix::safe(edits)
    } else {
        Fix::unsafe_(edits)
    };
    Some((format!("Replace with `{loop_text}.create_task`"), fix))
}

/// `loop`, `self.loop`, `self._app.loop`: names and attributes of names only.
fn is_name_chain(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_name_chain(&attribute.value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    /// The flagged texts with their fix applicability.
    fn flagged(source: &str) -> Vec<(String, Option<&'static str>)> {
        let settings = Settings::only("ASY126").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| {
                let fix = d.fix.as_ref().map(|fix| fix.applicability.as_str());
                (source[d.range].to_string(), fix)
            })
            .collect()
    }

    fn row(text: &str, fix: Option<&'static str>) -> (String, Option<&'static str>) {
        (text.to_string(), fix)
    }

    #[test]
    fn applicability_by_certainty_and_context() {
        let source = "\
import asyncio


async def work():
    pass


async def known():
    asyncio.ensure_future(work())


async def unknown(handler):
    asyncio.ensure_future(handler())


def sync_known():
    asyncio.ensure_future(work())


def sync_with_loop(loop):
    asyncio.ensure_future(work(), loop=loop)
";
        assert_eq!(
            flagged(source),
            [
                row("asyncio.ensure_future(work())", Some("safe")),
                row("asyncio.ensure_future(handler())", Some("unsafe")),
                row("asyncio.ensure_future(work())", Some("unsafe")),
                row("asyncio.ensure_future(work(), loop=loop)", Some("safe")),
            ]
        );
    }

    #[test]
    fn loop_expressions_with_side_effects_get_no_fix() {
        let source = "\
import asyncio


async def work():
    pass


def start():
    asyncio.ensure_future(work(), loop=asyncio.get_event_loop())
";
        assert_eq!(
            flagged(source),
            [row(
                "asyncio.ensure_future(work(), loop=asyncio.get_event_loop())",
                None
            )]
        );
    }

    #[test]
    fn futures_and_module_level_code_are_left_alone() {
        let source = "\
import asyncio

from .jobs import run_job

asyncio.ensure_future(run_job())


async def f(loop, executor, blocking):
    asyncio.ensure_future(loop.create_future())
    asyncio.ensure_future(self.loop.create_future())
    asyncio.ensure_future(make_task())
    asyncio.ensure_future(executor.submit(blocking))
    asyncio.ensure_future(asyncio.gather(run_job(), run_job()))
    asyncio.ensure_future(run_job())
";
        assert_eq!(
            flagged(source),
            [row("asyncio.ensure_future(run_job())", Some("unsafe"))]
        );
    }
}
