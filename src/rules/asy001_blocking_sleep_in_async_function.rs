//! ASY001 blocking-sleep-in-async-function: `time.sleep()` in async code.

use ruff_python_ast::{self as ast};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::blocking::blocking_callee;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingSleepInAsyncFunction;

impl Rule for BlockingSleepInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if blocking_callee(call, ctx).as_deref() != Some("time.sleep") {
            return;
        }
        let library = ctx.library().module();
        let mut diagnostic = Diagnostic::new(
            "ASY001",
            call.range(),
            format!(
                "Blocking call `time.sleep` in async function; use `await {library}.sleep(...)`"
            ),
        );
        let title = format!("Replace with `await {library}.sleep(...)`");
        match fix(call, ctx) {
            Some(fix) => diagnostic = diagnostic.with_fix(title, fix),
            None => diagnostic = diagnostic.with_help(title),
        }
        out.push(diagnostic);
    }
}

/// `time.sleep(x)` → `await asyncio.sleep(x)`, or only the callee when already awaited.
/// Unsafe: the task now yields to others, which can change behaviour that relied on blocking.
fn fix(call: &ast::ExprCall, ctx: &Context) -> Option<Fix> {
    let (sleep, import) = ctx.reference_to(ctx.library().module(), "sleep");
    let callee = if ctx.is_awaited() {
        sleep
    } else {
        if !ctx.can_prefix_await(call.range()) {
            return None;
        }
        format!("await {sleep}")
    };
    let mut edits = vec![Edit::replace(
        TextRange::new(call.start(), call.func.end()),
        callee,
    )];
    edits.extend(import);
    Some(Fix::unsafe_(edits))
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    const SOURCE: &str = "import time\n\nasync def f():\n    time.sleep(1)\n";

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let mut settings = Settings::only("ASY001").unwrap();
        assert_eq!(
            check_source(SOURCE, settings.rules, &settings, FixMode::Check)
                .diagnostics
                .len(),
            1
        );
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("time.*").unwrap()];
        let outcome = check_source(SOURCE, settings.rules, &settings, FixMode::Check);
        assert!(outcome.diagnostics.is_empty());
    }
}
