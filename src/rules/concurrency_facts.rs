//! Facts the concurrency-control rules (ASY100–ASY105) share: which types limit concurrency
//! (semaphores, capacity limiters, locks), whether an expression looks like one, whether the
//! coroutine a call spawns is limited by one in this module, and whether an iterable is a small
//! fixed collection (`range(3)`, a tuple literal, an `ALL_CAPS` constant).
//!
//! `Context` is extended from outside context.rs so that the methods can move there later.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::context::{Context, Library};
use crate::names;
use crate::rules::coroutine_facts::local_function;
use crate::scope::Binding;

/// How deep `function_is_limited` follows calls to other functions of the module, and how many
/// bindings `is_fixed_iterable` follows.
const MAX_DEPTH: usize = 3;

/// Types whose `async with` (or `acquire()`) bounds how many tasks run the guarded code at once.
pub const LIMITER_TYPES: &[&str] = &[
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.Lock",
    "asyncio.Condition",
    "trio.Semaphore",
    "trio.CapacityLimiter",
    "trio.Lock",
    "trio.StrictFIFOLock",
    "trio.Condition",
    "anyio.Semaphore",
    "anyio.CapacityLimiter",
    "anyio.Lock",
    "anyio.Condition",
    "aiolimiter.AsyncLimiter",
    "asyncio_throttle.Throttler",
];

/// Lock-like types that only synchronise tasks sharing one instance (ASY104). asyncio names are
/// canonical (`asyncio.locks.Lock` is `asyncio.Lock`).
pub const LOCK_TYPES: &[&str] = &[
    "asyncio.Lock",
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.Condition",
    "trio.Lock",
    "trio.StrictFIFOLock",
    "trio.Semaphore",
    "trio.CapacityLimiter",
    "trio.Condition",
    "anyio.Lock",
    "anyio.Semaphore",
    "anyio.CapacityLimiter",
    "anyio.Condition",
];

/// The library a qualified asyncio/trio/anyio name belongs to.
pub fn library_of_name(qualified: &str) -> Option<Library> {
    match qualified.split('.').next()? {
        "asyncio" => Some(Library::Asyncio),
        "trio" => Some(Library::Trio),
        "anyio" => Some(Library::AnyIO),
        _ => None,
    }
}

/// The tool that bounds concurrency in `library`.
pub fn limiter_for(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "asyncio.Semaphore",
        Library::Trio => "trio.CapacityLimiter",
        Library::AnyIO => "anyio.CapacityLimiter",
    }
}

/// The event type of `library`.
pub fn event_for(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "asyncio.Event",
        Library::Trio => "trio.Event",
        Library::AnyIO => "anyio.Event",
    }
}

/// The lock type of `library`.
pub fn lock_for(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "asyncio.Lock",
        Library::Trio => "trio.Lock",
        Library::AnyIO => "anyio.Lock",
    }
}

/// The sleep functions that poll loops use.
pub fn is_sleep(qualified: &str) -> bool {
    matches!(
        names::canonical_asyncio_name(qualified).as_ref(),
        "asyncio.sleep" | "trio.sleep" | "anyio.sleep"
    )
}

/// Does an identifier name a limiter by convention (`sem`, `_semaphore`, `limiter`,
/// `rate_limit`, `self._lock`, `throttler`, `concurrency`, `mutex`)?
pub fn is_limiter_identifier(ident: &str) -> bool {
    let lower = ident.to_ascii_lowercase();
    lower
        .split('_')
        .filter(|word| !word.is_empty())
        .any(|word| {
            word.starts_with("sem")
                || word.contains("limit")
                || (word.ends_with("lock") && !word.ends_with("block") && !word.ends_with("clock"))
                || word.starts_with("throttl")
                || word.starts_with("concurren")
                || word == "mutex"
                || word == "slots"
                || word == "permits"
        })
}

