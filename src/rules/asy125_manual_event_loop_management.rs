//! ASY125 manual-event-loop-management: `loop = asyncio.get_event_loop()` /
//! `new_event_loop()` + `loop.run_until_complete(main())` (+ `loop.close()`) in synchronous
//! code, which `asyncio.run(main())` replaces.
//!
//! Whether the loop object has another use is known only once the whole file has been walked:
//! the rule records the pattern's pieces and every reference to the loop variable, and decides
//! when it leaves the module's last statement.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::modernise_facts::{block_range, blocks};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;
use crate::settings::PythonVersion;

const TITLE: &str = "Replace with `asyncio.run(...)`";

/// Calls whose result is a future, not a coroutine: `asyncio.run()` refuses them.
const FUTURE_RETURNING: &[&str] = &[
    "asyncio.gather",
    "asyncio.ensure_future",
    "asyncio.shield",
    "asyncio.wrap_future",
    "asyncio.create_task",
    "asyncio.Future",
    "asyncio.Task",
    "asyncio.AbstractEventLoop.create_task",
    "asyncio.AbstractEventLoop.create_future",
    "asyncio.AbstractEventLoop.run_in_executor",
];

#[derive(Default)]
pub struct ManualEventLoopManagement {
    /// Whether the file mentions `run_until_complete` (decided on the first hook call).
    relevant: Option<bool>,
    assignments: Vec<Assignment>,
    runs: Vec<Run>,
    /// `asyncio.set_event_loop(<name>)` expression statements.
    set_statements: Vec<NameStatement>,
    /// Every `asyncio.set_event_loop(...)` call.
    set_calls: Vec<TextRange>,
    /// `<name>.close()` expression statements.
    close_statements: Vec<NameStatement>,
    tries: Vec<TryStatement>,
    /// Every reference to a name bound to an event loop getter's result, with that value.
    references: Vec<Reference>,
    /// Names declared `global` or `nonlocal` somewhere.
    declared: Vec<String>,
}

/// A block of statements: the node that owns it (`None` for the module) and which of its
/// blocks it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    owner: Option<TextRange>,
    index: usize,
}

/// `<name> = asyncio.get_event_loop()` / `asyncio.new_event_loop()`.
struct Assignment {
    stmt: TextRange,
    target: TextRange,
    value: TextRange,
    block: Block,
}

enum Receiver {
    /// `loop.run_until_complete(...)` with `loop` bound in this scope to `value`.
    Name {
        name: String,
        range: TextRange,
        value: TextRange,
    },
    /// `asyncio.get_event_loop().run_until_complete(...)`.
    Chained,
}

/// A `run_until_complete` call on a loop from a getter, in synchronous code.
struct Run {
    call: TextRange,
    func: TextRange,
    /// The call's parenthesized arguments.
    arguments: TextRange,
    getter: &'static str,
    receiver: Receiver,
    /// The innermost statement that holds the call, and its block.
    stmt: TextRange,
    stmt_block: Block,
    /// The statement is simple (not compound) and the call is not in a lambda or comprehension.
    plain_statement: bool,
    /// The single argument is a call that likely returns a coroutine.
    coroutine_argument: bool,
    /// `asyncio.run` as the file refers to it, with the import to add; `None` when shadowed.
    replacement: Option<(String, Option<Edit>)>,
}

/// An expression statement about a name: `asyncio.set_event_loop(loop)`, `loop.close()`.
struct NameStatement {
    stmt: TextRange,
    name: TextRange,
    block: Block,
}

struct TryStatement {
    range: TextRange,
    block: Block,
    body: Vec<TextRange>,
    handlers: usize,
    has_orelse: bool,
    finalbody: Vec<TextRange>,
    /// Where the `finally` keyword's line starts, when the keyword begins its line.
    finally_line: Option<TextSize>,
}

struct Reference {
    range: TextRange,
    value: TextRange,
    /// `loop.<attribute>`: a method or attribute of the loop, not the loop passed as a value.
    is_receiver: bool,
}

