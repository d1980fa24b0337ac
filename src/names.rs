//! API tables shared by rules: builtins, what known calls return, async libraries' APIs.

/// Builtin names that resolve to `builtins.<name>` when nothing in scope binds them.
pub const BUILTINS: &[&str] = &[
    "open", "input", "print", "exec", "eval", "compile", "breakpoint", "__import__", "iter",
    "next", "aiter", "anext", "len", "sorted", "list", "dict", "set", "tuple", "map", "filter",
    "zip", "range", "isinstance", "getattr", "setattr", "hasattr", "callable", "super", "type",
    "object", "Exception", "BaseException", "TimeoutError",
];

/// Calls whose result is of a named type other than the callee itself (`asyncio.get_event_loop()`
/// returns a loop). Every other call of a known name is taken to construct that name's type.
const RETURN_TYPES: &[(&str, &str)] = &[
    ("asyncio.get_event_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.get_running_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.new_event_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.events.get_event_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.events.new_event_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.events.get_running_loop", "asyncio.AbstractEventLoop"),
];

/// The type a call of `callee` returns, when it is not `callee` itself.
pub fn return_type(callee: &str) -> Option<&'static str> {
    RETURN_TYPES
        .iter()
        .find(|(name, _)| *name == callee)
        .map(|(_, ty)| *ty)
}

/// Functions that create a task from a coroutine (ASY040 and friends).
pub const TASK_FACTORIES: &[&str] = &[
    "asyncio.create_task",
    "asyncio.ensure_future",
    "asyncio.AbstractEventLoop.create_task",
    "asyncio.tasks.create_task",
    "asyncio.tasks.ensure_future",
];
