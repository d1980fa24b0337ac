//! Facts about structured-concurrency blocks, shared by the task and cancellation rules: is this
//! `with` a task group (`asyncio.TaskGroup()`, `trio.open_nursery()`,
//! `anyio.create_task_group()`) or a cancel scope (`asyncio.timeout()`, `trio.move_on_after()`,
//! `anyio.CancelScope()`, …), and which such blocks enclose the current node.
//!
//! The `with` item is classified by the type of its context expression, so a call
//! (`async with asyncio.TaskGroup() as tg`), a local bound to one (`scope = trio.CancelScope()`
//! then `with scope:`) and `self.x` assigned in the class all count.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use crate::context::{Context, Library};
use crate::names;
use crate::scope::Binding;

/// What a structured-concurrency block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredKind {
    /// Owns child tasks and waits for them when the block exits.
    TaskGroup,
    /// Cancels the code in its body (a timeout or an explicit cancel scope).
    CancelScope,
    /// A third-party context manager that runs a task group or cancel scope inside it
    /// (`trio_websocket.open_websocket`, `asgi_lifespan.LifespanManager`, …).
    Wrapper,
}

/// A known structured-concurrency API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructuredApi {
    /// The canonical qualified name (`asyncio.TaskGroup`, `trio.open_nursery`).
    pub name: &'static str,
    pub kind: StructuredKind,
    /// The library whose task semantics apply; `None` for third-party wrappers.
    pub library: Option<Library>,
}

impl StructuredApi {
    /// How messages call the block: "task group", "nursery", "cancel scope" or "timeout".
    pub fn noun(&self) -> &'static str {
        match (self.kind, self.library) {
            (StructuredKind::TaskGroup, Some(Library::Trio)) => "nursery",
            (StructuredKind::TaskGroup, _) => "task group",
            (StructuredKind::CancelScope, Some(Library::Asyncio)) => "timeout",
            (StructuredKind::CancelScope, _) => "cancel scope",
            (StructuredKind::Wrapper, _) => "context manager",
        }
    }
}

const fn api(name: &'static str, kind: StructuredKind, library: Option<Library>) -> StructuredApi {
    StructuredApi {
        name,
        kind,
        library,
    }
}

use StructuredKind::{CancelScope, TaskGroup, Wrapper};

/// Every known task group and cancel scope constructor (asyncio names canonical).
pub const STRUCTURED_APIS: &[StructuredApi] = &[
    api("asyncio.TaskGroup", TaskGroup, Some(Library::Asyncio)),
    api("trio.open_nursery", TaskGroup, Some(Library::Trio)),
    api("anyio.create_task_group", TaskGroup, Some(Library::AnyIO)),
    api("asyncio.timeout", CancelScope, Some(Library::Asyncio)),
    api("asyncio.timeout_at", CancelScope, Some(Library::Asyncio)),
    api("asyncio.Timeout", CancelScope, Some(Library::Asyncio)),
    api("async_timeout.timeout", CancelScope, Some(Library::Asyncio)),
    api(
        "async_timeout.timeout_at",
        CancelScope,
        Some(Library::Asyncio),
    ),
    api("trio.move_on_after", CancelScope, Some(Library::Trio)),
    api("trio.move_on_at", CancelScope, Some(Library::Trio)),
    api("trio.fail_after", CancelScope, Some(Library::Trio)),
    api("trio.fail_at", CancelScope, Some(Library::Trio)),
    api("trio.CancelScope", CancelScope, Some(Library::Trio)),
    api("anyio.move_on_after", CancelScope, Some(Library::AnyIO)),
    api("anyio.fail_after", CancelScope, Some(Library::AnyIO)),
    api("anyio.CancelScope", CancelScope, Some(Library::AnyIO)),
    api("trio_websocket.open_websocket", Wrapper, None),
    api("trio_websocket.open_websocket_url", Wrapper, None),
    api("trio_websocket.serve_websocket", Wrapper, None),
    api("trio_asyncio.open_loop", Wrapper, None),
    api("trio_util.move_on_when", Wrapper, None),
    api("trio_util.run_and_cancelling", Wrapper, None),
    api("anyio.from_thread.BlockingPortal", Wrapper, None),
    api("anyio.from_thread.start_blocking_portal", Wrapper, None),
    api("asgi_lifespan.LifespanManager", Wrapper, None),
];

/// The structured-concurrency API a qualified name refers to.
pub fn structured_api(qualified: &str) -> Option<&'static StructuredApi> {
    let canonical = names::canonical_asyncio_name(qualified);
    STRUCTURED_APIS
        .iter()
        .find(|api| api.name == canonical.as_ref())
}

/// One `with` item that opens a task group or cancel scope.
#[derive(Debug, Clone, Copy)]
pub struct StructuredItem<'a> {
    pub api: &'static StructuredApi,
    /// The `with` statement.
    pub with: &'a ast::StmtWith,
    /// The item itself (`asyncio.TaskGroup() as tg`).
    pub item: &'a ast::WithItem,
    /// The item's `as` name, when it is a plain name (`as tg`).
    pub target: Option<&'a ast::ExprName>,
}

impl StructuredItem<'_> {
    /// Is `range` inside the `with` statement's body (rather than its items)?
    pub fn body_contains(&self, range: TextRange) -> bool {
        body_range(&self.with.body).is_some_and(|body| body.contains_range(range))
    }
}

/// The range from the first to the last statement of a block.
pub fn body_range(body: &[ast::Stmt]) -> Option<TextRange> {
    Some(TextRange::new(body.first()?.start(), body.last()?.end()))
}

