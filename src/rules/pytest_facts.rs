//! Facts about pytest and unittest test code that ASY142 and ASY143 share: which files are test
//! files, the pytest marks on a function, its classes and the module (`pytestmark`), fixtures,
//! unittest `TestCase` classes, and mock objects.
//!
//! Written as `impl Context` methods so that they can move into `context.rs` unchanged.

use ruff_python_ast::helpers::map_callable;
use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::context::Context;
use crate::scope::Binding;

/// How many base classes deep a class hierarchy is followed.
const MAX_BASES: usize = 8;

/// One pytest mark: `pytest.mark.asyncio`, `pytest.mark.usefixtures("anyio_backend")`.
#[derive(Debug, Clone, Copy)]
pub struct Mark<'e> {
    /// The mark's name (`asyncio`).
    pub name: &'e str,
    /// The call, when the mark is called with arguments.
    pub call: Option<&'e ast::ExprCall>,
}

impl Mark<'_> {
    /// Marks that make an async test run: pytest-asyncio's, AnyIO's, pytest-trio's, and the
    /// `gen_test` of pytest-tornado / pytest-tornasync.
    pub fn runs_async_test(&self) -> bool {
        matches!(self.name, "asyncio" | "anyio" | "trio" | "gen_test")
            || (self.name == "usefixtures" && self.string_arguments().any(|a| a == "anyio_backend"))
    }

    /// `@pytest.mark.skip` with no condition: the test never runs anyway.
    pub fn skips_unconditionally(&self) -> bool {
        self.name == "skip"
    }

    fn string_arguments(&self) -> impl Iterator<Item = &str> {
        self.call
            .into_iter()
            .flat_map(|call| call.arguments.args.iter())
            .filter_map(|arg| match arg {
                Expr::StringLiteral(literal) => Some(literal.value.to_str()),
                _ => None,
            })
    }
}

/// What kind of fixture decorator an expression is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureDecorator {
    /// `@pytest.fixture` / `@pytest.fixture(...)`.
    Pytest,
    /// `@pytest_asyncio.fixture` / `@pytest_asyncio.fixture(...)`.
    PytestAsyncio,
}

/// How a class takes part in a test run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestClass {
    /// A pytest test class: `Test*`, no `__init__`, no base classes other than plain classes of
    /// this module (or `object`).
    Pytest,
    /// A subclass of `unittest.TestCase` (directly or through classes of this module) and of
    /// nothing that could add async support. `direct` holds the base expression when
    /// `unittest.TestCase` is a direct base.
    UnittestCase { direct: Option<TextRangeOf> },
    /// Anything else: not collected by pytest, an async-capable base (`IsolatedAsyncioTestCase`,
    /// Django's `TestCase`), or a base we cannot see.
    Other,
}

/// The range of a node (kept small and `Copy`).
pub type TextRangeOf = ruff_text_size::TextRange;

/// The qualified names of `unittest.TestCase`.
const UNITTEST_TEST_CASE: &[&str] = &["unittest.TestCase", "unittest.case.TestCase"];

/// The qualified names of the sync mock classes (whose calls return plain values).
pub const SYNC_MOCK_CLASSES: &[&str] = &[
    "unittest.mock.Mock",
    "unittest.mock.MagicMock",
    "mock.Mock",
    "mock.MagicMock",
    "mock.mock.Mock",
    "mock.mock.MagicMock",
];

impl<'a> Context<'a> {
    /// Does the module import `pytest` or `unittest` (how a source without a file name shows
    /// that it is test code)?
    pub fn imports_test_framework(&self) -> bool {
        let module = &self.scopes[0];
        module.imports_module("pytest") || module.imports_module("unittest")
    }

