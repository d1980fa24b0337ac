//! ASY007 blocking-socket-call-in-async-function: name resolution, connections and transfers on
//! blocking sockets, and standard-library protocol clients (`smtplib`, `ftplib`, ...) in async
//! code.
//!
//! A socket the code sets non-blocking (`sock.setblocking(False)`, `sock.settimeout(0)`) or
//! hands to `loop.sock_*` / `loop.add_reader` is fine. That can happen after the flagged call
//! in the function (or, for `self.sock`, in another method of the class), so calls on a socket
//! named by a local or `self.<attr>` wait until the end of their function (or class) before they
//! are reported.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashSet as HashSet;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_clients::{
    asyncio_sock_method, is_socket_type, socket_method, SocketCall, PROTOCOL_CLIENTS,
    SOCKET_FUNCTIONS,
};
use crate::rules::asy008_sync_client_in_async_function::{
    self as clients, client_call, ClientCall,
};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

/// A blocking network call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockingSocketCall {
    /// A `socket`/`ssl` module function (`socket.getaddrinfo`).
    Function { name: String, kind: SocketCall },
    /// A method of a socket (`socket.socket.recv`). `sockets` names the socket when it is a
    /// local or `self.<attr>`, and the socket it wraps (`ctx.wrap_socket(sock)`): the call does
    /// not block if the code sets one of them non-blocking (see [`non_blocking_socket`]), which
    /// the caller checks.
    Method {
        name: String,
        method: String,
        kind: SocketCall,
        sockets: Vec<SocketRef>,
    },
    /// A standard-library protocol client (`smtplib.SMTP`) created or used.
    Client(ClientCall),
}

/// Classifies a call as a blocking network call, wherever it is (the caller decides whether it
/// is in async code, and whether a socket named in a `Method` is set non-blocking). Not for
/// names in `allowed-blocking-calls`.
pub fn blocking_socket_call(call: &ast::ExprCall, ctx: &Context) -> Option<BlockingSocketCall> {
    match call.func.as_ref() {
        Expr::Name(_) => {}
        Expr::Attribute(attribute) => {
            if let Some(kind) = socket_method(attribute.attr.as_str()) {
                return socket_method_call(call, attribute, kind, ctx);
            }
        }
        _ => return None,
    }
    let may_be_function = match call.func.as_ref() {
        Expr::Attribute(attribute) => SOCKET_FUNCTIONS
            .iter()
            .any(|(api, _)| api.rsplit('.').next() == Some(attribute.attr.as_str())),
        _ => true,
    };
    if !may_be_function {
        return client_call(call, ctx, PROTOCOL_CLIENTS).map(BlockingSocketCall::Client);
    }
    let name = ctx.qualified_name(&call.func)?;
    if let Some((_, kind)) = SOCKET_FUNCTIONS.iter().find(|(api, _)| *api == name) {
        if ctx.settings().is_allowed_blocking_call(&name) || is_numeric_lookup(call, *kind, ctx) {
            return None;
        }
        return Some(BlockingSocketCall::Function { name, kind: *kind });
    }
    client_call(call, ctx, PROTOCOL_CLIENTS).map(BlockingSocketCall::Client)
}

/// A lookup that asks no resolver: `AI_NUMERICHOST` / `NI_NUMERICHOST` flags (or a constant
/// naming them, like trio's `_NUMERIC_ONLY`), a literal IP address or `None` as the host.
fn is_numeric_lookup(call: &ast::ExprCall, kind: SocketCall, ctx: &Context) -> bool {
    if !matches!(kind, SocketCall::Resolve | SocketCall::NameInfo) {
        return false;
    }
    let arguments = &call.arguments;
    let named_numeric = arguments
        .args
        .iter()
        .chain(arguments.keywords.iter().map(|keyword| &keyword.value))
        .any(|argument| ctx.text(argument.range()).contains("NUMERIC"));
    if named_numeric {
        return true;
    }
    let host = arguments
        .args
        .first()
        .or_else(|| arguments.find_keyword("host").map(|keyword| &keyword.value));
    kind == SocketCall::Resolve
        && match host {
            Some(Expr::NoneLiteral(_)) => true,
            Some(Expr::StringLiteral(literal)) => {
                literal.value.to_str().parse::<std::net::IpAddr>().is_ok()
            }
            _ => false,
        }
}

