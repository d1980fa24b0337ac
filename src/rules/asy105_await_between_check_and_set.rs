//! ASY105 await-between-check-and-set: shared state checked by an `if`, then an `await`, then
//! the same state assigned in that branch — another task can run at the `await` and pass the
//! same check.
//!
//! The check is a condition of the `if` (or an earlier condition, for `elif`/`else` branches) on
//! shared state: `self.x` (any attribute chain on the receiver), a `global`/`nonlocal` name, or
//! an entry of a shared dict (`key in self.cache`, `self.cache.get(key)`, `key not in CACHE`):
//! `x is None`, `not x`, `x == value`, bare `x`, `k in d`. The set is an assignment (`=`, `:=`-free
//! `+=`, annotated) to the same target (`self.x = ...`, `self.cache[key] = ...`).
//!
//! The branch is scanned in order, into nested `if`, `try` and `with` bodies: once an `await`
//! (or `async with`/`async for`) has run, an assignment to a checked target is reported (also
//! `self.x = await connect()`, whose `await` runs before the store). Not reported: when an
//! `async with <lock>` holds the check (around the `if`) or the set (in the branch), when the
//! branch checks the target again (double-checked locking), when the function acquires a lock
//! anywhere (`await self._lock.acquire()` before the check), when the set clears the state
//! (`= None`, `= False`: teardown that a second task may repeat harmlessly), or in test code.

use ruff_python_ast::comparable::ComparableExpr;
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::rules::concurrency_facts::{body_contains, expr_contains, lock_for, Node};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

/// Longest target quoted in a message.
const MAX_QUOTE: usize = 40;

#[derive(Default)]
pub struct AwaitBetweenCheckAndSet;

impl Rule for AwaitBetweenCheckAndSet {
    fn hooks(&self) -> Hooks {
        Hooks {
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::If(if_stmt) = stmt else {
            return;
        };
        if !ctx.in_async_function() {
            return;
        }
        // Cheapest guard: some branch must await.
        if !body_contains(std::slice::from_ref(stmt), |node| is_checkpoint(node)) {
            return;
        }
        if ctx.in_test_code() || held_under_lock(ctx) {
            return;
        }
        // A lock acquired anywhere in the function (`await self._lock.acquire()` before the
        // check) may hold it.
        if ctx
            .current_function()
            .is_some_and(|def| ctx.acquires_limiter(&def.body))
        {
            return;
        }
        let mut subjects: Vec<&Expr> = Vec::new();
        collect_subjects(&if_stmt.test, ctx, &mut subjects);
        let mut clauses = vec![(subjects.clone(), if_stmt.body.as_slice())];
        for clause in &if_stmt.elif_else_clauses {
            if let Some(test) = &clause.test {
                collect_subjects(test, ctx, &mut subjects);
            }
            clauses.push((subjects.clone(), clause.body.as_slice()));
        }
        let library = ctx.library();
        for (subjects, body) in clauses {
            if subjects.is_empty() {
                continue;
            }
            let mut scan = Scan {
                subjects: &subjects,
                reported: Vec::new(),
                seen_await: false,
                aborted: false,
                ctx,
            };
            scan.body(body);
            for target in scan.reported {
                let name = quote(ctx, target).unwrap_or("the checked state");
                out.push(
                    Diagnostic::new(
                        "ASY105",
                        target.range(),
                        format!(
                            "`{name}` is checked before an `await` and set after it; another task can pass the same check in between"
                        ),
                    )
                    .with_help(help(library)),
                );
            }
        }
    }
}

fn help(library: Library) -> String {
    format!(
        "Hold {} `{}` from the check to the assignment, or check again after the `await`",
        if library == Library::Trio { "a" } else { "an" },
        lock_for(library)
    )
}

fn is_checkpoint(node: Node) -> bool {
    matches!(
        node,
        Node::Expr(Expr::Await(_))
            | Node::Stmt(Stmt::With(ast::StmtWith { is_async: true, .. }))
            | Node::Stmt(Stmt::For(ast::StmtFor { is_async: true, .. }))
    )
}

/// Is the current statement inside `async with <lock>:` in the current function?
fn held_under_lock(ctx: &Context) -> bool {
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtWith(with)
                if with
                    .items
                    .iter()
                    .any(|item| ctx.looks_like_limiter(&item.context_expr)) =>
            {
                return true;
            }
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_) => return false,
            _ => {}
        }
    }
    false
}

