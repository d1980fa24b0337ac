//! ASY009 blocking-wait-in-async-function: waiting on a thread or process primitive (an event,
//! a lock, a queue, a thread, a future, a pool) in async code.
//!
//! Detection is `blocking_wait`, which does not look at where the call is: the project-wide
//! rule (a sync helper that blocks, called from async code) reuses it.

use ruff_python_ast::{self as ast, Expr, Number};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashSet;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::names::threads::{self, WaitKind};
use crate::rules::blocking::{left_alone, to_thread};
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingWaitInAsyncFunction {
    /// Receivers (function start, source text) whose readiness the code has already checked
    /// earlier in the same function: `fut.done()`, `q.empty()`, `t.is_alive()`,
    /// `fut.add_done_callback(...)`, `asyncio.wrap_future(fut)`.
    probed: FxHashSet<(TextSize, String)>,
}

/// Methods that ask whether a wait would return at once, or arrange to learn it without
/// blocking. After one of them on the same object, a wait is taken to be deliberate.
const READINESS_PROBES: &[&str] = &[
    "done",
    "cancelled",
    "add_done_callback",
    "empty",
    "qsize",
    "full",
    "is_alive",
    "is_set",
    "locked",
    "ready",
];

impl Rule for BlockingWaitInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        if !ctx.in_async_function() {
            return;
        }
        if self.record_probe(call, ctx) {
            return;
        }
        let Some(wait) = blocking_wait(call, ctx) else {
            return;
        };
        if let Expr::Attribute(attribute) = call.func.as_ref() {
            let key = (
                function_start(ctx),
                ctx.text(attribute.value.range()).to_string(),
            );
            if self.probed.contains(&key) {
                return;
            }
        }
        // `asyncio.to_thread(q.get())` is ASY013's finding.
        if left_alone(call, ctx) {
            return;
        }
        let advice = advice(&wait, ctx.library());
        out.push(
            Diagnostic::new(
                "ASY009",
                call.range(),
                format!("Blocking wait `{}` in async function; {advice}", wait.name),
            )
            .with_help(capitalize(&advice)),
        );
    }
}

impl BlockingWaitInAsyncFunction {
    /// Records `x.done()`-style probes and `asyncio.wrap_future(x)`; true when `call` is one.
    fn record_probe(&mut self, call: &ast::ExprCall, ctx: &Context) -> bool {
        let receiver = match call.func.as_ref() {
            Expr::Attribute(attribute) if READINESS_PROBES.contains(&attribute.attr.as_str()) => {
                attribute.value.as_ref()
            }
            func if callee_name(func) == Some("wrap_future") => {
                let Some(future) = call.arguments.find_argument_value("future", 0) else {
                    return false;
                };
                if ctx.qualified_name(&call.func).is_none_or(|name| {
                    names::canonical_asyncio_name(&name) != "asyncio.wrap_future"
                }) {
                    return false;
                }
                future
            }
            _ => return false,
        };
        self.probed
            .insert((function_start(ctx), ctx.text(receiver.range()).to_string()));
        true
    }
}

/// The last segment of a callee: `wrap_future` for `asyncio.wrap_future` and `wrap_future`.
fn callee_name(func: &Expr) -> Option<&str> {
    match func {
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        Expr::Name(name) => Some(name.id.as_str()),
        _ => None,
    }
}

/// Where the enclosing function starts: the key of per-function facts.
fn function_start(ctx: &Context) -> TextSize {
    ctx.current_function()
        .map_or(TextSize::default(), |def| def.start())
}

/// A call that waits for another thread or process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingWait {
    /// The qualified name: `threading.Event.wait`, `queue.Queue.get`.
    pub name: String,
    pub kind: WaitKind,
}

