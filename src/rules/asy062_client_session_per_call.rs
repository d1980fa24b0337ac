//! ASY062 client-session-per-call: a connection-pool owner (`aiohttp.ClientSession()`,
//! `httpx.AsyncClient()`, `asyncpg.create_pool()`, `create_async_engine()`) created in a loop
//! body, or in a web request handler, and used only there — a new pool per iteration or per
//! request.
//!
//! Only clients used and dropped in place are reported: entered with `async with` right where
//! they are created, or bound to a local that does not escape. A client stored on an attribute,
//! in a collection or returned (one per configured host, a lazily created shared client) is
//! fine. `while` loops (reconnect loops that keep one client per connection), retry loops
//! (`for attempt in range(3):`), loops over a literal list of configurations, clients configured from the loop variable
//! (`ClientSession(base_url=host)`), clients without a network pool of their own (httpx over an
//! in-process transport, aiohttp on a shared connector), websocket handlers (one client per
//! long-lived connection) and test code are not reported.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::resources::POOL_OWNERS;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct ClientSessionPerCall;

/// Where the client is created.
enum Place {
    Loop,
    Handler(&'static str),
}

impl Rule for ClientSessionPerCall {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_))
            || !ctx.in_async_function()
        {
            return;
        }
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        if !POOL_OWNERS.contains(&qualified.as_str()) {
            return;
        }
        if ctx.in_test_code() || shares_a_pool(call, ctx) || !used_in_place(call, ctx) {
            return;
        }
        let place = if let Some(for_stmt) = enclosing_for_loop(ctx) {
            if iterates_literal(&for_stmt.iter)
                || is_retry_loop(&for_stmt.iter, ctx)
                || configured_per_item(call, &for_stmt.target)
            {
                return;
            }
            Place::Loop
        } else {
            match ctx.current_route_handler() {
                Some(handler) if !handler.websocket => Place::Handler(handler.framework.name()),
                _ => return,
            }
        };
        let callee = ctx.text(call.func.range());
        let (message, help) = match place {
            Place::Loop => (
                format!("`{callee}()` is created on every loop iteration; each one opens its own connection pool"),
                "Create it once before the loop and reuse it".to_string(),
            ),
            Place::Handler(framework) => (
                format!("`{callee}()` is created on every request to this {framework} handler; each one opens its own connection pool"),
                "Create it once at startup (in the app's lifespan or startup hook) and share it".to_string(),
            ),
        };
        out.push(Diagnostic::new("ASY062", call.range(), message).with_help(help));
    }
}

/// Is the client used and dropped where it is created: entered by `async with` (possibly
/// awaited first, `async with await asyncpg.create_pool()`), or bound to a local that is not
/// stored, returned or passed on?
fn used_in_place(call: &ast::ExprCall, ctx: &Context) -> bool {
    let mut parents = ctx.parents().rev();
    let mut value = call.range();
    let mut parent = parents.next();
    if let Some(AnyNodeRef::ExprAwait(await_expr)) = parent {
        value = await_expr.range();
        parent = parents.next();
    }
    if let Some(AnyNodeRef::StmtWith(with)) = parent {
        return with
            .items
            .iter()
            .any(|item| item.context_expr.range() == value);
    }
    let Some((target, stmt)) = ctx.assigned_local(call.range()) else {
        return false;
    };
    ctx.local_uses(&[target.id.as_str()], stmt.range())
        .is_some_and(|uses| !uses.escapes)
}

/// The `for` loop whose body the call is in, within its function. The loop's iterable runs
/// once and does not count; `while` loops are reconnect loops more often than not and do not
/// count either.
fn enclosing_for_loop<'a>(ctx: &Context<'a>) -> Option<&'a ast::StmtFor> {
    let mut child: Option<TextRange> = None;
    for node in ctx.parents().rev() {
        match node {
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => return None,
            AnyNodeRef::StmtFor(for_stmt)
                if child.is_some_and(|range| for_stmt.body.iter().any(|s| s.range() == range)) =>
            {
                return Some(for_stmt);
            }
            _ => {}
        }
        child = Some(node.range());
    }
    None
}

