//! ASY102 sequential-awaits-in-loop: a `for` loop in async code whose only `await` is one call
//! per item, with nothing carried from one iteration to the next — the calls could run
//! concurrently.
//!
//! Reported when all of these hold:
//! - a plain `for` (not `async for`, no `else`) over a collection that is not a literal or a
//!   literal `range(...)`;
//! - the loop body has exactly one checkpoint, and it is `await <call>` (`results.append(await
//!   f(x))`, `r = await f(x)`, `await item.save()`);
//! - the call depends on the item: its callee or arguments mention the loop target (or a local
//!   computed from it in the body);
//! - no iteration feeds the next: the call reads no name that the body assigns at or after the
//!   `await`, or updates with `+=` (`cursor = await fetch(cursor)` is pagination);
//! - the loop never stops early (`break`, `return`, `yield`, `raise` in its body): a search that
//!   stops at the first hit must stay sequential;
//! - the call is not a sleep, and not an order-sensitive operation on one shared resource: a method
//!   such as `send`, `write`, `execute`, `commit`, `fetchrow`, `put`, `acquire`, or any method of
//!   a receiver named like a connection, session, cursor, transaction, stream or socket — unless
//!   that receiver is the item itself (`await ws.send(msg)` for `ws` in `sockets`);
//! - the code is not test code.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::rules::concurrency_facts::{
    add_item_locals, body_contains, is_sleep, mentions_any, target_names, Node,
};
use crate::rules::{Hooks, Report, Rule};

/// Longest source text quoted in a message.
const MAX_QUOTE: usize = 40;

/// Methods whose calls on one shared object must stay in order (or cannot overlap at all).
const ORDERED_METHODS: &[&str] = &[
    "send",
    "send_json",
    "send_text",
    "send_bytes",
    "send_str",
    "sendall",
    "send_all",
    "write",
    "writelines",
    "drain",
    "put",
    "execute",
    "executemany",
    "executescript",
    "commit",
    "rollback",
    "flush",
    "refresh",
    "merge",
    "scalar",
    "scalars",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetchone",
    "fetchall",
    "fetchmany",
    "publish",
    "recv",
    "receive",
    "read",
    "readline",
    "readexactly",
    "readuntil",
    "acquire",
    "release",
    "wait",
    "sleep",
    "copy_records_to_table",
    "emit",
    "dispatch",
];

/// Words that name collections run in order by contract: hooks, callbacks, middleware, steps,
/// migrations, commands, background tasks and jobs.
const ORDERED_COLLECTION_WORDS: &[&str] = &[
    "hook",
    "callback",
    "cb",
    "handler",
    "middleware",
    "listener",
    "receiver",
    "plugin",
    "step",
    "migration",
    "stage",
    "trace",
    "signal",
    "action",
    "command",
    "cmd",
    "script",
    "sequence",
    "batch",
    "task",
    "func",
    "function",
    "job",
];

/// Words that name one stateful resource whose operations cannot overlap.
const SINGLE_RESOURCE_WORDS: &[&str] = &[
    "conn",
    "connection",
    "con",
    "cursor",
    "cur",
    "session",
    "db",
    "tx",
    "txn",
    "transaction",
    "writer",
    "reader",
    "stream",
    "ws",
    "websocket",
    "socket",
    "sock",
    "channel",
    "pipe",
    "pipeline",
    "file",
    "fp",
    "proc",
    "process",
    "serial",
    "lock",
    "protocol",
    "proto",
    "transport",
];

#[derive(Default)]
pub struct SequentialAwaitsInLoop;