impl Rule for ManualEventLoopManagement {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            expr: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        if !self.is_relevant(ctx) {
            return;
        }
        match stmt {
            Stmt::Assign(assign) => {
                let [Expr::Name(target)] = &*assign.targets else {
                    return;
                };
                if loop_getter(&assign.value, ctx).is_some() {
                    self.assignments.push(Assignment {
                        stmt: stmt.range(),
                        target: target.range(),
                        value: assign.value.range(),
                        block: block_of(ctx.parent(), stmt.range()),
                    });
                }
            }
            Stmt::Expr(expr_stmt) => {
                let Expr::Call(call) = expr_stmt.value.as_ref() else {
                    return;
                };
                let block = || block_of(ctx.parent(), stmt.range());
                match (&*call.arguments.args, call.func.as_ref()) {
                    ([Expr::Name(name)], _)
                        if call.arguments.keywords.is_empty()
                            && is_asyncio(&call.func, "asyncio.set_event_loop", ctx) =>
                    {
                        self.set_statements.push(NameStatement {
                            stmt: stmt.range(),
                            name: name.range(),
                            block: block(),
                        });
                    }
                    ([], Expr::Attribute(attribute))
                        if attribute.attr.as_str() == "close"
                            && call.arguments.keywords.is_empty() =>
                    {
                        if let Expr::Name(name) = attribute.value.as_ref() {
                            self.close_statements.push(NameStatement {
                                stmt: stmt.range(),
                                name: name.range(),
                                block: block(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            Stmt::Try(try_stmt) if !try_stmt.is_star => {
                self.tries.push(TryStatement {
                    range: stmt.range(),
                    block: block_of(ctx.parent(), stmt.range()),
                    body: try_stmt.body.iter().map(Ranged::range).collect(),
                    handlers: try_stmt.handlers.len(),
                    has_orelse: !try_stmt.orelse.is_empty(),
                    finalbody: try_stmt.finalbody.iter().map(Ranged::range).collect(),
                    finally_line: finally_line(try_stmt, ctx),
                });
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                self.declared
                    .extend(names.iter().map(|name| name.as_str().to_string()));
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        let Expr::Name(name) = expr else {
            return;
        };
        if !self.is_relevant(ctx) {
            return;
        }
        if let Some(Binding::Local {
            value: Some(Expr::Call(value)),
        }) = ctx.lookup(name.id.as_str())
        {
            let func = ctx.text(value.func.range());
            if func.ends_with("get_event_loop") || func.ends_with("new_event_loop") {
                let is_receiver = matches!(
                    ctx.parent(),
                    Some(AnyNodeRef::ExprAttribute(attribute))
                        if attribute.value.range() == name.range()
                );
                self.references.push(Reference {
                    range: name.range(),
                    value: value.range(),
                    is_receiver,
                });
            }
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
        if !self.is_relevant(ctx) {
            return;
        }
        let Expr::Attribute(method) = call.func.as_ref() else {
            if is_asyncio(&call.func, "asyncio.set_event_loop", ctx) {
                self.set_calls.push(call.range());
            }
            return;
        };
        if method.attr.as_str() == "set_event_loop" {
            if is_asyncio(&call.func, "asyncio.set_event_loop", ctx) {
                self.set_calls.push(call.range());
            }
            return;
        }
        if method.attr.as_str() != "run_until_complete" || ctx.in_async_function() {
            return;
        }
        let Some(scope) = sync_scope(ctx) else {
            return;
        };
        let (receiver, getter) = match method.value.as_ref() {
            Expr::Name(name) => {
                let Some(Binding::Local {
                    value: Some(value), ..
                }) = ctx.lookup(name.id.as_str())
                else {
                    return;
                };
                // Bound in this scope (module or this function), not an enclosing one.
                if scope.is_some_and(|def| !def.contains_range(value.range())) {
                    return;
                }
                let Some(getter) = loop_getter(value, ctx) else {
                    return;
                };
                let receiver = Receiver::Name {
                    name: name.id.to_string(),
                    range: name.range(),
                    value: value.range(),
                };
                (receiver, getter)
            }
            receiver @ Expr::Call(_) => {
                let Some(getter) = loop_getter(receiver, ctx) else {
                    return;
                };
                (Receiver::Chained, getter)
            }
            _ => return,
        };
        let Some((stmt, stmt_block, nested)) = enclosing_statement(ctx) else {
            return;
        };
        let coroutine_argument = match (&*call.arguments.args, &*call.arguments.keywords) {
            ([Expr::Call(argument)], []) => ctx.qualified_name(&argument.func).is_none_or(|q| {
                !FUTURE_RETURNING.contains(&names::canonical_asyncio_name(&q).as_ref())
            }),
            _ => false,
        };
        let (text, import) = ctx.reference_to("asyncio", "run");
        let shadowed = import.is_some() && ctx.lookup("asyncio").is_some();
        self.runs.push(Run {
            call: call.range(),
            func: call.func.range(),
            arguments: call.arguments.range(),
            getter,
            receiver,
            stmt: stmt.range(),
            stmt_block,
            plain_statement: !nested && !is_compound(stmt),
            coroutine_argument,
            replacement: (!shadowed).then_some((text, import)),
        });
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        if ctx.parent().is_some() || self.relevant != Some(true) || self.runs.is_empty() {
            return;
        }
        if is_last_statement(stmt, ctx) {
            self.finish(ctx, out);
        }
    }
}

impl ManualEventLoopManagement {
    fn is_relevant(&mut self, ctx: &Context) -> bool {
        *self
            .relevant
            .get_or_insert_with(|| ctx.source().contains("run_until_complete"))
    }

    /// Reports the recorded runs: each chained one, and for each loop variable the first of
    /// its runs — with a fix where that run is its only one, the pattern is complete and the
    /// loop has no other use. A loop used for anything but running coroutines
    /// (`run_forever()`, `create_task()`, passed to a function, ...) is under deliberate
    /// low-level control, which `asyncio.run()` does not replace: it is not reported.
    fn finish(&mut self, ctx: &Context, out: &mut Report) {
        let mut reported: Vec<TextRange> = Vec::new();
        for run in &self.runs {
            let message = match &run.receiver {
                Receiver::Name { name, value, .. } => {
                    if reported.contains(value) || !self.only_runs_coroutines(*value, name) {
                        continue;
                    }
                    reported.push(*value);
                    format!(
                        "Event loop managed by hand: `{name}.run_until_complete()` on a loop from `asyncio.{}()`",
                        run.getter
                    )
                }
                Receiver::Chained => format!(
                    "Event loop managed by hand: `asyncio.{}().run_until_complete()`",
                    run.getter
                ),
            };
            let diagnostic = Diagnostic::new("ASY125", run.call, message);
            out.push(match self.fix(run, ctx) {
                Some(fix) => diagnostic.with_fix(TITLE, fix),
                None => diagnostic.with_help(help(ctx)),
            });
        }
        self.runs.clear();
    }

    /// Is the loop bound to `value` used only to run coroutines: its assignment,
    /// `run_until_complete` calls (also as an argument of the coroutine they run, the old
    /// `main(loop)` style), `asyncio.set_event_loop(loop)` and `loop.close()`?
    fn only_runs_coroutines(&self, value: TextRange, name: &str) -> bool {
        if self.declared.iter().any(|declared| declared == name) {
            return false;
        }
        let mut parts: Vec<TextRange> = self
            .assignments
            .iter()
            .filter(|assignment| assignment.value == value)
            .map(|assignment| assignment.target)
            .collect();
        parts.extend(self.runs.iter().filter_map(|run| match run.receiver {
            Receiver::Name { range, .. } => Some(range),
            Receiver::Chained => None,
        }));
        parts.extend(self.set_statements.iter().map(|set| set.name));
        parts.extend(self.close_statements.iter().map(|close| close.name));
        let in_run_argument = |range: TextRange| {
            self.runs.iter().any(|run| {
                matches!(run.receiver, Receiver::Name { value: v, .. } if v == value)
                    && run.arguments.contains_range(range)
            })
        };
        self.references
            .iter()
            .filter(|reference| reference.value == value)
            .all(|reference| {
                parts.contains(&reference.range)
                    || (!reference.is_receiver && in_run_argument(reference.range))
            })
    }

    fn fix(&self, run: &Run, ctx: &Context) -> Option<Fix> {
        let (text, import) = run.replacement.as_ref()?;
        if !run.coroutine_argument || !run.plain_statement {
            return None;
        }
        // `get_event_loop()` returns whatever loop was set: another `set_event_loop` call can
        // make it a loop (uvloop's, say) that `asyncio.run` would not use.
        let from_set_loop = run.getter == "get_event_loop";
        let mut edits = vec![Edit::replace(run.func, text.clone())];
        edits.extend(import.clone());
        let Receiver::Name {
            name,
            range: receiver,
            value,
        } = &run.receiver
        else {
            return (!from_set_loop || self.set_calls.is_empty()).then(|| Fix::unsafe_(edits));
        };
        if self.declared.contains(name) {
            return None;
        }
        let assignment = self.assignments.iter().find(|a| a.value == *value)?;
        let block = assignment.block;
        let after_assignment = |range: TextRange| range.start() >= assignment.stmt.end();

        // Where the run statement stands: in the assignment's block, or alone in the body of a
        // `try` there.
        let container = if run.stmt_block == block && after_assignment(run.stmt) {
            Container::Direct
        } else {
            let try_stmt = self.tries.iter().find(|t| {
                run.stmt_block
                    == Block {
                        owner: Some(t.range),
                        index: 0,
                    }
            })?;
            if try_stmt.block != block || !after_assignment(try_stmt.range) || try_stmt.has_orelse {
                return None;
            }
            Container::Try(try_stmt)
        };
        let container_range = match container {
            Container::Direct => run.stmt,
            Container::Try(try_stmt) => try_stmt.range,
        };

        let of_loop = |name: TextRange| {
            self.references
                .iter()
                .any(|reference| reference.range == name && reference.value == *value)
        };
        let sets: Vec<&NameStatement> = self
            .set_statements
            .iter()
            .filter(|set| {
                set.block == block
                    && of_loop(set.name)
                    && after_assignment(set.stmt)
                    && set.stmt.end() <= container_range.start()
            })
            .collect();
        if sets.len() > 1 || (from_set_loop && !self.only_sets(&sets)) {
            return None;
        }
        let finally_block = match container {
            Container::Try(try_stmt) => Some(Block {
                owner: Some(try_stmt.range),
                index: 2,
            }),
            Container::Direct => None,
        };
        let closes: Vec<&NameStatement> = self
            .close_statements
            .iter()
            .filter(|close| {
                of_loop(close.name)
                    && ((close.block == block && close.stmt.start() >= container_range.end())
                        || Some(close.block) == finally_block)
            })
            .collect();
        if closes.len() > 1 {
            return None;
        }

        // Every other reference to the loop is a use that `asyncio.run` cannot keep.
        let mut parts = vec![assignment.target, *receiver];
        parts.extend(sets.iter().map(|set| set.name));
        parts.extend(closes.iter().map(|close| close.name));
        let other_use = self
            .references
            .iter()
            .any(|reference| reference.value == *value && !parts.contains(&reference.range));
        if other_use {
            return None;
        }

        edits.push(Edit::delete(own_lines(assignment.stmt, ctx)?));
        for set in &sets {
            edits.push(Edit::delete(own_lines(set.stmt, ctx)?));
        }
        match (container, closes.first()) {
            (Container::Try(try_stmt), Some(close)) if Some(close.block) == finally_block => {
                if try_stmt.finalbody.len() > 1 {
                    edits.push(Edit::delete(own_lines(close.stmt, ctx)?));
                } else if try_stmt.handlers > 0 {
                    // `try: ... except ...: ... finally: loop.close()` loses its `finally`.
                    let start = try_stmt.finally_line?;
                    let end = own_lines(close.stmt, ctx)
                        .map_or_else(|| ctx.line_range(close.stmt).end(), TextRange::end);
                    edits.push(Edit::delete(TextRange::new(start, end)));
                } else if try_stmt.body.len() == 1 {
                    // `try: loop.run_until_complete(main()) finally: loop.close()` unwraps.
                    let source = ctx.source();
                    let statement = format!(
                        "{}{}{}",
                        &source[TextRange::new(run.stmt.start(), run.func.start())],
                        text,
                        &source[TextRange::new(run.func.end(), run.stmt.end())],
                    );
                    edits.retain(|edit| edit.range != run.func);
                    edits.push(Edit::replace(try_stmt.range, statement));
                } else {
                    return None;
                }
            }
            (_, Some(close)) => edits.push(Edit::delete(own_lines(close.stmt, ctx)?)),
            (_, None) => {}
        }
        Some(Fix::unsafe_(edits))
    }

    /// Are the given `set_event_loop` statements all the file's `set_event_loop` calls?
    fn only_sets(&self, sets: &[&NameStatement]) -> bool {
        self.set_calls
            .iter()
            .all(|call| sets.iter().any(|set| set.stmt.contains_range(*call)))
    }
}

#[derive(Clone, Copy)]
enum Container<'r> {
    Direct,
    Try(&'r TryStatement),
}

fn help(ctx: &Context) -> &'static str {
    if ctx.target_version() >= PythonVersion::PY311 {
        "Run one coroutine that does all the work with `asyncio.run(...)`, or several in one loop with `asyncio.Runner`"
    } else {
        "Run one coroutine that does all the work with `asyncio.run(...)`"
    }
}

/// `asyncio.get_event_loop()` / `asyncio.new_event_loop()` (no arguments): the getter's name.
fn loop_getter(expr: &Expr, ctx: &Context) -> Option<&'static str> {
    let Expr::Call(call) = expr else {
        return None;
    };
    if !call.arguments.is_empty() {
        return None;
    }
    let qualified = ctx.qualified_name(&call.func)?;
    match names::canonical_asyncio_name(&qualified).as_ref() {
        "asyncio.get_event_loop" => Some("get_event_loop"),
        "asyncio.new_event_loop" => Some("new_event_loop"),
        _ => None,
    }
}

fn is_asyncio(func: &Expr, name: &str, ctx: &Context) -> bool {
    ctx.qualified_name(func)
        .is_some_and(|qualified| names::canonical_asyncio_name(&qualified) == name)
}

/// The synchronous scope the current node is in: `Some(None)` at module level, `Some(def)` in
/// a sync function's body; `None` in a class body, lambda or async function.
fn sync_scope(ctx: &Context) -> Option<Option<TextRange>> {
    for frame in ctx.frames().iter().rev() {
        match frame.node {
            AnyNodeRef::StmtFunctionDef(def) => {
                return (!def.is_async).then_some(Some(def.range()));
            }
            AnyNodeRef::StmtClassDef(_) | AnyNodeRef::ExprLambda(_) => return None,
            _ => {}
        }
    }
    Some(None)
}

/// The innermost statement holding the current node, its block, and whether a lambda or
/// comprehension stands between them.
fn enclosing_statement<'a>(ctx: &Context<'a>) -> Option<(&'a Stmt, Block, bool)> {
    let stmt = ctx.current_statement()?;
    let ancestors: Vec<AnyNodeRef<'a>> = ctx.parents().collect();
    let index = ancestors
        .iter()
        .rposition(|node| node.is_statement() && node.range() == stmt.range())?;
    let parent = index.checked_sub(1).map(|i| ancestors[i]);
    let nested = ancestors[index + 1..].iter().any(|node| {
        matches!(
            node,
            AnyNodeRef::ExprLambda(_)
                | AnyNodeRef::ExprListComp(_)
                | AnyNodeRef::ExprSetComp(_)
                | AnyNodeRef::ExprDictComp(_)
                | AnyNodeRef::ExprGenerator(_)
        )
    });
    Some((stmt, block_of(parent, stmt.range()), nested))
}

fn block_of(parent: Option<AnyNodeRef<'_>>, stmt: TextRange) -> Block {
    let Some(parent) = parent else {
        return Block {
            owner: None,
            index: 0,
        };
    };
    let index = blocks(parent)
        .iter()
        .position(|block| block_range(block).is_some_and(|range| range.contains_range(stmt)))
        .unwrap_or(0);
    Block {
        owner: Some(parent.range()),
        index,
    }
}

fn is_compound(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::If(_)
            | Stmt::For(_)
            | Stmt::While(_)
            | Stmt::With(_)
            | Stmt::Try(_)
            | Stmt::Match(_)
            | Stmt::FunctionDef(_)
            | Stmt::ClassDef(_)
    )
}

/// The start of the `finally` keyword's line, when the keyword begins its line.
fn finally_line(try_stmt: &ast::StmtTry, ctx: &Context) -> Option<TextSize> {
    if try_stmt.finalbody.is_empty() {
        return None;
    }
    let before = try_stmt
        .orelse
        .last()
        .map(Ranged::end)
        .or_else(|| try_stmt.handlers.last().map(Ranged::end))
        .or_else(|| try_stmt.body.last().map(Ranged::end))?;
    let keyword = SimpleTokenizer::starts_at(before, ctx.source())
        .find(|token| !token.kind().is_trivia())
        .filter(|token| token.kind() == SimpleTokenKind::Finally)?;
    let line = ctx.line_range(keyword.range());
    ctx.source()[TextRange::new(line.start(), keyword.start())]
        .trim()
        .is_empty()
        .then_some(line.start())
}

/// The whole line(s) of a statement, when nothing but whitespace precedes it and at most a
/// comment follows it.
fn own_lines(stmt: TextRange, ctx: &Context) -> Option<TextRange> {
    let source = ctx.source();
    let lines = ctx.line_range(stmt);
    let before = &source[TextRange::new(lines.start(), stmt.start())];
    let after = source[TextRange::new(stmt.end(), lines.end())].trim();
    (before.trim().is_empty() && (after.is_empty() || after.starts_with('#'))).then_some(lines)
}

/// Is this module-level statement the file's last (nothing but comments and blank lines after
/// it)?
fn is_last_statement(stmt: &Stmt, ctx: &Context) -> bool {
    SimpleTokenizer::starts_at(stmt.end(), ctx.source())
        .all(|token| token.kind().is_trivia() || token.kind() == SimpleTokenKind::Semi)
}

#[cfg(test)]
mod tests {
    use crate::settings::{PythonVersion, Settings};
    use crate::{check_source, FixMode};

    fn settings() -> Settings {
        let mut settings = Settings::only("ASY125").unwrap();
        settings.unsafe_fixes = true;
        settings
    }

    fn fixed(source: &str) -> String {
        let settings = settings();
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    /// The flagged texts, each with whether it has a fix.
    fn flagged(source: &str) -> Vec<(String, bool)> {
        let settings = settings();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| (source[d.range].to_string(), d.fix.is_some()))
            .collect()
    }

    #[test]
    fn help_names_the_runner_from_python_3_11() {
        let source = "\
import asyncio

loop = asyncio.new_event_loop()
loop.run_until_complete(a())
loop.run_until_complete(b())
";
        let mut settings = settings();
        let help = |settings: &Settings| {
            check_source(source, settings.rules, settings, FixMode::Check).diagnostics[0]
                .fix_title
                .clone()
                .unwrap()
        };
        assert!(!help(&settings).contains("Runner"));
        settings.target_version = PythonVersion::PY311;
        assert!(help(&settings).contains("asyncio.Runner"));
    }

    #[test]
    fn trailing_comments_after_the_last_statement() {
        let source = "\
import asyncio

loop = asyncio.get_event_loop()
loop.run_until_complete(main())  # run it
# the end
";
        assert_eq!(
            fixed(source),
            "import asyncio\n\nasyncio.run(main())  # run it\n# the end\n"
        );
    }

    #[test]
    fn loops_used_otherwise_are_not_reported() {
        let source = "\
import asyncio


def stop():
    loop.stop()


loop = asyncio.new_event_loop()
loop.run_until_complete(main())
";
        assert!(flagged(source).is_empty());
        let shadowing = "\
import asyncio


def stop(loop):
    loop.stop()


loop = asyncio.new_event_loop()
loop.run_until_complete(main())
";
        assert_eq!(
            flagged(shadowing),
            [("loop.run_until_complete(main())".to_string(), true)]
        );
        let global = "\
import asyncio


def setup():
    global loop
    loop = None


loop = asyncio.new_event_loop()
loop.run_until_complete(main())
";
        assert!(flagged(global).is_empty());
    }

    #[test]
    fn semicolons_and_loops_block_the_fix() {
        let source = "\
import asyncio

loop = asyncio.new_event_loop(); loop.run_until_complete(main())
";
        assert!(!flagged(source)[0].1);
        let in_loop = "\
import asyncio

loop = asyncio.new_event_loop()
for job in jobs:
    loop.run_until_complete(job())
";
        assert!(!flagged(in_loop)[0].1);
        let comprehension = "\
import asyncio

loop = asyncio.new_event_loop()
results = [loop.run_until_complete(job()) for job in jobs]
";
        assert!(!flagged(comprehension)[0].1);
    }

    #[test]
    fn one_finding_per_loop() {
        let source = "\
import asyncio


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(a())
    loop.run_until_complete(b())
    loop.close()
    asyncio.get_event_loop().run_until_complete(c())
    asyncio.get_event_loop().run_until_complete(d())
";
        assert_eq!(
            flagged(source),
            [
                ("loop.run_until_complete(a())".to_string(), false),
                (
                    "asyncio.get_event_loop().run_until_complete(c())".to_string(),
                    false
                ),
                (
                    "asyncio.get_event_loop().run_until_complete(d())".to_string(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn shadowed_asyncio_gets_no_fix() {
        let source = "\
from asyncio import new_event_loop


def main(asyncio):
    loop = new_event_loop()
    loop.run_until_complete(asyncio.work())
";
        assert!(!flagged(source)[0].1);
    }
}
