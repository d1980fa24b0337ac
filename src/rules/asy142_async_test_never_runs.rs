//! ASY142 async-test-never-runs: an `async def` test (or fixture) that pytest will not run.
//!
//! Without a plugin, pytest cannot run a coroutine function: it skips the test with a warning
//! (failing it since pytest 8.4) and the test's assertions never execute. A test runs when:
//!
//! - it, its class (decorator or `pytestmark` in the body) or the module (`pytestmark`) carries
//!   `asyncio`, `anyio`, `trio` or `gen_test`, or `usefixtures("anyio_backend")`, or it takes the
//!   `anyio_backend` fixture;
//! - the pytest configuration that applies puts a plugin in auto mode (`asyncio_mode = auto`,
//!   `anyio_mode = auto`, `trio_mode = true`), or the project runs coroutine tests itself (see
//!   `crate::pytest_config`);
//! - it is a method of an `IsolatedAsyncioTestCase` (plain `unittest.TestCase` methods never are).
//!
//! Async fixtures under plain `@pytest.fixture` are not run by pytest-asyncio in strict mode.

use std::sync::Arc;

use ruff_python_ast::{self as ast, AnyNodeRef, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::pytest_config::{self, AsyncioMode, PytestConfig};
use crate::rules::pytest_facts::{is_unittest_module, FixtureDecorator, Mark, TestClass};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct AsyncTestNeverRuns {
    /// What kind of test file the file is (decided on the first candidate).
    role: Option<FileRole>,
    /// The pytest configuration for the file (read on the first candidate that needs it).
    config: Option<Arc<PytestConfig>>,
}

impl Rule for AsyncTestNeverRuns {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::FunctionDef(def) = stmt else {
            return;
        };
        if !def.is_async {
            return;
        }
        let is_test = def.name.as_str().starts_with("test");
        if !is_test && def.decorator_list.is_empty() {
            return;
        }
        let role = self.role(ctx);
        if !(role.pytest || role.unittest || role.conftest) {
            return;
        }
        let Some(classes) = enclosing_classes(ctx) else {
            return;
        };
        if let Some(fixture) = fixture_decorator(def, ctx) {
            if fixture == FixtureDecorator::Pytest && (role.pytest || role.conftest) {
                self.check_fixture(def, ctx, out);
            }
            return;
        }
        if !is_test {
            return;
        }
        match classes.first().map(|class| (class, ctx.test_class(class))) {
            Some((class, TestClass::UnittestCase { direct })) => {
                if (role.pytest || role.unittest)
                    && classes.len() == 1
                    && decorators_keep_coroutine(def, ctx)
                {
                    out.push(unittest_finding(def, class, direct, ctx));
                }
            }
            Some((_, TestClass::Other)) => {}
            Some((_, TestClass::Pytest)) | None => {
                let outer_collected = classes
                    .iter()
                    .skip(1)
                    .all(|class| ctx.test_class(class) == TestClass::Pytest);
                if role.pytest && outer_collected && self.pytest_never_runs(def, &classes, ctx) {
                    out.push(pytest_finding(def, ctx));
                }
            }
        }
    }
}

/// How the file takes part in a test run.
#[derive(Debug, Clone, Copy)]
struct FileRole {
    /// pytest collects tests from it (`python_files`, by default `test_*.py` and `*_test.py`).
    pytest: bool,
    /// unittest's discovery loads it (`test*.py`).
    unittest: bool,
    /// It is a `conftest.py` (fixtures, no tests).
    conftest: bool,
}

impl AsyncTestNeverRuns {
    fn role(&mut self, ctx: &Context) -> FileRole {
        if let Some(role) = self.role {
            return role;
        }
        let role = match ctx.path() {
            Some(path) => FileRole {
                pytest: self.config(ctx).collects(path),
                unittest: is_unittest_module(path),
                conftest: path.file_name().is_some_and(|name| name == "conftest.py"),
            },
            None => {
                let test_code = ctx.imports_test_framework();
                FileRole {
                    pytest: test_code,
                    unittest: test_code,
                    conftest: false,
                }
            }
        };
        self.role = Some(role);
        role
    }

    fn config(&mut self, ctx: &Context) -> Arc<PytestConfig> {
        Arc::clone(self.config.get_or_insert_with(|| match ctx.path() {
            Some(path) => pytest_config::for_file(path),
            None => Arc::new(PytestConfig::default()),
        }))
    }

