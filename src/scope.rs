//! Scopes and the names they bind, collected before a scope's body is walked so that a name
//! used above its binding (a module import below a function, a local assigned later) resolves
//! the way Python resolves it.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::comparable::ComparableExpr;
use ruff_python_ast::{self as ast, Expr, Stmt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    AsyncFunction,
    Lambda,
    Comprehension,
}

/// What a name is bound to in one scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Binding<'a> {
    /// `import x.y as z`, `from x import y as z`: the dotted name it stands for.
    Import(Box<str>),
    /// A `def` or `class` of this scope.
    Definition(&'a Stmt),
    /// The first parameter of a method (`self` / `cls`).
    SelfParameter,
    /// Anything else: assignment, parameter, loop or `with` target. `value` is the one value the
    /// name is bound to when it has exactly one (`s = requests.Session()`), for type tracking.
    Local { value: Option<&'a Expr> },
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    bindings: HashMap<&'a str, Binding<'a>>,
    /// `self.<attr> = value` assignments in a class's methods (class scopes only).
    attributes: HashMap<&'a str, Option<&'a Expr>>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind) -> Self {
        Self {
            kind,
            bindings: HashMap::default(),
            attributes: HashMap::default(),
        }
    }

    pub fn for_module(body: &'a [Stmt]) -> Self {
        let mut scope = Self::new(ScopeKind::Module);
        scope.collect_body(body);
        scope
    }

    pub fn for_class(class: &'a ast::StmtClassDef) -> Self {
        let mut scope = Self::new(ScopeKind::Class);
        scope.collect_body(&class.body);
        for stmt in &class.body {
            if let Stmt::FunctionDef(method) = stmt {
                if let Some(receiver) = receiver_name(method) {
                    collect_self_attributes(&method.body, receiver, &mut scope.attributes);
                }
            }
        }
        scope
    }

    /// `is_method`: the function is defined directly in a class body (its first parameter is the
    /// receiver, unless it is a `@staticmethod`).
    pub fn for_function(def: &'a ast::StmtFunctionDef, is_method: bool) -> Self {
        let kind = if def.is_async {
            ScopeKind::AsyncFunction
        } else {
            ScopeKind::Function
        };
        let mut scope = Self::new(kind);
        let receiver = is_method.then(|| receiver_name(def)).flatten();
        for parameter in def.parameters.iter() {
            let name = parameter.name().as_str();
            let binding = if Some(name) == receiver {
                Binding::SelfParameter
            } else {
                Binding::Local { value: None }
            };
            scope.bindings.insert(name, binding);
        }
        scope.collect_body(&def.body);
        scope
    }

    pub fn for_lambda(lambda: &'a ast::ExprLambda) -> Self {
        let mut scope = Self::new(ScopeKind::Lambda);
        if let Some(parameters) = &lambda.parameters {
            for parameter in parameters.iter() {
                scope.bind_local(parameter.name().as_str(), None);
            }
        }
        scope
    }

    pub fn for_comprehension(generators: &'a [ast::Comprehension]) -> Self {
        let mut scope = Self::new(ScopeKind::Comprehension);
        for generator in generators {
            scope.bind_target(&generator.target, None);
        }
        scope
    }

    pub fn get(&self, name: &str) -> Option<&Binding<'a>> {
        self.bindings.get(name)
    }

    /// The single value of `self.<attr>` in this class, if it was assigned exactly one value.
    pub fn attribute(&self, attr: &str) -> Option<&'a Expr> {
        self.attributes.get(attr).copied().flatten()
    }

    /// Does this scope import `module` (or a submodule of it) in any form?
    pub fn imports_module(&self, module: &str) -> bool {
        self.bindings.values().any(|binding| match binding {
            Binding::Import(qualified) => {
                qualified.as_ref() == module
                    || qualified
                        .strip_prefix(module)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            _ => false,
        })
    }

    /// The local name under which `module` itself is imported (`aio` for `import asyncio as aio`).
    /// When several names qualify, the plain one (`asyncio`) wins, then the alphabetically first,
    /// so that fixes do not depend on hash order.
    pub fn import_alias_of(&self, module: &str) -> Option<&'a str> {
        let names = self.bindings.iter().filter_map(|(name, binding)| {
            matches!(binding, Binding::Import(q) if q.as_ref() == module).then_some(*name)
        });
        preferred(names, module)
    }

    /// The local name under which `module.member` is imported by a `from` import (the plain
    /// `member` first, then the alphabetically first alias).
    pub fn from_import_alias_of(&self, module: &str, member: &str) -> Option<&'a str> {
        let names = self
            .bindings
            .iter()
            .filter_map(|(name, binding)| match binding {
                Binding::Import(q)
                    if q.strip_prefix(module)
                        .and_then(|rest| rest.strip_prefix('.'))
                        == Some(member) =>
                {
                    Some(*name)
                }
                _ => None,
            });
        preferred(names, member)
    }

    /// Binds a name met during the walk (a walrus target).
    pub(crate) fn bind_walrus(&mut self, name: &'a str) {
        self.bind_local(name, None);
    }

    fn bind_local(&mut self, name: &'a str, value: Option<&'a Expr>) {
        match self.bindings.get_mut(name) {
            // A second binding of the name: its value is no longer known for sure.
            Some(Binding::Local { value: known }) => merge_value(known, value),
            Some(existing) => *existing = Binding::Local { value: None },
            None => {
                self.bindings.insert(name, Binding::Local { value });
            }
        }
    }

    fn bind_import(&mut self, name: &'a str, qualified: String) {
        match self.bindings.get(name) {
            // `try: import ujson as json / except ImportError: import json`: keep the first.
            Some(Binding::Import(_)) => {}
            Some(_) => {
                self.bindings.insert(name, Binding::Local { value: None });
            }
            None => {
                self.bindings
                    .insert(name, Binding::Import(qualified.into_boxed_str()));
            }
        }
    }

    fn bind_definition(&mut self, name: &'a str, stmt: &'a Stmt) {
        if self.bindings.contains_key(name) {
            self.bindings.insert(name, Binding::Local { value: None });
        } else {
            self.bindings.insert(name, Binding::Definition(stmt));
        }
    }

    fn bind_target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(name) => self.bind_local(name.id.as_str(), value),
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    self.bind_target(element, None);
                }
            }
            Expr::List(list) => {
                for element in &list.elts {
                    self.bind_target(element, None);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, None),
            _ => {}
        }
    }

    /// Collects the bindings a block of statements makes in this scope, descending into
    /// compound statements but not into nested function or class bodies.
    fn collect_body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.collect_stmt(stmt);
        }
    }

    fn collect_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.bind_definition(def.name.as_str(), stmt),
            Stmt::ClassDef(class) => self.bind_definition(class.name.as_str(), stmt),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => self.bind_import(asname.as_str(), module.to_string()),
                        // `import a.b` binds `a`, which refers to the package `a`.
                        None => {
                            let top = module.split('.').next().unwrap_or(module);
                            self.bind_import(top, top.to_string());
                        }
                    }
                }
            }
            Stmt::ImportFrom(from) => {
                let module = from.module.as_ref().map_or("", |m| m.as_str());
                for alias in &from.names {
                    let member = alias.name.as_str();
                    if member == "*" {
                        continue;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let qualified = if from.level > 0 {
                        // Relative imports resolve against the project (the project index).
                        format!("{}{module}.{member}", ".".repeat(from.level as usize))
                    } else {
                        format!("{module}.{member}")
                    };
                    self.bind_import(local, qualified);
                }
            }
            Stmt::Assign(assign) => {
                let value = (assign.targets.len() == 1).then_some(assign.value.as_ref());
                for target in &assign.targets {
                    self.bind_target(target, value);
                }
            }
            Stmt::AnnAssign(assign) => self.bind_target(&assign.target, assign.value.as_deref()),
            Stmt::AugAssign(assign) => self.bind_target(&assign.target, None),
            Stmt::TypeAlias(alias) => self.bind_target(&alias.name, None),
            Stmt::Delete(_) | Stmt::Global(_) | Stmt::Nonlocal(_) => {}
            Stmt::For(for_stmt) => {
                self.bind_target(&for_stmt.target, None);
                self.collect_body(&for_stmt.body);
                self.collect_body(&for_stmt.orelse);
            }
            Stmt::While(while_stmt) => {
                self.collect_body(&while_stmt.body);
                self.collect_body(&while_stmt.orelse);
            }
            Stmt::If(if_stmt) => {
                self.collect_body(&if_stmt.body);
                for clause in &if_stmt.elif_else_clauses {
                    self.collect_body(&clause.body);
                }
            }
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(target, Some(&item.context_expr));
                    }
                }
                self.collect_body(&with.body);
            }
            Stmt::Try(try_stmt) => {
                self.collect_body(&try_stmt.body);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.bind_local(name.as_str(), None);
                    }
                    self.collect_body(&handler.body);
                }
                self.collect_body(&try_stmt.orelse);
                self.collect_body(&try_stmt.finalbody);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    self.collect_body(&case.body);
                }
            }
            _ => {}
        }
    }
}

