//! The one known-type resolver every rule asks through: what an expression refers to
//! (`qualified_name`) and the type of the value it evaluates to (`type_of`), from imports,
//! builtins, constructor calls, `with` targets, `self.x` assigned in the class (in a method or in
//! the class body), annotated parameters of the enclosing functions and awaited calls; the values
//! behind names (`value_of`, `constructor_call`, `produced_elsewhere`); and which values are
//! `pathlib` paths (`is_known_path`).
//!
//! Types are named as the code builds them: a call's type is its callee's qualified name (or the
//! type `names::return_type` lists for it), also when the call is entered with `with`, so
//! `with session.get(url) as resp` has type `aiohttp.ClientSession.get`; an awaited call has the
//! type `names::coroutines::result_type` gives it, if any (`await asyncpg.connect()` is an
//! `asyncpg.Connection`). The coroutine facts normalise these names (`Context::resolved_type`).

use ruff_python_ast::{self as ast, Expr, Operator};
use ruff_text_size::Ranged;

use super::Context;
use crate::names::blocking_io::{is_path_type, PATH_RETURNING_MEMBERS, PATH_TYPES};
use crate::names::{self, coroutines};
use crate::scope::{Binding, Scope, ScopeKind};

/// How many bindings the resolver follows before giving up (`a = b; b = a`, `x = x.next()`).
const MAX_TYPE_HOPS: usize = 8;

/// How many names, attributes and operators `is_known_path` follows.
const MAX_PATH_HOPS: usize = 12;

impl<'a> Context<'a> {
    /// The dotted name an expression refers to, resolved through imports and aliases:
    /// `t.sleep` with `import time as t` is `time.sleep`; `open` is `builtins.open`; a method of
    /// an object of known type is `<type>.<method>` (`s.get` with `s = requests.Session()` is
    /// `requests.Session.get`, `self.lock.acquire` with `self.lock = threading.Lock()` in the
    /// class is `threading.Lock.acquire`, and `reader.read` with a parameter
    /// `reader: asyncio.StreamReader` is `asyncio.StreamReader.read`). `None` when the base is a
    /// plain local or unknown.
    pub fn qualified_name(&self, expr: &Expr) -> Option<String> {
        qualified_name_within(self, expr, 0)
    }

    /// The qualified type of the value an expression evaluates to (see the module docs): a call
    /// of a known name, a local bound to one (a `with` target included), `self.x` with one value
    /// in the class, a parameter annotated with a class (`X`, `X | None`, `Optional[X]`), an
    /// awaited call, or an attribute of a value of known type (`resp.content`).
    pub fn type_of(&self, expr: &Expr) -> Option<String> {
        type_within(self, expr, 0)
    }

    /// Same as [`Context::type_of`], which sees class-body attributes too (the name predates
    /// the merge of the two resolvers).
    pub fn type_of_including_class_body(&self, expr: &Expr) -> Option<String> {
        self.type_of(expr)
    }

    /// Same as [`Context::qualified_name`], which sees class-body attributes too (the name
    /// predates the merge of the two resolvers).
    pub fn qualified_name_including_class_body(&self, func: &Expr) -> Option<String> {
        self.qualified_name(func)
    }

