//! Facts the blocking-I/O rules (ASY002–ASY006) ask about the call being checked: is it handed
//! to an API that runs work in a thread (`asyncio.to_thread(...)`), is it consumed the async
//! way (awaited), is a lazy iterator it returns consumed right here, and is it test code.
//!
//! This extends `Context` from outside context.rs so that it can move there later.

use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::names::blocking_io::{
    offload_callable_index, CONSUMING_BUILTINS, OFFLOAD_CALLS, OFFLOAD_METHODS, TEST_MODULES,
};

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
                    if let Some(callable_index) = self.offload_api(&call.func) {
                        let callable = callable_index
                            .and_then(|index| call.arguments.args.get(index))
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

    /// The position of the callable argument of the offload API `func` names (`None` for APIs
    /// that take a file, not a callable), or `None` outright when `func` is not one.
    fn offload_api(&self, func: &Expr) -> Option<Option<usize>> {
        let name = match func {
            Expr::Attribute(attribute) if OFFLOAD_METHODS.contains(&attribute.attr.as_str()) => {
                attribute.attr.to_string()
            }
            // `qualified_name` of a call is the type it builds: `to_thread(g)(x)` is no offload.
            Expr::Attribute(_) | Expr::Name(_) => {
                let name = self.qualified_name(func)?;
                let name = crate::names::canonical_asyncio_name(&name).into_owned();
                if !OFFLOAD_CALLS.contains(&name.as_str()) {
                    return None;
                }
                name
            }
            _ => return None,
        };
        Some(offload_callable_index(&name))
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

    /// Is the current node (at `range`) in the body of an `if TYPE_CHECKING:` block, which never
    /// runs?
    pub fn in_type_checking_block(&self, range: TextRange) -> bool {
        self.parents().any(|node| match node {
            AnyNodeRef::StmtIf(if_stmt) => {
                if_stmt
                    .body
                    .first()
                    .zip(if_stmt.body.last())
                    .is_some_and(|(first, last)| {
                        TextRange::new(first.start(), last.end()).contains_range(range)
                    })
                    && self.qualified_name(&if_stmt.test).is_some_and(|name| {
                        matches!(
                            name.as_str(),
                            "typing.TYPE_CHECKING" | "typing_extensions.TYPE_CHECKING"
                        )
                    })
            }
            _ => false,
        })
    }

    /// Is the current node in test code: a module that imports `pytest` or `pytest_asyncio`
    /// at module level, a method of a class derived from a `unittest` test case (a base from
    /// `unittest`, or named `*TestCase`), or a `test*` method of a class named like a test
    /// class (`Test*`, `*Test`, `*Tests`, `*TestCase`)? Not a module that merely imports
    /// `unittest.mock`, nor a function merely named `test_*` (production code has
    /// `test_connection` helpers).
    pub fn in_test_code(&self) -> bool {
        let module = &self.scopes[0];
        if TEST_MODULES
            .iter()
            .any(|framework| module.imports_module(framework))
        {
            return true;
        }
        let mut in_test_class = false;
        for frame in self.frames() {
            match frame.node {
                AnyNodeRef::StmtClassDef(class) => {
                    if class
                        .bases()
                        .iter()
                        .any(|base| self.is_test_case_base(base))
                    {
                        return true;
                    }
                    let name = class.name.as_str();
                    in_test_class |= name.starts_with("Test")
                        || name.ends_with("Test")
                        || name.ends_with("Tests")
                        || name.ends_with("TestCase");
                }
                AnyNodeRef::StmtFunctionDef(def)
                    if in_test_class && def.name.as_str().starts_with("test") =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    fn is_test_case_base(&self, base: &Expr) -> bool {
        if self
            .qualified_name(base)
            .is_some_and(|name| name.starts_with("unittest."))
        {
            return true;
        }
        match base {
            Expr::Name(name) => name.id.as_str().ends_with("TestCase"),
            Expr::Attribute(attribute) => attribute.attr.as_str().ends_with("TestCase"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{self as ast, PySourceType};
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// What the facts say at every call of a function named `probe`.
    #[derive(Debug, Clone, PartialEq)]
    struct Seen {
        offloaded: Option<super::OffloadRole>,
        consumed_async: bool,
        iterated: bool,
        test: bool,
        type_checking: bool,
    }

    #[derive(Default)]
    struct Probe {
        seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            let name = match call.func.as_ref() {
                ast::Expr::Name(name) => name.id.as_str(),
                ast::Expr::Attribute(attribute) => attribute.attr.as_str(),
                _ => return,
            };
            if name != "probe" {
                return;
            }
            self.seen.lock().unwrap().push(Seen {
                offloaded: ctx.offload_role(call.range()),
                consumed_async: ctx.is_consumed_asynchronously(call.range()),
                iterated: ctx.is_iterated_here(call.range()),
                test: ctx.in_test_code(),
                type_checking: ctx.in_type_checking_block(call.range()),
            });
        }
    }

    fn probe(source: &str) -> Vec<Seen> {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let probe = Probe::default();
        let seen = probe.seen.clone();
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
        walker.walk_module(parsed.syntax());
        drop(walker);
        let seen = seen.lock().unwrap().clone();
        seen
    }

    fn column(seen: &[Seen], pick: fn(&Seen) -> bool) -> Vec<bool> {
        seen.iter().map(pick).collect()
    }

    #[test]
    fn offloaded_arguments() {
        let source = r#"
import asyncio
import functools
from starlette.concurrency import run_in_threadpool

async def f(loop, hass, x):
    await asyncio.to_thread(probe(x))
    await asyncio.to_thread(probe(x).read)
    await asyncio.to_thread(json.load, probe(x))
    await loop.run_in_executor(None, probe(x))
    await loop.run_in_executor(None, functools.partial(g, probe(x)))
    await run_in_threadpool(probe(x).read)
    await hass.async_add_executor_job(probe(x))
    loop.connect_read_pipe(Protocol, probe(x))
    await asyncio.sleep(probe(x))
    asyncio.to_thread(g)(probe(x))
    probe(x)
"#;
        use super::OffloadRole::{Argument, Callable};
        let seen = probe(source);
        assert_eq!(
            seen.iter().map(|s| s.offloaded).collect::<Vec<_>>(),
            [
                Some(Callable),
                Some(Argument),
                Some(Argument),
                Some(Callable),
                Some(Argument),
                Some(Argument),
                Some(Callable),
                Some(Argument),
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
            column(&seen, |s| s.consumed_async),
            [true, true, true, false, false, false, false, false, false]
        );
        assert_eq!(
            column(&seen, |s| s.iterated),
            [false, false, false, true, true, true, true, false, false]
        );
    }

    #[test]
    fn test_code() {
        let plain = r#"
import unittest
from unittest import mock

from aiohttp.test_utils import AioHTTPTestCase

async def handler(p):
    p.probe()

async def test_connection(p):
    p.probe()

class Checks(unittest.IsolatedAsyncioTestCase):
    async def test_it(self, p):
        p.probe()

class AppTests(AioHTTPTestCase):
    async def helper(self, p):
        p.probe()

class TestServer:
    async def handle(self, p):
        p.probe()

class ClientTest(Base):
    async def test_unix_socket(self, p):
        p.probe()
"#;
        assert_eq!(
            column(&probe(plain), |s| s.test),
            [false, false, true, true, false, true]
        );
        let with_pytest = "import pytest\n\nasync def helper(p):\n    p.probe()\n";
        assert_eq!(column(&probe(with_pytest), |s| s.test), [true]);
        let fixture = "from pytest_asyncio import fixture\n\nasync def helper(p):\n    p.probe()\n";
        assert_eq!(column(&probe(fixture), |s| s.test), [true]);
    }

    #[test]
    fn type_checking_blocks() {
        let source = r#"
import typing
from typing import TYPE_CHECKING

async def f(p):
    if TYPE_CHECKING:
        p.probe()
    else:
        p.probe()
    if typing.TYPE_CHECKING:
        p.probe()
    if p:
        p.probe()
"#;
        assert_eq!(
            column(&probe(source), |s| s.type_checking),
            [true, false, true, false]
        );
    }
}