    /// Would pytest leave this `async def test_*` of a module or pytest class unrun?
    fn pytest_never_runs(
        &mut self,
        def: &ast::StmtFunctionDef,
        classes: &[&ast::StmtClassDef],
        ctx: &Context,
    ) -> bool {
        // The function's own decorators: marks, and `patch` (which keeps it a coroutine
        // function); any other decorator may run the coroutine itself.
        for decorator in &def.decorator_list {
            match ctx.pytest_mark(&decorator.expression) {
                Some(mark) if mark.runs_async_test() || mark.skips_unconditionally() => {
                    return false;
                }
                Some(_) => {}
                None if ctx.is_patch_decorator(&decorator.expression) => {}
                None => return false,
            }
        }
        if def
            .parameters
            .iter()
            .any(|parameter| parameter.name().as_str() == "anyio_backend")
        {
            return false;
        }
        for class in classes {
            for decorator in &class.decorator_list {
                match ctx.pytest_mark(&decorator.expression) {
                    Some(mark) if !runs(&[mark]) => {}
                    _ => return false,
                }
            }
            match ctx.class_pytestmark(class) {
                Some(marks) if !runs(&marks) => {}
                _ => return false,
            }
        }
        match ctx.module_pytestmark() {
            Some(marks) if !runs(&marks) => {}
            _ => return false,
        }
        if loads_runner_plugin(ctx) {
            return false;
        }
        !self.config(ctx).runs_every_async_test()
    }

    /// An async fixture under plain `@pytest.fixture`: pytest-asyncio in strict mode does not
    /// run it, and the test receives a coroutine object instead of the fixture's value.
    fn check_fixture(&mut self, def: &ast::StmtFunctionDef, ctx: &Context, out: &mut Report) {
        // AnyIO's plugin runs async fixtures of tests that use it, and pytest-trio's those of
        // trio tests: only files that use neither.
        let source = ctx.source();
        if ctx.library() != Library::Asyncio || source.contains("anyio") || source.contains("trio")
        {
            return;
        }
        if def.decorator_list.iter().any(|decorator| {
            ctx.fixture_decorator(&decorator.expression).is_none()
                && ctx.pytest_mark(&decorator.expression).is_none()
                && !ctx.is_patch_decorator(&decorator.expression)
        }) {
            return;
        }
        if loads_runner_plugin(ctx) {
            return;
        }
        let config = self.config(ctx);
        if config.asyncio_mode() != AsyncioMode::Strict || config.runs_every_async_test() {
            return;
        }
        // A conftest serves tests in other files, which may use a plugin this file does not
        // mention: only when it shows that pytest-asyncio is what runs them.
        let is_conftest = ctx
            .path()
            .and_then(|path| path.file_name())
            .is_some_and(|name| name == "conftest.py");
        let uses_pytest_asyncio = source.contains("pytest_asyncio")
            || source.contains("mark.asyncio")
            || config.settings.mentions_pytest_asyncio;
        if is_conftest && !uses_pytest_asyncio {
            return;
        }
        let Some(decorator) = def
            .decorator_list
            .iter()
            .find(|d| ctx.fixture_decorator(&d.expression) == Some(FixtureDecorator::Pytest))
        else {
            return;
        };
        let diagnostic = Diagnostic::new(
            "ASY142",
            def.name.range(),
            format!(
                "Async fixture `{}` uses `@pytest.fixture`, which pytest-asyncio's strict mode does not run",
                def.name
            ),
        );
        let callee = ruff_python_ast::helpers::map_callable(&decorator.expression);
        let (reference, import) = ctx.reference_to("pytest_asyncio", "fixture");
        let mut edits = vec![Edit::replace(callee.range(), reference)];
        edits.extend(import);
        out.push(diagnostic.with_fix("Use `@pytest_asyncio.fixture`", Fix::unsafe_(edits)));
    }
}

fn runs(marks: &[Mark]) -> bool {
    marks.iter().any(Mark::runs_async_test)
}

/// The fixture decorator on `def`, if any.
fn fixture_decorator(def: &ast::StmtFunctionDef, ctx: &Context) -> Option<FixtureDecorator> {
    def.decorator_list
        .iter()
        .find_map(|decorator| ctx.fixture_decorator(&decorator.expression))
}

/// The classes around the current `def`, innermost first; `None` when a function or anything
/// but a class, `if`, `try` or `with` encloses it (pytest would not collect it).
fn enclosing_classes<'a>(ctx: &Context<'a>) -> Option<Vec<&'a ast::StmtClassDef>> {
    let mut classes = Vec::new();
    for parent in ctx.parents().rev() {
        match parent {
            AnyNodeRef::StmtClassDef(class) => classes.push(class),
            AnyNodeRef::StmtIf(_)
            | AnyNodeRef::StmtTry(_)
            | AnyNodeRef::ExceptHandlerExceptHandler(_) => {}
            AnyNodeRef::StmtWith(with) if !with.is_async => {}
            _ => return None,
        }
    }
    Some(classes)
}

/// Do the decorators of a unittest method keep it a coroutine function (only marks and
/// `patch`)?
fn decorators_keep_coroutine(def: &ast::StmtFunctionDef, ctx: &Context) -> bool {
    def.decorator_list.iter().all(|decorator| {
        ctx.pytest_mark(&decorator.expression).is_some()
            || ctx.is_patch_decorator(&decorator.expression)
    })
}

/// Does the module load a plugin that runs coroutine tests (`pytest_plugins = [...]`)?
fn loads_runner_plugin(ctx: &Context) -> bool {
    ctx.source().contains("pytest_plugins")
        && pytest_config::pytest_plugins(ctx.source())
            .iter()
            .any(|plugin| plugin == "aiohttp.pytest_plugin")
}