    /// The one expression a name or `self.<attr>` is bound to: `s = socket.socket()` gives
    /// `socket.socket()` for `s` (a `with` target gives its context expression); `self.db =
    /// connect()` in a method of the class, or else `db = connect()` in the class body, gives
    /// `connect()` for `self.db`. `None` for anything else, or when the name has several values.
    pub fn value_of(&self, expr: &Expr) -> Option<&'a Expr> {
        match expr {
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Local { value } => *value,
                _ => None,
            },
            Expr::Attribute(attribute) => {
                let Expr::Name(base) = attribute.value.as_ref() else {
                    return None;
                };
                if !matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
                    return None;
                }
                self_attribute(self, attribute.attr.as_str())
            }
            _ => None,
        }
    }

    /// The call that built the object `expr` refers to: `expr` itself when it is a call, else
    /// the call its [`Context::value_of`] chain ends in (`r = q`, `q = queue.Queue()`).
    pub fn constructor_call<'e>(&self, expr: &'e Expr) -> Option<&'e ast::ExprCall>
    where
        'a: 'e,
    {
        let mut current = expr;
        for _ in 0..MAX_TYPE_HOPS {
            match current {
                Expr::Call(call) => return Some(call),
                other => current = self.value_of(other)?,
            }
        }
        None
    }

    /// Was the object `expr` refers to made somewhere other than by a call checked in the current
    /// function? True for `self.<attr>` and for names bound outside the current function (a
    /// module global); false for a call expression and for a local bound to a call here (the
    /// rules look at that call itself). A local bound to another name (`c = self.client`)
    /// answers for that name.
    pub fn produced_elsewhere(&self, expr: &Expr) -> bool {
        let mut current = expr;
        for _ in 0..=MAX_TYPE_HOPS {
            match current {
                Expr::Attribute(attribute) => {
                    return matches!(
                        attribute.value.as_ref(),
                        Expr::Name(base) if matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter))
                    )
                }
                Expr::Name(name) => {
                    let Some(Binding::Local { value: Some(value) }) = self.lookup(name.id.as_str())
                    else {
                        return false;
                    };
                    let here = self
                        .current_function()
                        .is_some_and(|def| def.range().contains_range(value.range()));
                    if !here {
                        return true;
                    }
                    match value {
                        Expr::Name(_) | Expr::Attribute(_) => current = value,
                        _ => return false,
                    }
                }
                _ => return false,
            }
        }
        false
    }

    /// Is `expr` known to evaluate to a concrete `pathlib` path (`Path`, `PosixPath`,
    /// `WindowsPath`, not `PurePath`)? Known are: a call of a path type or of `Path.cwd()` /
    /// `Path.home()`; `<path> / x` (and `x / <path>`); `<path>.parent` and methods that return
    /// a path (`resolve()`, `with_suffix()`, `joinpath()`, ...); a name bound once to one of
    /// these, at any scope; `self.x` assigned one in the class; a parameter annotated as a path
    /// (`Path`, `Path | None`, `Optional[Path]`).
    ///
    /// `anyio.Path` and `trio.Path` are not `pathlib` paths.
    pub fn is_known_path(&self, expr: &Expr) -> bool {
        is_path_within(self, expr, 0)
    }

    /// Is `expr` a path type itself (`Path` in `Path.read_text(p)`)?
    pub fn is_path_class(&self, expr: &Expr) -> bool {
        // `qualified_name` of a call is the type it builds: `Path(x)` is an instance.
        matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && self
                .qualified_name(expr)
                .is_some_and(|name| PATH_TYPES.contains(&name.as_str()))
    }

    /// The class a parameter annotation names: `X` for `X`, `Optional[X]`, `Union[X, None]`,
    /// `X | None`, `None | X`, `Annotated[X, ...]` and a generic `X[T]`; `None` for other unions,
    /// string annotations and `typing`/builtin generics (`list[X]`).
    pub fn annotated_class<'e>(&self, annotation: &'e Expr) -> Option<&'e Expr> {
        annotated_class_within(self, self.scopes.len(), annotation, 0)
    }
}