fn socket_method_call(
    call: &ast::ExprCall,
    attribute: &ast::ExprAttribute,
    kind: SocketCall,
    ctx: &Context,
) -> Option<BlockingSocketCall> {
    let receiver = attribute.value.as_ref();
    let ty = ctx.type_of(receiver)?;
    if !is_socket_type(&ty) {
        // `smtp.connect(...)` on a protocol client is a client call.
        return client_call(call, ctx, PROTOCOL_CLIENTS).map(BlockingSocketCall::Client);
    }
    let method = attribute.attr.to_string();
    let name = format!("{ty}.{method}");
    if ctx.settings().is_allowed_blocking_call(&name) {
        return None;
    }
    Some(BlockingSocketCall::Method {
        name,
        method,
        kind,
        sockets: socket_refs(receiver, ctx),
    })
}

/// The socket `receiver` names, then the one it wraps: `ssl_sock` and `sock` for
/// `ssl_sock = ctx.wrap_socket(sock)`.
fn socket_refs(receiver: &Expr, ctx: &Context) -> Vec<SocketRef> {
    let mut refs: Vec<SocketRef> = socket_ref(receiver, ctx).into_iter().collect();
    if let Some(Expr::Call(wrap)) = ctx.value_of(receiver) {
        let is_wrap = matches!(wrap.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "wrap_socket")
            || matches!(wrap.func.as_ref(), Expr::Name(n) if n.id.as_str() == "wrap_socket");
        let wrapped = wrap.arguments.args.first().or_else(|| {
            wrap.arguments
                .find_keyword("sock")
                .map(|keyword| &keyword.value)
        });
        if let Some(wrapped) = wrapped.filter(|_| is_wrap) {
            refs.extend(socket_ref(wrapped, ctx));
        }
    }
    refs
}

/// What to use instead, in the file's library.
pub fn advice(kind: SocketCall, method: &str, library: Library) -> String {
    let text = match (kind, library) {
        (SocketCall::Thread, _) => return run_in_thread_advice(library),
        (SocketCall::Resolve, Library::Asyncio) => "use `await loop.getaddrinfo(...)`",
        (SocketCall::Resolve, Library::Trio) => "use `await trio.socket.getaddrinfo(...)`",
        (SocketCall::Resolve, Library::AnyIO) => "use `await anyio.getaddrinfo(...)`",
        (SocketCall::NameInfo, Library::Asyncio) => "use `await loop.getnameinfo(...)`",
        (SocketCall::NameInfo, Library::Trio) => "use `await trio.socket.getnameinfo(...)`",
        (SocketCall::NameInfo, Library::AnyIO) => "use `await anyio.getnameinfo(...)`",
        (SocketCall::Connect, Library::Asyncio) if method.is_empty() => {
            "use `await asyncio.open_connection(...)`"
        }
        (SocketCall::Connect, Library::Trio) => "use `await trio.open_tcp_stream(...)`",
        (SocketCall::Connect, Library::AnyIO) => "use `await anyio.connect_tcp(...)`",
        (SocketCall::Accept, Library::Trio) => "use `await trio.serve_tcp(...)`",
        (SocketCall::Accept, Library::AnyIO) => "use `await anyio.create_tcp_listener(...)`",
        (SocketCall::Transfer, Library::Trio) => {
            "use a trio socket (`trio.socket.from_stdlib_socket(...)`) or stream (`trio.open_tcp_stream(...)`)"
        }
        (SocketCall::Transfer, Library::AnyIO) => {
            "use an anyio stream (`anyio.connect_tcp(...)`)"
        }
        (_, Library::Asyncio) => {
            let instead = if kind == SocketCall::Accept {
                "`asyncio.start_server(...)`"
            } else {
                "asyncio streams (`asyncio.open_connection(...)`)"
            };
            return match asyncio_sock_method(method) {
                Some(coroutine) => format!(
                    "use `await loop.{coroutine}(...)` on a non-blocking socket, or {instead}"
                ),
                None => format!("use {instead}"),
            };
        }
    };
    text.to_string()
}

