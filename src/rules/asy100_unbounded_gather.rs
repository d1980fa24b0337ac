//! ASY100 unbounded-gather: one coroutine or task per item of a collection of unknown size, all
//! at once, with nothing limiting how many run together.
//!
//! Three shapes are reported:
//! - `asyncio.gather(*(f(x) for x in xs))` (a list/set comprehension or generator expression)
//!   and `asyncio.gather(*map(f, xs))`;
//! - a comprehension whose element starts a task: `[asyncio.create_task(f(x)) for x in xs]`;
//! - a task started in a plain `for` loop: `asyncio.create_task(f(x))`, `tg.create_task(...)`,
//!   `loop.create_task(...)`, `asyncio.ensure_future(...)`, `nursery.start_soon(f, x)`.
//!
//! Not reported: small fixed iterables (`range(3)`, literals, `ALL_CAPS` constants, see
//! `is_fixed_iterable`); work that is a method of the item itself (`c.close() for c in conns`:
//! the objects already exist, fan-out over them is how shutdown and broadcast work); a spawned
//! coroutine limited by a semaphore, limiter or lock (in its body, a function it calls, or passed
//! to it, see `call_is_limited`); a loop that acquires a limiter or waits for finished tasks
//! (`asyncio.wait(...)`) before starting the next; a task awaited where it is started.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::names::blocking_io::{OFFLOAD_CALLS, OFFLOAD_METHODS};
use crate::rules::concurrency_facts::{
    add_item_locals, base_name, body_contains, library_of_name, limiter_for, mentions_any,
    names_owned_or_work, target_names, Node,
};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

/// Longest source text quoted in a message.
const MAX_QUOTE: usize = 40;

#[derive(Default)]
pub struct UnboundedGather;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Gather,
    /// `asyncio.create_task`, `asyncio.ensure_future`, `<anything>.create_task`.
    CreateTask,
    /// `<nursery or task group>.start_soon(f, *args)`.
    StartSoon,
}

impl Rule for UnboundedGather {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Some(api) = api_of(call, ctx) else {
            return;
        };
        // Tests start a known number of tasks on purpose.
        if ctx.in_test_code() {
            return;
        }
        match api {
            Api::Gather => check_gather(call, ctx, out),
            Api::CreateTask | Api::StartSoon => check_spawn(call, api, ctx, out),
        }
    }
}

/// Which spawning API a call is, by the cheapest test first.
fn api_of(call: &ast::ExprCall, ctx: &Context) -> Option<Api> {
    match call.func.as_ref() {
        Expr::Attribute(attribute) => match attribute.attr.as_str() {
            "gather" | "ensure_future" => {
                let name = ctx.qualified_name(&call.func)?;
                match names::canonical_asyncio_name(&name).as_ref() {
                    "asyncio.gather" => Some(Api::Gather),
                    "asyncio.ensure_future" => Some(Api::CreateTask),
                    _ => None,
                }
            }
            "create_task" => Some(Api::CreateTask),
            "start_soon" => Some(Api::StartSoon),
            _ => None,
        },
        Expr::Name(name) => {
            let Some(Binding::Import(qualified)) = ctx.lookup(name.id.as_str()) else {
                return None;
            };
            match names::canonical_asyncio_name(qualified).as_ref() {
                "asyncio.gather" => Some(Api::Gather),
                "asyncio.create_task" | "asyncio.ensure_future" => Some(Api::CreateTask),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `asyncio.gather(*<comprehension>)` and `asyncio.gather(*map(f, xs))`.
fn check_gather(call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
    for arg in &call.arguments.args {
        let Expr::Starred(starred) = arg else {
            continue;
        };
        let unbounded_over = match starred.value.as_ref() {
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => unbounded_comprehension(elt, generators, ctx),
            Expr::Call(map) => unbounded_map(map, ctx),
            _ => None,
        };
        let Some(iter) = unbounded_over else {
            continue;
        };
        let func = quote(ctx, &*call.func).unwrap_or("asyncio.gather");
        let message = match quote(ctx, iter) {
            Some(iter) => format!(
                "`{func}()` runs one coroutine per item of `{iter}` at once, with no concurrency limit"
            ),
            None => format!(
                "`{func}()` runs one coroutine per item at once, with no concurrency limit"
            ),
        };
        out.push(
            Diagnostic::new("ASY100", call.range(), message).with_help(help(Library::Asyncio)),
        );
        return;
    }
}

/// The first non-fixed iterable of a comprehension whose element spawns unlimited work.
fn unbounded_comprehension<'e>(
    elt: &'e Expr,
    generators: &'e [ast::Comprehension],
    ctx: &Context,
) -> Option<&'e Expr> {
    let Expr::Call(work) = elt else {
        return None;
    };
    let mut targets = Vec::new();
    for generator in generators {
        target_names(&generator.target, &mut targets);
    }
    if !spawns_unlimited(work, &targets, ctx) {
        return None;
    }
    unbounded_iter(generators, &targets, ctx)
}

/// The first iterable of a comprehension that is neither fixed nor an owned collection.
fn unbounded_iter<'e>(
    generators: &'e [ast::Comprehension],
    targets: &[&str],
    ctx: &Context,
) -> Option<&'e Expr> {
    generators
        .iter()
        .map(|generator| &generator.iter)
        .find(|iter| !ctx.is_fixed_iterable(iter) && !is_owned_collection(iter, targets, ctx))
}

