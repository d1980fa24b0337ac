//! ASY005 blocking-subprocess-in-async-function: starting or waiting for a process with
//! `subprocess`, `os.system`, `os.popen`, `os.spawn*`, `os.posix_spawn*` or `os.wait*` in
//! async code.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::blocking_clients::{process_call, ProcessCall, PROCESS_CALLS};
use crate::rules::blocking::{left_alone, run_in_thread_advice};
use crate::rules::{capitalize, Hooks, Report, Rule};

#[derive(Default)]
pub struct BlockingSubprocessInAsyncFunction;

/// A call that starts or waits for a process and blocks while doing so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingProcessCall {
    /// The qualified name called (`subprocess.run`, `subprocess.Popen.wait`).
    pub name: String,
    pub kind: ProcessCall,
}

/// Classifies a call as a blocking process call, wherever it is (the caller decides whether it
/// is in async code): through imports and aliases, methods of a `subprocess.Popen` built in
/// scope, and not `os.wait*` with `os.WNOHANG`. Names listed in `allowed-blocking-calls` are not.
pub fn blocking_process_call(call: &ast::ExprCall, ctx: &Context) -> Option<BlockingProcessCall> {
    // Every API here is a plain name or an attribute; skip `f()()`, `x[0]()` and attributes
    // named unlike any of them early (a plain name can be an alias).
    match call.func.as_ref() {
        Expr::Name(_) => {}
        Expr::Attribute(attribute) => {
            let last = attribute.attr.as_str();
            if !PROCESS_CALLS
                .iter()
                .any(|(name, _)| name.rsplit('.').next() == Some(last))
            {
                return None;
            }
        }
        _ => return None,
    }
    let name = ctx.qualified_name(&call.func)?;
    let kind = process_call(&name)?;
    if kind == ProcessCall::WaitPid && has_wnohang(call, ctx) {
        return None;
    }
    if ctx.settings().is_allowed_blocking_call(&name) {
        return None;
    }
    Some(BlockingProcessCall { name, kind })
}

/// `os.waitpid(pid, os.WNOHANG)` returns at once.
fn has_wnohang(call: &ast::ExprCall, ctx: &Context) -> bool {
    call.arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
        .any(|argument| ctx.text(argument.range()).contains("WNOHANG"))
}

/// What to use instead, in the file's library.
pub fn advice(kind: ProcessCall, name: &str, library: Library) -> String {
    let method = name.rsplit('.').next().unwrap_or(name);
    match (kind, library) {
        (ProcessCall::WaitPid, _) => run_in_thread_advice(library),
        (ProcessCall::Shell, Library::Asyncio) => {
            "use `await asyncio.create_subprocess_shell(...)`".to_string()
        }
        (ProcessCall::PopenWait, Library::Asyncio) => format!(
            "start the process with `await asyncio.create_subprocess_exec(...)` and await its `{method}()`"
        ),
        (ProcessCall::PopenWait, Library::AnyIO) => format!(
            "start the process with `await anyio.open_process(...)` and await its `{method}()`"
        ),
        (ProcessCall::Open, Library::AnyIO) => "use `await anyio.open_process(...)`".to_string(),
        (_, Library::Asyncio) => "use `await asyncio.create_subprocess_exec(...)`".to_string(),
        (_, Library::Trio) => "use `await trio.run_process(...)`".to_string(),
        (_, Library::AnyIO) => "use `await anyio.run_process(...)`".to_string(),
    }
}

impl Rule for BlockingSubprocessInAsyncFunction {
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
        let Some(found) = blocking_process_call(call, ctx) else {
            return;
        };
        if left_alone(call, ctx) {
            return;
        }
        let advice = advice(found.kind, &found.name, ctx.library());
        out.push(
            Diagnostic::new(
                "ASY005",
                call.range(),
                format!(
                    "Blocking process call `{}` in async function; {advice}",
                    found.name
                ),
            )
            .with_help(capitalize(&advice)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linter::finding_messages as messages;
    use crate::settings::{QualifiedNamePattern, Settings};

    #[test]
    fn allowed_blocking_calls_silence_it() {
        let source = "import subprocess, os\n\nasync def f():\n    subprocess.run(['ls'])\n    os.system('ls')\n";
        let mut settings = Settings::only("ASY005").unwrap();
        assert_eq!(messages(source, &settings).len(), 2);
        settings.allowed_blocking_calls = vec![QualifiedNamePattern::new("subprocess.*").unwrap()];
        assert_eq!(
            messages(source, &settings),
            ["Blocking process call `os.system` in async function; use `await asyncio.create_subprocess_shell(...)`"]
        );
    }

    #[test]
    fn advice_names_apis_of_the_library() {
        assert_eq!(
            advice(ProcessCall::Exec, "subprocess.run", Library::Trio),
            "use `await trio.run_process(...)`"
        );
        assert_eq!(
            advice(ProcessCall::Open, "subprocess.Popen", Library::AnyIO),
            "use `await anyio.open_process(...)`"
        );
        assert_eq!(
            advice(ProcessCall::PopenWait, "subprocess.Popen.communicate", Library::Asyncio),
            "start the process with `await asyncio.create_subprocess_exec(...)` and await its `communicate()`"
        );
        assert_eq!(
            advice(ProcessCall::WaitPid, "os.waitpid", Library::Trio),
            "run it in a thread with `await trio.to_thread.run_sync(...)`"
        );
    }
}
