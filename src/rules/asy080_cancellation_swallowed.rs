//! ASY080 cancellation-swallowed: an `except` clause in async code that catches cancellation
//! (`asyncio.CancelledError`, `trio.Cancelled`, anyio's cancelled class, `BaseException`, a bare
//! `except`) and has a path that ends without re-raising it.
//!
//! The handler body is analysed path by path (statements only, no expressions): a path ends by
//! falling off the end, `return`, `break`/`continue` out of the handler, raising another
//! exception, re-raising (`raise`, `raise <bound name>`, a new cancellation exception), or never
//! (`while True:` without `break`, `sys.exit()`).
//!
//! Not reported when cancellation cannot arrive: the `try` body has no `await`, `async for` or
//! `async with`, or every `await` in it awaits a task this function cancelled (`task.cancel()`
//! then `try: await task / except CancelledError: pass`). Not reported when the handler looks at
//! the cancellation state (`task.uncancel()`, `task.cancelling()`): it decides deliberately.
//!
//! Findings are held until the `try` statement is left, so that calls in the handler body can
//! still withdraw them.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::{contains_yield, CancelCatch, CaughtCancellation, Context};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::asy027_unused_async::{NameIndex, Receiver};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct CancellationSwallowed {
    /// The functions the walk is inside, innermost last, with what they cancelled so far.
    functions: Vec<FunctionState>,
    /// The `try` statements in async code the walk is inside, innermost last.
    tries: Vec<OpenTry>,
    /// Findings waiting for the end of their `try` statement.
    pending: Vec<Pending>,
    /// The module's identifiers, scanned once when a handler first ends its coroutine.
    names: Option<NameIndex>,
}

struct FunctionState {
    range: TextRange,
    /// Source text of the receivers of `.cancel()` calls (`task`, `self._reader`), and of the
    /// iterables of loops whose target was cancelled (`tasks` in `for t in tasks: t.cancel()`).
    cancelled: Vec<String>,
}

struct OpenTry {
    range: TextRange,
    /// From the first to the last statement of the `try` body.
    body: TextRange,
    function: Option<TextRange>,
    /// Checkpoints in the body, read from the frame at the first handler.
    body_checkpoints: Option<u32>,
    /// Checkpoints in the body that only wait for a task this function cancelled: `await task`
    /// and a timeout around it.
    awaits_of_cancelled: u32,
}

struct Pending {
    try_range: TextRange,
    handler: TextRange,
    /// The clause's `as` name.
    bound: Option<String>,
    diagnostic: Diagnostic,
}

impl Rule for CancellationSwallowed {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            expr: true,
            stmt: true,
            leave_stmt: true,
            except_handler: true,
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def) => self.functions.push(FunctionState {
                range: def.range(),
                cancelled: Vec::new(),
            }),
            // Entering and leaving `asyncio.timeout()` does not suspend: around an `await` of a
            // cancelled task it adds no way for a cancellation to arrive.
            Stmt::With(with)
                if with.is_async
                    && !self.tries.is_empty()
                    && with.items.iter().all(|item| {
                        ctx.cancel_scope_call(&item.context_expr)
                            .is_some_and(|scope| scope.has_deadline)
                    }) =>
            {
                self.count_benign_checkpoint(with.range(), ctx);
            }
            Stmt::Try(try_) if ctx.in_async_function() => {
                let (Some(first), Some(last)) = (try_.body.first(), try_.body.last()) else {
                    return;
                };
                self.tries.push(OpenTry {
                    range: try_.range(),
                    body: TextRange::new(first.start(), last.end()),
                    function: ctx.current_function().map(Ranged::range),
                    body_checkpoints: None,
                    awaits_of_cancelled: 0,
                });
            }
            _ => {}
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, _ctx: &Context, out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def)
                if self
                    .functions
                    .last()
                    .is_some_and(|function| function.range == def.range()) =>
            {
                self.functions.pop();
            }
            Stmt::Try(try_) => {
                if self
                    .tries
                    .last()
                    .is_some_and(|open| open.range == try_.range())
                {
                    self.tries.pop();
                }
                if self.pending.is_empty() {
                    return;
                }
                let (done, rest): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
                    .into_iter()
                    .partition(|pending| pending.try_range == try_.range());
                self.pending = rest;
                out.extend(done.into_iter().map(|pending| pending.diagnostic));
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        if let Expr::Name(name) = expr {
            if !self.pending.is_empty() && name.ctx.is_load() {
                self.withdraw_if_handed_off(name, ctx);
            }
            return;
        }
        let Expr::Await(await_) = expr else { return };
        if self.tries.is_empty() || !self.awaits_cancelled_task(&await_.value, ctx) {
            return;
        }
        self.count_benign_checkpoint(await_.range(), ctx);
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if attribute.attr.as_str() == "exc_info"
            && !self.pending.is_empty()
            && ctx.qualified_name(&call.func).as_deref() == Some("sys.exc_info")
        {
            // `sys.exc_info()` hands the exception on (`context.throw(*sys.exc_info())`).
            self.pending
                .retain(|pending| !pending.handler.contains_range(call.range()));
            return;
        }
        match attribute.attr.as_str() {
            "cancel" => self.record_cancel(&attribute.value, ctx),
            "uncancel" | "cancelling" if !self.pending.is_empty() => {
                // The handler inspects the task's cancellation state: it decides deliberately.
                self.pending
                    .retain(|pending| !pending.handler.contains_range(call.range()));
            }
            _ => {}
        }
    }

    fn check_except_handler(
        &mut self,
        handler: &ast::ExceptHandlerExceptHandler,
        ctx: &Context,
        _out: &mut Report,
    ) {
        if !ctx.in_async_function() {
            return;
        }
        // A context manager's exit decides on purpose what becomes of the exception.
        if ctx
            .current_function()
            .is_some_and(|def| matches!(def.name.as_str(), "__aexit__" | "__exit__"))
        {
            return;
        }
        let Some(AnyNodeRef::StmtTry(try_)) = ctx.parent() else {
            return;
        };
        let Some(open) = self
            .tries
            .last_mut()
            .filter(|open| open.range == try_.range())
        else {
            return;
        };
        // The first handler sees the checkpoints of the body only; later ones would also count
        // those of earlier handlers.
        let body_checkpoints = *open
            .body_checkpoints
            .get_or_insert_with(|| ctx.current_frame().map_or(0, |frame| frame.checkpoints()));
        if body_checkpoints == 0 || open.awaits_of_cancelled >= body_checkpoints {
            return;
        }
        let Some(index) = try_
            .handlers
            .iter()
            .position(|h| h.range() == handler.range())
        else {
            return;
        };
        let Some(caught) = ctx.handler_catches_cancellation(try_, index) else {
            return;
        };
        let analysis = Analysis {
            ctx,
            bound: handler.name.as_ref().map(|name| name.as_str()),
        };
        let flow = analysis.body(&handler.body, 0);
        let bad = flow & BAD;
        // Tests catch cancellation to check what it does, on purpose.
        if bad == 0 || self.task_ends_quietly(bad, ctx) || ctx.in_test_code() {
            return;
        }
        let diagnostic = diagnostic(caught, bad, handler, ctx);
        self.pending.push(Pending {
            try_range: try_.range(),
            handler: handler.range(),
            bound: handler.name.as_ref().map(|name| name.to_string()),
            diagnostic,
        });
    }
}

