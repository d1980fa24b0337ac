//! API tables for thread and process primitives (ASY009, ASY010), CPU-heavy calls (ASY012) and
//! APIs that run a callable elsewhere (ASY013).
//!
//! Method names are qualified by the type of their receiver, the way the context resolves them:
//! `ev.wait` with `ev = threading.Event()` is `threading.Event.wait`.

use crate::context::Library;

/// What a blocking wait waits on; decides the advice the message gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// `threading.Event.wait`: the library's own event exists.
    Event,
    /// `threading.Lock.acquire` and friends: the library's own lock/semaphore/condition exists.
    Lock,
    /// `threading.Condition.wait/wait_for`.
    Condition,
    /// `queue.Queue.get/put/join`: the library's own queue or memory channel exists.
    Queue,
    /// A `concurrent.futures.Future`: asyncio can await it with `asyncio.wrap_future`.
    Future,
    /// `Executor.shutdown()`, which waits for the pending work unless `wait=False`.
    Shutdown,
    /// Everything else (joins, barriers, pools, `concurrent.futures.wait`): run it in a thread.
    Other,
}

/// One blocking wait: the qualified name, the argument that makes it non-blocking, the timeout
/// argument, and whether it only blocks on a bounded queue.
#[derive(Debug, Clone, Copy)]
pub struct ThreadWait {
    pub name: &'static str,
    pub kind: WaitKind,
    /// `(keyword, position)` of a flag that makes the call return at once when `False`
    /// (`blocking`, `block`, `wait`).
    pub flag: Option<(&'static str, usize)>,
    /// `(keyword, position)` of a timeout: a literal `0` makes the call return at once.
    pub timeout: Option<(&'static str, usize)>,
    /// A `put` that only blocks when the queue was created with a positive `maxsize`.
    pub bounded_only: bool,
}

const fn wait(
    name: &'static str,
    kind: WaitKind,
    timeout: Option<(&'static str, usize)>,
) -> ThreadWait {
    ThreadWait {
        name,
        kind,
        flag: None,
        timeout,
        bounded_only: false,
    }
}

const fn flagged(
    name: &'static str,
    kind: WaitKind,
    flag: (&'static str, usize),
    timeout: Option<(&'static str, usize)>,
) -> ThreadWait {
    ThreadWait {
        name,
        kind,
        flag: Some(flag),
        timeout,
        bounded_only: false,
    }
}

const fn put(name: &'static str, kind: WaitKind) -> ThreadWait {
    ThreadWait {
        name,
        kind,
        flag: Some(("block", 1)),
        timeout: Some(("timeout", 2)),
        bounded_only: true,
    }
}

const T0: Option<(&str, usize)> = Some(("timeout", 0));
const T1: Option<(&str, usize)> = Some(("timeout", 1));

/// Calls that wait for another thread or process (ASY009). Not `get_nowait`/`put_nowait`, not
/// `SimpleQueue.put` (never blocks), not `asyncio`/`trio`/`anyio` primitives (other names).
pub const THREAD_WAITS: &[ThreadWait] = &[
    // threading
    wait("threading.Event.wait", WaitKind::Event, T0),
    wait("threading.Thread.join", WaitKind::Other, T0),
    wait("threading.Timer.join", WaitKind::Other, T0),
    wait("threading.Barrier.wait", WaitKind::Other, T0),
    flagged(
        "threading.Lock.acquire",
        WaitKind::Lock,
        ("blocking", 0),
        T1,
    ),
    flagged(
        "threading.RLock.acquire",
        WaitKind::Lock,
        ("blocking", 0),
        T1,
    ),
    flagged(
        "threading.Semaphore.acquire",
        WaitKind::Lock,
        ("blocking", 0),
        T1,
    ),
    flagged(
        "threading.BoundedSemaphore.acquire",
        WaitKind::Lock,
        ("blocking", 0),
        T1,
    ),
    flagged(
        "threading.Condition.acquire",
        WaitKind::Lock,
        ("blocking", 0),
        T1,
    ),
    wait("threading.Condition.wait", WaitKind::Condition, T0),
    wait("threading.Condition.wait_for", WaitKind::Condition, T1),
    // concurrent.futures
    wait("concurrent.futures.Future.result", WaitKind::Future, T0),
    wait("concurrent.futures.Future.exception", WaitKind::Future, T0),
    wait("concurrent.futures.wait", WaitKind::Other, T1),
    wait("concurrent.futures.as_completed", WaitKind::Other, T1),
    flagged(
        "concurrent.futures.ThreadPoolExecutor.shutdown",
        WaitKind::Shutdown,
        ("wait", 0),
        None,
    ),
    flagged(
        "concurrent.futures.ProcessPoolExecutor.shutdown",
        WaitKind::Shutdown,
        ("wait", 0),
        None,
    ),
    flagged(
        "concurrent.futures.Executor.shutdown",
        WaitKind::Shutdown,
        ("wait", 0),
        None,
    ),
    // queue
    flagged("queue.Queue.get", WaitKind::Queue, ("block", 0), T1),
    flagged("queue.LifoQueue.get", WaitKind::Queue, ("block", 0), T1),
    flagged("queue.PriorityQueue.get", WaitKind::Queue, ("block", 0), T1),
    flagged("queue.SimpleQueue.get", WaitKind::Queue, ("block", 0), T1),
    put("queue.Queue.put", WaitKind::Queue),
    put("queue.LifoQueue.put", WaitKind::Queue),
    put("queue.PriorityQueue.put", WaitKind::Queue),
    wait("queue.Queue.join", WaitKind::Queue, None),
    wait("queue.LifoQueue.join", WaitKind::Queue, None),
    wait("queue.PriorityQueue.join", WaitKind::Queue, None),
    // multiprocessing
    wait("multiprocessing.Process.join", WaitKind::Other, T0),
    flagged(
        "multiprocessing.Queue.get",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    flagged(
        "multiprocessing.JoinableQueue.get",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    wait("multiprocessing.SimpleQueue.get", WaitKind::Other, None),
    put("multiprocessing.Queue.put", WaitKind::Other),
    put("multiprocessing.JoinableQueue.put", WaitKind::Other),
    wait("multiprocessing.JoinableQueue.join", WaitKind::Other, None),
    wait("multiprocessing.Event.wait", WaitKind::Other, T0),
    wait("multiprocessing.Barrier.wait", WaitKind::Other, T0),
    flagged(
        "multiprocessing.Lock.acquire",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    flagged(
        "multiprocessing.RLock.acquire",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    flagged(
        "multiprocessing.Semaphore.acquire",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    flagged(
        "multiprocessing.BoundedSemaphore.acquire",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    flagged(
        "multiprocessing.Condition.acquire",
        WaitKind::Other,
        ("block", 0),
        T1,
    ),
    wait("multiprocessing.Condition.wait", WaitKind::Other, T0),
    wait("multiprocessing.Condition.wait_for", WaitKind::Other, T1),
    wait("multiprocessing.pool.AsyncResult.get", WaitKind::Other, T0),
    wait("multiprocessing.pool.AsyncResult.wait", WaitKind::Other, T0),
];

/// Process and thread pools of `multiprocessing`; their `apply`, `map`, `starmap` and `join`
/// block until the work is done.
pub const POOLS: &[&str] = &[
    "multiprocessing.Pool",
    "multiprocessing.pool.Pool",
    "multiprocessing.pool.ThreadPool",
    "multiprocessing.dummy.Pool",
];

/// Blocking methods of `POOLS`.
pub const POOL_WAITS: &[&str] = &["apply", "map", "starmap", "join"];

/// The last name segment of every call `THREAD_WAITS` and `POOL_WAITS` list, for a cheap test
/// before resolving names.
pub const WAIT_METHOD_NAMES: &[&str] = &[
    "wait",
    "join",
    "acquire",
    "wait_for",
    "result",
    "exception",
    "as_completed",
    "shutdown",
    "get",
    "put",
    "apply",
    "map",
    "starmap",
];

/// The blocking wait `qualified` names, if any.
pub fn thread_wait(qualified: &str) -> Option<&'static ThreadWait> {
    THREAD_WAITS.iter().find(|wait| wait.name == qualified)
}

/// Is `qualified` a pool method that blocks until the work is done (`multiprocessing.pool.Pool.map`)?
pub fn is_pool_wait(qualified: &str) -> bool {
    qualified
        .rsplit_once('.')
        .is_some_and(|(pool, method)| POOLS.contains(&pool) && POOL_WAITS.contains(&method))
}

/// A lock type whose `with` block must not span an `await` (ASY010), with the type each async
/// library offers instead (`None` where it has none: process-shared locks).
#[derive(Debug, Clone, Copy)]
pub struct ThreadLock {
    pub name: &'static str,
    pub asyncio: Option<&'static str>,
    pub trio: Option<&'static str>,
    pub anyio: Option<&'static str>,
}

impl ThreadLock {
    /// The counterpart in `library`, if it has one.
    pub fn for_library(&self, library: Library) -> Option<&'static str> {
        match library {
            Library::Asyncio => self.asyncio,
            Library::Trio => self.trio,
            Library::AnyIO => self.anyio,
        }
    }
}

const fn thread_lock_type(
    name: &'static str,
    asyncio: &'static str,
    trio: &'static str,
    anyio: &'static str,
) -> ThreadLock {
    ThreadLock {
        name,
        asyncio: Some(asyncio),
        trio: Some(trio),
        anyio: Some(anyio),
    }
}

const fn process_lock_type(name: &'static str) -> ThreadLock {
    ThreadLock {
        name,
        asyncio: None,
        trio: None,
        anyio: None,
    }
}

/// Locks, semaphores and conditions of `threading` and `multiprocessing`. asyncio has no
/// reentrant lock and trio/anyio no bounded semaphore (their `Semaphore` takes `max_value`).
pub const THREAD_LOCKS: &[ThreadLock] = &[
    thread_lock_type("threading.Lock", "asyncio.Lock", "trio.Lock", "anyio.Lock"),
    thread_lock_type("threading.RLock", "asyncio.Lock", "trio.Lock", "anyio.Lock"),
    thread_lock_type(
        "threading.Semaphore",
        "asyncio.Semaphore",
        "trio.Semaphore",
        "anyio.Semaphore",
    ),
    thread_lock_type(
        "threading.BoundedSemaphore",
        "asyncio.BoundedSemaphore",
        "trio.Semaphore",
        "anyio.Semaphore",
    ),
    thread_lock_type(
        "threading.Condition",
        "asyncio.Condition",
        "trio.Condition",
        "anyio.Condition",
    ),
    process_lock_type("multiprocessing.Lock"),
    process_lock_type("multiprocessing.RLock"),
    process_lock_type("multiprocessing.Semaphore"),
    process_lock_type("multiprocessing.BoundedSemaphore"),
    process_lock_type("multiprocessing.Condition"),
];

/// The lock type a qualified type names.
pub fn thread_lock(ty: &str) -> Option<&'static ThreadLock> {
    THREAD_LOCKS.iter().find(|lock| lock.name == ty)
}

/// Known CPU-heavy calls (ASY012): password hashing and key derivation, and whole-buffer
/// compression. Exact qualified names; see `is_cpu_bound` for the `passlib` families.
pub const CPU_BOUND_CALLS: &[&str] = &[
    "bcrypt.hashpw",
    "bcrypt.checkpw",
    "bcrypt.kdf",
    "hashlib.pbkdf2_hmac",
    "hashlib.scrypt",
    "argon2.PasswordHasher.hash",
    "argon2.PasswordHasher.verify",
    "argon2.low_level.hash_secret",
    "argon2.low_level.hash_secret_raw",
    "argon2.low_level.verify_secret",
    "argon2.hash_password",
    "argon2.hash_password_raw",
    "argon2.verify_password",
    "passlib.context.CryptContext.hash",
    "passlib.context.CryptContext.verify",
    "passlib.context.CryptContext.verify_and_update",
    "passlib.context.CryptContext.encrypt",
    "passlib.context.CryptContext.genhash",
    "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC.derive",
    "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC.verify",
    "cryptography.hazmat.primitives.kdf.scrypt.Scrypt.derive",
    "cryptography.hazmat.primitives.kdf.scrypt.Scrypt.verify",
    "nacl.pwhash.str",
    "nacl.pwhash.verify",
    "nacl.pwhash.argon2id.str",
    "nacl.pwhash.argon2id.verify",
    "nacl.pwhash.argon2id.kdf",
    "nacl.pwhash.argon2i.str",
    "nacl.pwhash.argon2i.verify",
    "nacl.pwhash.argon2i.kdf",
    "nacl.pwhash.scrypt.str",
    "nacl.pwhash.scrypt.verify",
    "nacl.pwhash.scrypt.kdf",
    "zlib.compress",
    "zlib.decompress",
    "lzma.compress",
    "lzma.decompress",
    "bz2.compress",
    "bz2.decompress",
    "gzip.compress",
    "gzip.decompress",
];

/// `passlib` hasher methods that run the (deliberately slow) hash.
const PASSLIB_HASH_METHODS: &[&str] =
    &["hash", "verify", "encrypt", "genhash", "verify_and_update"];

/// Is `qualified` a known CPU-heavy call? Also the `passlib` hashers and ready-made contexts:
/// `passlib.hash.bcrypt.hash`, `passlib.hash.bcrypt.using.hash` (after `.using(rounds=...)`),
/// `passlib.apps.custom_app_context.verify`.
pub fn is_cpu_bound(qualified: &str) -> bool {
    if CPU_BOUND_CALLS.contains(&qualified) {
        return true;
    }
    let Some((owner, method)) = qualified.rsplit_once('.') else {
        return false;
    };
    if !PASSLIB_HASH_METHODS.contains(&method) {
        return false;
    }
    let owner = owner.strip_suffix(".using").unwrap_or(owner);
    match owner
        .strip_prefix("passlib.hash.")
        .or_else(|| owner.strip_prefix("passlib.apps."))
    {
        Some(hasher) => !hasher.is_empty() && !hasher.contains('.'),
        None => false,
    }
}

/// How an API that runs work elsewhere takes what it runs: the offloaded-call exemption of the
/// blocking rules (`Context::offload_role`) and ASY013 read this one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offload {
    /// Position of the callable (or, for `file` APIs, of the file) among the positional
    /// arguments.
    pub position: usize,
    /// Extra keyword arguments are passed on to the callable (`asyncio.to_thread(f, x, k=v)`);
    /// otherwise they are options of the API and keywords for the callable need
    /// `functools.partial`.
    pub forwards_keywords: bool,
    /// Extra positional arguments are passed on to the callable.
    pub forwards_positionals: bool,
    /// Runs the callable in a process rather than a thread.
    pub process: bool,
    /// Takes a file over for async use (`anyio.wrap_file(f)`, `loop.connect_read_pipe(proto,
    /// f)`) rather than a callable: its I/O then happens in a worker thread or without blocking.
    pub file: bool,
}

const fn offload(position: usize, forwards_keywords: bool) -> Offload {
    Offload {
        position,
        forwards_keywords,
        forwards_positionals: true,
        process: false,
        file: false,
    }
}

const fn in_process(forwards_keywords: bool) -> Offload {
    Offload {
        process: true,
        ..offload(0, forwards_keywords)
    }
}

/// `sync_to_async(f)`: returns a wrapper that takes the arguments.
const WRAPPER: Offload = Offload {
    forwards_positionals: false,
    ..offload(0, false)
};

/// An API that takes a file at `position` over.
const fn file(position: usize) -> Offload {
    Offload {
        file: true,
        ..offload(position, false)
    }
}

/// APIs that run a callable in a worker thread or process, or take a file over, by qualified
/// name (asyncio names are canonical).
pub const OFFLOAD_APIS: &[(&str, Offload)] = &[
    ("asyncio.to_thread", offload(0, true)),
    (
        "asyncio.AbstractEventLoop.run_in_executor",
        offload(1, false),
    ),
    ("trio.to_thread.run_sync", offload(0, false)),
    ("anyio.to_thread.run_sync", offload(0, false)),
    ("anyio.to_process.run_sync", in_process(false)),
    ("starlette.concurrency.run_in_threadpool", offload(0, true)),
    ("fastapi.concurrency.run_in_threadpool", offload(0, true)),
    ("asgiref.sync.sync_to_async", WRAPPER),
    ("asgiref.sync.SyncToAsync", WRAPPER),
    ("channels.db.database_sync_to_async", WRAPPER),
    (
        "concurrent.futures.ThreadPoolExecutor.submit",
        offload(0, true),
    ),
    (
        "concurrent.futures.ProcessPoolExecutor.submit",
        in_process(true),
    ),
    ("concurrent.futures.Executor.submit", offload(0, true)),
    // The async file object these return does its I/O in a worker thread.
    ("anyio.wrap_file", file(0)),
    ("trio.wrap_file", file(0)),
];

/// Methods that offload whatever their receiver is: `loop.run_in_executor` on a loop passed in
/// as a parameter (asyncio's and tornado's loops), Home Assistant's
/// `hass.async_add_executor_job`, and `loop.connect_read_pipe(proto, os.fdopen(fd))`, which
/// takes a file over for non-blocking use.
pub const OFFLOAD_METHODS: &[(&str, Offload)] = &[
    ("run_in_executor", offload(1, false)),
    ("async_add_executor_job", offload(0, false)),
    ("async_add_import_executor_job", offload(0, false)),
    ("connect_read_pipe", file(1)),
    ("connect_write_pipe", file(1)),
];

/// The offload API `qualified` (a canonical qualified name) names, if any.
pub fn offload_api(qualified: &str) -> Option<Offload> {
    OFFLOAD_APIS
        .iter()
        .find(|(name, _)| *name == qualified)
        .map(|(_, offload)| *offload)
}

/// The offload API a method named `method` is, whatever its receiver.
pub fn offload_method(method: &str) -> Option<Offload> {
    OFFLOAD_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, offload)| *offload)
}

/// Calls known to return a callable, whose result is rightly handed to an offload API
/// (`asyncio.to_thread(functools.partial(f, x))`).
pub const CALLABLE_FACTORIES: &[&str] = &[
    "functools.partial",
    "functools.partialmethod",
    "operator.methodcaller",
    "operator.attrgetter",
    "operator.itemgetter",
    "asgiref.sync.sync_to_async",
    "asgiref.sync.async_to_sync",
    "asgiref.sync.SyncToAsync",
    "asgiref.sync.AsyncToSync",
    "channels.db.database_sync_to_async",
    "builtins.getattr",
    "builtins.type",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_waits_and_pool_waits() {
        assert_eq!(
            thread_wait("threading.Event.wait").map(|w| w.kind),
            Some(WaitKind::Event)
        );
        assert!(thread_wait("asyncio.Event.wait").is_none());
        assert!(thread_wait("queue.Queue.get_nowait").is_none());
        assert!(thread_wait("queue.SimpleQueue.put").is_none());
        assert!(is_pool_wait("multiprocessing.pool.Pool.map"));
        assert!(!is_pool_wait("multiprocessing.pool.Pool.map_async"));
        assert!(!is_pool_wait("concurrent.futures.ThreadPoolExecutor.map"));
        for wait in THREAD_WAITS {
            let method = wait.name.rsplit('.').next().unwrap();
            assert!(WAIT_METHOD_NAMES.contains(&method), "{}", wait.name);
        }
        for method in POOL_WAITS {
            assert!(WAIT_METHOD_NAMES.contains(method));
        }
    }

    #[test]
    fn cpu_bound_calls_and_passlib_hashers() {
        assert!(is_cpu_bound("bcrypt.hashpw"));
        assert!(is_cpu_bound("passlib.hash.bcrypt.hash"));
        assert!(is_cpu_bound("passlib.hash.pbkdf2_sha256.using.verify"));
        assert!(is_cpu_bound("passlib.apps.custom_app_context.verify"));
        assert!(!is_cpu_bound("passlib.hash.bcrypt.identify"));
        assert!(!is_cpu_bound("passlib.hash.hash"));
        assert!(!is_cpu_bound("hashlib.sha256"));
        assert!(!is_cpu_bound("json.dumps"));
    }

    #[test]
    fn offload_apis_and_lock_counterparts() {
        assert_eq!(offload_api("asyncio.to_thread").unwrap().position, 0);
        assert_eq!(
            offload_api("asyncio.AbstractEventLoop.run_in_executor")
                .unwrap()
                .position,
            1
        );
        assert!(offload_api("asyncio.sleep").is_none());
        assert!(offload_api("anyio.wrap_file").unwrap().file);
        assert!(offload_api("anyio.to_process.run_sync").unwrap().process);
        assert!(
            !offload_api("asgiref.sync.sync_to_async")
                .unwrap()
                .forwards_positionals
        );
        assert_eq!(offload_method("run_in_executor").unwrap().position, 1);
        assert_eq!(offload_method("connect_read_pipe").unwrap().position, 1);
        assert!(offload_method("connect_read_pipe").unwrap().file);
        assert_eq!(
            thread_lock("threading.RLock").unwrap().asyncio,
            Some("asyncio.Lock")
        );
        assert_eq!(
            thread_lock("threading.BoundedSemaphore")
                .unwrap()
                .for_library(Library::Trio),
            Some("trio.Semaphore")
        );
        assert!(thread_lock("asyncio.Lock").is_none());
    }
}
