//! ASY040 dangling-task: a task from `asyncio.create_task()`, `asyncio.ensure_future()` or
//! `loop.create_task()` that nothing keeps a reference to.
//!
//! A dropped result (an expression statement) is reported at once. A task bound to a local name
//! is a candidate until the end of its function (see `unused_locals`, shared with ASY020 and
//! ASY041).
//!
//! The fix (unsafe) keeps a strong reference: inside a task group it starts the task on the group
//! (`tg.create_task(...)`, or `tg.start_soon(fn, *args)` on an anyio task group); elsewhere it
//! adds the task to a module-level set that a done-callback empties again:
//!
//! ```python
//! _background_tasks = set()  # once per module, after the imports
//! ...
//!     task = asyncio.create_task(work())
//!     _background_tasks.add(task)
//!     task.add_done_callback(_background_tasks.discard)
//! ```

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::StructuredItem;
use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::unused_locals::{bound_name, directly_in_function, UnusedLocals};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

const HELP: &str = "Store a reference to the task (for example in a set, discarded in a done \
                    callback), await it, or create it in a `TaskGroup`";

/// The set the fix creates; `_background_tasks_1`, `_2`, … when the name is taken.
const SET_NAME: &str = "_background_tasks";
/// The local the fix binds a dropped task to; `task_1`, … when the name is taken.
const TASK_NAME: &str = "task";

#[derive(Default)]
pub struct DanglingTask {
    locals: UnusedLocals<Candidate>,
    module: ModuleLayout,
}

/// A task bound to a local name, reported unless the name is loaded again.
struct Candidate {
    name: String,
    target: TextRange,
    factory: String,
    fix: Option<(String, Fix)>,
}

impl Rule for DanglingTask {
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
        self.module.check_stmt(stmt, ctx);
        self.locals.check_stmt(stmt);
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        for candidate in self.locals.leave_stmt(stmt, ctx) {
            let diagnostic = Diagnostic::new(
                "ASY040",
                candidate.target,
                format!(
                    "Task `{}` from `{}()` is never used; it can be garbage-collected before it finishes",
                    candidate.name, candidate.factory
                ),
            );
            out.push(match candidate.fix {
                Some((title, fix)) => diagnostic.with_fix(title, fix),
                None => diagnostic.with_help(HELP),
            });
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        self.locals.check_expr(expr, ctx);
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let could_be_factory = match call.func.as_ref() {
            Expr::Attribute(attribute) => {
                matches!(attribute.attr.as_str(), "create_task" | "ensure_future")
            }
            Expr::Name(_) => true,
            _ => false,
        };
        if !could_be_factory {
            return;
        }
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        let qualified = names::canonical_asyncio_name(&qualified);
        if !names::TASK_FACTORIES.contains(&qualified.as_ref()) {
            return;
        }
        let factory = match qualified.strip_prefix("asyncio.AbstractEventLoop.") {
            Some(method) => format!("loop.{method}"),
            None => qualified.to_string(),
        };
        let requires_coroutine = !factory.ends_with("ensure_future");
        if ctx.is_expression_statement() {
            let diagnostic = Diagnostic::new(
                "ASY040",
                call.range(),
                format!(
                    "Task returned by `{factory}()` is dropped; it can be garbage-collected before it finishes"
                ),
            );
            let fix = self.fix(call, None, requires_coroutine, ctx);
            out.push(match fix {
                Some((title, fix)) => diagnostic.with_fix(title, fix),
                None => diagnostic.with_help(HELP),
            });
            return;
        }
        let Some(target) = bound_name(call, ctx) else {
            return;
        };
        if !directly_in_function(ctx) || self.locals.is_declared(target.id.as_str()) {
            return;
        }
        let fix = self.fix(call, Some(target.id.as_str()), requires_coroutine, ctx);
        self.locals.add(
            target,
            Candidate {
                name: target.id.to_string(),
                target: target.range(),
                factory,
                fix,
            },
        );
    }
}

