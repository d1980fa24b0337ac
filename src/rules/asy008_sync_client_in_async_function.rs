//! ASY008 sync-client-in-async-function: creating or using a synchronous database, cache,
//! queue, cloud or API client in async code.
//!
//! A client whose constructor connects (`psycopg2.connect(...)`, `boto3.client(...)`) is
//! reported there. A lazy one (`redis.Redis()`, `create_engine(...)`), which connects on its
//! first call, is reported at its first method call in the function, so that a client only made
//! here and handed on is not. Each method call of a client made elsewhere (a module global,
//! `self.db` set in `__init__`) is reported, since nothing in the function shows it being made.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashSet as HashSet;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_clients::{
    client_constructed_by, client_of_type, is_quiet_client_method, Construction, SyncClient,
    ASYNC_URL_DRIVERS, CHAINED_CLIENT_PACKAGES, SESSIONMAKER_SESSION, SESSION_FACTORIES,
    SYNC_CLIENTS, SYNC_CLIENT_FUNCTIONS,
};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct SyncClientInAsyncFunction {
    /// Lazy clients made in this file whose first use was reported (by constructor call).
    reported: HashSet<TextRange>,
}

/// How a call involves a synchronous client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCallKind {
    /// The call builds a client and connects (`psycopg2.connect(...)`).
    Create,
    /// The call is a method of a client. `made_at` is the constructor call of a lazy client made
    /// in the current function (`r = redis.Redis(); r.get(k)`), so that callers report only its
    /// first use; `None` for a client made elsewhere (`self.db.execute(...)`).
    Use {
        method: String,
        made_at: Option<TextRange>,
    },
    /// A module function that goes through the library's default client
    /// (`openai.chat.completions.create(...)`).
    Function,
}

/// A call that creates or uses a synchronous client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCall {
    pub client: &'static SyncClient,
    /// The qualified name called (`psycopg2.connect`, `redis.Redis.get`).
    pub name: String,
    pub kind: ClientCallKind,
}

impl ClientCall {
    /// Whether to report this call, given the lazy clients already reported (updated).
    pub fn is_first_report(&self, reported: &mut HashSet<TextRange>) -> bool {
        match self.kind {
            ClientCallKind::Use {
                made_at: Some(made_at),
                ..
            } => reported.insert(made_at),
            _ => true,
        }
    }
}

/// Classifies a call against a table of synchronous clients, wherever it is (the caller decides
/// whether it is in async code, and reports a lazy client's uses once; see
/// [`ClientCall::is_first_report`]). Not for names in `allowed-blocking-calls`.
pub fn client_call(
    call: &ast::ExprCall,
    ctx: &Context,
    table: &'static [SyncClient],
) -> Option<ClientCall> {
    let found =
        created_client(call, ctx, table, false).or_else(|| used_client(call, ctx, table, false))?;
    (!ctx.settings().is_allowed_blocking_call(&found.name)).then_some(found)
}

/// Classifies a call as creating or using a synchronous database, cache, queue, cloud or API
/// client (the ASY008 table, module functions that use a default client, and sessions of a
/// sync SQLAlchemy `sessionmaker`), wherever it is.
pub fn sync_client_call(call: &ast::ExprCall, ctx: &Context) -> Option<ClientCall> {
    let found = module_function(call, ctx)
        .or_else(|| created_client(call, ctx, SYNC_CLIENTS, true))
        .or_else(|| used_client(call, ctx, SYNC_CLIENTS, true))?;
    (!ctx.settings().is_allowed_blocking_call(&found.name)).then_some(found)
}

/// `openai.chat.completions.create(...)`: the library's default client.
fn module_function(call: &ast::ExprCall, ctx: &Context) -> Option<ClientCall> {
    let func = simple_callee(call)?;
    if !may_name_one_of(func, SYNC_CLIENT_FUNCTIONS) {
        return None;
    }
    let name = ctx.qualified_name(func)?;
    let client = client_constructed_by(SYNC_CLIENT_FUNCTIONS, &name)?;
    Some(ClientCall {
        client,
        name,
        kind: ClientCallKind::Function,
    })
}

/// The callee, when it is a name or an attribute (every API in the tables is).
fn simple_callee(call: &ast::ExprCall) -> Option<&Expr> {
    matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)).then_some(call.func.as_ref())
}

/// A cheap test before resolving names: does an attribute callee end with the last part of
/// one of `table`'s names (`.connect` for `psycopg2.connect`)? A plain name can be an alias
/// (`from redis import Redis as R`), so it always passes.
fn may_name_one_of(func: &Expr, table: &[SyncClient]) -> bool {
    let Expr::Attribute(attribute) = func else {
        return true;
    };
    let last = attribute.attr.as_str();
    table
        .iter()
        .any(|client| client.constructor.rsplit('.').next() == Some(last))
}

