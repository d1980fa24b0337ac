//! Facts about coroutines that ASY020–ASY029 share: which calls return coroutines, which
//! functions of the module are coroutine functions, async generators or async context managers,
//! and which values are async-only context managers or async iterables.
//!
//! Every rule asks through the functions here, never through the tables directly, so that the
//! project index (issue 6) can answer for imported project functions and methods of project
//! classes by adding one lookup branch to [`coroutine_call`], [`local_function_kind`] and friends
//! (see [`project_function_kind`]) without changing any rule.
//!
//! These are `impl`-free helpers over `&Context` for now; they can move to `context.rs` later.

use ruff_python_ast::helpers::map_callable;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};

use crate::context::Context;
use crate::names::{self, coroutines};
use crate::scope::Binding;

/// How deep type resolution follows bindings and receivers (`x = await x.next()` must end).
const MAX_DEPTH: usize = 8;

/// How many base classes deep a method is looked for.
const MAX_BASES: usize = 8;

/// What kind of function a callable is, for the coroutine rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// `async def` without `yield`: calling it returns a coroutine.
    Coroutine,
    /// `async def` with `yield`: calling it returns an async generator.
    AsyncGenerator,
    /// Decorated `@asynccontextmanager`: calling it returns an async context manager.
    AsyncContextManager,
    /// A plain `def`, or an `async def` behind a decorator that may change what it returns.
    Other,
}

/// Where a coroutine callee was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A library API from `names::coroutines` (`asyncio.sleep`, `session.get` on a known session).
    Library,
    /// An `async def` of this module (or nested in the current function).
    ModuleFunction,
    /// An `async def` method of the enclosing class (or a base class of this module).
    Method,
    /// An `async def` of another project module (through the project index).
    Project,
}

/// A call known to return a coroutine or another awaitable that does nothing until awaited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoroutineCallee {
    /// The qualified name for library APIs; the function's name otherwise.
    pub name: String,
    /// False for lazy awaitables that are not coroutines (`session.get(url)` in aiohttp).
    pub is_coroutine: bool,
    pub origin: Origin,
}

/// Is `call` a call that returns a coroutine (or a lazy awaitable)?
pub fn coroutine_call(call: &ast::ExprCall, ctx: &Context) -> Option<CoroutineCallee> {
    if let Some((def, origin)) = local_function(&call.func, ctx) {
        return (function_kind(def, ctx) == FunctionKind::Coroutine).then(|| CoroutineCallee {
            name: def.name.to_string(),
            is_coroutine: true,
            origin,
        });
    }
    let name = resolved_name(&call.func, ctx)?;
    if let Some(is_coroutine) = coroutines::awaitable_api(&name) {
        return Some(CoroutineCallee {
            name,
            is_coroutine,
            origin: Origin::Library,
        });
    }
    (project_function_kind(&name, ctx) == Some(FunctionKind::Coroutine)).then_some(
        CoroutineCallee {
            name,
            is_coroutine: true,
            origin: Origin::Project,
        },
    )
}

/// The kind of the function a callable expression refers to, when it is a function of this
/// module (a name bound by `def`, or `self.method` / `cls.method` / `super().method` of the
/// enclosing class and its bases in this module) or, later, of the project.
pub fn local_function_kind(func: &Expr, ctx: &Context) -> Option<FunctionKind> {
    if let Some((def, _)) = local_function(func, ctx) {
        return Some(function_kind(def, ctx));
    }
    match func {
        Expr::Name(_) | Expr::Attribute(_) => {
            let name = ctx.qualified_name(func)?;
            project_function_kind(&name, ctx)
        }
        _ => None,
    }
}

/// What the project index knows about the function `qualified` (an imported name such as
/// `app.db.fetch_user`, or `pkg.mod.Class.method`). The index arrives with issue 6; until then
/// nothing is known.
pub fn project_function_kind(_qualified: &str, _ctx: &Context) -> Option<FunctionKind> {
    None
}

