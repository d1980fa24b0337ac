//! ASY042 control-flow-in-task-group: `return`, `break` or `continue` in the body of a task group
//! (`asyncio.TaskGroup`, trio nursery, anyio task group) that leaves the block.

use ruff_python_ast::{AnyNodeRef, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::{body_range, StructuredItem};
use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::cancel_scopes::StructuredKind;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct ControlFlowInTaskGroup;

impl Rule for ControlFlowInTaskGroup {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let keyword = match stmt {
            Stmt::Return(_) => "return",
            Stmt::Break(_) => "break",
            Stmt::Continue(_) => "continue",
            _ => return,
        };
        // A task group body is always in async code (`async with`).
        if !ctx.in_async_function() {
            return;
        }
        let Some(group) = task_group_left_by(stmt, ctx) else {
            return;
        };
        let noun = group.api.noun();
        let message = match group.api.library {
            Some(Library::Asyncio) | None => format!(
                "`{keyword}` in the body of a {noun} (`{}`) takes effect only after all of its \
                 tasks have finished",
                group.api.name
            ),
            Some(_) => format!(
                "`{keyword}` in the body of a {noun} (`{}`) waits for all of its tasks, and an \
                 exception or cancellation in them discards it",
                group.api.name
            ),
        };
        let help = match group.api.library {
            Some(Library::Trio | Library::AnyIO) => {
                let name = group
                    .target
                    .map_or(if noun == "nursery" { "nursery" } else { "tg" }, |target| {
                        target.id.as_str()
                    });
                format!(
                    "Cancel the {noun} with `{name}.cancel_scope.cancel()` and move the \
                     `{keyword}` after the `async with` block"
                )
            }
            _ => format!("Move the `{keyword}` after the `async with` block"),
        };
        out.push(Diagnostic::new("ASY042", stmt.range(), message).with_help(help));
    }
}

/// The innermost task group whose body `stmt` (a `return`, `break` or `continue`) leaves: for
/// `return` any task group around it in the function; for `break`/`continue` one that sits
/// between the statement and the loop it acts on.
fn task_group_left_by<'a>(stmt: &Stmt, ctx: &Context<'a>) -> Option<StructuredItem<'a>> {
    let range = stmt.range();
    let leaves_function = matches!(stmt, Stmt::Return(_));
    let mut group: Option<StructuredItem<'a>> = None;
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => {
                return if leaves_function { group } else { None };
            }
            // A `break`/`continue` in a loop's `else` clause acts on the loop around it.
            AnyNodeRef::StmtFor(for_stmt)
                if !leaves_function && contains(&for_stmt.body, range) =>
            {
                return group;
            }
            AnyNodeRef::StmtWhile(while_stmt)
                if !leaves_function && contains(&while_stmt.body, range) =>
            {
                return group;
            }
            AnyNodeRef::StmtWith(with) if with.is_async && group.is_none() => {
                group = ctx.structured_items(with).into_iter().rev().find(|item| {
                    item.api.kind == StructuredKind::TaskGroup && item.body_contains(range)
                });
            }
            _ => {}
        }
    }
    if leaves_function {
        group
    } else {
        None
    }
}

fn contains(body: &[Stmt], range: TextRange) -> bool {
    body_range(body).is_some_and(|body| body.contains_range(range))
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<(String, usize)> {
        let settings = Settings::only("ASY042").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| {
                let line = source[..d.range.start().to_usize()].lines().count();
                (source[d.range].to_string(), line)
            })
            .collect()
    }

    #[test]
    fn loop_else_clauses_act_on_the_outer_loop() {
        let source = "\
import asyncio


async def f(xs):
    while True:
        async with asyncio.TaskGroup() as tg:
            for x in xs:
                continue
            else:
                break
";
        assert_eq!(flagged(source), [("break".to_string(), 10)]);
    }

    #[test]
    fn innermost_group_and_several_items() {
        let source = "\
import asyncio

import trio


async def f():
    async with asyncio.timeout(1), asyncio.TaskGroup() as tg:
        async with trio.open_nursery() as nursery:
            return 1


async def g():
    async with asyncio.timeout(1):
        return 2
";
        let settings = Settings::only("ASY042").unwrap();
        let outcome = check_source(source, settings.rules, &settings, FixMode::Check);
        assert_eq!(outcome.diagnostics.len(), 1);
        assert!(outcome.diagnostics[0]
            .message
            .contains("`trio.open_nursery`"));
        assert!(outcome.diagnostics[0]
            .fix_title
            .as_deref()
            .is_some_and(|help| help.contains("`nursery.cancel_scope.cancel()`")));
    }

    #[test]
    fn sync_with_and_sync_functions_are_not_task_group_bodies() {
        let source = "\
import trio


def f(nursery_factory):
    with trio.open_nursery():
        return 1
";
        assert!(flagged(source).is_empty());
    }
}
