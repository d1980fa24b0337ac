//! Resource facts shared by ASY060–ASY065: how a local (a connection, a session, a response, a
//! file, a process) or a dotted path such as `self._lock` is used in the one function that binds
//! it — is it entered with `async with`, released in a `finally`, or does it escape to code the
//! function cannot see (returned, stored, passed on, captured)?
//!
//! The analysis reads the body of one function (not nested ones, except to notice captures) and
//! runs only for the few calls that create a resource, so it costs nothing on the usual file.
//! `local_uses` and `settled_on_every_path` are plain functions of the AST (unit-tested below);
//! the `Context` methods find the function and the binding for the node being checked, so that
//! they can move to `context.rs` later unchanged.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::names;
use crate::scope::Binding;

/// Methods that close or release the object they are called on (`conn.release()`,
/// `session.close()`, `await f.aclose()`), or — called with the object as an argument — release
/// it (`pool.release(conn)`).
pub const RELEASE_METHODS: &[&str] = &["close", "aclose", "release", "terminate", "__aexit__"];

/// Builtins that look at an argument without keeping it (`isinstance(s, X)`, `print(s)`).
const NON_RETAINING_BUILTINS: &[&str] = &[
    "print",
    "len",
    "str",
    "repr",
    "bool",
    "id",
    "type",
    "hash",
    "format",
    "isinstance",
    "hasattr",
    "getattr",
];

/// Logger methods (`logger.debug("%s", resp)`): they format their arguments and drop them.
const LOGGING_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "log",
];

/// How one local (or dotted path) is used in a function.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LocalUses<'a> {
    /// Used as a context manager itself: `async with name:` / `async with name as x:` (a plain
    /// `with` counts too).
    pub entered: bool,
    /// A method's result or attribute of it is used as a context manager:
    /// `async with name.acquire():`, `async with session.get(url) as resp:`.
    pub entered_attribute: bool,
    /// Released (see `RELEASE_METHODS`) in the `finally` of a `try` that ends after the binding,
    /// or in an `except` clause of such a `try` that re-raises.
    pub released_in_finally: bool,
    /// Released anywhere in the function itself (in a `finally` or not; not in nested functions).
    pub released: bool,
    /// Where it is released in the function itself: the range of each release call.
    pub releases: Vec<TextRange>,
    /// Escapes: returned, yielded, stored on an attribute, a subscript or in a collection,
    /// assigned to another name, passed as an argument to a call other than a release, captured
    /// by a nested `def`/`lambda`/`class`, declared `global`/`nonlocal`, or a release method
    /// handed on as a callback (`stack.push_async_callback(session.close)`).
    pub escapes: bool,
    /// Methods called on it (`name.m(...)`) directly in the function, with the call's range.
    pub calls: Vec<(&'a str, TextRange)>,
    /// Attributes of it read without being called (`name.stdout`), with their range.
    pub attributes: Vec<(&'a str, TextRange)>,
}

impl LocalUses<'_> {
    /// Is `method` called on it anywhere in the function?
    pub fn calls_method(&self, method: &str) -> bool {
        self.calls.iter().any(|(name, _)| *name == method)
    }

    /// Is `attribute` read (not called) anywhere in the function?
    pub fn reads_attribute(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|(name, _)| *name == attribute)
    }

    /// Closed on every path by the function, or handed to code that may close it: entered with
    /// `async with`, released in a `finally`, or escaping.
    pub fn is_managed(&self) -> bool {
        self.entered || self.released_in_finally || self.escapes
    }
}

/// The dotted path an expression spells: `conn` → `["conn"]`, `self._lock` → `["self", "_lock"]`.
/// `None` for anything else (calls, subscripts).
pub fn dotted_path(expr: &Expr) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::Name(name) => {
                parts.push(name.id.as_str());
                parts.reverse();
                return Some(parts);
            }
            Expr::Attribute(attribute) => {
                parts.push(attribute.attr.as_str());
                current = &attribute.value;
            }
            _ => return None,
        }
    }
}

/// How `path` (a local name, or a dotted path such as `self._lock`) is used in `body`, the body
/// of the function that binds it. `binding` is the range of the statement that binds it (or
/// acquires it): only a `try` that ends after it can protect it.
pub fn local_uses<'a>(body: &'a [Stmt], path: &[&str], binding: TextRange) -> LocalUses<'a> {
    let mut scanner = UseScanner::new(path, binding.start());
    scanner.visit_body(body);
    scanner.uses
}