/// Does an identifier name things that already exist and are owned, or units of work handed
/// over by a caller, rather than data to process: `connections`, `clients`, `listeners`,
/// `handlers`, `callbacks`, `services`, `workers`, `tasks`, `coros`, `awaitables`, `futures`,
/// `events` (to wait for)?
/// Fan-out over those is how broadcast, shutdown, and task combinators work, and
/// long-running per-item tasks cannot be bounded.
pub fn names_owned_or_work(ident: &str) -> bool {
    const WORDS: &[&str] = &[
        "connection",
        "conn",
        "socket",
        "sock",
        "client",
        "peer",
        "subscriber",
        "subscription",
        "listener",
        "handler",
        "callback",
        "cb",
        "receiver",
        "consumer",
        "producer",
        "worker",
        "server",
        "service",
        "channel",
        "task",
        "coro",
        "coroutine",
        "awaitable",
        "aw",
        "future",
        "fut",
        "func",
        "function",
        "fn",
        "callable",
        "generator",
        "gen",
        "iterator",
        "event",
        "waiter",
        "watcher",
        "observer",
        "stream",
        "websocket",
        "ws",
        "runner",
    ];
    let lower = ident.to_ascii_lowercase();
    lower
        .split('_')
        .filter(|word| !word.is_empty())
        .any(|word| {
            let singular = word.strip_suffix('s').unwrap_or(word);
            WORDS.contains(&word) || WORDS.contains(&singular)
        })
}

/// The last identifier of an expression: `self._sem` → `_sem`, `sem` → `sem`,
/// `self._sem.acquire()` → `_sem` (an `acquire()` call is looked through).
fn last_identifier(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(attribute) if attribute.attr.as_str() == "acquire" => {
                last_identifier(&attribute.value)
            }
            func => last_identifier(func),
        },
        _ => None,
    }
}

/// Is `qualified` a limiter type (asyncio names canonical)?
pub fn is_limiter_type(qualified: &str) -> bool {
    LIMITER_TYPES.contains(&names::canonical_asyncio_name(qualified).as_ref())
}

/// Is `qualified` a lock type that only works when shared (ASY104)?
pub fn lock_type(qualified: &str) -> Option<&'static str> {
    let canonical = names::canonical_asyncio_name(qualified);
    LOCK_TYPES
        .iter()
        .copied()
        .find(|ty| *ty == canonical.as_ref())
}

/// Is `qualified` a name with an `ALL_CAPS` last segment (a constant by convention)?
fn is_constant_name(name: &str) -> bool {
    name.len() > 1
        && name.chars().any(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Does a function body (not nested functions, lambdas or classes) contain a node for which
/// `found` is true? `found` sees every statement and expression.
pub fn body_contains<'a>(body: &'a [Stmt], found: impl FnMut(Node<'a>) -> bool) -> bool {
    let mut scan = Scan {
        found,
        hit: false,
        depth: 0,
    };
    for stmt in body {
        scan.visit_stmt(stmt);
        if scan.hit {
            return true;
        }
    }
    false
}

/// A node seen by `body_contains`.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
}

/// Nesting past which `body_contains` stops descending (deeply nested code is not the pattern
/// any rule here looks for, and the walk must not overflow the stack).
const MAX_SCAN_DEPTH: usize = 200;

struct Scan<F> {
    found: F,
    hit: bool,
    depth: usize,
}

impl<'a, F: FnMut(Node<'a>) -> bool> Visitor<'a> for Scan<F> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.hit || self.depth > MAX_SCAN_DEPTH {
            return;
        }
        if (self.found)(Node::Stmt(stmt)) {
            self.hit = true;
            return;
        }
        if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            return;
        }
        self.depth += 1;
        visitor::walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.hit || self.depth > MAX_SCAN_DEPTH {
            return;
        }
        if (self.found)(Node::Expr(expr)) {
            self.hit = true;
            return;
        }
        if matches!(expr, Expr::Lambda(_)) {
            return;
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

/// The names a target binds (`x`, `(i, x)`, `[a, *rest]`).
pub fn target_names<'a>(target: &'a Expr, names: &mut Vec<&'a str>) {
    match target {
        Expr::Name(name) => names.push(name.id.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| target_names(e, names)),
        Expr::List(list) => list.elts.iter().for_each(|e| target_names(e, names)),
        Expr::Starred(starred) => target_names(&starred.value, names),
        _ => {}
    }
}

/// Does an expression mention one of `names`?
pub fn mentions_any(expr: &Expr, names: &[&str]) -> bool {
    !names.is_empty()
        && expr_contains(
            expr,
            &mut |e| matches!(e, Expr::Name(name) if names.contains(&name.id.as_str())),
        )
}

/// Adds to `targets` the names a loop body binds from them (`node = nodes.pop(name)`): objects
/// of the current item.
pub fn add_item_locals<'a>(body: &'a [Stmt], targets: &mut Vec<&'a str>) {
    for _ in 0..2 {
        body_contains(body, |node| {
            if let Node::Stmt(Stmt::Assign(assign)) = node {
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    if !targets.contains(&name.id.as_str()) && mentions_any(&assign.value, targets)
                    {
                        targets.push(name.id.as_str());
                    }
                }
            }
            false
        });
    }
}

