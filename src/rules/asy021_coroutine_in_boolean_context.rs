//! ASY021 coroutine-in-boolean-context: a call to a known coroutine function used as a
//! condition — a coroutine object is always true.

use ruff_python_ast::{self as ast, AnyNodeRef};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct CoroutineInBooleanContext;

impl Rule for CoroutineInBooleanContext {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !is_condition(call.range(), ctx) {
            return;
        }
        let Some(callee) = ctx.coroutine_call(call) else {
            return;
        };
        let text = ctx.text(call.func.range());
        let display = if text.len() <= 60 && !text.contains(['\n', '\r']) {
            text.to_string()
        } else {
            callee.name.clone()
        };
        let noun = if callee.is_coroutine {
            "Coroutine"
        } else {
            "Awaitable"
        };
        let mut diagnostic = Diagnostic::new(
            "ASY021",
            call.range(),
            format!("{noun} `{display}()` used as a condition is always true; it is never awaited"),
        );
        if ctx.in_async_function() && ctx.can_prefix_await(call.range()) {
            diagnostic = diagnostic.with_fix(
                "Add `await`",
                Fix::unsafe_(vec![Edit::insert(call.start(), "await ")]),
            );
        } else if ctx.in_async_function() {
            diagnostic = diagnostic.with_help("Await it");
        } else {
            diagnostic = diagnostic.with_help("Await it in an async function");
        }
        out.push(diagnostic);
    }
}

/// Is the expression at `range` (the current node) tested for truth: the test of `if`, `elif`,
/// `while`, `assert`, a ternary, a comprehension `if` or a `case` guard, the operand of `not`,
/// or an `and`/`or` operand whose truth decides the result (every operand but the last, and the
/// last when the whole `and`/`or` is itself a condition)?
fn is_condition(range: TextRange, ctx: &Context) -> bool {
    let mut range = range;
    let mut parents = ctx.parents().rev();
    loop {
        let Some(parent) = parents.next() else {
            return false;
        };
        match parent {
            AnyNodeRef::StmtIf(stmt) => {
                return stmt.test.range() == range
                    || stmt
                        .elif_else_clauses
                        .iter()
                        .any(|clause| clause.test.as_ref().is_some_and(|t| t.range() == range));
            }
            AnyNodeRef::StmtWhile(stmt) => return stmt.test.range() == range,
            AnyNodeRef::StmtAssert(stmt) => return stmt.test.range() == range,
            AnyNodeRef::ExprIf(expr) => return expr.test.range() == range,
            AnyNodeRef::ExprUnaryOp(expr) => return expr.op == ast::UnaryOp::Not,
            AnyNodeRef::ExprListComp(ast::ExprListComp { generators, .. })
            | AnyNodeRef::ExprSetComp(ast::ExprSetComp { generators, .. })
            | AnyNodeRef::ExprDictComp(ast::ExprDictComp { generators, .. })
            | AnyNodeRef::ExprGenerator(ast::ExprGenerator { generators, .. }) => {
                return generators
                    .iter()
                    .any(|generator| generator.ifs.iter().any(|test| test.range() == range));
            }
            AnyNodeRef::StmtMatch(stmt) => {
                return stmt
                    .cases
                    .iter()
                    .any(|case| case.guard.as_ref().is_some_and(|g| g.range() == range));
            }
            AnyNodeRef::ExprBoolOp(expr) => {
                let is_last = expr.values.last().is_some_and(|v| v.range() == range);
                if !is_last {
                    return true;
                }
                // The last operand is the value of the whole: a condition only if the whole is.
                range = expr.range();
            }
            _ => return false,
        }
    }
}
