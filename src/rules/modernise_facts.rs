//! Facts for the modernisation rules (ASY120–ASY130): is a piece of code deliberate
//! compatibility code for older Pythons — in a branch that runs only below some version
//! (`if sys.version_info < (3, 14):`, the `else` of `if sys.version_info >= (3, 13):`,
//! `sys.version_info < (3, 14) and ...`, a test skipped from some version on), or inside a
//! `try` that expects the name to be missing (`except ImportError`)?
//!
//! These are `Context` methods so that they can move to `context.rs` later unchanged.

use ruff_python_ast::{self as ast, AnyNodeRef, BoolOp, CmpOp, Expr, Number, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::scope::Binding;
use crate::settings::PythonVersion;

/// How many name bindings a version test may go through (`PY_311 = sys.version_info >= ...`).
const MAX_TEST_HOPS: usize = 4;

impl<'a> Context<'a> {
    /// When the code at `range` (the node being checked) runs only on Pythons older than some
    /// version, that version: the smallest bound found in the enclosing `if`/`elif`/`else`
    /// branches, conditional expressions and `and`/`or` operands that test `sys.version_info`
    /// (directly or through a name bound to such a test), and in `@pytest.mark.skipif(...)`,
    /// `@unittest.skipIf(...)`, `@unittest.skipUnless(...)` on the enclosing functions and
    /// classes.
    ///
    /// `if sys.version_info < (3, 14):` and the `else:` of `if sys.version_info >= (3, 14):`
    /// both give 3.14. `None` when no enclosing test bounds the version from above.
    pub fn runs_only_below(&self, range: TextRange) -> Option<PythonVersion> {
        let ancestors: Vec<AnyNodeRef<'a>> = self.parents().collect();
        let mut bound: Option<u8> = None;
        for (index, ancestor) in ancestors.iter().enumerate() {
            let child = ancestors.get(index + 1).map_or(range, |next| next.range());
            let found = [
                self.branch_bound(*ancestor, child),
                self.early_exit_bound(*ancestor, child),
            ];
            for found in found.into_iter().flatten() {
                bound = Some(bound.map_or(found, |known| known.min(found)));
            }
        }
        bound.map(|minor| PythonVersion { minor })
    }

    /// Is the code at `range` in the body of a `try` (in this function or module) with an
    /// `except` clause that names one of `exceptions` (builtin exception names such as
    /// `ImportError`), alone or in a tuple?
    pub fn in_try_catching(&self, range: TextRange, exceptions: &[&str]) -> bool {
        let ancestors: Vec<AnyNodeRef<'a>> = self.parents().collect();
        for (index, ancestor) in ancestors.iter().enumerate().rev() {
            if matches!(
                ancestor,
                AnyNodeRef::StmtFunctionDef(_)
                    | AnyNodeRef::StmtClassDef(_)
                    | AnyNodeRef::ExprLambda(_)
            ) {
                return false;
            }
            let AnyNodeRef::StmtTry(try_stmt) = ancestor else {
                continue;
            };
            let child = ancestors.get(index + 1).map_or(range, |next| next.range());
            let in_body =
                block_range(&try_stmt.body).is_some_and(|body| body.contains_range(child));
            if in_body
                && try_stmt.handlers.iter().any(|handler| {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    handler
                        .type_
                        .as_deref()
                        .is_some_and(|type_| self.names_exception(type_, exceptions))
                })
            {
                return true;
            }
        }
        false
    }

    fn names_exception(&self, type_: &Expr, exceptions: &[&str]) -> bool {
        match type_ {
            Expr::Tuple(tuple) => tuple
                .elts
                .iter()
                .any(|element| self.names_exception(element, exceptions)),
            // Builtin exception names: unbound in the file.
            Expr::Name(name) => {
                self.lookup(name.id.as_str()).is_none() && exceptions.contains(&name.id.as_str())
            }
            _ => false,
        }
    }

    /// The version bound that holds for `child` (a direct child of `ancestor`, by range).
    fn branch_bound(&self, ancestor: AnyNodeRef<'a>, child: TextRange) -> Option<u8> {
        match ancestor {
            AnyNodeRef::StmtIf(if_stmt) => {
                if block_range(&if_stmt.body).is_some_and(|body| body.contains_range(child)) {
                    return self.version_bound(&if_stmt.test, true, 0);
                }
                // In an `elif`/`else` clause: every earlier test was false, the clause's true.
                let clause = if_stmt
                    .elif_else_clauses
                    .iter()
                    .position(|clause| clause.range().contains_range(child))?;
                let clause_body = block_range(&if_stmt.elif_else_clauses[clause].body)?;
                if !clause_body.contains_range(child) {
                    return None;
                }
                let earlier = std::iter::once(if_stmt.test.as_ref()).chain(
                    if_stmt.elif_else_clauses[..clause]
                        .iter()
                        .filter_map(|clause| clause.test.as_ref()),
                );
                let mut bound = earlier
                    .filter_map(|test| self.version_bound(test, false, 0))
                    .min();
                if let Some(test) = &if_stmt.elif_else_clauses[clause].test {
                    if let Some(found) = self.version_bound(test, true, 0) {
                        bound = Some(bound.map_or(found, |known| known.min(found)));
                    }
                }
                bound
            }
            AnyNodeRef::ExprIf(if_expr) => {
                if if_expr.body.range().contains_range(child) {
                    self.version_bound(&if_expr.test, true, 0)
                } else if if_expr.orelse.range().contains_range(child) {
                    self.version_bound(&if_expr.test, false, 0)
                } else {
                    None
                }
            }
            AnyNodeRef::ExprBoolOp(bool_op) => {
                // `a and b`: `b` runs only when `a` is true; `a or b`: only when `a` is false.
                let position = bool_op
                    .values
                    .iter()
                    .position(|value| value.range().contains_range(child))?;
                let truth = bool_op.op == BoolOp::And;
                bool_op.values[..position]
                    .iter()
                    .filter_map(|value| self.version_bound(value, truth, 0))
                    .min()
            }
            AnyNodeRef::StmtFunctionDef(def) => {
                if !block_range(&def.body).is_some_and(|body| body.contains_range(child)) {
                    return None;
                }
                self.skip_decorators_bound(&def.decorator_list)
            }
            AnyNodeRef::StmtClassDef(class) => {
                if !block_range(&class.body).is_some_and(|body| body.contains_range(child)) {
                    return None;
                }
                self.skip_decorators_bound(&class.decorator_list)
            }
            _ => None,
        }
    }

    /// `if sys.version_info >= (3, 9): return ...` earlier in the block that holds `child`:
    /// the code after it runs only when the test was false.
    fn early_exit_bound(&self, ancestor: AnyNodeRef<'a>, child: TextRange) -> Option<u8> {
        let block = blocks(ancestor)
            .into_iter()
            .find(|block| block_range(block).is_some_and(|range| range.contains_range(child)))?;
        block
            .iter()
            .take_while(|stmt| stmt.end() <= child.start())
            .filter_map(|stmt| match stmt {
                Stmt::If(if_stmt)
                    if if_stmt.elif_else_clauses.is_empty() && self.exits(&if_stmt.body) =>
                {
                    self.version_bound(&if_stmt.test, false, 0)
                }
                _ => None,
            })
            .min()
    }

    /// Does a block always leave the enclosing block (`return`, `raise`, `continue`, `break`,
    /// `pytest.skip(...)`) at its end?
    fn exits(&self, body: &[Stmt]) -> bool {
        match body.last() {
            Some(Stmt::Return(_) | Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Break(_)) => true,
            Some(Stmt::Expr(expr)) => matches!(
                expr.value.as_ref(),
                Expr::Call(call) if self.qualified_name(&call.func).as_deref() == Some("pytest.skip")
            ),
            _ => false,
        }
    }

    /// The bound from test-skipping decorators: `@pytest.mark.skipif(cond, ...)` and
    /// `@unittest.skipIf(cond, ...)` run the test when `cond` is false,
    /// `@unittest.skipUnless(cond, ...)` when it is true.
    fn skip_decorators_bound(&self, decorators: &[ast::Decorator]) -> Option<u8> {
        decorators
            .iter()
            .filter_map(|decorator| {
                let Expr::Call(call) = &decorator.expression else {
                    return None;
                };
                let condition = call.arguments.args.first()?;
                let runs_when = match self.qualified_name(&call.func)?.as_str() {
                    "pytest.mark.skipif" | "unittest.skipIf" | "unittest.case.skipIf" => false,
                    "unittest.skipUnless" | "unittest.case.skipUnless" => true,
                    _ => return None,
                };
                self.version_bound(condition, runs_when, 0)
            })
            .min()
    }

    /// When `test` evaluating to `truth` means the Python version is below 3.N: N.
    fn version_bound(&self, test: &Expr, truth: bool, hops: usize) -> Option<u8> {
        if hops > MAX_TEST_HOPS {
            return None;
        }
        match test {
            Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => {
                self.version_bound(&unary.operand, !truth, hops)
            }
            // All operands true (`and`) or all false (`or`): each one's bound holds.
            Expr::BoolOp(bool_op) if (bool_op.op == BoolOp::And) == truth => bool_op
                .values
                .iter()
                .filter_map(|value| self.version_bound(value, truth, hops))
                .min(),
            Expr::Compare(compare) => self.compare_bound(compare, truth),
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Local {
                    value: Some(value), ..
                } => self.version_bound(value, truth, hops + 1),
                _ => None,
            },
            _ => None,
        }
    }

    /// `sys.version_info < (3, N)` (or `<=`, `>`, `>=`, either side, `sys.version_info[:2]`).
    fn compare_bound(&self, compare: &ast::ExprCompare, truth: bool) -> Option<u8> {
        let ([op], [right]) = (&*compare.ops, &*compare.comparators) else {
            return None;
        };
        let left = compare.left.as_ref();
        // Normalise to `version_info <op> tuple`.
        let (op, tuple) = if self.is_version_info(left) {
            (*op, right)
        } else if self.is_version_info(right) {
            (swapped(*op), left)
        } else {
            return None;
        };
        let Expr::Tuple(tuple) = tuple else {
            return None;
        };
        let numbers: Option<Vec<u64>> = tuple
            .elts
            .iter()
            .map(|element| match element {
                Expr::NumberLiteral(literal) => match &literal.value {
                    Number::Int(int) => int.as_u64(),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let numbers = numbers?;
        let [3, minor, rest @ ..] = numbers.as_slice() else {
            return None;
        };
        let minor = u8::try_from(*minor).ok()?;
        // `version_info < (3, N)` holds exactly below 3.N; with a micro version
        // (`< (3, N, 2)`) some 3.N releases run the code too.
        let bound = if rest.iter().all(|part| *part == 0) {
            minor
        } else {
            minor.checked_add(1)?
        };
        let below = matches!(
            (op, truth),
            (CmpOp::Lt | CmpOp::LtE, true) | (CmpOp::Gt | CmpOp::GtE, false)
        );
        below.then_some(bound)
    }

    fn is_version_info(&self, expr: &Expr) -> bool {
        let expr = match expr {
            // `sys.version_info[:2]`
            Expr::Subscript(subscript) if subscript.slice.is_slice_expr() => &subscript.value,
            _ => expr,
        };
        matches!(expr, Expr::Attribute(_) | Expr::Name(_))
            && self.qualified_name(expr).as_deref() == Some("sys.version_info")
    }
}

/// The blocks of statements directly inside a compound statement (or `except` clause).
pub(crate) fn blocks<'n>(node: AnyNodeRef<'n>) -> Vec<&'n [Stmt]> {
    match node {
        AnyNodeRef::StmtFunctionDef(def) => vec![&def.body],
        AnyNodeRef::StmtClassDef(class) => vec![&class.body],
        AnyNodeRef::StmtIf(if_stmt) => std::iter::once(&if_stmt.body[..])
            .chain(
                if_stmt
                    .elif_else_clauses
                    .iter()
                    .map(|clause| &clause.body[..]),
            )
            .collect(),
        AnyNodeRef::StmtFor(for_stmt) => vec![&for_stmt.body, &for_stmt.orelse],
        AnyNodeRef::StmtWhile(while_stmt) => vec![&while_stmt.body, &while_stmt.orelse],
        AnyNodeRef::StmtWith(with) => vec![&with.body],
        AnyNodeRef::StmtTry(try_stmt) => {
            vec![&try_stmt.body, &try_stmt.orelse, &try_stmt.finalbody]
        }
        AnyNodeRef::ExceptHandlerExceptHandler(handler) => vec![&handler.body],
        AnyNodeRef::StmtMatch(match_stmt) => {
            match_stmt.cases.iter().map(|case| &case.body[..]).collect()
        }
        _ => Vec::new(),
    }
}

/// `a <op> b` as `b <swapped op> a`.
fn swapped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtE => CmpOp::GtE,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtE => CmpOp::LtE,
        other => other,
    }
}

