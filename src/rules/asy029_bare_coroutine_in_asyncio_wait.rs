//! ASY029 bare-coroutine-in-asyncio-wait: coroutines (not tasks) passed to `asyncio.wait()`,
//! which raises `TypeError` for them since Python 3.11.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct BareCoroutineInAsyncioWait;

impl Rule for BareCoroutineInAsyncioWait {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let could_be_wait = match call.func.as_ref() {
            Expr::Attribute(attribute) => attribute.attr.as_str() == "wait",
            Expr::Name(_) => ctx.is_imported_name(&call.func),
            _ => false,
        };
        if !could_be_wait {
            return;
        }
        let Some(fs) = call.arguments.find_argument_value("fs", 0) else {
            return;
        };
        let elements = match fs {
            Expr::List(list) => Elements::Literal(&list.elts),
            Expr::Set(set) => Elements::Literal(&set.elts),
            Expr::Tuple(tuple) => Elements::Literal(&tuple.elts),
            Expr::ListComp(comp) => Elements::Comprehension(&comp.elt, &comp.generators),
            Expr::SetComp(comp) => Elements::Comprehension(&comp.elt, &comp.generators),
            Expr::Generator(comp) => Elements::Comprehension(&comp.elt, &comp.generators),
            _ => return,
        };
        if ctx.resolved_name(&call.func).as_deref() != Some("asyncio.wait") {
            return;
        }
        let message = "`asyncio.wait()` is passed coroutines, not tasks; it raises `TypeError` \
                       since Python 3.11";
        match elements {
            Elements::Literal(elts) => {
                let coroutines: Vec<&ast::ExprCall> = elts
                    .iter()
                    .filter_map(|elt| match elt {
                        Expr::Call(call) if is_coroutine(call, ctx) => Some(call),
                        _ => None,
                    })
                    .collect();
                if coroutines.is_empty() {
                    return;
                }
                let diagnostic = Diagnostic::new("ASY029", fs.range(), message);
                if !ctx.in_async_function() {
                    out.push(
                        diagnostic.with_help("Wrap each coroutine in `asyncio.create_task()`"),
                    );
                    return;
                }
                let (create_task, import) = ctx.reference_to("asyncio", "create_task");
                let mut edits = Vec::with_capacity(coroutines.len() * 2 + 1);
                for coroutine in coroutines {
                    edits.push(Edit::insert(coroutine.start(), format!("{create_task}(")));
                    edits.push(Edit::insert(coroutine.end(), ")"));
                }
                edits.extend(import);
                out.push(diagnostic.with_fix(
                    format!("Wrap each coroutine in `{create_task}()`"),
                    Fix::unsafe_(edits),
                ));
            }
            Elements::Comprehension(elt, generators) => {
                let Expr::Call(element) = elt else { return };
                // The element is evaluated in the comprehension, where its targets shadow
                // outer names: a callee based on a target is not the outer function.
                if let Some(base) = base_name(&element.func) {
                    if generators.iter().any(|g| binds(&g.target, base)) {
                        return;
                    }
                }
                if !is_coroutine(element, ctx) {
                    return;
                }
                out.push(
                    Diagnostic::new("ASY029", fs.range(), message)
                        .with_help("Wrap the coroutine in `asyncio.create_task()`"),
                );
            }
        }
    }
}

enum Elements<'a> {
    Literal(&'a [Expr]),
    Comprehension(&'a Expr, &'a [ast::Comprehension]),
}

fn is_coroutine(call: &ast::ExprCall, ctx: &Context) -> bool {
    ctx.coroutine_call(call)
        .is_some_and(|callee| callee.is_coroutine)
}

fn base_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        match current {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attribute) => current = &attribute.value,
            _ => return None,
        }
    }
}

fn binds(target: &Expr, name: &str) -> bool {
    match target {
        Expr::Name(target) => target.id.as_str() == name,
        Expr::Tuple(tuple) => tuple.elts.iter().any(|t| binds(t, name)),
        Expr::List(list) => list.elts.iter().any(|t| binds(t, name)),
        Expr::Starred(starred) => binds(&starred.value, name),
        _ => false,
    }
}