/// The name at the base of an attribute/call/subscript chain (`conn` in `conn.ws.close()`).
pub fn base_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        current = match current {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attribute) => &attribute.value,
            Expr::Call(call) => &call.func,
            Expr::Subscript(subscript) => &subscript.value,
            _ => return None,
        };
    }
}

impl<'a> Context<'a> {
    /// Does `expr` (an `async with` item, or the receiver of `acquire()`) look like a
    /// semaphore, capacity limiter, rate limiter or lock: a value of a known limiter type, or a
    /// name that says so (`sem`, `self._limiter`, `rate_limit`, `lock`)?
    pub fn looks_like_limiter(&self, expr: &Expr) -> bool {
        if last_identifier(expr).is_some_and(is_limiter_identifier) {
            return true;
        }
        let value = match expr {
            Expr::Call(call) => match call.func.as_ref() {
                Expr::Attribute(attribute) if attribute.attr.as_str() == "acquire" => {
                    attribute.value.as_ref()
                }
                _ => expr,
            },
            _ => expr,
        };
        matches!(value, Expr::Call(_) | Expr::Name(_) | Expr::Attribute(_))
            && self.type_of(value).is_some_and(|ty| is_limiter_type(&ty))
    }

    /// Does a body acquire a limiter: `async with <limiter>:` or `<limiter>.acquire*()`?
    pub fn acquires_limiter(&self, body: &[Stmt]) -> bool {
        body_contains(body, |node| match node {
            Node::Stmt(Stmt::With(with)) => {
                with.is_async
                    && with
                        .items
                        .iter()
                        .any(|item| self.looks_like_limiter(&item.context_expr))
            }
            // `await sem.acquire()`, and the non-blocking forms (`limiter.acquire_nowait()`,
            // `limiter.acquire_on_behalf_of_nowait(token)`) that loops use to stop spawning.
            Node::Expr(Expr::Call(call)) => matches!(
                call.func.as_ref(),
                Expr::Attribute(attribute)
                    if attribute.attr.as_str().starts_with("acquire")
                        && self.looks_like_limiter(&attribute.value)
            ),
            _ => false,
        })
    }

    /// Is the function `def` limited by a semaphore or limiter: a decorator that says so
    /// (`@limit_concurrency(5)`), a limiter acquired in its body, or in a function of this
    /// module it calls (a few calls deep)?
    pub fn function_is_limited(&self, def: &ast::StmtFunctionDef) -> bool {
        self.function_is_limited_within(def, 0)
    }

    fn function_is_limited_within(&self, def: &ast::StmtFunctionDef, depth: usize) -> bool {
        if def.decorator_list.iter().any(|decorator| {
            last_identifier(&decorator.expression).is_some_and(is_limiter_identifier)
        }) {
            return true;
        }
        if self.acquires_limiter(&def.body) {
            return true;
        }
        if depth >= MAX_DEPTH {
            return false;
        }
        body_contains(&def.body, |node| match node {
            Node::Expr(Expr::Call(call)) => {
                local_function(&call.func, self).is_some_and(|(callee, _)| {
                    !std::ptr::eq(callee, def) && self.function_is_limited_within(callee, depth + 1)
                })
            }
            _ => false,
        })
    }

    /// Is the callable `func` (a function of this module, `self.method`, or a
    /// `functools.partial` of one) limited by a semaphore or limiter?
    pub fn callable_is_limited(&self, func: &Expr) -> bool {
        if let Expr::Call(call) = func {
            // `functools.partial(fetch, sem)`
            let is_partial = self
                .qualified_name(&call.func)
                .is_some_and(|name| name == "functools.partial");
            if is_partial {
                return call
                    .arguments
                    .args
                    .iter()
                    .any(|arg| self.looks_like_limiter(arg))
                    || call
                        .arguments
                        .keywords
                        .iter()
                        .any(|keyword| self.looks_like_limiter(&keyword.value))
                    || call
                        .arguments
                        .args
                        .first()
                        .is_some_and(|inner| self.callable_is_limited(inner));
            }
            return false;
        }
        local_function(func, self).is_some_and(|(def, _)| self.function_is_limited(def))
    }

