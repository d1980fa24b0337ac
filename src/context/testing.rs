//! A probe for the context's unit tests: walk a source and record what the context says at
//! every call, statement or `except` clause.

use std::path::Path;
use std::sync::{Arc, Mutex};

use ruff_python_ast::{self as ast, PySourceType, Stmt};
use ruff_python_parser::parse_unchecked_source;

use crate::context::Context;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::Settings;
use crate::walker::{RuleHooks, Walker};

/// What a probe records at each node of one kind (`None`: nothing).
pub(crate) type See<N, T> = fn(&N, &Context) -> Option<T>;

struct Probe<T> {
    call: Option<See<ast::ExprCall, T>>,
    stmt: Option<See<Stmt, T>>,
    handler: Option<See<ast::ExceptHandlerExceptHandler, T>>,
    seen: Arc<Mutex<Vec<T>>>,
}

impl<T: Send + 'static> Rule for Probe<T> {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: self.call.is_some(),
            stmt: self.stmt.is_some(),
            except_handler: self.handler.is_some(),
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
        if let Some(seen) = self.call.and_then(|see| see(call, ctx)) {
            self.seen.lock().unwrap().push(seen);
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        if let Some(seen) = self.stmt.and_then(|see| see(stmt, ctx)) {
            self.seen.lock().unwrap().push(seen);
        }
    }

    fn check_except_handler(
        &mut self,
        handler: &ast::ExceptHandlerExceptHandler,
        ctx: &Context,
        _out: &mut Report,
    ) {
        if let Some(seen) = self.handler.and_then(|see| see(handler, ctx)) {
            self.seen.lock().unwrap().push(seen);
        }
    }
}

fn walk<T: Send + 'static>(source: &str, path: Option<&Path>, probe: Probe<T>) -> Vec<T> {
    let parsed = parse_unchecked_source(source, PySourceType::Python);
    assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
    let seen = probe.seen.clone();
    let settings = Settings::default();
    let ctx = Context::new(source, parsed.syntax(), &settings).with_path(path);
    let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
    walker.walk_module(parsed.syntax());
    drop(walker);
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    seen
}

fn probe<T>() -> Probe<T> {
    Probe {
        call: None,
        stmt: None,
        handler: None,
        seen: Arc::default(),
    }
}

/// What `see` says at every call of `source`, in walk order.
pub(crate) fn at_calls<T: Send + 'static>(source: &str, see: See<ast::ExprCall, T>) -> Vec<T> {
    at_calls_in(source, None, see)
}

/// [`at_calls`] for a source read from `path`.
pub(crate) fn at_calls_in<T: Send + 'static>(
    source: &str,
    path: Option<&Path>,
    see: See<ast::ExprCall, T>,
) -> Vec<T> {
    walk(
        source,
        path,
        Probe {
            call: Some(see),
            ..probe()
        },
    )
}

/// What `see` says at every statement of `source`, in walk order.
pub(crate) fn at_statements<T: Send + 'static>(source: &str, see: See<Stmt, T>) -> Vec<T> {
    walk(
        source,
        None,
        Probe {
            stmt: Some(see),
            ..probe()
        },
    )
}

/// What `see` says at every `except` clause of `source`, in walk order.
pub(crate) fn at_handlers<T: Send + 'static>(
    source: &str,
    see: See<ast::ExceptHandlerExceptHandler, T>,
) -> Vec<T> {
    walk(
        source,
        None,
        Probe {
            handler: Some(see),
            ..probe()
        },
    )
}

/// The callee of a call named `probe` (`probe(x)` or `x.probe()`): its receiver for a method.
pub(crate) fn probed(call: &ast::ExprCall) -> Option<&ast::Expr> {
    match call.func.as_ref() {
        ast::Expr::Attribute(attribute) if attribute.attr.as_str() == "probe" => {
            Some(&attribute.value)
        }
        ast::Expr::Name(name) if name.id.as_str() == "probe" => Some(call.func.as_ref()),
        _ => None,
    }
}