/// `local_uses` of one expression (the test of an `if`, for example).
pub fn local_uses_in_expr<'a>(expr: &'a Expr, path: &[&str]) -> LocalUses<'a> {
    let mut scanner = UseScanner::new(path, expr.start());
    scanner.visit_expr(expr);
    scanner.uses
}

struct UseScanner<'a, 'p> {
    path: &'p [&'p str],
    after: TextSize,
    parents: Vec<AnyNodeRef<'a>>,
    /// Inside the `finally` (or a re-raising handler) of a `try` that ends after the binding.
    finally_depth: u32,
    /// Inside a nested `def`, `lambda` or `class`.
    nested_depth: u32,
    uses: LocalUses<'a>,
}

impl<'a, 'p> UseScanner<'a, 'p> {
    fn new(path: &'p [&'p str], after: TextSize) -> Self {
        Self {
            path,
            after,
            parents: Vec::new(),
            finally_depth: 0,
            nested_depth: 0,
            uses: LocalUses::default(),
        }
    }

    /// Does `expr` spell the path, as a load?
    fn matches(&self, expr: &Expr) -> bool {
        let mut current = expr;
        let mut rest = self.path;
        loop {
            match (current, rest) {
                (Expr::Name(name), [only]) => return name.id.as_str() == *only,
                (Expr::Attribute(attribute), [init @ .., last]) if !init.is_empty() => {
                    if attribute.attr.as_str() != *last {
                        return false;
                    }
                    current = &attribute.value;
                    rest = init;
                }
                _ => return false,
            }
        }
    }

    fn record_release(&mut self, call: TextRange) {
        self.uses.released = true;
        self.uses.releases.push(call);
        if self.finally_depth > 0 {
            self.uses.released_in_finally = true;
        }
    }

    fn parent(&self, up: usize) -> Option<AnyNodeRef<'a>> {
        self.parents.iter().rev().nth(up).copied()
    }

    /// Classifies one occurrence of the path by what surrounds it.
    fn classify(&mut self, expr: &'a Expr) {
        if self.nested_depth > 0 {
            self.uses.escapes = true;
            return;
        }
        let range = expr.range();
        let Some(parent) = self.parent(0) else {
            return;
        };
        match parent {
            AnyNodeRef::ExprAttribute(attribute) => {
                let attr = attribute.attr.as_str();
                match self.parent(1) {
                    Some(AnyNodeRef::ExprCall(call)) if call.func.range() == attribute.range() => {
                        self.uses.calls.push((attr, call.range()));
                        if RELEASE_METHODS.contains(&attr) {
                            self.record_release(call.range());
                        }
                        let entered = match self.parent(2) {
                            Some(AnyNodeRef::StmtWith(with)) => is_with_item(with, call.range()),
                            Some(AnyNodeRef::ExprAwait(await_expr)) => matches!(
                                self.parent(3),
                                Some(AnyNodeRef::StmtWith(with))
                                    if is_with_item(with, await_expr.range())
                            ),
                            _ => false,
                        };
                        self.uses.entered_attribute |= entered;
                    }
                    Some(AnyNodeRef::StmtWith(with)) if is_with_item(with, attribute.range()) => {
                        self.uses.attributes.push((attr, attribute.range()));
                        self.uses.entered_attribute = true;
                    }
                    _ => {
                        self.uses.attributes.push((attr, attribute.range()));
                        // A release method handed on as a callback closes it later.
                        if RELEASE_METHODS.contains(&attr) {
                            self.uses.escapes = true;
                        }
                    }
                }
            }
            AnyNodeRef::ExprCall(call) => {
                if call.func.range() == range {
                    return;
                }
                match call.func.as_ref() {
                    Expr::Attribute(attribute)
                        if RELEASE_METHODS.contains(&attribute.attr.as_str()) =>
                    {
                        self.record_release(call.range());
                    }
                    Expr::Attribute(attribute)
                        if LOGGING_METHODS.contains(&attribute.attr.as_str()) => {}
                    Expr::Name(name) if NON_RETAINING_BUILTINS.contains(&name.id.as_str()) => {}
                    _ => self.uses.escapes = true,
                }
            }
            AnyNodeRef::StmtWith(with) => {
                if is_with_item(with, range) {
                    self.uses.entered = true;
                }
            }
            AnyNodeRef::ExprAwait(_)
            | AnyNodeRef::ExprSubscript(_)
            | AnyNodeRef::ExprCompare(_)
            | AnyNodeRef::ExprBinOp(_)
            | AnyNodeRef::ExprFString(_)
            | AnyNodeRef::ExprTString(_)
            | AnyNodeRef::StmtExpr(_)
            | AnyNodeRef::StmtIf(_)
            | AnyNodeRef::StmtWhile(_)
            | AnyNodeRef::StmtAssert(_)
            | AnyNodeRef::StmtFor(_)
            | AnyNodeRef::StmtMatch(_)
            | AnyNodeRef::StmtRaise(_)
            | AnyNodeRef::ElifElseClause(_) => {}
            AnyNodeRef::ExprUnaryOp(_) | AnyNodeRef::ExprBoolOp(_) => {
                if !self.in_test_position() {
                    self.uses.escapes = true;
                }
            }
            AnyNodeRef::ExprIf(if_expr) => {
                if !if_expr.test.range().contains_range(range) {
                    self.uses.escapes = true;
                }
            }
            AnyNodeRef::ExprListComp(_)
            | AnyNodeRef::ExprSetComp(_)
            | AnyNodeRef::ExprDictComp(_)
            | AnyNodeRef::ExprGenerator(_) => {
                if !in_comprehension_clause(parent, range) {
                    self.uses.escapes = true;
                }
            }
            _ => self.uses.escapes = true,
        }
    }

    /// Is the `not x` / `x and y` around the current occurrence only tested (the value of an
    /// `if`/`while`/`assert` test or of another `not`), so that the object goes nowhere?
    fn in_test_position(&self) -> bool {
        let mut child = None;
        for node in self.parents.iter().rev() {
            match node {
                AnyNodeRef::ExprBoolOp(_) | AnyNodeRef::ExprUnaryOp(_) => {
                    child = Some(node.range());
                }
                AnyNodeRef::StmtIf(_)
                | AnyNodeRef::StmtWhile(_)
                | AnyNodeRef::StmtAssert(_)
                | AnyNodeRef::ElifElseClause(_) => return true,
                AnyNodeRef::ExprIf(if_expr) => {
                    return child.is_some_and(|range| if_expr.test.range() == range);
                }
                AnyNodeRef::ExprListComp(_)
                | AnyNodeRef::ExprSetComp(_)
                | AnyNodeRef::ExprDictComp(_)
                | AnyNodeRef::ExprGenerator(_) => {
                    return child.is_some_and(|range| in_comprehension_clause(*node, range));
                }
                _ => return false,
            }
        }
        false
    }

    fn visit_try(&mut self, try_stmt: &'a ast::StmtTry) {
        let protects = try_stmt.end() > self.after;
        self.visit_body(&try_stmt.body);
        for handler in &try_stmt.handlers {
            let ast::ExceptHandler::ExceptHandler(inner) = handler;
            let reraises = protects
                && inner
                    .body
                    .iter()
                    .any(|stmt| matches!(stmt, Stmt::Raise(raise) if raise.exc.is_none()));
            self.finally_depth += u32::from(reraises);
            self.visit_except_handler(handler);
            self.finally_depth -= u32::from(reraises);
        }
        self.visit_body(&try_stmt.orelse);
        self.finally_depth += u32::from(protects);
        self.visit_body(&try_stmt.finalbody);
        self.finally_depth -= u32::from(protects);
    }
}

