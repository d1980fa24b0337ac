//! ASY041 gather-exceptions-discarded: `await asyncio.gather(..., return_exceptions=True)` whose
//! result is dropped, so every exception it collected is lost.
//!
//! Waiting for tasks to wind down while ignoring their errors is a deliberate idiom, so only a
//! gather that starts work (one of its awaitables is a call written in it) is flagged, and not in
//! cleanup code: a `finally` or `except` block, a function that cancels something before it or
//! whose name says it tears down (`stop`, `close`, `shutdown`, …), or when every call gathered
//! tears down (`conn.close()`, …).

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::unused_locals::{directly_in_function, UnusedLocals};
use crate::rules::{Hooks, Report, Rule};

const HELP: &str = "Check the results for exceptions, or drop `return_exceptions=True` so that \
                    the first error propagates";

/// Parts of function and method names that tear something down or wait for it: gathering only
/// such calls, or gathering in such a function, is cleanup.
const CLEANUP_WORDS: &[&str] = &[
    "aexit",
    "cancel",
    "clean",
    "close",
    "disconnect",
    "dispose",
    "drain",
    "finalize",
    "release",
    "shutdown",
    "stop",
    "teardown",
    "tear_down",
    "terminate",
    "unload",
    "wait",
];

fn is_cleanup_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    CLEANUP_WORDS.iter().any(|word| name.contains(word))
}

#[derive(Default)]
pub struct GatherExceptionsDiscarded {
    locals: UnusedLocals<TextRange>,
    /// For each function the walk is inside: has it called `.cancel()` so far?
    cancels: Vec<(TextRange, bool)>,
}

impl Rule for GatherExceptionsDiscarded {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            expr: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        if let Stmt::FunctionDef(def) = stmt {
            self.cancels.push((def.range(), false));
        }
        self.locals.check_stmt(stmt);
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        if let Stmt::FunctionDef(def) = stmt {
            if self
                .cancels
                .last()
                .is_some_and(|(range, _)| *range == def.range())
            {
                self.cancels.pop();
            }
        }
        for target in self.locals.leave_stmt(stmt, ctx) {
            out.push(diagnostic(target, ctx.text(target)));
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        self.locals.check_expr(expr, ctx);
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if let Expr::Attribute(attribute) = call.func.as_ref() {
            if attribute.attr.as_str() == "cancel" {
                if let Some((_, cancels)) = self.cancels.last_mut() {
                    *cancels = true;
                }
            }
        }
        let Some(keyword) = call.arguments.find_keyword("return_exceptions") else {
            return;
        };
        if !matches!(
            keyword.value,
            Expr::BooleanLiteral(ast::ExprBooleanLiteral { value: true, .. })
        ) {
            return;
        }
        if !matches!(call.func.as_ref(), Expr::Name(_))
            && !matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "gather")
        {
            return;
        }
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        if names::canonical_asyncio_name(&qualified) != "asyncio.gather" {
            return;
        }
        let Some(use_) = result_use(call, ctx) else {
            return;
        };
        if !starts_work(call)
            || self.cancels.last().is_some_and(|(_, cancels)| *cancels)
            || ctx
                .current_function()
                .is_some_and(|def| is_cleanup_name(def.name.as_str()))
            || in_cleanup_block(call, ctx)
        {
            return;
        }
        match use_ {
            ResultUse::Dropped(range) => out.push(diagnostic(range, "")),
            ResultUse::Bound(target) => {
                if target.id.as_str() == "_" {
                    out.push(diagnostic(target.range(), "_"));
                } else if directly_in_function(ctx) && !self.locals.is_declared(&target.id) {
                    self.locals.add(target, target.range());
                }
            }
        }
    }
}

fn diagnostic(range: TextRange, name: &str) -> Diagnostic {
    let message = if name.is_empty() || name == "_" {
        "Result of `asyncio.gather(..., return_exceptions=True)` is discarded; the exceptions it \
         collected are silently lost"
            .to_string()
    } else {
        format!(
            "Result `{name}` of `asyncio.gather(..., return_exceptions=True)` is never used; the \
             exceptions it collected are silently lost"
        )
    };
    Diagnostic::new("ASY041", range, message).with_help(HELP)
}

enum ResultUse<'a> {
    /// `await gather(...)` as a statement: the range of the `await` expression.
    Dropped(TextRange),
    /// `name = await gather(...)`.
    Bound(&'a ast::ExprName),
}