impl<'a> Context<'a> {
    /// The structured-concurrency API a `with` item's context expression opens, if any.
    pub fn structured_item_api(&self, item: &ast::WithItem) -> Option<&'static StructuredApi> {
        // Only calls and names can be such a block; skip the type lookup for anything else.
        if !matches!(
            item.context_expr,
            Expr::Call(_) | Expr::Name(_) | Expr::Attribute(_)
        ) {
            return None;
        }
        structured_api(&self.type_of(&item.context_expr)?)
    }

    /// The items of a `with` statement that open a task group or cancel scope, in order.
    pub fn structured_items(&self, with: &'a ast::StmtWith) -> Vec<StructuredItem<'a>> {
        with.items
            .iter()
            .filter_map(|item| {
                let api = self.structured_item_api(item)?;
                let target = match item.optional_vars.as_deref() {
                    Some(Expr::Name(name)) => Some(name),
                    _ => None,
                };
                Some(StructuredItem {
                    api,
                    with,
                    item,
                    target,
                })
            })
            .collect()
    }

    /// The task groups and cancel scopes whose `with` statements enclose the current node in the
    /// current function (not across a `def`, `lambda` or `class`), innermost first. Items of one
    /// `with` come last-item first (the last item is the innermost block).
    pub fn enclosing_structured(&self) -> Vec<StructuredItem<'a>> {
        let mut found = Vec::new();
        for frame in self.frames().iter().rev() {
            match frame.node {
                AnyNodeRef::StmtWith(with) => {
                    let mut items = self.structured_items(with);
                    items.reverse();
                    found.extend(items);
                }
                AnyNodeRef::StmtFunctionDef(_)
                | AnyNodeRef::StmtClassDef(_)
                | AnyNodeRef::ExprLambda(_) => break,
                _ => {}
            }
        }
        found
    }

    /// The innermost task group (`asyncio.TaskGroup`, trio nursery, anyio task group) whose body
    /// holds the current node, in the current function.
    pub fn enclosing_task_group(&self) -> Option<StructuredItem<'a>> {
        let current = self.current_statement()?.range();
        self.enclosing_structured()
            .into_iter()
            .find(|item| item.api.kind == StructuredKind::TaskGroup && item.body_contains(current))
    }
}

impl<'a> Context<'a> {
    /// The binding of `name` at module level, whatever shadows it where the walk is (compare
    /// with `lookup` to know whether it is visible here).
    pub fn module_binding(&self, name: &str) -> Option<&Binding<'a>> {
        self.scopes.first()?.get(name)
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::Stmt;

    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// Records, for every `pass` statement, the enclosing blocks as `name:target`.
    struct Probe;

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                stmt: true,
                ..Hooks::default()
            }
        }

        fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
            if !matches!(stmt, Stmt::Pass(_)) {
                return;
            }
            let described: Vec<String> = ctx
                .enclosing_structured()
                .iter()
                .map(|item| {
                    let target = item.target.map_or("-", |t| t.id.as_str());
                    format!("{}:{target}", item.api.name)
                })
                .collect();
            let group = ctx
                .enclosing_task_group()
                .map_or("-".to_string(), |item| item.api.noun().to_string());
            out.push(Diagnostic::new(
                "TEST",
                stmt.range(),
                format!("{} | {group}", described.join(",")),
            ));
        }
    }

    fn probe(source: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_unchecked_source(
            source,
            ruff_python_ast::PySourceType::Python,
        );
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(Probe)]));
        walker.walk_module(parsed.syntax());
        walker.report.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn classifies_calls_names_and_attributes() {
        let source = "\
import asyncio
import trio
from anyio import create_task_group, CancelScope as Scope


async def f(self):
    scope = trio.CancelScope()
    async with asyncio.TaskGroup() as tg, asyncio.timeout(1):
        pass
    with scope as s:
        async with trio.open_nursery() as nursery:
            pass
    async with create_task_group():
        with Scope():
            pass
";
        assert_eq!(
            probe(source),
            [
                "asyncio.timeout:-,asyncio.TaskGroup:tg | task group",
                "trio.open_nursery:nursery,trio.CancelScope:s | nursery",
                "anyio.CancelScope:-,anyio.create_task_group:- | task group",
            ]
        );
    }

    #[test]
    fn stops_at_function_boundaries_and_ignores_other_blocks() {
        let source = "\
import asyncio
import asyncio.taskgroups


async def f(lock):
    async with asyncio.taskgroups.TaskGroup() as tg:
        def inner():
            pass
        async with lock:
            pass
";
        assert_eq!(probe(source), [" | -", "asyncio.TaskGroup:tg | task group"]);
    }

    #[test]
    fn self_attributes_are_classified() {
        let source = "\
import anyio


class Service:
    def __init__(self):
        self.tg = anyio.create_task_group()

    async def run(self):
        async with self.tg:
            pass
";
        assert_eq!(probe(source), ["anyio.create_task_group:- | task group"]);
    }

    #[test]
    fn nouns() {
        assert_eq!(
            structured_api("trio.open_nursery").unwrap().noun(),
            "nursery"
        );
        assert_eq!(
            structured_api("asyncio.timeouts.timeout").unwrap().noun(),
            "timeout"
        );
        assert_eq!(
            structured_api("anyio.move_on_after").unwrap().noun(),
            "cancel scope"
        );
        assert!(structured_api("asyncio.Lock").is_none());
    }
}