/// Is the value of `expr` something that only `async with` can enter? Returns a short
/// description of it (a qualified name, or the function's name).
pub fn async_context_manager(expr: &Expr, ctx: &Context) -> Option<String> {
    if let Expr::Call(call) = expr {
        if let Some((def, _)) = local_function(&call.func, ctx) {
            return (function_kind(def, ctx) == FunctionKind::AsyncContextManager)
                .then(|| def.name.to_string());
        }
        let name = resolved_name(&call.func, ctx)?;
        if coroutines::ASYNC_CONTEXT_MANAGER_CALLS.contains(&name.as_str())
            || project_function_kind(&name, ctx) == Some(FunctionKind::AsyncContextManager)
        {
            return Some(name);
        }
        return None;
    }
    let ty = resolved_type(expr, ctx)?;
    coroutines::ASYNC_CONTEXT_MANAGER_TYPES
        .contains(&ty.as_str())
        .then_some(ty)
}

/// Is the value of `expr` an async iterable that a plain `for` cannot iterate? Returns a short
/// description of it.
pub fn async_iterable(expr: &Expr, ctx: &Context) -> Option<String> {
    if let Expr::Call(call) = expr {
        if let Some((def, _)) = local_function(&call.func, ctx) {
            return (function_kind(def, ctx) == FunctionKind::AsyncGenerator)
                .then(|| def.name.to_string());
        }
        let name = resolved_name(&call.func, ctx)?;
        if coroutines::is_async_iterator_call(&name)
            || project_function_kind(&name, ctx) == Some(FunctionKind::AsyncGenerator)
        {
            return Some(name);
        }
        return None;
    }
    let ty = resolved_type(expr, ctx)?;
    coroutines::ASYNC_ITERABLE_TYPES
        .contains(&ty.as_str())
        .then_some(ty)
}

/// The qualified name of a callee or attribute, canonical (`asyncio.Lock.acquire`) and with its
/// receiver normalised to the type known calls produce (`resp.json` in
/// `async with session.get(url) as resp` is `aiohttp.ClientResponse.json`). Beyond the
/// context's type tracking it follows locals bound to an awaited known call
/// (`conn = await asyncpg.connect()` makes `conn.fetch` `asyncpg.Connection.fetch`).
pub fn resolved_name(expr: &Expr, ctx: &Context) -> Option<String> {
    name_within(expr, ctx, 0)
}

/// The type of the value of `expr`, as [`resolved_name`] resolves receivers.
pub fn resolved_type(expr: &Expr, ctx: &Context) -> Option<String> {
    type_within(expr, ctx, 0)
}

fn name_within(expr: &Expr, ctx: &Context, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(qualified) = ctx.qualified_name(expr) {
        return Some(coroutines::normalize_callee(
            &names::canonical_asyncio_name(&qualified),
        ));
    }
    let Expr::Attribute(attribute) = expr else {
        return None;
    };
    // Only receivers the context cannot type: locals bound to `await <call>`, and their
    // attributes and with-targets.
    let ty = type_within(&attribute.value, ctx, depth + 1)?;
    Some(coroutines::normalize_callee(&format!(
        "{ty}.{}",
        attribute.attr
    )))
}

fn type_within(expr: &Expr, ctx: &Context, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(ty) = ctx.type_of(expr) {
        return Some(coroutines::normalize_type(&names::canonical_asyncio_name(
            &ty,
        )));
    }
    match expr {
        Expr::Await(awaited) => {
            let Expr::Call(call) = awaited.value.as_ref() else {
                return None;
            };
            let callee = name_within(&call.func, ctx, depth + 1)?;
            coroutines::result_type(&callee).map(str::to_string)
        }
        Expr::Call(call) => {
            let callee = name_within(&call.func, ctx, depth + 1)?;
            Some(coroutines::normalize_type(&callee))
        }
        Expr::Name(name) => match ctx.lookup(name.id.as_str())? {
            Binding::Local { value: Some(value) } => type_within(value, ctx, depth + 1),
            Binding::Local { value: None } => parameter_type(name.id.as_str(), ctx),
            _ => None,
        },
        Expr::Attribute(_) => {
            let name = name_within(expr, ctx, depth + 1)?;
            Some(coroutines::normalize_type(&name))
        }
        _ => None,
    }
}

