//! API tables of the blocking subprocess, socket and client rules (ASY005, ASY007, ASY008):
//! which qualified names start or wait for processes, which touch the network through a
//! blocking socket, and which build synchronous clients, with the async API to use instead.
//!
//! Names are qualified as `Context::qualified_name` spells them: a method of an object built
//! by a known constructor is `<constructor>.<method>` (`subprocess.Popen.wait`,
//! `socket.create_connection.recv`, `redis.Redis.from_url.get`).

/// What a process API does, which decides the advice (ASY005).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessCall {
    /// Starts a program from an argument list (and usually waits for it).
    Exec,
    /// Runs a command line through the shell.
    Shell,
    /// Starts a process and returns a handle to it (`subprocess.Popen`).
    Open,
    /// Waits on a `subprocess.Popen` created earlier (`wait`, `communicate`).
    PopenWait,
    /// Waits for a child process by id (`os.wait*`); not blocking with `os.WNOHANG`.
    WaitPid,
}

/// Blocking process APIs (ASY005).
pub const PROCESS_CALLS: &[(&str, ProcessCall)] = &[
    ("subprocess.run", ProcessCall::Exec),
    ("subprocess.call", ProcessCall::Exec),
    ("subprocess.check_call", ProcessCall::Exec),
    ("subprocess.check_output", ProcessCall::Exec),
    ("subprocess.getoutput", ProcessCall::Shell),
    ("subprocess.getstatusoutput", ProcessCall::Shell),
    ("subprocess.Popen", ProcessCall::Open),
    ("subprocess.Popen.wait", ProcessCall::PopenWait),
    ("subprocess.Popen.communicate", ProcessCall::PopenWait),
    ("os.system", ProcessCall::Shell),
    ("os.popen", ProcessCall::Shell),
    ("os.spawnl", ProcessCall::Exec),
    ("os.spawnle", ProcessCall::Exec),
    ("os.spawnlp", ProcessCall::Exec),
    ("os.spawnlpe", ProcessCall::Exec),
    ("os.spawnv", ProcessCall::Exec),
    ("os.spawnve", ProcessCall::Exec),
    ("os.spawnvp", ProcessCall::Exec),
    ("os.spawnvpe", ProcessCall::Exec),
    ("os.posix_spawn", ProcessCall::Exec),
    ("os.posix_spawnp", ProcessCall::Exec),
    ("os.wait", ProcessCall::WaitPid),
    ("os.waitpid", ProcessCall::WaitPid),
    ("os.wait3", ProcessCall::WaitPid),
    ("os.wait4", ProcessCall::WaitPid),
    ("os.waitid", ProcessCall::WaitPid),
    ("pty.spawn", ProcessCall::Exec),
];

/// The kind of a process API, if `qualified` is one.
pub fn process_call(qualified: &str) -> Option<ProcessCall> {
    PROCESS_CALLS
        .iter()
        .find(|(name, _)| *name == qualified)
        .map(|(_, kind)| *kind)
}

/// What a blocking socket API does, which decides the advice (ASY007).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketCall {
    /// Name resolution with an async equivalent (`getaddrinfo`, `gethostbyname`).
    Resolve,
    /// Reverse resolution with an async equivalent (`getnameinfo`).
    NameInfo,
    /// Network I/O with no async equivalent in the standard libraries: run it in a thread.
    Thread,
    /// Opens a connection (`socket.create_connection`, `sock.connect`).
    Connect,
    /// Waits for a connection (`sock.accept`).
    Accept,
    /// Sends or receives on a connected socket.
    Transfer,
}

/// Module functions of `socket` and `ssl` that wait on the network (ASY007).
pub const SOCKET_FUNCTIONS: &[(&str, SocketCall)] = &[
    ("socket.create_connection", SocketCall::Connect),
    ("socket.getaddrinfo", SocketCall::Resolve),
    ("socket.gethostbyname", SocketCall::Resolve),
    ("socket.gethostbyname_ex", SocketCall::Resolve),
    ("socket.gethostbyaddr", SocketCall::Thread),
    ("socket.getfqdn", SocketCall::Thread),
    ("socket.getnameinfo", SocketCall::NameInfo),
    ("ssl.get_server_certificate", SocketCall::Thread),
];

/// Constructors whose result is a (blocking, unless set otherwise) socket.
pub const SOCKET_TYPES: &[&str] = &[
    "socket.socket",
    "socket.SocketType",
    "socket.create_connection",
    "socket.create_server",
    "socket.fromfd",
    "socket.socket.dup",
    "ssl.wrap_socket",
    "ssl.SSLSocket",
];