/// `hops` counts the bindings followed so far, so that `x = x.next()` ends.
fn qualified_name_within(ctx: &Context, expr: &Expr, hops: usize) -> Option<String> {
    if hops > MAX_TYPE_HOPS {
        return None;
    }
    // Walk down to the base iteratively: attribute chains can be arbitrarily long.
    let mut attrs: Vec<&str> = Vec::new();
    let mut current = expr;
    while let Expr::Attribute(attribute) = current {
        attrs.push(attribute.attr.as_str());
        current = &attribute.value;
    }
    let mut qualified = match current {
        Expr::Name(name) => match ctx.lookup(name.id.as_str()) {
            Some(Binding::Import(qualified)) => qualified.to_string(),
            Some(Binding::SelfParameter) => {
                let attr = attrs.pop()?;
                let value = self_attribute(ctx, attr)?;
                type_within(ctx, value, hops + 1)?
            }
            // A method of a local of known type: `s.get` with `s = requests.Session()`.
            Some(Binding::Local { .. }) if !attrs.is_empty() => type_within(ctx, current, hops)?,
            Some(_) => return None,
            None if names::is_builtin(name.id.as_str()) => {
                format!("builtins.{}", name.id)
            }
            None => return None,
        },
        other => type_within(ctx, other, hops)?,
    };
    for attr in attrs.iter().rev() {
        qualified.push('.');
        qualified.push_str(attr);
    }
    Some(qualified)
}

fn type_within(ctx: &Context, expr: &Expr, hops: usize) -> Option<String> {
    if hops > MAX_TYPE_HOPS {
        return None;
    }
    match expr {
        Expr::Call(call) => {
            let callee = qualified_name_within(ctx, &call.func, hops + 1)?;
            Some(names::return_type(&callee).map_or(callee, str::to_string))
        }
        // What awaiting a known call produces (`await asyncpg.connect()` is an
        // `asyncpg.Connection`); nothing for other awaits: `unsubscribe = await subscribe()`
        // is not a `subscribe`.
        Expr::Await(awaited) => {
            let Expr::Call(call) = awaited.value.as_ref() else {
                return None;
            };
            let callee = qualified_name_within(ctx, &call.func, hops + 1)?;
            let callee = coroutines::normalize_callee(&names::canonical_asyncio_name(&callee));
            coroutines::result_type(&callee).map(str::to_string)
        }
        Expr::Name(name) => match ctx.lookup(name.id.as_str())? {
            Binding::Local {
                value: Some(value), ..
            } => type_within(ctx, value, hops + 1),
            Binding::Local { value: None } => parameter_type(ctx, name.id.as_str()),
            _ => None,
        },
        Expr::Attribute(attribute) => {
            if let Expr::Name(base) = attribute.value.as_ref() {
                if matches!(ctx.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
                    let value = self_attribute(ctx, attribute.attr.as_str())?;
                    return type_within(ctx, value, hops + 1);
                }
            }
            // An attribute of a value of known type: `resp.content` is
            // `aiohttp.ClientSession.get.content` with `resp = session.get(url)`.
            qualified_name_within(ctx, expr, hops + 1)
        }
        _ => None,
    }
}

/// The innermost class scope around the current node.
fn innermost_class<'s, 'a>(ctx: &'s Context<'a>) -> Option<&'s Scope<'a>> {
    ctx.scopes
        .iter()
        .rev()
        .find(|scope| scope.kind == ScopeKind::Class)
}

/// The one value of `self.<attr>` in the enclosing class: assigned in its methods, or else bound
/// to `<attr>` in the class body (`_lock = threading.Lock()` beside the methods, a dataclass
/// default).
fn self_attribute<'a>(ctx: &Context<'a>, attr: &str) -> Option<&'a Expr> {
    let class = innermost_class(ctx)?;
    class.attribute(attr).or_else(|| match class.get(attr)? {
        Binding::Local { value } => *value,
        _ => None,
    })
}

/// The type a name has as an annotated parameter of the function whose scope binds it (also an
/// enclosing function's parameter used in a closure). A lambda parameter or comprehension
/// variable of the same name shadows it.
fn parameter_type(ctx: &Context, name: &str) -> Option<String> {
    let (index, def) = binding_function(ctx, name)?;
    let parameter = def
        .parameters
        .iter_non_variadic_params()
        .find(|parameter| parameter.parameter.name.as_str() == name)?;
    // Annotations are evaluated where the `def` statement runs, outside the function.
    let class = annotated_class_within(ctx, index, parameter.parameter.annotation.as_deref()?, 0)?;
    let ty = annotation_name(ctx, index, class)?;
    Some(names::return_type(&ty).map_or(ty, str::to_string))
}

