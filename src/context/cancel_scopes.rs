//! The structured-concurrency blocks around the current node: task groups and cancel scopes
//! (`names::cancel_scopes::STRUCTURED_APIS`, the one table), and what a cancel scope's call says
//! (deadline, `shield=True`).
//!
//! A `with` item is classified by the type of its context expression, so a call
//! (`async with asyncio.TaskGroup() as tg`), a local bound to one (`scope = trio.CancelScope()`
//! then `with scope:`) and `self.x` assigned in the class all count.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::{Context, Library};
use crate::names::cancel_scopes::{structured_api, Deadline, StructuredApi, StructuredKind};

/// What a `with` item opens, among the cancel scopes of asyncio, trio and anyio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelScopeCall {
    /// The public name of the callee (`asyncio.timeout`, `trio.move_on_after`, `anyio.CancelScope`).
    pub name: String,
    /// The scope has a deadline (a timeout context, or a `CancelScope(deadline=...)`).
    pub has_deadline: bool,
    /// `shield=True` is passed as a literal.
    pub shielded: bool,
    /// A trio nursery or anyio task group (its `cancel_scope` can be shielded).
    pub task_group: bool,
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

    /// The cancel scope a `with` item's expression opens, when it is a call of a known one:
    /// `asyncio.timeout(...)`, `trio.move_on_after(...)`, `anyio.CancelScope(shield=True)`,
    /// `trio.open_nursery()`, … (not third-party wrappers).
    pub fn cancel_scope_call(&self, expr: &Expr) -> Option<CancelScopeCall> {
        let Expr::Call(call) = expr else { return None };
        let api = structured_api(&self.qualified_name(&call.func)?)?;
        let has_deadline = match api.deadline {
            Deadline::Always => true,
            Deadline::WhenGiven => {
                call.arguments.find_keyword("deadline").is_some()
                    || call.arguments.find_keyword("relative_deadline").is_some()
            }
            Deadline::Never => false,
        };
        let task_group = match api.kind {
            StructuredKind::TaskGroup => api.library != Some(Library::Asyncio),
            StructuredKind::CancelScope => false,
            StructuredKind::Wrapper => return None,
        };
        let shielded = api.kind == StructuredKind::CancelScope
            && call
                .arguments
                .find_keyword("shield")
                .is_some_and(|keyword| is_true_literal(&keyword.value));
        Some(CancelScopeCall {
            name: api.name.to_string(),
            has_deadline,
            shielded,
            task_group,
        })
    }
}

/// `True`, or a non-zero number, written as a literal.
pub(crate) fn is_true_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(value),
            ..
        }) => value.as_u64() != Some(0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::Stmt;

    use crate::context::testing::at_statements;
    use crate::context::Context;

    /// For every `pass` statement, the enclosing blocks as `name:target`, then the noun of the
    /// enclosing task group.
    fn probe(source: &str) -> Vec<String> {
        at_statements(source, |stmt: &Stmt, ctx: &Context| {
            if !matches!(stmt, Stmt::Pass(_)) {
                return None;
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
            Some(format!("{} | {group}", described.join(",")))
        })
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
    fn cancel_scopes_deadlines_and_shields() {
        let source = "\
import asyncio
import trio
import anyio
from trio import move_on_after as mo

with asyncio.timeout(1), asyncio.timeouts.timeout_at(2):
    pass
with trio.CancelScope(), trio.CancelScope(deadline=3), anyio.CancelScope(shield=True):
    pass
with mo(1, shield=True), anyio.fail_after(2), trio.open_nursery(), open('x'):
    pass
with asyncio.TaskGroup(), asyncio.Timeout(None), trio_websocket.open_websocket(u):
    pass
";
        let scopes: Vec<Option<(String, bool, bool, bool)>> =
            at_statements(source, |stmt: &Stmt, ctx: &Context| {
                let Stmt::With(with) = stmt else { return None };
                Some(
                    with.items
                        .iter()
                        .map(|item| {
                            ctx.cancel_scope_call(&item.context_expr)
                                .map(|s| (s.name, s.has_deadline, s.shielded, s.task_group))
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .into_iter()
            .flatten()
            .collect();
        let s =
            |name: &str, deadline, shield, group| Some((name.to_string(), deadline, shield, group));
        assert_eq!(
            scopes,
            [
                s("asyncio.timeout", true, false, false),
                s("asyncio.timeout_at", true, false, false),
                s("trio.CancelScope", false, false, false),
                s("trio.CancelScope", true, false, false),
                s("anyio.CancelScope", false, true, false),
                s("trio.move_on_after", true, true, false),
                s("anyio.fail_after", true, false, false),
                s("trio.open_nursery", false, false, true),
                None,
                s("asyncio.TaskGroup", false, false, false),
                s("asyncio.Timeout", false, false, false),
                None,
            ]
        );
    }
}