/// The blocking wait `call` makes, wherever it is: a method of an object of known type (a local,
/// a `with` target, `self.x` set in the class) or `concurrent.futures.wait/as_completed`. Not
/// when an argument makes it return at once (`block=False`, `blocking=False`, `wait=False`, a
/// literal `timeout=0`), when such an argument is not a literal, when `**kwargs` may hold one,
/// for a `put` on a queue not known to be bounded, or for names in `allowed-blocking-calls`.
pub fn blocking_wait(call: &ast::ExprCall, ctx: &Context) -> Option<BlockingWait> {
    let method = callee_name(&call.func)?;
    if !threads::WAIT_METHOD_NAMES.contains(&method) {
        return None;
    }
    let name = ctx.qualified_name_including_class_body(&call.func)?;
    let kind = if let Some(wait) = threads::thread_wait(&name) {
        let arguments = &call.arguments;
        if arguments
            .keywords
            .iter()
            .any(|keyword| keyword.arg.is_none())
        {
            return None;
        }
        if let Some((keyword, position)) = wait.flag {
            if arguments
                .find_argument_value(keyword, position)
                .is_some_and(|flag| !is_true(flag))
            {
                return None;
            }
        }
        if let Some((keyword, position)) = wait.timeout {
            if arguments
                .find_argument_value(keyword, position)
                .is_some_and(is_zero)
            {
                return None;
            }
        }
        if wait.bounded_only && !is_bounded_queue(call, ctx) {
            return None;
        }
        if wait.kind == WaitKind::Lock && acquires_fresh_lock(call, ctx) {
            return None;
        }
        wait.kind
    } else if threads::is_pool_wait(&name) {
        WaitKind::Other
    } else {
        return None;
    };
    if ctx.settings().is_allowed_blocking_call(&name) {
        return None;
    }
    Some(BlockingWait { name, kind })
}

/// Was the receiver of `q.put(...)` created with a positive `maxsize`? A queue without one never
/// blocks on `put`; one whose constructor is not known is given the benefit of the doubt.
fn is_bounded_queue(call: &ast::ExprCall, ctx: &Context) -> bool {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return false;
    };
    let Some(constructor) = ctx.constructor_call(&attribute.value) else {
        return false;
    };
    match constructor.arguments.find_argument_value("maxsize", 0) {
        None => false,
        Some(Expr::NumberLiteral(literal)) => match &literal.value {
            Number::Int(int) => int.as_i64().is_some_and(|size| size > 0),
            _ => true,
        },
        Some(Expr::UnaryOp(_)) => false,
        Some(_) => true,
    }
}

/// `lock = threading.Lock()` directly followed by `lock.acquire()`: nobody else can hold a lock
/// that was created on the line before (a common way to create a lock already held).
fn acquires_fresh_lock(call: &ast::ExprCall, ctx: &Context) -> bool {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return false;
    };
    if !attribute.value.is_name_expr() {
        return false;
    }
    let Some(constructor) = ctx.constructor_call(&attribute.value) else {
        return false;
    };
    constructor.end() <= call.start()
        && ctx.source()[TextRange::new(constructor.end(), call.start())]
            .trim()
            .is_empty()
}

/// A literal that is true: `True` or a non-zero number. A flag that is not a literal may be
/// false, so it does not count.
fn is_true(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(_) => !is_zero(expr),
        _ => false,
    }
}

/// A literal `0` or `0.0`.
fn is_zero(expr: &Expr) -> bool {
    let Expr::NumberLiteral(literal) = expr else {
        return false;
    };
    match &literal.value {
        Number::Int(int) => int.as_u8() == Some(0),
        Number::Float(float) => *float == 0.0,
        Number::Complex { .. } => false,
    }
}

