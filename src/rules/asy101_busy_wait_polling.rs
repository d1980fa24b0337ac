//! ASY101 busy-wait-polling: a `while` loop in async code that does nothing but sleep until a
//! condition changes.
//!
//! Two shapes:
//! - `while <cond>: await asyncio.sleep(x)` — the condition is polled;
//! - `while True: if <cond>: break; await asyncio.sleep(x)` — the same, written inside out.
//!
//! Besides the sleep, the body may only hold trivial statements: `pass`, `continue`, a docstring,
//! a logging call (`logger.debug(...)`, `print(...)`), a counter update (`waited += 0.1`), an
//! assignment from time arithmetic, and `if <cond>: break | return | raise | continue`. A loop
//! that does anything else each iteration (retries a connection, runs a periodic job, drains a
//! queue) is not polling.
//!
//! The polled condition must be in-process state that an event could signal: it must not
//! `await` (polling a remote resource is the only way to watch it), its calls must be cheap state
//! probes (`done()`, `is_set()`, `empty()`, `qsize()`, `locked()`, `len(...)`, …; not arbitrary
//! functions such as `os.path.exists(p)` or `proc.poll()` that look at the outside world), and it
//! must read some state besides a clock or a counter the loop itself updates (`while
//! time.monotonic() < deadline: await sleep(0.1)` is a slow sleep, not a poll).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::concurrency_facts::{event_for, expr_contains, is_sleep, library_of_name};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

/// Longest condition quoted in a message.
const MAX_QUOTE: usize = 50;

/// Methods that read in-process state cheaply.
const STATE_PROBES: &[&str] = &[
    "done",
    "cancelled",
    "is_set",
    "empty",
    "full",
    "qsize",
    "locked",
    "is_closing",
    "get",
    "statistics",
];

/// Builtins that only look at the values they are given.
const PURE_BUILTINS: &[&str] = &[
    "builtins.len",
    "builtins.bool",
    "builtins.any",
    "builtins.all",
    "builtins.isinstance",
    "builtins.hasattr",
    "builtins.getattr",
    "builtins.callable",
    "builtins.min",
    "builtins.max",
    "builtins.sum",
];

/// Clocks: a condition on them alone is a deadline, not state.
const CLOCKS: &[&str] = &[
    "time.time",
    "time.monotonic",
    "time.perf_counter",
    "time.time_ns",
    "time.monotonic_ns",
    "time.perf_counter_ns",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "trio.current_time",
    "anyio.current_time",
    "asyncio.AbstractEventLoop.time",
];

#[derive(Default)]
pub struct BusyWaitPolling;

impl Rule for BusyWaitPolling {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::While(while_stmt) = stmt else {
            return;
        };
        if !while_stmt.orelse.is_empty() || !ctx.in_async_function() {
            return;
        }
        let Some(body) = classify_body(&while_stmt.body, ctx) else {
            return;
        };
        let polled = if is_true(&while_stmt.test) {
            let Some(exit) = body.exits.iter().find(|test| is_polled(test, &body, ctx)) else {
                return;
            };
            *exit
        } else {
            if !is_polled(&while_stmt.test, &body, ctx) {
                return;
            }
            while_stmt.test.as_ref()
        };
        if set_from_sync_code(polled, ctx) {
            return;
        }
        let library = library_of_name(&body.sleep).unwrap_or(ctx.library());
        let message = match quote(ctx, polled) {
            Some(cond) => format!(
                "Loop polls `{cond}` with `{}()` until it changes",
                body.sleep
            ),
            None => format!(
                "Loop polls a condition with `{}()` until it changes",
                body.sleep
            ),
        };
        let polls_done = library == Library::Asyncio
            && expr_contains(polled, &mut |e| {
                matches!(e, Expr::Call(call)
                    if matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "done"))
            });
        let help = if polls_done {
            "Await the task or future (or use `asyncio.wait`) instead of polling `done()`"
                .to_string()
        } else {
            let event = event_for(library);
            let article = if library == Library::Trio { "a" } else { "an" };
            format!("Wait on {article} `{event}` that the code changing the state sets")
        };
        let range = TextRange::new(while_stmt.start(), while_stmt.test.end());
        out.push(Diagnostic::new("ASY101", range, message).with_help(help));
    }
}