impl CancellationSwallowed {
    /// Does the coroutine end right after swallowing the cancellation, on every path that
    /// swallows it (`return`, or falling through / `break` to the end of the function without
    /// another checkpoint), and does nothing in this module await it? Then it is a task's body
    /// (`create_task(self._reader())`, a framework callback) that ends as asked, only without
    /// the `CancelledError`: the idiom of background loops and handlers that end quietly. A
    /// coroutine awaited here (or a public module-level function the module never uses: API
    /// that others await) would hand its caller a normal return instead of the cancellation,
    /// and an async generator would hand it to the consumer's task: those still count.
    fn task_ends_quietly(&mut self, bad: Flow, ctx: &Context) -> bool {
        if bad & (RAISE_OTHER | CONTINUE) != 0 {
            return false;
        }
        let Some(def) = ctx.current_function() else {
            return false;
        };
        if bad & FALLTHROUGH != 0 && !ends_function_after(ctx, Exit::Try) {
            return false;
        }
        if bad & BREAK != 0 && !ends_function_after(ctx, Exit::Loop) {
            return false;
        }
        if contains_yield(&def.body) {
            return false;
        }
        let name = def.name.as_str();
        let private = name.starts_with('_');
        // The `def`s and classes the function is in, itself included.
        let mut definitions = ctx
            .frames()
            .iter()
            .rev()
            .filter_map(|frame| match frame.node {
                AnyNodeRef::StmtFunctionDef(_) => Some(false),
                AnyNodeRef::StmtClassDef(_) => Some(true),
                _ => None,
            });
        definitions.next();
        let (in_class, module_level) = match definitions.next() {
            Some(is_class) => (is_class, false),
            None => (false, true),
        };
        // Calls that may be of this function: bare ones for a function; for a method, through
        // `self`/`cls`, and through any object when it is public (`await conn.close()`).
        let receiver = match (in_class, private) {
            (false, _) => Receiver::None,
            (true, true) => Receiver::SelfOrCls,
            (true, false) => Receiver::Any,
        };
        let names = self
            .names
            .get_or_insert_with(|| NameIndex::new(ctx.source()));
        let uses = names.uses(ctx.source(), name, receiver);
        if uses.awaited_calls > 0 {
            return false;
        }
        // A public module-level coroutine function that the module never uses and no decorator
        // registers is API: its callers elsewhere await it.
        let api = module_level
            && !private
            && def.decorator_list.is_empty()
            && uses.other_calls == 0
            && !uses.as_value;
        !api
    }

    /// Counts a checkpoint at `range` that cannot deliver the function's own cancellation in
    /// every open `try` body of this function that contains it.
    fn count_benign_checkpoint(&mut self, range: TextRange, ctx: &Context) {
        let function = ctx.current_function().map(Ranged::range);
        for open in &mut self.tries {
            if open.function == function && open.body.contains_range(range) {
                open.awaits_of_cancelled += 1;
            }
        }
    }

