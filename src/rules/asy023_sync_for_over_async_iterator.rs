//! ASY023 sync-for-over-async-iterator: a plain `for` (or a sync comprehension) over an async
//! generator of the module or another known async iterable.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct SyncForOverAsyncIterator;

impl Rule for SyncForOverAsyncIterator {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::For(for_stmt) = stmt else { return };
        if for_stmt.is_async || !could_be_async_iterable(&for_stmt.iter) {
            return;
        }
        let Some(_) = ctx.async_iterable(&for_stmt.iter) else {
            return;
        };
        let diagnostic = Diagnostic::new(
            "ASY023",
            for_stmt.iter.range(),
            message(&for_stmt.iter, ctx, "a plain `for`"),
        );
        out.push(if ctx.in_async_function() {
            diagnostic.with_fix(
                "Use `async for`",
                Fix::safe(vec![Edit::insert(stmt.start(), "async ")]),
            )
        } else {
            diagnostic.with_help("Iterate it with `async for` in an async function")
        });
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let generators = match expr {
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => generators,
            _ => return,
        };
        // Only the first iterable: it is evaluated in the enclosing scope, where the context
        // stands; later ones usually depend on the comprehension's own variables.
        if let Some(generator) = generators.first() {
            if generator.is_async || !could_be_async_iterable(&generator.iter) {
                return;
            }
            if ctx.async_iterable(&generator.iter).is_none() {
                return;
            }
            let diagnostic = Diagnostic::new(
                "ASY023",
                generator.iter.range(),
                message(&generator.iter, ctx, "a sync comprehension"),
            );
            // `async for` in a list, set or dict comprehension is fine in an async function; in
            // a generator expression it would make an async generator: no fix there.
            let fixable = ctx.in_async_function()
                && !matches!(expr, Expr::Generator(_))
                && ctx.can_prefix_await(expr.range());
            out.push(if fixable {
                diagnostic.with_fix(
                    "Use `async for`",
                    Fix::safe(vec![Edit::insert(generator.start(), "async ")]),
                )
            } else {
                diagnostic.with_help("Iterate it with `async for` in an async function")
            });
        }
    }
}

/// Only calls, names and attributes can be async iterables we know.
fn could_be_async_iterable(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(_) | Expr::Name(_) | Expr::Attribute(_))
}

fn message(iter: &Expr, ctx: &Context, what: &str) -> String {
    let text = ctx.text(iter.range());
    let shown = if text.len() <= 60 && !text.contains(['\n', '\r']) {
        format!("`{text}`")
    } else {
        "This iterable".to_string()
    };
    format!("{shown} is an async iterable; {what} over it raises `TypeError`")
}