/// `map(f, xs)` where `f` is not limited: the first non-fixed iterable.
fn unbounded_map<'e>(map: &'e ast::ExprCall, ctx: &Context) -> Option<&'e Expr> {
    if ctx.callee_name(&map.func).as_deref() != Some("builtins.map") {
        return None;
    }
    let [func, iterables @ ..] = map.arguments.args.as_ref() else {
        return None;
    };
    if iterables.is_empty() || !map.arguments.keywords.is_empty() {
        return None;
    }
    let limited = match func {
        Expr::Lambda(lambda) => {
            let mut params = Vec::new();
            if let Some(parameters) = &lambda.parameters {
                params.extend(parameters.iter().map(|p| p.name().as_str()));
            }
            match lambda.body.as_ref() {
                Expr::Call(work) => !spawns_unlimited(work, &params, ctx),
                _ => true,
            }
        }
        func => ctx.callable_is_limited(func),
    };
    if limited {
        return None;
    }
    iterables
        .iter()
        .find(|iter| !ctx.is_fixed_iterable(iter) && !is_owned_collection(iter, &[], ctx))
}

/// Does a call in a comprehension element (or lambda body) spawn work that nothing limits?
/// Task wrappers (`asyncio.create_task(f(x))`, `asyncio.wait_for(f(x), t)`) are looked
/// through; a method of the item itself (`conn.close()`) is not fan-out over new work.
fn spawns_unlimited(work: &ast::ExprCall, targets: &[&str], ctx: &Context) -> bool {
    if ctx.call_is_limited(work) {
        return false;
    }
    // `asyncio.wrap_future(f) for f in futures`: the items are already running.
    if is_task_wrapper(work, ctx) && !matches!(work.arguments.args.first(), Some(Expr::Call(_))) {
        return false;
    }
    // The work is a method of the item (`conn.close()`), also inside a wrapper
    // (`create_eager_task(script.stop())`, `asyncio.wait_for(conn.close(), 1)`).
    let mut current = Some(work);
    let mut depth = 0;
    while let Some(call) = current {
        if mentions_any(&call.func, targets)
            || is_parameter(&call.func, ctx)
            || is_thread_offload(call, ctx)
        {
            return false;
        }
        depth += 1;
        current = match call.arguments.args.first() {
            Some(Expr::Call(inner)) if depth < 4 => Some(inner),
            _ => None,
        };
    }
    true
}

/// Is the collection an iterable goes over owned by the object (`self._connections`,
/// `cls.enabled_services()`), or named for things that already exist or units of work
/// (`connections`, `listeners`, `coros`, `tasks`; see `names_owned_or_work`)? Its size is set
/// by configuration or by the caller, not by the data.
fn is_owned_collection(iter: &Expr, targets: &[&str], ctx: &Context) -> bool {
    if targets.iter().any(|target| names_owned_or_work(target)) {
        return true;
    }
    let collection = collection_of(iter, ctx);
    let Some(base) = base_name(collection) else {
        return false;
    };
    if matches!(ctx.lookup(base), Some(Binding::SelfParameter)) {
        return true;
    }
    if collection_name(collection).is_some_and(names_owned_or_work) {
        return true;
    }
    // `for batch in self.batches: for item in batch: ...`: an item of an owned collection.
    matches!(collection, Expr::Name(_))
        && enclosing_loop_over(base, ctx).is_some_and(|(outer_iter, outer_targets)| {
            is_owned_collection(outer_iter, &outer_targets, ctx)
        })
}

