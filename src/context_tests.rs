//! Tests of what the context tells rules, through a probe that records what it says at every
//! call.

use std::path::Path;

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::context::testing::{at_calls, at_calls_in};
use crate::context::{Context, Library};

/// What the context said at one call.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    call: String,
    qualified: Option<String>,
    in_async: bool,
    awaited: bool,
    can_await: bool,
    library: Library,
}

fn see(call: &ast::ExprCall, ctx: &Context) -> Option<Seen> {
    Some(Seen {
        call: ctx.text(call.func.range()).to_string(),
        qualified: ctx.qualified_name(&call.func),
        in_async: ctx.in_async_function(),
        awaited: ctx.is_awaited(),
        can_await: ctx.can_prefix_await(call.range()),
        library: ctx.library(),
    })
}

fn probe(source: &str) -> Vec<Seen> {
    at_calls(source, see)
}

/// The library the context says a file is written against (the source needs one call).
fn library(source: &str, path: Option<&Path>) -> Library {
    at_calls_in(source, path, see)[0].library
}

/// The qualified name the context gives the call whose callee text is `callee`.
fn qualified(source: &str, callee: &str) -> Option<String> {
    probe(source)
        .into_iter()
        .find(|s| s.call == callee)
        .unwrap_or_else(|| panic!("no call `{callee}`"))
        .qualified
}

#[test]
fn resolves_imports_and_aliases() {
    let source = "import time as t\nfrom os.path import exists as e\nimport os.path\nt.sleep(1)\ne('x')\nos.path.join('a')\n";
    assert_eq!(qualified(source, "t.sleep").as_deref(), Some("time.sleep"));
    assert_eq!(qualified(source, "e").as_deref(), Some("os.path.exists"));
    assert_eq!(
        qualified(source, "os.path.join").as_deref(),
        Some("os.path.join")
    );
}

#[test]
fn builtins_resolve_unless_shadowed() {
    assert_eq!(
        qualified("open('x')\n", "open").as_deref(),
        Some("builtins.open")
    );
    let shadowed = "def f(open):\n    open('x')\n";
    assert_eq!(qualified(shadowed, "open"), None);
    assert_eq!(qualified("unknown()\n", "unknown"), None);
}

#[test]
fn local_bindings_shadow_imports() {
    let assign = "import time\nasync def f():\n    time = Clock()\n    time.sleep(1)\n";
    assert_eq!(qualified(assign, "time.sleep"), None);
    let walrus = "import time\nasync def f():\n    (time := Clock())\n    time.sleep(1)\n";
    assert_eq!(qualified(walrus, "time.sleep"), None);
    let for_target = "import time\nfor time in xs:\n    time.sleep(1)\n";
    assert_eq!(qualified(for_target, "time.sleep"), None);
}

#[test]
fn functions_see_module_imports_below_them_and_their_own_imports() {
    let below = "async def f():\n    sleep(1)\n\nfrom time import sleep\n";
    assert_eq!(qualified(below, "sleep").as_deref(), Some("time.sleep"));
    let inside = "async def f():\n    import time as clock\n    clock.sleep(1)\n";
    assert_eq!(
        qualified(inside, "clock.sleep").as_deref(),
        Some("time.sleep")
    );
}

#[test]
fn known_types_of_locals_with_targets_and_self_attributes() {
    let local = "import requests\nasync def f():\n    s = requests.Session()\n    s.get('u')\n";
    assert_eq!(
        qualified(local, "s.get").as_deref(),
        Some("requests.Session.get")
    );
    let with = "import httpx\nasync def f():\n    with httpx.Client() as c:\n        c.get('u')\n";
    assert_eq!(
        qualified(with, "c.get").as_deref(),
        Some("httpx.Client.get")
    );
    let chained = "import requests\nrequests.Session().get('u')\n";
    assert_eq!(
        qualified(chained, "requests.Session().get").as_deref(),
        Some("requests.Session.get")
    );
    let attribute = "import threading\nclass A:\n    def __init__(self):\n        self._lock = None\n        self._lock = threading.Lock()\n    async def f(self):\n        self._lock.acquire()\n";
    assert_eq!(
        qualified(attribute, "self._lock.acquire").as_deref(),
        Some("threading.Lock.acquire")
    );
    let loop_ =
        "import asyncio\nloop = asyncio.get_event_loop()\nloop.run_until_complete(main())\n";
    assert_eq!(
        qualified(loop_, "loop.run_until_complete").as_deref(),
        Some("asyncio.AbstractEventLoop.run_until_complete")
    );
}

