//! API tables of blocking I/O: HTTP clients (ASY002), opening files (ASY003), the filesystem
//! (ASY004), console input (ASY006), and `pathlib` paths. Names are qualified (`requests.get`);
//! a method of an object of known type is `<type>.<method>` (`requests.Session.get`), as
//! `Context::qualified_name` resolves it.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use super::threads;

/// HTTP verbs every sync client has as a method (and `requests`/`httpx` as module functions).
const HTTP_VERBS: &[&str] = &[
    "request", "get", "options", "head", "post", "put", "patch", "delete",
];

/// Module-level functions that perform an HTTP request: `requests.get`, `httpx.post`, ...
const HTTP_MODULES: &[&str] = &["requests", "requests.api", "httpx"];

/// Further module-level functions that perform a request.
const HTTP_FUNCTIONS: &[&str] = &[
    // `httpx.stream(...)` opens the connection when its context manager is entered.
    "httpx.stream",
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    // urllib3 2.x: a request through a module-global pool.
    "urllib3.request",
];

/// Sync client types (and the factories that return them) whose request methods block.
/// `requests.session()` is the lowercase factory of `requests.Session`.
const HTTP_CLIENT_TYPES: &[(&str, &[&str])] = &[
    ("requests.Session", SESSION_METHODS),
    ("requests.sessions.Session", SESSION_METHODS),
    ("requests.session", SESSION_METHODS),
    ("requests.sessions.session", SESSION_METHODS),
    ("httpx.Client", HTTPX_CLIENT_METHODS),
    ("urllib3.PoolManager", URLLIB3_METHODS),
    ("urllib3.poolmanager.PoolManager", URLLIB3_METHODS),
    ("urllib3.ProxyManager", URLLIB3_METHODS),
    ("urllib3.poolmanager.ProxyManager", URLLIB3_METHODS),
    ("urllib3.proxy_from_url", URLLIB3_METHODS),
    ("urllib3.HTTPConnectionPool", URLLIB3_METHODS),
    ("urllib3.HTTPSConnectionPool", URLLIB3_METHODS),
    ("urllib3.connectionpool.HTTPConnectionPool", URLLIB3_METHODS),
    (
        "urllib3.connectionpool.HTTPSConnectionPool",
        URLLIB3_METHODS,
    ),
    ("urllib3.connection_from_url", URLLIB3_METHODS),
    (
        "urllib3.connectionpool.connection_from_url",
        URLLIB3_METHODS,
    ),
    ("urllib.request.OpenerDirector", OPENER_METHODS),
    ("urllib.request.build_opener", OPENER_METHODS),
    // Constructing a connection does no I/O; connecting, sending and reading the response do.
    ("http.client.HTTPConnection", HTTP_CONNECTION_METHODS),
    ("http.client.HTTPSConnection", HTTP_CONNECTION_METHODS),
];

const SESSION_METHODS: &[&str] = &[
    "request", "get", "options", "head", "post", "put", "patch", "delete", "send",
];
const HTTPX_CLIENT_METHODS: &[&str] = &[
    "request", "get", "options", "head", "post", "put", "patch", "delete", "send", "stream",
];
const URLLIB3_METHODS: &[&str] = &[
    "request",
    "urlopen",
    "request_encode_url",
    "request_encode_body",
];
const OPENER_METHODS: &[&str] = &["open"];
const HTTP_CONNECTION_METHODS: &[&str] = &["connect", "request", "getresponse", "endheaders"];

/// Is `qualified` a blocking HTTP call (ASY002)?
pub fn is_blocking_http_call(qualified: &str) -> bool {
    if HTTP_FUNCTIONS.contains(&qualified) {
        return true;
    }
    let Some((receiver, member)) = qualified.rsplit_once('.') else {
        return false;
    };
    if HTTP_MODULES.contains(&receiver) && HTTP_VERBS.contains(&member) {
        return true;
    }
    HTTP_CLIENT_TYPES
        .iter()
        .any(|(ty, methods)| *ty == receiver && methods.contains(&member))
}