impl DanglingTask {
    /// The fix for a task created by `call`, dropped (`bound` is `None`) or bound to a name never
    /// used: start it on the enclosing task group, or keep it in the module's set.
    fn fix(
        &self,
        call: &ast::ExprCall,
        bound: Option<&str>,
        requires_coroutine: bool,
        ctx: &Context,
    ) -> Option<(String, Fix)> {
        if let Some(group) = ctx.enclosing_task_group() {
            if let Some(fix) = task_group_fix(call, bound, requires_coroutine, &group, ctx) {
                return Some(fix);
            }
        }
        let stmt = ctx.current_statement()?;
        let indent = own_line_indent(stmt, ctx)?;
        let (set, create_set) = self.module.background_set(ctx)?;
        let le = ctx.line_ending();
        let mut edits: Vec<Edit> = create_set.into_iter().collect();
        let task = match bound {
            Some(name) => name.to_string(),
            None => {
                let name = free_local_name(ctx)?;
                edits.push(Edit::insert(stmt.start(), format!("{name} = ")));
                name
            }
        };
        let line_end = ctx.line_range(stmt.range()).end();
        let newline = if ctx.source()[..line_end.to_usize()].ends_with(['\n', '\r']) {
            ""
        } else {
            le
        };
        edits.push(Edit::insert(
            line_end,
            format!(
                "{newline}{indent}{set}.add({task}){le}{indent}{task}.add_done_callback({set}.discard){le}"
            ),
        ));
        Some((
            format!("Keep a reference to the task in `{set}`"),
            Fix::unsafe_(edits),
        ))
    }
}

/// Starts the task on the task group around it: `tg.create_task(coro)` on an `asyncio.TaskGroup`,
/// `tg.start_soon(fn, *args)` on an anyio task group (dropped tasks only, and only when the
/// coroutine is a plain call with positional arguments). `None` for a trio nursery, a group
/// without an `as` name, or a call that does not convert.
fn task_group_fix(
    call: &ast::ExprCall,
    bound: Option<&str>,
    requires_coroutine: bool,
    group: &StructuredItem,
    ctx: &Context,
) -> Option<(String, Fix)> {
    let tg = group.target?.id.as_str();
    // `ensure_future` also takes futures, which a task group cannot start.
    if !requires_coroutine {
        return None;
    }
    let [coroutine] = &*call.arguments.args else {
        return None;
    };
    if call
        .arguments
        .keywords
        .iter()
        .any(|keyword| !matches!(keyword.arg.as_deref(), Some("name" | "context")))
    {
        return None;
    }
    match group.api.library {
        Some(Library::Asyncio) => Some((
            format!("Create the task with `{tg}.create_task()`"),
            Fix::unsafe_(vec![Edit::replace(
                call.func.range(),
                format!("{tg}.create_task"),
            )]),
        )),
        Some(Library::AnyIO) if bound.is_none() => {
            let Expr::Call(inner) = coroutine else {
                return None;
            };
            if !is_dotted_name(&inner.func)
                || !inner.arguments.keywords.is_empty()
                || call.arguments.find_keyword("context").is_some()
                || inner
                    .arguments
                    .args
                    .iter()
                    .any(|arg| matches!(arg, Expr::Generator(g) if !g.parenthesized))
            {
                return None;
            }
            let inner_args = TextRange::new(
                inner.arguments.start() + TextSize::from(1),
                inner.arguments.end() - TextSize::from(1),
            );
            let inner_args = ctx.text(inner_args).trim();
            if inner_args.contains('#') {
                return None;
            }
            let mut arguments = vec![ctx.text(inner.func.range()).to_string()];
            let inner_args = inner_args.trim_end_matches(',').trim_end();
            if !inner_args.is_empty() {
                arguments.push(inner_args.to_string());
            }
            if let Some(name) = call.arguments.find_keyword("name") {
                arguments.push(ctx.text(name.range()).to_string());
            }
            Some((
                format!("Start the task with `{tg}.start_soon()`"),
                Fix::unsafe_(vec![Edit::replace(
                    call.range(),
                    format!("{tg}.start_soon({})", arguments.join(", ")),
                )]),
            ))
        }
        _ => None,
    }
}

fn is_dotted_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_dotted_name(&attribute.value),
        _ => false,
    }
}

/// The indentation of a statement that has its line(s) to itself (nothing but whitespace before
/// it, nothing but a comment after it), so that lines can be added after it.
fn own_line_indent<'a>(stmt: &Stmt, ctx: &Context<'a>) -> Option<&'a str> {
    let source = ctx.source();
    let start = stmt.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &source[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    // After a backslash continuation the statement only looks like it starts a line: its
    // block's indentation is that of the line before.
    let before = source[..line_start].trim_end_matches(['\n', '\r']);
    if line_start > 0 && before.ends_with('\\') {
        return None;
    }
    let rest = &source[stmt.end().to_usize()..];
    let rest = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let rest = rest.trim_start_matches([' ', '\t']);
    (rest.is_empty() || rest.starts_with('#')).then_some(indent)
}

