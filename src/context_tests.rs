//! Tests of what the context tells rules, through a probe rule that records every call.

use ruff_python_ast::{self as ast, PySourceType};
use ruff_python_parser::parse_unchecked_source;
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::rules::{Hooks, Report, Rule};
use crate::settings::Settings;
use crate::walker::{RuleHooks, Walker};

/// What the context said at one call.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    call: String,
    qualified: Option<String>,
    in_async: bool,
    awaited: bool,
    can_await: bool,
}

#[derive(Default)]
struct Probe {
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl Rule for Probe {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
        self.seen.lock().unwrap().push(Seen {
            call: ctx.text(call.func.range()).to_string(),
            qualified: ctx.qualified_name(&call.func),
            in_async: ctx.in_async_function(),
            awaited: ctx.is_awaited(),
            can_await: ctx.can_prefix_await(call.range()),
        });
    }
}

fn probe(source: &str) -> (Vec<Seen>, Library) {
    let parsed = parse_unchecked_source(source, PySourceType::Python);
    assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
    let probe = Probe::default();
    let seen = probe.seen.clone();
    let settings = Settings::default();
    let ctx = Context::new(source, parsed.syntax(), &settings);
    let library = ctx.library();
    let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
    walker.walk_module(parsed.syntax());
    drop(walker);
    let seen = seen.lock().unwrap().clone();
    (seen, library)
}

/// The qualified name the context gives the call whose callee text is `callee`.
fn qualified(source: &str, callee: &str) -> Option<String> {
    let (seen, _) = probe(source);
    seen.into_iter()
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
    let (seen, _) = probe(source);
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
    let (seen, _) = probe(source);
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
    assert_eq!(probe("import trio\n").1, Library::Trio);
    assert_eq!(probe("from anyio import sleep\n").1, Library::AnyIO);
    assert_eq!(probe("import asyncio\n").1, Library::Asyncio);
    assert_eq!(probe("x = 1\n").1, Library::Asyncio);
}

#[test]
fn self_referencing_bindings_end() {
    let source = "async def f(x):\n    x = x.next()\n    x = x.next()\n    x.close()\n";
    assert_eq!(qualified(source, "x.close"), None);
    let attribute = "class A:\n    def f(self):\n        self.a = self.a.b()\n        self.a.c()\n";
    assert_eq!(qualified(attribute, "self.a.c"), None);
}
