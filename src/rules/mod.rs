//! The rule trait, the registry of every rule, and rule metadata read from the catalog.

use std::sync::OnceLock;

use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::catalog::{self, RuleInfo};
use crate::context::Context;
use crate::diagnostic::Diagnostic;

pub mod blocking;
pub mod concurrency_facts;
pub mod coroutine_facts;
pub mod modernise_facts;
pub mod modernise_legacy_facts;
pub mod pytest_facts;
pub mod resource_facts;
pub mod route_facts;
pub(crate) mod unused_locals;

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
mod asy014_blocking_call_via_helper;
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
mod asy060_acquire_without_context_manager;
mod asy061_client_session_not_closed;
mod asy062_client_session_per_call;
mod asy063_response_not_released;
mod asy064_subprocess_wait_with_pipes;
mod asy065_aiofiles_open_without_async_with;
mod asy080_cancellation_swallowed;
mod asy081_timeout_scope_without_await;
mod asy082_async_function_with_timeout_parameter;
mod asy083_await_in_finally_without_shield;
mod asy100_unbounded_gather;
mod asy101_busy_wait_polling;
mod asy102_sequential_awaits_in_loop;
mod asy103_unbounded_queue;
mod asy104_lock_created_per_use;
mod asy105_await_between_check_and_set;
mod asy120_asyncio_coroutine_decorator;
mod asy121_loop_argument;
mod asy122_asyncio_timeout_error_alias;
mod asy123_deprecated_iscoroutinefunction;
mod asy124_run_in_executor_default_to_thread;
mod asy125_manual_event_loop_management;
mod asy126_ensure_future_on_coroutine;
mod asy127_wait_for_to_timeout;
mod asy128_removed_task_classmethod;
mod asy129_async_timeout_package;
mod asy130_deprecated_event_loop_policy;
mod asy140_fastapi_on_event;
mod asy141_httpx_app_argument;
mod asy142_async_test_never_runs;
mod asy143_sync_mock_for_async_function;
mod asy144_django_sync_orm_in_async_function;
mod asy145_signal_handler_in_async_code;

/// Findings a hook reports.
pub type Report = Vec<Diagnostic>;

/// `text` with its first letter in upper case: help texts are built from message fragments.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

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
        "ASY014",
        asy014_blocking_call_via_helper::BlockingCallViaHelper
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
        "ASY060",
        asy060_acquire_without_context_manager::AcquireWithoutContextManager
    ),
    rule!(
        "ASY061",
        asy061_client_session_not_closed::ClientSessionNotClosed
    ),
    rule!(
        "ASY062",
        asy062_client_session_per_call::ClientSessionPerCall
    ),
    rule!("ASY063", asy063_response_not_released::ResponseNotReleased),
    rule!(
        "ASY064",
        asy064_subprocess_wait_with_pipes::SubprocessWaitWithPipes
    ),
    rule!(
        "ASY065",
        asy065_aiofiles_open_without_async_with::AiofilesOpenWithoutAsyncWith
    ),
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
    rule!("ASY100", asy100_unbounded_gather::UnboundedGather),
    rule!("ASY101", asy101_busy_wait_polling::BusyWaitPolling),
    rule!(
        "ASY102",
        asy102_sequential_awaits_in_loop::SequentialAwaitsInLoop
    ),
    rule!("ASY103", asy103_unbounded_queue::UnboundedQueue),
    rule!("ASY104", asy104_lock_created_per_use::LockCreatedPerUse),
    rule!(
        "ASY105",
        asy105_await_between_check_and_set::AwaitBetweenCheckAndSet
    ),
    rule!(
        "ASY120",
        asy120_asyncio_coroutine_decorator::AsyncioCoroutineDecorator
    ),
    rule!("ASY121", asy121_loop_argument::LoopArgument),
    rule!(
        "ASY122",
        asy122_asyncio_timeout_error_alias::AsyncioTimeoutErrorAlias
    ),
    rule!(
        "ASY123",
        asy123_deprecated_iscoroutinefunction::DeprecatedIscoroutinefunction
    ),
    rule!(
        "ASY124",
        asy124_run_in_executor_default_to_thread::RunInExecutorDefaultToThread
    ),
    rule!(
        "ASY125",
        asy125_manual_event_loop_management::ManualEventLoopManagement
    ),
    rule!(
        "ASY126",
        asy126_ensure_future_on_coroutine::EnsureFutureOnCoroutine
    ),
    rule!("ASY127", asy127_wait_for_to_timeout::WaitForToTimeout),
    rule!(
        "ASY128",
        asy128_removed_task_classmethod::RemovedTaskClassmethod
    ),
    rule!("ASY129", asy129_async_timeout_package::AsyncTimeoutPackage),
    rule!(
        "ASY130",
        asy130_deprecated_event_loop_policy::DeprecatedEventLoopPolicy
    ),
    rule!("ASY140", asy140_fastapi_on_event::FastapiOnEvent),
    rule!("ASY141", asy141_httpx_app_argument::HttpxAppArgument),
    rule!("ASY142", asy142_async_test_never_runs::AsyncTestNeverRuns),
    rule!(
        "ASY143",
        asy143_sync_mock_for_async_function::SyncMockForAsyncFunction
    ),
    rule!(
        "ASY144",
        asy144_django_sync_orm_in_async_function::DjangoSyncOrmInAsyncFunction
    ),
    rule!(
        "ASY145",
        asy145_signal_handler_in_async_code::SignalHandlerInAsyncCode
    ),
];