/// Calls that open a file (ASY003). `gzip.open` and friends also accept an open file object;
/// see `IN_MEMORY_FILE_TYPES`.
pub const OPEN_CALLS: &[&str] = &[
    "builtins.open",
    "io.open",
    "io.open_code",
    "os.open",
    "os.fdopen",
    "codecs.open",
    "gzip.open",
    "gzip.GzipFile",
    "bz2.open",
    "bz2.BZ2File",
    "lzma.open",
    "lzma.LZMAFile",
    "tarfile.open",
    "tarfile.TarFile.open",
    "zipfile.ZipFile",
    "shelve.open",
    "dbm.open",
    // `SpooledTemporaryFile` stays in memory until it grows past `max_size`: not listed.
    "tempfile.TemporaryFile",
    "tempfile.NamedTemporaryFile",
    "tempfile.mkstemp",
];

/// Open calls whose first argument (or `fileobj=`) may be a file object instead of a path: with
/// an in-memory buffer they do no disk I/O.
pub const ACCEPTS_FILE_OBJECT: &[&str] = &[
    "gzip.open",
    "gzip.GzipFile",
    "bz2.open",
    "bz2.BZ2File",
    "lzma.open",
    "lzma.LZMAFile",
    "tarfile.open",
    "tarfile.TarFile.open",
    "zipfile.ZipFile",
];

/// In-memory file types: a file API wrapped around one of them does no disk I/O.
pub const IN_MEMORY_FILE_TYPES: &[&str] = &["io.BytesIO", "io.StringIO"];

/// Filesystem calls that touch the disk (ASY004). Not the pure `os.path` functions (`join`,
/// `basename`, `dirname`, `split`, `splitext`, `normpath`, `abspath`, `expanduser`, `relpath`,
/// `commonpath`, ...), which only compute strings.
pub const FILESYSTEM_CALLS: &[&str] = &[
    "os.path.exists",
    "os.path.lexists",
    "os.path.isfile",
    "os.path.isdir",
    "os.path.islink",
    "os.path.ismount",
    "os.path.isjunction",
    "os.path.isdevdrive",
    "os.path.getsize",
    "os.path.getmtime",
    "os.path.getatime",
    "os.path.getctime",
    "os.path.realpath",
    "os.path.samefile",
    "os.path.sameopenfile",
    "os.stat",
    "os.lstat",
    "os.statvfs",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.fwalk",
    "os.remove",
    "os.unlink",
    "os.rename",
    "os.renames",
    "os.replace",
    "os.mkdir",
    "os.makedirs",
    "os.rmdir",
    "os.removedirs",
    "os.chmod",
    "os.lchmod",
    "os.chown",
    "os.lchown",
    "os.chflags",
    "os.symlink",
    "os.link",
    "os.readlink",
    "os.access",
    "os.utime",
    "os.truncate",
    "os.mkfifo",
    "os.mknod",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copymode",
    "shutil.copystat",
    "shutil.copytree",
    "shutil.move",
    "shutil.rmtree",
    "shutil.make_archive",
    "shutil.unpack_archive",
    "shutil.disk_usage",
    "shutil.chown",
    "shutil.which",
    "glob.glob",
    "glob.iglob",
    "tempfile.mkdtemp",
    "tempfile.TemporaryDirectory",
];

/// Modules that are `os.path` under another name.
const OS_PATH_ALIASES: &[&str] = &["posixpath.", "ntpath.", "genericpath."];

/// Is `qualified` a filesystem call that touches the disk (ASY004)? `posixpath.exists` and
/// `ntpath.exists` count as `os.path.exists`.
pub fn is_filesystem_call(qualified: &str) -> bool {
    if FILESYSTEM_CALLS.contains(&qualified) {
        return true;
    }
    OS_PATH_ALIASES.iter().any(|alias| {
        qualified.strip_prefix(alias).is_some_and(|member| {
            FILESYSTEM_CALLS
                .iter()
                .any(|name| name.strip_prefix("os.path.") == Some(member))
        })
    })
}

