//! ASY082 async-function-with-timeout-parameter (opt-in): `async def f(..., timeout=...)`. The
//! caller should bound the call with the library's timeout context instead.
//!
//! Not reported for `@overload` signatures (the implementation is), `@override` methods (the
//! signature is the base class's, not a choice made here), or a parameter annotated with a
//! timeout configuration type (`aiohttp.ClientTimeout`, `httpx.Timeout`) rather than a duration.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

#[derive(Default)]
pub struct AsyncFunctionWithTimeoutParameter;

const SKIPPED_DECORATORS: &[&str] = &[
    "typing.overload",
    "typing_extensions.overload",
    "typing.override",
    "typing_extensions.override",
    "overrides.override",
    "overrides.overrides",
];

impl Rule for AsyncFunctionWithTimeoutParameter {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::FunctionDef(def) = stmt else { return };
        if !def.is_async {
            return;
        }
        let Some(parameter) = def.parameters.find("timeout") else {
            return;
        };
        if parameter
            .parameter
            .annotation
            .as_deref()
            .is_some_and(|annotation| !is_duration(ctx.text(annotation)))
        {
            return;
        }
        if def.decorator_list.iter().any(|decorator| {
            let expr = match &decorator.expression {
                Expr::Call(call) => &*call.func,
                other => other,
            };
            ctx.qualified_name(expr)
                .is_some_and(|name| SKIPPED_DECORATORS.contains(&name.as_str()))
        }) {
            return;
        }
        out.push(
            Diagnostic::new(
                "ASY082",
                parameter.parameter.range(),
                format!(
                    "Async function `{}` takes a `timeout` parameter; let callers bound it with {}",
                    def.name,
                    timeout_api(ctx)
                ),
            )
            .with_help(help(def, ctx)),
        );
    }
}

/// Does a parameter annotation describe a duration (`float`, `int | None`, `timedelta`), rather
/// than a timeout configuration object (`aiohttp.ClientTimeout`, `httpx.Timeout`)?
fn is_duration(annotation: &str) -> bool {
    [
        "float",
        "int",
        "Number",
        "Real",
        "timedelta",
        "Seconds",
        "Any",
    ]
    .iter()
    .any(|word| annotation.contains(word))
}

/// The timeout context managers of the file's library (`asyncio.timeout` needs Python 3.11).
fn timeout_api(ctx: &Context) -> &'static str {
    match ctx.library() {
        Library::Asyncio if ctx.target_version() >= PythonVersion::PY311 => "`asyncio.timeout()`",
        Library::Asyncio => "`asyncio.wait_for()`",
        Library::Trio => "`trio.move_on_after()` or `trio.fail_after()`",
        Library::AnyIO => "`anyio.move_on_after()` or `anyio.fail_after()`",
    }
}

fn help(def: &ast::StmtFunctionDef, ctx: &Context) -> String {
    let name = &def.name;
    match ctx.library() {
        Library::Asyncio if ctx.target_version() >= PythonVersion::PY311 => format!(
            "Remove the parameter; callers write `async with asyncio.timeout(t): await {name}(...)`"
        ),
        Library::Asyncio => {
            format!("Remove the parameter; callers write `await asyncio.wait_for({name}(...), t)`")
        }
        Library::Trio => format!(
            "Remove the parameter; callers write `with trio.fail_after(t): await {name}(...)`"
        ),
        Library::AnyIO => format!(
            "Remove the parameter; callers write `with anyio.fail_after(t): await {name}(...)`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    #[test]
    fn asyncio_advice_follows_the_target_version() {
        let source = "async def fetch(url, timeout=5):\n    ...\n";
        let mut settings = Settings::only("ASY082").unwrap();
        let old = check_source(source, settings.rules, &settings, FixMode::Check);
        assert!(old.diagnostics[0].message.ends_with("`asyncio.wait_for()`"));
        settings.target_version = PythonVersion::PY311;
        let new = check_source(source, settings.rules, &settings, FixMode::Check);
        assert!(new.diagnostics[0].message.ends_with("`asyncio.timeout()`"));
    }
}