/// Metadata of every rule, parsed once from the catalog front matter (in `RULES` order). A page
/// whose front matter does not parse is a bug the tests report (`catalog_errors`); the binary
/// still runs, with placeholder metadata for that rule (see [`placeholder_info`]).
pub fn infos() -> &'static [RuleInfo] {
    &parsed_catalog().0
}

/// The catalog pages compiled in whose front matter does not parse, as
/// `rules/ASYNNN.md: <error>` (empty when the catalog is sound).
pub fn catalog_errors() -> &'static [String] {
    &parsed_catalog().1
}

fn parsed_catalog() -> &'static (Vec<RuleInfo>, Vec<String>) {
    static CATALOG: OnceLock<(Vec<RuleInfo>, Vec<String>)> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut errors = Vec::new();
        let infos = RULES
            .iter()
            .map(|entry| {
                catalog::parse_front_matter(entry.doc).unwrap_or_else(|err| {
                    let error = format!("rules/{}.md: {err}", entry.code);
                    let info = placeholder_info(entry.code, &error);
                    errors.push(error);
                    info
                })
            })
            .collect();
        (infos, errors)
    })
}

/// Metadata for a rule whose catalog page is broken: selectable by its code, off by default,
/// never fixing, with the error as its summary.
fn placeholder_info(code: &str, error: &str) -> RuleInfo {
    RuleInfo {
        code: code.to_string(),
        name: code.to_ascii_lowercase(),
        summary: format!("(invalid catalog page: {error})"),
        severity: catalog::Severity::Error,
        fix: catalog::FixAvailability::None,
        default: false,
        since: String::new(),
        upstream: Vec::new(),
    }
}

/// The index of a rule in `RULES` by its code.
pub fn index_of(code: &str) -> Option<usize> {
    RULES.iter().position(|entry| entry.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_parses_and_a_broken_page_gets_a_placeholder() {
        assert_eq!(catalog_errors(), &[] as &[String]);
        assert_eq!(infos().len(), RULES.len());
        let error = catalog::parse_front_matter("+++\ncode = 1\n+++\n").unwrap_err();
        let info = placeholder_info("ASY999", &error);
        assert_eq!(info.name, "asy999");
        assert!(!info.default);
        assert_eq!(info.fix, catalog::FixAvailability::None);
        assert!(
            info.summary.contains("invalid catalog page"),
            "{}",
            info.summary
        );
    }
}
