//! ASY020 coroutine-never-awaited: a call to a known coroutine function whose result is dropped
//! (an expression statement) or bound to a local name the function never uses again.
//!
//! Which calls return coroutines is asked of `Context::coroutine_call`. A dropped result is
//! reported at once; a bound one is a candidate until the end of its function (see
//! `unused_locals`, shared with ASY040 and ASY041), reported when its name is never loaded again.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::CoroutineCallee;
use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::unused_locals::{bound_name, directly_in_function, UnusedLocals};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct CoroutineNeverAwaited {
    /// Coroutines bound to local names, reported unless the name is loaded again.
    locals: UnusedLocals<Diagnostic>,
}

impl Rule for CoroutineNeverAwaited {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            expr: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        self.locals.check_stmt(stmt);
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        out.extend(self.locals.leave_stmt(stmt, ctx));
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        self.locals.check_expr(expr, ctx);
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        // Cheapest first: only a dropped or bound result can be a lost coroutine.
        if ctx.is_expression_statement() {
            let Some(callee) = ctx.coroutine_call(call) else {
                return;
            };
            let display = callee_text(call, &callee, ctx);
            let message = if ctx.in_async_function() {
                format!(
                    "{} `{display}()` is never awaited; {}",
                    noun(&callee),
                    consequence(&callee)
                )
            } else {
                format!(
                    "{} `{display}()` is created in sync code and never awaited; {}",
                    noun(&callee),
                    consequence(&callee)
                )
            };
            out.push(with_fix_or_help(
                Diagnostic::new("ASY020", call.range(), message),
                call,
                ctx,
            ));
            return;
        }
        let Some(target) = bound_name(call, ctx) else {
            return;
        };
        if !directly_in_function(ctx) {
            return;
        }
        let Some(callee) = ctx.coroutine_call(call) else {
            return;
        };
        let name = target.id.as_str();
        if self.locals.is_declared(name) {
            return;
        }
        let display = callee_text(call, &callee, ctx);
        let message = format!(
            "{} `{name}` from `{display}()` is never awaited; {}",
            noun(&callee),
            consequence(&callee)
        );
        let diagnostic = with_fix_or_help(
            Diagnostic::new("ASY020", target.range(), message),
            call,
            ctx,
        );
        self.locals.add(target, diagnostic);
    }
}

fn noun(callee: &CoroutineCallee) -> &'static str {
    if callee.is_coroutine {
        "Coroutine"
    } else {
        "Awaitable"
    }
}

fn consequence(callee: &CoroutineCallee) -> &'static str {
    if callee.is_coroutine {
        "it never runs"
    } else {
        "it does nothing until it is awaited"
    }
}

/// The callee as written, when it is short enough for a message; else its resolved name.
fn callee_text(call: &ast::ExprCall, callee: &CoroutineCallee, ctx: &Context) -> String {
    let text = ctx.text(call.func.range());
    if text.len() <= 60 && !text.contains(['\n', '\r']) {
        text.to_string()
    } else {
        callee.name.clone()
    }
}

/// In async code where `await` can go in front of the call: a safe fix adding it. Elsewhere,
/// help that names how to run a coroutine in the file's library.
fn with_fix_or_help(diagnostic: Diagnostic, call: &ast::ExprCall, ctx: &Context) -> Diagnostic {
    if ctx.in_async_function() {
        if ctx.can_prefix_await(call.range()) {
            return diagnostic.with_fix(
                "Add `await`",
                Fix::safe(vec![Edit::insert(call.start(), "await ")]),
            );
        }
        return diagnostic.with_help("Await it");
    }
    let help = match ctx.library() {
        Library::Asyncio => "Await it in an async function, or run it with `asyncio.run()`",
        Library::Trio => "Await it in an async function, or pass the function to `trio.run()`",
        Library::AnyIO => "Await it in an async function, or pass the function to `anyio.run()`",
    };
    diagnostic.with_help(help)
}

#[cfg(test)]
mod tests {
    fn flagged(source: &str) -> Vec<String> {
        crate::linter::flagged_texts(source, "ASY020")
    }

    #[test]
    fn bound_and_unused_is_flagged_at_the_name() {
        let source = "import asyncio\n\nasync def f():\n    c = asyncio.sleep(1)\n    d = asyncio.sleep(1)\n    await d\n";
        assert_eq!(flagged(source), ["c"]);
    }

    #[test]
    fn a_load_in_the_same_loop_counts() {
        let source = "\
import asyncio


async def f():
    pending = None
    for _ in range(3):
        if pending is not None:
            await pending
        pending = asyncio.sleep(1)
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn closures_and_nonlocal_keep_it() {
        let source = "\
import asyncio


async def f():
    c = asyncio.sleep(1)

    async def inner():
        await c

    return inner


def g():
    c = None

    def set_it():
        nonlocal c
        c = asyncio.sleep(1)

    return set_it
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn module_and_class_level_bindings_are_not_candidates() {
        let source =
            "import asyncio\n\nc = asyncio.sleep(1)\n\nclass A:\n    c = asyncio.sleep(1)\n";
        assert!(flagged(source).is_empty());
    }
}

#[cfg(test)]
mod help_tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn help(source: &str) -> Option<String> {
        let settings = Settings::only("ASY020").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Check);
        assert_eq!(outcome.diagnostics.len(), 1);
        assert!(outcome.diagnostics[0].fix.is_none());
        outcome.diagnostics[0].fix_title.clone()
    }

    #[test]
    fn sync_code_help_names_the_files_library() {
        let trio = "import trio\n\nasync def main():\n    pass\n\nmain()\n";
        assert_eq!(
            help(trio).as_deref(),
            Some("Await it in an async function, or pass the function to `trio.run()`")
        );
        let asyncio = "import asyncio\n\ndef f():\n    asyncio.sleep(1)\n";
        assert_eq!(
            help(asyncio).as_deref(),
            Some("Await it in an async function, or run it with `asyncio.run()`")
        );
    }

    #[test]
    fn a_bound_result_gets_await_in_the_assignment() {
        let source = "import asyncio\n\nasync def f():\n    x = asyncio.sleep(1)\n";
        let settings = Settings::only("ASY020").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Apply);
        assert!(outcome.source.contains("x = await asyncio.sleep(1)"));
    }
}
