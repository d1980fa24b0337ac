//! ASY013 offload-called-not-passed: `asyncio.to_thread(f(x))` and friends — the callable is
//! called before the offload API gets it, so the work runs here and the API receives its result.

use ruff_python_ast::helpers::ReturnStatementVisitor;
use ruff_python_ast::visitor::Visitor;
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::{Context, OffloadRole};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names::threads;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct OffloadCalledNotPassed;

impl Rule for OffloadCalledNotPassed {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        // Cheapest guard: the callable is passed first or second, and is a call.
        let args = &call.arguments.args;
        if !args.iter().take(2).any(Expr::is_call_expr) {
            return;
        }
        // Methods known by name alone (`hass.async_add_executor_job`) count as offloads for the
        // blocking rules, but their jobs are often built by factories this rule cannot see
        // (`job=lambda router: ...` fields): only an event loop's `run_in_executor` is checked
        // by name, whatever its receiver.
        if let Expr::Attribute(attribute) = call.func.as_ref() {
            let method = attribute.attr.as_str();
            if method != "run_in_executor" && threads::offload_method(method).is_some() {
                return;
            }
        }
        let Some(offload) = ctx.offload_api(&call.func).filter(|offload| !offload.file) else {
            return;
        };
        // Every argument up to the callable is positional and not starred.
        let Some(Expr::Call(inner)) = args
            .iter()
            .take(offload.position + 1)
            .take_while(|arg| !arg.is_starred_expr())
            .nth(offload.position)
        else {
            return;
        };
        // More arguments passed on to the callable mean the inner call returns a callable.
        if offload.forwards_positionals && args.len() > offload.position + 1 {
            return;
        }
        if offload.forwards_keywords && !call.arguments.keywords.is_empty() {
            return;
        }
        if returns_callable(inner, ctx) {
            return;
        }
        let api = ctx.text(call.func.range());
        let callee = match inner.func.as_ref() {
            Expr::Name(_) | Expr::Attribute(_) if inner.func.range().len() <= 60.into() => {
                format!("`{}(...)`", ctx.text(inner.func.range()))
            }
            _ => "a call".to_string(),
        };
        let worker = if offload.process {
            "a worker process"
        } else {
            "a worker thread"
        };
        let diagnostic = Diagnostic::new(
            "ASY013",
            inner.range(),
            format!("Result of {callee} passed to `{api}`; the call runs here, not in {worker}"),
        );
        let title = format!("Pass the function and its arguments to `{api}`");
        out.push(match fix(call, inner, offload, ctx) {
            Some(fix) => diagnostic.with_fix(title, fix),
            None => diagnostic.with_help(title),
        });
    }
}

/// Is `call` (the current node) itself the callable argument of an offload API, as in
/// `asyncio.to_thread(q.get())`? That is this rule's finding; the blocking-call rules leave it
/// alone (`blocking::left_alone`) so that the mistake is reported once.
pub fn is_called_not_passed(call: &ast::ExprCall, ctx: &Context) -> bool {
    ctx.offload_role(call.range()) == Some(OffloadRole::Callable)
}

/// Is `inner` a call known to return a callable: a known factory (`functools.partial(f, x)`),
/// or a function or class of this module whose definition says so — a function annotated to
/// return a `Callable`, or returning a `lambda`, a function it defines, or a known factory's
/// result; a class with `__call__`. What the name looks like (`make_job`) does not count.
fn returns_callable(inner: &ast::ExprCall, ctx: &Context) -> bool {
    match inner.func.as_ref() {
        Expr::Name(name) => {
            if let Some(Binding::Definition(definition)) = ctx.lookup(name.id.as_str()) {
                return defines_callable_result(definition, ctx);
            }
        }
        Expr::Attribute(_) => {}
        _ => return false,
    }
    is_callable_factory(&inner.func, ctx)
}

fn is_callable_factory(func: &Expr, ctx: &Context) -> bool {
    ctx.qualified_name(func)
        .is_some_and(|name| threads::CALLABLE_FACTORIES.contains(&name.as_str()))
}

