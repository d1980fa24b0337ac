//! ASY127 wait-for-to-timeout: `await asyncio.wait_for(coro, t)` as a statement or the value of
//! a simple assignment, which `async with asyncio.timeout(t):` expresses directly on 3.11+.
//!
//! The fix moves the statement into the block:
//!
//! ```python
//! result = await asyncio.wait_for(fetch(url), timeout=5)
//! # becomes
//! async with asyncio.timeout(5):
//!     result = await fetch(url)
//! ```

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy121_loop_argument::contains_comment;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

const HELP: &str = "Use `async with asyncio.timeout(...)` around the `await`";

#[derive(Default)]
pub struct WaitForToTimeout;

impl Rule for WaitForToTimeout {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let member = match call.func.as_ref() {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return,
        };
        if member != "wait_for"
            || ctx.target_version() < PythonVersion::PY311
            || !ctx.in_async_function()
            || !ctx.is_awaited()
        {
            return;
        }
        let is_wait_for = ctx
            .qualified_name(&call.func)
            .is_some_and(|q| names::canonical_asyncio_name(&q) == "asyncio.wait_for");
        if !is_wait_for {
            return;
        }
        let Some(stmt) = awaiting_statement(ctx) else {
            return;
        };
        let Some((awaitable, timeout)) = wait_for_arguments(call) else {
            return;
        };
        if ctx
            .runs_only_below(call.range())
            .is_some_and(|version| version <= PythonVersion::PY311)
        {
            return;
        }
        let diagnostic = Diagnostic::new(
            "ASY127",
            call.range(),
            format!(
                "`{}` can be `async with asyncio.timeout(...)` around the `await`",
                ctx.text(&*call.func)
            ),
        );
        out.push(match fix(stmt, call, awaitable, timeout, ctx) {
            Some(fix) => diagnostic.with_fix("Replace with `async with asyncio.timeout(...)`", fix),
            None => diagnostic.with_help(HELP),
        });
    }
}

/// Can the expression follow `await` without parentheses? Only primaries can.
fn binds_to_await(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Name(_) | Expr::Call(_) | Expr::Attribute(_) | Expr::Subscript(_)
    )
}

/// The statement whose value is the `await` of the current call: an expression statement or an
/// assignment to one target.
fn awaiting_statement<'a>(ctx: &Context<'a>) -> Option<&'a Stmt> {
    let mut parents = ctx.parents().rev();
    let Some(AnyNodeRef::ExprAwait(awaited)) = parents.next() else {
        return None;
    };
    let stmt = ctx.current_statement()?;
    let value = match stmt {
        Stmt::Expr(expr) => &expr.value,
        Stmt::Assign(assign) if assign.targets.len() == 1 => &assign.value,
        _ => return None,
    };
    (value.range() == awaited.range()).then_some(stmt)
}

/// The awaitable and the timeout of `wait_for(fut, timeout)`, positional or by keyword; `None`
/// for any other argument list.
fn wait_for_arguments(call: &ast::ExprCall) -> Option<(&Expr, &Expr)> {
    let arguments = &call.arguments;
    let mut awaitable = None;
    let mut timeout = None;
    match &*arguments.args {
        [] => {}
        [first] => awaitable = Some(first),
        [first, second] => {
            awaitable = Some(first);
            timeout = Some(second);
        }
        _ => return None,
    }
    for keyword in &arguments.keywords {
        let slot = match keyword.arg.as_ref().map(ast::Identifier::as_str) {
            Some("fut") => &mut awaitable,
            Some("timeout") => &mut timeout,
            _ => return None,
        };
        if slot.replace(&keyword.value).is_some() {
            return None;
        }
    }
    let (awaitable, timeout) = (awaitable?, timeout?);
    if awaitable.is_starred_expr() || timeout.is_starred_expr() {
        return None;
    }
    Some((awaitable, timeout))
}