/// What a polling loop body holds.
struct Body<'a> {
    /// The sleep's qualified name (`asyncio.sleep`).
    sleep: String,
    /// Conditions of `if <cond>: break` / `return`.
    exits: Vec<&'a Expr>,
    /// Names the body assigns (counters, timestamps).
    assigned: Vec<&'a str>,
}

/// The body of a polling loop, or `None` when it does anything besides sleeping, exiting and
/// trivial bookkeeping.
fn classify_body<'a>(body: &'a [Stmt], ctx: &Context) -> Option<Body<'a>> {
    let mut sleep = None;
    let mut exits = Vec::new();
    let mut assigned = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Expr(ast::StmtExpr { value, .. }) => match value.as_ref() {
                Expr::Await(await_expr) => {
                    let Expr::Call(call) = await_expr.value.as_ref() else {
                        return None;
                    };
                    let name = ctx.qualified_name(&call.func)?;
                    if sleep.is_some() {
                        return None;
                    }
                    if is_sleep(&name) {
                        sleep = Some(names::canonical_asyncio_name(&name).into_owned());
                    } else if name.starts_with('.') && name.ends_with(".sleep") {
                        // `from .. import sleep` inside the library's own package.
                        sleep = Some(format!("{}.sleep", ctx.library().module()));
                    } else {
                        return None;
                    }
                }
                value if is_trivial_expression(value, ctx) => {}
                _ => return None,
            },
            Stmt::Pass(_) | Stmt::Continue(_) => {}
            Stmt::AugAssign(assign) => {
                if !is_bookkeeping_value(&assign.value, ctx) {
                    return None;
                }
                assigned.push(assigned_name(&assign.target)?);
            }
            Stmt::Assign(assign) => {
                let [target] = assign.targets.as_slice() else {
                    return None;
                };
                if !is_bookkeeping_value(&assign.value, ctx) {
                    return None;
                }
                assigned.push(assigned_name(target)?);
            }
            Stmt::If(if_stmt) => {
                if !if_stmt.elif_else_clauses.is_empty()
                    || !is_acceptable_condition(&if_stmt.test, ctx)
                {
                    return None;
                }
                let mut leaves = false;
                for inner in &if_stmt.body {
                    match inner {
                        Stmt::Break(_) => leaves = true,
                        Stmt::Return(ret) => {
                            if ret
                                .value
                                .as_deref()
                                .is_some_and(|value| !is_simple_value(value))
                            {
                                return None;
                            }
                            leaves = true;
                        }
                        Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Pass(_) => {}
                        Stmt::Expr(ast::StmtExpr { value, .. })
                            if is_trivial_expression(value, ctx) => {}
                        _ => return None,
                    }
                }
                if leaves {
                    exits.push(if_stmt.test.as_ref());
                }
            }
            _ => return None,
        }
    }
    Some(Body {
        sleep: sleep?,
        exits,
        assigned,
    })
}

/// The name (or attribute) a bookkeeping assignment updates: `waited`, `self.attempts`.
fn assigned_name(target: &Expr) -> Option<&str> {
    match target {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        _ => None,
    }
}

/// A docstring-like literal, `...`, or a logging call (`logger.debug(...)`, `print(...)`).
fn is_trivial_expression(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::StringLiteral(_) | Expr::EllipsisLiteral(_) => true,
        Expr::Call(call) => is_logging_call(call, ctx),
        _ => false,
    }
}

fn is_logging_call(call: &ast::ExprCall, ctx: &Context) -> bool {
    if call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
        .any(|arg| expr_contains(arg, &mut |e| matches!(e, Expr::Await(_) | Expr::Call(_))))
    {
        return false;
    }
    match call.func.as_ref() {
        Expr::Attribute(attribute) => {
            matches!(
                attribute.attr.as_str(),
                "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
            ) && (ctx
                .text(&*attribute.value)
                .to_ascii_lowercase()
                .contains("log")
                || ctx
                    .qualified_name(&attribute.value)
                    .is_some_and(|name| name == "logging"))
        }
        Expr::Name(_) => ctx.qualified_name(&call.func).as_deref() == Some("builtins.print"),
        _ => false,
    }
}

