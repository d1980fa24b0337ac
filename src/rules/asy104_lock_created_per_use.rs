//! ASY104 lock-created-per-use: an `asyncio.Lock()` (or `Semaphore`, `Condition`, trio/anyio
//! twins) created where it is used, so that no other task can ever hold the same instance.
//!
//! Two shapes:
//! - inline: `async with asyncio.Lock():` — a new lock for every run of the statement;
//! - a local that never escapes: `lock = asyncio.Lock()` in a function whose every use of `lock`
//!   is `async with lock:` or a method call on it (`acquire()`, `release()`, `locked()`,
//!   `wait()`, `notify()`), in the function's own body.
//!
//! The local escapes, and is not reported, when it is used in any other way: returned, yielded,
//! passed to a call (`create_task(worker(lock))`), stored (`self.lock = lock`, `locks[k] = lock`,
//! `[lock]`), bound to another name, a bound method passed on (`add_done_callback(sem.release)`),
//! declared `global`/`nonlocal`, or used by a nested function, lambda or class (tasks running a
//! closure share it). Module-level locks and `self.x` attributes are never candidates.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::rules::concurrency_facts::lock_type;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

/// Methods whose call on the lock is a use, not an escape.
const LOCK_METHODS: &[&str] = &[
    "acquire",
    "acquire_nowait",
    "release",
    "locked",
    "wait",
    "wait_for",
    "notify",
    "notify_all",
    "statistics",
];

const HELP: &str = "Create it once where every task can reach it: at module level, as an \
                    attribute of a shared object, or passed to the tasks";

#[derive(Default)]
pub struct LockCreatedPerUse {
    candidates: Vec<Candidate>,
    /// Names declared `global`/`nonlocal`, with the function that declares them.
    declared: Vec<(TextRange, String)>,
}

/// A lock bound to a local name, reported at the end of its function unless it escaped.
struct Candidate {
    name: String,
    /// The function that binds it.
    function: TextRange,
    function_name: String,
    /// The constructor call (`asyncio.Lock()`), which identifies the binding.
    value: TextRange,
    /// The assignment target, where the finding goes.
    target: TextRange,
    ty: &'static str,
    used: bool,
    escaped: bool,
}

impl Rule for LockCreatedPerUse {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            expr: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        if !matches!(
            stmt,
            Stmt::With(_)
                | Stmt::Assign(_)
                | Stmt::AnnAssign(_)
                | Stmt::Global(_)
                | Stmt::Nonlocal(_)
        ) || !ctx.in_function()
        {
            return;
        }
        // Tests create locks to exercise them.
        if ctx.in_test_code() {
            return;
        }
        match stmt {
            Stmt::With(with) if with.is_async => {
                for item in &with.items {
                    let Expr::Call(call) = &item.context_expr else {
                        continue;
                    };
                    let Some(ty) = constructed_lock(call, ctx) else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            "ASY104",
                            call.range(),
                            format!(
                                "`{ty}()` created in the `async with` statement guards nothing; every run gets a new one"
                            ),
                        )
                        .with_help(HELP),
                    );
                }
            }
            Stmt::Assign(assign) => {
                if let ([target], Expr::Call(call)) =
                    (assign.targets.as_slice(), assign.value.as_ref())
                {
                    self.add_candidate(target, call, ctx);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(Expr::Call(call)) = assign.value.as_deref() {
                    self.add_candidate(&assign.target, call, ctx);
                }
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                if let Some(function) = enclosing_function(ctx) {
                    for name in names {
                        self.declared.push((function.range(), name.to_string()));
                        for candidate in &mut self.candidates {
                            if candidate.name == name.as_str() {
                                candidate.escaped = true;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        if self.candidates.is_empty() {
            return;
        }
        let Expr::Name(name) = expr else {
            return;
        };
        if name.ctx != ExprContext::Load {
            return;
        }
        let Some(index) = self
            .candidates
            .iter()
            .position(|candidate| candidate.name == name.id.as_str())
        else {
            return;
        };
        let candidate = &self.candidates[index];
        // The same binding: the name still refers to the constructor call.
        let same_binding = matches!(
            ctx.lookup(name.id.as_str()),
            Some(Binding::Local { value: Some(value) }) if value.range() == candidate.value
        );
        if !same_binding {
            return;
        }
        let in_own_body = enclosing_function(ctx).is_some_and(|f| f.range() == candidate.function);
        let use_kind = in_own_body.then(|| lock_use(name, ctx)).flatten();
        let candidate = &mut self.candidates[index];
        match use_kind {
            Some(()) => candidate.used = true,
            None => candidate.escaped = true,
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, _ctx: &Context, out: &mut Report) {
        let Stmt::FunctionDef(def) = stmt else {
            return;
        };
        if self.candidates.is_empty() {
            self.declared
                .retain(|(function, _)| *function != def.range());
            return;
        }
        let range = def.range();
        let (done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.candidates)
            .into_iter()
            .partition(|candidate| candidate.function == range);
        self.candidates = rest;
        self.declared.retain(|(function, _)| *function != range);
        for candidate in done {
            if !candidate.used || candidate.escaped {
                continue;
            }
            out.push(
                Diagnostic::new(
                    "ASY104",
                    candidate.target,
                    format!(
                        "`{}` from `{}()` is created on every call of `{}` and never shared, so it guards nothing",
                        candidate.name, candidate.ty, candidate.function_name
                    ),
                )
                .with_help(HELP),
            );
        }
    }
}

impl LockCreatedPerUse {
    /// `name = asyncio.Lock()` directly in a function body (not a class body or lambda in it).
    fn add_candidate(&mut self, target: &Expr, call: &ast::ExprCall, ctx: &Context) {
        let Expr::Name(name) = target else {
            return;
        };
        let Some(function) = enclosing_function(ctx) else {
            return;
        };
        let Some(ty) = constructed_lock(call, ctx) else {
            return;
        };
        let declared = self
            .declared
            .iter()
            .any(|(f, n)| *f == function.range() && n == name.id.as_str());
        let single_binding = matches!(
            ctx.lookup(name.id.as_str()),
            Some(Binding::Local { value: Some(value) }) if value.range() == call.range()
        );
        if declared || !single_binding {
            return;
        }
        // Bound again in the same function (`lock = asyncio.Lock()` twice): one candidate.
        if self
            .candidates
            .iter()
            .any(|c| c.name == name.id.as_str() && c.function == function.range())
        {
            return;
        }
        self.candidates.push(Candidate {
            name: name.id.to_string(),
            function: function.range(),
            function_name: function.name.to_string(),
            value: call.range(),
            target: target.range(),
            ty,
            used: false,
            // A nested function defined above the assignment (`async def task(): async with
            // lock: ...`) was walked before the candidate existed.
            escaped: used_in_nested_scope(&function.body, name.id.as_str()),
        });
    }
}

/// Does a nested function, lambda or class in `body` mention `name`?
fn used_in_nested_scope(body: &[Stmt], name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        nested: usize,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found {
                return;
            }
            let opens = matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_));
            self.nested += usize::from(opens);
            visitor::walk_stmt(self, stmt);
            self.nested -= usize::from(opens);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found {
                return;
            }
            match expr {
                Expr::Name(found) if self.nested > 0 && found.id.as_str() == self.name => {
                    self.found = true;
                }
                Expr::Lambda(_) => {
                    self.nested += 1;
                    visitor::walk_expr(self, expr);
                    self.nested -= 1;
                }
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder {
        name,
        nested: 0,
        found: false,
    };
    finder.visit_body(body);
    finder.found
}

/// The lock type a call constructs (`asyncio.Lock`), asyncio names canonical.
fn constructed_lock(call: &ast::ExprCall, ctx: &Context) -> Option<&'static str> {
    if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)) {
        return None;
    }
    lock_type(&ctx.qualified_name(&call.func)?)
}

/// The function whose own body the current node is in: the innermost `def`, unless a lambda or
/// class body is in between.
fn enclosing_function<'a>(ctx: &Context<'a>) -> Option<&'a ast::StmtFunctionDef> {
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtFunctionDef(def) => return Some(def),
            AnyNodeRef::StmtClassDef(_) | AnyNodeRef::ExprLambda(_) => return None,
            _ => {}
        }
    }
    None
}