impl Rule for SequentialAwaitsInLoop {
    fn hooks(&self) -> Hooks {
        Hooks {
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::For(for_stmt) = stmt else {
            return;
        };
        if for_stmt.is_async || !for_stmt.orelse.is_empty() {
            return;
        }
        if ctx.current_frame().map(|frame| frame.checkpoints()) != Some(1) {
            return;
        }
        if !ctx.in_async_function() || is_literal_iterable(&for_stmt.iter, ctx) {
            return;
        }
        let Some((await_expr, call)) = single_await(&for_stmt.body) else {
            return;
        };
        if stops_early(&for_stmt.body) || ctx.in_test_code() {
            return;
        }
        let mut targets = Vec::new();
        target_names(&for_stmt.target, &mut targets);
        let loop_targets = targets.clone();
        add_item_locals(&for_stmt.body, &mut targets);
        if !call_mentions(call, &targets) {
            return;
        }
        let carried = carried_names(&for_stmt.body, await_expr.start(), &loop_targets);
        if call_mentions(call, &carried) {
            return;
        }
        if ctx
            .qualified_name(&call.func)
            .is_some_and(|name| is_sleep(&name))
            || is_ordered_operation(call, &targets)
            || passes_shared_resource(call)
            || is_ordered_collection(&for_stmt.iter, &loop_targets)
        {
            return;
        }
        let callee = quote(ctx, &*call.func)
            .map(str::to_string)
            .or_else(|| match call.func.as_ref() {
                Expr::Attribute(attribute) => Some(format!("….{}", attribute.attr)),
                _ => None,
            })
            .unwrap_or_else(|| "…".to_string());
        let message = match quote(ctx, &*for_stmt.iter) {
            Some(iter) => format!(
                "`await {callee}(...)` runs once per item of `{iter}`, one call after another"
            ),
            None => format!("`await {callee}(...)` runs once per item, one call after another"),
        };
        out.push(
            Diagnostic::new("ASY102", await_expr.range(), message).with_help(help(ctx.library())),
        );
    }
}

fn help(library: Library) -> String {
    match library {
        Library::Asyncio => "If the iterations are independent, run the calls concurrently with \
                             `asyncio.gather` or an `asyncio.TaskGroup` (bounded by an \
                             `asyncio.Semaphore` for large inputs)"
            .to_string(),
        Library::Trio => "If the iterations are independent, run the calls concurrently in a \
                          nursery (`trio.open_nursery`, bounded by a `trio.CapacityLimiter` for \
                          large inputs)"
            .to_string(),
        Library::AnyIO => "If the iterations are independent, run the calls concurrently in a \
                           task group (`anyio.create_task_group`, bounded by an \
                           `anyio.CapacityLimiter` for large inputs)"
            .to_string(),
    }
}

/// A literal collection, or `range(...)` with literal bounds: a handful of steps, often in a
/// deliberate order.
fn is_literal_iterable(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::List(_)
        | Expr::Tuple(_)
        | Expr::Set(_)
        | Expr::Dict(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_) => true,
        Expr::Call(call) => {
            ctx.callee_name(&call.func).as_deref() == Some("builtins.range")
                && call
                    .arguments
                    .args
                    .iter()
                    .all(|arg| matches!(arg, Expr::NumberLiteral(_)))
        }
        _ => false,
    }
}

/// The only `await` of a loop body, when it awaits a call.
fn single_await(body: &[Stmt]) -> Option<(&ast::ExprAwait, &ast::ExprCall)> {
    let mut found = None;
    body_contains(body, |node| {
        if let Node::Expr(Expr::Await(await_expr)) = node {
            found = Some(await_expr);
            return true;
        }
        false
    });
    let await_expr = found?;
    match await_expr.value.as_ref() {
        Expr::Call(call) => Some((await_expr, call)),
        _ => None,
    }
}

/// Does a loop body leave the loop (or the function) early?
fn stops_early(body: &[Stmt]) -> bool {
    body_contains(body, |node| {
        matches!(
            node,
            Node::Stmt(Stmt::Break(_) | Stmt::Return(_) | Stmt::Raise(_))
                | Node::Expr(Expr::Yield(_) | Expr::YieldFrom(_))
        )
    })
}

/// Names that carry a value from one iteration to the next: assigned by a statement that ends at
/// or after the `await` (the next iteration's call sees them), or updated with `+=` and the like.
fn carried_names<'a>(
    body: &'a [Stmt],
    await_start: ruff_text_size::TextSize,
    loop_targets: &[&str],
) -> Vec<&'a str> {
    let mut carried = Vec::new();
    body_contains(body, |node| {
        let Node::Stmt(stmt) = node else {
            return false;
        };
        let targets: Vec<&Expr> = match stmt {
            Stmt::Assign(assign) if assign.end() >= await_start => assign.targets.iter().collect(),
            Stmt::AnnAssign(assign) if assign.end() >= await_start => vec![assign.target.as_ref()],
            Stmt::AugAssign(assign) => vec![assign.target.as_ref()],
            _ => Vec::new(),
        };
        for target in targets {
            let mut names = Vec::new();
            target_names(target, &mut names);
            carried.extend(
                names
                    .into_iter()
                    .filter(|name| !loop_targets.contains(name)),
            );
        }
        false
    });
    carried
}

