//! Cancellation facts shared by ASY080–ASY083: which `except` clauses catch cancellation, which
//! calls open a timeout or cancel scope (and whether it is shielded), and the name of the
//! cancellation exception in each async library.
//!
//! These are `Context` methods so that they can move to `context.rs` later unchanged.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::{Context, Library};
use crate::names;
use crate::scope::{Binding, ScopeKind};

/// What an `except` clause catches that includes cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelCatch {
    /// `asyncio.CancelledError` (also `asyncio.exceptions.CancelledError`).
    AsyncioCancelledError,
    /// `trio.Cancelled`.
    TrioCancelled,
    /// `anyio.get_cancelled_exc_class()`.
    AnyioCancelled,
    /// `BaseException`.
    BaseException,
    /// A bare `except:`.
    BareExcept,
}

impl CancelCatch {
    /// Broad clauses catch cancellation along with everything else.
    pub fn is_broad(self) -> bool {
        matches!(self, CancelCatch::BaseException | CancelCatch::BareExcept)
    }

    /// The clause as a message names it: "`except asyncio.CancelledError`", "bare `except`".
    pub fn clause(self) -> &'static str {
        match self {
            CancelCatch::AsyncioCancelledError => "`except asyncio.CancelledError`",
            CancelCatch::TrioCancelled => "`except trio.Cancelled`",
            CancelCatch::AnyioCancelled => "`except anyio.get_cancelled_exc_class()`",
            CancelCatch::BaseException => "`except BaseException`",
            CancelCatch::BareExcept => "bare `except`",
        }
    }

    /// The cancellation exception the clause catches, for messages: the specific class, or the
    /// file's library's class for broad clauses.
    pub fn exception(self, library: Library) -> &'static str {
        match self {
            CancelCatch::AsyncioCancelledError => cancelled_exception(Library::Asyncio),
            CancelCatch::TrioCancelled => cancelled_exception(Library::Trio),
            CancelCatch::AnyioCancelled => cancelled_exception(Library::AnyIO),
            CancelCatch::BaseException | CancelCatch::BareExcept => cancelled_exception(library),
        }
    }
}

/// The cancellation exception of a library, as users write it.
pub fn cancelled_exception(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "asyncio.CancelledError",
        Library::Trio => "trio.Cancelled",
        Library::AnyIO => "anyio.get_cancelled_exc_class()",
    }
}

/// An `except` clause that catches cancellation, and where to report it: the matching class
/// (the element of a tuple) or the `except` keyword of a bare clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaughtCancellation {
    pub kind: CancelCatch,
    pub range: TextRange,
}

/// What a `with` item opens, among the cancel scopes of asyncio, trio and anyio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelScopeCall {
    /// The public name of the callee (`asyncio.timeout`, `trio.move_on_after`, `anyio.CancelScope`).
    pub name: String,
    /// The scope has a deadline (a timeout context, or a `CancelScope(deadline=...)`).
    pub has_deadline: bool,
    /// `shield=True` is passed as a literal.
    pub shielded: bool,
    /// A trio nursery or anyio task group (its `cancel_scope` can be shielded).
    pub task_group: bool,
}

/// Timeout context managers: they cancel their body when the deadline passes.
const TIMEOUT_CONTEXTS: &[&str] = &[
    "asyncio.timeout",
    "asyncio.timeout_at",
    "async_timeout.timeout",
    "async_timeout.timeout_at",
    "trio.move_on_after",
    "trio.move_on_at",
    "trio.fail_after",
    "trio.fail_at",
    "anyio.move_on_after",
    "anyio.fail_after",
];

const CANCEL_SCOPES: &[&str] = &["trio.CancelScope", "anyio.CancelScope"];

const TASK_GROUPS: &[&str] = &["trio.open_nursery", "anyio.create_task_group"];

