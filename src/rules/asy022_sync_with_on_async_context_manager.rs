//! ASY022 sync-with-on-async-context-manager: `with` (not `async with`) on a context manager
//! that only supports `async with`.

use ruff_python_ast::Stmt;
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct SyncWithOnAsyncContextManager;

impl Rule for SyncWithOnAsyncContextManager {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::With(with) = stmt else { return };
        if with.is_async {
            return;
        }
        let mut async_items = 0;
        for item in &with.items {
            let Some(_manager) = ctx.async_context_manager(&item.context_expr) else {
                continue;
            };
            async_items += 1;
            let text = ctx.text(item.context_expr.range());
            let shown = if text.len() <= 60 && !text.contains(['\n', '\r']) {
                format!("`{text}`")
            } else {
                "This context manager".to_string()
            };
            let message = if ctx.in_async_function() {
                format!("{shown} only supports `async with`; `with` raises at run time")
            } else {
                format!(
                    "{shown} only supports `async with`, which needs an async function; `with` raises at run time"
                )
            };
            out.push(Diagnostic::new(
                "ASY022",
                item.context_expr.range(),
                message,
            ));
        }
        if async_items == 0 {
            return;
        }
        let first = out.len() - async_items;
        let in_async = ctx.in_async_function();
        let fixable = in_async && async_items == with.items.len();
        for (index, diagnostic) in out[first..].iter_mut().enumerate() {
            let taken = std::mem::replace(
                diagnostic,
                Diagnostic::new("ASY022", TextRange::default(), ""),
            );
            *diagnostic = if fixable && index == 0 {
                // One edit turns the whole statement into `async with`.
                taken.with_fix(
                    "Use `async with`",
                    Fix::safe(vec![Edit::insert(stmt.start(), "async ")]),
                )
            } else if fixable {
                taken.with_help("Use `async with`")
            } else if in_async {
                taken.with_help(
                    "Enter it with `async with`, apart from the sync context managers of this `with`",
                )
            } else {
                taken.with_help("Enter it with `async with` in an async function")
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    #[test]
    fn two_async_managers_share_one_fix() {
        let source = "import asyncio\n\n\nasync def f(lock: asyncio.Lock):\n    with asyncio.timeout(1), lock:\n        pass\n";
        let settings = Settings::only("ASY022").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Check);
        assert_eq!(outcome.diagnostics.len(), 2);
        assert_eq!(
            outcome
                .diagnostics
                .iter()
                .filter(|d| d.fix.is_some())
                .count(),
            1
        );
        let fixed = check_source(source, settings.rules, &settings, FixMode::Apply);
        assert!(fixed.diagnostics.is_empty());
        assert!(fixed
            .source
            .contains("    async with asyncio.timeout(1), lock:\n"));
    }
}
