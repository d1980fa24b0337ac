//! The coroutine facts as free functions, for rule files written against them before they moved
//! into the context (`src/context/coroutines.rs`). New code calls the `Context` methods.

use ruff_python_ast::{self as ast, Expr};

use crate::context::Context;
pub use crate::context::{contains_yield, CoroutineCallee, FunctionKind, Origin};

/// [`Context::coroutine_call`].
pub fn coroutine_call(call: &ast::ExprCall, ctx: &Context) -> Option<CoroutineCallee> {
    ctx.coroutine_call(call)
}

/// [`Context::local_function_kind`].
pub fn local_function_kind(func: &Expr, ctx: &Context) -> Option<FunctionKind> {
    ctx.local_function_kind(func)
}

/// [`Context::project_function_kind`].
pub fn project_function_kind(qualified: &str, ctx: &Context) -> Option<FunctionKind> {
    ctx.project_function_kind(qualified)
}

/// [`Context::async_context_manager`].
pub fn async_context_manager(expr: &Expr, ctx: &Context) -> Option<String> {
    ctx.async_context_manager(expr)
}

/// [`Context::async_iterable`].
pub fn async_iterable(expr: &Expr, ctx: &Context) -> Option<String> {
    ctx.async_iterable(expr)
}

/// [`Context::resolved_name`].
pub fn resolved_name(expr: &Expr, ctx: &Context) -> Option<String> {
    ctx.resolved_name(expr)
}

/// [`Context::resolved_type`].
pub fn resolved_type(expr: &Expr, ctx: &Context) -> Option<String> {
    ctx.resolved_type(expr)
}

/// [`Context::is_imported_name`].
pub fn is_imported_name(expr: &Expr, ctx: &Context) -> bool {
    ctx.is_imported_name(expr)
}

/// [`Context::local_function`].
pub fn local_function<'a>(
    func: &Expr,
    ctx: &Context<'a>,
) -> Option<(&'a ast::StmtFunctionDef, Origin)> {
    ctx.local_function(func)
}

/// [`Context::function_kind`].
pub fn function_kind(def: &ast::StmtFunctionDef, ctx: &Context) -> FunctionKind {
    ctx.function_kind(def)
}
