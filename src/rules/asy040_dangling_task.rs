//! ASY040 dangling-task: a task from `asyncio.create_task()`, `asyncio.ensure_future()` or
//! `loop.create_task()` that nothing keeps a reference to.
//!
//! A dropped result (an expression statement) is reported at once. A task bound to a local name
//! is a candidate until the end of its function: the rule then records the names the function
//! loads (only while it has candidates, or inside a loop, where a load above the assignment can
//! run after it) and reports the candidates whose name is never loaded again.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::names;
use crate::rules::{Hooks, Report, Rule};

const HELP: &str = "Store a reference to the task (for example in a set, discarded in a done \
                    callback), await it, or create it in a `TaskGroup`";

#[derive(Default)]
pub struct DanglingTask {
    /// The functions the walk is inside, innermost last.
    functions: Vec<FunctionState>,
    /// Candidates pending in all of `functions`.
    pending: usize,
}

struct FunctionState {
    def: TextRange,
    /// The `for`/`while` statements of this function the walk is inside, outermost first.
    loops: Vec<TextRange>,
    /// Names loaded in this function (and its nested functions) while recording.
    loads: Vec<TextRange>,
    /// Names declared `global` or `nonlocal` here: assigning them stores the task elsewhere.
    declared: Vec<String>,
    candidates: Vec<Candidate>,
}

/// A task bound to a local name, reported unless the name is loaded again.
struct Candidate {
    name: String,
    target: TextRange,
    factory: String,
    /// The outermost loop around the assignment: a load anywhere in it may run after it.
    outer_loop: Option<TextRange>,
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

    fn check_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def) => self.functions.push(FunctionState {
                def: def.range(),
                loops: Vec::new(),
                loads: Vec::new(),
                declared: Vec::new(),
                candidates: Vec::new(),
            }),
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    function.loops.push(stmt.range());
                }
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                if let Some(function) = self.functions.last_mut() {
                    function
                        .declared
                        .extend(names.iter().map(|name| name.to_string()));
                }
            }
            _ => {}
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def)
                if self
                    .functions
                    .last()
                    .is_some_and(|function| function.def == def.range()) =>
            {
                let function = self.functions.pop().expect("checked by the guard");
                self.resolve(function, ctx, out);
            }
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    if function.loops.last() == Some(&stmt.range()) {
                        function.loops.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, _ctx: &Context, _out: &mut Report) {
        let Expr::Name(name) = expr else { return };
        let pending = self.pending;
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        if (pending > 0 || !function.loops.is_empty()) && name.ctx.is_load() {
            function.loads.push(name.range());
        }
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
        if ctx.is_expression_statement() {
            out.push(
                Diagnostic::new(
                    "ASY040",
                    call.range(),
                    format!(
                        "Task returned by `{factory}()` is dropped; it can be garbage-collected before it finishes"
                    ),
                )
                .with_help(HELP),
            );
            return;
        }
        let Some(target) = bound_name(call, ctx) else {
            return;
        };
        if !directly_in_function(ctx) {
            return;
        }
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        let name = target.id.as_str();
        if function.declared.iter().any(|declared| declared == name) {
            return;
        }
        function.candidates.push(Candidate {
            name: name.to_string(),
            target: target.range(),
            factory,
            outer_loop: function.loops.first().copied(),
        });
        self.pending += 1;
    }
}

impl DanglingTask {
    /// Reports the function's candidates whose name is never loaded after the assignment (or
    /// anywhere in the loop around it); hands the loads on to the enclosing function, whose own
    /// candidates a closure's loads keep alive.
    fn resolve(&mut self, function: FunctionState, ctx: &Context, out: &mut Report) {
        self.pending -= function.candidates.len();
        for candidate in &function.candidates {
            let used = function.loads.iter().any(|load| {
                ctx.text(*load) == candidate.name
                    && (load.start() >= candidate.target.end()
                        || candidate
                            .outer_loop
                            .is_some_and(|outer| outer.contains_range(*load)))
            });
            if !used {
                out.push(
                    Diagnostic::new(
                        "ASY040",
                        candidate.target,
                        format!(
                            "Task `{}` from `{}()` is never used; it can be garbage-collected before it finishes",
                            candidate.name, candidate.factory
                        ),
                    )
                    .with_help(HELP),
                );
            }
        }
        if let Some(parent) = self.functions.last_mut() {
            if self.pending > 0 || !parent.loops.is_empty() {
                parent.loads.extend(function.loads);
            }
        }
    }
}

/// The name the call's result is bound to by `name = call` or `name: T = call`.
fn bound_name<'a>(call: &ast::ExprCall, ctx: &Context<'a>) -> Option<&'a ast::ExprName> {
    let (target, value) = match ctx.parent()? {
        AnyNodeRef::StmtAssign(assign) => match assign.targets.as_slice() {
            [target] => (target, assign.value.as_ref()),
            _ => return None,
        },
        AnyNodeRef::StmtAnnAssign(assign) => (assign.target.as_ref(), assign.value.as_deref()?),
        _ => return None,
    };
    if value.range() != call.range() {
        return None;
    }
    match target {
        Expr::Name(name) => Some(name),
        _ => None,
    }
}

/// Is the innermost enclosing `def`/`class` a function (so that an assignment binds a local)?
fn directly_in_function(ctx: &Context) -> bool {
    ctx.frames()
        .iter()
        .rev()
        .find_map(|frame| match frame.node {
            AnyNodeRef::StmtFunctionDef(_) => Some(true),
            AnyNodeRef::StmtClassDef(_) => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn flagged(source: &str) -> Vec<String> {
        let settings = Settings::only("ASY040").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| source[d.range].to_string())
            .collect()
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
}