    /// Withdraws the finding of the handler whose exception `name` is handed on: passed to a
    /// call (`future.set_exception(exc)`, `errors.append(exc)`, `self._fail(exc)`) other than
    /// logging and introspection, or stored (`self.error = exc`, `errors = [exc]`). The code it is
    /// handed to decides; this rule cannot follow it there.
    fn withdraw_if_handed_off(&mut self, name: &ast::ExprName, ctx: &Context) {
        let Some(index) = self.pending.iter().position(|pending| {
            pending.handler.contains_range(name.range())
                && pending.bound.as_deref() == Some(name.id.as_str())
        }) else {
            return;
        };
        if matches!(
            ctx.current_statement(),
            Some(Stmt::Raise(_) | Stmt::Return(_))
        ) {
            return;
        }
        let mut child = name.range();
        for parent in ctx.parents().rev() {
            match parent {
                AnyNodeRef::ExprList(_)
                | AnyNodeRef::ExprTuple(_)
                | AnyNodeRef::ExprSet(_)
                | AnyNodeRef::ExprDict(_)
                | AnyNodeRef::ExprStarred(_)
                | AnyNodeRef::Keyword(_) => {}
                AnyNodeRef::ExprCall(call) => {
                    if !call.arguments.range().contains_range(child) || is_reporting_call(call, ctx)
                    {
                        return;
                    }
                    self.pending.remove(index);
                    return;
                }
                AnyNodeRef::StmtAssign(ast::StmtAssign { value, .. })
                | AnyNodeRef::StmtAnnAssign(ast::StmtAnnAssign {
                    value: Some(value), ..
                }) => {
                    if value.range().contains_range(child) {
                        self.pending.remove(index);
                    }
                    return;
                }
                _ => return,
            }
            child = parent.range();
        }
    }

    /// Records the receiver of `<receiver>.cancel()` (and the iterable of a loop or
    /// comprehension whose target it is) as cancelled in the current function.
    fn record_cancel(&mut self, receiver: &Expr, ctx: &Context) {
        if !ctx.in_async_function() {
            return;
        }
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        let text = ctx.text(receiver).to_string();
        if let Expr::Name(name) = receiver {
            for parent in ctx.parents().rev() {
                let iter = match parent {
                    AnyNodeRef::StmtFor(for_) if is_name(&for_.target, &name.id) => {
                        Some(&*for_.iter)
                    }
                    AnyNodeRef::ExprListComp(ast::ExprListComp { generators, .. })
                    | AnyNodeRef::ExprSetComp(ast::ExprSetComp { generators, .. })
                    | AnyNodeRef::ExprGenerator(ast::ExprGenerator { generators, .. }) => {
                        generators
                            .iter()
                            .find(|generator| is_name(&generator.target, &name.id))
                            .map(|generator| &generator.iter)
                    }
                    AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => break,
                    _ => None,
                };
                if let Some(iter) = iter {
                    function.cancelled.push(ctx.text(iter).to_string());
                    break;
                }
            }
        }
        function.cancelled.push(text);
    }

    /// `await task` (or `asyncio.gather/wait/wait_for/shield` of it) where `task` was cancelled
    /// earlier in this function.
    fn awaits_cancelled_task(&self, value: &Expr, ctx: &Context) -> bool {
        let Some(function) = self.functions.last() else {
            return false;
        };
        if function.cancelled.is_empty()
            || ctx.current_function().map(Ranged::range) != Some(function.range)
        {
            return false;
        }
        let is_cancelled = |expr: &Expr| {
            let expr = match expr {
                Expr::Starred(starred) => &*starred.value,
                other => other,
            };
            let text = ctx.text(expr);
            function.cancelled.iter().any(|cancelled| cancelled == text)
        };
        match value {
            Expr::Call(call) => {
                let Some(callee) = ctx.qualified_name(&call.func) else {
                    return false;
                };
                matches!(
                    names::canonical_asyncio_name(&callee).as_ref(),
                    "asyncio.gather" | "asyncio.wait" | "asyncio.wait_for" | "asyncio.shield"
                ) && call.arguments.args.first().is_some_and(is_cancelled)
            }
            other => is_cancelled(other),
        }
    }
}

/// Where a swallowing path leaves the handler's `try` statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// After the `try` statement (the handler fell through).
    Try,
    /// After the innermost loop around the `try` (the handler `break`s).
    Loop,
}

