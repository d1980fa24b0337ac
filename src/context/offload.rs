//! Is the current node handed to an API that runs work in a worker thread
//! (`asyncio.to_thread(...)`), and is it consumed the async way (awaited, `async with`,
//! `async for`) or iterated right here? The blocking-call rules (ASY002–ASY013) ask these before
//! reporting a call.

use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::Context;
use crate::names;
use crate::names::blocking_io::CONSUMING_BUILTINS;
use crate::names::threads::{self, Offload};

/// How a call is handed to an API that runs work in a worker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffloadRole {
    /// The call is the callable argument itself: `asyncio.to_thread(f(x))`. It runs here, but
    /// that is ASY013's finding (`offload-called-not-passed`), not a blocking call of its own.
    Callable,
    /// Anywhere else in the arguments: `to_thread(json.load, open(p))`,
    /// `to_thread(open(p).read)`, `to_thread(partial(f, os.listdir(d)))`. The call runs here;
    /// only whatever consumes its result runs in the thread.
    Argument,
}

impl<'a> Context<'a> {
    /// How the current node (at `range`) is handed to an API that runs work in a worker thread
    /// (`asyncio.to_thread`, `loop.run_in_executor`, `anyio.to_thread.run_sync`,
    /// `trio.to_thread.run_sync`, `run_in_threadpool`, `sync_to_async`, `executor.submit`, Home
    /// Assistant's `hass.async_add_executor_job`) or that takes a file over for async use
    /// (`anyio.wrap_file`, `trio.wrap_file`, `loop.connect_read_pipe`), within the same
    /// statement; `None` when it is not inside such a call's arguments.
    pub fn offload_role(&self, range: TextRange) -> Option<OffloadRole> {
        let mut child = range;
        for node in self.parents().rev() {
            if node.is_statement() {
                return None;
            }
            if let AnyNodeRef::ExprCall(call) = node {
                if call.arguments.range().contains_range(child) {
                    if let Some(offload) = self.offload_api(&call.func) {
                        let callable = (!offload.file)
                            .then(|| call.arguments.args.get(offload.position))
                            .flatten()
                            .map(Ranged::range);
                        return Some(if callable == Some(range) {
                            OffloadRole::Callable
                        } else {
                            OffloadRole::Argument
                        });
                    }
                }
            }
            child = node.range();
        }
        None
    }

    /// The API `func` names that runs work in a worker thread or process, or takes a file over
    /// (`names::threads::OFFLOAD_APIS`, and the methods of `OFFLOAD_METHODS` whatever their
    /// receiver): how it takes its callable.
    pub fn offload_api(&self, func: &Expr) -> Option<Offload> {
        match func {
            Expr::Attribute(attribute) => {
                if let Some(offload) = threads::offload_method(attribute.attr.as_str()) {
                    return Some(offload);
                }
            }
            Expr::Name(_) => {}
            // `qualified_name` of a call is the type it builds: `to_thread(g)(x)` is no offload.
            _ => return None,
        }
        let name = self.qualified_name(func)?;
        threads::offload_api(&names::canonical_asyncio_name(&name))
    }

    /// Is the current node (at `range`) consumed the async way: awaited, entered by
    /// `async with`, or iterated by `async for`? A sync blocking API is never used so; a call
    /// that is must resolve to something else (an `anyio.Path` behind a `pathlib.Path`
    /// annotation, a wrapper class of the same name).
    pub fn is_consumed_asynchronously(&self, range: TextRange) -> bool {
        match self.parent() {
            Some(AnyNodeRef::ExprAwait(_)) => true,
            Some(AnyNodeRef::StmtWith(with)) => {
                with.is_async
                    && with
                        .items
                        .iter()
                        .any(|item| item.context_expr.range() == range)
            }
            Some(AnyNodeRef::StmtFor(for_stmt)) => {
                for_stmt.is_async && for_stmt.iter.range() == range
            }
            _ => false,
        }
    }

