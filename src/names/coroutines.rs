//! Which calls return coroutines (or other awaitables that do nothing until awaited), which
//! objects are async-only context managers or async iterators, and which APIs call a callable
//! synchronously: the API tables behind ASY020–ASY029.
//!
//! Names are qualified (`asyncio.sleep`) and, for asyncio, canonical (`asyncio.Lock.acquire`, not
//! `asyncio.locks.Lock.acquire`; see `canonical_asyncio_name`). A method is `<type>.<method>`,
//! where the type is what the context's known-type tracking gives a receiver: the constructor
//! (`asyncio.Queue`), or — through [`result_type`] — the type a known call produces when it is
//! awaited or entered with `async with` (`session.get(url)` → `aiohttp.ClientResponse`).
//!
//! `asyncio.gather`, `asyncio.ensure_future`, `asyncio.create_task`, `asyncio.shield` and
//! `loop.run_in_executor` are deliberately absent: they schedule their work when called, so a
//! dropped result loses the result, not the work (ASY040 covers dropped tasks).

/// Calls that return a coroutine: nothing runs until it is awaited.
pub const COROUTINE_APIS: &[&str] = &[
    // asyncio functions.
    "asyncio.sleep",
    "asyncio.wait_for",
    "asyncio.wait",
    "asyncio.open_connection",
    "asyncio.start_server",
    "asyncio.open_unix_connection",
    "asyncio.start_unix_server",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "asyncio.to_thread",
    // asyncio event loop methods.
    "asyncio.AbstractEventLoop.sock_recv",
    "asyncio.AbstractEventLoop.sock_recv_into",
    "asyncio.AbstractEventLoop.sock_recvfrom",
    "asyncio.AbstractEventLoop.sock_recvfrom_into",
    "asyncio.AbstractEventLoop.sock_sendall",
    "asyncio.AbstractEventLoop.sock_sendto",
    "asyncio.AbstractEventLoop.sock_connect",
    "asyncio.AbstractEventLoop.sock_accept",
    "asyncio.AbstractEventLoop.sock_sendfile",
    "asyncio.AbstractEventLoop.getaddrinfo",
    "asyncio.AbstractEventLoop.getnameinfo",
    "asyncio.AbstractEventLoop.create_connection",
    "asyncio.AbstractEventLoop.create_server",
    "asyncio.AbstractEventLoop.create_unix_connection",
    "asyncio.AbstractEventLoop.create_unix_server",
    "asyncio.AbstractEventLoop.create_datagram_endpoint",
    "asyncio.AbstractEventLoop.connect_accepted_socket",
    "asyncio.AbstractEventLoop.connect_read_pipe",
    "asyncio.AbstractEventLoop.connect_write_pipe",
    "asyncio.AbstractEventLoop.subprocess_exec",
    "asyncio.AbstractEventLoop.subprocess_shell",
    "asyncio.AbstractEventLoop.shutdown_asyncgens",
    "asyncio.AbstractEventLoop.shutdown_default_executor",
    "asyncio.AbstractEventLoop.start_tls",
    "asyncio.AbstractEventLoop.sendfile",
    // asyncio synchronisation primitives and queues.
    "asyncio.Queue.get",
    "asyncio.Queue.put",
    "asyncio.Queue.join",
    "asyncio.PriorityQueue.get",
    "asyncio.PriorityQueue.put",
    "asyncio.PriorityQueue.join",
    "asyncio.LifoQueue.get",
    "asyncio.LifoQueue.put",
    "asyncio.LifoQueue.join",
    "asyncio.Lock.acquire",
    "asyncio.Event.wait",
    "asyncio.Semaphore.acquire",
    "asyncio.BoundedSemaphore.acquire",
    "asyncio.Condition.acquire",
    "asyncio.Condition.wait",
    "asyncio.Condition.wait_for",
    "asyncio.Barrier.wait",
    "asyncio.Barrier.reset",
    "asyncio.Barrier.abort",
    // asyncio streams, subprocesses and servers (`asyncio.subprocess.Process` is canonically
    // `asyncio.Process`).
    "asyncio.StreamReader.read",
    "asyncio.StreamReader.readline",
    "asyncio.StreamReader.readexactly",
    "asyncio.StreamReader.readuntil",
    "asyncio.StreamWriter.drain",
    "asyncio.StreamWriter.wait_closed",
    "asyncio.StreamWriter.start_tls",
    "asyncio.Process.wait",
    "asyncio.Process.communicate",
    "asyncio.Server.start_serving",
    "asyncio.Server.serve_forever",
    "asyncio.Server.wait_closed",
    // trio.
    "trio.sleep",
    "trio.sleep_forever",
    "trio.sleep_until",
    "trio.open_tcp_stream",
    "trio.open_ssl_over_tcp_stream",
    "trio.open_tcp_listeners",
    "trio.open_ssl_over_tcp_listeners",
    "trio.open_unix_socket",
    "trio.serve_listeners",
    "trio.serve_tcp",
    "trio.serve_ssl_over_tcp",
    "trio.run_process",
    "trio.aclose_forcefully",
    "trio.open_file",
    "trio.to_thread.run_sync",
    "trio.lowlevel.checkpoint",
    "trio.lowlevel.checkpoint_if_cancelled",
    "trio.lowlevel.cancel_shielded_checkpoint",
    "trio.lowlevel.open_process",
    "trio.lowlevel.wait_readable",
    "trio.lowlevel.wait_writable",
    "trio.lowlevel.wait_task_rescheduled",
    "trio.lowlevel.permanently_detach_coroutine_object",
    "trio.lowlevel.temporarily_detach_coroutine_object",
    "trio.lowlevel.reattach_detached_coroutine_object",
    "trio.Event.wait",
    "trio.Lock.acquire",
    "trio.StrictFIFOLock.acquire",
    "trio.Semaphore.acquire",
    "trio.Condition.acquire",
    "trio.Condition.wait",
    "trio.CapacityLimiter.acquire",
    "trio.CapacityLimiter.acquire_on_behalf_of",
    "trio.MemorySendChannel.send",
    "trio.MemoryReceiveChannel.receive",
    "trio.Nursery.start",
    "trio.Process.wait",
    "trio.SocketStream.send_all",
    "trio.SocketStream.receive_some",
    "trio.SocketStream.aclose",
    "trio.Path.absolute",
    "trio.Path.exists",
    "trio.Path.is_dir",
    "trio.Path.is_file",
    "trio.Path.is_symlink",
    "trio.Path.iterdir",
    "trio.Path.mkdir",
    "trio.Path.open",
    "trio.Path.read_bytes",
    "trio.Path.read_text",
    "trio.Path.rename",
    "trio.Path.replace",
    "trio.Path.resolve",
    "trio.Path.rmdir",
    "trio.Path.stat",
    "trio.Path.touch",
    "trio.Path.unlink",
    "trio.Path.write_bytes",
    "trio.Path.write_text",
    // anyio.
    "anyio.sleep",
    "anyio.sleep_forever",
    "anyio.sleep_until",
    "anyio.connect_tcp",
    "anyio.connect_unix",
    "anyio.create_tcp_listener",
    "anyio.create_unix_listener",
    "anyio.create_udp_socket",
    "anyio.create_connected_udp_socket",
    "anyio.getaddrinfo",
    "anyio.getnameinfo",
    "anyio.open_file",
    "anyio.open_process",
    "anyio.run_process",
    "anyio.aclose_forcefully",
    "anyio.wait_readable",
    "anyio.wait_writable",
    "anyio.wait_socket_readable",
    "anyio.wait_socket_writable",
    "anyio.to_thread.run_sync",
    "anyio.to_process.run_sync",
    "anyio.to_interpreter.run_sync",
    "anyio.lowlevel.checkpoint",
    "anyio.lowlevel.checkpoint_if_cancelled",
    "anyio.lowlevel.cancel_shielded_checkpoint",
    "anyio.Event.wait",
    "anyio.Lock.acquire",
    "anyio.Semaphore.acquire",
    "anyio.Condition.acquire",
    "anyio.Condition.wait",
    "anyio.CapacityLimiter.acquire",
    "anyio.CapacityLimiter.acquire_on_behalf_of",
    "anyio.abc.TaskGroup.start",
    "anyio.abc.Process.wait",
    "anyio.abc.SocketStream.send",
    "anyio.abc.SocketStream.receive",
    "anyio.abc.SocketStream.aclose",
    "anyio.abc.ObjectReceiveStream.receive",
    "anyio.abc.ObjectSendStream.send",
    "anyio.abc.ByteReceiveStream.receive",
    "anyio.abc.ByteSendStream.send",
    "anyio.streams.memory.MemoryObjectReceiveStream.receive",
    "anyio.streams.memory.MemoryObjectSendStream.send",
    "trio.abc.ReceiveChannel.receive",
    "trio.abc.SendChannel.send",
    "trio.abc.ReceiveStream.receive_some",
    "trio.abc.SendStream.send_all",
    "anyio.AsyncFile.read",
    "anyio.AsyncFile.readline",
    "anyio.AsyncFile.readlines",
    "anyio.AsyncFile.write",
    "anyio.AsyncFile.writelines",
    "anyio.AsyncFile.flush",
    "anyio.AsyncFile.seek",
    "anyio.AsyncFile.tell",
    "anyio.AsyncFile.truncate",
    "anyio.AsyncFile.aclose",
    "anyio.Path.absolute",
    "anyio.Path.exists",
    "anyio.Path.is_dir",
    "anyio.Path.is_file",
    "anyio.Path.is_symlink",
    "anyio.Path.mkdir",
    "anyio.Path.open",
    "anyio.Path.read_bytes",
    "anyio.Path.read_text",
    "anyio.Path.rename",
    "anyio.Path.replace",
    "anyio.Path.resolve",
    "anyio.Path.rmdir",
    "anyio.Path.stat",
    "anyio.Path.touch",
    "anyio.Path.unlink",
    "anyio.Path.write_bytes",
    "anyio.Path.write_text",
    // aiohttp responses and websockets.
    "aiohttp.ClientSession.close",
    "aiohttp.ClientResponse.json",
    "aiohttp.ClientResponse.text",
    "aiohttp.ClientResponse.read",
    "aiohttp.StreamReader.read",
    "aiohttp.StreamReader.readline",
    "aiohttp.StreamReader.readany",
    "aiohttp.StreamReader.readchunk",
    "aiohttp.StreamReader.readexactly",
    "aiohttp.ClientWebSocketResponse.send_str",
    "aiohttp.ClientWebSocketResponse.send_bytes",
    "aiohttp.ClientWebSocketResponse.send_json",
    "aiohttp.ClientWebSocketResponse.receive",
    "aiohttp.ClientWebSocketResponse.receive_str",
    "aiohttp.ClientWebSocketResponse.receive_bytes",
    "aiohttp.ClientWebSocketResponse.receive_json",
    "aiohttp.ClientWebSocketResponse.close",
    "aiohttp.web.WebSocketResponse.prepare",
    "aiohttp.web.WebSocketResponse.send_str",
    "aiohttp.web.WebSocketResponse.send_bytes",
    "aiohttp.web.WebSocketResponse.send_json",
    "aiohttp.web.WebSocketResponse.receive",
    "aiohttp.web.WebSocketResponse.close",
    "aiohttp.web.StreamResponse.prepare",
    "aiohttp.web.StreamResponse.write",
    "aiohttp.web.StreamResponse.write_eof",
    "aiohttp.web.AppRunner.setup",
    "aiohttp.web.AppRunner.cleanup",
    "aiohttp.web.TCPSite.start",
    // httpx.
    "httpx.AsyncClient.get",
    "httpx.AsyncClient.post",
    "httpx.AsyncClient.put",
    "httpx.AsyncClient.patch",
    "httpx.AsyncClient.delete",
    "httpx.AsyncClient.head",
    "httpx.AsyncClient.options",
    "httpx.AsyncClient.request",
    "httpx.AsyncClient.send",
    "httpx.AsyncClient.aclose",
    "httpx.Response.aread",
    "httpx.Response.aclose",
    // asyncpg.
    "asyncpg.connect",
    "asyncpg.Connection.execute",
    "asyncpg.Connection.executemany",
    "asyncpg.Connection.fetch",
    "asyncpg.Connection.fetchrow",
    "asyncpg.Connection.fetchval",
    "asyncpg.Connection.fetchmany",
    "asyncpg.Connection.prepare",
    "asyncpg.Connection.close",
    "asyncpg.Connection.reset",
    "asyncpg.Connection.copy_from_table",
    "asyncpg.Connection.copy_from_query",
    "asyncpg.Connection.copy_to_table",
    "asyncpg.Connection.copy_records_to_table",
    "asyncpg.Connection.set_type_codec",
    "asyncpg.Connection.add_listener",
    "asyncpg.Connection.remove_listener",
    "asyncpg.Pool.execute",
    "asyncpg.Pool.executemany",
    "asyncpg.Pool.fetch",
    "asyncpg.Pool.fetchrow",
    "asyncpg.Pool.fetchval",
    "asyncpg.Pool.fetchmany",
    "asyncpg.Pool.close",
    "asyncpg.Pool.release",
    "asyncpg.Pool.expire_connections",
    // aiofiles files and os wrappers.
    "aiofiles.threadpool.AsyncFile.read",
    "aiofiles.threadpool.AsyncFile.readline",
    "aiofiles.threadpool.AsyncFile.readlines",
    "aiofiles.threadpool.AsyncFile.write",
    "aiofiles.threadpool.AsyncFile.writelines",
    "aiofiles.threadpool.AsyncFile.flush",
    "aiofiles.threadpool.AsyncFile.seek",
    "aiofiles.threadpool.AsyncFile.tell",
    "aiofiles.threadpool.AsyncFile.truncate",
    "aiofiles.threadpool.AsyncFile.close",
    "aiofiles.os.remove",
    "aiofiles.os.unlink",
    "aiofiles.os.rename",
    "aiofiles.os.renames",
    "aiofiles.os.replace",
    "aiofiles.os.stat",
    "aiofiles.os.mkdir",
    "aiofiles.os.makedirs",
    "aiofiles.os.rmdir",
    "aiofiles.os.removedirs",
    "aiofiles.os.listdir",
    "aiofiles.os.scandir",
    "aiofiles.os.link",
    "aiofiles.os.symlink",
    "aiofiles.os.readlink",
    "aiofiles.os.sendfile",
    "aiofiles.os.path.exists",
    "aiofiles.os.path.isfile",
    "aiofiles.os.path.isdir",
    "aiofiles.os.path.islink",
    "aiofiles.os.path.getsize",
    "aiofiles.os.path.getmtime",
    // redis.asyncio clients (the common commands; pipeline commands are buffered, not awaited).
    "redis.asyncio.Redis.get",
    "redis.asyncio.Redis.set",
    "redis.asyncio.Redis.setex",
    "redis.asyncio.Redis.setnx",
    "redis.asyncio.Redis.mget",
    "redis.asyncio.Redis.mset",
    "redis.asyncio.Redis.delete",
    "redis.asyncio.Redis.exists",
    "redis.asyncio.Redis.expire",
    "redis.asyncio.Redis.ttl",
    "redis.asyncio.Redis.incr",
    "redis.asyncio.Redis.incrby",
    "redis.asyncio.Redis.decr",
    "redis.asyncio.Redis.keys",
    "redis.asyncio.Redis.hget",
    "redis.asyncio.Redis.hset",
    "redis.asyncio.Redis.hgetall",
    "redis.asyncio.Redis.hdel",
    "redis.asyncio.Redis.lpush",
    "redis.asyncio.Redis.rpush",
    "redis.asyncio.Redis.lpop",
    "redis.asyncio.Redis.rpop",
    "redis.asyncio.Redis.lrange",
    "redis.asyncio.Redis.sadd",
    "redis.asyncio.Redis.srem",
    "redis.asyncio.Redis.smembers",
    "redis.asyncio.Redis.zadd",
    "redis.asyncio.Redis.zrange",
    "redis.asyncio.Redis.publish",
    "redis.asyncio.Redis.ping",
    "redis.asyncio.Redis.flushdb",
    "redis.asyncio.Redis.execute_command",
    "redis.asyncio.Redis.close",
    "redis.asyncio.Redis.aclose",
    "redis.asyncio.client.Pipeline.execute",
    "redis.asyncio.client.PubSub.subscribe",
    "redis.asyncio.client.PubSub.unsubscribe",
    "redis.asyncio.client.PubSub.psubscribe",
    "redis.asyncio.client.PubSub.get_message",
    "redis.asyncio.client.PubSub.aclose",
];

