//! ASY061 client-session-not-closed: an `aiohttp.ClientSession()`, `httpx.AsyncClient()` or
//! `aiohttp.TCPConnector()` bound to a local that is never entered with `async with`, never
//! closed in a `finally`, and does not escape the function.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::resources::CLIENT_SESSIONS;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct ClientSessionNotClosed;

impl Rule for ClientSessionNotClosed {
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
        let Some((target, stmt)) = ctx.assigned_local(call.range()) else {
            return;
        };
        if ctx.in_test_code() {
            return;
        }
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        if !CLIENT_SESSIONS.contains(&qualified.as_str()) {
            return;
        }
        let name = target.id.as_str();
        let Some(uses) = ctx.local_uses(&[name], stmt.range()) else {
            return;
        };
        if uses.is_managed() {
            return;
        }
        let callee = ctx.text(call.func.range());
        let kind = if qualified.ends_with("Connector") {
            "Connector"
        } else {
            "Session"
        };
        let problem = if uses.released {
            "is closed outside a `finally`; it stays open if an exception is raised first"
        } else {
            "is never closed"
        };
        out.push(
            Diagnostic::new(
                "ASY061",
                call.range(),
                format!("{kind} `{name}` from `{callee}()` {problem}"),
            )
            .with_help(format!(
                "Use `async with {callee}(...) as {name}:`, or close it in a `finally`"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY061").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import aiohttp\n\nasync def f():\n    s = aiohttp.ClientSession()\n    await s.get('u')\n"),
            ["Session `s` from `aiohttp.ClientSession()` is never closed"] as [&str; 1]
        );
        assert_eq!(
            messages("import httpx\n\nasync def f():\n    c = httpx.AsyncClient()\n    await c.get('u')\n    await c.aclose()\n"),
            ["Session `c` from `httpx.AsyncClient()` is closed outside a `finally`; it stays open if an exception is raised first"] as [&str; 1]
        );
        assert_eq!(
            messages("import aiohttp\n\ndef f():\n    c = aiohttp.TCPConnector()\n"),
            ["Connector `c` from `aiohttp.TCPConnector()` is never closed"] as [&str; 1]
        );
    }
}