/// Does this `def` or `class` of the module produce callables (see `returns_callable`)?
fn defines_callable_result(definition: &Stmt, ctx: &Context) -> bool {
    let def = match definition {
        Stmt::FunctionDef(def) => def,
        Stmt::ClassDef(class) => {
            return class.body.iter().any(|stmt| {
                matches!(stmt, Stmt::FunctionDef(method) if method.name.as_str() == "__call__")
            });
        }
        _ => return false,
    };
    if def
        .returns
        .as_ref()
        .is_some_and(|returns| ctx.text(returns.range()).contains("Callable"))
    {
        return true;
    }
    let mut visitor = ReturnStatementVisitor::default();
    visitor.visit_body(&def.body);
    let nested_def = |name: &str| {
        def.body
            .iter()
            .any(|stmt| matches!(stmt, Stmt::FunctionDef(nested) if nested.name.as_str() == name))
    };
    visitor
        .returns
        .iter()
        .any(|ret| match ret.value.as_deref() {
            Some(Expr::Lambda(_)) => true,
            Some(Expr::Name(name)) => nested_def(name.id.as_str()),
            Some(Expr::Call(call)) => is_callable_factory(&call.func, ctx),
            _ => false,
        })
}

/// `api(f(x, k=v))` → `api(f, x, k=v)` when the API passes keywords on, else
/// `api(functools.partial(f, x, k=v))`; `sync_to_async(f(x))()` → `sync_to_async(f)(x)`.
fn fix(
    call: &ast::ExprCall,
    inner: &ast::ExprCall,
    offload: threads::Offload,
    ctx: &Context,
) -> Option<Fix> {
    let source = ctx.source();
    if !is_bare_argument(call, inner, offload.position, source) {
        return None;
    }
    // The callee as written, with its parentheses if it has them: `(a or b)(x)`.
    let func = source[TextRange::new(inner.start(), inner.arguments.start())].trim_end();
    let arguments = arguments_text(inner, source)?;
    let has_keywords = !inner.arguments.keywords.is_empty();

    if !offload.forwards_positionals {
        // `sync_to_async(f(x))()`: move the arguments to the wrapper's call.
        let outer = wrapper_call(call, ctx)?;
        return Some(Fix::unsafe_(vec![
            Edit::replace(inner.range(), func),
            Edit::replace(outer.arguments.inner_range(), arguments),
        ]));
    }

    // A keyword named like the API's own parameter would go to the API, not to `f`.
    let clashes = inner.arguments.keywords.iter().any(|keyword| {
        keyword
            .arg
            .as_ref()
            .is_some_and(|arg| arg.as_str() == "func")
    });
    let mut edits = Vec::new();
    let replacement = if has_keywords && (!offload.forwards_keywords || clashes) {
        let (partial, import) = ctx.reference_to("functools", "partial");
        edits.extend(import);
        format!("{partial}({})", join(func, &arguments))
    } else {
        join(func, &arguments)
    };
    edits.push(Edit::replace(inner.range(), replacement));
    Some(Fix::unsafe_(edits))
}

/// `f` or `f, x, y`.
fn join(func: &str, arguments: &str) -> String {
    if arguments.is_empty() {
        func.to_string()
    } else {
        format!("{func}, {arguments}")
    }
}

/// The call of the wrapper `sync_to_async(f(x))` returns, when it is called right away with no
/// arguments: `sync_to_async(f(x))()`.
fn wrapper_call<'a>(call: &ast::ExprCall, ctx: &Context<'a>) -> Option<&'a ast::ExprCall> {
    match ctx.parent()? {
        AnyNodeRef::ExprCall(outer)
            if outer.func.range() == call.range() && outer.arguments.is_empty() =>
        {
            Some(outer)
        }
        _ => None,
    }
}

/// Is the inner call written as a plain argument (not in parentheses of its own, which would
/// turn `f, x` into a tuple)? Only commas, whitespace and comments separate it from the
/// argument before it (or the opening parenthesis) and the one after it.
fn is_bare_argument(
    call: &ast::ExprCall,
    inner: &ast::ExprCall,
    position: usize,
    source: &str,
) -> bool {
    // After a syntax error the parser may close a call without its `)`: no fix then.
    let parenthesized = |arguments: &ast::Arguments| {
        let text = &source[arguments.range()];
        text.len() >= 2 && text.starts_with('(') && text.ends_with(')')
    };
    if !parenthesized(&call.arguments) || !parenthesized(&inner.arguments) {
        return false;
    }
    let before_start = if position == 0 {
        call.arguments.start() + TextSize::from(1)
    } else {
        call.arguments.args[position - 1].end()
    };
    let only_trivia = |range: TextRange, allow_comma: bool| {
        SimpleTokenizer::new(source, range).all(|token| {
            token.kind().is_trivia() || (allow_comma && token.kind() == SimpleTokenKind::Comma)
        })
    };
    let after_end = call
        .arguments
        .iter_source_order()
        .map(|argument| argument.start())
        .find(|start| *start > inner.start())
        .unwrap_or(call.arguments.end() - TextSize::from(1));
    if before_start > inner.start() || inner.end() > after_end {
        return false;
    }
    only_trivia(TextRange::new(before_start, inner.start()), position > 0)
        && only_trivia(TextRange::new(inner.end(), after_end), true)
}

