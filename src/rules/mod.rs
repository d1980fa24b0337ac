//! The rule trait, the registry of every rule, and rule metadata read from the catalog.

use std::sync::OnceLock;

use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::catalog::{self, RuleInfo};
use crate::context::Context;
use crate::diagnostic::Diagnostic;

pub mod blocking;
pub mod blocking_io_facts;
pub mod cancellation_facts;
pub mod coroutine_facts;
pub mod path_facts;
pub mod socket_facts;
pub mod task_group_facts;
pub mod thread_facts;

mod asy001_blocking_sleep_in_async_function;
pub mod asy002_blocking_http_call_in_async_function;
pub mod asy003_blocking_open_call_in_async_function;
pub mod asy004_blocking_filesystem_call_in_async_function;
pub mod asy005_blocking_subprocess_in_async_function;
pub mod asy006_blocking_input_in_async_function;
pub mod asy007_blocking_socket_call_in_async_function;
pub mod asy008_sync_client_in_async_function;
pub mod asy009_blocking_wait_in_async_function;
pub mod asy010_threading_lock_held_across_await;
pub mod asy011_configured_blocking_call;
pub mod asy012_cpu_bound_call_in_async_function;
pub mod asy013_offload_called_not_passed;
mod asy020_coroutine_never_awaited;
mod asy021_coroutine_in_boolean_context;
mod asy022_sync_with_on_async_context_manager;
mod asy023_sync_for_over_async_iterator;
mod asy024_event_loop_run_in_async_function;
mod asy025_get_event_loop_in_async_function;
mod asy026_async_function_as_sync_callback;
mod asy027_unused_async;
mod asy028_yield_in_cancel_scope;
mod asy029_bare_coroutine_in_asyncio_wait;
mod asy040_dangling_task;
mod asy041_gather_exceptions_discarded;
mod asy042_control_flow_in_task_group;
mod asy043_single_task_task_group;
mod asy080_cancellation_swallowed;
mod asy081_timeout_scope_without_await;
mod asy082_async_function_with_timeout_parameter;
mod asy083_await_in_finally_without_shield;
mod asy121_loop_argument;
mod asy122_asyncio_timeout_error_alias;

/// Findings a hook reports.
pub type Report = Vec<Diagnostic>;

/// Which hooks a rule wants; the walker calls only these.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hooks {
    pub call: bool,
    pub expr: bool,
    pub stmt: bool,
    pub leave_stmt: bool,
    pub except_handler: bool,
}

/// One lint rule. A fresh instance checks each file, so a rule may keep per-file state; hooks get
/// the read-only context, so no rule depends on another. Every hook defaults to doing nothing.
pub trait Rule: Send {
    fn hooks(&self) -> Hooks;

    /// Every call expression, before its children.
    fn check_call(&mut self, _call: &ast::ExprCall, _ctx: &Context, _out: &mut Report) {}

    /// Every expression, before its children (prefer `check_call` for calls).
    fn check_expr(&mut self, _expr: &Expr, _ctx: &Context, _out: &mut Report) {}

    /// Every statement, before its children.
    fn check_stmt(&mut self, _stmt: &Stmt, _ctx: &Context, _out: &mut Report) {}

    /// Every statement, after its children; the statement's frame (function, with, try, loop)
    /// is still the current frame, with the facts gathered inside it.
    fn leave_stmt(&mut self, _stmt: &Stmt, _ctx: &Context, _out: &mut Report) {}

    /// Every `except` clause, before its body.
    fn check_except_handler(
        &mut self,
        _handler: &ast::ExceptHandlerExceptHandler,
        _ctx: &Context,
        _out: &mut Report,
    ) {
    }
}

/// A registered rule: its code, its catalog page (which holds its metadata), and a constructor.
pub struct RuleEntry {
    pub code: &'static str,
    pub doc: &'static str,
    pub create: fn() -> Box<dyn Rule>,
}

macro_rules! rule {
    ($code:literal, $module:ident :: $ty:ident) => {
        RuleEntry {
            code: $code,
            doc: include_str!(concat!("../../rules/", $code, ".md")),
            create: || Box::new($module::$ty::default()),
        }
    };
}

