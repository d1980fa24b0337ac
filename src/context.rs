//! What rules may ask about the node being checked: scope, names, parents and frames.
//!
//! The walker (walker.rs) owns a `Context` and keeps it current; rules only ever see `&Context`.

use std::cell::Cell;

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::names;
use crate::scope::{Binding, Scope, ScopeKind};
use crate::settings::{PythonVersion, Settings};

/// The async library a file is written against, from its imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    Asyncio,
    Trio,
    AnyIO,
}

impl Library {
    /// The module name users import.
    pub fn module(self) -> &'static str {
        match self {
            Library::Asyncio => "asyncio",
            Library::Trio => "trio",
            Library::AnyIO => "anyio",
        }
    }
}

/// A block the walker is inside, with facts gathered while walking it.
pub struct Frame<'a> {
    pub node: AnyNodeRef<'a>,
    /// `await`, `async for`, `async with` and async comprehensions seen so far inside this frame
    /// (not counting nested functions, lambdas or classes).
    checkpoints: Cell<u32>,
}

impl<'a> Frame<'a> {
    pub(crate) fn new(node: AnyNodeRef<'a>) -> Self {
        Self {
            node,
            checkpoints: Cell::new(0),
        }
    }

    pub fn checkpoints(&self) -> u32 {
        self.checkpoints.get()
    }
}

pub struct Context<'a> {
    source: &'a str,
    library: Library,
    settings: &'a Settings,
    pub(crate) scopes: Vec<Scope<'a>>,
    pub(crate) parents: Vec<AnyNodeRef<'a>>,
    pub(crate) statements: Vec<&'a Stmt>,
    pub(crate) frames: Vec<Frame<'a>>,
    import_insertion: TextSize,
    line_ending: &'static str,
}

/// How many bindings `type_of` follows before giving up (`a = b; b = a`).
const MAX_TYPE_HOPS: usize = 8;

impl<'a> Context<'a> {
    pub(crate) fn new(source: &'a str, module: &'a ast::ModModule, settings: &'a Settings) -> Self {
        let module_scope = Scope::for_module(&module.body);
        let library = library_of(&module_scope);
        Self {
            source,
            library,
            settings,
            scopes: vec![module_scope],
            parents: Vec::new(),
            statements: Vec::new(),
            frames: Vec::new(),
            import_insertion: import_insertion_point(source, &module.body),
            line_ending: line_ending_of(source),
        }
    }

