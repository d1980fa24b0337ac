//! ASY014 blocking-call-via-helper: an async function calls a sync function of the project that
//! blocks — directly or through further sync functions, across modules — with a blocking call
//! as ASY001–ASY009 and ASY011 define them.
//!
//! The chains come from the project index (`src/project/`): every module's sync functions are
//! summarised with their direct blocking calls and their calls of other project functions, and
//! a fixpoint over the whole project finds each blocking function's shortest chain. This rule
//! only asks, at each call in async code, whether the callee is one of them.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, OffloadRole};
use crate::diagnostic::Diagnostic;
use crate::rules::blocking::run_in_thread_advice;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingCallViaHelper;

impl Rule for BlockingCallViaHelper {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !ctx.in_async_function() || ctx.project().is_none() {
            return;
        }
        if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)) {
            return;
        }
        // Awaited (the helper builds an awaitable), or the callable handed to a thread
        // (`to_thread(helper())` is ASY013's finding).
        if ctx.is_consumed_asynchronously(call.range())
            || ctx.offload_role(call.range()) == Some(OffloadRole::Callable)
        {
            return;
        }
        if ctx.project_target(&call.func).is_none() || ctx.in_test_code() {
            return;
        }
        let Some(chain) = ctx.project_blocking_chain(call) else {
            return;
        };
        if ctx.in_type_checking_block(call.range())
            || ctx.settings().is_allowed_blocking_call(&chain.qualified)
        {
            return;
        }
        let text = ctx.text(call.func.range());
        let callee = if text.len() <= 40 && !text.contains(['\n', '\r']) {
            text.to_string()
        } else {
            chain.functions[0].clone()
        };
        let advice = run_in_thread_advice(ctx.library());
        out.push(
            Diagnostic::new(
                "ASY014",
                call.range(),
                format!(
                    "Call to sync function `{callee}` blocks the event loop: `{}` at `{}`; {advice}",
                    chain.display(),
                    chain.location
                ),
            )
            .with_help(format!(
                "Make `{}` async, or {advice}",
                chain.functions[0]
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::{QualifiedNamePattern, Settings};

    const SOURCE: &str = r#"
import time


def pause():
    time.sleep(1)


def retry():
    pause()


async def handler():
    retry()
"#;

    #[test]
    fn the_message_names_the_chain_and_where_it_blocks() {
        let settings = Settings::only("ASY014").unwrap();
        assert_eq!(
            finding_messages(SOURCE, &settings),
            ["Call to sync function `retry` blocks the event loop: `retry -> pause -> time.sleep` at `line 6`; run it in a thread with `await asyncio.to_thread(...)`"]
        );
    }

    #[test]
    fn allowed_blocking_calls_break_the_chain() {
        // A helper on the list.
        let mut settings = Settings::only("ASY014").unwrap();
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("pause").unwrap()];
        assert!(finding_messages(SOURCE, &settings).is_empty());
        // The blocking API on the list.
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("time.*").unwrap()];
        assert!(finding_messages(SOURCE, &settings).is_empty());
        // Another helper: still reported.
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("other").unwrap()];
        assert_eq!(finding_messages(SOURCE, &settings).len(), 1);
    }
}
