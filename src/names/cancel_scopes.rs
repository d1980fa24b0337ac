//! Structured-concurrency blocks: task groups (`asyncio.TaskGroup()`, `trio.open_nursery()`,
//! `anyio.create_task_group()`), cancel scopes and timeouts (`asyncio.timeout()`,
//! `trio.move_on_after()`, `anyio.CancelScope()`, …), and third-party wrappers of them.

use crate::context::Library;
use crate::names;

/// What a structured-concurrency block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredKind {
    /// Owns child tasks and waits for them when the block exits.
    TaskGroup,
    /// Cancels the code in its body (a timeout or an explicit cancel scope).
    CancelScope,
    /// A third-party context manager that runs a task group or cancel scope inside it
    /// (`trio_websocket.open_websocket`, `asgi_lifespan.LifespanManager`, …).
    Wrapper,
}

/// A known structured-concurrency API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructuredApi {
    /// The canonical qualified name (`asyncio.TaskGroup`, `trio.open_nursery`).
    pub name: &'static str,
    pub kind: StructuredKind,
    /// The library whose task semantics apply; `None` for third-party wrappers.
    pub library: Option<Library>,
    /// Whether the block has a deadline (ASY080, ASY081).
    pub deadline: Deadline,
}

/// Whether a cancel scope has a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// A timeout context: its body is cancelled when the deadline passes.
    Always,
    /// A cancel scope with a deadline only when given one (`trio.CancelScope(deadline=...)`).
    WhenGiven,
    /// Task groups, wrappers, and `asyncio.Timeout`, whose deadline is set later.
    Never,
}

impl StructuredApi {
    /// How messages call the block: "task group", "nursery", "cancel scope" or "timeout".
    pub fn noun(&self) -> &'static str {
        match (self.kind, self.library) {
            (StructuredKind::TaskGroup, Some(Library::Trio)) => "nursery",
            (StructuredKind::TaskGroup, _) => "task group",
            (StructuredKind::CancelScope, Some(Library::Asyncio)) => "timeout",
            (StructuredKind::CancelScope, _) => "cancel scope",
            (StructuredKind::Wrapper, _) => "context manager",
        }
    }
}

const fn api(name: &'static str, kind: StructuredKind, library: Option<Library>) -> StructuredApi {
    let deadline = match kind {
        StructuredKind::CancelScope => Deadline::Always,
        _ => Deadline::Never,
    };
    StructuredApi {
        name,
        kind,
        library,
        deadline,
    }
}

const fn with_deadline(api: StructuredApi, deadline: Deadline) -> StructuredApi {
    StructuredApi { deadline, ..api }
}

use StructuredKind::{CancelScope, TaskGroup, Wrapper};

/// Every known task group and cancel scope constructor (asyncio names canonical): the one
/// table the task-group and cancellation rules read.
pub const STRUCTURED_APIS: &[StructuredApi] = &[
    api("asyncio.TaskGroup", TaskGroup, Some(Library::Asyncio)),
    api("trio.open_nursery", TaskGroup, Some(Library::Trio)),
    api("anyio.create_task_group", TaskGroup, Some(Library::AnyIO)),
    api("asyncio.timeout", CancelScope, Some(Library::Asyncio)),
    api("asyncio.timeout_at", CancelScope, Some(Library::Asyncio)),
    with_deadline(
        api("asyncio.Timeout", CancelScope, Some(Library::Asyncio)),
        Deadline::Never,
    ),
    api("async_timeout.timeout", CancelScope, Some(Library::Asyncio)),
    api(
        "async_timeout.timeout_at",
        CancelScope,
        Some(Library::Asyncio),
    ),
    api("trio.move_on_after", CancelScope, Some(Library::Trio)),
    api("trio.move_on_at", CancelScope, Some(Library::Trio)),
    api("trio.fail_after", CancelScope, Some(Library::Trio)),
    api("trio.fail_at", CancelScope, Some(Library::Trio)),
    with_deadline(
        api("trio.CancelScope", CancelScope, Some(Library::Trio)),
        Deadline::WhenGiven,
    ),
    api("anyio.move_on_after", CancelScope, Some(Library::AnyIO)),
    api("anyio.fail_after", CancelScope, Some(Library::AnyIO)),
    with_deadline(
        api("anyio.CancelScope", CancelScope, Some(Library::AnyIO)),
        Deadline::WhenGiven,
    ),
    api("trio_websocket.open_websocket", Wrapper, None),
    api("trio_websocket.open_websocket_url", Wrapper, None),
    api("trio_websocket.serve_websocket", Wrapper, None),
    api("trio_asyncio.open_loop", Wrapper, None),
    api("trio_util.move_on_when", Wrapper, None),
    api("trio_util.run_and_cancelling", Wrapper, None),
    api("anyio.from_thread.BlockingPortal", Wrapper, None),
    api("anyio.from_thread.start_blocking_portal", Wrapper, None),
    api("asgi_lifespan.LifespanManager", Wrapper, None),
];

/// The structured-concurrency API a qualified name refers to.
pub fn structured_api(qualified: &str) -> Option<&'static StructuredApi> {
    let canonical = names::canonical_asyncio_name(qualified);
    STRUCTURED_APIS
        .iter()
        .find(|api| api.name == canonical.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns() {
        assert_eq!(
            structured_api("trio.open_nursery").unwrap().noun(),
            "nursery"
        );
        assert_eq!(
            structured_api("asyncio.timeouts.timeout").unwrap().noun(),
            "timeout"
        );
        assert_eq!(
            structured_api("anyio.move_on_after").unwrap().noun(),
            "cancel scope"
        );
        assert!(structured_api("asyncio.Lock").is_none());
    }

    #[test]
    fn deadlines() {
        let deadline = |name| structured_api(name).unwrap().deadline;
        assert_eq!(deadline("trio.fail_after"), Deadline::Always);
        assert_eq!(deadline("asyncio.timeout_at"), Deadline::Always);
        assert_eq!(deadline("anyio.CancelScope"), Deadline::WhenGiven);
        assert_eq!(deadline("asyncio.Timeout"), Deadline::Never);
        assert_eq!(deadline("trio.open_nursery"), Deadline::Never);
        assert_eq!(deadline("asgi_lifespan.LifespanManager"), Deadline::Never);
    }
}