#[test]
fn two_different_values_make_the_type_unknown() {
    let source = "import requests, httpx\nasync def f(flag):\n    s = requests.Session()\n    s = httpx.Client()\n    s.get('u')\n";
    assert_eq!(qualified(source, "s.get"), None);
}

#[test]
fn async_code_is_the_innermost_function_only() {
    let source = "async def f():\n    a()\n    [b() for _ in x]\n    def g():\n        c()\n    lambda: d()\n    class K:\n        e()\ndef h():\n    i()\n";
    let seen = probe(source);
    let in_async: Vec<(String, bool)> = seen.into_iter().map(|s| (s.call, s.in_async)).collect();
    assert_eq!(
        in_async,
        [
            ("a", true),
            ("b", true),
            ("c", false),
            ("d", false),
            ("e", false),
            ("i", false)
        ]
        .map(|(c, a)| (c.to_string(), a))
    );
}

#[test]
fn await_position_facts() {
    let source = "async def f():\n    await a()\n    b().x\n    c()[0]\n    d()()\n    x = e() + 1\n    list(g() for _ in y)\n";
    let seen = probe(source);
    let facts: Vec<(String, bool, bool)> = seen
        .into_iter()
        .map(|s| (s.call, s.awaited, s.can_await))
        .collect();
    let expected = [
        ("a", true, true),
        ("b", false, false),
        ("c", false, false),
        ("d()", false, true),
        ("d", false, false),
        ("e", false, true),
        ("list", false, true),
        ("g", false, false),
    ];
    assert_eq!(facts, expected.map(|(c, a, w)| (c.to_string(), a, w)));
}

#[test]
fn library_from_imports() {
    assert_eq!(library("import trio\nf()\n", None), Library::Trio);
    assert_eq!(
        library("from anyio import sleep\nf()\n", None),
        Library::AnyIO
    );
    assert_eq!(library("import asyncio\nf()\n", None), Library::Asyncio);
    assert_eq!(library("x = f()\n", None), Library::Asyncio);
}

#[test]
fn library_of_trio_and_anyio_own_modules() {
    let root = tempfile::tempdir().unwrap();
    for package in [
        "src/trio",
        "src/trio/_core",
        "anyio",
        "anyio/streams",
        "plain/trio",
    ] {
        std::fs::create_dir_all(root.path().join(package)).unwrap();
    }
    for package in ["src/trio", "src/trio/_core", "anyio", "anyio/streams"] {
        std::fs::write(root.path().join(package).join("__init__.py"), "").unwrap();
    }
    let relative = "from .. import _core\nf()\n";
    let at = |file: &str| library(relative, Some(&root.path().join(file)));
    assert_eq!(at("src/trio/_core/_run.py"), Library::Trio);
    assert_eq!(at("src/trio/_timeouts.py"), Library::Trio);
    assert_eq!(at("anyio/streams/tls.py"), Library::AnyIO);
    // A directory named `trio` that is not a package, and files outside such directories.
    assert_eq!(at("plain/trio/app.py"), Library::Asyncio);
    assert_eq!(at("app.py"), Library::Asyncio);
    // What the file imports wins: anyio's asyncio backend is asyncio code.
    let backend = "import asyncio\nfrom .. import abc\nf()\n";
    let path = root.path().join("anyio/streams/_asyncio.py");
    assert_eq!(library(backend, Some(&path)), Library::Asyncio);
}

#[test]
fn self_referencing_bindings_end() {
    let source = "async def f(x):\n    x = x.next()\n    x = x.next()\n    x.close()\n";
    assert_eq!(qualified(source, "x.close"), None);
    let attribute = "class A:\n    def f(self):\n        self.a = self.a.b()\n        self.a.c()\n";
    assert_eq!(qualified(attribute, "self.a.c"), None);
}
