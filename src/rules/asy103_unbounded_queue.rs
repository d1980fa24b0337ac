//! ASY103 unbounded-queue: an `asyncio.Queue()` (or `PriorityQueue`, `LifoQueue`) without a
//! positive `maxsize`, and a trio memory channel or anyio memory object stream with an infinite
//! buffer (`math.inf`, `float("inf")`).
//!
//! Not reported: a `maxsize` that is not a literal (`asyncio.Queue(maxsize=limit)`), `**kwargs`
//! that may hold one, anyio/trio channels with a finite or default (zero) buffer, and test code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct UnboundedQueue;

impl Rule for UnboundedQueue {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        // `create_memory_object_stream[int](...)` is a subscripted callable.
        let func = match call.func.as_ref() {
            Expr::Subscript(subscript) => subscript.value.as_ref(),
            func => func,
        };
        let member = match func {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return,
        };
        if !matches!(
            member,
            "Queue"
                | "PriorityQueue"
                | "LifoQueue"
                | "open_memory_channel"
                | "create_memory_object_stream"
        ) {
            return;
        }
        let Some(qualified) = ctx.qualified_name(func) else {
            return;
        };
        // Tests fill queues with a known number of items.
        if ctx.in_test_code() {
            return;
        }
        let qualified = names::canonical_asyncio_name(&qualified);
        let arguments = &call.arguments;
        if arguments
            .keywords
            .iter()
            .any(|keyword| keyword.arg.is_none())
        {
            return;
        }
        let (message, help) = match qualified.as_ref() {
            "asyncio.Queue" | "asyncio.PriorityQueue" | "asyncio.LifoQueue" => {
                let maxsize = arguments.find_argument_value("maxsize", 0);
                if maxsize.is_some_and(|value| !is_zero_or_negative(value)) {
                    return;
                }
                (
                    format!("`{qualified}()` without a positive `maxsize` is unbounded"),
                    "Pass a `maxsize`, so that `await queue.put(...)` waits while the queue is full"
                        .to_string(),
                )
            }
            "trio.open_memory_channel" | "anyio.create_memory_object_stream" => {
                let size = arguments.find_argument_value("max_buffer_size", 0);
                if !size.is_some_and(|value| is_infinite(value, ctx)) {
                    return;
                }
                (
                    format!("`{qualified}()` with an infinite buffer is unbounded"),
                    "Give the buffer a finite size, so that `send()` waits while it is full"
                        .to_string(),
                )
            }
            _ => return,
        };
        out.push(Diagnostic::new("ASY103", call.range(), message).with_help(help));
    }
}

/// `0` or a negative integer literal: asyncio treats both as "no limit".
fn is_zero_or_negative(expr: &Expr) -> bool {
    match expr {
        Expr::NumberLiteral(number) => {
            matches!(&number.value, ast::Number::Int(value) if value.as_u64() == Some(0))
        }
        Expr::UnaryOp(unary) => {
            unary.op == ast::UnaryOp::USub
                && matches!(unary.operand.as_ref(), Expr::NumberLiteral(_))
        }
        _ => false,
    }
}

/// `math.inf` or `float("inf")`.
fn is_infinite(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::Attribute(_) | Expr::Name(_) => ctx
            .qualified_name(expr)
            .is_some_and(|name| name == "math.inf"),
        Expr::Call(call) => {
            ctx.callee_name(&call.func).as_deref() == Some("builtins.float")
                && matches!(
                    call.arguments.args.first(),
                    Some(Expr::StringLiteral(literal))
                        if matches!(
                            literal.value.to_str().to_ascii_lowercase().trim_start_matches('+'),
                            "inf" | "infinity"
                        )
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn check(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY103").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn canonical_names_and_negative_sizes() {
        assert_eq!(
            check("import asyncio.queues\nq = asyncio.queues.Queue(-1)\n"),
            vec!["`asyncio.Queue()` without a positive `maxsize` is unbounded"]
        );
        assert!(check("import asyncio\nq = asyncio.Queue(1)\n").is_empty());
        assert!(
            check("import trio\ns, r = trio.open_memory_channel(max_buffer_size=5)\n").is_empty()
        );
    }
}