/// The `def` whose scope binds `name` where the walk is, when the binding scope is a function's,
/// with the index of that scope.
fn binding_function<'a>(
    ctx: &Context<'a>,
    name: &str,
) -> Option<(usize, &'a ast::StmtFunctionDef)> {
    let innermost = ctx.scopes.len().checked_sub(1)?;
    let (index, scope) = ctx
        .scopes
        .iter()
        .enumerate()
        .rev()
        .filter(|(index, scope)| scope.kind != ScopeKind::Class || *index == innermost)
        .find(|(_, scope)| scope.get(name).is_some())?;
    if !matches!(scope.kind, ScopeKind::Function | ScopeKind::AsyncFunction) {
        return None;
    }
    // The n-th function scope belongs to the n-th `def` frame: the walker pushes both for
    // every `def` (the frame first, while it visits decorators and annotations).
    let nth = ctx.scopes[..index]
        .iter()
        .filter(|scope| matches!(scope.kind, ScopeKind::Function | ScopeKind::AsyncFunction))
        .count();
    let def = ctx
        .frames
        .iter()
        .filter_map(|frame| match frame.node {
            ast::AnyNodeRef::StmtFunctionDef(def) => Some(def),
            _ => None,
        })
        .nth(nth)?;
    Some((index, def))
}

/// The dotted name a name or attribute chain in an annotation refers to, resolved in the scopes
/// below `scope_index` (imports and builtins only: an annotation names a class).
fn annotation_name(ctx: &Context, scope_index: usize, expr: &Expr) -> Option<String> {
    let mut attrs: Vec<&str> = Vec::new();
    let mut current = expr;
    while let Expr::Attribute(attribute) = current {
        attrs.push(attribute.attr.as_str());
        current = &attribute.value;
    }
    let Expr::Name(name) = current else {
        return None;
    };
    let scopes = ctx.scopes.get(..scope_index)?;
    let innermost = scopes.len().checked_sub(1)?;
    let binding = scopes
        .iter()
        .enumerate()
        .rev()
        .filter(|(index, scope)| scope.kind != ScopeKind::Class || *index == innermost)
        .find_map(|(_, scope)| scope.get(name.id.as_str()));
    let mut qualified = match binding {
        Some(Binding::Import(qualified)) => qualified.to_string(),
        Some(_) => return None,
        None if names::is_builtin(name.id.as_str()) => format!("builtins.{}", name.id),
        None => return None,
    };
    for attr in attrs.iter().rev() {
        qualified.push('.');
        qualified.push_str(attr);
    }
    Some(qualified)
}

fn annotated_class_within<'e>(
    ctx: &Context,
    scope_index: usize,
    annotation: &'e Expr,
    depth: usize,
) -> Option<&'e Expr> {
    if depth > MAX_TYPE_HOPS {
        return None;
    }
    let recurse = |inner: &'e Expr| annotated_class_within(ctx, scope_index, inner, depth + 1);
    match annotation {
        Expr::Subscript(subscript) => {
            let generic = annotation_name(ctx, scope_index, &subscript.value);
            match generic.as_deref() {
                Some("typing.Optional" | "typing_extensions.Optional") => recurse(&subscript.slice),
                Some("typing.Union" | "typing_extensions.Union") => {
                    let members: &[Expr] = match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => &tuple.elts,
                        other => std::slice::from_ref(other),
                    };
                    let mut classes = members.iter().filter(|m| !m.is_none_literal_expr());
                    let class = classes.next()?;
                    if classes.next().is_some() {
                        return None;
                    }
                    recurse(class)
                }
                Some("typing.Annotated" | "typing_extensions.Annotated") => {
                    match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => recurse(tuple.elts.first()?),
                        _ => None,
                    }
                }
                Some(name) if name.starts_with("typing.") || name.starts_with("builtins.") => None,
                _ => Some(&subscript.value),
            }
        }
        Expr::BinOp(binop) if binop.op == Operator::BitOr => {
            match (binop.left.as_ref(), binop.right.as_ref()) {
                (other, Expr::NoneLiteral(_)) | (Expr::NoneLiteral(_), other) => recurse(other),
                _ => None,
            }
        }
        Expr::Name(_) | Expr::Attribute(_) => Some(annotation),
        _ => None,
    }
}