/// Does the current function end without another checkpoint once control leaves the current
/// handler's `try` statement (or the loop around it) that way: no `await`, `async for`, `async
/// with` or `yield` in the statements that follow, and no loop that would run them again?
fn ends_function_after(ctx: &Context, exit: Exit) -> bool {
    let mut parents = ctx.parents().rev();
    // The handler's `try` statement.
    let Some(AnyNodeRef::StmtTry(try_)) = parents.next() else {
        return false;
    };
    let mut child = try_.range();
    let mut in_loop = exit == Exit::Loop;
    for parent in parents {
        let following: &[Stmt] = match parent {
            AnyNodeRef::StmtFunctionDef(def) => {
                return !in_loop && no_checkpoint(statements_after(&def.body, child));
            }
            AnyNodeRef::StmtFor(ast::StmtFor { body, .. })
            | AnyNodeRef::StmtWhile(ast::StmtWhile { body, .. }) => {
                if !in_loop || !body.iter().any(|stmt| stmt.range() == child) {
                    // Still inside a loop: what follows may run again.
                    return false;
                }
                // The `break` leaves this loop (its `else` does not run).
                in_loop = false;
                &[]
            }
            AnyNodeRef::StmtIf(if_) => std::iter::once(&if_.body)
                .chain(if_.elif_else_clauses.iter().map(|clause| &clause.body))
                .find_map(|body| following_in(body, child))
                .unwrap_or(&[]),
            AnyNodeRef::StmtWith(with) => following_in(&with.body, child).unwrap_or(&[]),
            AnyNodeRef::StmtMatch(match_) => match_
                .cases
                .iter()
                .find_map(|case| following_in(&case.body, child))
                .unwrap_or(&[]),
            AnyNodeRef::StmtTry(outer) => {
                // After the body come the `else` clause; `finally` is cleanup either way.
                if let Some(rest) = following_in(&outer.body, child) {
                    if !no_checkpoint(&outer.orelse) {
                        return false;
                    }
                    rest
                } else {
                    following_in(&outer.orelse, child)
                        .or_else(|| following_in(&outer.finalbody, child))
                        .unwrap_or(&[])
                }
            }
            AnyNodeRef::ExceptHandlerExceptHandler(handler) => {
                following_in(&handler.body, child).unwrap_or(&[])
            }
            _ => return false,
        };
        if !no_checkpoint(following) {
            return false;
        }
        child = parent.range();
    }
    false
}

/// The statements after `child` in `body`, when `body` holds it.
fn following_in(body: &[Stmt], child: TextRange) -> Option<&[Stmt]> {
    let index = body.iter().position(|stmt| stmt.range() == child)?;
    Some(&body[index + 1..])
}

fn statements_after(body: &[Stmt], child: TextRange) -> &[Stmt] {
    following_in(body, child).unwrap_or(&[])
}

/// Do these statements run without a checkpoint: no `await`, `async for`, `async with`, async
/// comprehension or `yield` (nested functions, lambdas and classes do not run here)?
fn no_checkpoint(body: &[Stmt]) -> bool {
    struct Finder {
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found {
                return;
            }
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::For(ast::StmtFor { is_async: true, .. })
                | Stmt::With(ast::StmtWith { is_async: true, .. }) => self.found = true,
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found {
                return;
            }
            match expr {
                Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => self.found = true,
                Expr::Lambda(_) => {}
                _ => visitor::walk_expr(self, expr),
            }
        }
        fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
            if comprehension.is_async {
                self.found = true;
            } else {
                visitor::walk_comprehension(self, comprehension);
            }
        }
    }
    let mut finder = Finder { found: false };
    finder.visit_body(body);
    !finder.found
}

/// Calls that only report or inspect an exception: logging, printing, `isinstance`, `str`.
fn is_reporting_call(call: &ast::ExprCall, ctx: &Context) -> bool {
    let last = match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => return false,
    };
    if matches!(
        last,
        "debug"
            | "info"
            | "warning"
            | "warn"
            | "error"
            | "exception"
            | "critical"
            | "fatal"
            | "log"
            | "print"
            | "print_exc"
            | "print_exception"
            | "format_exc"
            | "format_exception"
            | "isinstance"
            | "issubclass"
            | "str"
            | "repr"
            | "type"
            | "id"
            | "hash"
            | "format"
            | "getattr"
            | "hasattr"
    ) {
        return true;
    }
    ctx.qualified_name(&call.func).is_some_and(|name| {
        ["logging.", "warnings.", "traceback."]
            .iter()
            .any(|prefix| name.starts_with(prefix))
    })
}

fn is_name(expr: &Expr, id: &str) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == id)
}

fn diagnostic(
    caught: CaughtCancellation,
    bad: Flow,
    handler: &ast::ExceptHandlerExceptHandler,
    ctx: &Context,
) -> Diagnostic {
    let exception = caught.kind.exception(ctx.library());
    let mut ways = Vec::new();
    for (bit, way) in [
        (FALLTHROUGH, "fall through"),
        (RETURN, "`return`"),
        (BREAK, "`break`"),
        (CONTINUE, "`continue`"),
        (RAISE_OTHER, "raise another exception"),
    ] {
        if bad & bit != 0 {
            ways.push(way);
        }
    }
    let ways = match ways.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let clause = caught.kind.clause();
    let message = format!(
        "{}{} does not re-raise `{exception}` on every path (it can {ways}); the cancellation is swallowed",
        clause[..1].to_uppercase(),
        &clause[1..],
    );
    let diagnostic = Diagnostic::new("ASY080", caught.range, message);
    if bad == FALLTHROUGH {
        if let Some(fix) = append_raise(handler, ctx) {
            return diagnostic.with_fix("Add `raise` at the end of the handler", fix);
        }
    }
    let help = match caught.kind {
        CancelCatch::BaseException | CancelCatch::BareExcept => format!(
            "Re-raise it with `raise`, or catch `{exception}` in an `except` clause of its own \
             before this one and re-raise it there"
        ),
        _ => "Re-raise it with `raise` once the cleanup is done".to_string(),
    };
    diagnostic.with_help(help)
}

