//! Shared by the blocking-call rules (ASY001–ASY013): which calls count, and what to suggest
//! instead in the file's async library.

use ruff_python_ast as ast;

use crate::context::{Context, Library};

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
