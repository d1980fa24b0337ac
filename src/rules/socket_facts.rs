//! Facts the blocking socket and client rules (ASY007, ASY008) ask about values: what a name or
//! `self.<attr>` is bound to, whether the current function produced it, and which sockets the
//! code sets non-blocking.
//!
//! These extend `Context` from outside context.rs; they belong there once they settle.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::scope::{Binding, ScopeKind};

/// How many bindings `produced_elsewhere` follows (`a = b; b = a`).
const MAX_HOPS: usize = 8;

impl<'a> Context<'a> {
    /// The one expression a name or `self.<attr>` is bound to: `s = socket.socket()` gives
    /// `socket.socket()` for `s`; `self.db = connect()` anywhere in the class gives `connect()`
    /// for `self.db`. `None` for anything else, or when the name has several values.
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
                self.scopes
                    .iter()
                    .rev()
                    .find(|scope| scope.kind == ScopeKind::Class)?
                    .attribute(attribute.attr.as_str())
            }
            _ => None,
        }
    }

    /// Was the object `expr` refers to made somewhere other than by a call checked in the current
    /// function? True for `self.<attr>` and for names bound outside the current function (a
    /// module global); false for a call expression and for a local bound to a call here (the
    /// rules look at that call itself). A local bound to another name (`c = self.client`)
    /// answers for that name.
    pub fn produced_elsewhere(&self, expr: &Expr) -> bool {
        self.produced_elsewhere_within(expr, 0)
    }

    fn produced_elsewhere_within(&self, expr: &Expr, hops: usize) -> bool {
        if hops > MAX_HOPS {
            return false;
        }
        match expr {
            Expr::Attribute(attribute) => matches!(
                attribute.value.as_ref(),
                Expr::Name(base) if matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter))
            ),
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
                    Expr::Name(_) | Expr::Attribute(_) => {
                        self.produced_elsewhere_within(value, hops + 1)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// A socket the rules can follow through a function or a class: a name, or `self.<attr>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SocketRef {
    Name(String),
    SelfAttr(String),
}

