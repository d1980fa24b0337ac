//! ASY025 get-event-loop-in-async-function: `asyncio.get_event_loop()` in async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct GetEventLoopInAsyncFunction;

const TITLE: &str = "Replace with `asyncio.get_running_loop()`";

impl Rule for GetEventLoopInAsyncFunction {
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
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        if names::canonical_asyncio_name(&qualified) != "asyncio.get_event_loop" {
            return;
        }
        let diagnostic = Diagnostic::new(
            "ASY025",
            call.range(),
            "`asyncio.get_event_loop()` in async code; use `asyncio.get_running_loop()`",
        );
        out.push(match fix(call, ctx) {
            Some(fix) => diagnostic.with_fix(TITLE, fix),
            None => diagnostic.with_help(TITLE),
        });
    }
}

/// Renames the function in the user's own spelling: `aio.get_event_loop()` →
/// `aio.get_running_loop()`; a bare name from `from asyncio import get_event_loop [as x]` becomes
/// a reference to `asyncio.get_running_loop` in the file's style (adding `import asyncio` when
/// needed). Safe: in a coroutine both return the running loop, and `get_running_loop` exists on
/// every supported Python.
fn fix(call: &ast::ExprCall, ctx: &Context) -> Option<Fix> {
    match call.func.as_ref() {
        Expr::Attribute(attribute) => Some(Fix::safe(vec![Edit::replace(
            attribute.attr.range(),
            "get_running_loop",
        )])),
        Expr::Name(name) => {
            let (reference, import) = ctx.reference_to("asyncio", "get_running_loop");
            // A new `import asyncio` would not be seen through a local named `asyncio`.
            if import.is_some() && ctx.lookup("asyncio").is_some() {
                return None;
            }
            let mut edits = vec![Edit::replace(name.range(), reference)];
            edits.extend(import);
            Some(Fix::safe(edits))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn fixed(source: &str) -> (usize, String) {
        let settings = Settings::only("ASY025").unwrap();
        let found = check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .len();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Apply);
        (found, outcome.source)
    }

    #[test]
    fn submodule_spelling_is_kept() {
        let source =
            "import asyncio\n\nasync def f():\n    return asyncio.events.get_event_loop()\n";
        assert_eq!(
            fixed(source),
            (
                1,
                "import asyncio\n\nasync def f():\n    return asyncio.events.get_running_loop()\n"
                    .to_string()
            )
        );
    }

    #[test]
    fn the_plain_module_name_wins_over_an_alias() {
        // Both imports bind `asyncio`: the choice must not depend on hash order.
        let source = "import asyncio as aio\nimport asyncio\nfrom asyncio import get_event_loop\n\nasync def f():\n    return get_event_loop()\n";
        for _ in 0..20 {
            let (_, output) = fixed(source);
            assert!(
                output.ends_with("return asyncio.get_running_loop()\n"),
                "{output}"
            );
        }
        let aliases = "import asyncio as b\nimport asyncio as a\nfrom asyncio import get_event_loop\n\nasync def f():\n    return get_event_loop()\n";
        for _ in 0..20 {
            let (_, output) = fixed(aliases);
            assert!(
                output.ends_with("return a.get_running_loop()\n"),
                "{output}"
            );
        }
    }

    #[test]
    fn no_fix_when_a_local_hides_the_new_import() {
        let source = "from asyncio import get_event_loop\n\nasync def f(asyncio):\n    return get_event_loop()\n";
        assert_eq!(fixed(source), (1, source.to_string()));
    }

    #[test]
    fn adds_a_module_import_beside_a_function_level_alias() {
        let source = "from asyncio import get_event_loop\n\nasync def f():\n    import asyncio as aio\n    return get_event_loop()\n";
        // `reference_to` reuses module-level imports only; the function-level alias is not
        // visible there, so `import asyncio` is added at the top.
        let (found, output) = fixed(source);
        assert_eq!(found, 1);
        assert!(
            output.contains("return asyncio.get_running_loop()"),
            "{output}"
        );
        assert!(output.starts_with("import asyncio\n"), "{output}");
    }
}
