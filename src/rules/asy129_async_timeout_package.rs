//! ASY129 async-timeout-package: `async_timeout.timeout(x)` / `async_timeout.timeout_at(t)`
//! where `asyncio.timeout(x)` / `asyncio.timeout_at(t)` exist (Python 3.11+).
//!
//! Files that choose between the two at import time (`try: from async_timeout import timeout`
//! / `except ImportError:`, or an import under `if sys.version_info < (3, 11):`) are
//! compatibility code: calls through the names such an import binds are left alone.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

const PACKAGE: &str = "async_timeout";

/// An `async_timeout` function whose asyncio equivalent has the same name.
struct Replacement {
    name: &'static str,
    /// A parameter asyncio names differently: (`async_timeout`'s, asyncio's).
    renamed: Option<(&'static str, &'static str)>,
}

const REPLACEMENTS: &[Replacement] = &[
    Replacement {
        name: "timeout",
        renamed: None,
    },
    Replacement {
        name: "timeout_at",
        renamed: Some(("deadline", "when")),
    },
];

#[derive(Default)]
pub struct AsyncTimeoutPackage {
    /// Local names bound by imports of `async_timeout` that are compatibility code.
    guarded: Vec<String>,
}

impl Rule for AsyncTimeoutPackage {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        if ctx.target_version() < PythonVersion::PY311 {
            return;
        }
        let bound: Vec<&str> = match stmt {
            Stmt::Import(import) => import
                .names
                .iter()
                .filter(|alias| is_package(alias.name.as_str()))
                .map(|alias| {
                    alias
                        .asname
                        .as_ref()
                        .map_or(PACKAGE, ast::Identifier::as_str)
                })
                .collect(),
            Stmt::ImportFrom(from) if from.level == 0 => {
                let module = from.module.as_ref().map_or("", ast::Identifier::as_str);
                if !is_package(module) {
                    return;
                }
                from.names
                    .iter()
                    .map(|alias| alias.asname.as_ref().unwrap_or(&alias.name).as_str())
                    .collect()
            }
            _ => return,
        };
        if bound.is_empty() || !is_compatibility_code(stmt, ctx) {
            return;
        }
        self.guarded.extend(bound.into_iter().map(str::to_string));
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let member = match call.func.as_ref() {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return,
        };
        if !matches!(member, "timeout" | "timeout_at")
            || ctx.target_version() < PythonVersion::PY311
        {
            return;
        }
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        let Some(replacement) = REPLACEMENTS.iter().find(|replacement| {
            qualified
                .strip_prefix(PACKAGE)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(replacement.name)
        }) else {
            return;
        };
        let (old, new, renamed) = (replacement.name, replacement.name, replacement.renamed);
        if base_name(&call.func).is_some_and(|base| self.guarded.iter().any(|g| g == base))
            || is_compatibility_code_at(call, ctx)
        {
            return;
        }
        let diagnostic = Diagnostic::new(
            "ASY129",
            call.func.range(),
            format!(
                "`{PACKAGE}.{old}` can be the standard library's `asyncio.{new}` on Python 3.11+"
            ),
        );
        out.push(match fix(call, new, renamed, ctx) {
            Some((title, fix)) => diagnostic.with_fix(title, fix),
            None => diagnostic.with_help(format!("Use `asyncio.{new}`")),
        });
    }
}

fn is_package(module: &str) -> bool {
    module == PACKAGE
        || module
            .strip_prefix(PACKAGE)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The name a callee expression starts from: `timeout` in `timeout(5)`, `async_timeout` in
/// `async_timeout.timeout(5)`.
fn base_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => base_name(&attribute.value),
        _ => None,
    }
}

/// Is the import in a branch for Pythons before 3.11, or in a `try` that expects it to fail?
fn is_compatibility_code(stmt: &Stmt, ctx: &Context) -> bool {
    ctx.runs_only_below(stmt.range())
        .is_some_and(|version| version <= PythonVersion::PY311)
        || ctx.in_try_catching(stmt.range(), &["ImportError", "ModuleNotFoundError"])
}

fn is_compatibility_code_at(call: &ast::ExprCall, ctx: &Context) -> bool {
    ctx.runs_only_below(call.range())
        .is_some_and(|version| version <= PythonVersion::PY311)
}

/// Replaces the callee with `asyncio.<new>` (and `deadline=` with `when=`). Only for a call that
/// is an `async with` item without `as`: the `Timeout` objects differ (`expired` is a property
/// in `async_timeout` and a method in asyncio, `remaining`/`shift()`/`update()` have no asyncio
/// counterpart), and asyncio's cannot be entered with a plain `with`. Unsafe: `async_timeout`
/// may be a different version with other behaviour on cancellation.
fn fix(
    call: &ast::ExprCall,
    new: &str,
    renamed: Option<(&str, &str)>,
    ctx: &Context,
) -> Option<(String, Fix)> {
    let Some(AnyNodeRef::StmtWith(with)) = ctx.parent() else {
        return None;
    };
    let is_plain_item = with.is_async
        && with
            .items
            .iter()
            .any(|item| item.context_expr.range() == call.range() && item.optional_vars.is_none());
    if !is_plain_item {
        return None;
    }
    let arguments = &call.arguments;
    let mut edits = Vec::new();
    match (&*arguments.args, &*arguments.keywords) {
        ([argument], []) if !argument.is_starred_expr() => {}
        ([], [keyword]) => {
            let arg = keyword.arg.as_ref()?;
            match renamed {
                Some((old, new_name)) if arg.as_str() == old => {
                    edits.push(Edit::replace(arg.range(), new_name));
                }
                _ if arg.as_str() == "delay" && new == "timeout" => {}
                _ => return None,
            }
        }
        _ => return None,
    }
    let (reference, import) = ctx.reference_to("asyncio", new);
    edits.push(Edit::replace(call.func.range(), reference.clone()));
    edits.extend(import);
    Some((format!("Replace with `{reference}`"), Fix::unsafe_(edits)))
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn flagged(source: &str, version: PythonVersion) -> Vec<String> {
        let mut settings = Settings::only("ASY129").unwrap();
        settings.target_version = version;
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| source[d.range].to_string())
            .collect()
    }

    #[test]
    fn only_from_python_3_11() {
        let source = "\
import async_timeout


async def f(c):
    async with async_timeout.timeout(1):
        await c
";
        assert!(flagged(source, PythonVersion { minor: 10 }).is_empty());
        assert_eq!(
            flagged(source, PythonVersion::PY311),
            ["async_timeout.timeout"]
        );
    }

    #[test]
    fn guarded_imports_are_compatibility_code() {
        let source = "\
import sys

if sys.version_info < (3, 11):
    from async_timeout import timeout
else:
    from asyncio import timeout

try:
    import async_timeout as at
except ImportError:
    at = None


async def f(c):
    async with timeout(1):
        await c
    async with at.timeout(1):
        await c
";
        assert!(flagged(source, PythonVersion::PY311).is_empty());
    }
}