/// The iterable and targets of the enclosing `for` (in the current function) whose target
/// binds `name`.
fn enclosing_loop_over<'a>(name: &str, ctx: &Context<'a>) -> Option<(&'a Expr, Vec<&'a str>)> {
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtFor(for_stmt) => {
                let mut targets = Vec::new();
                target_names(&for_stmt.target, &mut targets);
                if targets.contains(&name) {
                    return Some((&for_stmt.iter, targets));
                }
            }
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => return None,
            _ => {}
        }
    }
    None
}

/// Is `func` a parameter of the current function (`async def map_async(func, args)`)? Then the
/// function is a combinator, and bounding the work is its caller's choice.
fn is_parameter(func: &Expr, ctx: &Context) -> bool {
    let Expr::Name(name) = func else {
        return false;
    };
    ctx.current_function().is_some_and(|def| {
        def.parameters
            .iter()
            .any(|parameter| parameter.name().as_str() == name.id.as_str())
    })
}

/// The collection under `enumerate(x)`, `list(x)`, `sorted(x)`, `x.items()` and the like.
fn collection_of<'e>(iter: &'e Expr, ctx: &Context) -> &'e Expr {
    let mut current = iter;
    for _ in 0..4 {
        let Expr::Call(call) = current else { break };
        if let Expr::Attribute(attribute) = call.func.as_ref() {
            if matches!(
                attribute.attr.as_str(),
                "items" | "keys" | "values" | "copy"
            ) {
                current = &attribute.value;
                continue;
            }
        }
        let wraps = ctx.callee_name(&call.func).is_some_and(|name| {
            matches!(
                name.as_str(),
                "builtins.enumerate"
                    | "builtins.list"
                    | "builtins.tuple"
                    | "builtins.set"
                    | "builtins.sorted"
                    | "builtins.reversed"
                    | "builtins.zip"
                    | "builtins.iter"
                    | "builtins.frozenset"
            )
        });
        match call.arguments.args.first() {
            Some(first) if wraps => current = first,
            _ => break,
        }
    }
    current
}

/// The identifier that names a collection: `conns`, `self._conns`, `groups[g]` (`groups`),
/// `cls.enabled_services()` (`enabled_services`).
fn collection_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        Expr::Subscript(subscript) => collection_name(&subscript.value),
        Expr::Call(call) => collection_name(&call.func),
        _ => None,
    }
}

/// `asyncio.create_task`, `asyncio.ensure_future`, `asyncio.wait_for`, `asyncio.shield`,
/// `asyncio.wrap_future`, `<group>.create_task`: calls that wrap an awaitable.
fn is_task_wrapper(call: &ast::ExprCall, ctx: &Context) -> bool {
    match call.func.as_ref() {
        Expr::Attribute(attribute) if attribute.attr.as_str() == "create_task" => true,
        func => ctx.qualified_name(func).is_some_and(|name| {
            matches!(
                names::canonical_asyncio_name(&name).as_ref(),
                "asyncio.create_task"
                    | "asyncio.ensure_future"
                    | "asyncio.wait_for"
                    | "asyncio.shield"
                    | "asyncio.wrap_future"
            )
        }),
    }
}