/// Does a call's callee or one of its arguments mention one of `names`?
fn call_mentions(call: &ast::ExprCall, names: &[&str]) -> bool {
    mentions_any(&call.func, names)
        || call
            .arguments
            .args
            .iter()
            .any(|arg| mentions_any(arg, names))
        || call
            .arguments
            .keywords
            .iter()
            .any(|keyword| mentions_any(&keyword.value, names))
}

/// Does an identifier contain one of `words` (after splitting at `_` and dropping a plural `s`)?
fn has_word(ident: &str, words: &[&str]) -> bool {
    ident
        .to_ascii_lowercase()
        .split('_')
        .filter(|word| !word.is_empty())
        .any(|word| {
            words.contains(&word) || word.strip_suffix('s').is_some_and(|w| words.contains(&w))
        })
}

/// Is a shared connection, session or transaction passed to the call (`count(session, q)`,
/// `cleanup(session=session)`)? Calls sharing one cannot overlap.
fn passes_shared_resource(call: &ast::ExprCall) -> bool {
    let resource = |expr: &Expr| match expr {
        Expr::Name(name) => has_word(name.id.as_str(), SINGLE_RESOURCE_WORDS),
        Expr::Attribute(attribute) => has_word(attribute.attr.as_str(), SINGLE_RESOURCE_WORDS),
        _ => false,
    };
    call.arguments.args.iter().any(resource)
        || call
            .arguments
            .keywords
            .iter()
            .any(|keyword| resource(&keyword.value))
}

/// Does the loop run hooks, callbacks, steps or commands, which run in order by contract?
fn is_ordered_collection(iter: &Expr, targets: &[&str]) -> bool {
    if targets
        .iter()
        .any(|target| has_word(target, ORDERED_COLLECTION_WORDS))
    {
        return true;
    }
    let mut current = iter;
    loop {
        current = match current {
            Expr::Name(name) => return has_word(name.id.as_str(), ORDERED_COLLECTION_WORDS),
            Expr::Attribute(attribute) => {
                return has_word(attribute.attr.as_str(), ORDERED_COLLECTION_WORDS)
            }
            Expr::Subscript(subscript) => &subscript.value,
            Expr::Call(call) => match (call.func.as_ref(), call.arguments.args.first()) {
                (Expr::Attribute(attribute), _)
                    if matches!(attribute.attr.as_str(), "items" | "keys" | "values") =>
                {
                    &attribute.value
                }
                (_, Some(first)) => first,
                _ => return false,
            },
            _ => return false,
        };
    }
}

/// An operation on one shared resource that must stay in order: an ordered method, or any
/// method of a receiver named like a connection or session — unless the receiver is the item.
fn is_ordered_operation(call: &ast::ExprCall, targets: &[&str]) -> bool {
    let attribute = match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute,
        // An ASGI `send(...)`, a `write(...)` callable handed in.
        Expr::Name(name) => {
            return matches!(
                name.id.as_str(),
                "send" | "receive" | "write" | "emit" | "publish" | "drain" | "dispatch"
            )
        }
        _ => return false,
    };
    if mentions_any(&attribute.value, targets) {
        return false;
    }
    if ORDERED_METHODS.contains(&attribute.attr.as_str()) {
        return true;
    }
    let receiver = match attribute.value.as_ref() {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(inner) => inner.attr.as_str(),
        _ => return false,
    };
    has_word(receiver, SINGLE_RESOURCE_WORDS)
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
        let settings = Settings::only("ASY102").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn help_names_the_library_tool() {
        for (module, tool) in [
            ("asyncio", "`asyncio.TaskGroup`"),
            ("trio", "`trio.open_nursery`"),
            ("anyio", "`anyio.create_task_group`"),
        ] {
            let found = check(&format!(
                "import {module}\nasync def f(urls):\n    for u in urls:\n        await get(u)\n"
            ));
            assert_eq!(found.len(), 1, "{module}");
            assert!(found[0].1.contains(tool), "{found:?}");
        }
    }

    #[test]
    fn a_result_fed_to_the_next_iteration_is_sequential() {
        assert!(check(
            "async def f(items):\n    total = 0\n    for item in items:\n        total += await get(item, total)\n"
        )
        .is_empty());
        assert!(check(
            "async def f(items):\n    prev = None\n    for item in items:\n        prev = await get(item, prev)\n"
        )
        .is_empty());
    }
}