    /// Is the coroutine a call spawns (`fetch(url, sem)`, `bounded(fetch(url))`) limited: a
    /// limiter passed to it, or a callee limited in this module? Nested calls in the arguments
    /// count (`bounded(fetch(url))` is limited by `bounded`).
    pub fn call_is_limited(&self, call: &ast::ExprCall) -> bool {
        if call
            .arguments
            .args
            .iter()
            .any(|arg| self.looks_like_limiter(arg))
            || call
                .arguments
                .keywords
                .iter()
                .any(|keyword| self.looks_like_limiter(&keyword.value))
        {
            return true;
        }
        if self.callable_is_limited(&call.func) {
            return true;
        }
        call.arguments.args.iter().any(|arg| match arg {
            Expr::Call(inner) => self.call_is_limited(inner),
            _ => false,
        })
    }

    /// The qualified name of a callee, with builtins the name table does not list
    /// (`enumerate`, `sorted`) resolved too when nothing shadows them.
    pub fn callee_name(&self, func: &Expr) -> Option<String> {
        if let Some(name) = self.qualified_name(func) {
            return Some(name);
        }
        match func {
            Expr::Name(name) if self.lookup(name.id.as_str()).is_none() => {
                Some(format!("builtins.{}", name.id))
            }
            _ => None,
        }
    }

    /// Is `expr` a small fixed collection whose size the code spells out: a literal, `range(...)`
    /// (not `range(len(...))`), a name bound to one, an `ALL_CAPS` constant, or `enumerate`,
    /// `zip`, `sorted`, `reversed`, `list`, `tuple`, `set`, `.items()`/`.keys()`/`.values()` of
    /// one?
    pub fn is_fixed_iterable(&self, expr: &Expr) -> bool {
        self.is_fixed_iterable_within(expr, 0)
    }