/// A task started in a comprehension element or a plain `for` loop.
fn check_spawn(call: &ast::ExprCall, api: Api, ctx: &Context, out: &mut Report) {
    if !ctx.in_function() {
        return;
    }
    let func = quote(ctx, &*call.func).unwrap_or(match api {
        Api::StartSoon => "start_soon",
        _ => "create_task",
    });
    // A comprehension whose element is this call.
    if let Some(parent) = ctx.parent() {
        let comprehension = match parent {
            AnyNodeRef::ExprListComp(comp) if comp.elt.range() == call.range() => {
                Some(&comp.generators)
            }
            AnyNodeRef::ExprSetComp(comp) if comp.elt.range() == call.range() => {
                Some(&comp.generators)
            }
            AnyNodeRef::ExprGenerator(comp) if comp.elt.range() == call.range() => {
                Some(&comp.generators)
            }
            AnyNodeRef::ExprDictComp(comp) if comp.value.range() == call.range() => {
                Some(&comp.generators)
            }
            _ => None,
        };
        if let Some(generators) = comprehension {
            // `gather(*(create_task(f(x)) for x in xs))` is the gather's finding.
            let in_starred = ctx
                .parents()
                .rev()
                .nth(1)
                .is_some_and(|node| matches!(node, AnyNodeRef::ExprStarred(_)));
            if in_starred {
                return;
            }
            let mut targets = Vec::new();
            for generator in generators {
                target_names(&generator.target, &mut targets);
            }
            if !spawn_is_unlimited(call, api, &targets, ctx) {
                return;
            }
            let Some(iter) = unbounded_iter(generators, &targets, ctx) else {
                return;
            };
            let message = match quote(ctx, iter) {
                Some(iter) => format!(
                    "`{func}()` in a comprehension over `{iter}` starts one task per item, with no concurrency limit"
                ),
                None => format!(
                    "`{func}()` in a comprehension starts one task per item, with no concurrency limit"
                ),
            };
            out.push(
                Diagnostic::new("ASY100", call.range(), message)
                    .with_help(help(spawn_library(call, api, ctx))),
            );
            return;
        }
    }
    // A task awaited where it starts runs one at a time.
    let awaited = ctx
        .parents()
        .rev()
        .take_while(|node| !node.is_statement())
        .any(|node| matches!(node, AnyNodeRef::ExprAwait(_)));
    if awaited {
        return;
    }
    let Some(for_stmt) = innermost_for(ctx) else {
        return;
    };
    if for_stmt.is_async || !body_holds(&for_stmt.body, call) {
        return;
    }
    let mut targets = Vec::new();
    target_names(&for_stmt.target, &mut targets);
    add_item_locals(&for_stmt.body, &mut targets);
    if !spawn_is_unlimited(call, api, &targets, ctx) {
        return;
    }
    if ctx.is_fixed_iterable(&for_stmt.iter)
        || is_owned_collection(&for_stmt.iter, &targets, ctx)
        || paces_itself(&for_stmt.body, ctx)
    {
        return;
    }
    let message = match quote(ctx, &*for_stmt.iter) {
        Some(iter) => format!(
            "`{func}()` in a loop over `{iter}` starts one task per item, with no concurrency limit"
        ),
        None => format!("`{func}()` in a loop starts one task per item, with no concurrency limit"),
    };
    out.push(
        Diagnostic::new("ASY100", call.range(), message)
            .with_help(help(spawn_library(call, api, ctx))),
    );
}

/// Is the work a spawning call starts unlimited? For `create_task(f(x))` that is `f(x)`; for
/// `start_soon(f, x)` it is `f` with the arguments `x`.
fn spawn_is_unlimited(call: &ast::ExprCall, api: Api, targets: &[&str], ctx: &Context) -> bool {
    match api {
        Api::StartSoon => {
            let Some(mut func) = call.arguments.args.first() else {
                return false;
            };
            let mut args = &call.arguments.args[1..];
            // `start_soon(functools.partial(fetch, url))`
            if let Expr::Call(partial) = func {
                if ctx.qualified_name(&partial.func).as_deref() == Some("functools.partial") {
                    if let [inner, rest @ ..] = partial.arguments.args.as_ref() {
                        func = inner;
                        args = rest;
                    }
                }
            }
            if args.iter().any(|arg| ctx.looks_like_limiter(arg))
                || call
                    .arguments
                    .keywords
                    .iter()
                    .any(|keyword| ctx.looks_like_limiter(&keyword.value))
                || ctx.callable_is_limited(func)
                || is_parameter(func, ctx)
            {
                return false;
            }
            !mentions_any(func, targets)
        }
        _ => {
            let Some(Expr::Call(work)) = call.arguments.args.first() else {
                // `create_task(coro)` of a coroutine made elsewhere: nothing to judge.
                return false;
            };
            spawns_unlimited(work, targets, ctx)
        }
    }
}

/// The innermost loop around the current node in the current function, if it is a `for`.
fn innermost_for<'a>(ctx: &Context<'a>) -> Option<&'a ast::StmtFor> {
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtFor(for_stmt) => return Some(for_stmt),
            AnyNodeRef::StmtWhile(_)
            | AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => return None,
            _ => {}
        }
    }
    None
}

/// Is `call` inside the statements of `body`?
fn body_holds(body: &[Stmt], call: &ast::ExprCall) -> bool {
    match (body.first(), body.last()) {
        (Some(first), Some(last)) => first.start() <= call.start() && call.end() <= last.end(),
        _ => false,
    }
}