/// The inner call's arguments as written, without a trailing comma or comments after the last
/// one: `x, k=v` for `f(x, k=v,  # c\n)`. `None` when they cannot be cut cleanly.
fn arguments_text(inner: &ast::ExprCall, source: &str) -> Option<String> {
    let arguments = &inner.arguments;
    let Some(last) = arguments.iter_source_order().last() else {
        return Some(String::new());
    };
    // A parenthesized last argument's `)` is not in its range.
    let mut end = last.end();
    for token in SimpleTokenizer::new(
        source,
        TextRange::new(last.end(), arguments.end() - TextSize::from(1)),
    ) {
        match token.kind() {
            SimpleTokenKind::RParen => end = token.end(),
            SimpleTokenKind::Comma => break,
            kind if kind.is_trivia() => {}
            _ => return None,
        }
    }
    let start = arguments.start() + TextSize::from(1);
    Some(source[TextRange::new(start, end)].trim_start().to_string())
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn fixed(source: &str) -> String {
        let mut settings = Settings::only("ASY013").unwrap();
        settings.unsafe_fixes = true;
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    fn count(source: &str) -> usize {
        let settings = Settings::only("ASY013").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .len()
    }

    #[test]
    fn arguments_passed_on_mean_the_result_is_a_callable() {
        let source = "\
import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor


async def f(loop, x, y):
    ex = ThreadPoolExecutor()
    ex.submit(make(x), y)
    ex.submit(make(x), k=y)
    await asyncio.to_thread(make(x), y)
    await asyncio.to_thread(make(x), k=y)
    await loop.run_in_executor(None, make(x), y)
    await loop.run_in_executor(None, *make(x))
";
        assert_eq!(count(source), 0);
    }

    #[test]
    fn flags_unknown_loops_and_calls_of_partials() {
        let source = "\
import asyncio
import functools
import trio


async def f(self, x):
    await self.loop.run_in_executor(None, work(x))
    await asyncio.to_thread(functools.partial(work)(x))
    await trio.to_thread.run_sync(work(x), limiter=None)
";
        assert_eq!(count(source), 3);
    }

    #[test]
    fn fixes_keep_arguments_as_written() {
        assert_eq!(
            fixed("import asyncio\nasyncio.to_thread(f(x, *a, k=1, **kw))\n"),
            "import asyncio\nasyncio.to_thread(f, x, *a, k=1, **kw)\n"
        );
        assert_eq!(
            fixed("import asyncio\nasyncio.to_thread(f(\n    x,\n    (y),  # why\n))\n"),
            "import asyncio\nasyncio.to_thread(f, x,\n    (y))\n"
        );
        assert_eq!(
            fixed("import asyncio\nasyncio.to_thread((a or b)(x))\n"),
            "import asyncio\nasyncio.to_thread((a or b), x)\n"
        );
    }

    #[test]
    fn no_fix_for_a_parenthesized_argument() {
        let source = "import asyncio\nasyncio.to_thread((f(x)))\n";
        assert_eq!(fixed(source), source);
        let settings = Settings::only("ASY013").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Check);
        assert_eq!(outcome.diagnostics.len(), 1);
        assert!(outcome.diagnostics[0].fix.is_none());
    }

    #[test]
    fn keywords_named_like_the_api_parameter_go_through_partial() {
        assert_eq!(
            fixed("from starlette.concurrency import run_in_threadpool\nrun_in_threadpool(f(func=g))\n"),
            "import functools\nfrom starlette.concurrency import run_in_threadpool\nrun_in_threadpool(functools.partial(f, func=g))\n"
        );
    }

    #[test]
    fn sync_to_async_moves_the_arguments_to_the_wrapper_call() {
        assert_eq!(
            fixed("from asgiref.sync import sync_to_async\n\nasync def v():\n    await sync_to_async(save(obj, force=True))()\n"),
            "from asgiref.sync import sync_to_async\n\nasync def v():\n    await sync_to_async(save)(obj, force=True)\n"
        );
        let not_called = "from asgiref.sync import sync_to_async\nw = sync_to_async(save(obj))\n";
        assert_eq!(fixed(not_called), not_called);
    }
}
