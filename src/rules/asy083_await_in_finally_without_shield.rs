//! ASY083 await-in-finally-without-shield: in trio and anyio files, an `await`, `async for` or
//! `async with` in a `finally` block or in an `except` clause that catches cancellation, outside
//! a shielded cancel scope entered inside that block.
//!
//! Trio and anyio cancel by level: once a scope is cancelled, every checkpoint in it raises
//! again, so the cleanup's first `await` is cancelled too. asyncio delivers a cancellation once,
//! so asyncio files are not checked.
//!
//! Exempt, as in flake8-async: `await x.aclose()` without arguments, `aclose_forcefully(x)`,
//! `lowlevel.cancel_shielded_checkpoint()`, and entering a nursery or task group (its body is
//! checked). A scope counts as shielded with a literal `shield=True`, or when the body sets
//! `<name>.shield = True` (or `<name>.cancel_scope.shield = True`) on the scope it opened, before
//! the checkpoint.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::{CancelCatch, CancelScopeCall};
use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct AwaitInFinallyWithoutShield {
    /// `with` statements whose scope the body shielded by assignment.
    shielded: Vec<TextRange>,
    /// Where `yield` and `yield from` occur in async functions (a cancellation can be thrown
    /// in there by `@asynccontextmanager` and fixtures).
    yields: Vec<TextSize>,
    /// `try` statements whose `finally` can run because of a cancellation: their body,
    /// handlers or `else` have a checkpoint or a `yield`.
    cancellable_finally: Vec<TextRange>,
    /// `try` statements whose body has a checkpoint or a `yield`, so that a handler can catch
    /// a cancellation; and those whose body has none.
    cancellable_body: Vec<(TextRange, bool)>,
}

/// Where the unprotected checkpoint is.
enum Cleanup {
    Finally,
    Handler(CancelCatch),
}

impl Rule for AwaitInFinallyWithoutShield {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            stmt: true,
            except_handler: true,
            ..Hooks::default()
        }
    }

    fn check_except_handler(
        &mut self,
        _handler: &ast::ExceptHandlerExceptHandler,
        ctx: &Context,
        _out: &mut Report,
    ) {
        if ctx.library() == Library::Asyncio || !ctx.in_async_function() {
            return;
        }
        let Some(AnyNodeRef::StmtTry(try_)) = ctx.parent() else {
            return;
        };
        if self
            .cancellable_body
            .iter()
            .any(|(range, _)| *range == try_.range())
        {
            return;
        }
        // At the first handler the frame has counted the body's checkpoints only.
        let Some(end) = try_.body.last().map(Ranged::end) else {
            return;
        };
        let cancellable = self.cancellable_until(TextRange::new(try_.start(), end), ctx);
        self.cancellable_body.push((try_.range(), cancellable));
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        if matches!(expr, Expr::Yield(_) | Expr::YieldFrom(_)) {
            if ctx.library() != Library::Asyncio && ctx.in_async_function() {
                self.yields.push(expr.start());
            }
            return;
        }
        let Expr::Await(await_) = expr else { return };
        if ctx.library() == Library::Asyncio || !ctx.in_async_function() {
            return;
        }
        if is_exempt_await(&await_.value, ctx) {
            return;
        }
        self.check_checkpoint("`await`", await_.range(), ctx, out);
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        if ctx.library() == Library::Asyncio || !ctx.in_async_function() {
            return;
        }
        if let Some(AnyNodeRef::StmtTry(try_)) = ctx.parent() {
            if try_.finalbody.first().map(Ranged::range) == Some(stmt.range()) {
                // Everything before the `finally` has been walked: the frame counted it.
                let before = TextRange::new(try_.start(), stmt.start());
                if self.cancellable_until(before, ctx) {
                    self.cancellable_finally.push(try_.range());
                }
            }
        }
        match stmt {
            Stmt::For(for_) if for_.is_async => {
                let range = TextRange::new(for_.start(), for_.iter.end());
                self.check_checkpoint("`async for`", range, ctx, out);
            }
            Stmt::With(with) if with.is_async => {
                let enters_task_group_only = with.items.iter().all(|item| {
                    scope_of(&item.context_expr, ctx).is_some_and(|scope| scope.task_group)
                });
                if enters_task_group_only {
                    return;
                }
                let Some(last) = with.items.last() else {
                    return;
                };
                let range = TextRange::new(with.start(), last.end());
                self.check_checkpoint("`async with`", range, ctx, out);
            }
            Stmt::Assign(assign) => self.record_shield_assignment(assign, ctx),
            _ => {}
        }
    }
}