/// The rewrite into `async with asyncio.timeout(t):` with the statement indented beneath.
/// `None` when the statement does not have its line(s) to itself, when a comment inside the call
/// would be lost, or when evaluating the timeout first could change what the awaitable's
/// expression does.
fn fix(
    stmt: &Stmt,
    call: &ast::ExprCall,
    awaitable: &Expr,
    timeout: &Expr,
    ctx: &Context,
) -> Option<Fix> {
    let source = ctx.source();
    // `wait_for(await x, t)` waits for the *result* of `x`; `await await x` would not parse,
    // and what the author meant is not ours to guess.
    if awaitable.is_await_expr() {
        return None;
    }
    // `wait_for` evaluates the awaitable's expression before the timeout; the rewrite the
    // other way round. Fine when either one has no side effects.
    if !is_side_effect_free(awaitable) && !is_side_effect_free(timeout) {
        return None;
    }
    let indent = own_line_indent(stmt, ctx)?;
    let unit = indent_unit(indent, ctx)?;

    // Comments outside the two arguments (`wait_for(  # why\n coro, 5)`) would be lost.
    let (first, second) = if awaitable.start() < timeout.start() {
        (awaitable.range(), timeout.range())
    } else {
        (timeout.range(), awaitable.range())
    };
    let gaps = [
        TextRange::new(call.start(), first.start()),
        TextRange::new(first.end(), second.start()),
        TextRange::new(second.end(), call.end()),
    ];
    if gaps.iter().any(|gap| contains_comment(&source[*gap])) {
        return None;
    }
    let awaited = ctx
        .parents()
        .next_back()
        .filter(|parent| matches!(parent, AnyNodeRef::ExprAwait(_)))?;
    let before = &source[TextRange::new(stmt.start(), awaited.start())];
    let after = &source[TextRange::new(awaited.end(), stmt.end())];
    if contains_comment(before) || contains_comment(after) {
        return None;
    }
    // `await wait_for(...)` itself: between `await` and the call only whitespace.
    let between = &source[TextRange::new(awaited.start() + TextSize::from(5), call.start())];
    if !between.trim().is_empty() {
        return None;
    }

    let newline = ctx.line_ending();
    let body_indent = format!("{indent}{unit}");
    // A multi-line target (`(\n    a,\n    b,\n) = await ...`) moves one level in.
    let before = match stmt {
        Stmt::Assign(assign) => reindent(before, &assign.targets[0], indent, &body_indent, ctx)?,
        _ => before.to_string(),
    };
    // The awaitable's continuation lines move as much as the line it starts on: from where it
    // was to the line of the `await` in the block.
    let await_line_indent = if before.contains(['\n', '\r']) {
        format!("{}{unit}", line_indent(awaited.start(), ctx))
    } else {
        body_indent.clone()
    };
    let awaitable_text = reindent(
        ctx.text(awaitable),
        awaitable,
        line_indent(awaitable.start(), ctx),
        &await_line_indent,
        ctx,
    )?;
    let timeout_text = ctx.text(timeout);
    let (reference, import) = ctx.reference_to("asyncio", "timeout");
    // `await` binds tighter than any operator: `wait_for(x or y, 1)` must become `await (x or y)`.
    let body = if binds_to_await(awaitable) {
        format!("{before}await {awaitable_text}{after}")
    } else {
        format!("{before}await ({awaitable_text}){after}")
    };
    let replacement =
        format!("async with {reference}({timeout_text}):{newline}{indent}{unit}{body}");
    let mut edits = vec![Edit::replace(stmt.range(), replacement)];
    edits.extend(import);
    Some(Fix::unsafe_(edits))
}

/// Expressions whose evaluation cannot run code of the program: literals, names, attributes of
/// them (a property could, but rarely does), and arithmetic on those.
fn is_side_effect_free(expr: &Expr) -> bool {
    match expr {
        Expr::NumberLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_side_effect_free(&attribute.value),
        Expr::UnaryOp(unary) => is_side_effect_free(&unary.operand),
        Expr::BinOp(binary) => {
            is_side_effect_free(&binary.left) && is_side_effect_free(&binary.right)
        }
        _ => false,
    }
}