fn socket_diagnostic(call: TextRange, name: &str, advice: String) -> Diagnostic {
    let mut help = advice.clone();
    if let Some(first) = help.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Diagnostic::new(
        "ASY007",
        call,
        format!("Blocking network call `{name}` in async function; {advice}"),
    )
    .with_help(help)
}

#[derive(Default)]
pub struct BlockingSocketCallInAsyncFunction {
    /// The functions and classes the walk is inside, innermost last.
    frames: Vec<SocketFrame>,
    /// Lazy protocol clients made in this file whose first use was reported.
    reported_clients: HashSet<TextRange>,
}

/// Sockets shown non-blocking in a function (by name) or class (by `self.<attr>`), and the
/// findings waiting to know.
struct SocketFrame {
    node: TextRange,
    is_class: bool,
    non_blocking: HashSet<SocketRef>,
    pending: Vec<(Vec<SocketRef>, Diagnostic)>,
}

impl BlockingSocketCallInAsyncFunction {
    /// The innermost function frame (for a name) or class frame (for `self.<attr>`).
    fn frame_for(&mut self, socket: &SocketRef) -> Option<&mut SocketFrame> {
        let wants_class = matches!(socket, SocketRef::SelfAttr(_));
        self.frames
            .iter_mut()
            .rev()
            .find(|frame| frame.is_class == wants_class)
    }
}