/// A value a counter or timestamp takes: literals, names, attributes, arithmetic, clock reads.
fn is_bookkeeping_value(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) => true,
        Expr::Name(_) | Expr::Attribute(_) => true,
        Expr::UnaryOp(unary) => is_bookkeeping_value(&unary.operand, ctx),
        Expr::BinOp(binary) => {
            is_bookkeeping_value(&binary.left, ctx) && is_bookkeeping_value(&binary.right, ctx)
        }
        Expr::Call(call) => call.arguments.is_empty() && is_clock(call, ctx),
        _ => false,
    }
}

/// A value a `return` in a polling loop may give back: a literal or a name.
fn is_simple_value(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::StringLiteral(_)
            | Expr::Name(_)
            | Expr::Attribute(_)
    )
}

fn is_true(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(number) => matches!(
            &number.value,
            ast::Number::Int(value) if value.as_u8() == Some(1)
        ),
        _ => false,
    }
}

fn is_clock(call: &ast::ExprCall, ctx: &Context) -> bool {
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        // `loop.time()` on a loop passed in.
        if attribute.attr.as_str() == "time" && ctx.qualified_name(&call.func).is_none() {
            return true;
        }
    }
    ctx.qualified_name(&call.func)
        .is_some_and(|name| CLOCKS.contains(&names::canonical_asyncio_name(&name).as_ref()))
}

/// A condition that can be polled at all: no `await`, no lambda, and every call a cheap state
/// probe, a pure builtin or a clock.
fn is_acceptable_condition(cond: &Expr, ctx: &Context) -> bool {
    !expr_contains(cond, &mut |e| match e {
        Expr::Await(_) | Expr::Lambda(_) | Expr::Yield(_) | Expr::YieldFrom(_) => true,
        Expr::Call(call) => !is_probe_call(call, ctx),
        _ => false,
    })
}

fn is_probe_call(call: &ast::ExprCall, ctx: &Context) -> bool {
    if is_clock(call, ctx) {
        return true;
    }
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        let method = attribute.attr.as_str();
        // Predicates without arguments (`is_closed()`, `has_pending()`) read an object's own
        // state; one with arguments (`is_locked(key)`) looks something up, maybe on disk; a
        // thread's `is_alive()` has no event to wait on.
        let predicate = (method.starts_with("is_") || method.starts_with("has_"))
            && method != "is_alive"
            && call.arguments.is_empty();
        if STATE_PROBES.contains(&method) || predicate {
            return true;
        }
    }
    let name = ctx
        .qualified_name(&call.func)
        .or_else(|| match call.func.as_ref() {
            Expr::Name(name) if ctx.lookup(name.id.as_str()).is_none() => {
                Some(format!("builtins.{}", name.id))
            }
            _ => None,
        });
    name.is_some_and(|name| PURE_BUILTINS.contains(&name.as_str()))
}

/// Is `cond` a poll of in-process state: acceptable, and reading some state other than clocks
/// and the loop's own counters? In `a and b`, one operand may be a deadline or a counter.
fn is_polled(cond: &Expr, body: &Body, ctx: &Context) -> bool {
    if !is_acceptable_condition(cond, ctx) {
        return false;
    }
    match cond {
        Expr::BoolOp(bool_op) => bool_op
            .values
            .iter()
            .any(|operand| reads_state(operand, body, ctx)),
        _ => reads_state(cond, body, ctx),
    }
}

/// Does a condition read state other than a clock or a counter of the loop? A condition that
/// mentions either (`time.monotonic() < deadline`, `attempts < 10` with `attempts += 1` in the
/// body) ends by itself; it is a slow sleep, not a poll.
fn reads_state(cond: &Expr, body: &Body, ctx: &Context) -> bool {
    let ends_by_itself = expr_contains(cond, &mut |e| match e {
        Expr::Call(call) => is_clock(call, ctx),
        Expr::Name(name) => body.assigned.contains(&name.id.as_str()),
        Expr::Attribute(attribute) => body.assigned.contains(&attribute.attr.as_str()),
        _ => false,
    });
    if ends_by_itself {
        return false;
    }
    expr_contains(cond, &mut |e| match e {
        Expr::Name(name) => !matches!(
            ctx.lookup(name.id.as_str()),
            None | Some(Binding::Import(_))
        ),
        Expr::Attribute(_) | Expr::Subscript(_) => true,
        _ => false,
    })
}