/// The indentation of a statement that has its line(s) to itself: only whitespace before it
/// and at most a comment after it.
fn own_line_indent<'a>(stmt: &Stmt, ctx: &Context<'a>) -> Option<&'a str> {
    let source = ctx.source();
    let start = stmt.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &source[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let rest = &source[stmt.end().to_usize()..];
    let line_rest = rest.split(['\n', '\r']).next().unwrap_or("").trim_start();
    (line_rest.is_empty() || line_rest.starts_with('#')).then_some(indent)
}

/// The whitespace at the start of the line that holds `offset`.
fn line_indent<'a>(offset: TextSize, ctx: &Context<'a>) -> &'a str {
    let source = ctx.source();
    let start = offset.to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = &source[line_start..start];
    let end = line
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(line.len());
    &line[..end]
}

/// One level of indentation in this file: what the enclosing function's body adds to its `def`
/// line; four spaces when that cannot be told. `None` when the statement's indentation mixes
/// tabs and spaces differently from the unit.
fn indent_unit<'a>(indent: &str, ctx: &Context<'a>) -> Option<&'a str> {
    let def = ctx.current_function()?;
    let def_indent = line_indent(def.start(), ctx);
    let body_indent = line_indent(def.body.first()?.start(), ctx);
    let unit = body_indent.strip_prefix(def_indent).unwrap_or("");
    if unit.is_empty() {
        return (!indent.contains('\t')).then_some("    ");
    }
    let unit_uses_tabs = unit.contains('\t');
    (indent.is_empty() || indent.contains('\t') == unit_uses_tabs).then_some(unit)
}

/// `text` (the source of `expr`, or of a statement part that contains it) with its continuation
/// lines moved by as much as its first line moves (from a line indented `old_indent` to one
/// indented `new_indent`), so that a multi-line expression keeps its shape. The text is kept as
/// it is when the lines do not share the indentation to remove. `None` when `expr` contains a
/// string that spans lines (whose content re-indenting would change).
fn reindent(
    text: &str,
    expr: &Expr,
    old_indent: &str,
    new_indent: &str,
    ctx: &Context,
) -> Option<String> {
    let newline = ctx.line_ending();
    if !text.contains(['\n', '\r']) || old_indent == new_indent {
        return Some(text.to_string());
    }
    let mut strings = MultiLineStrings { ctx, found: false };
    strings.visit_expr(expr);
    if strings.found {
        return None;
    }
    let mut lines = text.split(newline);
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    let moved: Option<Vec<String>> = if let Some(added) = new_indent.strip_prefix(old_indent) {
        Some(
            rest.iter()
                .map(|line| {
                    if line.trim().is_empty() {
                        (*line).to_string()
                    } else {
                        format!("{added}{line}")
                    }
                })
                .collect(),
        )
    } else if let Some(removed) = old_indent.strip_prefix(new_indent) {
        rest.iter()
            .map(|line| {
                if line.trim().is_empty() {
                    Some((*line).to_string())
                } else {
                    line.strip_prefix(removed).map(str::to_string)
                }
            })
            .collect()
    } else {
        None
    };
    let Some(moved) = moved else {
        return Some(text.to_string());
    };
    let mut out = first.to_string();
    for line in moved {
        out.push_str(newline);
        out.push_str(&line);
    }
    Some(out)
}

/// Finds strings that span lines (implicit concatenations across lines count too).
struct MultiLineStrings<'c, 'a> {
    ctx: &'c Context<'a>,
    found: bool,
}