impl Rule for BlockingSocketCallInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        let is_class = match stmt {
            Stmt::FunctionDef(_) => false,
            Stmt::ClassDef(_) => true,
            _ => return,
        };
        self.frames.push(SocketFrame {
            node: stmt.range(),
            is_class,
            non_blocking: HashSet::default(),
            pending: Vec::new(),
        });
    }

    fn leave_stmt(&mut self, stmt: &Stmt, _ctx: &Context, out: &mut Report) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_))
            || self
                .frames
                .last()
                .is_none_or(|frame| frame.node != stmt.range())
        {
            return;
        }
        let frame = self.frames.pop().expect("checked above");
        for (sockets, diagnostic) in frame.pending {
            if !sockets
                .iter()
                .any(|socket| frame.non_blocking.contains(socket))
            {
                out.push(diagnostic);
            }
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if let Some(socket) = non_blocking_socket(call, ctx) {
            if let Some(frame) = self.frame_for(&socket) {
                frame.non_blocking.insert(socket);
            }
            return;
        }
        if !ctx.in_async_function() {
            return;
        }
        let Some(found) = blocking_socket_call(call, ctx) else {
            return;
        };
        if left_alone(call, ctx) {
            return;
        }
        let library = ctx.library();
        match found {
            BlockingSocketCall::Function { name, kind } => {
                out.push(socket_diagnostic(
                    call.range(),
                    &name,
                    advice(kind, "", library),
                ));
            }
            BlockingSocketCall::Method {
                name,
                method,
                kind,
                sockets,
            } => {
                let diagnostic =
                    socket_diagnostic(call.range(), &name, advice(kind, &method, library));
                match sockets.first().cloned() {
                    Some(socket) => match self.frame_for(&socket) {
                        Some(frame) => frame.pending.push((sockets, diagnostic)),
                        None => out.push(diagnostic),
                    },
                    None => out.push(diagnostic),
                }
            }
            BlockingSocketCall::Client(found) => {
                if found.is_first_report(&mut self.reported_clients) {
                    out.push(clients::diagnostic("ASY007", call, &found, library));
                }
            }
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
    use super::*;
    use crate::context::testing::at_calls;
    use crate::linter::finding_messages as messages;
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source = "import socket\n\nasync def f():\n    socket.getfqdn()\n    socket.gethostbyname('h')\n";
        let mut settings = Settings::only("ASY007").unwrap();
        assert_eq!(messages(source, &settings).len(), 2);
        settings.allowed_blocking_calls =
            vec![QualifiedNamePattern::new("socket.getfqdn").unwrap()];
        assert_eq!(
            messages(source, &settings),
            ["Blocking network call `socket.gethostbyname` in async function; use `await loop.getaddrinfo(...)`"]
        );
    }

    #[test]
    fn advice_names_apis_of_the_library() {
        assert_eq!(
            advice(SocketCall::Transfer, "recv", Library::Asyncio),
            "use `await loop.sock_recv(...)` on a non-blocking socket, or asyncio streams (`asyncio.open_connection(...)`)"
        );
        assert_eq!(
            advice(SocketCall::Connect, "", Library::Asyncio),
            "use `await asyncio.open_connection(...)`"
        );
        assert_eq!(
            advice(SocketCall::Connect, "connect", Library::Asyncio),
            "use `await loop.sock_connect(...)` on a non-blocking socket, or asyncio streams (`asyncio.open_connection(...)`)"
        );
        assert_eq!(
            advice(SocketCall::Accept, "accept", Library::Asyncio),
            "use `await loop.sock_accept(...)` on a non-blocking socket, or `asyncio.start_server(...)`"
        );
        assert_eq!(
            advice(SocketCall::Resolve, "", Library::Trio),
            "use `await trio.socket.getaddrinfo(...)`"
        );
    }

    #[test]
    fn self_socket_set_non_blocking_in_another_method() {
        let source = "import socket\n\nclass C:\n    def __init__(self):\n        self.sock = socket.socket()\n\n    async def read(self):\n        return self.sock.recv(10)\n\n    def start(self):\n        self.sock.setblocking(False)\n";
        let settings = Settings::only("ASY007").unwrap();
        assert!(messages(source, &settings).is_empty());
        let blocking = source.replace("setblocking(False)", "setblocking(True)");
        assert_eq!(messages(&blocking, &settings).len(), 1);
    }

    /// At every method call: the callee's text and the socket it shows to be non-blocking.
    fn sockets(source: &str) -> Vec<(String, Option<SocketRef>)> {
        at_calls(source, |call: &ast::ExprCall, ctx: &Context| {
            call.func.is_attribute_expr().then(|| {
                (
                    ctx.text(call.func.range()).to_string(),
                    non_blocking_socket(call, ctx),
                )
            })
        })
    }

    fn find<'s>(
        seen: &'s [(String, Option<SocketRef>)],
        callee: &str,
    ) -> &'s (String, Option<SocketRef>) {
        seen.iter()
            .find(|entry| entry.0 == callee)
            .unwrap_or_else(|| panic!("no call of {callee} in {seen:?}"))
    }

    #[test]
    fn non_blocking_sockets() {
        let seen = sockets(
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
        assert_eq!(find(&seen, "s.setblocking").1, name);
        assert_eq!(seen[2].0, "s.setblocking");
        assert_eq!(seen[2].1, None);
        assert_eq!(find(&seen, "s.settimeout").1, name);
        assert_eq!(seen[4].1, None);
        assert_eq!(find(&seen, "loop.sock_connect").1, name);
        assert_eq!(find(&seen, "loop.add_reader").1, name);
        assert_eq!(
            find(&seen, "anyio.wait_readable").1,
            Some(SocketRef::Name("t".into()))
        );
        assert_eq!(
            find(&seen, "self.sock.setblocking").1,
            Some(SocketRef::SelfAttr("sock".into()))
        );
    }
}