/// Reading from the console (ASY006).
pub const INPUT_CALLS: &[&str] = &[
    "builtins.input",
    "sys.stdin.read",
    "sys.stdin.readline",
    "sys.stdin.readlines",
    "sys.stdin.buffer.read",
    "sys.stdin.buffer.readline",
    "sys.stdin.buffer.readlines",
    "getpass.getpass",
];

/// Concrete `pathlib` path types (not `PurePath`, which does no I/O).
pub const PATH_TYPES: &[&str] = &["pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"];

/// Members of a path that return another path of the same type (`Path.cwd()` included).
pub const PATH_RETURNING_MEMBERS: &[&str] = &[
    "parent",
    "resolve",
    "absolute",
    "expanduser",
    "with_name",
    "with_suffix",
    "with_stem",
    "with_segments",
    "joinpath",
    "relative_to",
    "cwd",
    "home",
];

/// `pathlib.Path` methods that open a file (ASY003).
pub const PATH_OPEN_METHODS: &[&str] = &[
    "open",
    "read_text",
    "write_text",
    "read_bytes",
    "write_bytes",
];

/// `pathlib.Path` methods that touch the disk without opening a file (ASY004).
pub const PATH_FILESYSTEM_METHODS: &[&str] = &[
    "exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "is_mount",
    "is_socket",
    "is_fifo",
    "is_block_device",
    "is_char_device",
    "is_junction",
    "stat",
    "lstat",
    "owner",
    "group",
    "iterdir",
    "glob",
    "rglob",
    "walk",
    "mkdir",
    "unlink",
    "rmdir",
    "rename",
    "replace",
    "touch",
    "resolve",
    "samefile",
    "chmod",
    "lchmod",
    "readlink",
    "symlink_to",
    "hardlink_to",
    "link_to",
    "copy",
    "copy_into",
    "move",
    "move_into",
];

/// Is `qualified` one of the path types, possibly followed by members that return a path
/// (`pathlib.Path`, `pathlib.Path.cwd`, `pathlib.Path.resolve.parent`)? This is how
/// `Context::type_of` names the value of `Path(x).resolve()`.
pub fn is_path_type(qualified: &str) -> bool {
    PATH_TYPES.iter().any(|ty| {
        qualified.strip_prefix(ty).is_some_and(|rest| {
            rest.is_empty()
                || rest.strip_prefix('.').is_some_and(|members| {
                    members
                        .split('.')
                        .all(|member| PATH_RETURNING_MEMBERS.contains(&member))
                })
        })
    })
}

/// The names in `threads::OFFLOAD_APIS`, for code written before the offload tables merged
/// (`OFFLOAD_CALLS.contains(&name)`); new code asks `Context::offload_api`.
pub const OFFLOAD_CALLS: OffloadNames = OffloadNames(threads::OFFLOAD_APIS);

/// The method names in `threads::OFFLOAD_METHODS`, as [`OFFLOAD_CALLS`].
pub const OFFLOAD_METHODS: OffloadNames = OffloadNames(threads::OFFLOAD_METHODS);

/// The names of an offload table.
pub struct OffloadNames(&'static [(&'static str, threads::Offload)]);

impl OffloadNames {
    pub fn contains(&self, name: &&str) -> bool {
        self.0.iter().any(|(known, _)| known == name)
    }
}

/// Calls that exhaust the iterator passed as their first argument (`list(os.walk(p))`).
pub const CONSUMING_BUILTINS: &[&str] = &[
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "dict",
    "next",
    "any",
    "all",
    "sum",
    "max",
    "min",
];

/// Calls that return a lazy iterator: no I/O happens until it is iterated.
pub const LAZY_ITERATORS: &[&str] = &[
    "os.walk",
    "os.fwalk",
    "glob.iglob",
    "pathlib.Path.iterdir",
    "pathlib.Path.glob",
    "pathlib.Path.rglob",
    "pathlib.Path.walk",
];