fn is_with_item(with: &ast::StmtWith, range: TextRange) -> bool {
    with.items
        .iter()
        .any(|item| item.context_expr.range() == range)
}

/// Is `range` inside the `for ... in <iter>` or an `if` clause of a comprehension (not its
/// element)?
fn in_comprehension_clause(comprehension: AnyNodeRef<'_>, range: TextRange) -> bool {
    let generators = match comprehension {
        AnyNodeRef::ExprListComp(c) => &c.generators,
        AnyNodeRef::ExprSetComp(c) => &c.generators,
        AnyNodeRef::ExprDictComp(c) => &c.generators,
        AnyNodeRef::ExprGenerator(c) => &c.generators,
        _ => return false,
    };
    generators.iter().any(|generator| {
        generator.iter.range().contains_range(range)
            || generator
                .ifs
                .iter()
                .any(|condition| condition.range().contains_range(range))
    })
}

impl<'a> Visitor<'a> for UseScanner<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.nested_depth += 1;
                self.parents.push(AnyNodeRef::from(stmt));
                visitor::walk_stmt(self, stmt);
                self.parents.pop();
                self.nested_depth -= 1;
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                if let [only] = self.path {
                    if names.iter().any(|name| name.as_str() == *only) {
                        self.uses.escapes = true;
                    }
                }
            }
            Stmt::Try(try_stmt) => {
                self.parents.push(AnyNodeRef::from(stmt));
                self.visit_try(try_stmt);
                self.parents.pop();
            }
            _ => {
                self.parents.push(AnyNodeRef::from(stmt));
                visitor::walk_stmt(self, stmt);
                self.parents.pop();
            }
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let is_load = match expr {
            Expr::Name(name) => name.ctx == ExprContext::Load,
            Expr::Attribute(attribute) => attribute.ctx == ExprContext::Load,
            _ => false,
        };
        if is_load && self.matches(expr) {
            self.classify(expr);
            return;
        }
        let is_delete = match expr {
            Expr::Name(name) => name.ctx == ExprContext::Del,
            Expr::Attribute(attribute) => attribute.ctx == ExprContext::Del,
            _ => false,
        };
        if is_delete && self.matches(expr) {
            // `del session`: dropped on purpose, left to the garbage collector.
            self.uses.escapes = true;
            return;
        }
        let nested = matches!(expr, Expr::Lambda(_));
        self.nested_depth += u32::from(nested);
        self.parents.push(AnyNodeRef::from(expr));
        visitor::walk_expr(self, expr);
        self.parents.pop();
        self.nested_depth -= u32::from(nested);
    }
}