/// Calls that return an awaitable that is not a coroutine but does nothing until it is awaited
/// (or, for most of them, entered with `async with`).
pub const LAZY_AWAITABLE_APIS: &[&str] = &[
    "aiohttp.ClientSession.get",
    "aiohttp.ClientSession.post",
    "aiohttp.ClientSession.put",
    "aiohttp.ClientSession.patch",
    "aiohttp.ClientSession.delete",
    "aiohttp.ClientSession.head",
    "aiohttp.ClientSession.options",
    "aiohttp.ClientSession.request",
    "aiohttp.ClientSession.ws_connect",
    "asyncpg.create_pool",
    "asyncpg.Pool.acquire",
    "aiofiles.open",
];

/// Methods of motor (`AsyncIOMotorCollection`) that return coroutines; a collection is reached as
/// `client.<db>.<collection>` from an `AsyncIOMotorClient`.
const MOTOR_COLLECTION_COROUTINES: &[&str] = &[
    "find_one",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "count_documents",
    "estimated_document_count",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "create_index",
    "drop",
    "distinct",
    "bulk_write",
];

const MOTOR_CLIENT: &str = "motor.motor_asyncio.AsyncIOMotorClient";
const MOTOR_COLLECTION: &str = "motor.motor_asyncio.AsyncIOMotorCollection";

