//! ASY060 acquire-without-context-manager: `await x.acquire()` on a lock, semaphore, condition,
//! capacity limiter or connection pool, whose release is not in a `finally`.
//!
//! Two shapes:
//! - a lock (`await lock.acquire()`, or `ok = await lock.acquire()`): reported when the function
//!   releases it itself but never in a `finally` (or a re-raising `except`) of a `try` that ends
//!   after the acquisition. A function that never releases the lock hands it over on purpose
//!   (an `__aenter__`, a `lock_for_caller()` method, a release in a callback) and is left alone;
//! - a pool connection (`conn = await pool.acquire()`): reported unless the connection is entered
//!   with `async with`, released in a `finally` (`await pool.release(conn)`, `await
//!   conn.release()`, `conn.close()`), or escapes the function (returned, stored, passed on).
//!
//! The receiver is a lock or pool by its type (`asyncio.Lock()`, `asyncpg.create_pool()`, …)
//! or, when the file does not show it, by its name (`self._lock`, `sem`, `db_pool`).

use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::resources::{LOCK_TYPES, POOL_TYPES};
use crate::rules::resource_facts::dotted_path;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct AcquireWithoutContextManager;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lock,
    Pool,
}

impl Rule for AcquireWithoutContextManager {
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
        if attribute.attr.as_str() != "acquire" || !ctx.is_awaited() || !ctx.in_async_function() {
            return;
        }
        if ctx.in_test_code() {
            return;
        }
        let receiver = attribute.value.as_ref();
        let Some(path) = dotted_path(receiver) else {
            return;
        };
        // `await self.acquire()` inside the lock class itself.
        if let [only] = path.as_slice() {
            if matches!(ctx.lookup(only), Some(Binding::SelfParameter)) {
                return;
            }
        }
        let Some(kind) = receiver_kind(receiver, &path, ctx) else {
            return;
        };
        let receiver_text = ctx.text(receiver.range());
        let bound = ctx.assigned_local(call.range());
        match (kind, bound) {
            (Kind::Pool, Some((target, stmt))) => {
                let name = target.id.as_str();
                let Some(uses) = ctx.local_uses(&[name], stmt.range()) else {
                    return;
                };
                if uses.is_managed() {
                    return;
                }
                let problem = if uses.released {
                    "is released outside a `finally`; it leaks if an exception is raised first"
                } else {
                    "is never released back to the pool"
                };
                out.push(
                    Diagnostic::new(
                        "ASY060",
                        call.range(),
                        format!("Connection `{name}` from `{receiver_text}.acquire()` {problem}"),
                    )
                    .with_help(format!(
                        "Use `async with {receiver_text}.acquire() as {name}:`"
                    )),
                );
            }
            (Kind::Pool, None) => {}
            (Kind::Lock, bound) => {
                let acquisition = match bound {
                    Some((_, stmt)) => stmt.range(),
                    None if is_expression_statement_await(ctx) => match ctx.current_statement() {
                        Some(stmt) => stmt.range(),
                        None => return,
                    },
                    None => return,
                };
                let Some(uses) = ctx.local_uses(&path, acquisition) else {
                    return;
                };
                // Only a release after the acquisition pairs with it: `lock.release()` then
                // `await lock.acquire()` in a `finally` restores a lock the caller holds.
                let released_after = uses
                    .releases
                    .iter()
                    .any(|release| release.start() >= acquisition.end());
                if !released_after || uses.released_in_finally || uses.escapes {
                    return;
                }
                out.push(
                    Diagnostic::new(
                        "ASY060",
                        call.range(),
                        format!(
                            "`{receiver_text}` is released outside a `finally`; it stays held if an exception is raised first"
                        ),
                    )
                    .with_help(format!("Use `async with {receiver_text}:`")),
                );
            }
        }
    }
}

/// Is the awaited call a whole expression statement (`await lock.acquire()`)?
fn is_expression_statement_await(ctx: &Context) -> bool {
    let mut parents = ctx.parents().rev();
    matches!(parents.next(), Some(AnyNodeRef::ExprAwait(_)))
        && matches!(parents.next(), Some(AnyNodeRef::StmtExpr(_)))
}

/// A lock or a pool, by the receiver's type, or by its name when the type is not known.
fn receiver_kind(receiver: &Expr, path: &[&str], ctx: &Context) -> Option<Kind> {
    if let Some(ty) = ctx.resource_type(receiver) {
        if LOCK_TYPES.contains(&ty.as_str()) {
            return Some(Kind::Lock);
        }
        if POOL_TYPES.contains(&ty.as_str()) {
            return Some(Kind::Pool);
        }
        return None;
    }
    let last = path.last()?.to_ascii_lowercase();
    let segments: Vec<&str> = last.split('_').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| s.contains("pool")) {
        return Some(Kind::Pool);
    }
    let lock_like = segments.iter().any(|s| {
        matches!(
            *s,
            "sem" | "semaphore" | "mutex" | "limiter" | "cond" | "condition" | "lck"
        ) || s.ends_with("lock")
            || s.ends_with("semaphore")
    });
    lock_like.then_some(Kind::Lock)
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY060").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import asyncio\n\nlock = asyncio.Lock()\n\nasync def f():\n    await lock.acquire()\n    await g()\n    lock.release()\n"),
            ["`lock` is released outside a `finally`; it stays held if an exception is raised first"] as [&str; 1]
        );
        assert_eq!(
            messages("async def f(pool):\n    conn = await pool.acquire()\n    await conn.execute('x')\n"),
            ["Connection `conn` from `pool.acquire()` is never released back to the pool"] as [&str; 1]
        );
        assert_eq!(
            messages("async def f(db_pool):\n    conn = await db_pool.acquire()\n    await conn.execute('x')\n    await db_pool.release(conn)\n"),
            ["Connection `conn` from `db_pool.acquire()` is released outside a `finally`; it leaks if an exception is raised first"] as [&str; 1]
        );
        assert_eq!(
            messages("import asyncio\n\nasync def f(pool: asyncio.Lock):\n    conn = await pool.acquire()\n    pool.release()\n"),
            ["`pool` is released outside a `finally`; it stays held if an exception is raised first"] as [&str; 1]
        );
    }
}