/// Is `ty` (as `Context::type_of` spells it) a socket? `ssl` contexts' `wrap_socket` counts
/// however the context was built (`ssl.create_default_context().wrap_socket(...)`).
pub fn is_socket_type(ty: &str) -> bool {
    SOCKET_TYPES.contains(&ty) || (ty.starts_with("ssl.") && ty.ends_with(".wrap_socket"))
}

/// Socket methods that wait on the network (ASY007), with their kind.
pub const SOCKET_METHODS: &[(&str, SocketCall)] = &[
    ("connect", SocketCall::Connect),
    ("connect_ex", SocketCall::Connect),
    ("accept", SocketCall::Accept),
    ("recv", SocketCall::Transfer),
    ("recvfrom", SocketCall::Transfer),
    ("recv_into", SocketCall::Transfer),
    ("recvfrom_into", SocketCall::Transfer),
    ("recvmsg", SocketCall::Transfer),
    ("recvmsg_into", SocketCall::Transfer),
    ("send", SocketCall::Transfer),
    ("sendall", SocketCall::Transfer),
    ("sendto", SocketCall::Transfer),
    ("sendmsg", SocketCall::Transfer),
    ("sendfile", SocketCall::Transfer),
    ("do_handshake", SocketCall::Transfer),
];

/// The kind of a socket method, if `method` waits on the network.
pub fn socket_method(method: &str) -> Option<SocketCall> {
    SOCKET_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, kind)| *kind)
}

/// `asyncio`'s `loop.sock_*` coroutine for a blocking socket method, where there is one.
pub fn asyncio_sock_method(method: &str) -> Option<&'static str> {
    Some(match method {
        "connect" | "connect_ex" => "sock_connect",
        "accept" => "sock_accept",
        "recv" => "sock_recv",
        "recv_into" => "sock_recv_into",
        "recvfrom" => "sock_recvfrom",
        "recvfrom_into" => "sock_recvfrom_into",
        "send" | "sendall" => "sock_sendall",
        "sendto" => "sock_sendto",
        "sendfile" => "sock_sendfile",
        _ => return None,
    })
}

/// Whether building a client already waits on the network (or disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construction {
    /// The constructor connects (`psycopg2.connect`, `sqlite3.connect`, `boto3.client`, which
    /// loads its service model from disk).
    Connects,
    /// The constructor only stores settings; the first call connects (`redis.Redis`,
    /// `create_engine`, `openai.OpenAI`).
    Lazy,
    /// The constructor connects when given a host (`smtplib.SMTP("mail")`, not `SMTP()`).
    ConnectsWithHost,
}

/// A synchronous client: every call on it waits on the network (or disk) while the event loop
/// stands still (ASY007 for standard-library protocol clients, ASY008 for the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncClient {
    /// The qualified constructor (`psycopg2.connect`, `redis.Redis.from_url`).
    pub constructor: &'static str,
    /// The package, as messages name it (`psycopg2`, `redis`).
    pub package: &'static str,
    /// The async replacement, formatted for a message ("`asyncpg` or `psycopg.AsyncConnection`").
    pub instead: &'static str,
    /// The replacement also runs under trio (and so anyio's trio backend); otherwise trio and
    /// anyio files are told to run the calls in a worker thread.
    pub portable: bool,
    pub construction: Construction,
}

const fn client(
    constructor: &'static str,
    package: &'static str,
    instead: &'static str,
) -> SyncClient {
    SyncClient {
        constructor,
        package,
        instead,
        portable: false,
        construction: Construction::Connects,
    }
}

const fn lazy(
    constructor: &'static str,
    package: &'static str,
    instead: &'static str,
) -> SyncClient {
    SyncClient {
        construction: Construction::Lazy,
        ..client(constructor, package, instead)
    }
}

const fn with_host(
    constructor: &'static str,
    package: &'static str,
    instead: &'static str,
) -> SyncClient {
    SyncClient {
        construction: Construction::ConnectsWithHost,
        ..client(constructor, package, instead)
    }
}

const fn portable_lazy(
    constructor: &'static str,
    package: &'static str,
    instead: &'static str,
) -> SyncClient {
    SyncClient {
        portable: true,
        ..lazy(constructor, package, instead)
    }
}