/// What happens to the awaited result of `call`: `await gather(...)` directly, or through
/// `asyncio.wait_for(gather(...), t)` / `asyncio.shield(gather(...))`. `None` when it is used (or
/// not awaited here, which is another rule's business).
fn result_use<'a>(call: &ast::ExprCall, ctx: &Context<'a>) -> Option<ResultUse<'a>> {
    let mut current = call.range();
    let mut awaited: Option<TextRange> = None;
    for parent in ctx.parents().rev() {
        match parent {
            AnyNodeRef::ExprAwait(await_expr) if awaited.is_none() => {
                awaited = Some(await_expr.range());
                current = await_expr.range();
            }
            AnyNodeRef::ExprCall(wrapper) if awaited.is_none() => {
                let first = wrapper.arguments.args.first()?;
                if first.range() != current {
                    return None;
                }
                let wrapper_name = ctx.qualified_name(&wrapper.func)?;
                if !matches!(
                    names::canonical_asyncio_name(&wrapper_name).as_ref(),
                    "asyncio.wait_for" | "asyncio.shield"
                ) {
                    return None;
                }
                current = wrapper.range();
            }
            AnyNodeRef::StmtExpr(_) => return awaited.map(ResultUse::Dropped),
            AnyNodeRef::StmtAssign(assign) => {
                awaited?;
                return match (assign.targets.as_slice(), assign.value.range() == current) {
                    ([Expr::Name(name)], true) => Some(ResultUse::Bound(name)),
                    _ => None,
                };
            }
            AnyNodeRef::StmtAnnAssign(assign) => {
                awaited?;
                let same = assign.value.as_ref().is_some_and(|v| v.range() == current);
                return match (assign.target.as_ref(), same) {
                    (Expr::Name(name), true) => Some(ResultUse::Bound(name)),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

/// Is the call in a `finally` or `except` block of the current function?
fn in_cleanup_block(call: &ast::ExprCall, ctx: &Context) -> bool {
    for parent in ctx.parents().rev() {
        match parent {
            AnyNodeRef::ExceptHandlerExceptHandler(_) => return true,
            AnyNodeRef::StmtTry(try_stmt) => {
                if let (Some(first), Some(last)) =
                    (try_stmt.finalbody.first(), try_stmt.finalbody.last())
                {
                    if TextRange::new(first.start(), last.end()).contains_range(call.range()) {
                        return true;
                    }
                }
            }
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => return false,
            _ => {}
        }
    }
    false
}

/// Does the gather start work: is one of its awaitables a call written in it (directly or as the
/// element of a comprehension), other than a teardown call (`c.close()`, `s.async_stop()`)?
/// Gathering tasks or futures that already exist (`*tasks`) waits for them to wind down.
fn starts_work(call: &ast::ExprCall) -> bool {
    fn is_work(expr: &Expr) -> bool {
        match expr {
            Expr::Starred(starred) => is_work(&starred.value),
            Expr::Generator(ast::ExprGenerator { elt, .. })
            | Expr::ListComp(ast::ExprListComp { elt, .. })
            | Expr::SetComp(ast::ExprSetComp { elt, .. }) => is_work(elt),
            Expr::Call(inner) => match inner.func.as_ref() {
                Expr::Attribute(attribute) => !is_cleanup_name(attribute.attr.as_str()),
                Expr::Name(name) => !is_cleanup_name(name.id.as_str()),
                _ => true,
            },
            _ => false,
        }
    }
    call.arguments.args.iter().any(is_work)
}

#[cfg(test)]
mod tests {
    fn flagged(source: &str) -> Vec<String> {
        crate::linter::flagged_texts(source, "ASY041")
    }

    #[test]
    fn bound_results_are_flagged_only_when_never_used() {
        let source = "\
import asyncio


async def f(a, b):
    used = await asyncio.gather(a(), b(), return_exceptions=True)
    unused = await asyncio.shield(asyncio.gather(a(), return_exceptions=True))
    _ = await asyncio.gather(b(), return_exceptions=True)
    return used
";
        assert_eq!(flagged(source), ["unused", "_"]);
    }

    #[test]
    fn unawaited_or_not_literally_true_is_left_alone() {
        let source = "\
import asyncio


async def f(a, flag):
    asyncio.gather(a(), return_exceptions=True)
    await asyncio.gather(a(), return_exceptions=flag)
    await asyncio.gather(a(), return_exceptions=False)
    await asyncio.wait_for(asyncio.sleep(1), asyncio.gather(a(), return_exceptions=True))
";
        assert!(flagged(source).is_empty());
    }
}