impl<'a> Context<'a> {
    /// The cancellation an `except` clause catches, if any. `except Exception` is not one:
    /// `asyncio.CancelledError` derives from `BaseException` since Python 3.8.
    pub fn caught_cancellation(
        &self,
        handler: &ast::ExceptHandlerExceptHandler,
    ) -> Option<CaughtCancellation> {
        let Some(type_) = handler.type_.as_deref() else {
            let start = handler.start();
            return Some(CaughtCancellation {
                kind: CancelCatch::BareExcept,
                range: TextRange::at(start, TextSize::from(6)),
            });
        };
        let candidates: &[Expr] = match type_ {
            Expr::Tuple(tuple) => &tuple.elts,
            other => std::slice::from_ref(other),
        };
        // Prefer a specific class over a broad one in `except (CancelledError, BaseException)`.
        candidates
            .iter()
            .filter_map(|expr| {
                self.cancellation_class(expr)
                    .map(|kind| CaughtCancellation {
                        kind,
                        range: expr.range(),
                    })
            })
            .min_by_key(|caught| caught.kind.is_broad())
    }

    /// Like `caught_cancellation`, for the handler at `index` of `try_`, but `None` for a broad
    /// clause that follows a clause catching cancellation specifically (`except CancelledError:
    /// raise` then `except BaseException:`): cancellation never reaches it.
    pub fn handler_catches_cancellation(
        &self,
        try_: &ast::StmtTry,
        index: usize,
    ) -> Option<CaughtCancellation> {
        let ast::ExceptHandler::ExceptHandler(handler) = try_.handlers.get(index)?;
        let caught = self.caught_cancellation(handler)?;
        if caught.kind.is_broad() {
            let handled_before = try_.handlers[..index].iter().any(|earlier| {
                let ast::ExceptHandler::ExceptHandler(earlier) = earlier;
                self.caught_cancellation(earlier)
                    .is_some_and(|caught| !caught.kind.is_broad())
            });
            if handled_before {
                return None;
            }
        }
        Some(caught)
    }

    /// The cancellation class an exception expression names: `asyncio.CancelledError`,
    /// `trio.Cancelled`, `anyio.get_cancelled_exc_class()` (also through a local bound to that
    /// call), or `BaseException`.
    pub fn cancellation_class(&self, expr: &Expr) -> Option<CancelCatch> {
        self.cancellation_class_within(expr, 0)
    }

    fn cancellation_class_within(&self, expr: &Expr, hops: usize) -> Option<CancelCatch> {
        match expr {
            Expr::Call(call) => {
                if !call.arguments.is_empty() {
                    return None;
                }
                self.qualified_name(&call.func)
                    .is_some_and(|name| is_get_cancelled_exc_class(&name))
                    .then_some(CancelCatch::AnyioCancelled)
            }
            Expr::Name(name) if hops == 0 => match self.lookup(name.id.as_str()) {
                Some(Binding::Local {
                    value: Some(value @ Expr::Call(_)),
                }) => self.cancellation_class_within(value, hops + 1),
                _ => self.cancellation_class_of_name(expr),
            },
            Expr::Name(_) | Expr::Attribute(_) => self.cancellation_class_of_name(expr),
            _ => None,
        }
    }

    fn cancellation_class_of_name(&self, expr: &Expr) -> Option<CancelCatch> {
        let qualified = self.qualified_name(expr)?;
        match names::canonical_asyncio_name(&qualified).as_ref() {
            "asyncio.CancelledError" => Some(CancelCatch::AsyncioCancelledError),
            "trio.Cancelled" => Some(CancelCatch::TrioCancelled),
            "builtins.BaseException" => Some(CancelCatch::BaseException),
            _ => None,
        }
    }