/// The shared targets a condition checks: `self.x`, a global name, `d[k]` (from `k in d` or
/// `d.get(k)`; `d` shared). Subscript subjects are represented by the `in`/`get` expression
/// they come from and matched by `matches_subject`.
fn collect_subjects<'a>(test: &'a Expr, ctx: &Context, subjects: &mut Vec<&'a Expr>) {
    match test {
        Expr::BoolOp(bool_op) => {
            for value in &bool_op.values {
                collect_subjects(value, ctx, subjects);
            }
        }
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
            collect_subjects(&unary.operand, ctx, subjects);
        }
        Expr::Compare(compare) => {
            let in_test = compare
                .ops
                .iter()
                .any(|op| matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn));
            if in_test {
                if let [container] = compare.comparators.as_ref() {
                    if is_shared(container, ctx) {
                        subjects.push(test);
                    }
                }
                return;
            }
            for operand in std::iter::once(compare.left.as_ref()).chain(compare.comparators.iter())
            {
                collect_subjects(operand, ctx, subjects);
            }
        }
        Expr::Call(call) => {
            // `d.get(k)`
            if let Expr::Attribute(attribute) = call.func.as_ref() {
                if attribute.attr.as_str() == "get"
                    && !call.arguments.args.is_empty()
                    && is_shared(&attribute.value, ctx)
                {
                    subjects.push(test);
                }
            }
        }
        Expr::Attribute(_) | Expr::Name(_) if is_shared(test, ctx) => subjects.push(test),
        _ => {}
    }
}

/// Is an expression state other tasks can see: an attribute chain on the method's receiver
/// (`self.x`, `cls.cache`), or a module-level name (for subscripts) or a name the function
/// declares `global`/`nonlocal` (for plain assignment; checked at the set)?
fn is_shared(expr: &Expr, ctx: &Context) -> bool {
    match expr {
        Expr::Attribute(attribute) => {
            let mut base = attribute.value.as_ref();
            while let Expr::Attribute(inner) = base {
                base = &inner.value;
            }
            matches!(base, Expr::Name(name) if matches!(ctx.lookup(name.id.as_str()), Some(Binding::SelfParameter)))
        }
        Expr::Name(name) => {
            is_module_name(name.id.as_str(), ctx) || declares_shared(name.id.as_str(), ctx)
        }
        _ => false,
    }
}

/// Does the current function declare `name` `global` or `nonlocal`?
fn declares_shared(name: &str, ctx: &Context) -> bool {
    let Some(def) = ctx.current_function() else {
        return false;
    };
    body_contains(&def.body, |node| match node {
        Node::Stmt(Stmt::Global(ast::StmtGlobal { names, .. }))
        | Node::Stmt(Stmt::Nonlocal(ast::StmtNonlocal { names, .. })) => {
            names.iter().any(|n| n.as_str() == name)
        }
        _ => false,
    })
}

/// Does `name` refer to a module-level binding here (not an import or a definition)?
fn is_module_name(name: &str, ctx: &Context) -> bool {
    let (Some(here), Some(module)) = (ctx.lookup(name), ctx.module_binding(name)) else {
        return false;
    };
    std::ptr::eq(here, module) && matches!(module, Binding::Local { .. })
}

/// Does the assignment target `target` set the checked `subject`?
fn matches_subject(subject: &Expr, target: &Expr) -> bool {
    match subject {
        // `k in d` / `d.get(k)`: the target is `d[k]`.
        Expr::Compare(compare) => {
            let Expr::Subscript(subscript) = target else {
                return false;
            };
            let [container] = compare.comparators.as_ref() else {
                return false;
            };
            ComparableExpr::from(container) == ComparableExpr::from(subscript.value.as_ref())
                && ComparableExpr::from(compare.left.as_ref())
                    == ComparableExpr::from(subscript.slice.as_ref())
        }
        Expr::Call(call) => {
            let (Expr::Subscript(subscript), Expr::Attribute(attribute)) =
                (target, call.func.as_ref())
            else {
                return false;
            };
            let Some(key) = call.arguments.args.first() else {
                return false;
            };
            ComparableExpr::from(attribute.value.as_ref())
                == ComparableExpr::from(subscript.value.as_ref())
                && ComparableExpr::from(key) == ComparableExpr::from(subscript.slice.as_ref())
        }
        _ => ComparableExpr::from(subject) == ComparableExpr::from(target),
    }
}

/// Scans a branch in execution order.
struct Scan<'s, 'a, 'c> {
    subjects: &'s [&'a Expr],
    reported: Vec<&'a Expr>,
    seen_await: bool,
    /// A lock or a re-check guards the rest of the branch.
    aborted: bool,
    ctx: &'s Context<'c>,
}