/// `task`, or `task_1`, `task_2`, … : a name the enclosing function (or, at module level, the
/// module) never mentions, so that binding it changes nothing else.
fn free_local_name(ctx: &Context) -> Option<String> {
    let region = ctx
        .current_function()
        .map_or(ctx.source(), |def| ctx.text(def.range()));
    (0..100)
        .map(|i| numbered(TASK_NAME, i))
        .find(|name| !mentions(region, name))
}

fn numbered(base: &str, i: usize) -> String {
    if i == 0 {
        base.to_string()
    } else {
        format!("{base}_{i}")
    }
}

/// Does `text` contain `name` as a whole identifier?
fn mentions(text: &str, name: &str) -> bool {
    let is_ident = |c: char| c == '_' || c.is_alphanumeric();
    text.match_indices(name).any(|(start, _)| {
        !text[..start].chars().next_back().is_some_and(is_ident)
            && !text[start + name.len()..]
                .chars()
                .next()
                .is_some_and(is_ident)
    })
}

/// Where the module's imports end, for the statement the fix adds after them.
#[derive(Default)]
struct ModuleLayout {
    /// Past the leading docstring and imports: no more top-level statements are recorded.
    past_imports: bool,
    seen_statement: bool,
    /// The end of the last statement of the leading import block.
    imports_end: Option<TextSize>,
    /// The start of the first top-level statement that is neither the docstring nor an import.
    first_code: Option<TextSize>,
}

impl ModuleLayout {
    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context) {
        if self.past_imports || ctx.parent().is_some() {
            return;
        }
        let is_docstring =
            !self.seen_statement && ruff_python_ast::helpers::is_docstring_stmt(stmt);
        self.seen_statement = true;
        if is_docstring {
            return;
        }
        if is_import_block(stmt) {
            self.imports_end = Some(stmt.end());
        } else {
            self.first_code = Some(stmt.start());
            self.past_imports = true;
        }
    }

    /// The name of the module-level set of background tasks, and the edit that creates it when
    /// the module has none yet. An existing module-level `<name> = set()` is reused; otherwise the
    /// first of `_background_tasks`, `_background_tasks_1`, … that the module never mentions is
    /// created after the leading imports. The edit is the same for every finding in the file, so
    /// the fixes share it.
    fn background_set(&self, ctx: &Context) -> Option<(String, Option<Edit>)> {
        let source = ctx.source();
        for i in 0..100 {
            let name = numbered(SET_NAME, i);
            if let Some(binding) = ctx.module_binding(&name) {
                let visible = ctx
                    .lookup(&name)
                    .is_some_and(|seen| std::ptr::eq(seen, binding));
                if visible && is_empty_set(binding) {
                    return Some((name, None));
                }
                continue;
            }
            if mentions(source, &name) {
                continue;
            }
            let le = ctx.line_ending();
            let edit = match self.imports_end {
                Some(end) => {
                    let line_end = ctx.line_range(TextRange::empty(end)).end();
                    let newline = if source[..line_end.to_usize()].ends_with(['\n', '\r']) {
                        ""
                    } else {
                        le
                    };
                    Edit::insert(line_end, format!("{newline}{le}{name} = set(){le}"))
                }
                None => {
                    let first = self.first_code?;
                    let line_start = ctx.line_range(TextRange::empty(first)).start();
                    Edit::insert(line_start, format!("{name} = set(){le}{le}"))
                }
            };
            return Some((name, Some(edit)));
        }
        None
    }
}

/// `import x`, `from x import y`, or an `if`/`try` block of them (`if TYPE_CHECKING:`,
/// `try: import ujson as json / except ImportError: json = None`).
fn is_import_block(stmt: &Stmt) -> bool {
    fn only_imports(body: &[Stmt]) -> bool {
        body.iter()
            .all(|stmt| matches!(stmt, Stmt::Pass(_) | Stmt::Assign(_)) || is_import_block(stmt))
    }
    match stmt {
        Stmt::Import(_) | Stmt::ImportFrom(_) => true,
        Stmt::If(if_stmt) => {
            only_imports(&if_stmt.body)
                && if_stmt
                    .elif_else_clauses
                    .iter()
                    .all(|clause| only_imports(&clause.body))
        }
        Stmt::Try(try_stmt) => {
            only_imports(&try_stmt.body)
                && try_stmt.handlers.iter().all(|handler| {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    only_imports(&handler.body)
                })
                && only_imports(&try_stmt.orelse)
                && only_imports(&try_stmt.finalbody)
        }
        _ => false,
    }
}

