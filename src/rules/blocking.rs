//! Shared by the blocking-call rules (ASY001–ASY013): which calls count, and what to suggest
//! instead in the file's async library.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::context::{Context, Library, OffloadRole};

/// The qualified name a call resolves to, when the call is in async code and the project has
/// not listed it in `allowed-blocking-calls`. Blocking-call rules start from this.
pub fn blocking_callee(call: &ast::ExprCall, ctx: &Context) -> Option<String> {
    if !ctx.in_async_function() {
        return None;
    }
    let name = ctx.qualified_name(&call.func)?;
    if ctx.settings().is_allowed_blocking_call(&name) {
        return None;
    }
    Some(name)
}

/// The API that runs a sync callable in a worker thread, in `library`.
pub fn to_thread(library: Library) -> &'static str {
    match library {
        Library::Asyncio => "asyncio.to_thread",
        Library::Trio => "trio.to_thread.run_sync",
        Library::AnyIO => "anyio.to_thread.run_sync",
    }
}

/// "run it in a thread with `await asyncio.to_thread(...)`", for the file's library.
pub fn run_in_thread_advice(library: Library) -> String {
    format!(
        "run it in a thread with `await {}(...)`",
        to_thread(library)
    )
}

/// Is a call the blocking-call rules detected (in async code) left alone here: awaited, entered
/// with `async with` or iterated with `async for` (a sync blocking API never is: the name
/// resolved to something else, such as an `anyio.Path` behind a `pathlib.Path` annotation), in an
/// `if TYPE_CHECKING:` block (which never runs), or the callable handed to a worker thread
/// (`asyncio.to_thread(f(x))` is ASY013's finding, reported once)? Every rule of ASY002–ASY012
/// asks this after its own detection.
pub fn left_alone(call: &ast::ExprCall, ctx: &Context) -> bool {
    let range = call.range();
    ctx.is_consumed_asynchronously(range)
        || ctx.offload_role(range) == Some(OffloadRole::Callable)
        || ctx.in_type_checking_block(range)
}

/// A call that blocks the thread as ASY001–ASY009 and ASY011 define them, wherever it is (the
/// project index asks it of sync functions, for ASY014): the code of the rule that defines it and
/// the API as that rule names it (`open`, `time.sleep`, `requests.get`). Each rule's own
/// detection decides, with its exceptions (offloaded, awaited, `allowed-blocking-calls`, test
/// code for file access). Not counted: methods of sockets (they may have been made
/// non-blocking elsewhere) and waits on futures, which code often probes first (`fut.done()`).
pub fn blocking_call(call: &ast::ExprCall, ctx: &Context) -> Option<(&'static str, String)> {
    use crate::rules::{
        asy002_blocking_http_call_in_async_function as http,
        asy003_blocking_open_call_in_async_function as open,
        asy004_blocking_filesystem_call_in_async_function as filesystem,
        asy005_blocking_subprocess_in_async_function as process,
        asy006_blocking_input_in_async_function as input,
        asy007_blocking_socket_call_in_async_function as socket,
        asy008_sync_client_in_async_function as client,
        asy009_blocking_wait_in_async_function as wait,
        asy011_configured_blocking_call as configured,
    };
    use ruff_python_ast::Expr;
    use ruff_text_size::Ranged;

    // Cheap exits first: this runs on every call in sync code. Every API these rules know is
    // imported or a builtin (`open`, `input`): a plain name bound otherwise (a local, a
    // parameter, a function of the module) or another builtin is none of them; nor is a name of
    // the project itself. Configured `blocking-calls` may name anything.
    let configured = !ctx.settings().blocking_calls.is_empty();
    if let Expr::Name(name) = call.func.as_ref() {
        match ctx.lookup(name.id.as_str()) {
            Some(crate::scope::Binding::Import(_)) => {}
            Some(_) => return None,
            None if !configured && !matches!(name.id.as_str(), "open" | "input") => return None,
            None => {}
        }
    }
    if !configured {
        if let Some(name) = ctx.qualified_name(&call.func) {
            if ctx
                .project()
                .is_some_and(|project| project.is_known_project_name(&name))
            {
                return None;
            }
        }
    }
    let offloaded = || {
        ctx.offload_role(call.range()) == Some(crate::context::OffloadRole::Callable)
            || ctx.is_consumed_asynchronously(call.range())
    };
    if let Some(name) = ctx.qualified_name(&call.func) {
        if name == "time.sleep" && !ctx.settings().is_allowed_blocking_call(&name) && !offloaded() {
            return Some(("ASY001", name));
        }
    }
    if let Some(name) = http::blocking_http_call(call, ctx) {
        return Some(("ASY002", name));
    }
    if let Some(found) = open::blocking_open_call(call, ctx) {
        return Some(("ASY003", found.name));
    }
    if let Some(name) = filesystem::blocking_filesystem_call(call, ctx) {
        return Some(("ASY004", name));
    }
    if let Some(found) = process::blocking_process_call(call, ctx) {
        return (!offloaded()).then_some(("ASY005", found.name));
    }
    if let Some(name) = input::blocking_input_call(call, ctx) {
        return Some(("ASY006", name));
    }
    match socket::blocking_socket_call(call, ctx) {
        Some(socket::BlockingSocketCall::Function { name, .. }) if !offloaded() => {
            return Some(("ASY007", name));
        }
        Some(socket::BlockingSocketCall::Client(found)) if !offloaded() => {
            return Some(("ASY007", found.name));
        }
        Some(_) => return None,
        None => {}
    }
    if let Some(found) = client::sync_client_call(call, ctx) {
        return (!offloaded()).then_some(("ASY008", found.name));
    }
    if let Some(found) = wait::blocking_wait(call, ctx) {
        let counted = found.kind != crate::names::threads::WaitKind::Future
            && !crate::rules::asy013_offload_called_not_passed::is_called_not_passed(call, ctx);
        return counted.then_some(("ASY009", found.name));
    }
    if let Some((name, _)) = configured::configured_blocking_call(call, ctx) {
        let counted = !offloaded()
            && !crate::rules::asy013_offload_called_not_passed::is_called_not_passed(call, ctx);
        return counted.then_some(("ASY011", name));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_apis_exist_in_each_library() {
        assert_eq!(to_thread(Library::Asyncio), "asyncio.to_thread");
        assert_eq!(to_thread(Library::Trio), "trio.to_thread.run_sync");
        assert_eq!(
            run_in_thread_advice(Library::AnyIO),
            "run it in a thread with `await anyio.to_thread.run_sync(...)`"
        );
    }
}