fn pytest_finding(def: &ast::StmtFunctionDef, ctx: &Context) -> Diagnostic {
    let mark = match ctx.library() {
        Library::Asyncio => "asyncio",
        Library::AnyIO => "anyio",
        Library::Trio => "trio",
    };
    let diagnostic = Diagnostic::new(
        "ASY142",
        def.name.range(),
        format!(
            "Async test `{}` never runs: it has no `asyncio`, `anyio` or `trio` mark and no async plugin is in auto mode",
            def.name
        ),
    );
    let title = format!("Add `@pytest.mark.{mark}`");
    match add_mark(def, mark, ctx) {
        Some(fix) => diagnostic.with_fix(title, fix),
        None => diagnostic.with_help(title),
    }
}

/// Inserts `@pytest.mark.<mark>` above the function's decorators.
fn add_mark(def: &ast::StmtFunctionDef, mark: &str, ctx: &Context) -> Option<Fix> {
    let source = ctx.source();
    let start = def.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &source[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        // `class T: async def test(): ...` on one line.
        return None;
    }
    let (marks, import) = ctx.reference_to("pytest", "mark");
    let mut edits = vec![Edit::insert(
        def.start(),
        format!("@{marks}.{mark}{}{indent}", ctx.line_ending()),
    )];
    edits.extend(import);
    Some(Fix::unsafe_(edits))
}

fn unittest_finding(
    def: &ast::StmtFunctionDef,
    class: &ast::StmtClassDef,
    direct: Option<TextRange>,
    ctx: &Context,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        "ASY142",
        def.name.range(),
        format!(
            "Async test `{}` never runs: `{}` is a `unittest.TestCase`, which does not await test methods",
            def.name, class.name
        ),
    );
    let title = format!(
        "Derive `{}` from `unittest.IsolatedAsyncioTestCase`",
        class.name
    );
    let Some(base) = direct else {
        return diagnostic.with_help(title);
    };
    let (reference, import) = ctx.reference_to("unittest", "IsolatedAsyncioTestCase");
    let mut edits = vec![Edit::replace(base, reference)];
    edits.extend(import);
    diagnostic.with_fix(title, Fix::unsafe_(edits))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::linter::{check_source_at, FixMode};
    use crate::settings::Settings;

    fn findings(source: &str, path: &Path) -> Vec<String> {
        let settings = Settings::only("ASY142").unwrap();
        check_source_at(
            source,
            Some(path),
            settings.rules,
            &settings,
            FixMode::Check,
        )
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
    }

    const UNMARKED: &str = "import pytest\n\n\nasync def test_fetch():\n    assert True\n";

    #[test]
    fn only_modules_pytest_collects_count() {
        let dir = tempfile::tempdir().unwrap();
        let plain = "async def test_fetch():\n    assert True\n";
        assert_eq!(findings(plain, &dir.path().join("test_api.py")).len(), 1);
        assert_eq!(findings(plain, &dir.path().join("api_test.py")).len(), 1);
        // Not collected by pytest: helpers in a tests folder, conftest.py, other modules.
        assert!(findings(plain, &dir.path().join("tests").join("helpers.py")).is_empty());
        assert!(findings(plain, &dir.path().join("conftest.py")).is_empty());
        assert!(findings(UNMARKED, &dir.path().join("src").join("api.py")).is_empty());
    }

    #[test]
    fn python_files_from_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pytest.ini"),
            "[pytest]\npython_files = tests.py check_*.py\n",
        )
        .unwrap();
        assert_eq!(
            findings(UNMARKED, &dir.path().join("check_api.py")).len(),
            1
        );
        assert_eq!(findings(UNMARKED, &dir.path().join("tests.py")).len(), 1);
        assert!(findings(UNMARKED, &dir.path().join("test_api.py")).is_empty());
    }

    #[test]
    fn unittest_cases_in_modules_unittest_discovers() {
        let dir = tempfile::tempdir().unwrap();
        let case = "import unittest\n\n\nclass T(unittest.TestCase):\n    async def test_x(self):\n        pass\n";
        // Django's `app/tests.py`: not a pytest module by default, but unittest's.
        assert_eq!(findings(case, &dir.path().join("tests.py")).len(), 1);
        assert!(findings(case, &dir.path().join("checks.py")).is_empty());
    }

    #[test]
    fn fixtures_in_conftest_need_signs_of_pytest_asyncio() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = "import pytest\n\n\n@pytest.fixture\nasync def client():\n    return 1\n";
        assert!(findings(fixture, &dir.path().join("conftest.py")).is_empty());
        let with_mark = format!("{fixture}\n\npytestmark = pytest.mark.asyncio\n");
        assert_eq!(
            findings(&with_mark, &dir.path().join("conftest.py")).len(),
            1
        );
        assert_eq!(findings(fixture, &dir.path().join("test_api.py")).len(), 1);
    }

    #[test]
    fn auto_mode_in_the_nearest_configuration_silences() {
        let dir = tempfile::tempdir().unwrap();
        let tests = dir.path().join("tests");
        std::fs::create_dir_all(&tests).unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n",
        )
        .unwrap();
        assert!(findings(UNMARKED, &tests.join("test_api.py")).is_empty());
    }
}
