//! Local names bound in functions to something that must be used again (a coroutine, a task, a
//! result that holds exceptions), reported when the function ends without loading the name after
//! the binding (or anywhere in the loop around the binding, which may run after it). Shared by
//! ASY020, ASY040 and ASY041.
//!
//! Loads are recorded only while the function has candidates, inside a loop (where a load above
//! the binding can run after it), or inside a nested function or `lambda`: a closure keeps a
//! name alive wherever it is defined, since it may run after the binding. The owner forwards
//! `check_stmt`, `check_expr` and `leave_stmt` to it.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;

pub(crate) struct UnusedLocals<T> {
    /// The functions the walk is inside, innermost last.
    functions: Vec<FunctionState<T>>,
    /// Candidates pending in all of `functions`.
    pending: usize,
}

impl<T> Default for UnusedLocals<T> {
    fn default() -> Self {
        Self {
            functions: Vec::new(),
            pending: 0,
        }
    }
}

struct FunctionState<T> {
    def: TextRange,
    /// The `for`/`while` statements of this function the walk is inside, outermost first.
    loops: Vec<TextRange>,
    /// Names loaded in this function's own body while recording.
    loads: Vec<TextRange>,
    /// Names loaded in nested functions and lambdas: a use wherever they are.
    closure_loads: Vec<TextRange>,
    /// Names declared `global` or `nonlocal` here: binding them stores the value elsewhere.
    declared: Vec<String>,
    candidates: Vec<Pending<T>>,
}

struct Pending<T> {
    name: String,
    target: TextRange,
    /// The outermost loop around the binding: a load anywhere in it may run after it.
    outer_loop: Option<TextRange>,
    payload: T,
}

impl<T> UnusedLocals<T> {
    pub(crate) fn check_stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.functions.push(FunctionState {
                def: def.range(),
                loops: Vec::new(),
                loads: Vec::new(),
                closure_loads: Vec::new(),
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

    pub(crate) fn check_expr(&mut self, expr: &Expr, ctx: &Context) {
        let Expr::Name(name) = expr else { return };
        if !name.ctx.is_load() {
            return;
        }
        let pending = self.pending;
        let nested = self.functions.len() > 1;
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        if in_lambda(ctx) {
            function.closure_loads.push(name.range());
        } else if pending > 0 || nested || !function.loops.is_empty() {
            function.loads.push(name.range());
        }
    }

    /// The payloads of the candidates that were never used, when `stmt` ends a function.
    pub(crate) fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context) -> Vec<T> {
        match stmt {
            Stmt::FunctionDef(def)
                if self
                    .functions
                    .last()
                    .is_some_and(|function| function.def == def.range()) =>
            {
                let function = self.functions.pop().expect("checked by the guard");
                self.resolve(function, ctx)
            }
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    if function.loops.last() == Some(&stmt.range()) {
                        function.loops.pop();
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Is `name` declared `global` or `nonlocal` in the current function (so far)?
    pub(crate) fn is_declared(&self, name: &str) -> bool {
        self.functions
            .last()
            .is_some_and(|function| function.declared.iter().any(|d| d == name))
    }

    /// Tracks `target` (a name bound in the current function) until the function ends.
    pub(crate) fn add(&mut self, target: &ast::ExprName, payload: T) {
        let Some(function) = self.functions.last_mut() else {
            return;
        };
        function.candidates.push(Pending {
            name: target.id.to_string(),
            target: target.range(),
            outer_loop: function.loops.first().copied(),
            payload,
        });
        self.pending += 1;
    }

    /// The candidates whose name is never loaded after the binding (or anywhere in the loop
    /// around it, or in a closure); hands every load on to the enclosing function as a closure
    /// load.
    fn resolve(&mut self, function: FunctionState<T>, ctx: &Context) -> Vec<T> {
        self.pending -= function.candidates.len();
        let mut unused = Vec::new();
        for candidate in function.candidates {
            let named = |load: &&TextRange| ctx.text(**load) == candidate.name;
            let used = function.loads.iter().filter(named).any(|load| {
                load.start() >= candidate.target.end()
                    || candidate
                        .outer_loop
                        .is_some_and(|outer| outer.contains_range(*load))
            }) || function.closure_loads.iter().any(|load| named(&load));
            if !used {
                unused.push(candidate.payload);
            }
        }
        if let Some(parent) = self.functions.last_mut() {
            parent.closure_loads.extend(function.loads);
            parent.closure_loads.extend(function.closure_loads);
        }
        unused
    }
}

/// Is the current node inside a `lambda` of the innermost function (or module)?
fn in_lambda(ctx: &Context) -> bool {
    ctx.frames()
        .iter()
        .rev()
        .take_while(|frame| !matches!(frame.node, AnyNodeRef::StmtFunctionDef(_)))
        .any(|frame| matches!(frame.node, AnyNodeRef::ExprLambda(_)))
}

/// The name the current call's result is bound to by `name = call` or `name: T = call`.
pub(crate) fn bound_name<'a>(call: &ast::ExprCall, ctx: &Context<'a>) -> Option<&'a ast::ExprName> {
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
pub(crate) fn directly_in_function(ctx: &Context) -> bool {
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