/// Every rule, one line each, in code order.
pub static RULES: &[RuleEntry] = &[
    rule!(
        "ASY001",
        asy001_blocking_sleep_in_async_function::BlockingSleepInAsyncFunction
    ),
    rule!(
        "ASY002",
        asy002_blocking_http_call_in_async_function::BlockingHttpCallInAsyncFunction
    ),
    rule!(
        "ASY003",
        asy003_blocking_open_call_in_async_function::BlockingOpenCallInAsyncFunction
    ),
    rule!(
        "ASY004",
        asy004_blocking_filesystem_call_in_async_function::BlockingFilesystemCallInAsyncFunction
    ),
    rule!(
        "ASY005",
        asy005_blocking_subprocess_in_async_function::BlockingSubprocessInAsyncFunction
    ),
    rule!(
        "ASY006",
        asy006_blocking_input_in_async_function::BlockingInputInAsyncFunction
    ),
    rule!(
        "ASY007",
        asy007_blocking_socket_call_in_async_function::BlockingSocketCallInAsyncFunction
    ),
    rule!(
        "ASY008",
        asy008_sync_client_in_async_function::SyncClientInAsyncFunction
    ),
    rule!(
        "ASY009",
        asy009_blocking_wait_in_async_function::BlockingWaitInAsyncFunction
    ),
    rule!(
        "ASY010",
        asy010_threading_lock_held_across_await::ThreadingLockHeldAcrossAwait
    ),
    rule!(
        "ASY011",
        asy011_configured_blocking_call::ConfiguredBlockingCall
    ),
    rule!(
        "ASY012",
        asy012_cpu_bound_call_in_async_function::CpuBoundCallInAsyncFunction
    ),
    rule!(
        "ASY013",
        asy013_offload_called_not_passed::OffloadCalledNotPassed
    ),
    rule!(
        "ASY020",
        asy020_coroutine_never_awaited::CoroutineNeverAwaited
    ),
    rule!(
        "ASY021",
        asy021_coroutine_in_boolean_context::CoroutineInBooleanContext
    ),
    rule!(
        "ASY022",
        asy022_sync_with_on_async_context_manager::SyncWithOnAsyncContextManager
    ),
    rule!(
        "ASY023",
        asy023_sync_for_over_async_iterator::SyncForOverAsyncIterator
    ),
    rule!(
        "ASY024",
        asy024_event_loop_run_in_async_function::EventLoopRunInAsyncFunction
    ),
    rule!(
        "ASY025",
        asy025_get_event_loop_in_async_function::GetEventLoopInAsyncFunction
    ),
    rule!(
        "ASY026",
        asy026_async_function_as_sync_callback::AsyncFunctionAsSyncCallback
    ),
    rule!("ASY027", asy027_unused_async::UnusedAsync),
    rule!("ASY028", asy028_yield_in_cancel_scope::YieldInCancelScope),
    rule!(
        "ASY029",
        asy029_bare_coroutine_in_asyncio_wait::BareCoroutineInAsyncioWait
    ),
    rule!("ASY040", asy040_dangling_task::DanglingTask),
    rule!(
        "ASY041",
        asy041_gather_exceptions_discarded::GatherExceptionsDiscarded
    ),
    rule!(
        "ASY042",
        asy042_control_flow_in_task_group::ControlFlowInTaskGroup
    ),
    rule!("ASY043", asy043_single_task_task_group::SingleTaskTaskGroup),
    rule!(
        "ASY080",
        asy080_cancellation_swallowed::CancellationSwallowed
    ),
    rule!(
        "ASY081",
        asy081_timeout_scope_without_await::TimeoutScopeWithoutAwait
    ),
    rule!(
        "ASY082",
        asy082_async_function_with_timeout_parameter::AsyncFunctionWithTimeoutParameter
    ),
    rule!(
        "ASY083",
        asy083_await_in_finally_without_shield::AwaitInFinallyWithoutShield
    ),
    rule!("ASY121", asy121_loop_argument::LoopArgument),
    rule!(
        "ASY122",
        asy122_asyncio_timeout_error_alias::AsyncioTimeoutErrorAlias
    ),
];

/// Metadata of every rule, parsed once from the catalog front matter (in `RULES` order).
pub fn infos() -> &'static [RuleInfo] {
    static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        RULES
            .iter()
            .map(|entry| {
                catalog::parse_front_matter(entry.doc).unwrap_or_else(|err| {
                    // The catalog is compiled in and checked by tests; a broken page is a bug.
                    panic!("rules/{}.md: {err}", entry.code)
                })
            })
            .collect()
    })
}

/// The index of a rule in `RULES` by its code.
pub fn index_of(code: &str) -> Option<usize> {
    RULES.iter().position(|entry| entry.code == code)
}