    /// The cancel scope a `with` item's expression opens, when it is a call of a known one:
    /// `asyncio.timeout(...)`, `trio.move_on_after(...)`, `anyio.CancelScope(shield=True)`,
    /// `trio.open_nursery()`, …
    pub fn cancel_scope_call(&self, expr: &Expr) -> Option<CancelScopeCall> {
        let Expr::Call(call) = expr else { return None };
        let qualified = self.qualified_name(&call.func)?;
        let name = names::canonical_asyncio_name(&qualified).into_owned();
        let shielded = call
            .arguments
            .find_keyword("shield")
            .is_some_and(|keyword| is_true_literal(&keyword.value));
        if TIMEOUT_CONTEXTS.contains(&name.as_str()) {
            return Some(CancelScopeCall {
                name,
                has_deadline: true,
                shielded,
                task_group: false,
            });
        }
        if CANCEL_SCOPES.contains(&name.as_str()) {
            let has_deadline = call.arguments.find_keyword("deadline").is_some()
                || call.arguments.find_keyword("relative_deadline").is_some();
            return Some(CancelScopeCall {
                name,
                has_deadline,
                shielded,
                task_group: false,
            });
        }
        if TASK_GROUPS.contains(&name.as_str()) {
            return Some(CancelScopeCall {
                name,
                has_deadline: false,
                shielded: false,
                task_group: true,
            });
        }
        None
    }
}

/// `anyio.get_cancelled_exc_class`, also through anyio's own modules (`anyio._core._eventloop`)
/// and relative imports inside anyio.
fn is_get_cancelled_exc_class(name: &str) -> bool {
    name == "anyio.get_cancelled_exc_class"
        || ((name.starts_with("anyio.") || name.starts_with('.'))
            && name.ends_with("._eventloop.get_cancelled_exc_class"))
}

/// Calls that never return: they end the process or raise to fail a test.
const NO_RETURN: &[&str] = &[
    "sys.exit",
    "os._exit",
    "os.abort",
    "builtins.exit",
    "builtins.quit",
    "pytest.fail",
    "pytest.skip",
    "pytest.exit",
    "pytest.xfail",
];

/// Return annotations that say a function never returns.
const NEVER_TYPES: &[&str] = &[
    "typing.NoReturn",
    "typing.Never",
    "typing_extensions.NoReturn",
    "typing_extensions.Never",
];

impl<'a> Context<'a> {
    /// Does the call never return normally? `sys.exit()`, `os._exit()`, `pytest.fail()`, and
    /// functions of this module or methods of the enclosing class (`self._fail(exc)`) annotated
    /// `-> NoReturn` / `-> Never`.
    pub fn never_returns(&self, call: &ast::ExprCall) -> bool {
        if let Some(name) = self.qualified_name(&call.func) {
            if NO_RETURN.contains(&name.as_str()) {
                return true;
            }
        }
        let definition = match call.func.as_ref() {
            Expr::Name(name) => match self.lookup(name.id.as_str()) {
                Some(Binding::Definition(stmt)) => Some(*stmt),
                _ => None,
            },
            Expr::Attribute(attribute) => match attribute.value.as_ref() {
                Expr::Name(receiver)
                    if matches!(
                        self.lookup(receiver.id.as_str()),
                        Some(Binding::SelfParameter)
                    ) =>
                {
                    self.scopes
                        .iter()
                        .rev()
                        .find(|scope| scope.kind == ScopeKind::Class)
                        .and_then(|class| match class.get(attribute.attr.as_str()) {
                            Some(Binding::Definition(stmt)) => Some(*stmt),
                            _ => None,
                        })
                }
                _ => None,
            },
            _ => None,
        };
        let Some(Stmt::FunctionDef(def)) = definition else {
            return false;
        };
        let Some(returns) = def.returns.as_deref() else {
            return false;
        };
        match returns {
            Expr::StringLiteral(literal) => {
                matches!(literal.value.to_str(), "NoReturn" | "Never")
            }
            other => self
                .qualified_name(other)
                .is_some_and(|name| NEVER_TYPES.contains(&name.as_str())),
        }
    }
}