const PSYCOPG2: &str = "`asyncpg` or `psycopg.AsyncConnection`";
const MYSQL: &str = "`aiomysql` or `asyncmy`";
const REDIS: &str = "`redis.asyncio.Redis`";
const MONGO: &str = "`pymongo.AsyncMongoClient` or `motor`";
const ENGINE: &str = "`sqlalchemy.ext.asyncio.create_async_engine`";
const SESSION: &str = "`sqlalchemy.ext.asyncio.AsyncSession`";
const BOTO3: &str = "`aioboto3` or `aiobotocore`";
const OPENAI: &str = "`openai.AsyncOpenAI`";
const ANTHROPIC: &str = "`anthropic.AsyncAnthropic`";

/// Synchronous database, cache, queue, cloud and API clients (ASY008).
pub const SYNC_CLIENTS: &[SyncClient] = &[
    client("sqlite3.connect", "sqlite3", "`aiosqlite`"),
    client("sqlite3.dbapi2.connect", "sqlite3", "`aiosqlite`"),
    client("psycopg2.connect", "psycopg2", PSYCOPG2),
    client("psycopg2.pool.SimpleConnectionPool", "psycopg2", PSYCOPG2),
    client("psycopg2.pool.ThreadedConnectionPool", "psycopg2", PSYCOPG2),
    client(
        "psycopg.connect",
        "psycopg",
        "`psycopg.AsyncConnection.connect`",
    ),
    client(
        "psycopg.Connection.connect",
        "psycopg",
        "`psycopg.AsyncConnection.connect`",
    ),
    lazy(
        "psycopg_pool.ConnectionPool",
        "psycopg_pool",
        "`psycopg_pool.AsyncConnectionPool`",
    ),
    client("pg8000.connect", "pg8000", "`asyncpg`"),
    client("pg8000.native.Connection", "pg8000", "`asyncpg`"),
    client("pymysql.connect", "pymysql", MYSQL),
    client("pymysql.Connect", "pymysql", MYSQL),
    client("pymysql.connections.Connection", "pymysql", MYSQL),
    client("MySQLdb.connect", "MySQLdb", MYSQL),
    client("MySQLdb.Connect", "MySQLdb", MYSQL),
    client("mysql.connector.connect", "mysql.connector", MYSQL),
    client("oracledb.connect", "oracledb", "`oracledb.connect_async`"),
    client(
        "oracledb.create_pool",
        "oracledb",
        "`oracledb.create_pool_async`",
    ),
    client("cx_Oracle.connect", "cx_Oracle", "`oracledb.connect_async`"),
    client("pyodbc.connect", "pyodbc", "`aioodbc`"),
    lazy("redis.Redis", "redis", REDIS),
    lazy("redis.StrictRedis", "redis", REDIS),
    lazy("redis.Redis.from_url", "redis", REDIS),
    lazy("redis.StrictRedis.from_url", "redis", REDIS),
    lazy("redis.from_url", "redis", REDIS),
    lazy("redis.client.Redis", "redis", REDIS),
    lazy("redis.client.StrictRedis", "redis", REDIS),
    lazy("redis.client.Redis.from_url", "redis", REDIS),
    client(
        "redis.RedisCluster",
        "redis",
        "`redis.asyncio.RedisCluster`",
    ),
    client(
        "redis.cluster.RedisCluster",
        "redis",
        "`redis.asyncio.RedisCluster`",
    ),
    lazy(
        "redis.sentinel.Sentinel",
        "redis",
        "`redis.asyncio.sentinel.Sentinel`",
    ),
    lazy(
        "redis.Sentinel",
        "redis",
        "`redis.asyncio.sentinel.Sentinel`",
    ),
    lazy("pymongo.MongoClient", "pymongo", MONGO),
    lazy("pymongo.mongo_client.MongoClient", "pymongo", MONGO),
    lazy("sqlalchemy.create_engine", "SQLAlchemy", ENGINE),
    lazy("sqlalchemy.engine.create_engine", "SQLAlchemy", ENGINE),
    lazy("sqlalchemy.engine_from_config", "SQLAlchemy", ENGINE),
    lazy("sqlalchemy.orm.Session", "SQLAlchemy", SESSION),
    lazy("sqlalchemy.orm.session.Session", "SQLAlchemy", SESSION),
    lazy(
        "elasticsearch.Elasticsearch",
        "elasticsearch",
        "`elasticsearch.AsyncElasticsearch`",
    ),
    lazy(
        "opensearchpy.OpenSearch",
        "opensearchpy",
        "`opensearchpy.AsyncOpenSearch`",
    ),
    client("boto3.client", "boto3", BOTO3),
    client("boto3.resource", "boto3", BOTO3),
    client("boto3.Session.client", "boto3", BOTO3),
    client("boto3.Session.resource", "boto3", BOTO3),
    client("boto3.session.Session.client", "boto3", BOTO3),
    client("boto3.session.Session.resource", "boto3", BOTO3),
    client("pika.BlockingConnection", "pika", "`aio-pika`"),
    client("kafka.KafkaProducer", "kafka-python", "`aiokafka`"),
    client("kafka.KafkaConsumer", "kafka-python", "`aiokafka`"),
    lazy("pymemcache.Client", "pymemcache", "`aiomcache`"),
    lazy("pymemcache.client.base.Client", "pymemcache", "`aiomcache`"),
    lazy(
        "pymemcache.client.base.PooledClient",
        "pymemcache",
        "`aiomcache`",
    ),
    lazy(
        "pymemcache.client.hash.HashClient",
        "pymemcache",
        "`aiomcache`",
    ),
    portable_lazy("openai.OpenAI", "openai", OPENAI),
    portable_lazy("openai.Client", "openai", OPENAI),
    portable_lazy("openai.AzureOpenAI", "openai", "`openai.AsyncAzureOpenAI`"),
    portable_lazy("anthropic.Anthropic", "anthropic", ANTHROPIC),
    portable_lazy("anthropic.Client", "anthropic", ANTHROPIC),
    portable_lazy(
        "anthropic.AnthropicBedrock",
        "anthropic",
        "`anthropic.AsyncAnthropicBedrock`",
    ),
    portable_lazy(
        "anthropic.AnthropicVertex",
        "anthropic",
        "`anthropic.AsyncAnthropicVertex`",
    ),
];