/// Test frameworks: a module that imports one at module level is test code. (`unittest` is
/// recognised by the base class instead: production modules import `unittest.mock`.)
pub const TEST_MODULES: &[&str] = &["pytest", "pytest_asyncio"];

/// The last segments of every name in `tables`, for a cheap first test of `x.<member>(...)`
/// calls before resolving `x`.
fn members(tables: &[&[&'static str]]) -> FxHashSet<&'static str> {
    tables
        .iter()
        .flat_map(|table| table.iter())
        .map(|name| name.rsplit('.').next().unwrap_or(name))
        .collect()
}

/// Can a method call named `member` be a blocking HTTP call? (False rules it out; true means
/// resolve the receiver.)
pub fn may_be_http_member(member: &str) -> bool {
    static MEMBERS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    MEMBERS
        .get_or_init(|| {
            let mut tables: Vec<&[&'static str]> = vec![HTTP_VERBS, HTTP_FUNCTIONS];
            tables.extend(HTTP_CLIENT_TYPES.iter().map(|(_, methods)| *methods));
            members(&tables)
        })
        .contains(member)
}

/// Can a method call named `member` open a file (ASY003)?
pub fn may_be_open_member(member: &str) -> bool {
    static MEMBERS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    MEMBERS
        .get_or_init(|| members(&[OPEN_CALLS, PATH_OPEN_METHODS]))
        .contains(member)
}

/// Can a method call named `member` be a filesystem call (ASY004)?
pub fn may_be_filesystem_member(member: &str) -> bool {
    static MEMBERS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    MEMBERS
        .get_or_init(|| members(&[FILESYSTEM_CALLS, PATH_FILESYSTEM_METHODS]))
        .contains(member)
}

/// Can a method call named `member` read the console (ASY006)?
pub fn may_be_input_member(member: &str) -> bool {
    static MEMBERS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    MEMBERS
        .get_or_init(|| members(&[INPUT_CALLS]))
        .contains(member)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_calls() {
        for name in [
            "requests.get",
            "requests.api.post",
            "requests.Session.get",
            "requests.session.send",
            "httpx.stream",
            "httpx.Client.stream",
            "urllib3.PoolManager.request",
            "urllib.request.urlopen",
            "http.client.HTTPSConnection.getresponse",
        ] {
            assert!(is_blocking_http_call(name), "{name}");
        }
        for name in [
            "httpx.AsyncClient.get",
            "requests.Session",
            "http.client.HTTPConnection",
            "requests.Response.json",
            "httpx.Client.close",
        ] {
            assert!(!is_blocking_http_call(name), "{name}");
        }
    }

    #[test]
    fn filesystem_calls() {
        assert!(is_filesystem_call("os.path.exists"));
        assert!(is_filesystem_call("posixpath.isfile"));
        assert!(!is_filesystem_call("os.path.join"));
        assert!(!is_filesystem_call("posixpath.join"));
        assert!(!is_filesystem_call("os.getcwd"));
    }

    #[test]
    fn path_types() {
        assert!(is_path_type("pathlib.Path"));
        assert!(is_path_type("pathlib.Path.cwd"));
        assert!(is_path_type("pathlib.PosixPath.resolve.parent"));
        assert!(!is_path_type("pathlib.PurePath"));
        assert!(!is_path_type("pathlib.Path.read_text"));
        assert!(!is_path_type("pathlib.Pathological"));
    }

    #[test]
    fn member_guards() {
        assert!(may_be_http_member("get"));
        assert!(may_be_http_member("getresponse"));
        assert!(may_be_http_member("urlopen"));
        assert!(!may_be_http_member("append"));
        assert!(may_be_open_member("read_text"));
        assert!(may_be_open_member("ZipFile"));
        assert!(!may_be_open_member("read"));
        assert!(may_be_filesystem_member("exists"));
        assert!(may_be_filesystem_member("rmtree"));
        assert!(!may_be_filesystem_member("join"));
        assert!(may_be_input_member("readline"));
        assert!(!may_be_input_member("write"));
    }
}