/// Is the resource bound by `binding` (a statement of `body`, at any depth) settled on every path
/// that leaves it? `settles` says whether a statement's uses settle it (the body is read, it is
/// released, it escapes). Paths are followed through the statements after the binding: an `if`
/// settles when all its branches do, and is a leak when one branch leaves (`return`, `raise`,
/// `break`, `continue`) before settling; any other compound statement settles when something in
/// it does. Falling off the end of a loop body (the next iteration rebinds it) or of the function
/// without settling is a leak. Exceptions raised by ordinary calls are not paths here.
pub fn settled_on_every_path(
    body: &[Stmt],
    binding: TextRange,
    path: &[&str],
    settles: &dyn Fn(&LocalUses) -> bool,
) -> bool {
    let mut chain = Vec::new();
    if !locate(body, binding, false, &mut chain) {
        return true;
    }
    let flow = PathFlow {
        path,
        settles,
        derived: std::cell::RefCell::default(),
    };
    // Innermost block first.
    for (block, index, in_loop) in chain.into_iter().rev() {
        match flow.walk(&block[index + 1..]) {
            Outcome::Settled => return true,
            Outcome::Leaves => return false,
            Outcome::FallsThrough if in_loop => return false,
            Outcome::FallsThrough => {}
        }
    }
    false
}

/// The blocks from `body` down to the statement at `target`, outermost first: each block, the
/// index of the statement in it that is or contains the target, and whether the block is a loop
/// body.
fn locate<'a>(
    block: &'a [Stmt],
    target: TextRange,
    in_loop: bool,
    chain: &mut Vec<(&'a [Stmt], usize, bool)>,
) -> bool {
    for (index, stmt) in block.iter().enumerate() {
        if !stmt.range().contains_range(target) {
            continue;
        }
        chain.push((block, index, in_loop));
        if stmt.range() == target {
            return true;
        }
        let found = match stmt {
            Stmt::If(if_stmt) => {
                locate(&if_stmt.body, target, false, chain)
                    || if_stmt
                        .elif_else_clauses
                        .iter()
                        .any(|clause| locate(&clause.body, target, false, chain))
            }
            Stmt::For(ast::StmtFor { body, orelse, .. })
            | Stmt::While(ast::StmtWhile { body, orelse, .. }) => {
                locate(body, target, true, chain) || locate(orelse, target, false, chain)
            }
            Stmt::With(with) => locate(&with.body, target, false, chain),
            Stmt::Try(try_stmt) => {
                locate(&try_stmt.body, target, false, chain)
                    || try_stmt.handlers.iter().any(|handler| {
                        let ast::ExceptHandler::ExceptHandler(inner) = handler;
                        locate(&inner.body, target, false, chain)
                    })
                    || locate(&try_stmt.orelse, target, false, chain)
                    || locate(&try_stmt.finalbody, target, false, chain)
            }
            Stmt::Match(match_stmt) => match_stmt
                .cases
                .iter()
                .any(|case| locate(&case.body, target, false, chain)),
            _ => false,
        };
        if !found {
            chain.pop();
        }
        return found;
    }
    false
}

enum Outcome {
    Settled,
    /// A path leaves the block (`return`, `raise`, `break`, `continue`) before settling.
    Leaves,
    FallsThrough,
}

struct PathFlow<'p> {
    path: &'p [&'p str],
    settles: &'p dyn Fn(&LocalUses) -> bool,
    /// Locals assigned from the resource on the way (`status = resp.status`): a test on them
    /// looks at the resource.
    derived: std::cell::RefCell<Vec<String>>,
}