/// Is a call of `name` (canonical, with receiver types normalised by [`normalize_type`]) a call
/// that returns a coroutine or another awaitable that does nothing until awaited? `Some(true)`
/// for a coroutine, `Some(false)` for another lazy awaitable.
pub fn awaitable_api(name: &str) -> Option<bool> {
    if COROUTINE_APIS.contains(&name) {
        return Some(true);
    }
    if LAZY_AWAITABLE_APIS.contains(&name) {
        return Some(false);
    }
    if motor_collection_method(name).is_some_and(|m| MOTOR_COLLECTION_COROUTINES.contains(&m)) {
        return Some(true);
    }
    None
}

/// The method name of `client.<db>.<collection>.<method>` on a motor client, or of
/// `<AsyncIOMotorCollection>.<method>`.
fn motor_collection_method(name: &str) -> Option<&str> {
    if let Some(method) = name
        .strip_prefix(MOTOR_COLLECTION)
        .and_then(|rest| rest.strip_prefix('.'))
    {
        return (!method.contains('.')).then_some(method);
    }
    let rest = name.strip_prefix(MOTOR_CLIENT)?.strip_prefix('.')?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        [_db, _collection, method] => Some(method),
        _ => None,
    }
}

/// What a known call produces when it is awaited or entered with `async with` (and, for a few
/// factories, when it is simply called), when that is not the callee's own type. Receivers typed
/// by one of these calls resolve to the produced type: `resp.json` with
/// `async with session.get(url) as resp` is `aiohttp.ClientResponse.json`.
const RESULT_TYPES: &[(&str, &str)] = &[
    ("aiohttp.ClientSession.get", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.post", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.put", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.patch", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.delete", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.head", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.options", "aiohttp.ClientResponse"),
    ("aiohttp.ClientSession.request", "aiohttp.ClientResponse"),
    ("aiohttp.request", "aiohttp.ClientResponse"),
    (
        "aiohttp.ClientSession.ws_connect",
        "aiohttp.ClientWebSocketResponse",
    ),
    ("aiohttp.ClientResponse.content", "aiohttp.StreamReader"),
    ("aiohttp.client.ClientSession", "aiohttp.ClientSession"),
    (
        "aiohttp.web_ws.WebSocketResponse",
        "aiohttp.web.WebSocketResponse",
    ),
    ("aiohttp.web.Response", "aiohttp.web.StreamResponse"),
    ("httpx.AsyncClient.stream", "httpx.Response"),
    ("httpx.AsyncClient.get", "httpx.Response"),
    ("httpx.AsyncClient.post", "httpx.Response"),
    ("httpx.AsyncClient.put", "httpx.Response"),
    ("httpx.AsyncClient.patch", "httpx.Response"),
    ("httpx.AsyncClient.delete", "httpx.Response"),
    ("httpx.AsyncClient.head", "httpx.Response"),
    ("httpx.AsyncClient.options", "httpx.Response"),
    ("httpx.AsyncClient.request", "httpx.Response"),
    ("httpx.AsyncClient.send", "httpx.Response"),
    ("asyncpg.connect", "asyncpg.Connection"),
    ("asyncpg.connection.connect", "asyncpg.Connection"),
    ("asyncpg.create_pool", "asyncpg.Pool"),
    ("asyncpg.pool.create_pool", "asyncpg.Pool"),
    ("asyncpg.pool.Pool", "asyncpg.Pool"),
    ("asyncpg.Pool.acquire", "asyncpg.Connection"),
    ("asyncpg.connection.Connection", "asyncpg.Connection"),
    ("aiofiles.open", "aiofiles.threadpool.AsyncFile"),
    ("aiofiles.threadpool.open", "aiofiles.threadpool.AsyncFile"),
    ("asyncio.create_subprocess_exec", "asyncio.Process"),
    ("asyncio.create_subprocess_shell", "asyncio.Process"),
    ("asyncio.start_server", "asyncio.Server"),
    ("asyncio.start_unix_server", "asyncio.Server"),
    ("asyncio.AbstractEventLoop.create_server", "asyncio.Server"),
    ("trio.open_nursery", "trio.Nursery"),
    ("trio.open_tcp_stream", "trio.SocketStream"),
    ("trio.lowlevel.open_process", "trio.Process"),
    ("trio.open_file", "trio._file_io.AsyncIOWrapper"),
    ("trio.Path.open", "trio._file_io.AsyncIOWrapper"),
    ("trio.wrap_file", "trio._file_io.AsyncIOWrapper"),
    ("anyio.create_task_group", "anyio.abc.TaskGroup"),
    ("anyio.open_process", "anyio.abc.Process"),
    ("anyio.connect_tcp", "anyio.abc.SocketStream"),
    ("anyio.open_file", "anyio.AsyncFile"),
    ("anyio.wrap_file", "anyio.AsyncFile"),
    ("anyio.Path.open", "anyio.AsyncFile"),
    ("redis.asyncio.from_url", "redis.asyncio.Redis"),
    ("redis.asyncio.Redis.from_url", "redis.asyncio.Redis"),
    ("redis.asyncio.StrictRedis", "redis.asyncio.Redis"),
    ("redis.asyncio.client.Redis", "redis.asyncio.Redis"),
    ("redis.asyncio.client.StrictRedis", "redis.asyncio.Redis"),
    (
        "redis.asyncio.Redis.pipeline",
        "redis.asyncio.client.Pipeline",
    ),
    ("redis.asyncio.Redis.pubsub", "redis.asyncio.client.PubSub"),
    (
        "motor.motor_asyncio.AsyncIOMotorClient.get_database",
        "motor.motor_asyncio.AsyncIOMotorDatabase",
    ),
    (
        "motor.motor_asyncio.AsyncIOMotorDatabase.get_collection",
        MOTOR_COLLECTION,
    ),
];