/// The span of a non-empty block of statements.
pub(crate) fn block_range(body: &[Stmt]) -> Option<TextRange> {
    Some(TextRange::new(body.first()?.start(), body.last()?.end()))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ruff_python_ast::{self as ast, Expr, PySourceType};
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    type Seen = Arc<Mutex<Vec<(String, Option<u8>, bool)>>>;

    /// Records, for every call of `probe(...)`, the version bound and the `except ImportError`
    /// guard at that point.
    #[derive(Default)]
    struct Probe {
        seen: Seen,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            let Expr::Name(name) = call.func.as_ref() else {
                return;
            };
            if name.id.as_str() != "probe" {
                return;
            }
            let label = call
                .arguments
                .args
                .first()
                .map(|arg| ctx.text(arg).to_string())
                .unwrap_or_default();
            let bound = ctx.runs_only_below(call.range()).map(|v| v.minor);
            let guarded = ctx.in_try_catching(call.range(), &["ImportError", "AttributeError"]);
            self.seen.lock().unwrap().push((label, bound, guarded));
        }
    }

    fn probe(source: &str) -> Vec<(String, Option<u8>, bool)> {
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

    fn bounds(source: &str) -> Vec<(String, Option<u8>)> {
        probe(source)
            .into_iter()
            .map(|(label, bound, _)| (label, bound))
            .collect()
    }

    fn row(label: &str, bound: Option<u8>) -> (String, Option<u8>) {
        (label.to_string(), bound)
    }

    #[test]
    fn if_else_branches() {
        let source = "\
import sys

if sys.version_info >= (3, 13):
    probe(a)
elif sys.version_info >= (3, 11):
    probe(b)
else:
    probe(c)
if sys.version_info < (3, 14):
    probe(d)
if (3, 12) > sys.version_info:
    probe(e)
if sys.version_info[:2] <= (3, 10):
    probe(f)
if not sys.version_info >= (3, 9):
    probe(g)
if sys.version_info < (3, 11, 2):
    probe(h)
probe(i)
";
        assert_eq!(
            bounds(source),
            [
                row("a", None),
                row("b", Some(13)),
                row("c", Some(11)),
                row("d", Some(14)),
                row("e", Some(12)),
                row("f", Some(10)),
                row("g", Some(9)),
                row("h", Some(12)),
                row("i", None),
            ]
        );
    }

    #[test]
    fn boolean_operands_ternaries_and_names() {
        let source = "\
import sys
from sys import version_info

PY_313 = sys.version_info >= (3, 13)
x = sys.version_info < (3, 14) and probe(a)
y = sys.version_info >= (3, 14) or probe(b)
z = probe(c) if version_info < (3, 10) else probe(d)
if not PY_313:
    probe(e)
if PY_313 and sys.platform == 'linux':
    probe(f)
else:
    probe(g)
";
        assert_eq!(
            bounds(source),
            [
                row("a", Some(14)),
                row("b", Some(14)),
                row("c", Some(10)),
                row("d", None),
                row("e", Some(13)),
                row("f", None),
                row("g", None),
            ]
        );
    }

    #[test]
    fn early_exits_bound_the_rest_of_the_block() {
        let source = "\
import sys

import pytest


def f():
    if sys.version_info >= (3, 9):
        return probe(a)
    probe(b)
    if sys.platform == 'win32':
        return
    probe(c)


def test_old():
    if sys.version_info >= (3, 11):
        pytest.skip('removed')
    probe(d)


def g():
    if sys.version_info >= (3, 9):
        print('new')
    probe(e)
";
        assert_eq!(
            bounds(source),
            [
                row("a", None),
                row("b", Some(9)),
                row("c", Some(9)),
                row("d", Some(11)),
                row("e", None),
            ]
        );
    }

    #[test]
    fn skip_decorators_bound_test_bodies() {
        let source = "\
import sys
import unittest

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 11), reason='removed')
def test_old():
    probe(a)


@unittest.skipUnless(sys.version_info < (3, 12), 'old only')
class TestOld(unittest.TestCase):
    def test_it(self):
        probe(b)


@pytest.mark.skipif(sys.platform == 'win32', reason='posix')
def test_posix():
    probe(c)
";
        assert_eq!(
            bounds(source),
            [row("a", Some(11)), row("b", Some(12)), row("c", None)]
        );
    }

    #[test]
    fn try_except_import_error_guards() {
        let source = "\
try:
    probe(a)
except ImportError:
    probe(b)
try:
    probe(c)
except (KeyError, AttributeError):
    pass
try:
    probe(d)
except Exception:
    pass
try:
    def f():
        probe(e)
except ImportError:
    pass
";
        let guarded: Vec<(String, bool)> = probe(source)
            .into_iter()
            .map(|(label, _, guarded)| (label, guarded))
            .collect();
        assert_eq!(
            guarded,
            [
                ("a".to_string(), true),
                ("b".to_string(), false),
                ("c".to_string(), true),
                ("d".to_string(), false),
                ("e".to_string(), false),
            ]
        );
    }
}
