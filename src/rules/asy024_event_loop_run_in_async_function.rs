//! ASY024 event-loop-run-in-async-function: `asyncio.run()`, `loop.run_until_complete()`,
//! `loop.run_forever()`, `trio.run()`, `anyio.run()` in async code.

use ruff_python_ast::{self as ast, Expr, Operator};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct EventLoopRunInAsyncFunction;

impl Rule for EventLoopRunInAsyncFunction {
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
        let Some(qualified) = ctx
            .qualified_name(&call.func)
            .or_else(|| annotated_loop_method(&call.func, ctx))
        else {
            return;
        };
        let qualified = names::canonical_asyncio_name(&qualified);
        if !names::EVENT_LOOP_RUNNERS.contains(&qualified.as_ref()) {
            return;
        }
        let shown = shown_name(&qualified);
        let help = if qualified.starts_with("asyncio.") || qualified.starts_with("uvloop.") {
            "`await` the coroutine instead, or start a task with `asyncio.create_task()`"
        } else {
            "`await` the async function instead"
        };
        out.push(
            Diagnostic::new(
                "ASY024",
                call.range(),
                format!(
                    "`{shown}()` called in async code raises `RuntimeError`: an event loop is already running"
                ),
            )
            .with_help(help),
        );
    }
}

/// Types whose `run_until_complete`/`run_forever` are an event loop's.
const LOOP_TYPES: &[&str] = &[
    "asyncio.AbstractEventLoop",
    "asyncio.BaseEventLoop",
    "asyncio.SelectorEventLoop",
    "asyncio.ProactorEventLoop",
    "uvloop.Loop",
];

/// `loop.run_forever` where `loop` is a parameter of the current function annotated as an event
/// loop (`loop: asyncio.AbstractEventLoop`, optionally `| None` or `Optional[...]`): the method as
/// `asyncio.AbstractEventLoop.<method>`.
fn annotated_loop_method(func: &Expr, ctx: &Context) -> Option<String> {
    let Expr::Attribute(attribute) = func else {
        return None;
    };
    let method = attribute.attr.as_str();
    if !matches!(method, "run_until_complete" | "run_forever") {
        return None;
    }
    let Expr::Name(name) = attribute.value.as_ref() else {
        return None;
    };
    let function = ctx.current_function()?;
    let parameter = function
        .parameters
        .iter()
        .find(|parameter| parameter.name().as_str() == name.id.as_str())?;
    // In async code the innermost `def` is the current function, whose parameter the name is.
    let annotation = parameter.annotation()?;
    is_loop_annotation(annotation, ctx).then(|| format!("asyncio.AbstractEventLoop.{method}"))
}

fn is_loop_annotation(annotation: &Expr, ctx: &Context) -> bool {
    match annotation {
        Expr::BinOp(union) if union.op == Operator::BitOr => {
            is_loop_annotation(&union.left, ctx) || is_loop_annotation(&union.right, ctx)
        }
        Expr::Subscript(subscript) => {
            ctx.qualified_name(&subscript.value).as_deref() == Some("typing.Optional")
                && is_loop_annotation(&subscript.slice, ctx)
        }
        Expr::StringLiteral(_) => false,
        _ => ctx.qualified_name(annotation).is_some_and(|qualified| {
            LOOP_TYPES.contains(&names::canonical_asyncio_name(&qualified).as_ref())
        }),
    }
}

/// `loop.run_until_complete` for event loop methods, the qualified name otherwise.
fn shown_name(qualified: &str) -> String {
    match qualified.strip_prefix("asyncio.AbstractEventLoop.") {
        Some(method) => format!("loop.{method}"),
        None => match qualified.strip_prefix("asyncio.Runner.") {
            Some(method) => format!("Runner.{method}"),
            None => qualified.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY024").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| source[d.range].to_string())
            .collect()
    }

    #[test]
    fn loops_from_every_known_constructor() {
        let source = "\
import asyncio
import uvloop


async def main(coro):
    asyncio.get_running_loop().run_until_complete(coro)
    asyncio.get_event_loop_policy().new_event_loop().run_forever()
    uvloop.new_event_loop().run_until_complete(coro)
    asyncio.runners.run(coro)
    uvloop.run(coro)
";
        assert_eq!(flagged(source).len(), 5);
    }

    #[test]
    fn message_names_the_call() {
        let source =
            "import asyncio\n\nasync def f(c):\n    asyncio.new_event_loop().run_forever()\n";
        let settings = Settings::only("ASY024").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Check);
        assert_eq!(
            outcome.diagnostics[0].message,
            "`loop.run_forever()` called in async code raises `RuntimeError`: an event loop is already running"
        );
    }

    #[test]
    fn not_in_sync_code_nested_functions_or_classes() {
        let source = "\
import asyncio


async def outer(coro):
    class Job:
        def run(self):
            asyncio.run(coro)

    def helper():
        asyncio.run(coro)

    return Job, helper, [lambda: asyncio.run(coro)]


def sync(coro):
    asyncio.run(coro)
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn parameters_annotated_as_loops() {
        let source = "\
import asyncio
from typing import Optional

import uvloop


async def a(loop: asyncio.AbstractEventLoop, coro):
    loop.run_until_complete(coro)


async def b(loop: asyncio.events.AbstractEventLoop | None, other: Optional[uvloop.Loop]):
    loop.run_forever()
    other.run_forever()


async def c(loop: MyLoop, runner: asyncio.AbstractEventLoop):
    loop.run_forever()
    runner.stop()
";
        assert_eq!(
            flagged(source),
            [
                "loop.run_until_complete(coro)",
                "loop.run_forever()",
                "other.run_forever()"
            ]
        );
    }

    #[test]
    fn comprehensions_in_async_code_count() {
        let source = "import trio\n\nasync def f(fs):\n    return [trio.run(f) for f in fs]\n";
        assert_eq!(flagged(source), ["trio.run(f)"]);
    }
}