/// The type a call of `callee` produces when awaited or entered, when it is known.
pub fn result_type(callee: &str) -> Option<&'static str> {
    RESULT_TYPES
        .iter()
        .find(|(name, _)| *name == callee)
        .map(|(_, ty)| *ty)
}

/// Rewrites a type whose leading part is a call listed in `RESULT_TYPES` to the type that call
/// produces: `aiohttp.ClientSession.get` → `aiohttp.ClientResponse`,
/// `aiohttp.ClientSession.get.content` → `aiohttp.StreamReader`. Other names are returned
/// unchanged.
pub fn normalize_type(ty: &str) -> String {
    let mut current = ty.to_string();
    // Each step replaces a prefix with a different one; a handful of steps always suffices.
    for _ in 0..4 {
        let replacement = RESULT_TYPES
            .iter()
            .filter(|(prefix, _)| {
                current
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
            .max_by_key(|(prefix, _)| prefix.len());
        let Some((prefix, ty)) = replacement else {
            break;
        };
        current = format!("{ty}{}", &current[prefix.len()..]);
    }
    current
}

/// Normalises the receiver of a qualified callee (everything before the last dot) with
/// [`normalize_type`]: `aiohttp.ClientSession.get.json` → `aiohttp.ClientResponse.json`, while
/// `aiohttp.ClientSession.get` itself stays.
pub fn normalize_callee(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((receiver, member)) => format!("{}.{member}", normalize_type(receiver)),
        None => name.to_string(),
    }
}

/// Calls whose result is a context manager that only supports `async with` (ASY022).
pub const ASYNC_CONTEXT_MANAGER_CALLS: &[&str] = &[
    "asyncio.timeout",
    "asyncio.timeout_at",
    "asyncio.TaskGroup",
    "aiohttp.ClientSession",
    "aiohttp.ClientSession.get",
    "aiohttp.ClientSession.post",
    "aiohttp.ClientSession.put",
    "aiohttp.ClientSession.patch",
    "aiohttp.ClientSession.delete",
    "aiohttp.ClientSession.head",
    "aiohttp.ClientSession.options",
    "aiohttp.ClientSession.request",
    "aiohttp.ClientSession.ws_connect",
    "aiohttp.request",
    "httpx.AsyncClient",
    "httpx.AsyncClient.stream",
    "aiofiles.open",
    "aiofiles.tempfile.NamedTemporaryFile",
    "aiofiles.tempfile.TemporaryFile",
    "aiofiles.tempfile.SpooledTemporaryFile",
    "aiofiles.tempfile.TemporaryDirectory",
    "asyncpg.create_pool",
    "asyncpg.Pool.acquire",
    "asyncpg.Connection.transaction",
    "anyio.create_task_group",
    "trio.open_nursery",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url",
];

/// Types whose instances only support `async with` (ASY022: `with lock:`).
pub const ASYNC_CONTEXT_MANAGER_TYPES: &[&str] = &[
    "asyncio.Lock",
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.Condition",
    "asyncio.TaskGroup",
    "trio.Lock",
    "trio.StrictFIFOLock",
    "trio.Semaphore",
    "trio.Condition",
    "trio.CapacityLimiter",
    "anyio.Lock",
    "anyio.Semaphore",
    "anyio.Condition",
    "anyio.CapacityLimiter",
    "aiohttp.ClientSession",
    "httpx.AsyncClient",
    "asyncpg.Pool",
    "redis.asyncio.Redis",
];

/// Calls that return an async iterator or async iterable (ASY023: `for x in resp.content.iter_any()`).
pub const ASYNC_ITERATOR_CALLS: &[&str] = &[
    "aiohttp.StreamReader.iter_chunked",
    "aiohttp.StreamReader.iter_any",
    "aiohttp.StreamReader.iter_chunks",
    "httpx.Response.aiter_bytes",
    "httpx.Response.aiter_text",
    "httpx.Response.aiter_lines",
    "httpx.Response.aiter_raw",
    "asyncpg.Connection.cursor",
    "redis.asyncio.Redis.scan_iter",
    "redis.asyncio.Redis.sscan_iter",
    "redis.asyncio.Redis.hscan_iter",
    "redis.asyncio.Redis.zscan_iter",
    "redis.asyncio.client.PubSub.listen",
    "anyio.Path.iterdir",
    "anyio.Path.glob",
    "anyio.Path.rglob",
    "motor.motor_asyncio.AsyncIOMotorCollection.find",
    "motor.motor_asyncio.AsyncIOMotorCollection.aggregate",
];

/// Types whose instances are async iterables but not sync ones (ASY023: `for line in f` with an
/// aiofiles file).
pub const ASYNC_ITERABLE_TYPES: &[&str] = &[
    "aiofiles.threadpool.AsyncFile",
    "anyio.AsyncFile",
    "trio._file_io.AsyncIOWrapper",
    "asyncio.StreamReader",
    "aiohttp.StreamReader",
    "aiohttp.ClientWebSocketResponse",
    "aiohttp.web.WebSocketResponse",
    "anyio.abc.ObjectReceiveStream",
    "anyio.abc.ByteReceiveStream",
    "anyio.abc.ObjectStream",
    "anyio.abc.ByteStream",
    "anyio.abc.SocketStream",
    "anyio.streams.memory.MemoryObjectReceiveStream",
    "trio.MemoryReceiveChannel",
    "trio.abc.ReceiveChannel",
    "trio.abc.ReceiveStream",
    "trio.SocketStream",
];

/// Is a call of `name` (normalised) an async iterator call? Includes motor collections reached
/// from a client (`client.db.users.find()`).
pub fn is_async_iterator_call(name: &str) -> bool {
    ASYNC_ITERATOR_CALLS.contains(&name)
        || motor_collection_method(name).is_some_and(|m| matches!(m, "find" | "aggregate"))
}

/// Where an API that runs a callable synchronously takes it: the callee (canonical, normalised),
/// the position of the callable among the positional arguments, and its keyword (ASY026).
pub struct SyncCallbackSink {
    pub callee: &'static str,
    pub position: usize,
    pub keyword: &'static str,
}

const fn sink(callee: &'static str, position: usize, keyword: &'static str) -> SyncCallbackSink {
    SyncCallbackSink {
        callee,
        position,
        keyword,
    }
}

/// APIs that call the callable they are given as a plain function: an `async def` passed there
/// only creates a coroutine that never runs.
pub const SYNC_CALLBACK_SINKS: &[SyncCallbackSink] = &[
    sink("threading.Thread", 1, "target"),
    sink("threading.Timer", 1, "function"),
    sink("concurrent.futures.ThreadPoolExecutor.submit", 0, "fn"),
    sink("concurrent.futures.ProcessPoolExecutor.submit", 0, "fn"),
    sink(
        "concurrent.futures.thread.ThreadPoolExecutor.submit",
        0,
        "fn",
    ),
    sink(
        "concurrent.futures.process.ProcessPoolExecutor.submit",
        0,
        "fn",
    ),
    sink("concurrent.futures.ThreadPoolExecutor.map", 0, "fn"),
    sink("asyncio.to_thread", 0, "func"),
    sink("signal.signal", 1, "handler"),
    sink("atexit.register", 0, "func"),
    sink("anyio.to_thread.run_sync", 0, "func"),
    sink("anyio.from_thread.run_sync", 0, "func"),
    sink("trio.to_thread.run_sync", 0, "sync_fn"),
    sink("trio.from_thread.run_sync", 0, "fn"),
];

/// Methods that call the callable they are given as a plain function, whatever the receiver: the
/// names are specific to event loops and futures (`loop.call_soon(f)`, `fut.add_done_callback(f)`).
pub const SYNC_CALLBACK_METHODS: &[SyncCallbackSink] = &[
    sink("call_soon", 0, "callback"),
    sink("call_soon_threadsafe", 0, "callback"),
    sink("call_later", 1, "callback"),
    sink("call_at", 1, "callback"),
    sink("run_in_executor", 1, "func"),
    sink("add_done_callback", 0, "fn"),
    sink("add_signal_handler", 1, "callback"),
    sink("add_reader", 1, "callback"),
    sink("add_writer", 1, "callback"),
];

/// Decorators that leave an `async def` a coroutine function (anything else may wrap it into
/// something else entirely, so a decorated function is not known to be a coroutine function).
pub const COROUTINE_PRESERVING_DECORATORS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "abc.abstractmethod",
    "typing.override",
    "typing_extensions.override",
    "typing.final",
    "typing_extensions.final",
    "functools.wraps",
];