/// A name bound once, to `set()`.
fn is_empty_set(binding: &Binding) -> bool {
    matches!(
        binding,
        Binding::Local { value: Some(Expr::Call(call)) }
            if matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "set")
                && call.arguments.is_empty()
    )
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<String> {
        crate::linter::flagged_texts(source, "ASY040")
    }

    fn fixed(source: &str) -> String {
        let mut settings = Settings::only("ASY040").unwrap();
        settings.unsafe_fixes = true;
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    #[test]
    fn unused_binding_is_flagged_and_del_is_no_use() {
        let source =
            "import asyncio\n\nasync def f(c):\n    t = asyncio.create_task(c)\n    del t\n";
        assert_eq!(flagged(source), ["t"]);
        let annotated =
            "import asyncio\n\nasync def f(c):\n    t: asyncio.Task = asyncio.create_task(c)\n";
        assert_eq!(flagged(annotated), ["t"]);
    }

    #[test]
    fn a_load_before_the_assignment_counts_only_inside_a_loop() {
        let before =
            "import asyncio\n\nasync def f(c, t):\n    print(t)\n    t = asyncio.create_task(c)\n";
        assert_eq!(flagged(before), ["t"]);
        let in_loop = "\
import asyncio


async def f(c):
    t = None
    while True:
        for _ in range(3):
            if t:
                print('x')
        if c:
            t = asyncio.create_task(c)
";
        assert!(flagged(in_loop).is_empty());
    }

    #[test]
    fn module_and_class_level_bindings_are_stored() {
        let source = "\
import asyncio

task = asyncio.ensure_future(work())


async def outer():
    class Holder:
        task = asyncio.create_task(work())

    return Holder
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn nested_functions_resolve_on_their_own() {
        let source = "\
import asyncio


async def outer(c):
    keep = asyncio.create_task(c)

    async def inner():
        lost = asyncio.create_task(c)
        return keep

    return inner
";
        assert_eq!(flagged(source), ["lost"]);
    }

    #[test]
    fn nonlocal_and_chained_or_tuple_targets_are_not_candidates() {
        let source = "\
import asyncio


def outer(c):
    t = None

    async def inner():
        nonlocal t
        t = asyncio.create_task(c)
        a = b = asyncio.create_task(c)
        x, y = asyncio.create_task(c), 1

    return inner, t
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn walrus_and_method_chains_are_uses() {
        let source = "\
import asyncio


async def f(c, done):
    if (t := asyncio.create_task(c)) is not None:
        pass
    asyncio.create_task(c).add_done_callback(done)
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn fix_keeps_crlf_line_endings_and_tabs() {
        let source = "import asyncio\r\n\r\nasync def f(c):\r\n\tasyncio.create_task(c)  # go\r\n";
        assert_eq!(
            fixed(source),
            "import asyncio\r\n\r\n_background_tasks = set()\r\n\r\nasync def f(c):\r\n\
             \ttask = asyncio.create_task(c)  # go\r\n\
             \t_background_tasks.add(task)\r\n\
             \ttask.add_done_callback(_background_tasks.discard)\r\n"
        );
    }

    #[test]
    fn fix_at_the_end_of_a_file_without_newline() {
        let source = "import asyncio\nasync def f(c):\n    asyncio.create_task(c)";
        assert_eq!(
            fixed(source),
            "import asyncio\n\n_background_tasks = set()\nasync def f(c):\n    \
             task = asyncio.create_task(c)\n    \
             _background_tasks.add(task)\n    \
             task.add_done_callback(_background_tasks.discard)\n"
        );
    }

    #[test]
    fn fix_without_imports_goes_after_the_docstring() {
        let source = "\"\"\"Doc.\"\"\"\n\nasync def f(c):\n    import asyncio\n    \
                      asyncio.ensure_future(c)\n";
        assert_eq!(
            fixed(source),
            "\"\"\"Doc.\"\"\"\n\n_background_tasks = set()\n\nasync def f(c):\n    \
             import asyncio\n    task = asyncio.ensure_future(c)\n    \
             _background_tasks.add(task)\n    \
             task.add_done_callback(_background_tasks.discard)\n"
        );
    }

    #[test]
    fn one_line_compound_statements_get_no_fix() {
        let source = "import asyncio\n\nasync def f(c):\n    if c: asyncio.create_task(c)\n    \
                      asyncio.create_task(c); print(1)\n";
        assert_eq!(flagged(source).len(), 2);
        assert_eq!(fixed(source), source);
    }
}
