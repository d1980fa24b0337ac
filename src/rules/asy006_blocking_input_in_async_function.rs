//! ASY006 blocking-input-in-async-function: reading the console (`input()`,
//! `sys.stdin.read()`, `getpass.getpass()`) in async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::blocking_io::{may_be_input_member, INPUT_CALLS};
use crate::rules::blocking::{left_alone, run_in_thread_advice, to_thread};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingInputInAsyncFunction;

impl Rule for BlockingInputInAsyncFunction {
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
        let Some(name) = blocking_input_call(call, ctx) else {
            return;
        };
        let advice = run_in_thread_advice(ctx.library());
        out.push(
            Diagnostic::new(
                "ASY006",
                call.range(),
                format!(
                    "Blocking call `{name}` waits for console input in async function; {advice}"
                ),
            )
            .with_help(format!(
                "Run it in a thread with `await {}(...)`",
                to_thread(ctx.library())
            )),
        );
    }
}

/// The name of a console read (`input`, `sys.stdin.readline`, `getpass.getpass`) when `call` is one
/// and it runs here: not awaited, not in `allowed-blocking-calls`, not itself the callable argument
/// of a thread API (`to_thread(input())` is ASY013's finding). Whether the call is in async code is
/// the caller's business (ASY014 asks it of sync helpers). `call` must be the node being checked.
pub fn blocking_input_call(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        if !may_be_input_member(attribute.attr.as_str()) {
            return None;
        }
    }
    let qualified = ctx.qualified_name(&call.func)?;
    if !INPUT_CALLS.contains(&qualified.as_str()) {
        return None;
    }
    if ctx.settings().is_allowed_blocking_call(&qualified) || left_alone(call, ctx) {
        return None;
    }
    Some(match qualified.strip_prefix("builtins.") {
        Some(builtin) => builtin.to_string(),
        None => qualified,
    })
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_use_builtins_input() {
        let source = "async def f():\n    input()\n";
        let mut settings = Settings::only("ASY006").unwrap();
        let count = |settings: &Settings| {
            check_source(source, settings.rules, settings, FixMode::Check)
                .diagnostics
                .len()
        };
        assert_eq!(count(&settings), 1);
        settings.allowed_blocking_calls =
            vec![QualifiedNamePattern::new("builtins.input").unwrap()];
        assert_eq!(count(&settings), 0);
    }
}
