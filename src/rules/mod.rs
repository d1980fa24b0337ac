//! The rule trait, the registry of every rule, and rule metadata read from the catalog.

use std::sync::OnceLock;

use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::catalog::{self, RuleInfo};
use crate::context::Context;
use crate::diagnostic::Diagnostic;

pub mod blocking;

mod asy001_blocking_sleep_in_async_function;
mod asy024_event_loop_run_in_async_function;
mod asy025_get_event_loop_in_async_function;
mod asy040_dangling_task;
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
        "ASY024",
        asy024_event_loop_run_in_async_function::EventLoopRunInAsyncFunction
    ),
    rule!(
        "ASY025",
        asy025_get_event_loop_in_async_function::GetEventLoopInAsyncFunction
    ),
    rule!("ASY040", asy040_dangling_task::DanglingTask),
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