/// The type a parameter of the current function is annotated with (`writer:
/// asyncio.StreamWriter`, `Optional[X]`, `X | None`), when it names a known type.
fn parameter_type(name: &str, ctx: &Context) -> Option<String> {
    let def = ctx.current_function()?;
    if rebound_inside_function(name, ctx) {
        return None;
    }
    let parameter = def
        .parameters
        .iter_non_variadic_params()
        .find(|p| p.parameter.name.as_str() == name)?;
    let annotation = strip_optional(parameter.parameter.annotation.as_deref()?, ctx)?;
    if !matches!(annotation, Expr::Name(_) | Expr::Attribute(_)) {
        return None;
    }
    let ty = ctx.qualified_name(annotation)?;
    Some(coroutines::normalize_type(&names::canonical_asyncio_name(
        &ty,
    )))
}

/// Is `name` bound by a lambda or comprehension between the current node and its function
/// (where it shadows the function's parameter)?
fn rebound_inside_function(name: &str, ctx: &Context) -> bool {
    for parent in ctx.parents().rev() {
        let generators = match parent {
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => return false,
            AnyNodeRef::ExprLambda(lambda) => {
                if lambda
                    .parameters
                    .as_ref()
                    .is_some_and(|p| p.iter().any(|p| p.name().as_str() == name))
                {
                    return true;
                }
                continue;
            }
            AnyNodeRef::ExprListComp(comp) => &comp.generators,
            AnyNodeRef::ExprSetComp(comp) => &comp.generators,
            AnyNodeRef::ExprDictComp(comp) => &comp.generators,
            AnyNodeRef::ExprGenerator(comp) => &comp.generators,
            _ => continue,
        };
        if generators.iter().any(|g| binds(&g.target, name)) {
            return true;
        }
    }
    false
}

/// The class an annotation names: `X` for `X`, `Optional[X]`, `X | None`, `None | X`,
/// `Annotated[X, ...]` and a generic `X[T]`; `None` for unions and other forms.
fn strip_optional<'e>(annotation: &'e Expr, ctx: &Context) -> Option<&'e Expr> {
    match annotation {
        Expr::Subscript(subscript) => {
            let generic = ctx.qualified_name(&subscript.value);
            match generic.as_deref() {
                Some("typing.Optional" | "typing_extensions.Optional") => {
                    strip_optional(&subscript.slice, ctx)
                }
                Some("typing.Annotated" | "typing_extensions.Annotated") => {
                    match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => strip_optional(tuple.elts.first()?, ctx),
                        _ => None,
                    }
                }
                Some(name) if name.starts_with("typing.") || name.starts_with("builtins.") => None,
                _ => Some(&subscript.value),
            }
        }
        Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
            match (binop.left.as_ref(), binop.right.as_ref()) {
                (other, Expr::NoneLiteral(_)) | (Expr::NoneLiteral(_), other) => {
                    strip_optional(other, ctx)
                }
                _ => None,
            }
        }
        other => Some(other),
    }
}

/// Is `expr` a name bound by an import (a cheap test before resolving it)?
pub fn is_imported_name(expr: &Expr, ctx: &Context) -> bool {
    matches!(expr, Expr::Name(name) if matches!(ctx.lookup(name.id.as_str()), Some(Binding::Import(_))))
}

