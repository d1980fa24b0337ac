//! ASY122 asyncio-timeout-error-alias: `asyncio.TimeoutError`, which is the builtin
//! `TimeoutError` from Python 3.11 on.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy121_loop_argument::{contains_comment, remove_list_item};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;
use crate::settings::PythonVersion;

const ALIAS: &str = "asyncio.TimeoutError";

#[derive(Default)]
pub struct AsyncioTimeoutErrorAlias {
    /// Whether the file mentions `TimeoutError` at all (decided on the first hook call).
    relevant: Option<bool>,
    /// `from asyncio import TimeoutError` statements seen so far, each with the edit that removes
    /// the name from it (module-level statements only).
    imports: Vec<Option<Edit>>,
}

impl Rule for AsyncioTimeoutErrorAlias {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        if !self.is_relevant(ctx) {
            return;
        }
        let Stmt::ImportFrom(import) = stmt else {
            return;
        };
        if import.level > 0 {
            return;
        }
        let module = import.module.as_ref().map_or("", |m| m.as_str());
        let Some(index) = import.names.iter().position(|alias| {
            alias.asname.is_none()
                && names::canonical_asyncio_name(&format!("{module}.{}", alias.name)) == ALIAS
        }) else {
            return;
        };
        // Only module-level imports are removed: removing a statement from a block could leave
        // the block empty.
        let removal = ctx
            .parent()
            .is_none()
            .then(|| remove_import_name(stmt, import, index, ctx))
            .flatten();
        self.imports.push(removal);
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let (range, is_load) = match expr {
            Expr::Attribute(attribute) if attribute.attr.as_str() == "TimeoutError" => {
                (attribute.range(), attribute.ctx.is_load())
            }
            Expr::Name(name) => (name.range(), name.ctx.is_load()),
            _ => return,
        };
        if !is_load || !self.is_relevant(ctx) {
            return;
        }
        let is_alias = ctx
            .qualified_name(expr)
            .is_some_and(|qualified| names::canonical_asyncio_name(&qualified) == ALIAS);
        if !is_alias {
            return;
        }
        let text = ctx.text(expr);
        let diagnostic = Diagnostic::new(
            "ASY122",
            range,
            if text == "TimeoutError" {
                "`TimeoutError` imported from `asyncio` is an alias of the builtin `TimeoutError`"
                    .to_string()
            } else {
                format!("`{text}` is an alias of the builtin `TimeoutError`")
            },
        );
        out.push(match self.fix(expr, ctx) {
            Some((title, fix)) => diagnostic.with_fix(title, fix),
            None => diagnostic.with_help("Use the builtin `TimeoutError`"),
        });
    }
}

impl AsyncioTimeoutErrorAlias {
    /// The rule applies to Python 3.11+ (before, `asyncio.TimeoutError` is a different class)
    /// and to files that mention `TimeoutError`.
    fn is_relevant(&mut self, ctx: &Context) -> bool {
        *self.relevant.get_or_insert_with(|| {
            ctx.target_version() >= PythonVersion::PY311 && ctx.source().contains("TimeoutError")
        })
    }

    fn fix(&self, expr: &Expr, ctx: &Context) -> Option<(&'static str, Fix)> {
        if !builtin_visible(ctx) {
            // `TimeoutError` is the imported alias itself: the fix drops the import, after which
            // every use refers to the builtin. Unsafe: other modules may import the name from here.
            let is_imported_name =
                matches!(expr, Expr::Name(name) if name.id.as_str() == "TimeoutError");
            let [Some(edit)] = self.imports.as_slice() else {
                return None;
            };
            if !is_imported_name {
                return None;
            }
            return Some((
                "Remove `TimeoutError` from the `asyncio` import",
                Fix::unsafe_(vec![edit.clone()]),
            ));
        }
        let title = "Replace with the builtin `TimeoutError`";
        if let Some(removal) = remove_duplicate(expr, ctx) {
            return Some((title, removal));
        }
        Some((
            title,
            Fix::safe(vec![Edit::replace(expr.range(), "TimeoutError")]),
        ))
    }
}

/// Is the name `TimeoutError` the builtin here?
fn builtin_visible(ctx: &Context) -> bool {
    match ctx.lookup("TimeoutError") {
        None => true,
        Some(Binding::Import(qualified)) => qualified.as_ref() == "builtins.TimeoutError",
        Some(_) => false,
    }
}