/// Decorators that turn an async generator function into an async context manager factory.
pub const ASYNC_CONTEXT_MANAGER_DECORATORS: &[&str] = &[
    "contextlib.asynccontextmanager",
    "contextlib2.asynccontextmanager",
    "async_generator.asynccontextmanager",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_types_rewrite_receivers() {
        assert_eq!(
            normalize_callee("aiohttp.ClientSession.get.json"),
            "aiohttp.ClientResponse.json"
        );
        assert_eq!(
            normalize_callee("aiohttp.ClientSession.get.content.read"),
            "aiohttp.StreamReader.read"
        );
        assert_eq!(
            normalize_callee("aiohttp.ClientSession.get"),
            "aiohttp.ClientSession.get"
        );
        assert_eq!(normalize_callee("asyncio.Queue.get"), "asyncio.Queue.get");
        assert_eq!(
            normalize_type("aiofiles.open"),
            "aiofiles.threadpool.AsyncFile"
        );
        assert_eq!(
            normalize_type("aiohttp.ClientSession.getter"),
            "aiohttp.ClientSession.getter"
        );
    }

    #[test]
    fn awaitable_apis() {
        assert_eq!(awaitable_api("asyncio.sleep"), Some(true));
        assert_eq!(awaitable_api("aiohttp.ClientSession.get"), Some(false));
        assert_eq!(awaitable_api("asyncio.gather"), None);
        assert_eq!(awaitable_api("asyncio.create_task"), None);
        assert_eq!(
            awaitable_api("motor.motor_asyncio.AsyncIOMotorClient.db.users.find_one"),
            Some(true)
        );
        assert_eq!(
            awaitable_api("motor.motor_asyncio.AsyncIOMotorClient.db.find_one"),
            None
        );
        assert!(is_async_iterator_call(
            "motor.motor_asyncio.AsyncIOMotorClient.db.users.find"
        ));
    }

    #[test]
    fn tables_have_no_duplicates() {
        for table in [
            COROUTINE_APIS,
            LAZY_AWAITABLE_APIS,
            ASYNC_CONTEXT_MANAGER_CALLS,
            ASYNC_ITERATOR_CALLS,
        ] {
            let mut sorted = table.to_vec();
            sorted.sort_unstable();
            let before = sorted.len();
            sorted.dedup();
            assert_eq!(before, sorted.len());
        }
    }
}
