//! ASY120 asyncio-coroutine-decorator: `@asyncio.coroutine`, removed in Python 3.11.
//!
//! The fix turns a decorated generator function into `async def` with `yield from` → `await`,
//! when the function's own body (not nested functions) has no other kind of `yield`.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;
use crate::settings::PythonVersion;

const REMOVED: &str = "asyncio.coroutine";

/// Code that runs only below 3.11 (or expects the name to be missing) is deliberate
/// compatibility or test code for generator-based coroutines.
const REMOVED_IN: PythonVersion = PythonVersion { minor: 11 };
const MISSING_NAME_ERRORS: &[&str] = &["ImportError", "AttributeError", "ModuleNotFoundError"];

#[derive(Default)]
pub struct AsyncioCoroutineDecorator {
    /// Whether the file mentions `coroutine` at all (decided on the first hook call).
    relevant: Option<bool>,
    /// The decorated functions being walked, innermost last.
    functions: Vec<Decorated>,
}

/// A function decorated with `@asyncio.coroutine`, with what its own body holds.
struct Decorated {
    def: TextRange,
    decorator: TextRange,
    is_async: bool,
    /// Where the `def` keyword starts.
    def_keyword: Option<TextSize>,
    yield_froms: Vec<YieldFrom>,
    /// A `yield` (not `yield from`) makes it a plain generator.
    plain_yield: bool,
    /// `return <value>` in a function without `yield from`: the decorator awaits a returned
    /// awaitable, `async def` would not.
    returns_value: bool,
}

struct YieldFrom {
    range: TextRange,
    value: TextRange,
    /// `await <value>` means the same as `yield from <value>` without added parentheses.
    value_binds_tightly: bool,
}

impl Rule for AsyncioCoroutineDecorator {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            leave_stmt: true,
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def) => {
                if def.decorator_list.is_empty() || !self.is_relevant(ctx) {
                    return;
                }
                let Some(decorator) = def
                    .decorator_list
                    .iter()
                    .find(|decorator| is_removed_decorator(&decorator.expression, ctx))
                else {
                    return;
                };
                if is_compatibility_code(decorator.range(), ctx) {
                    return;
                }
                self.functions.push(Decorated {
                    def: def.range(),
                    decorator: decorator.range(),
                    is_async: def.is_async,
                    def_keyword: def_keyword(def, ctx),
                    yield_froms: Vec::new(),
                    plain_yield: false,
                    returns_value: false,
                });
            }
            Stmt::Return(ast::StmtReturn { value: Some(_), .. }) => {
                if let Some(function) = self.own_function(ctx) {
                    function.returns_value = true;
                }
            }
            _ => {}
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::FunctionDef(def) = stmt else {
            return;
        };
        if self
            .functions
            .last()
            .is_none_or(|function| function.def != def.range())
        {
            return;
        }
        let Some(function) = self.functions.pop() else {
            return;
        };
        let diagnostic = Diagnostic::new(
            "ASY120",
            function.decorator,
            "`@asyncio.coroutine` was removed in Python 3.11",
        );
        let title = if function.yield_froms.is_empty() {
            "Convert to `async def`"
        } else {
            "Convert to `async def` and `yield from` to `await`"
        };
        out.push(match fix(&function, ctx) {
            Some(fix) => diagnostic.with_fix(title, fix),
            None => diagnostic.with_help("Rewrite as `async def` using `await`"),
        });
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        match expr {
            Expr::YieldFrom(yield_from) => {
                let value_binds_tightly = binds_tightly(&yield_from.value);
                if let Some(function) = self.own_function(ctx) {
                    function.yield_froms.push(YieldFrom {
                        range: yield_from.range(),
                        value: yield_from.value.range(),
                        value_binds_tightly,
                    });
                }
            }
            Expr::Yield(_) => {
                if let Some(function) = self.own_function(ctx) {
                    function.plain_yield = true;
                }
            }
            Expr::Attribute(attribute)
                if attribute.attr.as_str() == "coroutine"
                    && attribute.ctx.is_load()
                    && self.is_relevant(ctx) =>
            {
                self.check_reference(expr, ctx, out);
            }
            Expr::Name(name) if name.ctx.is_load() && self.is_relevant(ctx) => {
                let imported = matches!(
                    ctx.lookup(name.id.as_str()),
                    Some(Binding::Import(qualified))
                        if names::canonical_asyncio_name(qualified) == REMOVED
                );
                if imported {
                    self.check_reference(expr, ctx, out);
                }
            }
            _ => {}
        }
    }
}