/// `plain` if it is among `names`, else the alphabetically first of them.
fn preferred<'a>(names: impl Iterator<Item = &'a str>, plain: &str) -> Option<&'a str> {
    names.min_by_key(|name| (*name != plain, *name))
}

/// The receiver parameter of a method (`self`, `cls`), unless it is a `@staticmethod`.
fn receiver_name(method: &ast::StmtFunctionDef) -> Option<&str> {
    let is_static = method.decorator_list.iter().any(|decorator| {
        matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
    });
    if is_static {
        return None;
    }
    let parameters = &method.parameters;
    parameters
        .posonlyargs
        .first()
        .or_else(|| parameters.args.first())
        .map(|parameter| parameter.parameter.name.as_str())
}

/// Records `receiver.attr = value` statements in a method body (descending into blocks).
fn collect_self_attributes<'a>(
    body: &'a [Stmt],
    receiver: &str,
    attributes: &mut HashMap<&'a str, Option<&'a Expr>>,
) {
    for stmt in body {
        let (targets, value): (&[Expr], Option<&'a Expr>) = match stmt {
            Stmt::Assign(assign) => (&assign.targets, Some(&assign.value)),
            Stmt::AnnAssign(assign) => (
                std::slice::from_ref(&assign.target),
                assign.value.as_deref(),
            ),
            Stmt::If(if_stmt) => {
                collect_self_attributes(&if_stmt.body, receiver, attributes);
                for clause in &if_stmt.elif_else_clauses {
                    collect_self_attributes(&clause.body, receiver, attributes);
                }
                continue;
            }
            Stmt::Try(try_stmt) => {
                collect_self_attributes(&try_stmt.body, receiver, attributes);
                collect_self_attributes(&try_stmt.orelse, receiver, attributes);
                collect_self_attributes(&try_stmt.finalbody, receiver, attributes);
                continue;
            }
            Stmt::With(with) => {
                collect_self_attributes(&with.body, receiver, attributes);
                continue;
            }
            _ => continue,
        };
        let Some(value) = value else { continue };
        for target in targets {
            let Expr::Attribute(attribute) = target else {
                continue;
            };
            if !matches!(attribute.value.as_ref(), Expr::Name(name) if name.id.as_str() == receiver)
            {
                continue;
            }
            attributes
                .entry(attribute.attr.as_str())
                .and_modify(|known| merge_value(known, Some(value)))
                .or_insert(Some(value));
        }
    }
}

/// A name bound twice keeps a known value only when both bindings call the same constructor;
/// `x = None` beside `x = Lock()` does not erase the constructor.
fn merge_value<'a>(known: &mut Option<&'a Expr>, new: Option<&'a Expr>) {
    match (*known, new) {
        (Some(Expr::NoneLiteral(_)), _) => *known = new,
        (_, Some(Expr::NoneLiteral(_))) => {}
        (Some(Expr::Call(a)), Some(Expr::Call(b))) if same_callee(a, b) => {}
        _ => *known = None,
    }
}

fn same_callee(a: &ast::ExprCall, b: &ast::ExprCall) -> bool {
    ComparableExpr::from(a.func.as_ref()) == ComparableExpr::from(b.func.as_ref())
}