/// Is a name the condition polls assigned from a sync `def` (`nonlocal die` in a signal handler
/// or a thread's callback) of an enclosing function? An event cannot be set safely from there;
/// waking up periodically is how such code notices.
fn set_from_sync_code(cond: &Expr, ctx: &Context) -> bool {
    let mut names = Vec::new();
    expr_contains(cond, &mut |e| {
        if let Expr::Name(name) = e {
            names.push(name.id.as_str());
        }
        false
    });
    if names.is_empty() {
        return false;
    }
    let current = ctx.current_function().map(Ranged::range);
    ctx.frames().iter().any(|frame| match frame.node {
        AnyNodeRef::StmtFunctionDef(def) if Some(def.range()) != current => {
            let mut finder = SyncDeclaration {
                names: &names,
                in_sync_def: false,
                found: false,
            };
            finder.visit_body(&def.body);
            finder.found
        }
        _ => false,
    })
}

/// Finds `nonlocal x` / `global x` for one of `names` in a sync `def`.
struct SyncDeclaration<'n> {
    names: &'n [&'n str],
    in_sync_def: bool,
    found: bool,
}

impl<'a> Visitor<'a> for SyncDeclaration<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.found {
            return;
        }
        match stmt {
            Stmt::FunctionDef(def) => {
                let outer = self.in_sync_def;
                self.in_sync_def = !def.is_async;
                self.visit_body(&def.body);
                self.in_sync_def = outer;
            }
            Stmt::Nonlocal(ast::StmtNonlocal { names, .. })
            | Stmt::Global(ast::StmtGlobal { names, .. }) => {
                self.found |= self.in_sync_def
                    && names.iter().any(|name| self.names.contains(&name.as_str()));
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// The source text of a node when it is short and on one line.
fn quote<'a>(ctx: &Context<'a>, node: impl Ranged) -> Option<&'a str> {
    let text = ctx.text(node);
    (text.len() <= MAX_QUOTE && !text.contains(['\n', '\r'])).then_some(text)
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn check(source: &str) -> Vec<(String, String)> {
        let settings = Settings::only("ASY101").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn help_names_the_library_event() {
        for (module, event) in [
            ("asyncio", "`asyncio.Event`"),
            ("trio", "`trio.Event`"),
            ("anyio", "`anyio.Event`"),
        ] {
            let found = check(&format!(
                "import {module}\nasync def f(w):\n    while not w.ready:\n        await {module}.sleep(1)\n"
            ));
            assert_eq!(found.len(), 1, "{module}");
            assert!(found[0].1.contains(event), "{found:?}");
        }
    }

    #[test]
    fn polling_done_suggests_awaiting() {
        let found =
            check("import asyncio\nasync def f(t):\n    while not t.done():\n        await asyncio.sleep(0)\n");
        assert!(
            found[0].1.starts_with("Await the task or future"),
            "{found:?}"
        );
    }

    #[test]
    fn relative_sleep_in_the_library_package() {
        let found = check(
            "import trio\nfrom .. import sleep\nasync def f(w):\n    while not w.ready:\n        await sleep(1)\n",
        );
        assert_eq!(
            found[0].0,
            "Loop polls `not w.ready` with `trio.sleep()` until it changes"
        );
    }

    #[test]
    fn a_while_else_or_a_second_sleep_is_not_flagged() {
        assert!(check(
            "import asyncio\nasync def f(w):\n    while not w.ready:\n        await asyncio.sleep(1)\n    else:\n        pass\n"
        )
        .is_empty());
        assert!(check(
            "import asyncio\nasync def f(w):\n    while not w.ready:\n        await asyncio.sleep(1)\n        await asyncio.sleep(1)\n"
        )
        .is_empty());
    }
}