    pub fn source(&self) -> &'a str {
        self.source
    }

    /// The source text of a node.
    pub fn text(&self, ranged: impl Ranged) -> &'a str {
        &self.source[ranged.range()]
    }

    pub fn library(&self) -> Library {
        self.library
    }

    pub fn target_version(&self) -> PythonVersion {
        self.settings.target_version
    }

    /// The resolved settings (for rule options such as `allowed-blocking-calls`).
    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    /// The file's line ending, for fixes that insert lines.
    pub fn line_ending(&self) -> &'static str {
        self.line_ending
    }

    /// True in the body of an `async def`, not in a nested `def`, `lambda` or `class` body.
    /// Comprehensions are transparent.
    pub fn in_async_function(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
            .is_some_and(|scope| scope.kind == ScopeKind::AsyncFunction)
    }

    /// True anywhere inside a function body (sync or async), lambdas included.
    pub fn in_function(&self) -> bool {
        self.scopes.iter().any(|scope| {
            matches!(
                scope.kind,
                ScopeKind::Function | ScopeKind::AsyncFunction | ScopeKind::Lambda
            )
        })
    }

    /// The innermost enclosing `def` / `async def`, if it is the innermost function-like scope.
    pub fn current_function(&self) -> Option<&'a ast::StmtFunctionDef> {
        self.frames.iter().rev().find_map(|frame| match frame.node {
            AnyNodeRef::StmtFunctionDef(def) => Some(def),
            _ => None,
        })
    }

    /// The ancestors of the current node, innermost last (the current node is not included).
    pub fn parents(&self) -> impl DoubleEndedIterator<Item = AnyNodeRef<'a>> + '_ {
        self.parents.iter().copied()
    }

    /// The direct parent of the current node.
    pub fn parent(&self) -> Option<AnyNodeRef<'a>> {
        self.parents.last().copied()
    }

    /// The direct parent, when it is an expression.
    pub fn parent_expr(&self) -> Option<AnyNodeRef<'a>> {
        self.parent().filter(|node| node.is_expression())
    }

    /// The innermost statement that contains the current node.
    pub fn current_statement(&self) -> Option<&'a Stmt> {
        self.statements.last().copied()
    }

    /// Is the current expression the direct operand of `await`?
    pub fn is_awaited(&self) -> bool {
        matches!(self.parent(), Some(AnyNodeRef::ExprAwait(_)))
    }

    /// Is the current expression a whole expression statement (its value dropped)?
    pub fn is_expression_statement(&self) -> bool {
        matches!(self.parent(), Some(AnyNodeRef::StmtExpr(_)))
    }

    /// Can `await ` be put in front of the current expression (at `range`) without changing the
    /// meaning of the code around it? Not when it is the object of `.x`, `[i]` or `(...)` (`await`
    /// would apply to the whole), and not inside a generator expression (which would turn into an
    /// async generator).
    pub fn can_prefix_await(&self, range: TextRange) -> bool {
        let binds_tighter = match self.parent() {
            Some(AnyNodeRef::ExprAttribute(_)) => true,
            Some(AnyNodeRef::ExprSubscript(subscript)) => subscript.value.range() == range,
            Some(AnyNodeRef::ExprCall(call)) => call.func.range() == range,
            _ => false,
        };
        if binds_tighter {
            return false;
        }
        !self
            .parents
            .iter()
            .rev()
            .take_while(|node| !is_scope_boundary(**node))
            .any(|node| matches!(node, AnyNodeRef::ExprGenerator(_)))
    }

    /// The frames the walker is inside, innermost last.
    pub fn frames(&self) -> &[Frame<'a>] {
        &self.frames
    }

    /// The innermost frame (the node being left, in a `leave_stmt` hook).
    pub fn current_frame(&self) -> Option<&Frame<'a>> {
        self.frames.last()
    }

    pub(crate) fn record_checkpoint(&self) {
        for frame in self.frames.iter().rev() {
            frame.checkpoints.set(frame.checkpoints.get() + 1);
            if is_scope_boundary(frame.node) {
                break;
            }
        }
    }

    /// The binding a name refers to at the current point, following Python's scoping: the
    /// innermost function scopes, then the module; class scopes only when directly inside them.
    pub fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        let innermost = self.scopes.len() - 1;
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .filter(|(index, scope)| scope.kind != ScopeKind::Class || *index == innermost)
            .find_map(|(_, scope)| scope.get(name))
    }

    /// The dotted name an expression refers to, resolved through imports and aliases:
    /// `t.sleep` with `import time as t` is `time.sleep`; `open` is `builtins.open`; a method of
    /// an object of known type is `<type>.<method>` (`s.get` with `s = requests.Session()` is
    /// `requests.Session.get`, and `self.lock.acquire` with `self.lock = threading.Lock()` in
    /// the class is `threading.Lock.acquire`). `None` when the base is a plain local or unknown.
    pub fn qualified_name(&self, expr: &Expr) -> Option<String> {
        self.qualified_name_within(expr, 0)
    }

    /// `hops` counts the bindings followed so far, so that `x = x.next()` ends.
    fn qualified_name_within(&self, expr: &Expr, hops: usize) -> Option<String> {
        if hops > MAX_TYPE_HOPS {
            return None;
        }
        // Walk down to the base iteratively: attribute chains can be arbitrarily long.
        let mut attrs: Vec<&str> = Vec::new();
        let mut current = expr;
        while let Expr::Attribute(attribute) = current {
            attrs.push(attribute.attr.as_str());
            current = &attribute.value;
        }
        let mut qualified = match current {
            Expr::Name(name) => match self.lookup(name.id.as_str()) {
                Some(Binding::Import(qualified)) => qualified.to_string(),
                Some(Binding::SelfParameter) => {
                    let attr = attrs.pop()?;
                    let value = self.class_attribute(attr)?;
                    self.type_of_value(value, hops + 1)?
                }
                // A method of a local of known type: `s.get` with `s = requests.Session()`.
                Some(Binding::Local { .. }) if !attrs.is_empty() => {
                    self.type_of_value(current, hops)?
                }
                Some(_) => return None,
                None if names::BUILTINS.contains(&name.id.as_str()) => {
                    format!("builtins.{}", name.id)
                }
                None => return None,
            },
            other => self.type_of_value(other, hops)?,
        };
        for attr in attrs.iter().rev() {
            qualified.push('.');
            qualified.push_str(attr);
        }
        Some(qualified)
    }

    /// The qualified type of the value an expression evaluates to, when it was built by a known
    /// constructor: a call (`requests.Session()`), a local bound to one, a `with` target, or
    /// `self.x` assigned in the class.
    pub fn type_of(&self, expr: &Expr) -> Option<String> {
        self.type_of_value(expr, 0)
    }

    fn type_of_value(&self, expr: &Expr, hops: usize) -> Option<String> {
        if hops > MAX_TYPE_HOPS {
            return None;
        }
        match expr {
            Expr::Call(call) => {
                let callee = self.qualified_name_within(&call.func, hops + 1)?;
                Some(names::return_type(&callee).map_or(callee, str::to_string))
            }
            Expr::Name(name) => match self.lookup(name.id.as_str())? {
                Binding::Local {
                    value: Some(value), ..
                } => self.type_of_value(value, hops + 1),
                _ => None,
            },
            Expr::Attribute(attribute) => {
                let Expr::Name(base) = attribute.value.as_ref() else {
                    return None;
                };
                if !matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
                    return None;
                }
                let value = self.class_attribute(attribute.attr.as_str())?;
                self.type_of_value(value, hops + 1)
            }
            _ => None,
        }
    }

    /// The value assigned to `self.<attr>` in the enclosing class, when it has one value.
    fn class_attribute(&self, attr: &str) -> Option<&'a Expr> {
        let class = self
            .scopes
            .iter()
            .rev()
            .find(|s| s.kind == ScopeKind::Class)?;
        class.attribute(attr)
    }

    /// The `import` that makes `module` available, as the expression text to use for it:
    /// `asyncio` (or its alias) when imported, else `None`.
    pub fn module_reference(&self, module: &str) -> Option<&str> {
        self.scopes[0].import_alias_of(module)
    }

    /// Text of `module.member` in the file's style, and the import edit needed (if any):
    /// an alias is reused (`aio.sleep`), a `from module import member` is reused (`sleep`),
    /// otherwise `import module` is added after the docstring and `__future__` imports.
    pub fn reference_to(&self, module: &str, member: &str) -> (String, Option<crate::fix::Edit>) {
        if let Some(local) = self.scopes[0].from_import_alias_of(module, member) {
            if self.lookup(local).is_some_and(
                |b| matches!(b, Binding::Import(q) if q.as_ref() == format!("{module}.{member}")),
            ) {
                return (local.to_string(), None);
            }
        }
        if let Some(alias) = self.module_reference(module) {
            if self
                .lookup(alias)
                .is_some_and(|b| matches!(b, Binding::Import(q) if q.as_ref() == module))
            {
                return (format!("{alias}.{member}"), None);
            }
        }
        let edit = crate::fix::Edit::insert(
            self.import_insertion,
            format!("import {module}{}", self.line_ending),
        );
        (format!("{module}.{member}"), Some(edit))
    }

    /// The range of the whole line(s) a statement occupies, for fixes that remove it.
    pub fn line_range(&self, range: TextRange) -> TextRange {
        let start = self.source[..range.start().to_usize()]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1);
        let rest = &self.source[range.end().to_usize()..];
        let end = rest
            .find('\n')
            .map_or(self.source.len(), |i| range.end().to_usize() + i + 1);
        TextRange::new(
            TextSize::try_from(start).unwrap_or_default(),
            TextSize::try_from(end).unwrap_or_default(),
        )
    }
}