    /// Is the iterator the current node (at `range`) evaluates to consumed right here: the
    /// iterable of a (sync) `for` statement or comprehension, the operand of `yield from`, or
    /// the argument of a builtin that exhausts it (`list(...)`, `sorted(...)`, `next(...)`,
    /// ...)? Calling a generator function (`os.walk`, `Path.glob`) does no I/O by itself: its
    /// body runs when it is iterated.
    pub fn is_iterated_here(&self, range: TextRange) -> bool {
        match self.parent() {
            Some(AnyNodeRef::StmtFor(for_stmt)) => {
                !for_stmt.is_async && for_stmt.iter.range() == range
            }
            Some(
                AnyNodeRef::ExprListComp(_)
                | AnyNodeRef::ExprSetComp(_)
                | AnyNodeRef::ExprDictComp(_)
                | AnyNodeRef::ExprGenerator(_),
            ) => {
                let generators = match self.parent() {
                    Some(AnyNodeRef::ExprListComp(c)) => &c.generators,
                    Some(AnyNodeRef::ExprSetComp(c)) => &c.generators,
                    Some(AnyNodeRef::ExprDictComp(c)) => &c.generators,
                    Some(AnyNodeRef::ExprGenerator(c)) => &c.generators,
                    _ => return false,
                };
                generators
                    .iter()
                    .any(|generator| !generator.is_async && generator.iter.range() == range)
            }
            Some(AnyNodeRef::ExprYieldFrom(_)) => true,
            Some(AnyNodeRef::ExprCall(call)) => {
                call.arguments.args.first().map(Ranged::range) == Some(range)
                    && matches!(call.func.as_ref(), Expr::Name(name)
                        if CONSUMING_BUILTINS.contains(&name.id.as_str())
                            && self.lookup(name.id.as_str()).is_none())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast as ast;
    use ruff_text_size::Ranged;

    use super::OffloadRole::{self, Argument, Callable};
    use crate::context::testing::at_calls;
    use crate::context::Context;

    /// What the facts say at every call of a function named `probe`.
    type Seen = (Option<OffloadRole>, bool, bool);

    fn probe(source: &str) -> Vec<Seen> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            let name = match call.func.as_ref() {
                ast::Expr::Name(name) => name.id.as_str(),
                ast::Expr::Attribute(attribute) => attribute.attr.as_str(),
                _ => return None,
            };
            (name == "probe").then(|| {
                (
                    ctx.offload_role(call.range()),
                    ctx.is_consumed_asynchronously(call.range()),
                    ctx.is_iterated_here(call.range()),
                )
            })
        })
    }

    #[test]
    fn offloaded_arguments() {
        let source = r#"
import asyncio
import functools
import anyio
from starlette.concurrency import run_in_threadpool

async def f(loop, hass, x, executor):
    await asyncio.to_thread(probe(x))
    await asyncio.to_thread(probe(x).read)
    await asyncio.to_thread(json.load, probe(x))
    await loop.run_in_executor(None, probe(x))
    await loop.run_in_executor(None, functools.partial(g, probe(x)))
    await run_in_threadpool(probe(x).read)
    await hass.async_add_executor_job(probe(x))
    loop.connect_read_pipe(Protocol, probe(x))
    anyio.wrap_file(probe(x))
    await anyio.to_process.run_sync(probe(x))
    await asyncio.sleep(probe(x))
    asyncio.to_thread(g)(probe(x))
    probe(x)
"#;
        let seen: Vec<_> = probe(source).into_iter().map(|s| s.0).collect();
        assert_eq!(
            seen,
            [
                Some(Callable),
                Some(Argument),
                Some(Argument),
                Some(Callable),
                Some(Argument),
                Some(Argument),
                Some(Callable),
                Some(Argument),
                Some(Argument),
                Some(Callable),
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn async_consumption_and_iteration() {
        let source = r#"
async def f(p):
    await p.probe()
    async with p.probe():
        pass
    async for x in p.probe():
        pass
    for x in p.probe():
        pass
    [x for x in p.probe()]
    list(p.probe())
    sorted(p.probe(), key=len)
    it = p.probe()
    with p.probe():
        pass
"#;
        let seen = probe(source);
        assert_eq!(
            seen.iter().map(|s| s.1).collect::<Vec<_>>(),
            [true, true, true, false, false, false, false, false, false]
        );
        assert_eq!(
            seen.iter().map(|s| s.2).collect::<Vec<_>>(),
            [false, false, false, true, true, true, true, false, false]
        );
    }
}