/// The `def` a callable expression refers to in this module, and how it was found: a name bound
/// by `def` in an enclosing scope, or a method reached through `self.`, `cls.` or `super().`.
pub fn local_function<'a>(
    func: &Expr,
    ctx: &Context<'a>,
) -> Option<(&'a ast::StmtFunctionDef, Origin)> {
    match func {
        Expr::Name(name) => match ctx.lookup(name.id.as_str())? {
            Binding::Definition(Stmt::FunctionDef(def)) => Some((def, Origin::ModuleFunction)),
            _ => None,
        },
        Expr::Attribute(attribute) => {
            let attr = attribute.attr.as_str();
            match attribute.value.as_ref() {
                Expr::Name(receiver) => {
                    if !matches!(
                        ctx.lookup(receiver.id.as_str()),
                        Some(Binding::SelfParameter)
                    ) {
                        return None;
                    }
                    let class = enclosing_class(ctx, receiver.id.as_str())?;
                    let def = find_method(class, attr, ctx, 0)?;
                    Some((def, Origin::Method))
                }
                Expr::Call(call) if is_super_call(call, ctx) => {
                    let class = enclosing_method_class(ctx)?;
                    let def = find_in_bases(class, attr, ctx, 0)?;
                    Some((def, Origin::Method))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Classifies a `def` by what calling it returns.
pub fn function_kind(def: &ast::StmtFunctionDef, ctx: &Context) -> FunctionKind {
    let mut context_manager = false;
    for decorator in &def.decorator_list {
        let callable = map_callable(&decorator.expression);
        let name = match ctx.qualified_name(callable) {
            Some(name) => name,
            None => match callable {
                Expr::Name(name) if ctx.lookup(name.id.as_str()).is_none() => name.id.to_string(),
                _ => return FunctionKind::Other,
            },
        };
        if coroutines::ASYNC_CONTEXT_MANAGER_DECORATORS.contains(&name.as_str()) {
            context_manager = true;
        } else if !coroutines::COROUTINE_PRESERVING_DECORATORS.contains(&name.as_str()) {
            return FunctionKind::Other;
        }
    }
    if !def.is_async {
        return FunctionKind::Other;
    }
    if context_manager {
        FunctionKind::AsyncContextManager
    } else if contains_yield(&def.body) {
        FunctionKind::AsyncGenerator
    } else {
        FunctionKind::Coroutine
    }
}

/// Does a function body contain `yield` (not counting nested functions, lambdas and classes)?
pub fn contains_yield(body: &[Stmt]) -> bool {
    struct Finder {
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found || matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found {
                return;
            }
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.found = true,
                Expr::Lambda(_) => {}
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder { found: false };
    finder.visit_body(body);
    finder.found
}

fn is_super_call(call: &ast::ExprCall, ctx: &Context) -> bool {
    matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "super" && ctx.lookup("super").is_none())
        && call.arguments.is_empty()
}

/// The class whose method binds `receiver` as its `self`/`cls` parameter: the innermost class
/// frame directly followed by a method whose first parameter is `receiver`.
fn enclosing_class<'a>(ctx: &Context<'a>, receiver: &str) -> Option<&'a ast::StmtClassDef> {
    let frames = ctx.frames();
    frames
        .windows(2)
        .rev()
        .find_map(|pair| match (pair[0].node, pair[1].node) {
            (AnyNodeRef::StmtClassDef(class), AnyNodeRef::StmtFunctionDef(method))
                if first_parameter(method) == Some(receiver) =>
            {
                Some(class)
            }
            _ => None,
        })
}

/// The class of the method the current code is directly in (for `super()`).
fn enclosing_method_class<'a>(ctx: &Context<'a>) -> Option<&'a ast::StmtClassDef> {
    let frames = ctx.frames();
    let function = frames
        .iter()
        .rposition(|frame| matches!(frame.node, AnyNodeRef::StmtFunctionDef(_)))?;
    match frames.get(function.checked_sub(1)?)?.node {
        AnyNodeRef::StmtClassDef(class) => Some(class),
        _ => None,
    }
}

fn first_parameter(def: &ast::StmtFunctionDef) -> Option<&str> {
    let parameters = &def.parameters;
    parameters
        .posonlyargs
        .first()
        .or_else(|| parameters.args.first())
        .map(|parameter| parameter.parameter.name.as_str())
}

/// The method `attr` of `class`, looked up in its body, then in its bases in order when they are
/// classes of this module. `None` when it is bound some other way in the class or may come from
/// a base we cannot see.
fn find_method<'a>(
    class: &'a ast::StmtClassDef,
    attr: &str,
    ctx: &Context<'a>,
    depth: usize,
) -> Option<&'a ast::StmtFunctionDef> {
    if depth > MAX_BASES {
        return None;
    }
    match own_member(class, attr) {
        Member::Function(def) => Some(def),
        Member::Other => None,
        Member::Absent => find_in_bases(class, attr, ctx, depth),
    }
}

fn find_in_bases<'a>(
    class: &'a ast::StmtClassDef,
    attr: &str,
    ctx: &Context<'a>,
    depth: usize,
) -> Option<&'a ast::StmtFunctionDef> {
    let Some(arguments) = &class.arguments else {
        return None;
    };
    for base in arguments.args.iter() {
        let base = map_subscript(base);
        if let Expr::Name(name) = base {
            if let Some(Binding::Definition(Stmt::ClassDef(base_class))) =
                ctx.lookup(name.id.as_str())
            {
                if std::ptr::eq(base_class, class) {
                    return None;
                }
                match own_member(base_class, attr) {
                    Member::Function(def) => return Some(def),
                    Member::Other => return None,
                    Member::Absent => {
                        if let Some(def) = find_in_bases(base_class, attr, ctx, depth + 1) {
                            return Some(def);
                        }
                        // Not found in this branch: keep looking only when the branch is fully
                        // known (every base resolved); otherwise give up.
                        if !bases_known(base_class, ctx, depth + 1) {
                            return None;
                        }
                        continue;
                    }
                }
            }
        }
        if !is_memberless_base(base, ctx) {
            return None;
        }
    }
    None
}

