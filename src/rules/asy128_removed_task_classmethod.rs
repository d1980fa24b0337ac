//! ASY128 removed-task-classmethod: `asyncio.Task.all_tasks()` and `asyncio.Task.current_task()`,
//! deprecated in 3.7 and removed in 3.9 in favour of `asyncio.all_tasks()` and
//! `asyncio.current_task()`.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

/// The module-level replacements exist from Python 3.7 on.
const REPLACEMENT_SINCE: PythonVersion = PythonVersion { minor: 7 };

#[derive(Default)]
pub struct RemovedTaskClassmethod;

impl Rule for RemovedTaskClassmethod {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(attribute) = expr else {
            return;
        };
        let method = attribute.attr.as_str();
        if !matches!(method, "all_tasks" | "current_task") || !attribute.ctx.is_load() {
            return;
        }
        let is_task_method = ctx
            .qualified_name(&attribute.value)
            .is_some_and(|q| names::canonical_asyncio_name(&q) == "asyncio.Task");
        if !is_task_method || ctx.target_version() < REPLACEMENT_SINCE {
            return;
        }
        // Deliberate compatibility code for Pythons without the module-level functions.
        if ctx
            .runs_only_below(expr.range())
            .is_some_and(|version| version <= REPLACEMENT_SINCE)
        {
            return;
        }
        let text = ctx.text(expr);
        let (reference, import) = ctx.reference_to("asyncio", method);
        let diagnostic = Diagnostic::new(
            "ASY128",
            expr.range(),
            format!("`{text}` was removed in Python 3.9"),
        );
        let mut edits = vec![Edit::replace(expr.range(), reference.clone())];
        edits.extend(import);
        let fix = if is_safe(attribute, ctx) {
            Fix::safe(edits)
        } else {
            Fix::unsafe_(edits)
        };
        out.push(diagnostic.with_fix(format!("Replace with `{reference}`"), fix));
    }
}

/// The replacement behaves the same when it is called with an explicit loop, or in async code
/// (where both find the running loop). Called without a loop in sync code the module function
/// raises `RuntimeError` when no loop is running, where the classmethod fell back to
/// `get_event_loop()`; not called, the context of the eventual call is unknown. `all_tasks()`
/// also leaves out finished tasks, which the classmethod included: only where the classmethod
/// no longer exists (target 3.9+) does that not matter.
fn is_safe(attribute: &ast::ExprAttribute, ctx: &Context) -> bool {
    let Some(AnyNodeRef::ExprCall(call)) = ctx.parent() else {
        return false;
    };
    if call.func.range() != attribute.range() {
        return false;
    }
    if attribute.attr.as_str() == "all_tasks" && ctx.target_version() < PythonVersion::PY39 {
        return false;
    }
    let has_loop = !call.arguments.args.is_empty()
        || call.arguments.keywords.iter().any(|keyword| {
            keyword
                .arg
                .as_ref()
                .is_some_and(|arg| arg.as_str() == "loop")
        });
    has_loop || ctx.in_async_function()
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn flagged(source: &str, version: PythonVersion) -> Vec<(String, Option<&'static str>)> {
        let mut settings = Settings::only("ASY128").unwrap();
        settings.target_version = version;
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| {
                let fix = d.fix.as_ref().map(|fix| fix.applicability.as_str());
                (source[d.range].to_string(), fix)
            })
            .collect()
    }

    fn row(text: &str, fix: &'static str) -> (String, Option<&'static str>) {
        (text.to_string(), Some(fix))
    }

    #[test]
    fn applicability() {
        let source = "\
import asyncio


async def f(loop):
    asyncio.Task.current_task()
    asyncio.Task.all_tasks()


def g(loop):
    asyncio.Task.current_task()
    asyncio.Task.all_tasks(loop)
    return asyncio.Task.current_task
";
        let expected = |all_tasks_async: &'static str| {
            vec![
                row("asyncio.Task.current_task", "safe"),
                row("asyncio.Task.all_tasks", all_tasks_async),
                row("asyncio.Task.current_task", "unsafe"),
                row("asyncio.Task.all_tasks", all_tasks_async),
                row("asyncio.Task.current_task", "unsafe"),
            ]
        };
        assert_eq!(flagged(source, PythonVersion::PY39), expected("safe"));
        assert_eq!(
            flagged(source, PythonVersion { minor: 8 }),
            expected("unsafe")
        );
    }
}