/// `Some(())` when a load of the lock's name is a use that keeps it local: the item of a
/// `with` statement, or the receiver of one of its methods, called.
fn lock_use(name: &ast::ExprName, ctx: &Context) -> Option<()> {
    let mut parents = ctx.parents().rev();
    match parents.next()? {
        AnyNodeRef::StmtWith(with) => with
            .items
            .iter()
            .any(|item| item.context_expr.range() == name.range())
            .then_some(()),
        AnyNodeRef::ExprAttribute(attribute) => {
            if !LOCK_METHODS.contains(&attribute.attr.as_str()) {
                return None;
            }
            match parents.next()? {
                AnyNodeRef::ExprCall(call) if call.func.range() == attribute.range() => {}
                _ => return None,
            }
            // The call's result must be consumed here: `task = create_task(lock.acquire())`
            // makes another task acquire the lock.
            match parents.next()? {
                AnyNodeRef::ExprAwait(_)
                | AnyNodeRef::StmtExpr(_)
                | AnyNodeRef::ExprAttribute(_)
                | AnyNodeRef::ExprCompare(_)
                | AnyNodeRef::ExprUnaryOp(_)
                | AnyNodeRef::ExprBoolOp(_)
                | AnyNodeRef::ExprIf(_)
                | AnyNodeRef::StmtIf(_)
                | AnyNodeRef::StmtWhile(_)
                | AnyNodeRef::StmtAssert(_) => Some(()),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn check(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY104").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_local_used_only_by_the_function() {
        assert_eq!(
            check("import asyncio\nasync def f():\n    lock = asyncio.locks.Lock()\n    async with lock:\n        pass\n"),
            vec!["`lock` from `asyncio.Lock()` is created on every call of `f` and never shared, so it guards nothing"]
        );
    }

    #[test]
    fn uses_in_other_functions_do_not_count() {
        // Two functions with a local of the same name: each is judged on its own.
        let found = check(
            "import asyncio\nasync def f(w):\n    lock = asyncio.Lock()\n    await w(lock)\nasync def g():\n    lock = asyncio.Lock()\n    async with lock:\n        pass\n",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("call of `g`"), "{found:?}");
    }

    #[test]
    fn an_unused_or_rebound_lock_is_not_reported() {
        assert!(check("import asyncio\nasync def f():\n    lock = asyncio.Lock()\n").is_empty());
        assert!(check(
            "import asyncio\nasync def f(other):\n    lock = asyncio.Lock()\n    async with lock:\n        pass\n    lock = other\n"
        )
        .is_empty());
        assert!(check(
            "import asyncio\nasync def f():\n    lock = asyncio.Lock()\n    alias = lock\n    async with lock:\n        pass\n"
        )
        .is_empty());
    }
}