/// Module-level functions that call through a library's default synchronous client (ASY008).
pub const SYNC_CLIENT_FUNCTIONS: &[SyncClient] = &[
    portable_lazy("openai.chat.completions.create", "openai", OPENAI),
    portable_lazy("openai.completions.create", "openai", OPENAI),
    portable_lazy("openai.embeddings.create", "openai", OPENAI),
    portable_lazy("openai.responses.create", "openai", OPENAI),
    portable_lazy("openai.images.generate", "openai", OPENAI),
    portable_lazy("openai.moderations.create", "openai", OPENAI),
    portable_lazy("openai.ChatCompletion.create", "openai", OPENAI),
    portable_lazy("openai.Completion.create", "openai", OPENAI),
    portable_lazy("openai.Embedding.create", "openai", OPENAI),
];

/// `sessionmaker` factories: calling one makes a synchronous `Session`, unless it was given
/// another `class_` (`sessionmaker(engine, class_=AsyncSession)`).
pub const SESSION_FACTORIES: &[&str] = &[
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.session.sessionmaker",
];

/// What a `sessionmaker` instance call counts as.
pub const SESSIONMAKER_SESSION: SyncClient = lazy("sqlalchemy.orm.Session", "SQLAlchemy", SESSION);

/// Database URL drivers that are async: `create_engine("postgresql+asyncpg://...")` builds the
/// sync core of an `AsyncEngine` and is not a blocking client.
pub const ASYNC_URL_DRIVERS: &[&str] = &[
    "+asyncpg",
    "+aiosqlite",
    "+aiomysql",
    "+asyncmy",
    "+psycopg_async",
    "+aioodbc",
    "+oracledb_async",
];

/// Methods of synchronous clients that do no I/O (they build a pipeline, a query or a handle
/// whose own calls are the blocking ones), by package.
pub const QUIET_CLIENT_METHODS: &[(&str, &[&str])] = &[
    (
        "redis",
        &[
            "pipeline",
            "pubsub",
            "lock",
            "register_script",
            "get_connection_kwargs",
            "get_encoder",
        ],
    ),
    (
        "SQLAlchemy",
        &[
            "add",
            "add_all",
            "expunge",
            "expunge_all",
            "get_bind",
            "in_transaction",
            "is_modified",
        ],
    ),
    (
        "boto3",
        &[
            "get_paginator",
            "get_waiter",
            "can_paginate",
            "generate_presigned_url",
        ],
    ),
    (
        "pymongo",
        &[
            "get_database",
            "get_default_database",
            "get_collection",
            "with_options",
        ],
    ),
];

/// Packages whose clients are used through attribute chains (`client.shop.orders.find_one()`
/// with pymongo, `proxy.system.listMethods()` with xmlrpc): a method call on an attribute of
/// the client is a call of the client. For other clients an attribute is some helper object
/// (`engine.pool.status()`, boto3's `client.meta.events.register(...)`).
pub const CHAINED_CLIENT_PACKAGES: &[&str] = &["pymongo", "xmlrpc.client"];