/// The client a call constructs: one of `table`'s constructors, or with `sessions` a call of a
/// sync `sessionmaker`. Not an async engine URL or an in-memory SQLite database.
fn constructed(
    call: &ast::ExprCall,
    ctx: &Context,
    table: &'static [SyncClient],
    sessions: bool,
) -> Option<&'static SyncClient> {
    let func = simple_callee(call)?;
    let client = match may_name_one_of(func, table)
        .then(|| ctx.qualified_name(func))
        .flatten()
        .and_then(|name| client_constructed_by(table, &name))
    {
        Some(client) => client,
        None if sessions && is_sessionmaker(func, ctx) => &SESSIONMAKER_SESSION,
        None => return None,
    };
    (!is_async_or_in_memory(call, client, ctx)).then_some(client)
}

/// Does this constructor call connect?
fn connects(call: &ast::ExprCall, client: &SyncClient) -> bool {
    match client.construction {
        Construction::Connects => true,
        Construction::Lazy => false,
        Construction::ConnectsWithHost => {
            !call.arguments.args.is_empty() || call.arguments.find_keyword("host").is_some()
        }
    }
}

fn created_client(
    call: &ast::ExprCall,
    ctx: &Context,
    table: &'static [SyncClient],
    sessions: bool,
) -> Option<ClientCall> {
    let client = constructed(call, ctx, table, sessions)?;
    if !connects(call, client) {
        return None;
    }
    Some(ClientCall {
        client,
        name: client.constructor.to_string(),
        kind: ClientCallKind::Create,
    })
}

fn used_client(
    call: &ast::ExprCall,
    ctx: &Context,
    table: &'static [SyncClient],
    sessions: bool,
) -> Option<ClientCall> {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return None;
    };
    let (receiver, chained) = strip_attributes(attribute.value.as_ref(), ctx);
    let method = attribute.attr.as_str();
    let (client, name, made_at) = if matches!(receiver, Expr::Name(_) | Expr::Attribute(_))
        && ctx.produced_elsewhere(receiver)
    {
        // Made elsewhere: by its type (`self.db` built by `psycopg2.connect` in `__init__`).
        match ctx.type_of(receiver) {
            Some(ty) => {
                let client = client_of_type(table, &ty)?;
                (client, format!("{ty}.{method}"), None)
            }
            None if sessions && is_session(receiver, ctx) => (
                &SESSIONMAKER_SESSION,
                format!("{}.{method}", SESSIONMAKER_SESSION.constructor),
                None,
            ),
            None => return None,
        }
    } else {
        // Made here: a lazy client, whose constructor was not reported.
        let made = match receiver {
            Expr::Call(made) => made,
            Expr::Name(_) => match ctx.value_of(receiver)? {
                Expr::Call(made) => made,
                _ => return None,
            },
            _ => return None,
        };
        let client = constructed(made, ctx, table, sessions)?;
        if connects(made, client) {
            return None;
        }
        (
            client,
            format!("{}.{method}", client.constructor),
            Some(made.range()),
        )
    };
    if chained && !CHAINED_CLIENT_PACKAGES.contains(&client.package) {
        return None;
    }
    if is_quiet_client_method(client.package, method) {
        return None;
    }
    Some(ClientCall {
        client,
        name,
        kind: ClientCallKind::Use {
            method: method.to_string(),
            made_at,
        },
    })
}

/// The object an attribute chain starts from (`client` for `client.shop.orders`, `self.client`
/// for `self.client.shop`), and whether there was a chain.
fn strip_attributes<'e>(mut expr: &'e Expr, ctx: &Context) -> (&'e Expr, bool) {
    let mut chained = false;
    while let Expr::Attribute(attribute) = expr {
        let is_self_attribute = matches!(
            attribute.value.as_ref(),
            Expr::Name(base) if matches!(ctx.lookup(base.id.as_str()), Some(Binding::SelfParameter))
        );
        if is_self_attribute {
            break;
        }
        expr = &attribute.value;
        chained = true;
    }
    (expr, chained)
}

/// `create_engine("postgresql+asyncpg://...")` is the sync core of an `AsyncEngine`;
/// `sqlite3.connect(":memory:")` never touches the disk.
fn is_async_or_in_memory(call: &ast::ExprCall, client: &SyncClient, ctx: &Context) -> bool {
    let Some(first) = call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .first()
            .map(|keyword| &keyword.value)
    }) else {
        return false;
    };
    let text = ctx.text(first.range());
    match client.package {
        "SQLAlchemy" => ASYNC_URL_DRIVERS.iter().any(|driver| text.contains(driver)),
        "sqlite3" => text.contains(":memory:"),
        _ => false,
    }
}

