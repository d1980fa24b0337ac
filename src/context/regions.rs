//! Regions of a file where blocking calls are not findings: the body of an
//! `if TYPE_CHECKING:` block (never runs) and test code.

use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::Context;
use crate::names::blocking_io::TEST_MODULES;

impl<'a> Context<'a> {
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
    use ruff_python_ast as ast;
    use ruff_text_size::Ranged;

    use crate::context::testing::{at_calls, probed};
    use crate::context::Context;

    /// At every `x.probe()`: in test code, in a `TYPE_CHECKING` block.
    fn probe(source: &str) -> Vec<(bool, bool)> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            probed(call)?;
            Some((ctx.in_test_code(), ctx.in_type_checking_block(call.range())))
        })
    }

    fn test_code(source: &str) -> Vec<bool> {
        probe(source).into_iter().map(|(test, _)| test).collect()
    }

    #[test]
    fn test_code_is_recognised() {
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
        assert_eq!(test_code(plain), [false, false, true, true, false, true]);
        let with_pytest = "import pytest\n\nasync def helper(p):\n    p.probe()\n";
        assert_eq!(test_code(with_pytest), [true]);
        let fixture = "from pytest_asyncio import fixture\n\nasync def helper(p):\n    p.probe()\n";
        assert_eq!(test_code(fixture), [true]);
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
            probe(source)
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>(),
            [true, false, true, false]
        );
    }
}
