//! ASY130 deprecated-event-loop-policy: the event loop policy system
//! (`asyncio.set_event_loop_policy`, `get_event_loop_policy` and the `*EventLoopPolicy`
//! classes), deprecated in Python 3.14 and to be removed in 3.16.
//!
//! Reported from target 3.12 on, where `asyncio.run(main(), loop_factory=...)` replaces
//! installing a policy; code in a branch for Pythons before 3.14, and code in a
//! `warnings.catch_warnings()` / `pytest.warns()` / `pytest.deprecated_call()` block (which
//! knows it warns), is left alone.

use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;
use crate::settings::PythonVersion;

/// From this target on the replacement (`asyncio.run(..., loop_factory=...)`) exists.
const REPORTED_FROM: PythonVersion = PythonVersion { minor: 12 };
/// The version that deprecates the policy system.
const DEPRECATED_IN: PythonVersion = PythonVersion { minor: 14 };

const FUNCTIONS: &[&str] = &["set_event_loop_policy", "get_event_loop_policy"];
const CLASSES: &[&str] = &[
    "AbstractEventLoopPolicy",
    "DefaultEventLoopPolicy",
    "WindowsSelectorEventLoopPolicy",
    "WindowsProactorEventLoopPolicy",
];

#[derive(Default)]
pub struct DeprecatedEventLoopPolicy;

impl Rule for DeprecatedEventLoopPolicy {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let listed = |member: &str| FUNCTIONS.contains(&member) || CLASSES.contains(&member);
        let is_candidate = match expr {
            Expr::Attribute(attribute) => {
                attribute.ctx.is_load() && listed(attribute.attr.as_str())
            }
            // Through `from asyncio import ... [as ...]`: only imported names qualify.
            Expr::Name(name) => {
                name.ctx.is_load()
                    && matches!(
                        ctx.lookup(name.id.as_str()),
                        Some(Binding::Import(q)) if q.rsplit('.').next().is_some_and(listed)
                    )
            }
            _ => false,
        };
        if !is_candidate || ctx.target_version() < REPORTED_FROM {
            return;
        }
        let Some(qualified) = ctx.qualified_name(expr) else {
            return;
        };
        let Some(member) = qualified.rsplit('.').next() else {
            return;
        };
        let is_function = FUNCTIONS.contains(&member);
        if names::canonical_asyncio_name(&qualified) != format!("asyncio.{member}") {
            return;
        }
        if ctx
            .runs_only_below(expr.range())
            .is_some_and(|version| version <= DEPRECATED_IN)
        {
            return;
        }
        // Deliberate use: under `warnings.catch_warnings()` or in a test of the deprecation.
        if ctx.in_warning_context() {
            return;
        }
        if !is_function && is_policy_argument(expr, ctx) {
            // `set_event_loop_policy(WindowsSelectorEventLoopPolicy())` is one finding.
            return;
        }
        let text = ctx.text(expr);
        let message = format!("`{text}` is deprecated since Python 3.14");
        let help = match member {
            "set_event_loop_policy" => {
                "Pass `loop_factory=` to `asyncio.run()` or `asyncio.Runner()` instead of \
                 installing a policy"
            }
            "get_event_loop_policy" => {
                "Use `asyncio.get_running_loop()` in async code, or `asyncio.run()` / \
                 `asyncio.Runner()` to create loops"
            }
            _ => {
                "Pass a loop factory to `asyncio.run(..., loop_factory=...)` or \
                 `asyncio.Runner(loop_factory=...)` instead of a policy"
            }
        };
        out.push(Diagnostic::new("ASY130", expr.range(), message).with_help(help));
    }
}

/// Is `expr` the class of `set_event_loop_policy(<class>())`?
fn is_policy_argument(expr: &Expr, ctx: &Context) -> bool {
    let mut parents = ctx.parents().rev();
    let Some(AnyNodeRef::ExprCall(instantiation)) = parents.next() else {
        return false;
    };
    if instantiation.func.range() != expr.range() {
        return false;
    }
    let Some(AnyNodeRef::ExprCall(call)) = parents.next() else {
        return false;
    };
    call.arguments
        .args
        .first()
        .is_some_and(|argument| argument.range() == instantiation.range())
        && ctx
            .qualified_name(&call.func)
            .is_some_and(|q| names::canonical_asyncio_name(&q) == "asyncio.set_event_loop_policy")
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn flagged(source: &str, version: PythonVersion) -> Vec<String> {
        let mut settings = Settings::only("ASY130").unwrap();
        settings.target_version = version;
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| source[d.range].to_string())
            .collect()
    }

    #[test]
    fn only_from_python_3_12() {
        let source = "import asyncio\n\nasyncio.set_event_loop_policy(None)\n";
        assert!(flagged(source, PythonVersion::PY311).is_empty());
        assert_eq!(
            flagged(source, PythonVersion { minor: 12 }),
            ["asyncio.set_event_loop_policy"]
        );
        assert_eq!(flagged(source, PythonVersion { minor: 14 }).len(), 1);
    }

    #[test]
    fn one_finding_per_installed_policy() {
        let source = "\
import asyncio
import sys

if sys.platform == 'win32':
    asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())
policy = asyncio.events.DefaultEventLoopPolicy()
if sys.version_info < (3, 14):
    asyncio.set_event_loop_policy(None)
";
        assert_eq!(
            flagged(source, PythonVersion { minor: 13 }),
            [
                "asyncio.set_event_loop_policy",
                "asyncio.events.DefaultEventLoopPolicy"
            ]
        );
    }
}