/// In `except (asyncio.TimeoutError, TimeoutError):` the alias is a duplicate: remove it from the
/// tuple (`except TimeoutError:` when two elements remain to one).
fn remove_duplicate(expr: &Expr, ctx: &Context) -> Option<Fix> {
    let Some(AnyNodeRef::ExprTuple(tuple)) = ctx.parent() else {
        return None;
    };
    let mut parents = ctx.parents().rev();
    parents.next();
    let Some(AnyNodeRef::ExceptHandlerExceptHandler(handler)) = parents.next() else {
        return None;
    };
    if handler
        .type_
        .as_deref()
        .is_none_or(|type_| type_.range() != tuple.range())
    {
        return None;
    }
    let has_builtin = tuple
        .elts
        .iter()
        .any(|element| ctx.qualified_name(element).as_deref() == Some("builtins.TimeoutError"));
    if !has_builtin {
        return None;
    }
    let source = ctx.source();
    if tuple.elts.len() == 2 && tuple.parenthesized {
        let edit = Edit::replace(tuple.range(), "TimeoutError");
        return Some(if contains_comment(&source[tuple.range()]) {
            Fix::unsafe_(vec![edit])
        } else {
            Fix::safe(vec![edit])
        });
    }
    let items: Vec<TextRange> = tuple.elts.iter().map(Ranged::range).collect();
    let index = items.iter().position(|range| *range == expr.range())?;
    let removal = remove_list_item(source, &items, index)?;
    Some(if removal.deletes_comment {
        Fix::unsafe_(vec![removal.edit])
    } else {
        Fix::safe(vec![removal.edit])
    })
}

/// The edit that removes `names[index]` from a module-level `from … import` statement: the
/// name with its comma, or the whole statement's lines when it is the only name.
fn remove_import_name(
    stmt: &Stmt,
    import: &ast::StmtImportFrom,
    index: usize,
    ctx: &Context,
) -> Option<Edit> {
    let source = ctx.source();
    if import.names.len() > 1 {
        let items: Vec<TextRange> = import.names.iter().map(Ranged::range).collect();
        return Some(remove_list_item(source, &items, index)?.edit);
    }
    // The statement must be alone on its line(s) (no `;`), with at most a trailing comment.
    let lines = ctx.line_range(stmt.range());
    let before = &source[TextRange::new(lines.start(), stmt.start())];
    let after = source[TextRange::new(stmt.end(), lines.end())].trim();
    if !before.trim().is_empty() || !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    Some(Edit::delete(lines))
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    const PY311: PythonVersion = PythonVersion::PY311;

    fn settings(version: PythonVersion) -> Settings {
        let mut settings = Settings::only("ASY122").unwrap();
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
        let settings = settings(PY311);
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    #[test]
    fn only_from_python_3_11() {
        let source = "import asyncio\n\nx = asyncio.TimeoutError\n";
        assert!(flagged(source, PythonVersion { minor: 10 }).is_empty());
        assert_eq!(
            flagged(source, PY311),
            [("asyncio.TimeoutError".to_string(), Some("safe"))]
        );
        assert_eq!(
            flagged(source, PythonVersion { minor: 14 }).len(),
            1,
            "newer targets too"
        );
    }

    #[test]
    fn submodules_and_stores() {
        let source = "\
import asyncio.exceptions
from asyncio.exceptions import TimeoutError as E

asyncio.TimeoutError = RuntimeError
x = (asyncio.exceptions.TimeoutError, E)
";
        assert_eq!(
            fixed(source),
            "\
import asyncio.exceptions
from asyncio.exceptions import TimeoutError as E

asyncio.TimeoutError = RuntimeError
x = (TimeoutError, TimeoutError)
"
        );
    }

    #[test]
    fn builtins_import_keeps_the_builtin_visible() {
        let source =
            "from builtins import TimeoutError\nimport asyncio\n\nx = asyncio.TimeoutError\n";
        assert_eq!(
            fixed(source),
            "from builtins import TimeoutError\nimport asyncio\n\nx = TimeoutError\n"
        );
    }

    #[test]
    fn function_level_imports_are_not_removed() {
        let source = "\
def f(exc):
    from asyncio import TimeoutError
    return isinstance(exc, TimeoutError)
";
        assert_eq!(flagged(source, PY311), [("TimeoutError".to_string(), None)]);
        let two = "\
from asyncio import TimeoutError


def f(exc):
    from asyncio import TimeoutError
    return isinstance(exc, TimeoutError)
";
        assert_eq!(flagged(two, PY311), [("TimeoutError".to_string(), None)]);
    }

    #[test]
    fn removing_from_a_parenthesized_multi_line_import() {
        let source = "\
from asyncio import (
    sleep,
    TimeoutError,
)

x = TimeoutError
";
        assert_eq!(
            flagged(source, PY311),
            [("TimeoutError".to_string(), Some("unsafe"))]
        );
        assert_eq!(
            fixed(source),
            "from asyncio import (\n    sleep,\n)\n\nx = TimeoutError\n"
        );
    }

    #[test]
    fn duplicate_removal_that_deletes_a_comment_is_unsafe() {
        let source = "\
import asyncio

try:
    pass
except (
    asyncio.TimeoutError,  # old name
    TimeoutError,
):
    pass
";
        assert_eq!(
            flagged(source, PY311),
            [("asyncio.TimeoutError".to_string(), Some("unsafe"))]
        );
        assert!(fixed(source).contains("except TimeoutError:\n"));
    }

    #[test]
    fn files_without_the_name_are_skipped() {
        let source = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n";
        assert!(flagged(source, PY311).is_empty());
    }
}
