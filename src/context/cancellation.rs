//! Which `except` clauses catch cancellation (`asyncio.CancelledError`, `trio.Cancelled`,
//! `anyio.get_cancelled_exc_class()`, `BaseException`, a bare `except:`), the name of each
//! library's cancellation exception, and which calls never return (ASY080–ASY083).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::{Context, Library};
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

#[cfg(test)]
mod tests {
    use ruff_python_ast as ast;
    use ruff_text_size::Ranged;

    use super::CancelCatch;
    use crate::context::testing::{at_calls, at_handlers, at_statements};
    use crate::context::Context;

    type Handlers = Vec<Option<(CancelCatch, String)>>;

    /// What the facts say about every `except` clause of every `try`.
    fn probe(source: &str) -> Handlers {
        // The clause-level fact agrees with where it reports.
        at_handlers(
            source,
            |handler: &ast::ExceptHandlerExceptHandler, ctx: &Context| {
                if let Some(caught) = ctx.caught_cancellation(handler) {
                    assert!(handler.range().contains_range(caught.range));
                }
                None::<()>
            },
        );
        at_statements(source, |stmt: &ast::Stmt, ctx: &Context| {
            let ast::Stmt::Try(try_) = stmt else {
                return None;
            };
            Some(
                (0..try_.handlers.len())
                    .map(|index| {
                        ctx.handler_catches_cancellation(try_, index)
                            .map(|caught| (caught.kind, ctx.text(caught.range).to_string()))
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .into_iter()
        .flatten()
        .collect()
    }

    fn kinds(source: &str) -> Vec<Option<CancelCatch>> {
        probe(source)
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
        let handlers = probe(source);
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
        let handlers = probe("try:\n    pass\nexcept:\n    pass\n");
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

    fn never_returns(source: &str) -> Vec<(String, bool)> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            ctx.is_expression_statement().then(|| {
                (
                    ctx.text(call.func.range()).to_string(),
                    ctx.never_returns(call),
                )
            })
        })
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
}