/// A loop over a literal list, tuple or set of configurations (`for size in (0, 1, 20):`).
fn iterates_literal(iter: &Expr) -> bool {
    matches!(
        iter,
        Expr::Tuple(_) | Expr::List(_) | Expr::Set(_) | Expr::Dict(_)
    )
}

/// `for attempt in range(retries):` — a retry loop, where a fresh client per attempt can be
/// deliberate (recovering from a broken connection pool).
fn is_retry_loop(iter: &Expr, ctx: &Context) -> bool {
    let Expr::Call(call) = iter else {
        return false;
    };
    ctx.qualified_name(&call.func)
        .is_some_and(|name| matches!(name.as_str(), "builtins.range" | "itertools.count"))
}

/// Do the client's arguments use the loop variable (`ClientSession(base_url=host)`)? A client
/// configured for each item cannot be shared between items.
fn configured_per_item(call: &ast::ExprCall, target: &Expr) -> bool {
    let mut names = Vec::new();
    collect_names(target, &mut names);
    let mut mentioned = false;
    for argument in call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
    {
        any_name(argument, &mut |name| mentioned |= names.contains(&name));
    }
    mentioned
}

fn collect_names<'a>(target: &'a Expr, names: &mut Vec<&'a str>) {
    match target {
        Expr::Name(name) => names.push(name.id.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| collect_names(e, names)),
        Expr::List(list) => list.elts.iter().for_each(|e| collect_names(e, names)),
        Expr::Starred(starred) => collect_names(&starred.value, names),
        _ => {}
    }
}

/// Calls `found` with every name loaded in `expr`.
fn any_name<'a>(expr: &'a Expr, found: &mut dyn FnMut(&'a str)) {
    struct Names<'f, 'a> {
        found: &'f mut dyn FnMut(&'a str),
    }
    impl<'a> Visitor<'a> for Names<'_, 'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr {
                (self.found)(name.id.as_str());
            }
            visitor::walk_expr(self, expr);
        }
    }
    Names { found }.visit_expr(expr);
}

/// A client that does not own a network pool of its own: an httpx client over an in-process
/// transport (`transport=httpx.ASGITransport(app)`, `MockTransport`, `WSGITransport`, or the old
/// `app=` argument), or an aiohttp session on a shared connector (`connector_owner=False`).
fn shares_a_pool(call: &ast::ExprCall, ctx: &Context) -> bool {
    if call.arguments.find_keyword("app").is_some() {
        return true;
    }
    if call
        .arguments
        .find_keyword("connector_owner")
        .is_some_and(|keyword| matches!(&keyword.value, Expr::BooleanLiteral(b) if !b.value))
    {
        return true;
    }
    call.arguments
        .find_keyword("transport")
        .is_some_and(|keyword| match &keyword.value {
            Expr::Call(transport) => ctx.qualified_name(&transport.func).is_some_and(|name| {
                matches!(
                    name.as_str(),
                    "httpx.ASGITransport" | "httpx.MockTransport" | "httpx.WSGITransport"
                )
            }),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY062").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import aiohttp\n\nasync def f(urls):\n    for u in urls:\n        async with aiohttp.ClientSession() as s:\n            await s.get(u)\n"),
            ["`aiohttp.ClientSession()` is created on every loop iteration; each one opens its own connection pool"] as [&str; 1]
        );
        assert_eq!(
            messages("import httpx\nfrom litestar import get\n\n@get('/')\nasync def index() -> str:\n    async with httpx.AsyncClient() as c:\n        return (await c.get('u')).text\n"),
            ["`httpx.AsyncClient()` is created on every request to this Litestar handler; each one opens its own connection pool"] as [&str; 1]
        );
        assert_eq!(
            messages("import aiohttp\n\nasync def f(urls):\n    for u in urls:\n        async def inner():\n            async with aiohttp.ClientSession() as s:\n                await s.get(u)\n        await inner()\n"),
            [] as [&str; 0]
        );
    }
}
