//! ASY124 run-in-executor-default-to-thread: `await loop.run_in_executor(None, f, *args)`,
//! which `asyncio.to_thread(f, *args)` (Python 3.9+) says more simply.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy121_loop_argument::remove_list_item;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

const TITLE: &str = "Replace with `asyncio.to_thread(...)`";

/// `asyncio.to_thread` is new in Python 3.9.
const TO_THREAD_SINCE: PythonVersion = PythonVersion::PY39;

#[derive(Default)]
pub struct RunInExecutorDefaultToThread;

impl Rule for RunInExecutorDefaultToThread {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(method) = call.func.as_ref() else {
            return;
        };
        if method.attr.as_str() != "run_in_executor"
            || ctx.target_version() < TO_THREAD_SINCE
            || !ctx.in_async_function()
            || !ctx.is_awaited()
        {
            return;
        }
        let arguments = &call.arguments;
        let [Expr::NoneLiteral(_), _, ..] = &*arguments.args else {
            return;
        };
        if !arguments.keywords.is_empty() || !is_event_loop(call, ctx) {
            return;
        }
        // Compatibility code for Pythons without `asyncio.to_thread`.
        if ctx
            .runs_only_below(call.range())
            .is_some_and(|bound| bound <= TO_THREAD_SINCE)
        {
            return;
        }
        let diagnostic = Diagnostic::new(
            "ASY124",
            call.range(),
            "`run_in_executor(None, ...)` can be written as `asyncio.to_thread(...)`",
        );
        out.push(match fix(call, method, ctx) {
            Some(fix) => diagnostic.with_fix(TITLE, fix),
            None => diagnostic.with_help(TITLE),
        });
    }
}

/// The receiver is not Tornado's `IOLoop`, whose `run_in_executor` is not an asyncio loop's: by
/// type (`IOLoop.current()`) or by the Tornado naming (`self.io_loop`). Receivers of unknown type
/// (`self._loop`, `hass.loop`) are taken to be asyncio loops.
fn is_event_loop(call: &ast::ExprCall, ctx: &Context) -> bool {
    let Expr::Attribute(method) = call.func.as_ref() else {
        return false;
    };
    let receiver_name = match method.value.as_ref() {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        _ => "",
    };
    if matches!(receiver_name, "io_loop" | "ioloop" | "_io_loop") {
        return false;
    }
    !ctx.type_of(&method.value)
        .is_some_and(|ty| ty.starts_with("tornado."))
}

/// `loop.run_in_executor(None, f, *args)` → `asyncio.to_thread(f, *args)`. Unsafe: `to_thread`
/// runs in the running loop's default executor with a copy of the current context (context
/// variables reach the function), while `loop` could in principle be another loop.
fn fix(call: &ast::ExprCall, method: &ast::ExprAttribute, ctx: &Context) -> Option<Fix> {
    // Dropping the receiver must not drop work: a name, an attribute chain or a loop getter.
    if !is_plain_receiver(&method.value, ctx) {
        return None;
    }
    let (to_thread, import) = ctx.reference_to("asyncio", "to_thread");
    if import.is_some() && ctx.lookup("asyncio").is_some() {
        // The added `import asyncio` would be shadowed by a local `asyncio`.
        return None;
    }
    let items: Vec<TextRange> = call
        .arguments
        .iter_source_order()
        .map(|argument| argument.range())
        .collect();
    let removal = remove_list_item(ctx.source(), &items, 0)?;
    let mut edits = vec![Edit::replace(call.func.range(), to_thread), removal.edit];
    edits.extend(import);
    Some(Fix::unsafe_(edits))
}

fn is_plain_receiver(receiver: &Expr, ctx: &Context) -> bool {
    match receiver {
        Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_plain_receiver(&attribute.value, ctx),
        Expr::Call(call) => {
            call.arguments.is_empty()
                && ctx.qualified_name(&call.func).is_some_and(|qualified| {
                    matches!(
                        names::canonical_asyncio_name(&qualified).as_ref(),
                        "asyncio.get_running_loop" | "asyncio.get_event_loop"
                    )
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn flagged(source: &str, version: PythonVersion) -> usize {
        let mut settings = Settings::only("ASY124").unwrap();
        settings.target_version = version;
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .len()
    }

    #[test]
    fn needs_python_3_9() {
        let source = "\
import asyncio


async def read(path):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, open, path)
";
        assert_eq!(flagged(source, PythonVersion { minor: 8 }), 0);
        assert_eq!(flagged(source, PythonVersion::PY39), 1);
        assert_eq!(flagged(source, PythonVersion { minor: 13 }), 1);
    }

    #[test]
    fn loops_reached_through_annotated_parameters() {
        let source = "\
from homeassistant.core import HomeAssistant


async def check(hass: HomeAssistant, source):
    await hass.loop.run_in_executor(None, probe, source)
";
        assert_eq!(flagged(source, PythonVersion::PY39), 1);
    }

    #[test]
    fn compatibility_branches_are_left_alone() {
        let source = "\
import asyncio
import sys


async def read(loop, path):
    if sys.version_info >= (3, 9):
        return await asyncio.to_thread(open, path)
    else:
        return await loop.run_in_executor(None, open, path)
";
        assert_eq!(flagged(source, PythonVersion::PY39), 0);
    }
}
