//! ASY065 aiofiles-open-without-async-with: `f = await aiofiles.open(...)` whose file is not
//! entered with `async with`, not closed in a `finally`, and does not escape the function.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names::resources::AIOFILES_OPEN;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct AiofilesOpenWithoutAsyncWith;

impl Rule for AiofilesOpenWithoutAsyncWith {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)) || !ctx.is_awaited() {
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
        if !AIOFILES_OPEN.contains(&qualified.as_str()) {
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
        let problem = if uses.released {
            "is closed outside a `finally`; it stays open if an exception is raised first"
        } else {
            "is never closed"
        };
        out.push(
            Diagnostic::new(
                "ASY065",
                call.range(),
                format!("File `{name}` from `await {callee}()` {problem}"),
            )
            .with_help(format!("Use `async with {callee}(...) as {name}:`")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages;
    use crate::settings::Settings;

    fn messages(source: &str) -> Vec<String> {
        finding_messages(source, &Settings::only("ASY065").unwrap())
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            messages("import aiofiles\n\nasync def f(p):\n    fh = await aiofiles.open(p)\n    return await fh.read()\n"),
            ["File `fh` from `await aiofiles.open()` is never closed"] as [&str; 1]
        );
        assert_eq!(
            messages("import aiofiles\n\nasync def f(p):\n    fh = await aiofiles.open(p)\n    data = await fh.read()\n    await fh.close()\n    return data\n"),
            ["File `fh` from `await aiofiles.open()` is closed outside a `finally`; it stays open if an exception is raised first"] as [&str; 1]
        );
    }
}