fn is_path_within(ctx: &Context, expr: &Expr, hops: usize) -> bool {
    if hops > MAX_PATH_HOPS {
        return false;
    }
    match expr {
        Expr::Call(call) => {
            if let Expr::Attribute(attribute) = call.func.as_ref() {
                if PATH_RETURNING_MEMBERS.contains(&attribute.attr.as_str())
                    && (is_path_within(ctx, &attribute.value, hops + 1)
                        || ctx.is_path_class(&attribute.value))
                {
                    return true;
                }
            }
            ctx.qualified_name(&call.func)
                .is_some_and(|name| is_path_type(&name))
        }
        Expr::BinOp(binary) if binary.op == Operator::Div => {
            is_path_within(ctx, &binary.left, hops + 1)
                || is_path_within(ctx, &binary.right, hops + 1)
        }
        Expr::Attribute(attribute) => {
            if attribute.attr.as_str() == "parent" {
                return is_path_within(ctx, &attribute.value, hops + 1);
            }
            ctx.value_of(expr)
                .is_some_and(|value| is_path_within(ctx, value, hops + 1))
        }
        Expr::Name(name) => match ctx.lookup(name.id.as_str()) {
            Some(Binding::Local { value: Some(value) }) => is_path_within(ctx, value, hops + 1),
            Some(Binding::Local { value: None }) => {
                parameter_type(ctx, name.id.as_str()).is_some_and(|ty| is_path_type(&ty))
            }
            _ => false,
        },
        Expr::Named(named) => is_path_within(ctx, &named.value, hops + 1),
        // `Path(a) if cond else None`: every branch a path or `None`, at least one a path.
        Expr::If(if_expr) => {
            let branches = [if_expr.body.as_ref(), if_expr.orelse.as_ref()];
            branches.iter().all(|branch| {
                branch.is_none_literal_expr() || is_path_within(ctx, branch, hops + 1)
            }) && branches.iter().any(|branch| !branch.is_none_literal_expr())
        }
        // `<path>.parents[0]`
        Expr::Subscript(subscript) => matches!(
            subscript.value.as_ref(),
            Expr::Attribute(attribute)
                if attribute.attr.as_str() == "parents"
                    && is_path_within(ctx, &attribute.value, hops + 1)
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{self as ast, Expr};
    use ruff_text_size::Ranged;

    use crate::context::testing::{at_calls, probed};
    use crate::context::Context;

    /// What the resolver says about the receiver of each `x.probe()`: its type, the method's
    /// qualified name, and the text of the call that built it.
    type Facts = (Option<String>, Option<String>, Option<String>);

    fn facts(source: &str) -> Vec<Facts> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            let receiver = probed(call)?;
            Some((
                ctx.type_of(receiver),
                ctx.qualified_name(&call.func),
                ctx.constructor_call(receiver)
                    .map(|c| ctx.text(c.range()).to_string()),
            ))
        })
    }

    fn types(source: &str) -> Vec<Option<String>> {
        facts(source).into_iter().map(|(ty, _, _)| ty).collect()
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn class_body_attributes_have_types() {
        let source = "\
import threading


class A:
    _lock = threading.Lock()

    async def f(self):
        self._lock.probe()
";
        assert_eq!(
            facts(source),
            [(
                some("threading.Lock"),
                some("threading.Lock.probe"),
                some("threading.Lock()")
            )]
        );
    }

    #[test]
    fn method_assignments_win_over_the_class_body() {
        let source = "\
import threading
import queue


class A:
    _lock = threading.Lock()

    def __init__(self):
        self._lock = queue.Queue(5)

    async def f(self):
        self._lock.probe()
";
        assert_eq!(
            facts(source),
            [(
                some("queue.Queue"),
                some("queue.Queue.probe"),
                some("queue.Queue(5)")
            )]
        );
    }

    #[test]
    fn constructors_of_locals_with_targets_and_chains() {
        let source = "\
import queue


async def f():
    q = queue.Queue(maxsize=3)
    r = q
    r.probe()
    with queue.Queue() as w:
        w.probe()
    queue.Queue(1).probe()
    unknown.probe()
";
        assert_eq!(
            facts(source),
            [
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue(maxsize=3)")
                ),
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue()")
                ),
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue(1)")
                ),
                (None, None, None),
            ]
        );
    }

    #[test]
    fn non_receivers_have_no_class_attribute_type() {
        let source = "\
import threading

_lock = threading.Lock()


class A:
    _lock = threading.Lock()

    @staticmethod
    async def f(self):
        self._lock.probe()
";
        assert_eq!(facts(source), [(None, None, None)]);
    }

    #[test]
    fn annotated_parameters_are_typed() {
        let source = "\
import asyncio
import socket
from typing import Annotated, Optional, Union


async def handle(reader: asyncio.StreamReader, writer: Optional[asyncio.StreamWriter], q: 'asyncio.Queue', p: list[asyncio.Queue], r: asyncio.Queue[int] | None, s: Union[socket.socket, None], t: Annotated[socket.socket, 'x'], u: socket.socket | str, *args: socket.socket):
    reader.probe()
    writer.probe()
    q.probe()
    p.probe()
    r.probe()
    s.probe()
    t.probe()
    u.probe()
    args.probe()
    [writer.probe() for writer in writers]
    (lambda reader: reader.probe())(x)

    def inner(other):
        reader.probe()
        other.probe()
";
        assert_eq!(
            types(source),
            [
                some("asyncio.StreamReader"),
                some("asyncio.StreamWriter"),
                None,
                None,
                some("asyncio.Queue"),
                some("socket.socket"),
                some("socket.socket"),
                None,
                None,
                None,
                None,
                some("asyncio.StreamReader"),
                None,
            ]
        );
    }

    #[test]
    fn annotations_resolve_outside_the_function() {
        // The annotation's `failure` is the module, not the parameter it annotates.
        let source = "\
import typing
from twisted.python import failure


def errback(failure: failure.Failure, typing: typing.Optional[failure.Failure]) -> None:
    failure.probe()
    typing.probe()


class A:
    Alias = failure

    def f(self, x: Alias.Failure):
        x.probe()
";
        assert_eq!(
            types(source),
            [
                some("twisted.python.failure.Failure"),
                some("twisted.python.failure.Failure"),
                None
            ]
        );
    }

    #[test]
    fn awaited_calls_and_attributes_of_known_values() {
        let source = "\
import aiohttp
import asyncpg


async def f(url):
    conn = await asyncpg.connect()
    conn.probe()
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            content = resp.content
            content.probe()
    done = await conn
    done.probe()
    value = await conn.fetchval('q')
    value.probe()
";
        assert_eq!(
            types(source),
            [
                some("asyncpg.Connection"),
                some("aiohttp.ClientSession.get.content"),
                None,
                None,
            ]
        );
    }

    /// Each `x.probe()` receiver's bound value, and whether it was produced elsewhere.
    fn values(source: &str) -> Vec<(String, Option<String>, bool)> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            let receiver = probed(call)?;
            Some((
                ctx.text(receiver.range()).to_string(),
                ctx.value_of(receiver)
                    .map(|value| ctx.text(value.range()).to_string()),
                ctx.produced_elsewhere(receiver),
            ))
        })
    }

    #[test]
    fn values_and_where_they_were_made() {
        let source = "\
import redis
CLIENT = redis.Redis()
class Store:
    pool = redis.ConnectionPool()
    def __init__(self):
        self.r = redis.Redis()
    async def get(self, key):
        local = redis.Redis()
        alias = self.r
        local.probe()
        alias.probe()
        self.r.probe()
        self.pool.probe()
        CLIENT.probe()
        redis.Redis().probe()
";
        let found = values(source);
        let expected = [
            ("local", Some("redis.Redis()"), false),
            ("alias", Some("self.r"), true),
            ("self.r", Some("redis.Redis()"), true),
            ("self.pool", Some("redis.ConnectionPool()"), true),
            ("CLIENT", Some("redis.Redis()"), true),
            ("redis.Redis()", None, false),
        ];
        assert_eq!(found.len(), expected.len(), "{found:?}");
        for (found, (text, value, elsewhere)) in found.iter().zip(expected) {
            assert_eq!(found.0, text);
            assert_eq!(found.1.as_deref(), value, "{text}");
            assert_eq!(found.2, elsewhere, "{text}");
        }
    }

    /// For every `x.probe()`, whether `x` is a known path.
    fn known(source: &str) -> Vec<bool> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                return None;
            };
            (attribute.attr.as_str() == "probe").then(|| ctx.is_known_path(&attribute.value))
        })
    }

    #[test]
    fn paths_from_constructors_operators_and_members() {
        let source = r#"
import pathlib
from pathlib import Path, PurePath

BASE = Path(__file__).parent / "data"

def f(x):
    Path(x).probe()
    pathlib.PosixPath(x).probe()
    Path.cwd().probe()
    Path.home().probe()
    (Path(x) / "a" / "b").probe()
    Path(x).parent.probe()
    Path(x).resolve().with_suffix(".txt").probe()
    BASE.probe()
    p = Path(x)
    q = p / "y"
    q.probe()
    (r := p.joinpath("z")).probe()
    PurePath(x).probe()
    x.probe()
    str(p).probe()
"#;
        assert_eq!(
            known(source),
            [true, true, true, true, true, true, true, true, true, true, false, false, false]
        );
    }

    #[test]
    fn paths_on_self() {
        let source = r#"
from pathlib import Path

class Store:
    base = Path("data")
    label = "x"

    def __init__(self, root):
        self.root = Path(root) / "store"
        self.name = root

    async def f(self):
        self.root.probe()
        self.name.probe()
        self.base.probe()
        self.label.probe()
        self.root.parents[0].probe()
"#;
        assert_eq!(known(source), [true, false, true, false, true]);
    }

    #[test]
    fn conditional_paths() {
        let source = r#"
from pathlib import Path

def f(x, cond):
    a = Path(x) if cond else None
    a.probe()
    b = Path(x) if cond else x
    b.probe()
    c = None if cond else None
    c.probe()
"#;
        assert_eq!(known(source), [true, false, false]);
    }

    #[test]
    fn annotated_path_parameters() {
        let source = r#"
import anyio
from pathlib import Path
from typing import Optional, Union

async def f(a: Path, b: Path | None, c: Optional[Path], d: Union[Path, None], e: str | Path, g: anyio.Path, h):
    a.probe()
    b.probe()
    c.probe()
    d.probe()
    e.probe()
    g.probe()
    h.probe()
    (lambda a: a.probe())(1)
"#;
        assert_eq!(
            known(source),
            [true, true, true, true, false, false, false, false]
        );
    }

    #[test]
    fn shadowed_path_names_and_other_libraries() {
        let source = r#"
from anyio import Path

def f(x):
    Path(x).probe()

def g(Path, x):
    Path(x).probe()
"#;
        assert_eq!(known(source), [false, false]);
    }
}
