//! ASY145 signal-handler-in-async-code: `signal.signal(...)` called in async code, or given an
//! `async def` handler.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::rules::coroutine_facts::{function_kind, local_function, FunctionKind};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct SignalHandlerInAsyncCode;

impl Rule for SignalHandlerInAsyncCode {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)) {
            return;
        }
        if ctx.qualified_name(&call.func).as_deref() != Some("signal.signal") {
            return;
        }
        let handler = call.arguments.find_argument_value("handler", 1);
        let Some(handler) = handler else {
            return;
        };
        // Restoring the default or ignoring a signal installs no Python handler.
        if let Some(name) = ctx.qualified_name(handler) {
            if matches!(
                name.as_str(),
                "signal.SIG_DFL" | "signal.SIG_IGN" | "builtins.None"
            ) {
                return;
            }
        }
        if restores_a_handler(handler, ctx) {
            return;
        }
        let advice = advice(ctx.library());
        if let Some((def, _)) = local_function(handler, ctx) {
            if function_kind(def, ctx) == FunctionKind::Coroutine {
                out.push(
                    Diagnostic::new(
                        "ASY145",
                        handler.range(),
                        format!(
                            "Signal handler `{}` is an `async def`: the signal only creates a coroutine that never runs",
                            def.name
                        ),
                    )
                    .with_help(advice),
                );
                return;
            }
        }
        if ctx.in_async_function() {
            out.push(
                Diagnostic::new(
                    "ASY145",
                    call.range(),
                    "`signal.signal` in async code: the handler interrupts the event loop at any bytecode",
                )
                .with_help(advice),
            );
        }
    }
}

/// Is `handler` a name bound to the handler that was installed before (`old =
/// signal.getsignal(sig)` or `old = signal.signal(sig, new)`)? Putting it back is not installing
/// a handler of this code.
fn restores_a_handler(handler: &Expr, ctx: &Context) -> bool {
    let Expr::Name(name) = handler else {
        return false;
    };
    let Some(Binding::Local {
        value: Some(Expr::Call(call)),
    }) = ctx.lookup(name.id.as_str())
    else {
        return false;
    };
    matches!(
        ctx.qualified_name(&call.func).as_deref(),
        Some("signal.getsignal" | "signal.signal")
    )
}

fn advice(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "Use `loop.add_signal_handler` on the running loop",
        Library::Trio => "Use `trio.open_signal_receiver`",
        Library::AnyIO => "Use `anyio.open_signal_receiver`",
    }
}