    /// The pytest mark an expression denotes: `pytest.mark.asyncio`, `mark.anyio(...)` (with
    /// `from pytest import mark`), resolved through imports.
    pub fn pytest_mark<'e>(&self, expr: &'e Expr) -> Option<Mark<'e>> {
        let (callee, call) = match expr {
            Expr::Call(call) => (call.func.as_ref(), Some(call)),
            other => (other, None),
        };
        let Expr::Attribute(attribute) = callee else {
            return None;
        };
        let base = self.qualified_name(&attribute.value)?;
        if base != "pytest.mark" && base != "_pytest.mark" {
            return None;
        }
        Some(Mark {
            name: attribute.attr.as_str(),
            call,
        })
    }

    /// The marks of a `pytestmark` value: one mark, or a list or tuple of marks. `None` when the
    /// value is anything else (so its marks are unknown).
    pub fn pytest_marks<'e>(&self, value: &'e Expr) -> Option<Vec<Mark<'e>>> {
        match value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                elts.iter().map(|elt| self.pytest_mark(elt)).collect()
            }
            other => self.pytest_mark(other).map(|mark| vec![mark]),
        }
    }

    /// The module's `pytestmark` marks: empty when the module does not set it, `None` when it
    /// sets it to something that is not a plain mark or list of marks (or sets it twice).
    pub fn module_pytestmark(&self) -> Option<Vec<Mark<'a>>> {
        match self.scopes[0].get("pytestmark") {
            None => Some(Vec::new()),
            Some(Binding::Local { value: Some(value) }) => self.pytest_marks(value),
            Some(_) => None,
        }
    }

    /// The marks of a `pytestmark = ...` in a class body (the last one wins), like
    /// [`Context::module_pytestmark`].
    pub fn class_pytestmark(&self, class: &'a ast::StmtClassDef) -> Option<Vec<Mark<'a>>> {
        let mut marks = Some(Vec::new());
        for stmt in &class.body {
            let (targets, value): (&[Expr], &Expr) = match stmt {
                Stmt::Assign(assign) => (&assign.targets, &assign.value),
                Stmt::AnnAssign(ast::StmtAnnAssign {
                    target,
                    value: Some(value),
                    ..
                }) => (std::slice::from_ref(target.as_ref()), value),
                Stmt::AugAssign(aug) if matches!(aug.target.as_ref(), Expr::Name(n) if n.id.as_str() == "pytestmark") =>
                {
                    return None;
                }
                _ => continue,
            };
            if targets
                .iter()
                .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == "pytestmark"))
            {
                marks = self.pytest_marks(value);
            }
        }
        marks
    }

    /// Is `decorator` a fixture decorator, and whose?
    pub fn fixture_decorator(&self, decorator: &Expr) -> Option<FixtureDecorator> {
        match self.qualified_name(map_callable(decorator))?.as_str() {
            "pytest.fixture" | "_pytest.fixtures.fixture" => Some(FixtureDecorator::Pytest),
            "pytest_asyncio.fixture" => Some(FixtureDecorator::PytestAsyncio),
            _ => None,
        }
    }

    /// Is `decorator` one of `unittest.mock.patch`'s forms (which keep an `async def` a
    /// coroutine function)?
    pub fn is_patch_decorator(&self, decorator: &Expr) -> bool {
        self.qualified_name(map_callable(decorator))
            .is_some_and(|name| is_patch_name(&name))
    }

    /// How `class` takes part in a test run (see [`TestClass`]).
    pub fn test_class(&self, class: &'a ast::StmtClassDef) -> TestClass {
        match self.unittest_base(class, 0) {
            BaseKind::TestCase => {
                let direct = class.arguments.as_ref().and_then(|arguments| {
                    arguments.args.iter().find_map(|base| {
                        self.qualified_name(base)
                            .filter(|name| UNITTEST_TEST_CASE.contains(&name.as_str()))
                            .map(|_| ruff_text_size::Ranged::range(base))
                    })
                });
                TestClass::UnittestCase { direct }
            }
            BaseKind::Plain
                if class.name.as_str().starts_with("Test") && !defines(class, "__init__") =>
            {
                TestClass::Pytest
            }
            _ => TestClass::Other,
        }
    }

    /// What the bases of `class` make of it.
    fn unittest_base(&self, class: &'a ast::StmtClassDef, depth: usize) -> BaseKind {
        if depth > MAX_BASES {
            return BaseKind::Unknown;
        }
        let Some(arguments) = &class.arguments else {
            return BaseKind::Plain;
        };
        if !arguments.keywords.is_empty() {
            // A metaclass may do anything with the methods.
            return BaseKind::Unknown;
        }
        let mut kind = BaseKind::Plain;
        for base in arguments.args.iter() {
            let base_kind = match base {
                Expr::Name(name)
                    if name.id.as_str() == "object" && self.lookup("object").is_none() =>
                {
                    BaseKind::Plain
                }
                Expr::Name(name) => match self.lookup(name.id.as_str()) {
                    Some(Binding::Definition(Stmt::ClassDef(base_class)))
                        if !std::ptr::eq(base_class, class) =>
                    {
                        self.unittest_base(base_class, depth + 1)
                    }
                    Some(Binding::Import(_)) => self.imported_base_kind(base),
                    _ => BaseKind::Unknown,
                },
                Expr::Attribute(_) => self.imported_base_kind(base),
                _ => BaseKind::Unknown,
            };
            kind = match (kind, base_kind) {
                (BaseKind::Unknown, _) | (_, BaseKind::Unknown) => BaseKind::Unknown,
                (BaseKind::TestCase, _) | (_, BaseKind::TestCase) => BaseKind::TestCase,
                _ => BaseKind::Plain,
            };
        }
        kind
    }

    fn imported_base_kind(&self, base: &Expr) -> BaseKind {
        match self.qualified_name(base).as_deref() {
            Some(name) if UNITTEST_TEST_CASE.contains(&name) => BaseKind::TestCase,
            Some("abc.ABC" | "typing.Generic" | "typing.Protocol") => BaseKind::Plain,
            _ => BaseKind::Unknown,
        }
    }

    /// Is `expr` a call of a synchronous mock class (`Mock(...)`, `MagicMock(...)`,
    /// `mocker.MagicMock(...)`)? Returns the callee expression.
    pub fn sync_mock_class<'e>(&self, expr: &'e Expr) -> Option<&'e Expr> {
        if let Some(name) = self.qualified_name(expr) {
            return SYNC_MOCK_CLASSES.contains(&name.as_str()).then_some(expr);
        }
        // pytest-mock's `mocker.MagicMock` (the fixture is a parameter, so it does not resolve).
        match expr {
            Expr::Attribute(attribute)
                if matches!(attribute.attr.as_str(), "Mock" | "MagicMock")
                    && is_mocker(&attribute.value, self) =>
            {
                Some(expr)
            }
            _ => None,
        }
    }

    /// The `def` of method `attr` of `class` (a class of this module), looked up in its body and
    /// then in its bases that are classes of this module. `None` when it is bound some other way
    /// or may come from a base that is not visible here.
    pub fn class_method(
        &self,
        class: &'a ast::StmtClassDef,
        attr: &str,
    ) -> Option<&'a ast::StmtFunctionDef> {
        self.class_method_within(class, attr, 0)
    }

    fn class_method_within(
        &self,
        class: &'a ast::StmtClassDef,
        attr: &str,
        depth: usize,
    ) -> Option<&'a ast::StmtFunctionDef> {
        if depth > MAX_BASES {
            return None;
        }
        let mut found: Option<Option<&'a ast::StmtFunctionDef>> = None;
        for stmt in &class.body {
            match stmt {
                Stmt::FunctionDef(def) if def.name.as_str() == attr => found = Some(Some(def)),
                Stmt::Assign(assign)
                    if assign
                        .targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == attr)) =>
                {
                    found = Some(None);
                }
                Stmt::AnnAssign(ann) if matches!(ann.target.as_ref(), Expr::Name(n) if n.id.as_str() == attr) =>
                {
                    found = Some(None);
                }
                Stmt::ClassDef(nested) if nested.name.as_str() == attr => found = Some(None),
                // Conditional definitions: give up on this name.
                Stmt::If(_) | Stmt::Try(_) | Stmt::With(_) | Stmt::For(_) | Stmt::While(_)
                    if found.is_none() && binds_somewhere(stmt, attr) =>
                {
                    return None;
                }
                _ => {}
            }
        }
        if let Some(found) = found {
            return found;
        }
        let arguments = class.arguments.as_ref()?;
        for base in arguments.args.iter() {
            let Expr::Name(name) = base else {
                return None;
            };
            match self.lookup(name.id.as_str()) {
                Some(Binding::Definition(Stmt::ClassDef(base_class)))
                    if !std::ptr::eq(base_class, class) =>
                {
                    if let Some(def) = self.class_method_within(base_class, attr, depth + 1) {
                        return Some(def);
                    }
                }
                None if name.id.as_str() == "object" => {}
                _ => return None,
            }
        }
        None
    }

    /// The class of this module that `expr` names or is an instance of: `Service`, a local
    /// bound to `Service(...)`, or `self` / `cls` in one of its methods.
    pub fn module_class_of(&self, expr: &Expr) -> Option<&'a ast::StmtClassDef> {
        self.module_class_within(expr, 0)
    }

    fn module_class_within(&self, expr: &Expr, hops: usize) -> Option<&'a ast::StmtClassDef> {
        if hops > MAX_BASES {
            return None;
        }
        match expr {
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Definition(Stmt::ClassDef(class)) => Some(class),
                Binding::Local {
                    value: Some(Expr::Call(call)),
                } => {
                    let Expr::Name(callee) = call.func.as_ref() else {
                        return None;
                    };
                    match self.lookup(callee.id.as_str())? {
                        Binding::Definition(Stmt::ClassDef(class)) => Some(class),
                        _ => None,
                    }
                }
                Binding::Local {
                    value: Some(value @ Expr::Name(_)),
                } => self.module_class_within(value, hops + 1),
                Binding::SelfParameter => self.frames().iter().rev().find_map(|frame| match frame
                    .node
                {
                    ruff_python_ast::AnyNodeRef::StmtClassDef(class) => Some(class),
                    _ => None,
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BaseKind {
    /// No base, `object`, or plain classes of this module.
    Plain,
    /// Reaches `unittest.TestCase` and nothing unknown.
    TestCase,
    /// A base that is not visible here.
    Unknown,
}

/// Would unittest's discovery (`python -m unittest`, Django's test runner) load tests from the
/// module at `path`: does its name match `test*.py`?
pub fn is_unittest_module(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("test") && name.ends_with(".py"))
}

/// `unittest.mock.patch` and its forms, from the standard library or the `mock` backport.
pub fn is_patch_name(name: &str) -> bool {
    let rest = name
        .strip_prefix("unittest.mock.")
        .or_else(|| name.strip_prefix("mock.mock."))
        .or_else(|| name.strip_prefix("mock."));
    matches!(
        rest,
        Some("patch" | "patch.object" | "patch.dict" | "patch.multiple")
    )
}

/// pytest-mock's fixtures: `mocker`, `module_mocker`, `class_mocker`, ….
pub fn is_mocker(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::Name(name) => {
            name.id.as_str().ends_with("mocker")
                && matches!(
                    ctx.lookup(name.id.as_str()),
                    Some(Binding::Local { .. } | Binding::SelfParameter) | None
                )
        }
        // `self.mocker` set up in a fixture.
        Expr::Attribute(attribute) => attribute.attr.as_str().ends_with("mocker"),
        _ => false,
    }
}

fn defines(class: &ast::StmtClassDef, name: &str) -> bool {
    class
        .body
        .iter()
        .any(|stmt| matches!(stmt, Stmt::FunctionDef(def) if def.name.as_str() == name))
}

/// Does a compound statement bind `name` somewhere inside (a `def`, class or assignment)?
fn binds_somewhere(stmt: &Stmt, name: &str) -> bool {
    use ruff_python_ast::visitor::{self, Visitor};
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'b> Visitor<'b> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            match stmt {
                Stmt::FunctionDef(def) => self.found |= def.name.as_str() == self.name,
                Stmt::ClassDef(class) => self.found |= class.name.as_str() == self.name,
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'b Expr) {
            if let Expr::Name(name) = expr {
                if name.ctx.is_store() && name.id.as_str() == self.name {
                    self.found = true;
                }
            }
        }
    }
    let mut finder = Finder { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn unittest_modules() {
        assert!(is_unittest_module(Path::new("app/tests.py")));
        assert!(is_unittest_module(Path::new("test_api.py")));
        assert!(!is_unittest_module(Path::new("api_test.py")));
        assert!(!is_unittest_module(Path::new("tests/helpers.py")));
        assert!(!is_unittest_module(Path::new("tests/test_stub.pyi")));
    }

    #[test]
    fn patch_names() {
        assert!(is_patch_name("unittest.mock.patch"));
        assert!(is_patch_name("unittest.mock.patch.object"));
        assert!(is_patch_name("mock.patch.dict"));
        assert!(!is_patch_name("unittest.mock.Mock"));
        assert!(!is_patch_name("mypatch.patch"));
    }
}