    fn is_fixed_iterable_within(&self, expr: &Expr, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match expr {
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().all(|element| match element {
                Expr::Starred(starred) => self.is_fixed_iterable_within(&starred.value, depth + 1),
                _ => true,
            }),
            Expr::Dict(_) | Expr::StringLiteral(_) | Expr::BytesLiteral(_) => true,
            Expr::Name(name) => {
                if is_constant_name(name.id.as_str()) {
                    return true;
                }
                match self.lookup(name.id.as_str()) {
                    Some(Binding::Local { value: Some(value) }) => {
                        self.is_fixed_iterable_within(value, depth + 1)
                    }
                    _ => false,
                }
            }
            Expr::Attribute(attribute) => is_constant_name(attribute.attr.as_str()),
            Expr::Call(call) => {
                if let Expr::Attribute(attribute) = call.func.as_ref() {
                    if matches!(attribute.attr.as_str(), "items" | "keys" | "values")
                        && call.arguments.is_empty()
                    {
                        return self.is_fixed_iterable_within(&attribute.value, depth + 1);
                    }
                }
                let Some(name) = self.callee_name(&call.func) else {
                    return false;
                };
                let args = &call.arguments.args;
                match name.as_str() {
                    "builtins.range" => !args.iter().any(mentions_len),
                    // `zip` stops at its shortest argument.
                    "builtins.zip" => args
                        .iter()
                        .any(|arg| self.is_fixed_iterable_within(arg, depth + 1)),
                    "builtins.enumerate" | "builtins.sorted" | "builtins.reversed"
                    | "builtins.list" | "builtins.tuple" | "builtins.set"
                    | "builtins.frozenset" | "builtins.iter" => args
                        .first()
                        .is_some_and(|arg| self.is_fixed_iterable_within(arg, depth + 1)),
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// Does an expression call `len(...)` (`range(len(urls))` is as long as `urls`)?
fn mentions_len(expr: &Expr) -> bool {
    expr_contains(expr, &mut |e| {
        matches!(e, Expr::Call(call)
            if matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "len"))
    })
}

/// Does an expression (not the bodies of lambdas in it) contain a node for which `found` is
/// true?
pub fn expr_contains<'a>(expr: &'a Expr, found: &mut impl FnMut(&'a Expr) -> bool) -> bool {
    let mut scan = Scan {
        found: |node: Node<'a>| match node {
            Node::Expr(e) => found(e),
            Node::Stmt(_) => false,
        },
        hit: false,
        depth: 0,
    };
    scan.visit_expr(expr);
    scan.hit
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::Stmt;
    use ruff_text_size::Ranged;

    use crate::context::Context;
    use crate::diagnostic::Diagnostic;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    use super::is_limiter_identifier;

    /// Reports, for every `for` statement, whether its iterable is fixed, and for every call
    /// statement `probe(f(...))`, whether the inner call is limited.
    struct Probe;

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                stmt: true,
                ..Hooks::default()
            }
        }

        fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
            match stmt {
                Stmt::For(for_stmt) => out.push(Diagnostic::new(
                    "TEST",
                    stmt.range(),
                    format!(
                        "{} fixed={}",
                        ctx.text(&*for_stmt.iter),
                        ctx.is_fixed_iterable(&for_stmt.iter)
                    ),
                )),
                Stmt::Expr(expr) => {
                    let ruff_python_ast::Expr::Call(call) = expr.value.as_ref() else {
                        return;
                    };
                    if ctx.text(&*call.func) != "probe" {
                        return;
                    }
                    let Some(ruff_python_ast::Expr::Call(inner)) = call.arguments.args.first()
                    else {
                        return;
                    };
                    out.push(Diagnostic::new(
                        "TEST",
                        stmt.range(),
                        format!("{} limited={}", ctx.text(inner), ctx.call_is_limited(inner)),
                    ));
                }
                _ => {}
            }
        }
    }

    fn probe(source: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_unchecked_source(
            source,
            ruff_python_ast::PySourceType::Python,
        );
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(Probe)]));
        walker.walk_module(parsed.syntax());
        walker.report.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn limiter_identifiers() {
        for name in [
            "sem",
            "_sem",
            "semaphore",
            "limiter",
            "rate_limit",
            "_lock",
            "write_lock",
            "rlock",
            "throttler",
            "concurrency",
            "mutex",
        ] {
            assert!(is_limiter_identifier(name), "{name}");
        }
        for name in [
            "session",
            "client",
            "tg",
            "nursery",
            "timeout",
            "items",
            "block_size",
        ] {
            assert!(!is_limiter_identifier(name), "{name}");
        }
    }

    #[test]
    fn fixed_iterables() {
        let source = "\
import asyncio
PLATFORMS = ['a', 'b']
names = ('x', 'y')

async def f(urls, n):
    for x in (1, 2, 3): pass
    for x in [a, b]: pass
    for x in range(3): pass
    for x in range(n): pass
    for x in range(len(urls)): pass
    for x in PLATFORMS: pass
    for x in names: pass
    for i, x in enumerate(('a', 'b')): pass
    for x, u in zip((1, 2), urls): pass
    for x in {'a': 1}.items(): pass
    for x in urls: pass
    for x in self.items: pass
    for x in enumerate(urls): pass
    for x in [*urls]: pass
";
        assert_eq!(
            probe(source),
            vec![
                "(1, 2, 3) fixed=true",
                "[a, b] fixed=true",
                "range(3) fixed=true",
                "range(n) fixed=true",
                "range(len(urls)) fixed=false",
                "PLATFORMS fixed=true",
                "names fixed=true",
                "enumerate(('a', 'b')) fixed=true",
                "zip((1, 2), urls) fixed=true",
                "{'a': 1}.items() fixed=true",
                "urls fixed=false",
                "self.items fixed=false",
                "enumerate(urls) fixed=false",
                "[*urls] fixed=false",
            ]
        );
    }

    #[test]
    fn limited_calls() {
        let source = "\
import asyncio
import functools

sem = asyncio.Semaphore(10)

async def bounded(url):
    async with sem:
        return await fetch(url)

async def fetch(url):
    ...

async def via_helper(url):
    return await bounded(url)

async def acquires(url):
    await LIMIT.acquire()

async def wrap(coro):
    async with sem:
        return await coro

class Client:
    async def get(self, url):
        async with self._semaphore:
            ...

    async def run(self, urls):
        probe(self.get(urls))
        probe(self.other(urls))

    async def other(self, url):
        ...

async def main(urls, limiter):
    probe(fetch(urls))
    probe(bounded(urls))
    probe(via_helper(urls))
    probe(acquires(urls))
    probe(fetch(urls, limiter))
    probe(wrap(fetch(urls)))
    probe(other.fetch(urls))
";
        assert_eq!(
            probe(source),
            vec![
                "self.get(urls) limited=true",
                "self.other(urls) limited=false",
                "fetch(urls) limited=false",
                "bounded(urls) limited=true",
                "via_helper(urls) limited=true",
                "acquires(urls) limited=true",
                "fetch(urls, limiter) limited=true",
                "wrap(fetch(urls)) limited=true",
                "other.fetch(urls) limited=false",
            ]
        );
    }
}
