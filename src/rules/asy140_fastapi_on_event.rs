//! ASY140 fastapi-on-event: `@app.on_event("startup")` on FastAPI and Starlette apps and routers.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct FastapiOnEvent;

/// The types whose `on_event` is deprecated (FastAPI) or removed (Starlette 1.0), with the
/// framework's name for the message.
const APPS: &[(&str, &str)] = &[
    ("fastapi.FastAPI", "FastAPI"),
    ("fastapi.applications.FastAPI", "FastAPI"),
    ("fastapi.APIRouter", "FastAPI"),
    ("fastapi.routing.APIRouter", "FastAPI"),
    ("starlette.applications.Starlette", "Starlette"),
    ("starlette.routing.Router", "Starlette"),
];

impl Rule for FastapiOnEvent {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if attribute.attr.as_str() != "on_event" {
            return;
        }
        // A wrapper that forwards the deprecated API (FastAPI's own `FastAPI.on_event`) is not a
        // use of it.
        if ctx
            .current_function()
            .is_some_and(|def| def.name.as_str() == "on_event")
        {
            return;
        }
        let Some(owner) = ctx.type_of(&attribute.value) else {
            return;
        };
        let Some((_, framework)) = APPS.iter().find(|(name, _)| *name == owner) else {
            return;
        };
        let status = if *framework == "Starlette" {
            "was removed in Starlette 1.0"
        } else {
            "is deprecated in FastAPI"
        };
        let event = match call.arguments.args.first() {
            Some(Expr::StringLiteral(literal)) => format!(" (`{}`)", literal.value.to_str()),
            _ => String::new(),
        };
        out.push(
            Diagnostic::new(
                "ASY140",
                call.range(),
                format!("`on_event`{event} {status}"),
            )
            .with_help("Move startup and shutdown code into a `lifespan` async context manager"),
        );
    }
}