/// Is `method` a method of `package`'s client that does no I/O?
pub fn is_quiet_client_method(package: &str, method: &str) -> bool {
    QUIET_CLIENT_METHODS
        .iter()
        .any(|(name, methods)| *name == package && methods.contains(&method))
}

const THREAD: &str = "";

/// Standard-library protocol clients (ASY007). An empty `instead` means the advice is to run
/// the calls in a worker thread.
pub const PROTOCOL_CLIENTS: &[SyncClient] = &[
    with_host("smtplib.SMTP", "smtplib", "`aiosmtplib`"),
    with_host("smtplib.SMTP_SSL", "smtplib", "`aiosmtplib`"),
    with_host("smtplib.LMTP", "smtplib", "`aiosmtplib`"),
    with_host("ftplib.FTP", "ftplib", "`aioftp`"),
    with_host("ftplib.FTP_TLS", "ftplib", "`aioftp`"),
    with_host("telnetlib.Telnet", "telnetlib", "`telnetlib3`"),
    client("poplib.POP3", "poplib", THREAD),
    client("poplib.POP3_SSL", "poplib", THREAD),
    client("imaplib.IMAP4", "imaplib", "`aioimaplib`"),
    client("imaplib.IMAP4_SSL", "imaplib", "`aioimaplib`"),
    client("imaplib.IMAP4_stream", "imaplib", "`aioimaplib`"),
    client("nntplib.NNTP", "nntplib", THREAD),
    client("nntplib.NNTP_SSL", "nntplib", THREAD),
    lazy("xmlrpc.client.ServerProxy", "xmlrpc.client", THREAD),
    lazy("xmlrpc.client.Server", "xmlrpc.client", THREAD),
];

/// The client a constructor builds, if `qualified` is one of `table`'s constructors.
pub fn client_constructed_by<'t>(
    table: &'t [SyncClient],
    qualified: &str,
) -> Option<&'t SyncClient> {
    table.iter().find(|client| client.constructor == qualified)
}

/// The client a value of type `ty` belongs to: built by one of `table`'s constructors, or
/// derived from one by method calls (`sqlite3.connect.cursor`). The longest constructor wins.
pub fn client_of_type<'t>(table: &'t [SyncClient], ty: &str) -> Option<&'t SyncClient> {
    table
        .iter()
        .filter(|client| {
            ty == client.constructor
                || ty
                    .strip_prefix(client.constructor)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .max_by_key(|client| client.constructor.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_calls() {
        assert_eq!(process_call("os.spawnvpe"), Some(ProcessCall::Exec));
        assert_eq!(
            process_call("subprocess.Popen.communicate"),
            Some(ProcessCall::PopenWait)
        );
        assert_eq!(process_call("subprocess.Popen.poll"), None);
        assert_eq!(process_call("asyncio.create_subprocess_exec"), None);
    }

    #[test]
    fn socket_types() {
        assert!(is_socket_type("socket.socket"));
        assert!(is_socket_type("ssl.create_default_context.wrap_socket"));
        assert!(is_socket_type("ssl.SSLContext.wrap_socket"));
        assert!(!is_socket_type("trio.socket.socket"));
        assert!(!is_socket_type("socket.socket.accept"));
        assert_eq!(asyncio_sock_method("sendall"), Some("sock_sendall"));
        assert_eq!(asyncio_sock_method("recvmsg"), None);
    }

    #[test]
    fn clients_by_type() {
        let redis = client_of_type(SYNC_CLIENTS, "redis.Redis.from_url.get").unwrap();
        assert_eq!(redis.constructor, "redis.Redis.from_url");
        assert_eq!(
            client_of_type(SYNC_CLIENTS, "sqlite3.connect.cursor")
                .unwrap()
                .package,
            "sqlite3"
        );
        assert!(client_of_type(SYNC_CLIENTS, "redis.asyncio.Redis").is_none());
        assert!(client_of_type(SYNC_CLIENTS, "redis.Redisx").is_none());
        assert!(client_constructed_by(SYNC_CLIENTS, "psycopg.AsyncConnection.connect").is_none());
        assert!(client_constructed_by(SYNC_CLIENTS, "pymongo.AsyncMongoClient").is_none());
        assert!(is_quiet_client_method("redis", "pipeline"));
        assert!(!is_quiet_client_method("redis", "get"));
    }
}
