//! ASY141 httpx-app-argument: `httpx.AsyncClient(app=...)` / `httpx.Client(app=...)`, removed
//! in httpx 0.28; the fix passes the app through a transport.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct HttpxAppArgument;

impl Rule for HttpxAppArgument {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Some(keyword) = call.arguments.find_keyword("app") else {
            return;
        };
        let Some(callee) = ctx.qualified_name(&call.func) else {
            return;
        };
        let (client, transport) = match callee.as_str() {
            "httpx.AsyncClient" | "httpx._client.AsyncClient" => ("AsyncClient", "ASGITransport"),
            "httpx.Client" | "httpx._client.Client" => ("Client", "WSGITransport"),
            _ => return,
        };
        let diagnostic = Diagnostic::new(
            "ASY141",
            keyword.range(),
            format!("`app` argument to `httpx.{client}` was removed in httpx 0.28"),
        );
        let title = format!("Pass `transport=httpx.{transport}(app=...)`");
        if call.arguments.find_keyword("transport").is_some() {
            // The transport already given won over `app`: the argument only has to go.
            out.push(
                diagnostic.with_help("Remove the `app` argument; `transport` is already given"),
            );
            return;
        }
        let (reference, import) = ctx.reference_to("httpx", transport);
        let mut edits = vec![Edit::replace(
            keyword.range(),
            format!("transport={reference}(app={})", ctx.text(&keyword.value)),
        )];
        edits.extend(import);
        // `**options` may hold a `transport`, which `app` used to give way to and which would
        // now be passed twice.
        let may_hold_transport = call
            .arguments
            .keywords
            .iter()
            .any(|keyword| keyword.arg.is_none());
        let fix = if may_hold_transport {
            Fix::unsafe_(edits)
        } else {
            Fix::safe(edits)
        };
        out.push(diagnostic.with_fix(title, fix));
    }
}
