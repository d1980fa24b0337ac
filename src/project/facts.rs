//! What rules may ask the context about project functions (issue 6): which project function a
//! callable expression names, what kind of function it is, and whether calling it blocks.
//!
//! This extends `Context` from outside context.rs so that it can move there later.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::Ranged;

use super::index::BlockingChain;
use super::summary::{Kind, Target};
use crate::context::{Context, FunctionKind};
use crate::scope::{Binding, ScopeKind};

impl<'a> Context<'a> {
    /// Is the current node in the body of a plain `def` (not an `async def`, `lambda` or class
    /// body)? Comprehensions are transparent.
    pub fn in_sync_function(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
            .is_some_and(|scope| scope.kind == ScopeKind::Function)
    }

    /// The project function or class a callable expression refers to: a `def`/`class` of this
    /// module (found through the scopes, `self.`/`cls.`/`super()`), an imported name of the
    /// project (relative imports made absolute), a method of a class of the project reached
    /// through `self.<attr>` or a local bound to a constructor call, or a method inherited from
    /// a base class in another module. `None` for library names and what cannot be named.
    pub fn project_target(&self, func: &Expr) -> Option<Target> {
        let view = self.project()?;
        if let Some((def, _)) = self.local_function(func) {
            return Some(Target::Local(def.start().to_u32()));
        }
        match func {
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Definition(Stmt::ClassDef(class)) => {
                    Some(Target::Local(class.start().to_u32()))
                }
                Binding::Definition(Stmt::FunctionDef(def)) => {
                    Some(Target::Local(def.start().to_u32()))
                }
                Binding::Import(qualified) => view.name_target(qualified),
                _ => None,
            },
            Expr::Attribute(attribute) => {
                if let Some(qualified) = self.qualified_name(func) {
                    return view.name_target(&qualified);
                }
                let method = attribute.attr.as_str();
                match attribute.value.as_ref() {
                    Expr::Name(receiver) => match self.lookup(receiver.id.as_str())? {
                        // A method not found in this module's classes: inherited from a base
                        // of another module.
                        Binding::SelfParameter => {
                            let class = self.receiver_class(receiver.id.as_str())?;
                            Some(Target::Member(class.start().to_u32(), method.into()))
                        }
                        Binding::Definition(Stmt::ClassDef(class)) => {
                            Some(Target::Member(class.start().to_u32(), method.into()))
                        }
                        // `repo = Repo()` then `repo.fetch()`.
                        Binding::Local {
                            value: Some(Expr::Call(call)),
                        } => {
                            let class = self.module_class_called(call)?;
                            Some(Target::Member(class.start().to_u32(), method.into()))
                        }
                        _ => None,
                    },
                    // `self.repo.fetch()` with `self.repo = Repo()` (a class of this module, or
                    // assigned in a base class).
                    Expr::Attribute(inner) => {
                        let Expr::Name(receiver) = inner.value.as_ref() else {
                            return None;
                        };
                        if !matches!(
                            self.lookup(receiver.id.as_str()),
                            Some(Binding::SelfParameter)
                        ) {
                            return None;
                        }
                        let class = self.receiver_class(receiver.id.as_str())?;
                        Some(Target::Member(
                            class.start().to_u32(),
                            format!("{}.{method}", inner.attr).into_boxed_str(),
                        ))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The project index's answer for the function a qualified name (as the context resolves
    /// names: `app.db.fetch_user`, `..db.fetch_user` for a relative import) refers to.
    /// `exact`: the caller tells a known sync function apart from an unknown callable.
    pub(crate) fn project_kind_of(&self, qualified: &str, exact: bool) -> Option<FunctionKind> {
        let view = self.project()?;
        let target = view.name_target(qualified)?;
        view.function_kind(&target, exact).map(function_kind)
    }

    /// The project index's answer for a callable expression that [`Context::qualified_name`]
    /// cannot name (a method of a class of this module reached through `self.<attr>` or a
    /// local): the kind of the function it refers to.
    pub(crate) fn project_kind_of_expr(&self, func: &Expr, exact: bool) -> Option<FunctionKind> {
        let view = self.project()?;
        let target = match self.project_target(func)? {
            // Local definitions are the context's own business.
            Target::Local(_) => return None,
            target => target,
        };
        view.function_kind(&target, exact).map(function_kind)
    }

    /// How `call` blocks, when it calls a project sync function that blocks directly or
    /// through other sync functions (a generator function or `@contextmanager` only where its
    /// result is iterated or entered with `with`).
    pub fn project_blocking_chain(&self, call: &ast::ExprCall) -> Option<BlockingChain> {
        let view = self.project()?;
        let target = self.project_target(&call.func)?;
        let consumed = self.is_iterated_here(call.range()) || self.is_with_item(call);
        view.blocking_chain(&target, consumed)
    }

    /// Is the call an item of a (sync) `with` statement?
    pub fn is_with_item(&self, call: &ast::ExprCall) -> bool {
        matches!(self.parent(), Some(AnyNodeRef::StmtWith(with))
            if !with.is_async
                && with.items.iter().any(|item| item.context_expr.range() == call.range()))
    }

    /// The class whose method binds `receiver` as its `self`/`cls`.
    fn receiver_class(&self, receiver: &str) -> Option<&'a ast::StmtClassDef> {
        self.frames()
            .windows(2)
            .rev()
            .find_map(|pair| match (pair[0].node, pair[1].node) {
                (AnyNodeRef::StmtClassDef(class), AnyNodeRef::StmtFunctionDef(method))
                    if first_parameter(method) == Some(receiver) =>
                {
                    Some(class)
                }
                _ => None,
            })
    }

    /// The class of this module a constructor call builds (`Repo()` with `class Repo` here).
    fn module_class_called(&self, call: &ast::ExprCall) -> Option<&'a ast::StmtClassDef> {
        let Expr::Name(name) = call.func.as_ref() else {
            return None;
        };
        match self.lookup(name.id.as_str())? {
            Binding::Definition(Stmt::ClassDef(class)) => Some(class),
            _ => None,
        }
    }
}

fn first_parameter(def: &ast::StmtFunctionDef) -> Option<&str> {
    let parameters = &def.parameters;
    parameters
        .posonlyargs
        .first()
        .or_else(|| parameters.args.first())
        .map(|parameter| parameter.parameter.name.as_str())
}

/// The coroutine rules' view of a kind.
pub fn function_kind(kind: Kind) -> FunctionKind {
    match kind {
        Kind::Coroutine => FunctionKind::Coroutine,
        Kind::AsyncGenerator => FunctionKind::AsyncGenerator,
        Kind::AsyncContextManager => FunctionKind::AsyncContextManager,
        _ => FunctionKind::Other,
    }
}