/// Inserts `raise` after the handler's last statement: on a line of its own at the body's
/// indentation, or after `; ` when the body is on the `except` line. A lone `pass` is replaced.
fn append_raise(handler: &ast::ExceptHandlerExceptHandler, ctx: &Context) -> Option<Fix> {
    let first = handler.body.first()?;
    let last = handler.body.last()?;
    // A body that is only `pass` (or `...`) becomes `raise`; a comment after it stays.
    if let [only] = &handler.body[..] {
        let placeholder = match only {
            Stmt::Pass(_) => true,
            Stmt::Expr(ast::StmtExpr { value, .. }) => value.is_ellipsis_literal_expr(),
            _ => false,
        };
        if placeholder {
            return Some(Fix::unsafe_(vec![Edit::replace(only.range(), "raise")]));
        }
    }
    let source = ctx.source();
    let line_start = |offset: TextSize| {
        source[..offset.to_usize()]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1)
    };
    let body_line = line_start(first.start());
    if body_line <= handler.start().to_usize() {
        // `except X: pass` — the body shares the `except` line.
        return Some(Fix::unsafe_(vec![Edit::insert(last.end(), "; raise")]));
    }
    let last_line = line_start(last.start());
    let indent = &source[last_line..last.start().to_usize()];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        // The last statement follows another on its line (`a(); b()`): use the first line's.
        let first_indent = &source[body_line..first.start().to_usize()];
        if !first_indent.chars().all(|c| c == ' ' || c == '\t') {
            return None;
        }
        return insert_line_after(last.end(), first_indent, ctx);
    }
    insert_line_after(last.end(), indent, ctx)
}

fn insert_line_after(end: TextSize, indent: &str, ctx: &Context) -> Option<Fix> {
    let source = ctx.source();
    let newline = ctx.line_ending();
    let edit = match source[end.to_usize()..].find(['\n', '\r']) {
        Some(offset) => {
            let mut at = end.to_usize() + offset;
            at += if source[at..].starts_with("\r\n") {
                2
            } else {
                1
            };
            Edit::insert(
                TextSize::try_from(at).ok()?,
                format!("{indent}raise{newline}"),
            )
        }
        None => Edit::insert(
            TextSize::try_from(source.len()).ok()?,
            format!("{newline}{indent}raise{newline}"),
        ),
    };
    Some(Fix::unsafe_(vec![edit]))
}

/// How the paths through a statement or a body can end; a set of bits.
type Flow = u8;
const FALLTHROUGH: Flow = 1;
const RERAISE: Flow = 1 << 1;
const RAISE_OTHER: Flow = 1 << 2;
const RETURN: Flow = 1 << 3;
const BREAK: Flow = 1 << 4;
const CONTINUE: Flow = 1 << 5;
const NEVER_EXITS: Flow = 1 << 6;
/// The ways a handler can end without the cancellation propagating.
const BAD: Flow = FALLTHROUGH | RAISE_OTHER | RETURN | BREAK | CONTINUE;

/// Past this nesting the analysis gives up and takes the body to re-raise.
const MAX_NESTING: usize = 64;

/// Sequences `next` after `flow` on the paths that fall through.
fn and_then(flow: Flow, next: Flow) -> Flow {
    if flow & FALLTHROUGH != 0 {
        (flow & !FALLTHROUGH) | next
    } else {
        flow
    }
}

/// Context managers that re-raise the exception being handled when their body completes.
const RERAISING_CONTEXTS: &[&str] = &["safe_reraise", "save_and_reraise_exception"];

struct Analysis<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The handler's `as` name.
    bound: Option<&'c str>,
}

impl Analysis<'_, '_> {
    fn body(&self, body: &[Stmt], depth: usize) -> Flow {
        body.iter().fold(FALLTHROUGH, |flow, stmt| {
            and_then(flow, self.statement(stmt, depth))
        })
    }