impl AsyncioCoroutineDecorator {
    fn is_relevant(&mut self, ctx: &Context) -> bool {
        *self
            .relevant
            .get_or_insert_with(|| ctx.source().contains("coroutine"))
    }

    /// The decorated function whose own body the current node is in (not a nested function,
    /// lambda or class).
    fn own_function(&mut self, ctx: &Context) -> Option<&mut Decorated> {
        if self.functions.is_empty() {
            return None;
        }
        let scope = ctx
            .frames()
            .iter()
            .rev()
            .find_map(|frame| match frame.node {
                AnyNodeRef::StmtFunctionDef(def) => Some(Some(def.range())),
                AnyNodeRef::StmtClassDef(_) | AnyNodeRef::ExprLambda(_) => Some(None),
                _ => None,
            })??;
        self.functions
            .last_mut()
            .filter(|function| function.def == scope)
    }

    /// A use of `asyncio.coroutine` other than as a function's decorator (`asyncio.coroutine(f)`,
    /// a class decorator, an assignment): reported without a fix.
    fn check_reference(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        if let Some(AnyNodeRef::StmtFunctionDef(def)) = ctx.parent() {
            if def
                .decorator_list
                .iter()
                .any(|decorator| decorator.expression.range() == expr.range())
            {
                return;
            }
        }
        let is_removed = ctx
            .qualified_name(expr)
            .is_some_and(|qualified| names::canonical_asyncio_name(&qualified) == REMOVED);
        if !is_removed || is_compatibility_code(expr.range(), ctx) {
            return;
        }
        out.push(
            Diagnostic::new(
                "ASY120",
                expr.range(),
                "`asyncio.coroutine` was removed in Python 3.11",
            )
            .with_help("Rewrite the function as `async def` using `await`"),
        );
    }
}

fn is_removed_decorator(expression: &Expr, ctx: &Context) -> bool {
    matches!(expression, Expr::Name(_) | Expr::Attribute(_))
        && ctx
            .qualified_name(expression)
            .is_some_and(|qualified| names::canonical_asyncio_name(&qualified) == REMOVED)
}

/// Code for Pythons before 3.11 (`if sys.version_info < (3, 11):`, a test skipped from 3.11
/// on) or inside `try: ... except (ImportError, AttributeError):` is written for the old API on
/// purpose.
fn is_compatibility_code(range: TextRange, ctx: &Context) -> bool {
    ctx.runs_only_below(range)
        .is_some_and(|bound| bound <= REMOVED_IN)
        || ctx.in_try_catching(range, MISSING_NAME_ERRORS)
}

/// Where the `def` keyword of a function starts (after its decorators).
fn def_keyword(def: &ast::StmtFunctionDef, ctx: &Context) -> Option<TextSize> {
    let after = def.decorator_list.last().map_or(def.start(), Ranged::end);
    SimpleTokenizer::starts_at(after, ctx.source())
        .find(|token| !token.kind().is_trivia())
        .filter(|token| token.kind() == SimpleTokenKind::Def)
        .map(|token| token.start())
}

/// Does `await <expr>` parse as `await (<expr>)`? True for the primaries `await` takes
/// (names, attributes, calls, subscripts, displays).
fn binds_tightly(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Call(_)
            | Expr::Subscript(_)
            | Expr::List(_)
            | Expr::Dict(_)
            | Expr::Set(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
    )
}