/// `True`, or a non-zero number, written as a literal.
fn is_true_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(value),
            ..
        }) => value.as_u64() != Some(0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ruff_python_ast::{self as ast, PySourceType};
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use super::{CancelCatch, CancelScopeCall};
    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    type Handlers = Vec<Option<(CancelCatch, String)>>;

    /// Records what the facts say about every `except` clause and every `with` item.
    #[derive(Default)]
    struct Probe {
        handlers: Arc<Mutex<Handlers>>,
        scopes: Arc<Mutex<Vec<Option<CancelScopeCall>>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                stmt: true,
                except_handler: true,
                ..Hooks::default()
            }
        }

        fn check_stmt(&mut self, stmt: &ast::Stmt, ctx: &Context, _out: &mut Report) {
            match stmt {
                ast::Stmt::With(with) => {
                    for item in &with.items {
                        self.scopes
                            .lock()
                            .unwrap()
                            .push(ctx.cancel_scope_call(&item.context_expr));
                    }
                }
                ast::Stmt::Try(try_) => {
                    for index in 0..try_.handlers.len() {
                        let caught = ctx
                            .handler_catches_cancellation(try_, index)
                            .map(|caught| (caught.kind, ctx.text(caught.range).to_string()));
                        self.handlers.lock().unwrap().push(caught);
                    }
                }
                _ => {}
            }
        }

        fn check_except_handler(
            &mut self,
            handler: &ast::ExceptHandlerExceptHandler,
            ctx: &Context,
            _out: &mut Report,
        ) {
            // Every clause the statement hook saw must agree with the clause-level fact for
            // clauses that are not shadowed by an earlier one.
            let caught = ctx.caught_cancellation(handler);
            if let Some(caught) = caught {
                assert!(handler.range().contains_range(caught.range));
            }
        }
    }

    fn probe(source: &str) -> (Handlers, Vec<Option<CancelScopeCall>>) {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let probe = Probe::default();
        let handlers = probe.handlers.clone();
        let scopes = probe.scopes.clone();
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
        walker.walk_module(parsed.syntax());
        drop(walker);
        let handlers = handlers.lock().unwrap().clone();
        let scopes = scopes.lock().unwrap().clone();
        (handlers, scopes)
    }

    fn kinds(source: &str) -> Vec<Option<CancelCatch>> {
        probe(source)
            .0
            .into_iter()
            .map(|caught| caught.map(|(kind, _)| kind))
            .collect()
    }

    #[test]
    fn asyncio_cancelled_error_in_every_spelling() {
        let source = "\
import asyncio
import asyncio as aio
from asyncio import CancelledError
from asyncio.exceptions import CancelledError as CE
import concurrent.futures

try:
    pass
except asyncio.CancelledError:
    pass
except aio.exceptions.CancelledError:
    pass
except CancelledError:
    pass
except CE:
    pass
except concurrent.futures.CancelledError:
    pass
";
        use CancelCatch::AsyncioCancelledError as A;
        assert_eq!(kinds(source), [Some(A), Some(A), Some(A), Some(A), None]);
    }

    #[test]
    fn broad_clauses_and_exception_is_not_one() {
        let source = "\
try:
    pass
except Exception:
    pass
except BaseException:
    pass
except:
    pass
";
        assert_eq!(
            kinds(source),
            [
                None,
                Some(CancelCatch::BaseException),
                Some(CancelCatch::BareExcept)
            ]
        );
    }

    #[test]
    fn a_local_base_exception_shadows_the_builtin() {
        let source = "\
class BaseException(Exception):
    pass

try:
    pass
except BaseException:
    pass
";
        assert_eq!(kinds(source), [None]);
    }

    #[test]
    fn tuples_prefer_the_specific_class_and_report_the_element() {
        let source = "\
import asyncio

try:
    pass
except (ValueError, BaseException, asyncio.CancelledError):
    pass
except (ValueError, KeyError):
    pass
";
        let (handlers, _) = probe(source);
        assert_eq!(
            handlers,
            [
                Some((
                    CancelCatch::AsyncioCancelledError,
                    "asyncio.CancelledError".to_string()
                )),
                None
            ]
        );
    }

    #[test]
    fn bare_except_is_reported_at_the_keyword() {
        let (handlers, _) = probe("try:\n    pass\nexcept:\n    pass\n");
        assert_eq!(
            handlers,
            [Some((CancelCatch::BareExcept, "except".to_string()))]
        );
    }

    #[test]
    fn trio_and_anyio_classes() {
        let source = "\
import trio
import anyio
from anyio import get_cancelled_exc_class


async def f():
    cancelled = anyio.get_cancelled_exc_class()
    try:
        pass
    except trio.Cancelled:
        pass
    try:
        pass
    except anyio.get_cancelled_exc_class():
        pass
    try:
        pass
    except get_cancelled_exc_class():
        pass
    try:
        pass
    except cancelled:
        pass
    try:
        pass
    except anyio.get_cancelled_exc_class:
        pass
";
        use CancelCatch::{AnyioCancelled as N, TrioCancelled as T};
        assert_eq!(kinds(source), [Some(T), Some(N), Some(N), Some(N), None]);
    }

    #[test]
    fn a_broad_clause_after_a_specific_one_is_not_reached_by_cancellation() {
        let source = "\
import asyncio

try:
    pass
except asyncio.CancelledError:
    raise
except BaseException:
    pass
";
        assert_eq!(
            kinds(source),
            [Some(CancelCatch::AsyncioCancelledError), None]
        );
    }

    /// Records `never_returns` for every call statement.
    #[derive(Default)]
    struct CallProbe {
        calls: Arc<Mutex<Vec<(String, bool)>>>,
    }

    impl Rule for CallProbe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            if ctx.is_expression_statement() {
                self.calls.lock().unwrap().push((
                    ctx.text(call.func.range()).to_string(),
                    ctx.never_returns(call),
                ));
            }
        }
    }

    fn never_returns(source: &str) -> Vec<(String, bool)> {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let probe = CallProbe::default();
        let calls = probe.calls.clone();
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
        walker.walk_module(parsed.syntax());
        drop(walker);
        let calls = calls.lock().unwrap().clone();
        calls
    }

    #[test]
    fn calls_that_never_return() {
        let source = "\
import sys
import pytest
from typing import NoReturn


def fail(exc) -> NoReturn:
    raise exc


def later(exc) -> 'NoReturn':
    raise exc


def maybe(exc) -> None:
    pass


class Stream:
    def _convert(self, exc) -> NoReturn:
        raise exc

    def go(self, exc):
        sys.exit(1)
        pytest.fail('no')
        fail(exc)
        later(exc)
        maybe(exc)
        self._convert(exc)
        self.go(exc)
        print(exc)
";
        let found: Vec<bool> = never_returns(source)
            .into_iter()
            .map(|(_, never)| never)
            .collect();
        assert_eq!(found, [true, true, true, true, false, true, false, false]);
    }

    #[test]
    fn cancel_scopes_deadlines_and_shields() {
        let source = "\
import asyncio
import trio
import anyio
from trio import move_on_after as mo

with asyncio.timeout(1), asyncio.timeouts.timeout_at(2):
    pass
with trio.CancelScope(), trio.CancelScope(deadline=3), anyio.CancelScope(shield=True):
    pass
with mo(1, shield=True), anyio.fail_after(2), trio.open_nursery(), open('x'):
    pass
";
        let (_, scopes) = probe(source);
        let summary: Vec<Option<(String, bool, bool, bool)>> = scopes
            .into_iter()
            .map(|scope| scope.map(|s| (s.name, s.has_deadline, s.shielded, s.task_group)))
            .collect();
        let s =
            |name: &str, deadline, shield, group| Some((name.to_string(), deadline, shield, group));
        assert_eq!(
            summary,
            [
                s("asyncio.timeout", true, false, false),
                s("asyncio.timeout_at", true, false, false),
                s("trio.CancelScope", false, false, false),
                s("trio.CancelScope", true, false, false),
                s("anyio.CancelScope", false, true, false),
                s("trio.move_on_after", true, true, false),
                s("anyio.fail_after", true, false, false),
                s("trio.open_nursery", false, false, true),
                None,
            ]
        );
    }
}