    fn statement(&self, stmt: &Stmt, depth: usize) -> Flow {
        if depth > MAX_NESTING {
            return RERAISE;
        }
        let depth = depth + 1;
        match stmt {
            Stmt::Raise(raise) => self.raise(raise),
            Stmt::Return(_) => RETURN,
            // `assert False` marks a path the author knows cannot be taken.
            Stmt::Assert(ast::StmtAssert { test, .. }) if is_false_literal(test) => NEVER_EXITS,
            Stmt::Break(_) => BREAK,
            Stmt::Continue(_) => CONTINUE,
            Stmt::Expr(ast::StmtExpr { value, .. }) => match value.as_ref() {
                Expr::Call(call) if self.never_returns(call) => NEVER_EXITS,
                _ => FALLTHROUGH,
            },
            // Keeping the exception (`pending = exc`) is taken as re-raising it later.
            Stmt::Assign(ast::StmtAssign { value, .. })
            | Stmt::AnnAssign(ast::StmtAnnAssign {
                value: Some(value), ..
            }) if self.is_bound(value) => RERAISE,
            Stmt::If(ast::StmtIf {
                test,
                body,
                elif_else_clauses,
                ..
            }) => {
                // Only the branches a cancellation exception can take matter: a guard such as
                // `isinstance(exc, asyncio.CancelledError)` or `isinstance(exc, OSError)` decides.
                let clauses = std::iter::once((Some(&**test), &body[..])).chain(
                    elif_else_clauses
                        .iter()
                        .map(|clause| (clause.test.as_ref(), &clause.body[..])),
                );
                let mut flow = 0;
                for (test, body) in clauses {
                    match test.map_or(Truth::True, |test| self.truth(test)) {
                        Truth::True => return flow | self.body(body, depth),
                        Truth::False => {}
                        Truth::Unknown => flow |= self.body(body, depth),
                    }
                }
                flow | FALLTHROUGH
            }
            Stmt::Match(ast::StmtMatch { cases, .. }) => {
                let mut flow = 0;
                let mut exhaustive = false;
                for case in cases {
                    exhaustive |= case.guard.is_none() && case.pattern.is_irrefutable();
                    flow |= self.body(&case.body, depth);
                }
                if !exhaustive {
                    flow |= FALLTHROUGH;
                }
                flow
            }
            Stmt::Try(try_) => self.try_(try_, depth),
            Stmt::For(ast::StmtFor {
                iter, body, orelse, ..
            }) => {
                let execution = if non_empty_literal(iter) {
                    Loop::AtLeastOnce
                } else {
                    Loop::MayBeEmpty
                };
                self.loop_(body, orelse, execution, depth)
            }
            Stmt::While(ast::StmtWhile {
                test, body, orelse, ..
            }) => {
                let execution = if is_truthy_literal(test) {
                    Loop::Infinite
                } else {
                    Loop::MayBeEmpty
                };
                self.loop_(body, orelse, execution, depth)
            }
            Stmt::With(with) => {
                let flow = self.body(&with.body, depth);
                if flow & FALLTHROUGH != 0 && self.reraises_on_exit(with) {
                    (flow & !FALLTHROUGH) | RERAISE
                } else {
                    flow
                }
            }
            _ => FALLTHROUGH,
        }
    }

