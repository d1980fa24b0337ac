//! ASY024 event-loop-run-in-async-function: `asyncio.run()`, `loop.run_until_complete()`,
//! `loop.run_forever()`, `trio.run()`, `anyio.run()` in async code.

use ruff_python_ast as ast;
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
        // Loops typed by their annotation count too (`loop: asyncio.AbstractEventLoop`).
        let Some(qualified) = ctx.qualified_name(&call.func) else {
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
        crate::linter::flagged_texts(source, "ASY024")
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