/// What to do instead, in the file's library (lower case; also the help text, capitalized).
fn advice(wait: &BlockingWait, library: Library) -> String {
    let thread = to_thread(library);
    let in_thread = format!("wait in a thread with `await {thread}(...)`");
    let own = |asyncio: &str, trio: &str, anyio: &str| match library {
        Library::Asyncio => asyncio.to_string(),
        Library::Trio => trio.to_string(),
        Library::AnyIO => anyio.to_string(),
    };
    match wait.kind {
        WaitKind::Event => {
            let event = own("asyncio.Event", "trio.Event", "anyio.Event");
            format!("use `{event}` if only tasks set it, or {in_thread}")
        }
        WaitKind::Lock | WaitKind::Condition => {
            let ty = wait
                .name
                .rsplit_once('.')
                .map_or(wait.name.as_str(), |(ty, _)| ty);
            let lock = threads::thread_lock(ty).and_then(|lock| lock.for_library(library));
            match lock {
                Some(lock) => format!(
                    "use `{lock}` if only tasks share it, or run the locked work in a thread with `await {thread}(...)`"
                ),
                None => format!("run the locked work in a thread with `await {thread}(...)`"),
            }
        }
        WaitKind::Queue => {
            let queue = own(
                "`asyncio.Queue`",
                "a memory channel (`trio.open_memory_channel`)",
                "a memory object stream (`anyio.create_memory_object_stream`)",
            );
            format!("use {queue} if only tasks use it, or {in_thread}")
        }
        WaitKind::Future => match library {
            Library::Asyncio => "await it with `await asyncio.wrap_future(...)`".to_string(),
            _ => in_thread,
        },
        WaitKind::Shutdown => {
            format!("pass `wait=False`, or shut it down in a thread with `await {thread}(...)`")
        }
        WaitKind::Other => in_thread,
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::finding_messages as messages;
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source =
            "import threading\n\nev = threading.Event()\n\nasync def f():\n    ev.wait()\n";
        let mut settings = Settings::only("ASY009").unwrap();
        assert_eq!(messages(source, &settings).len(), 1);
        settings.allowed_blocking_calls =
            vec![QualifiedNamePattern::new("threading.Event.*").unwrap()];
        assert!(messages(source, &settings).is_empty());
    }

    #[test]
    fn a_lock_acquired_right_after_its_creation_is_free() {
        let settings = Settings::only("ASY009").unwrap();
        let fresh = "import threading\n\nasync def f(locks):\n    lock = threading.Lock()\n    lock.acquire()\n    locks.append(lock)\n    lock.acquire()\n";
        assert_eq!(messages(fresh, &settings).len(), 1);
    }

    #[test]
    fn readiness_probes_are_per_function_and_per_object() {
        let settings = Settings::only("ASY009").unwrap();
        let source = "\
import queue

q = queue.Queue()
other = queue.Queue()


async def f():
    if not q.empty():
        q.get()
    other.get()


async def g():
    q.get()
";
        assert_eq!(messages(source, &settings).len(), 2);
    }

    #[test]
    fn advice_follows_the_library() {
        let settings = Settings::only("ASY009").unwrap();
        let trio =
            "import queue\nimport trio\n\nasync def f():\n    q = queue.Queue()\n    q.get()\n";
        assert_eq!(
            messages(trio, &settings),
            ["Blocking wait `queue.Queue.get` in async function; use a memory channel (`trio.open_memory_channel`) if only tasks use it, or wait in a thread with `await trio.to_thread.run_sync(...)`"]
        );
        let anyio = "import concurrent.futures\nimport anyio\n\nasync def f(ex: concurrent.futures.Executor):\n    fut = concurrent.futures.ThreadPoolExecutor().submit(g)\n    fut.result()\n";
        assert_eq!(
            messages(anyio, &settings),
            ["Blocking wait `concurrent.futures.Future.result` in async function; wait in a thread with `await anyio.to_thread.run_sync(...)`"]
        );
        let rlock = "import threading\nimport anyio\n\nasync def f():\n    lock = threading.BoundedSemaphore(2)\n    share(lock)\n    lock.acquire()\n";
        assert_eq!(
            messages(rlock, &settings),
            ["Blocking wait `threading.BoundedSemaphore.acquire` in async function; use `anyio.Semaphore` if only tasks share it, or run the locked work in a thread with `await anyio.to_thread.run_sync(...)`"]
        );
    }
}
