//! ASY123 deprecated-iscoroutinefunction: `asyncio.iscoroutinefunction`, deprecated in Python
//! 3.14 in favour of `inspect.iscoroutinefunction`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy121_loop_argument::remove_list_item;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

const DEPRECATED: &str = "asyncio.iscoroutinefunction";
const MEMBER: &str = "iscoroutinefunction";
const TITLE: &str = "Replace with `inspect.iscoroutinefunction`";

/// Code that runs only below this version is deliberate compatibility code: the function is
/// deprecated from 3.14 on.
const DEPRECATED_IN: PythonVersion = PythonVersion { minor: 14 };

/// From 3.13 on `inspect.iscoroutinefunction` recognises everything the standard library marks
/// as a coroutine function (`unittest.mock.create_autospec` of an `async def` included,
/// CPython gh-94924), so the replacement is safe there.
const SAFE_FROM: PythonVersion = PythonVersion { minor: 13 };

#[derive(Default)]
pub struct DeprecatedIscoroutinefunction {
    /// Whether the file mentions the name at all (decided on the first hook call).
    relevant: Option<bool>,
}

impl Rule for DeprecatedIscoroutinefunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::ImportFrom(import) = stmt else {
            return;
        };
        if import.level > 0 || !self.is_relevant(ctx) {
            return;
        }
        let Some(module) = &import.module else {
            return;
        };
        let Some(index) = import.names.iter().position(|alias| {
            alias.name.as_str() == MEMBER
                && names::canonical_asyncio_name(&format!("{module}.{MEMBER}")) == DEPRECATED
        }) else {
            return;
        };
        if is_compatibility_code(stmt.range(), ctx) {
            return;
        }
        let alias = &import.names[index];
        let diagnostic = Diagnostic::new(
            "ASY123",
            alias.range(),
            "`asyncio.iscoroutinefunction` is deprecated since Python 3.14",
        );
        out.push(match import_fix(stmt, import, index, ctx) {
            Some(fix) => diagnostic.with_fix("Import `iscoroutinefunction` from `inspect`", fix),
            None => diagnostic.with_help("Import `iscoroutinefunction` from `inspect`"),
        });
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(attribute) = expr else {
            return;
        };
        if attribute.attr.as_str() != MEMBER || !attribute.ctx.is_load() || !self.is_relevant(ctx) {
            return;
        }
        let is_deprecated = ctx
            .qualified_name(expr)
            .is_some_and(|qualified| names::canonical_asyncio_name(&qualified) == DEPRECATED);
        if !is_deprecated || is_compatibility_code(expr.range(), ctx) {
            return;
        }
        let text = ctx.text(expr);
        let diagnostic = Diagnostic::new(
            "ASY123",
            expr.range(),
            format!("`{text}` is deprecated since Python 3.14"),
        );
        out.push(match reference_fix(expr, ctx) {
            Some(fix) => diagnostic.with_fix(TITLE, fix),
            None => diagnostic.with_help(TITLE),
        });
    }
}

impl DeprecatedIscoroutinefunction {
    fn is_relevant(&mut self, ctx: &Context) -> bool {
        *self
            .relevant
            .get_or_insert_with(|| ctx.source().contains(MEMBER))
    }
}

/// Code that runs only on Pythons where the function is not deprecated
/// (`if sys.version_info < (3, 14):`, the `else` of `if sys.version_info >= (3, 13):`, ...):
/// libraries keep `asyncio.iscoroutinefunction` there on purpose, because before 3.13
/// `inspect.iscoroutinefunction` misses functions marked with asyncio's legacy marker.
fn is_compatibility_code(range: TextRange, ctx: &Context) -> bool {
    ctx.runs_only_below(range)
        .is_some_and(|bound| bound <= DEPRECATED_IN)
}

fn applicability(ctx: &Context, deletes_comment: bool) -> fn(Vec<Edit>) -> Fix {
    if ctx.target_version() >= SAFE_FROM && !deletes_comment {
        Fix::safe
    } else {
        Fix::unsafe_
    }
}

/// `asyncio.iscoroutinefunction` → `inspect.iscoroutinefunction` (or the file's alias of
/// `inspect`, or a name imported from it), adding `import inspect` when needed.
fn reference_fix(expr: &Expr, ctx: &Context) -> Option<Fix> {
    let (text, import) = ctx.reference_to("inspect", MEMBER);
    if import.is_some() && ctx.lookup("inspect").is_some() {
        // The added `import inspect` would be shadowed by the file's own `inspect`.
        return None;
    }
    let mut edits = vec![Edit::replace(expr.range(), text)];
    edits.extend(import);
    Some(applicability(ctx, false)(edits))
}

