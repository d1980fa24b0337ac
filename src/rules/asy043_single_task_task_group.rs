//! ASY043 single-task-task-group: a task group whose body starts one task and does nothing else.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::cancel_scopes::StructuredKind;
use crate::rules::asy027_unused_async::{name_uses, Receiver};
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct SingleTaskTaskGroup;

impl Rule for SingleTaskTaskGroup {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::With(with) = stmt else { return };
        if !with.is_async {
            return;
        }
        let [Stmt::Expr(only)] = with.body.as_slice() else {
            return;
        };
        let call = match only.value.as_ref() {
            Expr::Call(call) => call,
            Expr::Await(await_expr) => match await_expr.value.as_ref() {
                Expr::Call(call) => call,
                _ => return,
            },
            _ => return,
        };
        let Expr::Attribute(method) = call.func.as_ref() else {
            return;
        };
        let Expr::Name(receiver) = method.value.as_ref() else {
            return;
        };
        let Some(group) = ctx.structured_items(with).into_iter().find(|item| {
            item.api.kind == StructuredKind::TaskGroup
                && item.target.is_some_and(|target| target.id == receiver.id)
        }) else {
            return;
        };
        let starts_task = match group.api.library {
            Some(Library::Asyncio) => method.attr.as_str() == "create_task",
            _ => matches!(method.attr.as_str(), "start_soon" | "start"),
        };
        if !starts_task {
            return;
        }
        // Passing the group on (`tg.start_soon(worker, tg)`) lets the task start more tasks.
        let values = call
            .arguments
            .args
            .iter()
            .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value));
        if values
            .into_iter()
            .any(|value| mentions(ctx.text(value.range()), receiver.id.as_str()))
        {
            return;
        }
        let noun = group.api.noun();
        let advice = match group.api.library {
            Some(Library::Asyncio) => "await the coroutine directly",
            _ => "call and await the function directly",
        };
        out.push(
            Diagnostic::new(
                "ASY043",
                group.item.range(),
                format!(
                    "{} `{}` only runs one task; {advice}",
                    capitalize(noun),
                    receiver.id
                ),
            )
            .with_help("Replace the `async with` block with an `await` of the task's work"),
        );
    }
}

/// Does the code `text` use the identifier `name` (outside strings and comments)?
fn mentions(text: &str, name: &str) -> bool {
    let uses = name_uses(text, name, Receiver::Any);
    uses.as_value || uses.awaited_calls + uses.other_calls > 0
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_whole_identifiers_only() {
        assert!(mentions("(worker, tg)", "tg"));
        assert!(mentions("(partial(f, tg=tg))", "tg"));
        assert!(!mentions("(tgs, my_tg, tg2)", "tg"));
        assert!(!mentions("'tg' # tg", "tg"));
    }
}