/// Are all bases of `class` (transitively) classes of this module or bases without methods?
fn bases_known(class: &ast::StmtClassDef, ctx: &Context, depth: usize) -> bool {
    if depth > MAX_BASES {
        return false;
    }
    let Some(arguments) = &class.arguments else {
        return true;
    };
    arguments.args.iter().all(|base| {
        let base = map_subscript(base);
        if let Expr::Name(name) = base {
            if let Some(Binding::Definition(Stmt::ClassDef(base_class))) =
                ctx.lookup(name.id.as_str())
            {
                return !std::ptr::eq(base_class, class) && bases_known(base_class, ctx, depth + 1);
            }
        }
        is_memberless_base(base, ctx)
    })
}

/// Bases that define no methods a subclass calls through `self`: `object`, `typing.Generic`,
/// `typing.Protocol`, `abc.ABC`.
fn is_memberless_base(base: &Expr, ctx: &Context) -> bool {
    if matches!(base, Expr::Name(name) if name.id.as_str() == "object" && ctx.lookup("object").is_none())
    {
        return true;
    }
    ctx.qualified_name(base).is_some_and(|name| {
        matches!(
            name.as_str(),
            "typing.Generic"
                | "typing.Protocol"
                | "typing_extensions.Protocol"
                | "typing_extensions.Generic"
                | "abc.ABC"
        )
    })
}

fn map_subscript(expr: &Expr) -> &Expr {
    match expr {
        Expr::Subscript(subscript) => &subscript.value,
        other => other,
    }
}

enum Member<'a> {
    Function(&'a ast::StmtFunctionDef),
    /// Bound in the class body some other way (an assignment, an import, a nested class).
    Other,
    Absent,
}

/// What the class body binds `attr` to last, looking into `if`/`try` blocks at class level.
fn own_member<'a>(class: &'a ast::StmtClassDef, attr: &str) -> Member<'a> {
    let mut found = Member::Absent;
    collect_member(&class.body, attr, &mut found);
    found
}

fn collect_member<'a>(body: &'a [Stmt], attr: &str, found: &mut Member<'a>) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(def) if def.name.as_str() == attr => {
                *found = match found {
                    // Two definitions (e.g. `if`/`else` variants): unknown which one wins.
                    Member::Absent => Member::Function(def),
                    _ => Member::Other,
                };
            }
            Stmt::ClassDef(class) if class.name.as_str() == attr => *found = Member::Other,
            Stmt::Assign(assign) if assign.targets.iter().any(|t| binds(t, attr)) => {
                *found = Member::Other;
            }
            Stmt::AnnAssign(assign) if assign.value.is_some() && binds(&assign.target, attr) => {
                *found = Member::Other;
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => {
                let binds_attr =
                    match stmt {
                        Stmt::Import(import) => import.names.iter().any(|alias| {
                            alias.asname.as_ref().unwrap_or(&alias.name).as_str() == attr
                        }),
                        Stmt::ImportFrom(from) => from.names.iter().any(|alias| {
                            alias.asname.as_ref().unwrap_or(&alias.name).as_str() == attr
                        }),
                        _ => false,
                    };
                if binds_attr {
                    *found = Member::Other;
                }
            }
            Stmt::If(if_stmt) => {
                collect_member(&if_stmt.body, attr, found);
                for clause in &if_stmt.elif_else_clauses {
                    collect_member(&clause.body, attr, found);
                }
            }
            Stmt::Try(try_stmt) => {
                collect_member(&try_stmt.body, attr, found);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    collect_member(&handler.body, attr, found);
                }
                collect_member(&try_stmt.orelse, attr, found);
                collect_member(&try_stmt.finalbody, attr, found);
            }
            _ => {}
        }
    }
}

