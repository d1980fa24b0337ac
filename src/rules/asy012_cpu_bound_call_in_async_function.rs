//! ASY012 cpu-bound-call-in-async-function: password hashing, key derivation and whole-buffer
//! compression in async code (opt-in).
//!
//! Detection is `cpu_bound_call`, which does not look at where the call is: the project-wide
//! rule (a sync helper that blocks, called from async code) reuses it.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::threads;
use crate::rules::blocking::{left_alone, to_thread};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct CpuBoundCallInAsyncFunction;

impl Rule for CpuBoundCallInAsyncFunction {
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
        let Some(name) = cpu_bound_call(call, ctx) else {
            return;
        };
        // `asyncio.to_thread(q.get())` is ASY013's finding.
        if left_alone(call, ctx) {
            return;
        }
        let advice = advice(ctx.library());
        out.push(
            Diagnostic::new(
                "ASY012",
                call.range(),
                format!("CPU-bound call `{name}` in async function blocks the event loop"),
            )
            .with_help(advice),
        );
    }
}

/// The last name segment of every CPU-bound call, to skip most calls before resolving names.
const METHOD_NAMES: &[&str] = &[
    "hashpw",
    "checkpw",
    "kdf",
    "pbkdf2_hmac",
    "scrypt",
    "hash",
    "verify",
    "hash_secret",
    "hash_secret_raw",
    "verify_secret",
    "hash_password",
    "hash_password_raw",
    "verify_password",
    "verify_and_update",
    "encrypt",
    "genhash",
    "derive",
    "str",
    "compress",
    "decompress",
];

/// The qualified name of `call` when it is a known CPU-heavy call (see
/// `names::threads::is_cpu_bound`) not in `allowed-blocking-calls`. Wherever the call is.
pub fn cpu_bound_call(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    let method = match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => return None,
    };
    if !METHOD_NAMES.contains(&method) {
        return None;
    }
    let name = ctx.qualified_name(&call.func)?;
    if !threads::is_cpu_bound(&name) || ctx.settings().is_allowed_blocking_call(&name) {
        return None;
    }
    // Compressing a literal is cheap: it is as small as the source line.
    if matches!(method, "compress" | "decompress")
        && call
            .arguments
            .find_argument_value("data", 0)
            .is_some_and(|data| data.is_bytes_literal_expr() || data.is_string_literal_expr())
    {
        return None;
    }
    Some(name)
}

/// Where to run it instead, with APIs that exist in `library`.
fn advice(library: Library) -> String {
    let thread = to_thread(library);
    match library {
        Library::Asyncio => format!(
            "Run it in a thread with `await {thread}(...)`, or in a process pool with `await loop.run_in_executor(pool, ...)`"
        ),
        Library::AnyIO => format!(
            "Run it in a thread with `await {thread}(...)`, or in a process with `await anyio.to_process.run_sync(...)`"
        ),
        Library::Trio => format!("Run it in a thread with `await {thread}(...)`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linter::{check_source, FixMode};
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn every_cpu_bound_call_passes_the_name_filter() {
        for name in threads::CPU_BOUND_CALLS {
            let method = name.rsplit('.').next().unwrap();
            assert!(METHOD_NAMES.contains(&method), "{name}");
        }
    }

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source = "import zlib\n\nasync def f(data):\n    zlib.compress(data)\n";
        let mut settings = Settings::only("ASY012").unwrap();
        let count = |s: &Settings| {
            check_source(source, s.rules, s, FixMode::Check)
                .diagnostics
                .len()
        };
        assert_eq!(count(&settings), 1);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("zlib.*").unwrap()];
        assert_eq!(count(&settings), 0);
    }

    #[test]
    fn advice_names_apis_of_the_library() {
        assert!(advice(Library::Trio).contains("trio.to_thread.run_sync"));
        assert!(!advice(Library::Trio).contains("process"));
        assert!(advice(Library::AnyIO).contains("anyio.to_process.run_sync"));
        assert!(advice(Library::Asyncio).contains("asyncio.to_thread"));
    }
}
