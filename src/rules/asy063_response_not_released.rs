//! ASY063 response-not-released: `resp = await session.get/post/.../request(...)` on an aiohttp
//! `ClientSession`, where the response is not entered with `async with`, not released in a
//! `finally`, does not escape, and some path leaves the function (or the loop iteration) without
//! reading its body or releasing it.
//!
//! Reading the body (`await resp.read()`, `text()`, `json()`, iterating `resp.content`) releases
//! the connection, so `resp = await session.get(url)` followed by `return await resp.json()` is
//! fine; `if resp.status != 200: return None` before the read is not.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::resources::{
    AIOHTTP_REQUEST_METHODS, AIOHTTP_SESSION_TYPES, RESPONSE_SETTLING_METHODS,
};
use crate::rules::resource_facts::{settled_on_every_path, LocalUses};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct ResponseNotReleased;

impl Rule for ResponseNotReleased {
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
        let method = attribute.attr.as_str();
        if !AIOHTTP_REQUEST_METHODS.contains(&method)
            || !ctx.is_awaited()
            || !ctx.in_async_function()
        {
            return;
        }
        let Some((target, stmt)) = ctx.assigned_local(call.range()) else {
            return;
        };
        if ctx.in_test_code() {
            return;
        }
        let Some(ty) = ctx.resource_type(&attribute.value) else {
            return;
        };
        if !AIOHTTP_SESSION_TYPES.contains(&ty.as_str()) {
            return;
        }
        let Some(function) = ctx.enclosing_function() else {
            return;
        };
        let name = target.id.as_str();
        let Some(uses) = ctx.local_uses(&[name], stmt.range()) else {
            return;
        };
        if uses.is_managed() {
            return;
        }
        let never = !settles(&uses);
        if !never && settled_on_every_path(&function.body, stmt.range(), &[name], &settles) {
            return;
        }
        let session = ctx.text(attribute.value.range());
        let problem = if never {
            "is never read or released"
        } else {
            "is not read or released on every path"
        };
        out.push(
            Diagnostic::new(
                "ASY063",
                call.range(),
                format!("Response `{name}` from `{session}.{method}()` {problem}; its connection is held until it is garbage-collected"),
            )
            .with_help(format!(
                "Use `async with {session}.{method}(...) as {name}:`"
            )),
        );
    }
}

/// Does a use of the response release its connection: reading the body, releasing or closing
/// it, entering it, or handing it on?
fn settles(uses: &LocalUses) -> bool {
    uses.entered
        || uses.escapes
        || uses.reads_attribute("content")
        || uses
            .calls
            .iter()
            .any(|(method, _)| RESPONSE_SETTLING_METHODS.contains(method))
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY063").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import aiohttp\n\nasync def f(s: aiohttp.ClientSession):\n    r = await s.get('u')\n    return r.status\n"),
            ["Response `r` from `s.get()` is never read or released; its connection is held until it is garbage-collected"] as [&str; 1]
        );
        assert_eq!(
            messages("import aiohttp\n\nasync def f(s: aiohttp.ClientSession | None):\n    r = await s.request('GET', 'u')\n    if r.status != 200:\n        return None\n    return await r.text()\n"),
            ["Response `r` from `s.request()` is not read or released on every path; its connection is held until it is garbage-collected"] as [&str; 1]
        );
        assert_eq!(
            messages("import aiohttp\n\nasync def f(s: aiohttp.ClientSession):\n    r = await s.head('u')\n    return r.status\n"),
            [] as [&str; 0]
        );
    }
}