impl<'a> Scan<'_, 'a, '_> {
    fn body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            if self.aborted {
                return;
            }
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.set(target, &assign.value);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.set(&assign.target, value);
                }
            }
            Stmt::AugAssign(assign) => self.set(&assign.target, &assign.value),
            Stmt::If(if_stmt) => {
                if self.rechecks(&if_stmt.test)
                    || if_stmt
                        .elif_else_clauses
                        .iter()
                        .any(|clause| clause.test.as_ref().is_some_and(|t| self.rechecks(t)))
                {
                    self.aborted = true;
                    return;
                }
                self.seen_await |= contains_await(&if_stmt.test);
                let before = self.seen_await;
                let mut after = before;
                for branch in std::iter::once(if_stmt.body.as_slice())
                    .chain(if_stmt.elif_else_clauses.iter().map(|c| c.body.as_slice()))
                {
                    self.seen_await = before;
                    self.body(branch);
                    after |= self.seen_await;
                }
                self.seen_await = after;
            }
            Stmt::With(with) => {
                if with.is_async
                    && with
                        .items
                        .iter()
                        .any(|item| self.ctx.looks_like_limiter(&item.context_expr))
                {
                    self.aborted = true;
                    return;
                }
                self.seen_await |= with.is_async
                    || with
                        .items
                        .iter()
                        .any(|item| contains_await(&item.context_expr));
                self.body(&with.body);
            }
            Stmt::Try(try_stmt) => {
                self.body(&try_stmt.body);
                self.body(&try_stmt.orelse);
                self.body(&try_stmt.finalbody);
            }
            _ => {
                self.seen_await |= body_contains(std::slice::from_ref(stmt), is_checkpoint);
            }
        }
    }

    /// An assignment: reported when it sets a subject after an `await` (or awaits its value).
    fn set(&mut self, target: &'a Expr, value: &Expr) {
        let awaited = self.seen_await || contains_await(value);
        // Clearing (`self._task = None`, `self._running = False`) after awaiting a teardown:
        // a second task doing the same again is harmless.
        let clears = matches!(
            value,
            Expr::NoneLiteral(_)
                | Expr::BooleanLiteral(ast::ExprBooleanLiteral { value: false, .. })
        );
        if awaited
            && !clears
            && self
                .subjects
                .iter()
                .any(|subject| matches_subject(subject, target))
            && !self
                .reported
                .iter()
                .any(|r| ComparableExpr::from(*r) == ComparableExpr::from(target))
            && self.settable(target)
        {
            self.reported.push(target);
        }
        self.seen_await |= contains_await(value);
    }

    /// A plain name is only shared state when the function declares it `global`/`nonlocal`;
    /// subscripts and attributes were checked to be shared when collected.
    fn settable(&self, target: &Expr) -> bool {
        match target {
            Expr::Name(name) => declares_shared(name.id.as_str(), self.ctx),
            _ => true,
        }
    }

    /// Does a condition test one of the subjects again?
    fn rechecks(&self, test: &Expr) -> bool {
        let mut found = false;
        expr_contains(test, &mut |e| {
            found |= self.subjects.iter().any(|subject| {
                ComparableExpr::from(*subject) == ComparableExpr::from(e)
                    || match subject {
                        Expr::Compare(compare) => compare
                            .comparators
                            .first()
                            .is_some_and(|c| ComparableExpr::from(c) == ComparableExpr::from(e)),
                        _ => false,
                    }
            });
            found
        });
        found
    }
}

fn contains_await(expr: &Expr) -> bool {
    expr_contains(expr, &mut |e| matches!(e, Expr::Await(_)))
}

/// The source text of a node when it is short and on one line.
fn quote<'a>(ctx: &Context<'a>, node: impl Ranged) -> Option<&'a str> {
    let text = ctx.text(node);
    (text.len() <= MAX_QUOTE && !text.contains(['\n', '\r'])).then_some(text)
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn check(source: &str) -> Vec<(String, String)> {
        let settings = Settings::only("ASY105").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn help_names_the_library_lock() {
        for (module, lock) in [
            ("asyncio", "an `asyncio.Lock`"),
            ("trio", "a `trio.Lock`"),
            ("anyio", "an `anyio.Lock`"),
        ] {
            let found = check(&format!(
                "import {module}\nclass C:\n    async def f(self):\n        if self.x is None:\n            self.x = await g()\n"
            ));
            assert_eq!(found.len(), 1, "{module}");
            assert!(found[0].1.contains(lock), "{found:?}");
        }
    }

    #[test]
    fn one_finding_per_target_and_branch() {
        let found = check(
            "class C:\n    async def f(self):\n        if self.x is None:\n            self.x = await g()\n            self.x = await g()\n",
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_lock_around_the_if_holds_the_check() {
        assert!(check(
            "class C:\n    async def f(self):\n        async with self._lock:\n            if self.x is None:\n                self.x = await g()\n"
        )
        .is_empty());
    }
}