/// Is `func` (a name or `self.<attr>`) a `sessionmaker(...)` whose sessions are sync ones?
fn is_sessionmaker(func: &Expr, ctx: &Context) -> bool {
    let Some(Expr::Call(factory)) = ctx.value_of(func) else {
        return false;
    };
    let makes_sessions = simple_callee(factory)
        .and_then(|callee| ctx.qualified_name(callee))
        .is_some_and(|name| SESSION_FACTORIES.contains(&name.as_str()));
    makes_sessions && factory.arguments.find_keyword("class_").is_none()
}

/// Is `expr` bound to a call of a sync `sessionmaker` (`session = Session()`)?
fn is_session(expr: &Expr, ctx: &Context) -> bool {
    matches!(ctx.value_of(expr), Some(Expr::Call(made)) if is_sessionmaker(&made.func, ctx))
}

/// What to use instead, in the file's library: the async client, or a worker thread where the
/// async client does not run under trio.
pub fn advice(client: &SyncClient, library: Library) -> String {
    if client.instead.is_empty() || (library != Library::Asyncio && !client.portable) {
        run_in_thread_advice(library)
    } else {
        format!("use {}", client.instead)
    }
}

impl Rule for SyncClientInAsyncFunction {
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
        let Some(found) = sync_client_call(call, ctx) else {
            return;
        };
        if left_alone(call, ctx) {
            return;
        }
        if found.is_first_report(&mut self.reported) {
            out.push(diagnostic("ASY008", call, &found, ctx.library()));
        }
    }
}

/// The finding for a client call (ASY007 reports standard-library protocol clients the same way).
pub fn diagnostic(
    code: &'static str,
    call: &ast::ExprCall,
    found: &ClientCall,
    library: Library,
) -> Diagnostic {
    let advice = advice(found.client, library);
    let package = found.client.package;
    let message = match &found.kind {
        ClientCallKind::Create => format!(
            "Synchronous `{package}` client created with `{}()` in async function; its calls block the event loop; {advice}",
            found.name
        ),
        ClientCallKind::Use { method, .. } => format!(
            "Call to `{method}()` of a synchronous `{package}` client in async function blocks the event loop; {advice}"
        ),
        ClientCallKind::Function => format!(
            "`{}()` uses the synchronous `{package}` client in async function and blocks the event loop; {advice}",
            found.name
        ),
    };
    let mut help = advice;
    if let Some(first) = help.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Diagnostic::new(code, call.range(), message).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linter::{check_source, finding_messages as messages, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source = "import sqlite3, redis\n\nasync def f():\n    sqlite3.connect('x.db')\n    redis.Redis().get('k')\n";
        let mut settings = Settings::only("ASY008").unwrap();
        assert_eq!(messages(source, &settings).len(), 2);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("sqlite3.*").unwrap()];
        assert_eq!(
            messages(source, &settings),
            ["Call to `get()` of a synchronous `redis` client in async function blocks the event loop; use `redis.asyncio.Redis`"]
        );
        settings
            .allowed_blocking_calls
            .push(QualifiedNamePattern::new("redis.Redis.get").unwrap());
        assert!(messages(source, &settings).is_empty());
    }

    #[test]
    fn a_lazy_client_is_reported_at_its_first_use_only() {
        let source = "import redis\n\nasync def f():\n    r = redis.Redis()\n    r.set('k', 1)\n    r.get('k')\n\nasync def g():\n    r = redis.Redis()\n    r.get('k')\n";
        let settings = Settings::only("ASY008").unwrap();
        let diagnostics =
            check_source(source, settings.rules, &settings, FixMode::Check).diagnostics;
        let lines: Vec<usize> = diagnostics
            .iter()
            .map(|d| source[..d.range.start().to_usize()].lines().count())
            .collect();
        assert_eq!(lines, [5, 10]);
    }

    #[test]
    fn advice_depends_on_the_library() {
        let redis = client_constructed_by(SYNC_CLIENTS, "redis.Redis").unwrap();
        assert_eq!(advice(redis, Library::Asyncio), "use `redis.asyncio.Redis`");
        assert_eq!(
            advice(redis, Library::Trio),
            "run it in a thread with `await trio.to_thread.run_sync(...)`"
        );
        let openai = client_constructed_by(SYNC_CLIENTS, "openai.OpenAI").unwrap();
        assert_eq!(advice(openai, Library::AnyIO), "use `openai.AsyncOpenAI`");
    }
}
