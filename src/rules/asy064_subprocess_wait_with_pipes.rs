//! ASY064 subprocess-wait-with-pipes: `await proc.wait()` where `proc` came from
//! `asyncio.create_subprocess_exec/shell(..., stdout=PIPE or stderr=PIPE)` and the function
//! neither calls `proc.communicate()` nor reads the piped stream before waiting.
//!
//! A piped stream counts as drained when the function mentions it (`await proc.stdout.read()`,
//! `async for line in proc.stdout`, `reader(proc.stderr)` handed to a task) before the `wait()`
//! or in the same statement (`gather(proc.wait(), drain(proc.stdout))`). A process that escapes
//! the function (returned, stored, passed on, captured by a nested reader) is left alone.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::{self, resources};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct SubprocessWaitWithPipes;

impl Rule for SubprocessWaitWithPipes {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if attribute.attr.as_str() != "wait" || !call.arguments.is_empty() {
            return;
        }
        let Expr::Name(process) = attribute.value.as_ref() else {
            return;
        };
        if !ctx.in_async_function() {
            return;
        }
        let name = process.id.as_str();
        let Some(Binding::Local {
            value: Some(Expr::Await(started)),
        }) = ctx.lookup(name)
        else {
            return;
        };
        let Expr::Call(factory) = started.value.as_ref() else {
            return;
        };
        let Some(function) = ctx.enclosing_function() else {
            return;
        };
        if !function.range().contains_range(factory.range()) {
            return;
        }
        let Some(callee) = ctx.qualified_name(&factory.func) else {
            return;
        };
        if !resources::SUBPROCESS_FACTORIES
            .contains(&names::canonical_asyncio_name(&callee).as_ref())
        {
            return;
        }
        let piped: Vec<&str> = ["stdout", "stderr"]
            .into_iter()
            .filter(|stream| {
                factory
                    .arguments
                    .find_keyword(stream)
                    .and_then(|keyword| ctx.qualified_name(&keyword.value))
                    .is_some_and(|value| {
                        resources::PIPE_CONSTANTS
                            .contains(&names::canonical_asyncio_name(&value).as_ref())
                    })
            })
            .collect();
        if piped.is_empty() {
            return;
        }
        let Some(uses) = ctx.local_uses(&[name], factory.range()) else {
            return;
        };
        if uses.escapes || uses.calls_method("communicate") {
            return;
        }
        let statement = ctx.current_statement().map(Ranged::range);
        let undrained: Vec<&str> = piped
            .into_iter()
            .filter(|stream| {
                !uses.attributes.iter().any(|(attr, range)| {
                    attr == stream
                        && (range.start() < call.start()
                            || statement.is_some_and(|s| s.contains_range(*range)))
                })
            })
            .collect();
        let Some(first) = undrained.first() else {
            return;
        };
        let pipes = undrained
            .iter()
            .map(|stream| format!("`{stream}=PIPE`"))
            .collect::<Vec<_>>()
            .join(" and ");
        out.push(
            Diagnostic::new(
                "ASY064",
                call.range(),
                format!(
                    "`{name}.wait()` on a process started with {pipes} whose output is not read; it deadlocks once the pipe buffer fills"
                ),
            )
            .with_help(format!(
                "Use `await {name}.communicate()`, or read `{name}.{first}` before waiting"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY064").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import asyncio\n\nasync def f():\n    p = await asyncio.create_subprocess_exec('x', stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)\n    await p.wait()\n"),
            ["`p.wait()` on a process started with `stdout=PIPE` and `stderr=PIPE` whose output is not read; it deadlocks once the pipe buffer fills"] as [&str; 1]
        );
        assert_eq!(
            messages("import asyncio\n\nasync def f():\n    p = await asyncio.create_subprocess_exec('x', stdout=asyncio.subprocess.PIPE)\n    await p.wait()\n    out = await p.stdout.read()\n"),
            ["`p.wait()` on a process started with `stdout=PIPE` whose output is not read; it deadlocks once the pipe buffer fills"] as [&str; 1]
        );
        assert_eq!(
            messages("import asyncio\n\nasync def f():\n    p = await asyncio.create_subprocess_exec('x', stdout=asyncio.subprocess.PIPE)\n    async def pump():\n        async for line in p.stdout:\n            print(line)\n    t = asyncio.create_task(pump())\n    await p.wait()\n"),
            [] as [&str; 0]
        );
    }
}