/// Does `expr` mention the path (`if resp:`, `resp.status != 200`), or one of the `derived`
/// locals, anywhere?
fn mentions(expr: &Expr, path: &[&str], derived: &[String]) -> bool {
    struct Finder<'p> {
        scanner: UseScanner<'static, 'p>,
        derived: &'p [String],
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found {
                return;
            }
            let is_load = match expr {
                Expr::Name(name) => name.ctx == ExprContext::Load,
                Expr::Attribute(attribute) => attribute.ctx == ExprContext::Load,
                _ => false,
            };
            let is_derived = matches!(expr, Expr::Name(name)
                if self.derived.iter().any(|d| d.as_str() == name.id.as_str()));
            if is_load && (self.scanner.matches(expr) || is_derived) {
                self.found = true;
                return;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder {
        scanner: UseScanner::new(path, expr.start()),
        derived,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

impl PathFlow<'_> {
    /// `status = resp.status`: remembers `status` as derived from the resource.
    fn record_derived(&self, stmt: &Stmt) {
        let (targets, value) = match stmt {
            Stmt::Assign(assign) => (assign.targets.as_slice(), assign.value.as_ref()),
            Stmt::AnnAssign(ast::StmtAnnAssign {
                target,
                value: Some(value),
                ..
            }) => (std::slice::from_ref(target.as_ref()), value.as_ref()),
            _ => return,
        };
        if !mentions(value, self.path, &self.derived.borrow()) {
            return;
        }
        let mut derived = self.derived.borrow_mut();
        for target in targets {
            if let Expr::Name(name) = target {
                derived.push(name.id.to_string());
            }
        }
    }

    fn settles_in(&self, stmt: &Stmt) -> bool {
        let uses = local_uses(std::slice::from_ref(stmt), self.path, stmt.range());
        (self.settles)(&uses)
    }

    fn walk(&self, stmts: &[Stmt]) -> Outcome {
        for stmt in stmts {
            match stmt {
                Stmt::If(if_stmt) => {
                    if (self.settles)(&local_uses_in_expr(&if_stmt.test, self.path)) {
                        return Outcome::Settled;
                    }
                    let mut outcomes = vec![self.walk(&if_stmt.body)];
                    outcomes.extend(
                        if_stmt
                            .elif_else_clauses
                            .iter()
                            .map(|clause| self.walk(&clause.body)),
                    );
                    let has_else = if_stmt
                        .elif_else_clauses
                        .last()
                        .is_some_and(|clause| clause.test.is_none());
                    if !has_else {
                        outcomes.push(Outcome::FallsThrough);
                    }
                    if outcomes.iter().any(|o| matches!(o, Outcome::Leaves)) {
                        return Outcome::Leaves;
                    }
                    if outcomes.iter().all(|o| matches!(o, Outcome::Settled)) {
                        return Outcome::Settled;
                    }
                    // A test that does not look at the resource may be correlated with how it
                    // was obtained (`if failed: ... elif not failed: read`): a branch that
                    // settles it is taken to be the one that runs.
                    let derived = self.derived.borrow();
                    let looks_at_it = mentions(&if_stmt.test, self.path, &derived)
                        || if_stmt
                            .elif_else_clauses
                            .iter()
                            .filter_map(|clause| clause.test.as_ref())
                            .any(|test| mentions(test, self.path, &derived));
                    if !looks_at_it && outcomes.iter().any(|o| matches!(o, Outcome::Settled)) {
                        return Outcome::Settled;
                    }
                }
                Stmt::Return(_) | Stmt::Raise(_) | Stmt::Break(_) | Stmt::Continue(_) => {
                    return if self.settles_in(stmt) {
                        Outcome::Settled
                    } else {
                        Outcome::Leaves
                    };
                }
                _ => {
                    if self.settles_in(stmt) {
                        return Outcome::Settled;
                    }
                    self.record_derived(stmt);
                }
            }
        }
        Outcome::FallsThrough
    }
}

impl<'a> Context<'a> {
    /// The function whose body the current node is directly in (not in a nested `lambda` or
    /// `class` body); comprehensions are transparent.
    pub fn enclosing_function(&self) -> Option<&'a ast::StmtFunctionDef> {
        self.frames()
            .iter()
            .rev()
            .find_map(|frame| match frame.node {
                AnyNodeRef::StmtFunctionDef(def) => Some(Some(def)),
                AnyNodeRef::StmtClassDef(_) | AnyNodeRef::ExprLambda(_) => Some(None),
                _ => None,
            })
            .flatten()
    }

    /// The local that the current expression (at `range`, possibly under one `await`) is assigned
    /// to by `name = <expr>` or `name: T = <expr>` directly in a function body, with the
    /// assignment statement.
    pub fn assigned_local(&self, range: TextRange) -> Option<(&'a ast::ExprName, &'a Stmt)> {
        let mut parents = self.parents().rev();
        let mut parent = parents.next()?;
        let mut value = range;
        if let AnyNodeRef::ExprAwait(await_expr) = parent {
            if await_expr.value.range() != range {
                return None;
            }
            value = await_expr.range();
            parent = parents.next()?;
        }
        let target = match parent {
            AnyNodeRef::StmtAssign(assign) if assign.value.range() == value => {
                match assign.targets.as_slice() {
                    [target] => target,
                    _ => return None,
                }
            }
            AnyNodeRef::StmtAnnAssign(assign)
                if assign.value.as_ref().is_some_and(|v| v.range() == value) =>
            {
                assign.target.as_ref()
            }
            _ => return None,
        };
        let Expr::Name(name) = target else {
            return None;
        };
        self.enclosing_function()?;
        let stmt = self.current_statement()?;
        (stmt.range() == parent.range()).then_some((name, stmt))
    }

    /// How `path` is used in the function the current node is in, around a binding or
    /// acquisition at `binding` (see `local_uses`).
    pub fn local_uses(&self, path: &[&str], binding: TextRange) -> Option<LocalUses<'a>> {
        let function = self.enclosing_function()?;
        Some(local_uses(&function.body, path, binding))
    }

    /// The type of a receiver, as far as this file shows it: what `type_of` knows (a constructor
    /// call, a local, a `with` target or `self.x` built by one), a local bound to an awaited
    /// factory (`pool = await asyncpg.create_pool()` is `asyncpg.create_pool`), or the annotation
    /// of a parameter of the current function (`session: aiohttp.ClientSession`, also
    /// `X | None` and `Optional[X]`). asyncio names are canonical.
    pub fn resource_type(&self, expr: &Expr) -> Option<String> {
        let found = self.type_of(expr).or_else(|| {
            let Expr::Name(name) = expr else {
                return None;
            };
            match self.lookup(name.id.as_str())? {
                Binding::Local {
                    value: Some(Expr::Await(await_expr)),
                } => self.type_of(&await_expr.value),
                Binding::Local { value: None } => {
                    let function = self.enclosing_function()?;
                    let parameter = function
                        .parameters
                        .iter()
                        .find(|p| p.name().as_str() == name.id.as_str())?;
                    self.annotated_type(parameter.annotation()?)
                }
                _ => None,
            }
        })?;
        Some(names::canonical_asyncio_name(&found).into_owned())
    }

    /// The class an annotation names: `X`, `X | None`, `Optional[X]`.
    fn annotated_type(&self, annotation: &Expr) -> Option<String> {
        match annotation {
            Expr::BinOp(binop) => {
                if binop.right.is_none_literal_expr() {
                    self.annotated_type(&binop.left)
                } else if binop.left.is_none_literal_expr() {
                    self.annotated_type(&binop.right)
                } else {
                    None
                }
            }
            Expr::Subscript(subscript) => {
                let wrapper = self.qualified_name(&subscript.value)?;
                if matches!(
                    wrapper.as_str(),
                    "typing.Optional" | "typing_extensions.Optional"
                ) {
                    self.annotated_type(&subscript.slice)
                } else {
                    None
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => self.qualified_name(annotation),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{PySourceType, Stmt};
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use super::{local_uses, settled_on_every_path, LocalUses};

    /// The uses of `path` in the body of the first function of `source`, bound by the function's
    /// first statement whose text contains `marker`.
    fn uses_in(source: &str, path: &[&str], marker: &str, check: impl FnOnce(&LocalUses)) {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        let module = parsed.syntax();
        let Some(Stmt::FunctionDef(def)) = module.body.first() else {
            panic!("no function");
        };
        let binding = find(&def.body, source, marker).expect("binding");
        check(&local_uses(&def.body, path, binding));
    }

    fn find(body: &[Stmt], source: &str, marker: &str) -> Option<ruff_text_size::TextRange> {
        for stmt in body {
            let text = &source[stmt.range()];
            if !text.contains(marker) {
                continue;
            }
            let inner = match stmt {
                Stmt::If(s) => find(&s.body, source, marker),
                Stmt::For(s) => find(&s.body, source, marker),
                Stmt::While(s) => find(&s.body, source, marker),
                Stmt::With(s) => find(&s.body, source, marker),
                Stmt::Try(s) => find(&s.body, source, marker),
                _ => None,
            };
            return Some(inner.unwrap_or(stmt.range()));
        }
        None
    }

    fn settled(source: &str, path: &[&str], marker: &str) -> bool {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        let module = parsed.syntax();
        let Some(Stmt::FunctionDef(def)) = module.body.first() else {
            panic!("no function");
        };
        let binding = find(&def.body, source, marker).expect("binding");
        settled_on_every_path(&def.body, binding, path, &|uses: &LocalUses| {
            uses.escapes || uses.calls_method("read")
        })
    }

    #[test]
    fn async_with_enters() {
        let source = "async def f():\n    s = make()\n    async with s:\n        await s.get()\n";
        uses_in(source, &["s"], "make", |uses| {
            assert!(uses.entered);
            assert!(!uses.escapes);
            assert!(uses.is_managed());
            assert!(uses.calls_method("get"));
        });
        let source = "async def f():\n    s = make()\n    async with s as t:\n        pass\n";
        uses_in(source, &["s"], "make", |uses| assert!(uses.entered));
        let source =
            "async def f():\n    p = make()\n    async with p.acquire() as c:\n        pass\n";
        uses_in(source, &["p"], "make", |uses| {
            assert!(!uses.entered);
            assert!(uses.entered_attribute);
            assert!(!uses.is_managed());
        });
    }

    #[test]
    fn release_in_finally_after_binding() {
        let source = "async def f(pool):\n    c = await pool.acquire()\n    try:\n        await c.execute()\n    finally:\n        await pool.release(c)\n";
        uses_in(source, &["c"], "acquire", |uses| {
            assert!(uses.released_in_finally);
            assert!(uses.released);
            assert!(!uses.escapes, "a release call's argument does not escape");
        });
        let source = "async def f():\n    s = make()\n    try:\n        await s.get()\n    finally:\n        if s is not None and not s.closed:\n            await s.close()\n";
        uses_in(source, &["s"], "make", |uses| {
            assert!(uses.released_in_finally);
            assert!(!uses.escapes, "tests on it do not escape");
        });
        // The binding inside the `try` is protected too.
        let source = "async def f():\n    try:\n        s = make()\n        await s.get()\n    finally:\n        await s.close()\n";
        uses_in(source, &["s"], "make", |uses| {
            assert!(uses.released_in_finally)
        });
        // A re-raising handler releases on the error path.
        let source = "async def f(lock):\n    await lock.acquire()\n    try:\n        work()\n    except BaseException:\n        lock.release()\n        raise\n    lock.release()\n";
        uses_in(source, &["lock"], "acquire", |uses| {
            assert!(uses.released_in_finally)
        });
    }

    #[test]
    fn release_outside_finally() {
        let source = "async def f():\n    s = make()\n    await s.get()\n    await s.close()\n";
        uses_in(source, &["s"], "make", |uses| {
            assert!(uses.released);
            assert!(!uses.released_in_finally);
            assert!(!uses.is_managed());
        });
        // A `finally` of a `try` that ends before the binding does not protect it.
        let source = "async def f():\n    try:\n        pass\n    finally:\n        s = None\n    s = make()\n    await s.close()\n";
        uses_in(source, &["s"], "make()", |uses| {
            assert!(!uses.released_in_finally)
        });
        // A release in a nested function is a capture.
        let source = "async def f():\n    s = make()\n    def done():\n        s.close()\n";
        uses_in(source, &["s"], "make", |uses| {
            assert!(!uses.released);
            assert!(uses.escapes);
        });
    }

    #[test]
    fn escapes() {
        for (case, body) in [
            ("returned", "return s"),
            ("returned in a tuple", "return s, 1"),
            ("yielded", "yield s"),
            ("stored on an attribute", "self.s = s"),
            ("stored in a subscript", "cache[k] = s"),
            ("in a list", "items = [s]"),
            ("in a dict", "d = {'s': s}"),
            ("passed on", "use(s)"),
            ("passed by keyword", "Wrapper(session=s)"),
            ("appended", "sessions.append(s)"),
            ("assigned to another name", "t = s"),
            ("walrus", "(t := s)"),
            ("captured by a lambda", "cb = lambda: s.get()"),
            ("conditional value", "t = s if x else None"),
            ("or-default", "t = s or other"),
            ("callback", "stack.push_async_callback(s.close)"),
            ("global", "global s"),
            ("entered by a helper", "await stack.enter_async_context(s)"),
            (
                "deleted (left to the garbage collector on purpose)",
                "del s",
            ),
        ] {
            let source = format!("async def f(self):\n    s = make()\n    {body}\n");
            uses_in(&source, &["s"], "make", |uses| {
                assert!(uses.escapes, "{case}: {uses:?}");
            });
        }
    }

    #[test]
    fn plain_uses_do_not_escape() {
        for (case, body) in [
            ("method call", "await s.get(url)"),
            ("attribute", "print(s.closed)"),
            ("attribute as argument", "log(s.headers)"),
            ("test", "if s:\n        pass"),
            ("negated test", "if not s or s.closed:\n        pass"),
            ("comparison", "ok = s is None"),
            ("f-string", "msg = f'{s}'"),
            ("iteration", "for x in s:\n        pass"),
            ("comprehension iteration", "xs = [x for x in s]"),
            ("await", "await s"),
            ("subscript", "x = s['a']"),
            ("isinstance", "ok = isinstance(s, T)"),
            ("logged", "logger.debug('got %s', s)"),
            ("rebinding", "s = other()"),
        ] {
            let source = format!("async def f():\n    s = make()\n    {body}\n");
            uses_in(&source, &["s"], "make", |uses| {
                assert!(!uses.escapes, "{case}: {uses:?}");
            });
        }
    }

    #[test]
    fn dotted_paths() {
        let source = "async def f(self):\n    await self._lock.acquire()\n    try:\n        pass\n    finally:\n        self._lock.release()\n";
        uses_in(source, &["self", "_lock"], "acquire", |uses| {
            assert!(uses.released_in_finally);
            assert!(uses.calls_method("acquire"));
        });
        let source =
            "async def f(self):\n    await self._lock.acquire()\n    self.other.release()\n";
        uses_in(source, &["self", "_lock"], "acquire", |uses| {
            assert!(!uses.released)
        });
    }

    #[test]
    fn attributes_and_calls_are_recorded() {
        let source = "async def f():\n    p = await start()\n    async for line in p.stdout:\n        pass\n    await p.wait()\n";
        uses_in(source, &["p"], "start", |uses| {
            assert!(uses.reads_attribute("stdout"));
            assert!(uses.calls_method("wait"));
            assert!(!uses.calls_method("communicate"));
        });
    }

    #[test]
    fn paths_that_leave_before_settling() {
        let read = "async def f(s):\n    r = await s.get()\n    return await r.read()\n";
        assert!(settled(read, &["r"], "s.get"));
        let early_return = "async def f(s):\n    r = await s.get()\n    if r.status != 200:\n        return None\n    return await r.read()\n";
        assert!(!settled(early_return, &["r"], "s.get"));
        let raise_with_it = "async def f(s):\n    r = await s.get()\n    if r.status != 200:\n        raise Error(r)\n    return await r.read()\n";
        assert!(
            settled(raise_with_it, &["r"], "s.get"),
            "passed on when raising"
        );
        let one_branch = "async def f(s):\n    r = await s.get()\n    if r.status == 200:\n        body = await r.read()\n    return None\n";
        assert!(!settled(one_branch, &["r"], "s.get"));
        let both_branches = "async def f(s):\n    r = await s.get()\n    if r.status == 200:\n        return await r.read()\n    else:\n        r.release()\n        return None\n";
        assert!(
            !settled(both_branches, &["r"], "s.get"),
            "release is not `read` here"
        );
        let never = "async def f(s):\n    r = await s.get()\n    print(r.status)\n";
        assert!(!settled(never, &["r"], "s.get"));
        let in_loop = "async def f(s, urls):\n    for u in urls:\n        r = await s.get(u)\n        if r.status != 200:\n            continue\n        await r.read()\n";
        assert!(!settled(in_loop, &["r"], "s.get"));
        let loop_ok = "async def f(s, urls):\n    for u in urls:\n        r = await s.get(u)\n        await r.read()\n";
        assert!(settled(loop_ok, &["r"], "s.get"));
        let correlated = "async def f(s):\n    failed = False\n    try:\n        r = await s.get()\n    except E:\n        failed = True\n    if failed:\n        log()\n    elif not failed:\n        await r.read()\n";
        assert!(
            settled(correlated, &["r"], "s.get"),
            "a test that does not look at it"
        );
        let derived = "async def f(s):\n    r = await s.get()\n    status = r.status\n    if status == 200:\n        return await r.read()\n    if status == 401:\n        return None\n";
        assert!(
            !settled(derived, &["r"], "s.get"),
            "a test on a value taken from it"
        );
        let after_block = "async def f(s):\n    with suppress(E):\n        r = await s.get()\n    data = await r.read()\n";
        assert!(settled(after_block, &["r"], "s.get"));
    }
}
