//! API tables for resources that must be released (ASY060–ASY065): locks and pools acquired by
//! hand, client sessions and connectors, aiohttp responses, aiofiles files, asyncio subprocesses.
//!
//! asyncio names are canonical (`asyncio.Lock`, not `asyncio.locks.Lock`; see
//! `canonical_asyncio_name`).

/// Async locks, semaphores, conditions and capacity limiters whose `acquire()` must be paired with
/// a `release()` (ASY060).
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
    "tornado.locks.Lock",
    "tornado.locks.Semaphore",
    "tornado.locks.BoundedSemaphore",
];

/// Connection pools whose `acquire()` hands out a connection that must go back with
/// `pool.release(conn)` (ASY060): the pool classes and the factories that build them.
pub const POOL_TYPES: &[&str] = &[
    "asyncpg.create_pool",
    "asyncpg.pool.create_pool",
    "asyncpg.Pool",
    "asyncpg.pool.Pool",
    "aiomysql.create_pool",
    "aiomysql.Pool",
    "aiomysql.pool.Pool",
    "aiopg.create_pool",
    "aiopg.Pool",
    "aiopg.pool.Pool",
    "asyncmy.create_pool",
    "aioodbc.create_pool",
];

/// HTTP client sessions and connectors that own connections and must be closed (ASY061).
pub const CLIENT_SESSIONS: &[&str] = &[
    "aiohttp.ClientSession",
    "aiohttp.client.ClientSession",
    "aiohttp.TCPConnector",
    "aiohttp.connector.TCPConnector",
    "httpx.AsyncClient",
];

/// Objects that own a connection pool, and are meant to be created once and reused (ASY062).
pub const POOL_OWNERS: &[&str] = &[
    "aiohttp.ClientSession",
    "aiohttp.client.ClientSession",
    "httpx.AsyncClient",
    "asyncpg.create_pool",
    "asyncpg.pool.create_pool",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine",
];

/// What the value of an expression of one of these types is, for receivers whose type the
/// context resolves to a factory: Home Assistant's shared session helpers return an
/// `aiohttp.ClientSession`.
pub const AIOHTTP_SESSION_TYPES: &[&str] = &[
    "aiohttp.ClientSession",
    "aiohttp.client.ClientSession",
    "homeassistant.helpers.aiohttp_client.async_get_clientsession",
    "homeassistant.helpers.aiohttp_client.async_create_clientsession",
];

/// `aiohttp.ClientSession` methods that return a response holding a connection (ASY063). Not
/// `head`: a response without a body releases its connection by itself.
pub const AIOHTTP_REQUEST_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "options", "request",
];

/// `aiohttp.ClientResponse` methods that read the body (which releases the connection) or
/// release it (ASY063). `raise_for_status()` releases it on an error status; on success the code
/// after it is taken to read the body.
pub const RESPONSE_SETTLING_METHODS: &[&str] = &[
    "read",
    "text",
    "json",
    "raise_for_status",
    "release",
    "close",
    "wait_for_close",
    "__aexit__",
];

/// Functions that open a file with `aiofiles` (ASY065).
pub const AIOFILES_OPEN: &[&str] = &["aiofiles.open", "aiofiles.threadpool.open"];

/// asyncio functions that start a subprocess (ASY064).
pub const SUBPROCESS_FACTORIES: &[&str] = &[
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
];

/// The constants that ask for a pipe (ASY064), canonical asyncio names.
pub const PIPE_CONSTANTS: &[&str] = &["asyncio.PIPE", "subprocess.PIPE"];