/// `from asyncio import iscoroutinefunction` → `from inspect import iscoroutinefunction`: the
/// module is replaced when it is the only name, else the name moves to a new
/// `from inspect import ...` line below the statement.
fn import_fix(
    stmt: &Stmt,
    import: &ast::StmtImportFrom,
    index: usize,
    ctx: &Context,
) -> Option<Fix> {
    let module = import.module.as_ref()?;
    if import.names.len() == 1 {
        return Some(applicability(ctx, false)(vec![Edit::replace(
            module.range(),
            "inspect",
        )]));
    }
    // The statement must end its line (no `;` after it) to add a line below it.
    let source = ctx.source();
    let lines = ctx.line_range(stmt.range());
    let ends_line =
        SimpleTokenizer::new(source, TextRange::new(stmt.end(), lines.end())).all(|token| {
            matches!(
                token.kind(),
                SimpleTokenKind::Whitespace | SimpleTokenKind::Comment | SimpleTokenKind::Newline
            )
        });
    let line_start = ctx.line_range(stmt.range()).start();
    let indent = &source[TextRange::new(line_start, stmt.start())];
    if !ends_line || !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let names: Vec<TextRange> = import.names.iter().map(Ranged::range).collect();
    let removal = remove_list_item(source, &names, index)?;
    let alias = &import.names[index];
    let asname = alias
        .asname
        .as_ref()
        .map(|asname| format!(" as {asname}"))
        .unwrap_or_default();
    let newline = ctx.line_ending();
    let mut line = format!("{indent}from inspect import {MEMBER}{asname}{newline}");
    if !source[..lines.end().to_usize()].ends_with('\n') {
        line.insert_str(0, newline);
    }
    Some(applicability(ctx, removal.deletes_comment)(vec![
        removal.edit,
        Edit::insert(lines.end(), line),
    ]))
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn settings(version: PythonVersion) -> Settings {
        let mut settings = Settings::only("ASY123").unwrap();
        settings.target_version = version;
        settings.unsafe_fixes = true;
        settings
    }

    /// The flagged texts with their fix applicability.
    fn flagged(source: &str, version: PythonVersion) -> Vec<(String, Option<&'static str>)> {
        let settings = settings(version);
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| {
                let fix = d.fix.as_ref().map(|fix| fix.applicability.as_str());
                (source[d.range].to_string(), fix)
            })
            .collect()
    }

    fn fixed(source: &str) -> String {
        let settings = settings(PythonVersion::PY39);
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    #[test]
    fn safe_only_from_python_3_13() {
        let source = "import asyncio\n\nok = asyncio.iscoroutinefunction(f)\n";
        let expected = |applicability| {
            vec![(
                "asyncio.iscoroutinefunction".to_string(),
                Some(applicability),
            )]
        };
        assert_eq!(flagged(source, PythonVersion::PY39), expected("unsafe"));
        assert_eq!(
            flagged(source, PythonVersion { minor: 12 }),
            expected("unsafe")
        );
        assert_eq!(
            flagged(source, PythonVersion { minor: 13 }),
            expected("safe")
        );
        assert_eq!(
            flagged(source, PythonVersion { minor: 14 }),
            expected("safe")
        );
    }

    #[test]
    fn shadowed_inspect_gets_no_fix() {
        let source = "import asyncio\n\n\ndef check(f, inspect):\n    return asyncio.iscoroutinefunction(f)\n";
        assert_eq!(
            flagged(source, PythonVersion::PY311),
            [("asyncio.iscoroutinefunction".to_string(), None)]
        );
    }

    #[test]
    fn import_moves_below_an_indented_statement() {
        let source = "\
def check(f):
    from asyncio import sleep, iscoroutinefunction as is_coro  # compat
    return is_coro(f)
";
        assert_eq!(
            fixed(source),
            "\
def check(f):
    from asyncio import sleep  # compat
    from inspect import iscoroutinefunction as is_coro
    return is_coro(f)
"
        );
    }

    #[test]
    fn import_at_the_end_of_a_file_without_newline() {
        let source = "from asyncio import iscoroutinefunction, sleep";
        assert_eq!(
            fixed(source),
            "from asyncio import sleep\nfrom inspect import iscoroutinefunction\n"
        );
    }

    #[test]
    fn import_followed_by_another_statement_on_its_line_gets_no_fix() {
        let source = "from asyncio import iscoroutinefunction, sleep; x = 1\n";
        assert_eq!(
            flagged(source, PythonVersion::PY39),
            [("iscoroutinefunction".to_string(), None)]
        );
    }

    #[test]
    fn version_guards_up_to_3_14_are_compatibility_code() {
        let source = "\
import asyncio
import sys

if sys.version_info < (3, 15):
    a = asyncio.iscoroutinefunction
if sys.version_info < (3, 14):
    b = asyncio.iscoroutinefunction
";
        assert_eq!(flagged(source, PythonVersion::PY39).len(), 1);
    }
}