impl<'e> Visitor<'e> for MultiLineStrings<'_, '_> {
    fn visit_expr(&mut self, expr: &'e Expr) {
        if self.found {
            return;
        }
        let is_string = matches!(
            expr,
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_) | Expr::TString(_)
        );
        if is_string {
            self.found = self.ctx.text(expr).contains(['\n', '\r']);
            return;
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn settings(version: PythonVersion) -> Settings {
        let mut settings = Settings::only("ASY127").unwrap();
        settings.target_version = version;
        settings.unsafe_fixes = true;
        settings
    }

    fn count(source: &str, version: PythonVersion) -> usize {
        let settings = settings(version);
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .len()
    }

    fn fixed(source: &str) -> String {
        let settings = settings(PythonVersion::PY311);
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    #[test]
    fn only_from_python_3_11() {
        let source = "import asyncio\n\n\nasync def f(c):\n    await asyncio.wait_for(c, 1)\n";
        assert_eq!(count(source, PythonVersion { minor: 10 }), 0);
        assert_eq!(count(source, PythonVersion::PY311), 1);
        assert_eq!(count(source, PythonVersion { minor: 14 }), 1);
    }

    #[test]
    fn an_awaited_argument_is_reported_but_not_rewritten() {
        let source = "import asyncio\n\n\nasync def f(r):\n    await asyncio.wait_for(await r.read(), timeout=1)\n";
        assert_eq!(count(source, PythonVersion::PY311), 1);
        assert_eq!(fixed(source), source);
    }

    #[test]
    fn an_operator_expression_is_parenthesized() {
        let source = "import asyncio\n\n\nasync def f(x, y):\n    await asyncio.wait_for(x or y, timeout=1)\n";
        assert_eq!(
            fixed(source),
            "import asyncio\n\n\nasync def f(x, y):\n    async with asyncio.timeout(1):\n        await (x or y)\n"
        );
    }

    #[test]
    fn tabs_and_crlf_are_kept() {
        let source = "import asyncio\r\n\r\n\r\nasync def f(c):\r\n\tx = await asyncio.wait_for(c, 1)\r\n\treturn x\r\n";
        assert_eq!(
            fixed(source),
            "import asyncio\r\n\r\n\r\nasync def f(c):\r\n\tasync with asyncio.timeout(1):\r\n\t\tx = await c\r\n\treturn x\r\n"
        );
    }

    #[test]
    fn multi_line_awaitables_are_reindented() {
        let source = "\
import asyncio


async def f(client):
    await asyncio.wait_for(
        client.send(
            1,
        ),
        timeout=5,
    )
";
        assert_eq!(
            fixed(source),
            "\
import asyncio


async def f(client):
    async with asyncio.timeout(5):
        await client.send(
            1,
        )
"
        );
    }

    #[test]
    fn multi_line_targets_move_with_the_statement() {
        let source = "\
import asyncio


async def f(hass, job):
    (
        first,
        second,
    ) = await asyncio.wait_for(
        hass.run(
            job,
        ),
        timeout=5,
    )
    total = await asyncio.wait_for(asyncio.gather(
        job.a(), job.b()), 2)
";
        assert_eq!(
            fixed(source),
            "\
import asyncio


async def f(hass, job):
    async with asyncio.timeout(5):
        (
            first,
            second,
        ) = await hass.run(
            job,
        )
    async with asyncio.timeout(2):
        total = await asyncio.gather(
            job.a(), job.b())
"
        );
    }

    #[test]
    fn multi_line_strings_are_not_reindented() {
        let source = "\
import asyncio


async def f(conn):
    await asyncio.wait_for(conn.execute('''
SELECT 1
'''), 5)
";
        assert_eq!(fixed(source), source);
        assert_eq!(count(source, PythonVersion::PY311), 1);
    }

    #[test]
    fn comments_inside_the_call_block_the_fix() {
        let source = "\
import asyncio


async def f(c):
    await asyncio.wait_for(
        c,  # the work
        5,
    )
";
        assert_eq!(fixed(source), source);
    }
}
