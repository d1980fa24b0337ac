//! ASY020 coroutine-never-awaited: a call to a known coroutine function whose result is dropped
//! (an expression statement) or bound to a local name the function never uses again.
//!
//! Which calls return coroutines is asked of `coroutine_facts::coroutine_call`. A dropped result
//! is reported at once; a bound one is a candidate until the end of its function, as in ASY040:
//! the rule records the names the function loads (while it has candidates, or inside a loop) and
//! reports the candidates whose name is never loaded again.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::coroutine_facts::{coroutine_call, CoroutineCallee};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct CoroutineNeverAwaited {
    /// The functions the walk is inside, innermost last.
    functions: Vec<FunctionState>,
    /// Candidates pending in all of `functions`.
    pending: usize,
}

struct FunctionState {
    def: TextRange,
    /// The `for`/`while` statements of this function the walk is inside, outermost first.
    loops: Vec<TextRange>,
    /// Names loaded in this function (and its nested functions) while recording.
    loads: Vec<TextRange>,
    /// Names declared `global` or `nonlocal` here: assigning them stores the coroutine elsewhere.
    declared: Vec<String>,
    candidates: Vec<Candidate>,
}

/// A coroutine bound to a local name, reported unless the name is loaded again.
struct Candidate {
    name: String,
    target: TextRange,
    outer_loop: Option<TextRange>,
    diagnostic: Diagnostic,
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
        match stmt {
            Stmt::FunctionDef(def) => self.functions.push(FunctionState {
                def: def.range(),
                loops: Vec::new(),
                loads: Vec::new(),
                declared: Vec::new(),
                candidates: Vec::new(),
            }),
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    function.loops.push(stmt.range());
                }
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                if let Some(function) = self.functions.last_mut() {
                    function
                        .declared
                        .extend(names.iter().map(|name| name.to_string()));
                }
            }
            _ => {}
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def)
                if self
                    .functions
                    .last()
                    .is_some_and(|function| function.def == def.range()) =>
            {
                let function = self.functions.pop().expect("checked by the guard");
                self.resolve(function, ctx, out);
            }
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    if function.loops.last() == Some(&stmt.range()) {
                        function.loops.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, _ctx: &Context, _out: &mut Report) {
        let Expr::Name(name) = expr else { return };
        let pending = self.pending;
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        if (pending > 0 || !function.loops.is_empty()) && name.ctx.is_load() {
            function.loads.push(name.range());
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        // Cheapest first: only a dropped or bound result can be a lost coroutine.
        if ctx.is_expression_statement() {
            let Some(callee) = coroutine_call(call, ctx) else {
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
        let Some(callee) = coroutine_call(call, ctx) else {
            return;
        };
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        let name = target.id.as_str();
        if function.declared.iter().any(|declared| declared == name) {
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
        function.candidates.push(Candidate {
            name: name.to_string(),
            target: target.range(),
            outer_loop: function.loops.first().copied(),
            diagnostic,
        });
        self.pending += 1;
    }
}

impl CoroutineNeverAwaited {
    /// Reports the function's candidates whose name is never loaded after the assignment (or
    /// anywhere in the loop around it); hands the loads on to the enclosing function, whose own
    /// candidates a closure's loads keep alive.
    fn resolve(&mut self, function: FunctionState, ctx: &Context, out: &mut Report) {
        self.pending -= function.candidates.len();
        for candidate in function.candidates {
            let used = function.loads.iter().any(|load| {
                ctx.text(*load) == candidate.name
                    && (load.start() >= candidate.target.end()
                        || candidate
                            .outer_loop
                            .is_some_and(|outer| outer.contains_range(*load)))
            });
            if !used {
                out.push(candidate.diagnostic);
            }
        }
        if let Some(parent) = self.functions.last_mut() {
            if self.pending > 0 || !parent.loops.is_empty() {
                parent.loads.extend(function.loads);
            }
        }
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

/// The name the call's result is bound to by `name = call` or `name: T = call`.
fn bound_name<'a>(call: &ast::ExprCall, ctx: &Context<'a>) -> Option<&'a ast::ExprName> {
    let (target, value) = match ctx.parent()? {
        AnyNodeRef::StmtAssign(assign) => match assign.targets.as_slice() {
            [target] => (target, assign.value.as_ref()),
            _ => return None,
        },
        AnyNodeRef::StmtAnnAssign(assign) => (assign.target.as_ref(), assign.value.as_deref()?),
        _ => return None,
    };
    if value.range() != call.range() {
        return None;
    }
    match target {
        Expr::Name(name) => Some(name),
        _ => None,
    }
}

/// Is the innermost enclosing `def`/`class` a function (so that an assignment binds a local)?
fn directly_in_function(ctx: &Context) -> bool {
    ctx.frames()
        .iter()
        .rev()
        .find_map(|frame| match frame.node {
            AnyNodeRef::StmtFunctionDef(_) => Some(true),
            AnyNodeRef::StmtClassDef(_) => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY020").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| source[d.range].to_string())
            .collect()
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