/// Removes the decorator's line, makes the function `async def` and turns each `yield from x`
/// of its own body into `await x`. Unsafe: callers that drive the function as a generator
/// (`yield from f()` in a plain generator, `next()`/`send()`) stop working.
fn fix(function: &Decorated, ctx: &Context) -> Option<Fix> {
    let mut edits = vec![Edit::delete(own_line(function.decorator, ctx)?)];
    if !function.is_async {
        // A plain generator, or a function whose returned awaitable the decorator would await.
        if function.plain_yield || (function.yield_froms.is_empty() && function.returns_value) {
            return None;
        }
        edits.push(Edit::insert(function.def_keyword?, "async "));
        for yield_from in &function.yield_froms {
            edits.extend(await_edits(yield_from, ctx)?);
        }
    }
    Some(Fix::unsafe_(edits))
}

/// `yield from x` → `await x`; `yield from a + b` → `await (a + b)`.
fn await_edits(yield_from: &YieldFrom, ctx: &Context) -> Option<Vec<Edit>> {
    let source = ctx.source();
    let mut tokens = SimpleTokenizer::starts_at(yield_from.range.start(), source)
        .filter(|token| !token.kind().is_trivia());
    let yield_token = tokens.next()?;
    let from_token = tokens.next()?;
    if yield_token.kind() != SimpleTokenKind::Yield || from_token.kind() != SimpleTokenKind::From {
        return None;
    }
    let operand = tokens.next()?;
    let parenthesized =
        operand.kind() == SimpleTokenKind::LParen && operand.start() < yield_from.value.start();
    let keywords = TextRange::new(yield_token.start(), from_token.end());
    if parenthesized || yield_from.value_binds_tightly {
        return Some(vec![Edit::replace(keywords, "await")]);
    }
    Some(vec![
        Edit::replace(
            TextRange::new(yield_token.start(), yield_from.value.start()),
            "await (",
        ),
        Edit::insert(yield_from.value.end(), ")"),
    ])
}

/// The whole line(s) of a decorator, when nothing but whitespace precedes it and at most a
/// comment follows it.
fn own_line(range: TextRange, ctx: &Context) -> Option<TextRange> {
    let source = ctx.source();
    let lines = ctx.line_range(range);
    let before = &source[TextRange::new(lines.start(), range.start())];
    let after = source[TextRange::new(range.end(), lines.end())].trim();
    (before.trim().is_empty() && (after.is_empty() || after.starts_with('#'))).then_some(lines)
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn fixed(source: &str) -> String {
        let mut settings = Settings::only("ASY120").unwrap();
        settings.unsafe_fixes = true;
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    fn fix_titles(source: &str) -> Vec<Option<String>> {
        let settings = Settings::only("ASY120").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| d.fix.map(|_| d.fix_title.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn parenthesizes_loose_operands() {
        let source = "\
import asyncio


@asyncio.coroutine
def f(a, b, c):
    x = yield from a or b
    y = (yield from c)
    return (yield from (a))
";
        assert_eq!(
            fixed(source),
            "\
import asyncio


async def f(a, b, c):
    x = await (a or b)
    y = (await c)
    return (await (a))
"
        );
    }

    #[test]
    fn nested_functions_do_not_count() {
        let source = "\
import asyncio


@asyncio.coroutine
def outer():
    def gen():
        yield 1

    @asyncio.coroutine
    def inner():
        yield
    result = yield from inner()
    return [x for x in gen()], (lambda: (yield))
";
        // `outer` converts; `inner` is a plain generator: no fix.
        assert_eq!(
            fix_titles(source),
            [
                Some("Convert to `async def` and `yield from` to `await`".to_string()),
                None
            ]
        );
    }

    #[test]
    fn returned_awaitables_block_the_fix() {
        let source = "\
import asyncio


@asyncio.coroutine
def f(fut):
    return fut


@asyncio.coroutine
def g():
    return
";
        assert_eq!(
            fix_titles(source),
            [None, Some("Convert to `async def`".to_string())]
        );
    }
}
