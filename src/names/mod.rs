//! API tables shared by rules: builtins, what known calls return, async libraries' APIs.

pub mod blocking_clients;
pub mod blocking_io;
pub mod cancel_scopes;
pub mod coroutines;
pub mod resources;
pub mod threads;

/// Builtin names that resolve to `builtins.<name>` when nothing in scope binds them: every name
/// of Python 3's `builtins` module (up to 3.14), the `site` ones (`exit`, `quit`, `help`, …)
/// included, sorted for [`is_builtin`].
pub const BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "__build_class__",
    "__import__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Is `name` a builtin (see [`BUILTINS`])?
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.binary_search(&name).is_ok()
}

/// Calls whose result is of a named type other than the callee itself (`asyncio.get_event_loop()`
/// returns a loop). Every other call of a known name is taken to construct that name's type.
/// asyncio names are canonical (`return_type` looks `asyncio.events.get_event_loop` up as
/// `asyncio.get_event_loop`).
const RETURN_TYPES: &[(&str, &str)] = &[
    ("asyncio.get_event_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.get_running_loop", "asyncio.AbstractEventLoop"),
    ("asyncio.new_event_loop", "asyncio.AbstractEventLoop"),
    (
        "asyncio.get_event_loop_policy",
        "asyncio.AbstractEventLoopPolicy",
    ),
    (
        "asyncio.AbstractEventLoopPolicy.get_event_loop",
        "asyncio.AbstractEventLoop",
    ),
    (
        "asyncio.AbstractEventLoopPolicy.new_event_loop",
        "asyncio.AbstractEventLoop",
    ),
    ("asyncio.BaseEventLoop", "asyncio.AbstractEventLoop"),
    ("asyncio.SelectorEventLoop", "asyncio.AbstractEventLoop"),
    ("asyncio.ProactorEventLoop", "asyncio.AbstractEventLoop"),
    ("uvloop.new_event_loop", "asyncio.AbstractEventLoop"),
    ("uvloop.Loop", "asyncio.AbstractEventLoop"),
    // Thread and process primitives (ASY009).
    (
        "concurrent.futures.Executor.submit",
        "concurrent.futures.Future",
    ),
    (
        "concurrent.futures.ThreadPoolExecutor.submit",
        "concurrent.futures.Future",
    ),
    (
        "concurrent.futures.ProcessPoolExecutor.submit",
        "concurrent.futures.Future",
    ),
    (
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.ThreadPoolExecutor",
    ),
    (
        "concurrent.futures.process.ProcessPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
    ),
    (
        "asyncio.run_coroutine_threadsafe",
        "concurrent.futures.Future",
    ),
    (
        "multiprocessing.Pool.apply_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.Pool.map_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.Pool.starmap_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.Pool.apply_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.Pool.map_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.Pool.starmap_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.ThreadPool.apply_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.ThreadPool.map_async",
        "multiprocessing.pool.AsyncResult",
    ),
    (
        "multiprocessing.pool.ThreadPool.starmap_async",
        "multiprocessing.pool.AsyncResult",
    ),
    ("multiprocessing.context.Process", "multiprocessing.Process"),
];

/// The type a call of `callee` returns, when it is not `callee` itself; also the type an
/// instance of the class `callee` is known as (`uvloop.Loop` is an `asyncio.AbstractEventLoop`).
pub fn return_type(callee: &str) -> Option<&'static str> {
    let callee = canonical_asyncio_name(callee);
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

/// Submodules whose public names `asyncio` re-exports (`asyncio.tasks.sleep` is `asyncio.sleep`).
const ASYNCIO_SUBMODULES: &[&str] = &[
    "base_events",
    "coroutines",
    "events",
    "exceptions",
    "futures",
    "locks",
    "protocols",
    "queues",
    "runners",
    "streams",
    "subprocess",
    "taskgroups",
    "tasks",
    "threads",
    "timeouts",
    "transports",
];

/// The public name of an asyncio API: `asyncio.tasks.sleep` → `asyncio.sleep`; any other name
/// is returned unchanged.
pub fn canonical_asyncio_name(qualified: &str) -> std::borrow::Cow<'_, str> {
    if let Some((submodule, member)) = qualified
        .strip_prefix("asyncio.")
        .and_then(|rest| rest.split_once('.'))
    {
        if ASYNCIO_SUBMODULES.contains(&submodule) {
            return format!("asyncio.{member}").into();
        }
    }
    qualified.into()
}

/// Calls that start an event loop and run it until done: in a running loop they raise
/// `RuntimeError` (ASY024). asyncio names are canonical (see `canonical_asyncio_name`).
pub const EVENT_LOOP_RUNNERS: &[&str] = &[
    "asyncio.run",
    "asyncio.Runner.run",
    "asyncio.AbstractEventLoop.run_until_complete",
    "asyncio.AbstractEventLoop.run_forever",
    "trio.run",
    "anyio.run",
    "uvloop.run",
];

/// asyncio APIs whose `loop` parameter was removed in Python 3.10 (ASY121). Not
/// `run_coroutine_threadsafe`, `ensure_future`, `wrap_future`, `Future`, `Task`, `all_tasks`,
/// `current_task` or `StreamReader`, which still take it.
pub const LOOP_PARAMETER_REMOVED: &[&str] = &[
    "asyncio.sleep",
    "asyncio.wait_for",
    "asyncio.gather",
    "asyncio.wait",
    "asyncio.shield",
    "asyncio.as_completed",
    "asyncio.Queue",
    "asyncio.PriorityQueue",
    "asyncio.LifoQueue",
    "asyncio.Lock",
    "asyncio.Event",
    "asyncio.Condition",
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.open_connection",
    "asyncio.start_server",
    "asyncio.open_unix_connection",
    "asyncio.start_unix_server",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_sorted_and_complete() {
        assert!(BUILTINS.windows(2).all(|pair| pair[0] < pair[1]));
        for name in [
            "OSError",
            "ValueError",
            "BaseException",
            "ExceptionGroup",
            "open",
            "exit",
        ] {
            assert!(is_builtin(name), "{name}");
        }
        assert!(!is_builtin("True"));
        assert!(!is_builtin("sleep"));
    }

    #[test]
    fn canonical_asyncio_names() {
        assert_eq!(
            canonical_asyncio_name("asyncio.tasks.sleep"),
            "asyncio.sleep"
        );
        assert_eq!(
            canonical_asyncio_name("asyncio.exceptions.TimeoutError"),
            "asyncio.TimeoutError"
        );
        assert_eq!(canonical_asyncio_name("asyncio.sleep"), "asyncio.sleep");
        assert_eq!(
            canonical_asyncio_name("asyncio.Queue.get"),
            "asyncio.Queue.get"
        );
        assert_eq!(canonical_asyncio_name("trio.lowlevel.x"), "trio.lowlevel.x");
    }
}