fn binds(target: &Expr, attr: &str) -> bool {
    match target {
        Expr::Name(name) => name.id.as_str() == attr,
        Expr::Tuple(tuple) => tuple.elts.iter().any(|t| binds(t, attr)),
        Expr::List(list) => list.elts.iter().any(|t| binds(t, attr)),
        Expr::Starred(starred) => binds(&starred.value, attr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ruff_python_ast::PySourceType;
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use super::*;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// A call's callee text and what `coroutine_call` says about it.
    type Seen = (String, Option<(String, bool, Origin)>);

    /// Records every call.
    #[derive(Default)]
    struct Probe {
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            let callee = coroutine_call(call, ctx).map(|c| (c.name, c.is_coroutine, c.origin));
            self.seen
                .lock()
                .unwrap()
                .push((ctx.text(call.func.range()).to_string(), callee));
        }
    }

    fn probe(source: &str) -> Vec<Seen> {
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

    /// The callees `coroutine_call` accepts, by their source text.
    fn coroutines(source: &str) -> Vec<String> {
        probe(source)
            .into_iter()
            .filter(|(_, callee)| callee.is_some())
            .map(|(text, _)| text)
            .collect()
    }

    #[test]
    fn library_apis_through_aliases_and_known_types() {
        let source = "\
import asyncio as aio
from asyncio import sleep
import aiohttp
import asyncpg


async def main(url):
    aio.sleep(1)
    sleep(1)
    aio.gather()
    aio.create_task(x)
    q = aio.Queue()
    q.get()
    q.get_nowait()
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            resp.json()
            resp.raise_for_status()
    conn = await asyncpg.connect()
    conn.fetch('q')
    pool = await asyncpg.create_pool()
    async with pool.acquire() as c:
        c.fetchrow('q')
";
        assert_eq!(
            coroutines(source),
            [
                "aio.sleep",
                "sleep",
                "q.get",
                "session.get",
                "resp.json",
                "asyncpg.connect",
                "conn.fetch",
                "asyncpg.create_pool",
                "pool.acquire",
                "c.fetchrow"
            ]
        );
    }

    #[test]
    fn module_functions_and_methods() {
        let source = "\
import functools


async def fetch():
    pass


async def stream():
    yield 1


def sync():
    pass


@functools.lru_cache
async def cached():
    pass


class Base:
    async def close(self):
        pass

    def flush(self):
        pass


class Client(Base):
    async def send(self):
        pass

    @staticmethod
    async def helper():
        pass

    async def run(self):
        fetch()
        stream()
        sync()
        cached()
        self.send()
        self.close()
        self.flush()
        super().close()
        Client.helper()


class Mixed(Unknown, Base):
    def go(self):
        self.close()
";
        let seen = probe(source);
        let found: Vec<_> = seen
            .iter()
            .filter_map(|(text, callee)| callee.as_ref().map(|c| (text.as_str(), c.2)))
            .collect();
        assert_eq!(
            found,
            [
                ("fetch", Origin::ModuleFunction),
                ("self.send", Origin::Method),
                ("self.close", Origin::Method),
                ("super().close", Origin::Method),
            ]
        );
    }

    #[test]
    fn overrides_and_shadowing() {
        let source = "\
class Base:
    async def close(self):
        pass


class Child(Base):
    def close(self):
        pass

    def go(self):
        self.close()


async def fetch():
    pass


def outer(fetch):
    fetch()
";
        assert!(coroutines(source).is_empty());
    }

    #[test]
    fn annotated_parameters_are_typed() {
        let source = "\
import asyncio
from typing import Optional


async def handle(reader: asyncio.StreamReader, writer: Optional[asyncio.StreamWriter], q: 'asyncio.Queue', p: list[asyncio.Queue], r: asyncio.Queue[int] | None):
    reader.read(10)
    writer.drain()
    q.get()
    p.get()
    r.get()
    [writer.drain() for writer in writers]
    (lambda reader: reader.read())(x)

    def inner(reader):
        reader.read()
";
        assert_eq!(coroutines(source), ["reader.read", "writer.drain", "r.get"]);
    }

    #[test]
    fn yield_in_nested_function_does_not_make_a_generator() {
        let source = "\
async def outer():
    def inner():
        yield 1
    return inner


async def main():
    outer()
";
        assert_eq!(coroutines(source), ["outer"]);
    }
}