impl AwaitInFinallyWithoutShield {
    /// Has the current `try` frame seen a checkpoint so far, or is there a `yield` in `region`?
    fn cancellable_until(&self, region: TextRange, ctx: &Context) -> bool {
        ctx.current_frame()
            .is_some_and(|frame| frame.checkpoints() > 0)
            || self.yields.iter().any(|at| region.contains(*at))
    }

    fn check_checkpoint(&self, what: &str, range: TextRange, ctx: &Context, out: &mut Report) {
        let Some(cleanup) = self.unshielded_cleanup(range, ctx) else {
            return;
        };
        let library = ctx.library().module();
        let place = match cleanup {
            Cleanup::Finally => "a `finally` block".to_string(),
            Cleanup::Handler(kind) => format!("{} handler", kind.clause()),
        };
        out.push(
            Diagnostic::new(
                "ASY083",
                range,
                format!(
                    "{what} in {place} without a shielded cancel scope; if the task is being cancelled, it is cancelled too and the cleanup is cut short"
                ),
            )
            .with_help(format!(
                "Run it inside `with {library}.CancelScope(shield=True):`, or bound it with `with {library}.move_on_after(<seconds>, shield=True):`"
            )),
        );
    }

    /// The cleanup block a checkpoint at `range` is in, when no shielded scope entered inside
    /// that block protects it.
    fn unshielded_cleanup(&self, range: TextRange, ctx: &Context) -> Option<Cleanup> {
        let mut protected = false;
        for parent in ctx.parents().rev() {
            match parent {
                AnyNodeRef::StmtFunctionDef(_)
                | AnyNodeRef::StmtClassDef(_)
                | AnyNodeRef::ExprLambda(_) => return None,
                AnyNodeRef::StmtWith(with)
                    if with
                        .body
                        .iter()
                        .any(|stmt| stmt.range().contains_range(range))
                        && self.is_shielded(with, ctx) =>
                {
                    protected = true;
                }
                AnyNodeRef::StmtTry(try_) => {
                    let in_finally = match (try_.finalbody.first(), try_.finalbody.last()) {
                        (Some(first), Some(last)) => {
                            TextRange::new(first.start(), last.end()).contains_range(range)
                        }
                        _ => false,
                    };
                    if in_finally {
                        let cancellable = self.cancellable_finally.contains(&try_.range());
                        return (cancellable && !protected).then_some(Cleanup::Finally);
                    }
                    let handler = try_
                        .handlers
                        .iter()
                        .position(|handler| handler.range().contains_range(range));
                    if let Some(index) = handler {
                        if let Some(caught) = ctx.handler_catches_cancellation(try_, index) {
                            let cancellable = self
                                .cancellable_body
                                .iter()
                                .any(|(range, cancellable)| *range == try_.range() && *cancellable);
                            return (cancellable && !protected)
                                .then_some(Cleanup::Handler(caught.kind));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A known scope opened with `shield=True`, a scope shielded by assignment, or any call
    /// given a literal `shield=True` (a project's own cancel scope class).
    fn is_shielded(&self, with: &ast::StmtWith, ctx: &Context) -> bool {
        self.shielded.contains(&with.range())
            || with.items.iter().any(|item| {
                scope_of(&item.context_expr, ctx).is_some_and(|scope| scope.shielded)
                    || matches!(&item.context_expr, Expr::Call(call) if call
                        .arguments
                        .find_keyword("shield")
                        .is_some_and(|keyword| is_true_literal(&keyword.value)))
            })
    }

    /// `cs.shield = True` / `nursery.cancel_scope.shield = True` inside `with ... as cs:`.
    fn record_shield_assignment(&mut self, assign: &ast::StmtAssign, ctx: &Context) {
        let [Expr::Attribute(target)] = assign.targets.as_slice() else {
            return;
        };
        if target.attr.as_str() != "shield" || !is_true_literal(&assign.value) {
            return;
        }
        let (receiver, via_cancel_scope) = match target.value.as_ref() {
            Expr::Attribute(inner) if inner.attr.as_str() == "cancel_scope" => {
                (inner.value.as_ref(), true)
            }
            other => (other, false),
        };
        let Expr::Name(receiver) = receiver else {
            return;
        };
        for parent in ctx.parents().rev() {
            match parent {
                AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => return,
                AnyNodeRef::StmtWith(with) => {
                    let opens_it = with.items.iter().any(|item| {
                        matches!(item.optional_vars.as_deref(), Some(Expr::Name(name)) if name.id == receiver.id)
                            && scope_of(&item.context_expr, ctx)
                                .is_some_and(|scope| !via_cancel_scope || scope.task_group)
                    });
                    if opens_it {
                        self.shielded.push(with.range());
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The cancel scope an item opens: a call, or a local bound to one (`scope = CancelScope(...)`).
fn scope_of(expr: &Expr, ctx: &Context) -> Option<CancelScopeCall> {
    if let Expr::Name(name) = expr {
        if let Some(Binding::Local {
            value: Some(value @ Expr::Call(_)),
        }) = ctx.lookup(name.id.as_str())
        {
            return ctx.cancel_scope_call(value);
        }
        return None;
    }
    ctx.cancel_scope_call(expr)
}

/// Awaits meant for cleanup: `x.aclose()`, `aclose_forcefully(x)`,
/// `lowlevel.cancel_shielded_checkpoint()`.
fn is_exempt_await(value: &Expr, ctx: &Context) -> bool {
    let Expr::Call(call) = value else {
        return false;
    };
    let last = match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => "",
    };
    if last == "aclose" && call.arguments.is_empty() && call.func.is_attribute_expr() {
        return true;
    }
    // `trio.aclose_forcefully`, also as trio's and anyio's own modules import it.
    if last == "aclose_forcefully" {
        return true;
    }
    // `trio.lowlevel.cancel_shielded_checkpoint()`, also as trio's own modules reach it
    // (`from ... import _core`, then `_core.cancel_shielded_checkpoint()`).
    last == "cancel_shielded_checkpoint"
        && call.arguments.is_empty()
        && ctx.qualified_name(&call.func).is_some_and(|name| {
            name.starts_with("trio.") || name.starts_with("anyio.") || name.starts_with('.')
        })
}

fn is_true_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::BooleanLiteral(literal) if literal.value)
}

#[cfg(test)]
mod tests {
    fn flagged(source: &str) -> Vec<String> {
        crate::linter::flagged_texts(source, "ASY083")
    }

    #[test]
    fn trio_own_modules_reach_the_shielded_checkpoint_relatively() {
        let source = "\
import trio

from ... import _core


async def agen():
    try:
        yield 1
    finally:
        await _core.cancel_shielded_checkpoint()
        await _core.checkpoint()
";
        assert_eq!(flagged(source), ["await _core.checkpoint()"]);
    }

    #[test]
    fn a_shield_outside_the_cleanup_does_not_count() {
        let source = "\
import trio


async def f(conn):
    with trio.CancelScope(shield=True):
        try:
            await conn.send()
        finally:
            await conn.flush()
";
        assert_eq!(flagged(source), ["await conn.flush()"]);
    }

    #[test]
    fn shield_set_by_assignment_before_the_await() {
        let source = "\
import trio


async def f(conn):
    try:
        await conn.send()
    finally:
        with trio.CancelScope() as cs:
            await conn.early()
            cs.shield = True
            await conn.flush()
        async with trio.open_nursery() as nursery:
            nursery.cancel_scope.shield = True
            await conn.late()
";
        assert_eq!(flagged(source), ["await conn.early()"]);
    }

    #[test]
    fn cleanup_after_a_body_that_cannot_be_cancelled_is_not_flagged() {
        let source = "\
import trio


async def f(conn, body_exc):
    try:
        conn.prepare()
    finally:
        await conn.flush()
    try:
        raise body_exc
    except BaseException:
        await conn.flush()
        raise
    try:
        yield conn
    finally:
        await conn.close_later()
    try:
        conn.prepare()
    except OSError:
        await conn.reset()
    finally:
        await conn.flush_after_reset()
";
        assert_eq!(
            flagged(source),
            ["await conn.close_later()", "await conn.flush_after_reset()"]
        );
    }

    #[test]
    fn a_project_scope_with_a_literal_shield() {
        let source = "\
import trio
from .scopes import CancelScope


async def f(conn):
    try:
        await conn.send()
    finally:
        with CancelScope(shield=True):
            await conn.flush()
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn nested_functions_are_not_in_the_cleanup() {
        let source = "\
import anyio


async def f(conn):
    try:
        await conn.send()
    finally:
        async def later():
            await conn.flush()

        conn.on_close(later)
";
        assert!(flagged(source).is_empty());
    }
}