/// The socket an expression names, if it is a plain name or `self.<attr>`.
pub fn socket_ref(expr: &Expr, ctx: &Context) -> Option<SocketRef> {
    match expr {
        Expr::Name(name) => Some(SocketRef::Name(name.id.to_string())),
        Expr::Attribute(attribute) => match attribute.value.as_ref() {
            Expr::Name(base)
                if matches!(ctx.lookup(base.id.as_str()), Some(Binding::SelfParameter)) =>
            {
                Some(SocketRef::SelfAttr(attribute.attr.to_string()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The socket a call shows to be non-blocking, or used as one: `sock.setblocking(False)`,
/// `sock.settimeout(0)`, `loop.sock_recv(sock, ...)` and the other `loop.sock_*` coroutines,
/// `loop.add_reader(sock, ...)` / `add_writer` (also with `sock.fileno()`), and anyio's and
/// trio's `wait_readable(sock)` / `wait_writable(sock)` (and anyio's older
/// `wait_socket_readable` / `wait_socket_writable`).
pub fn non_blocking_socket(call: &ast::ExprCall, ctx: &Context) -> Option<SocketRef> {
    let attribute = match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute,
        // `from anyio import wait_readable`
        Expr::Name(name) if is_readiness_wait(name.id.as_str()) => {
            return socket_ref(call.arguments.args.first()?, ctx);
        }
        _ => return None,
    };
    let method = attribute.attr.as_str();
    match method {
        "setblocking" => {
            let flag = call.arguments.args.first()?;
            if is_truthy_literal(flag) {
                return None;
            }
            socket_ref(&attribute.value, ctx)
        }
        "settimeout" => {
            let timeout = call.arguments.args.first()?;
            if !is_zero(timeout) {
                return None;
            }
            socket_ref(&attribute.value, ctx)
        }
        _ if method.starts_with("sock_")
            || matches!(method, "add_reader" | "add_writer")
            || is_readiness_wait(method) =>
        {
            let mut socket = call.arguments.args.first()?;
            // `loop.add_reader(sock.fileno(), ...)`
            if let Expr::Call(inner) = socket {
                if let Expr::Attribute(fileno) = inner.func.as_ref() {
                    if fileno.attr.as_str() == "fileno" && inner.arguments.is_empty() {
                        socket = &fileno.value;
                    }
                }
            }
            socket_ref(socket, ctx)
        }
        _ => None,
    }
}

/// anyio's and trio's waits for a socket to be ready (`await anyio.wait_readable(sock)`, then
/// `sock.recv(...)` returns at once).
fn is_readiness_wait(name: &str) -> bool {
    matches!(
        name,
        "wait_readable" | "wait_writable" | "wait_socket_readable" | "wait_socket_writable"
    )
}

/// `True`, or a non-zero number.
fn is_truthy_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(_) => !is_zero(expr),
        _ => false,
    }
}

/// `0` or `0.0`.
fn is_zero(expr: &Expr) -> bool {
    match expr {
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_u8() == Some(0),
            ast::Number::Float(float) => *float == 0.0,
            ast::Number::Complex { .. } => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ruff_python_ast::PySourceType;
    use ruff_python_parser::parse_unchecked_source;

    use super::*;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// What the facts said at each call whose callee is an attribute: (callee text,
    /// value of its receiver, produced elsewhere, non-blocking socket).
    type Seen = (String, Option<String>, bool, Option<SocketRef>);

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
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                return;
            };
            self.seen.lock().unwrap().push((
                ctx.text(call.func.range()).to_string(),
                ctx.value_of(&attribute.value)
                    .map(|value| ctx.text(value.range()).to_string()),
                ctx.produced_elsewhere(&attribute.value),
                non_blocking_socket(call, ctx),
            ));
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

    fn find<'s>(seen: &'s [Seen], callee: &str) -> &'s Seen {
        seen.iter()
            .find(|entry| entry.0 == callee)
            .unwrap_or_else(|| panic!("no call of {callee} in {seen:?}"))
    }

    #[test]
    fn values_and_where_they_were_made() {
        let seen = probe(
            "import redis\n\
             CLIENT = redis.Redis()\n\
             class Store:\n\
             \x20   def __init__(self):\n\
             \x20       self.r = redis.Redis()\n\
             \x20   async def get(self, key):\n\
             \x20       local = redis.Redis()\n\
             \x20       alias = self.r\n\
             \x20       local.get(key)\n\
             \x20       alias.get(key)\n\
             \x20       self.r.get(key)\n\
             \x20       CLIENT.get(key)\n\
             \x20       redis.Redis().get(key)\n",
        );
        let local = find(&seen, "local.get");
        assert_eq!(local.1.as_deref(), Some("redis.Redis()"));
        assert!(!local.2);
        let alias = find(&seen, "alias.get");
        assert_eq!(alias.1.as_deref(), Some("self.r"));
        assert!(alias.2);
        let attr = find(&seen, "self.r.get");
        assert_eq!(attr.1.as_deref(), Some("redis.Redis()"));
        assert!(attr.2);
        assert!(find(&seen, "CLIENT.get").2);
        assert!(!find(&seen, "redis.Redis().get").2);
    }

    #[test]
    fn non_blocking_sockets() {
        let seen = probe(
            "import asyncio, socket\n\
             async def f(loop):\n\
             \x20   s = socket.socket()\n\
             \x20   s.setblocking(False)\n\
             \x20   s.setblocking(True)\n\
             \x20   s.settimeout(0)\n\
             \x20   s.settimeout(5)\n\
             \x20   await loop.sock_connect(s, ('h', 1))\n\
             \x20   loop.add_reader(s.fileno(), print)\n\
             \x20   await anyio.wait_readable(t)\n\
             class C:\n\
             \x20   def start(self):\n\
             \x20       self.sock.setblocking(0)\n",
        );
        let name = Some(SocketRef::Name("s".into()));
        assert_eq!(find(&seen, "s.setblocking").3, name);
        assert_eq!(seen[2].0, "s.setblocking");
        assert_eq!(seen[2].3, None);
        assert_eq!(find(&seen, "s.settimeout").3, name);
        assert_eq!(seen[4].3, None);
        assert_eq!(find(&seen, "loop.sock_connect").3, name);
        assert_eq!(find(&seen, "loop.add_reader").3, name);
        assert_eq!(
            find(&seen, "anyio.wait_readable").3,
            Some(SocketRef::Name("t".into()))
        );
        assert_eq!(
            find(&seen, "self.sock.setblocking").3,
            Some(SocketRef::SelfAttr("sock".into()))
        );
    }
}
