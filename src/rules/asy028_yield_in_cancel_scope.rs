//! ASY028 yield-in-cancel-scope: `yield` inside a task group or cancel scope in a generator that
//! is not a context manager or a pytest fixture.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::cancel_scopes::StructuredKind;
use crate::rules::asy027_unused_async::{name_uses, Receiver};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct YieldInCancelScope;

/// Decorators that turn a generator into a context manager (or a pytest fixture, which pytest
/// drives like one, or trio's `as_safe_channel`, which runs it in its own task), matched on their
/// last name so that aliases and wrappers count.
const CONTEXT_MANAGER_DECORATORS: &[&str] = &[
    "contextmanager",
    "asynccontextmanager",
    "fixture",
    "yield_fixture",
    "as_safe_channel",
];

impl Rule for YieldInCancelScope {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        if !matches!(expr, Expr::Yield(_) | Expr::YieldFrom(_)) {
            return;
        }
        let Some(function) = ctx.current_function() else {
            return;
        };
        let Some(scope) = ctx.enclosing_structured().into_iter().next() else {
            return;
        };
        // A generator handed to other code (`Depends(dependency)`, `as_safe_channel(gen)`) may be
        // driven as a context manager there.
        if is_context_manager(function)
            || name_uses(ctx.source(), function.name.as_str(), Receiver::Any).as_value
        {
            return;
        }
        let keyword = if matches!(expr, Expr::Yield(_)) {
            "yield"
        } else {
            "yield from"
        };
        let api = scope.api;
        let what = match api.kind {
            StructuredKind::Wrapper => {
                format!("`{}`, which runs a task group or cancel scope,", api.name)
            }
            _ => format!("a {} (`{}`)", api.noun(), api.name),
        };
        let generator = if function.is_async {
            "async generator"
        } else {
            "generator"
        };
        out.push(
            Diagnostic::new(
                "ASY028",
                expr.range(),
                format!("`{keyword}` inside {what} leaves it open while the {generator}'s consumer runs"),
            )
            .with_help(
                "Move the `yield` out of the block, or make the function an \
                 `@asynccontextmanager`",
            ),
        );
    }
}

fn is_context_manager(function: &ast::StmtFunctionDef) -> bool {
    function.decorator_list.iter().any(|decorator| {
        let mut expr = &decorator.expression;
        if let Expr::Call(call) = expr {
            expr = &call.func;
        }
        let last = match expr {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            _ => return false,
        };
        CONTEXT_MANAGER_DECORATORS.contains(&last)
    })
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn messages(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY028").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn wrappers_that_run_a_nursery_count() {
        let source = "\
from trio_websocket import open_websocket_url


async def messages(url):
    async with open_websocket_url(url) as ws:
        while True:
            yield await ws.get_message()
";
        assert_eq!(
            messages(source),
            [
                "`yield` inside `trio_websocket.open_websocket_url`, which runs a task group or \
              cancel scope, leaves it open while the async generator's consumer runs"
            ]
        );
    }

    #[test]
    fn safe_channels_and_lambdas_are_left_alone() {
        let source = "\
import trio


@trio.as_safe_channel
async def numbers():
    with trio.move_on_after(1):
        yield 1


async def f():
    with trio.move_on_after(1):
        g = lambda: (yield)
        await trio.sleep(0)
    return g
";
        assert!(messages(source).is_empty());
    }
}