    /// What a condition evaluates to when the handled exception is a cancellation.
    fn truth(&self, test: &Expr) -> Truth {
        match test {
            Expr::UnaryOp(ast::ExprUnaryOp {
                op: ast::UnaryOp::Not,
                operand,
                ..
            }) => match self.truth(operand) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Unknown => Truth::Unknown,
            },
            Expr::BoolOp(ast::ExprBoolOp { op, values, .. }) => {
                let truths: Vec<Truth> = values.iter().map(|value| self.truth(value)).collect();
                let (decisive, other) = match op {
                    ast::BoolOp::And => (Truth::False, Truth::True),
                    ast::BoolOp::Or => (Truth::True, Truth::False),
                };
                if truths.contains(&decisive) {
                    decisive
                } else if truths.iter().all(|truth| *truth == other) {
                    other
                } else {
                    Truth::Unknown
                }
            }
            Expr::Call(call) => self.isinstance_truth(call),
            _ => Truth::Unknown,
        }
    }

    /// `isinstance(<bound>, C)`: true when `C` (or an element of a tuple) is a cancellation class
    /// or `BaseException`, false when every class is a known other one (`Exception`, `OSError`).
    fn isinstance_truth(&self, call: &ast::ExprCall) -> Truth {
        let (Some(bound), [subject, classes]) = (self.bound, &call.arguments.args[..]) else {
            return Truth::Unknown;
        };
        if !call.arguments.keywords.is_empty()
            || !matches!(subject, Expr::Name(name) if name.id.as_str() == bound)
            || self.ctx.qualified_name(&call.func).as_deref() != Some("builtins.isinstance")
        {
            return Truth::Unknown;
        }
        let classes: &[Expr] = match classes {
            Expr::Tuple(tuple) => &tuple.elts,
            other => std::slice::from_ref(other),
        };
        let mut truth = Truth::False;
        for class in classes {
            if self.ctx.cancellation_class(class).is_some() {
                return Truth::True;
            }
            let known_other = match class {
                Expr::Name(name) => !matches!(
                    self.ctx.lookup(name.id.as_str()),
                    Some(Binding::Local { .. } | Binding::SelfParameter)
                ),
                Expr::Attribute(_) => self.ctx.qualified_name(class).is_some(),
                _ => false,
            };
            if !known_other {
                truth = Truth::Unknown;
            }
        }
        truth
    }

    fn raise(&self, raise: &ast::StmtRaise) -> Flow {
        let Some(exc) = raise.exc.as_deref() else {
            return RERAISE;
        };
        if self.is_bound(exc) {
            return RERAISE;
        }
        // `raise AssertionError(...)` marks a path the author knows cannot be taken.
        let callee = match exc {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        if matches!(callee, Expr::Name(name) if name.id.as_str() == "AssertionError")
            && self.ctx.lookup("AssertionError").is_none()
        {
            return NEVER_EXITS;
        }
        // Raising a new cancellation exception keeps the cancellation going.
        let class = match exc {
            Expr::Call(call) if !matches!(call.func.as_ref(), Expr::Call(_)) => &*call.func,
            other => other,
        };
        match self.ctx.cancellation_class(class) {
            Some(kind) if !kind.is_broad() => RERAISE,
            _ => RAISE_OTHER,
        }
    }

    fn is_bound(&self, expr: &Expr) -> bool {
        matches!((expr, self.bound), (Expr::Name(name), Some(bound)) if name.id.as_str() == bound)
    }

    fn never_returns(&self, call: &ast::ExprCall) -> bool {
        self.ctx.never_returns(call)
    }

    fn reraises_on_exit(&self, with: &ast::StmtWith) -> bool {
        with.items.iter().any(|item| {
            let Expr::Call(call) = &item.context_expr else {
                return false;
            };
            let last = match call.func.as_ref() {
                Expr::Attribute(attribute) => attribute.attr.as_str(),
                Expr::Name(name) => name.id.as_str(),
                _ => return false,
            };
            RERAISING_CONTEXTS.contains(&last)
        })
    }

    fn try_(&self, try_: &ast::StmtTry, depth: usize) -> Flow {
        let inner = if try_.handlers.is_empty() {
            and_then(self.body(&try_.body, depth), self.body(&try_.orelse, depth))
        } else {
            // Any statement of the body can raise into a handler, so the `try` re-raises only
            // when the body and every handler do.
            let escapes = BREAK | CONTINUE | RETURN;
            let body = self.body(&try_.body, depth);
            let orelse = self.body(&try_.orelse, depth);
            let mut escaping = body | orelse;
            let mut all_handlers_reraise = true;
            for handler in &try_.handlers {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                let flow = self.body(&handler.body, depth);
                all_handlers_reraise &= flow & !(RERAISE | NEVER_EXITS) == 0;
                escaping |= flow;
            }
            let straight = and_then(body, orelse);
            if all_handlers_reraise && straight & !(RERAISE | NEVER_EXITS) == 0 {
                straight | RERAISE
            } else {
                FALLTHROUGH | (escaping & (escapes | RAISE_OTHER))
            }
        };
        // `finally` runs last: its own exits win; a body that never exits never reaches it.
        and_then(self.body(&try_.finalbody, depth), inner) | (inner & NEVER_EXITS)
    }

    fn loop_(&self, body: &[Stmt], orelse: &[Stmt], execution: Loop, depth: usize) -> Flow {
        let body_flow = self.body(body, depth);
        let mut flow = body_flow & (RERAISE | RAISE_OTHER | RETURN | NEVER_EXITS);
        if body_flow & BREAK != 0 {
            flow |= FALLTHROUGH;
        }
        if execution == Loop::Infinite
            && body_flow & BREAK == 0
            && body_flow & (FALLTHROUGH | CONTINUE) != 0
        {
            flow |= NEVER_EXITS;
        }
        let reaches_orelse = match execution {
            Loop::Infinite => false,
            Loop::MayBeEmpty => true,
            Loop::AtLeastOnce => body_flow & (FALLTHROUGH | CONTINUE) != 0,
        };
        if reaches_orelse {
            flow |= self.body(orelse, depth);
        }
        flow
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Truth {
    True,
    False,
    Unknown,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loop {
    MayBeEmpty,
    AtLeastOnce,
    Infinite,
}

/// `False`, `0`.
fn is_false_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => !literal.value,
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(value),
            ..
        }) => value.as_u64() == Some(0),
        _ => false,
    }
}

/// `while True:`, `while 1:`.
fn is_truthy_literal(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(value),
            ..
        }) => value.as_u64() != Some(0),
        _ => false,
    }
}

