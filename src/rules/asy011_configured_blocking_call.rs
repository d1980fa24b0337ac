//! ASY011 configured-blocking-call: calls the project lists in `blocking-calls`, in async code.
//!
//! Detection is `configured_blocking_call`, which does not look at where the call is: the
//! project-wide rule (a sync helper that blocks, called from async code) reuses it.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::rules::blocking::left_alone;
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct ConfiguredBlockingCall;

impl Rule for ConfiguredBlockingCall {
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
        let Some((name, suggestion)) = configured_blocking_call(call, ctx) else {
            return;
        };
        // A glob like `mylib.db.*` may cover the library's async API too: what is awaited (or
        // entered with `async with`, iterated with `async for`) is not a blocking call.
        if left_alone(call, ctx) {
            return;
        }
        let mut message = format!("Blocking call `{name}` in async function");
        let suggestion = suggestion.trim().trim_end_matches('.');
        let diagnostic = if suggestion.is_empty() {
            Diagnostic::new("ASY011", call.range(), message)
        } else {
            message.push_str("; ");
            message.push_str(suggestion);
            Diagnostic::new("ASY011", call.range(), message).with_help(capitalize(suggestion))
        };
        out.push(diagnostic);
    }
}

/// The qualified name of `call` and the suggestion configured for it, when a `blocking-calls`
/// pattern matches it and no `allowed-blocking-calls` pattern does. Wherever the call is.
pub fn configured_blocking_call<'s>(
    call: &ast::ExprCall,
    ctx: &Context<'s>,
) -> Option<(String, &'s str)> {
    let settings = ctx.settings();
    if settings.blocking_calls.is_empty() {
        return None;
    }
    let name = ctx.qualified_name(&call.func)?;
    let suggestion = settings.blocking_call_suggestion(&name)?;
    if settings.is_allowed_blocking_call(&name) {
        return None;
    }
    Some((name, suggestion))
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    fn settings(table: &[(&str, &str)], allowed: &[&str]) -> Settings {
        let mut settings = Settings::only("ASY011").unwrap();
        settings.blocking_calls = table
            .iter()
            .map(|(pattern, suggestion)| {
                (
                    QualifiedNamePattern::new(pattern).unwrap(),
                    suggestion.to_string(),
                )
            })
            .collect();
        settings.allowed_blocking_calls = allowed
            .iter()
            .map(|pattern| QualifiedNamePattern::new(pattern).unwrap())
            .collect();
        settings
    }

    fn findings(source: &str, settings: &Settings) -> Vec<(String, Option<String>)> {
        check_source(source, settings.rules, settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title))
            .collect()
    }

    const SOURCE: &str = "\
import asyncio

import mylib.db as db
from mylib.cache import Client
from mylib.db import query as q


async def handler():
    db.query('x')
    q('y')
    c = Client()
    c.get('k')
    await asyncio.to_thread(db.query, 'x')
    await db.aquery('x')
    async with db.transaction():
        pass
    async for row in db.stream('x'):
        pass
    await asyncio.to_thread(db.query('x'))


def sync():
    db.query('x')


async def nested():
    def inner():
        db.query('x')

    return lambda: db.query('y')
";

    #[test]
    fn does_nothing_until_configured() {
        assert!(findings(SOURCE, &settings(&[], &[])).is_empty());
    }

    #[test]
    fn flags_matching_calls_in_async_code_with_their_suggestion() {
        let settings = settings(
            &[
                ("mylib.db.*", "use `mylib.aio.db` instead."),
                ("mylib.cache.Client.get", ""),
            ],
            &[],
        );
        assert_eq!(
            findings(SOURCE, &settings),
            [
                (
                    "Blocking call `mylib.db.query` in async function; use `mylib.aio.db` instead"
                        .to_string(),
                    Some("Use `mylib.aio.db` instead".to_string())
                ),
                (
                    "Blocking call `mylib.db.query` in async function; use `mylib.aio.db` instead"
                        .to_string(),
                    Some("Use `mylib.aio.db` instead".to_string())
                ),
                (
                    "Blocking call `mylib.cache.Client.get` in async function".to_string(),
                    None
                ),
            ]
        );
    }

    #[test]
    fn allowed_blocking_calls_win() {
        let settings = settings(&[("mylib.*", "x")], &["mylib.db.query"]);
        let found: Vec<String> = findings(SOURCE, &settings)
            .into_iter()
            .map(|(message, _)| message)
            .collect();
        assert_eq!(
            found,
            [
                "Blocking call `mylib.cache.Client` in async function; x",
                "Blocking call `mylib.cache.Client.get` in async function; x"
            ]
        );
    }

    #[test]
    fn shadowed_names_do_not_match() {
        let source = "import mylib.db as db\n\nasync def f(db):\n    db.query('x')\n";
        assert!(findings(source, &settings(&[("mylib.*", "")], &[])).is_empty());
    }
}