/// Does a loop body pace itself: acquire a limiter, await something in each iteration (a
/// delay, a reply, finished tasks), or wait for started tasks (`asyncio.wait(...)`,
/// `asyncio.as_completed(...)`) before it goes on?
fn paces_itself(body: &[Stmt], ctx: &Context) -> bool {
    ctx.acquires_limiter(body)
        || body_contains(body, |node| match node {
            Node::Expr(Expr::Await(_)) => true,
            Node::Stmt(Stmt::With(ast::StmtWith { is_async: true, .. }))
            | Node::Stmt(Stmt::For(ast::StmtFor { is_async: true, .. })) => true,
            Node::Expr(Expr::Call(call)) => ctx.qualified_name(&call.func).is_some_and(|name| {
                matches!(
                    names::canonical_asyncio_name(&name).as_ref(),
                    "asyncio.wait" | "asyncio.as_completed"
                )
            }),
            _ => false,
        })
}

/// The library whose limiter the help names: asyncio for `create_task`, the nursery's or task
/// group's library for `start_soon`.
fn spawn_library(call: &ast::ExprCall, api: Api, ctx: &Context) -> Library {
    if api != Api::StartSoon {
        return Library::Asyncio;
    }
    let from_type = match call.func.as_ref() {
        Expr::Attribute(attribute) => ctx
            .type_of(&attribute.value)
            .and_then(|ty| library_of_name(&ty)),
        _ => None,
    };
    match from_type.unwrap_or(ctx.library()) {
        Library::Asyncio => Library::AnyIO,
        library => library,
    }
}

fn help(library: Library) -> String {
    let limiter = limiter_for(library);
    let (article, local) = match library {
        Library::Asyncio => ("an", "semaphore"),
        Library::Trio => ("a", "limiter"),
        Library::AnyIO => ("an", "limiter"),
    };
    format!(
        "Bound the concurrency with {article} `{limiter}`: `async with {local}:` around the work of each task"
    )
}

/// Work handed to a thread pool (`asyncio.to_thread`, `loop.run_in_executor`,
/// `hass.async_add_executor_job`) is bounded by the pool's size.
fn is_thread_offload(call: &ast::ExprCall, ctx: &Context) -> bool {
    match call.func.as_ref() {
        Expr::Attribute(attribute) if OFFLOAD_METHODS.contains(&attribute.attr.as_str()) => true,
        func @ (Expr::Attribute(_) | Expr::Name(_)) => {
            ctx.qualified_name(func).is_some_and(|name| {
                OFFLOAD_CALLS.contains(&names::canonical_asyncio_name(&name).as_ref())
            })
        }
        _ => false,
    }
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
        let settings = Settings::only("ASY100").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn help_names_the_library_limiter() {
        let asyncio = check(
            "import asyncio\nasync def f(urls):\n    await asyncio.gather(*(g(u) for u in urls))\n",
        );
        assert_eq!(asyncio.len(), 1);
        assert!(asyncio[0].1.contains("`asyncio.Semaphore`"), "{asyncio:?}");
        let trio = check(
            "import trio\nasync def f(urls):\n    async with trio.open_nursery() as n:\n        for u in urls:\n            n.start_soon(g, u)\n",
        );
        assert_eq!(trio.len(), 1);
        assert!(trio[0].1.contains("`trio.CapacityLimiter`"), "{trio:?}");
        // A task group passed in, in an anyio file.
        let anyio = check(
            "import anyio\nasync def f(tg, urls):\n    for u in urls:\n        tg.start_soon(g, u)\n",
        );
        assert_eq!(anyio.len(), 1);
        assert!(anyio[0].1.contains("`anyio.CapacityLimiter`"), "{anyio:?}");
    }

    #[test]
    fn long_iterables_are_not_quoted() {
        let found = check(
            "import asyncio\nasync def f(x):\n    await asyncio.gather(*(g(u) for u in x.some.very_long_attribute_chain.values_of_it))\n",
        );
        assert_eq!(
            found[0].0,
            "`asyncio.gather()` runs one coroutine per item at once, with no concurrency limit"
        );
    }

    #[test]
    fn a_shadowed_gather_is_not_asyncio() {
        assert!(check(
            "async def gather(*aws):\n    ...\nasync def f(urls):\n    await gather(*(g(u) for u in urls))\n"
        )
        .is_empty());
    }
}