/// A literal that yields at least one item: `[a, b]`, `(x,)`, `"ab"`.
fn non_empty_literal(expr: &Expr) -> bool {
    match expr {
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts
            .iter()
            .any(|element| !matches!(element, Expr::Starred(_))),
        Expr::StringLiteral(literal) => !literal.value.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY080").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    fn handler(body: &str) -> String {
        let body: String = body
            .lines()
            .map(|line| format!("        {line}\n"))
            .collect();
        format!(
            "import asyncio\nimport sys\n\n\nasync def f(work, log):\n    try:\n        await work()\n    except asyncio.CancelledError as exc:\n{body}"
        )
    }

    #[test]
    fn a_task_that_ends_quietly_is_left_alone() {
        let task = "\
import asyncio


class Service:
    def start(self):
        self._task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                break
        self.stopped = True
";
        assert!(flagged(task).is_empty());
        // Work after the loop can block the end: the task does not end as asked.
        let awaits_after = task.replace(
            "        self.stopped = True\n",
            "        await asyncio.sleep(1)\n",
        );
        assert_eq!(flagged(&awaits_after).len(), 1);
        // Awaited in the module, the caller would carry on.
        let awaited = format!("{task}\n    async def main(self):\n        await self._run()\n");
        assert_eq!(flagged(&awaited).len(), 1);
        // A call through another object of a private method is not this method's.
        let other =
            format!("{task}\n    async def main(self, other):\n        await other.conn._run()\n");
        assert!(flagged(&other).is_empty());
    }

    #[test]
    fn api_generators_and_tests_are_not_tasks() {
        let api = "\
import asyncio


async def fetch(client):
    try:
        return await client.get()
    except asyncio.CancelledError:
        return None
";
        assert_eq!(flagged(api).len(), 1);
        let registered = format!(
            "import app\n\n\n@app.route('/')\n{}",
            &api["import asyncio\n\n\n".len()..]
        );
        assert!(flagged(&format!("import asyncio\n{registered}")).is_empty());
        let used =
            format!("{api}\n\ndef start(client):\n    return asyncio.create_task(fetch(client))\n");
        assert!(flagged(&used).is_empty());
        let generator = "\
import asyncio


async def _ticks():
    try:
        yield await asyncio.sleep(1)
    except asyncio.CancelledError:
        pass
";
        assert_eq!(flagged(generator).len(), 1);
        let test = format!("import pytest\n{api}");
        assert!(flagged(&test).is_empty());
    }

    #[test]
    fn paths_that_reraise() {
        for body in [
            "raise",
            "raise exc",
            "raise exc from None",
            "raise asyncio.CancelledError()",
            "if log:\n    raise\nelse:\n    raise",
            "if log:\n    raise\nelif work:\n    raise exc\nelse:\n    sys.exit(1)",
            "try:\n    log()\nfinally:\n    raise",
            "try:\n    log()\nexcept Exception:\n    raise\nelse:\n    raise",
            "match log:\n    case 1:\n        raise\n    case _:\n        raise",
            "while True:\n    log()",
            "for _ in [1]:\n    raise",
            "with log:\n    raise",
            "pending = exc",
            "log()\nif asyncio.current_task().cancelling():\n    raise",
            "if isinstance(exc, Exception):\n    log(exc)\nelse:\n    raise",
            "if not isinstance(exc, Exception):\n    raise\nlog(exc)",
            "if work and isinstance(exc, OSError):\n    raise RuntimeError() from exc\nraise",
            "if isinstance(exc, (ValueError, asyncio.CancelledError)):\n    raise\nreturn",
            "log.errors.append(exc)",
            "log.set_exception(exc)",
            "kept = [exc]",
            "raise AssertionError('unreachable')",
            "assert False, 'unreachable'",
            "context.throw(*sys.exc_info())",
        ] {
            assert_eq!(flagged(&handler(body)), Vec::<String>::new(), "{body}");
        }
    }

    #[test]
    fn paths_that_swallow() {
        for (body, ways) in [
            ("pass", "fall through"),
            ("if log:\n    raise", "fall through"),
            ("return 1", "`return`"),
            ("raise RuntimeError() from exc", "raise another exception"),
            ("if log:\n    return\nlog()", "fall through or `return`"),
            ("match log:\n    case 1:\n        raise", "fall through"),
            ("for x in log:\n    raise", "fall through"),
            (
                "while True:\n    if log:\n        break\n    raise",
                "fall through",
            ),
            ("try:\n    log()\nexcept Exception:\n    pass\nraise", ""),
            ("log.error('stopped', exc_info=exc)", "fall through"),
            ("print(exc)\nlog(str(exc))", "fall through"),
            (
                "if isinstance(exc, asyncio.CancelledError):\n    return\nraise",
                "`return`",
            ),
            ("if isinstance(exc, work):\n    return\nraise", "`return`"),
            ("raise RuntimeError(exc)", "raise another exception"),
        ] {
            let found = flagged(&handler(body));
            if ways.is_empty() {
                assert!(found.is_empty(), "{body}: {found:?}");
            } else {
                assert_eq!(found.len(), 1, "{body}");
                assert!(
                    found[0].contains(&format!("(it can {ways})")),
                    "{body}: {found:?}"
                );
            }
        }
    }

    #[test]
    fn break_and_continue_leave_the_handler_only_outside_inner_loops() {
        let source = "\
import asyncio


async def worker(queue, log):
    while True:
        try:
            await queue.get()
        except asyncio.CancelledError:
            for item in log:
                if item:
                    break
            else:
                continue
            raise
";
        let found = flagged(source);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("(it can `continue`)"), "{found:?}");
    }

    #[test]
    fn context_manager_exits_and_no_return_helpers() {
        let source = "\
import asyncio
from typing import NoReturn


class Guard:
    def _fail(self, exc) -> NoReturn:
        raise exc

    async def __aexit__(self, *exc_info):
        try:
            await self.close()
        except BaseException:
            return True

    async def read(self):
        try:
            return await self.sock.recv()
        except BaseException as exc:
            self._fail(exc)
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn no_checkpoint_in_the_try_body_means_no_cancellation() {
        let source = "\
async def f(fut):
    try:
        value = fut.result()
    except BaseException:
        value = None
    return value
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn crlf_fix_uses_the_file_line_ending() {
        let source = "import asyncio\r\n\r\n\r\nasync def f(w):\r\n    try:\r\n        await w()\r\n    except asyncio.CancelledError:\r\n        w.close()\r\n";
        let mut settings = Settings::only("ASY080").unwrap();
        settings.unsafe_fixes = true;
        let outcome = check_source(source, settings.rules, &settings, FixMode::Apply);
        assert_eq!(
            outcome.source,
            "import asyncio\r\n\r\n\r\nasync def f(w):\r\n    try:\r\n        await w()\r\n    except asyncio.CancelledError:\r\n        w.close()\r\n        raise\r\n"
        );
    }
}