fn is_scope_boundary(node: AnyNodeRef<'_>) -> bool {
    matches!(
        node,
        AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) | AnyNodeRef::ExprLambda(_)
    )
}

fn library_of(module: &Scope<'_>) -> Library {
    if module.imports_module("anyio") {
        Library::AnyIO
    } else if module.imports_module("trio") {
        Library::Trio
    } else {
        Library::Asyncio
    }
}

fn line_ending_of(source: &str) -> &'static str {
    match source.find('\n') {
        Some(i) if i > 0 && source.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Where an added `import` goes: at the start of the line of the first statement after the
/// module docstring and `from __future__` imports.
fn import_insertion_point(source: &str, body: &[Stmt]) -> TextSize {
    let mut rest = body.iter().peekable();
    if rest
        .peek()
        .is_some_and(|stmt| ruff_python_ast::helpers::is_docstring_stmt(stmt))
    {
        rest.next();
    }
    while rest.peek().is_some_and(|stmt| {
        matches!(stmt, Stmt::ImportFrom(from) if from.module.as_ref().is_some_and(|m| m.as_str() == "__future__"))
    }) {
        rest.next();
    }
    match rest.next() {
        Some(stmt) => {
            let start = stmt.start().to_usize();
            let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            TextSize::try_from(line_start).unwrap_or_default()
        }
        None => TextSize::of(source),
    }
}

#[cfg(test)]
#[path = "context_tests.rs"]
mod tests;
