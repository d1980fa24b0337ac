//! ASY002 blocking-http-call-in-async-function: a synchronous HTTP request (`requests`,
//! `urllib.request`, `urllib3`, sync `httpx`, `http.client`) in async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_io::{is_blocking_http_call, may_be_http_member};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingHttpCallInAsyncFunction;

impl Rule for BlockingHttpCallInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !ctx.in_async_function() {
            return;
        }
        let Some(name) = blocking_http_call(call, ctx) else {
            return;
        };
        let library = ctx.library();
        out.push(
            Diagnostic::new(
                "ASY002",
                call.range(),
                format!(
                    "Blocking HTTP call `{name}` in async function; use an async client such as {}",
                    async_clients(library)
                ),
            )
            .with_help(format!(
                "Use {}, or {}",
                async_clients(library),
                run_in_thread_advice(library)
            )),
        );
    }
}

/// The qualified name of a blocking HTTP call (`requests.get`, `requests.Session.post`,
/// `httpx.Client.get`, `urllib.request.urlopen`, `http.client.HTTPConnection.getresponse`), as
/// shown to users, when `call` is one and it runs here: not awaited, not in
/// `allowed-blocking-calls`, and not itself the callable argument of a thread API
/// (`to_thread(requests.get(url))` is ASY013's finding). Whether the call is in async code is the
/// caller's business (ASY014 asks it of sync helpers). `call` must be the node being checked.
pub fn blocking_http_call(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        if !may_be_http_member(attribute.attr.as_str()) {
            return None;
        }
    }
    let name = ctx.qualified_name(&call.func)?;
    if !is_blocking_http_call(&name) {
        return None;
    }
    let shown = shown_name(&name);
    if ctx.settings().is_allowed_blocking_call(&name)
        || ctx.settings().is_allowed_blocking_call(&shown)
        || left_alone(call, ctx)
    {
        return None;
    }
    Some(shown)
}

/// Factories named by the type they return: `requests.session().get` is `requests.Session.get`.
const FACTORY_TYPES: &[(&str, &str)] = &[
    ("requests.session.", "requests.Session."),
    ("requests.sessions.session.", "requests.Session."),
    ("requests.sessions.Session.", "requests.Session."),
    (
        "urllib.request.build_opener.",
        "urllib.request.OpenerDirector.",
    ),
    ("urllib3.proxy_from_url.", "urllib3.ProxyManager."),
    ("urllib3.poolmanager.", "urllib3."),
    (
        "urllib3.connection_from_url.",
        "urllib3.HTTPConnectionPool.",
    ),
    (
        "urllib3.connectionpool.connection_from_url.",
        "urllib3.HTTPConnectionPool.",
    ),
    ("urllib3.connectionpool.", "urllib3."),
];

fn shown_name(name: &str) -> String {
    FACTORY_TYPES
        .iter()
        .find_map(|(prefix, ty)| {
            name.strip_prefix(prefix)
                .map(|method| format!("{ty}{method}"))
        })
        .unwrap_or_else(|| name.to_string())
}

/// Async HTTP clients that work with `library`.
fn async_clients(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "`httpx.AsyncClient` or `aiohttp.ClientSession`",
        Library::Trio | Library::AnyIO => "`httpx.AsyncClient`",
    }
}

#[cfg(test)]
mod tests {
    use super::shown_name;
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn factories_are_shown_as_their_type() {
        assert_eq!(shown_name("requests.session.get"), "requests.Session.get");
        assert_eq!(
            shown_name("urllib.request.build_opener.open"),
            "urllib.request.OpenerDirector.open"
        );
        assert_eq!(
            shown_name("urllib3.poolmanager.PoolManager.request"),
            "urllib3.PoolManager.request"
        );
        assert_eq!(shown_name("requests.get"), "requests.get");
    }

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source =
            "import requests\n\nasync def f(s):\n    requests.get(s)\n    requests.post(s)\n";
        let mut settings = Settings::only("ASY002").unwrap();
        let count = |settings: &Settings| {
            check_source(source, settings.rules, settings, FixMode::Check)
                .diagnostics
                .len()
        };
        assert_eq!(count(&settings), 2);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("requests.get").unwrap()];
        assert_eq!(count(&settings), 1);
    }
}
