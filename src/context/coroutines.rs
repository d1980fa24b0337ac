//! Facts about coroutines that ASY020–ASY029 (and later rules) share: which calls return
//! coroutines, which functions of the module are coroutine functions, async generators or async
//! context managers, and which values are async-only context managers or async iterables.
//!
//! Every rule asks through these methods, never through the tables directly, so that the project
//! index (issue 6) can answer for imported project functions and methods of project classes by
//! adding one lookup branch to [`Context::project_function_kind`] without changing any rule.
//! Receivers are typed by the one known-type resolver (`known_types.rs`); names are normalised
//! here (`Context::resolved_name`) so that the coroutine tables can list each API once.

use ruff_python_ast::helpers::map_callable;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};

use super::Context;
use crate::names::{self, coroutines};
use crate::scope::Binding;

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

impl<'a> Context<'a> {
    /// Is `call` a call that returns a coroutine (or a lazy awaitable)?
    pub fn coroutine_call(&self, call: &ast::ExprCall) -> Option<CoroutineCallee> {
        if let Some((def, origin)) = self.local_function(&call.func) {
            return (self.function_kind(def) == FunctionKind::Coroutine).then(|| CoroutineCallee {
                name: def.name.to_string(),
                is_coroutine: true,
                origin,
            });
        }
        let Some(name) = self.resolved_name(&call.func) else {
            // A method of a project class that names cannot reach (`self.repo.fetch()` with
            // `self.repo = Repo()`): the project index knows (issue 6).
            let kind = self.project_kind_of_expr(&call.func, false);
            return (kind == Some(FunctionKind::Coroutine)).then(|| CoroutineCallee {
                name: self.text(call.func.as_ref()).to_string(),
                is_coroutine: true,
                origin: Origin::Project,
            });
        };
        if let Some(is_coroutine) = coroutines::awaitable_api(&name) {
            return Some(CoroutineCallee {
                name,
                is_coroutine,
                origin: Origin::Library,
            });
        }
        (self.project_function_kind(&name) == Some(FunctionKind::Coroutine)).then_some(
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
    pub fn local_function_kind(&self, func: &Expr) -> Option<FunctionKind> {
        if let Some((def, _)) = self.local_function(func) {
            return Some(self.function_kind(def));
        }
        match func {
            // Any answer matters to the callers (a known sync function is not an unknown one).
            Expr::Name(_) | Expr::Attribute(_) => match self.qualified_name(func) {
                Some(name) => self.project_kind_of(&name, true),
                None => self.project_kind_of_expr(func, true),
            },
            _ => None,
        }
    }

    /// What the project index knows about the function `qualified` (an imported name such as
    /// `app.db.fetch_user`, or `pkg.mod.Class.method`): see `src/project/` (issue 6).
    pub fn project_function_kind(&self, qualified: &str) -> Option<FunctionKind> {
        self.project_kind_of(qualified, false)
    }

    /// Is the value of `expr` something that only `async with` can enter? Returns a short
    /// description of it (a qualified name, or the function's name).
    pub fn async_context_manager(&self, expr: &Expr) -> Option<String> {
        if let Expr::Call(call) = expr {
            if let Some((def, _)) = self.local_function(&call.func) {
                return (self.function_kind(def) == FunctionKind::AsyncContextManager)
                    .then(|| def.name.to_string());
            }
            let Some(name) = self.resolved_name(&call.func) else {
                let kind = self.project_kind_of_expr(&call.func, false);
                return (kind == Some(FunctionKind::AsyncContextManager))
                    .then(|| self.text(call.func.as_ref()).to_string());
            };
            if coroutines::ASYNC_CONTEXT_MANAGER_CALLS.contains(&name.as_str())
                || self.project_function_kind(&name) == Some(FunctionKind::AsyncContextManager)
            {
                return Some(name);
            }
            return None;
        }
        let ty = self.resolved_type(expr)?;
        coroutines::ASYNC_CONTEXT_MANAGER_TYPES
            .contains(&ty.as_str())
            .then_some(ty)
    }

    /// Is the value of `expr` an async iterable that a plain `for` cannot iterate? Returns a
    /// short description of it.
    pub fn async_iterable(&self, expr: &Expr) -> Option<String> {
        if let Expr::Call(call) = expr {
            if let Some((def, _)) = self.local_function(&call.func) {
                return (self.function_kind(def) == FunctionKind::AsyncGenerator)
                    .then(|| def.name.to_string());
            }
            let Some(name) = self.resolved_name(&call.func) else {
                let kind = self.project_kind_of_expr(&call.func, false);
                return (kind == Some(FunctionKind::AsyncGenerator))
                    .then(|| self.text(call.func.as_ref()).to_string());
            };
            if coroutines::is_async_iterator_call(&name)
                || self.project_function_kind(&name) == Some(FunctionKind::AsyncGenerator)
            {
                return Some(name);
            }
            return None;
        }
        let ty = self.resolved_type(expr)?;
        coroutines::ASYNC_ITERABLE_TYPES
            .contains(&ty.as_str())
            .then_some(ty)
    }

    /// The qualified name of a callee or attribute, canonical (`asyncio.Lock.acquire`) and with
    /// its receiver normalised to the type known calls produce (`resp.json` in
    /// `async with session.get(url) as resp` is `aiohttp.ClientResponse.json`, and `conn.fetch`
    /// with `conn = await asyncpg.connect()` is `asyncpg.Connection.fetch`).
    pub fn resolved_name(&self, expr: &Expr) -> Option<String> {
        let qualified = self.qualified_name(expr)?;
        Some(coroutines::normalize_callee(
            &names::canonical_asyncio_name(&qualified),
        ))
    }

    /// The type of the value of `expr`, canonical and normalised as [`Context::resolved_name`]
    /// normalises receivers (`session.get(url)` is an `aiohttp.ClientResponse`).
    pub fn resolved_type(&self, expr: &Expr) -> Option<String> {
        let ty = self.type_of(expr)?;
        Some(coroutines::normalize_type(&names::canonical_asyncio_name(
            &ty,
        )))
    }

    /// Is `expr` a name bound by an import (a cheap test before resolving it)?
    pub fn is_imported_name(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if matches!(self.lookup(name.id.as_str()), Some(Binding::Import(_))))
    }

    /// The `def` a callable expression refers to in this module, and how it was found: a name
    /// bound by `def` in an enclosing scope, or a method reached through `self.`, `cls.` or
    /// `super().`.
    pub fn local_function(&self, func: &Expr) -> Option<(&'a ast::StmtFunctionDef, Origin)> {
        local_function(func, self)
    }

    /// Classifies a `def` by what calling it returns.
    pub fn function_kind(&self, def: &ast::StmtFunctionDef) -> FunctionKind {
        function_kind(def, self)
    }
}

/// The `def` a callable expression refers to in this module, and how it was found: a name bound
/// by `def` in an enclosing scope, or a method reached through `self.`, `cls.` or `super().`.
fn local_function<'a>(
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
fn function_kind(def: &ast::StmtFunctionDef, ctx: &Context) -> FunctionKind {
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
    use ruff_python_ast as ast;
    use ruff_text_size::Ranged;

    use super::*;
    use crate::context::testing::at_calls;

    /// A call's callee text and what `coroutine_call` says about it.
    type Seen = (String, Option<(String, bool, Origin)>);

    fn probe(source: &str) -> Vec<Seen> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            let callee = ctx
                .coroutine_call(call)
                .map(|c| (c.name, c.is_coroutine, c.origin));
            Some((ctx.text(call.func.range()).to_string(), callee))
        })
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
