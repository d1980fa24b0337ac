//! What rules may ask about the node being checked: scope, names, parents and frames.
//!
//! The walker (walker.rs) owns a `Context` and keeps it current; rules only ever see `&Context`.

use std::cell::Cell;

use ruff_python_ast::{self as ast, AnyNodeRef, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::scope::{Binding, Scope, ScopeKind};
use crate::settings::{PythonVersion, Settings};

// The facts rules ask beyond scopes and frames, one topic a file, all `impl Context` blocks.
mod cancel_scopes;
mod cancellation;
mod coroutines;
mod known_types;
mod offload;
mod regions;
#[cfg(test)]
pub(crate) mod testing;

pub use cancel_scopes::{body_range, CancelScopeCall, StructuredItem};
pub use cancellation::{cancelled_exception, CancelCatch, CaughtCancellation};
pub use coroutines::{contains_yield, CoroutineCallee, FunctionKind, Origin};
pub use offload::OffloadRole;

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
    path: Option<&'a std::path::Path>,
    /// The project this file belongs to (issue 6): its module name and, once built, the index.
    project: Option<&'a crate::project::ProjectView<'a>>,
    pub(crate) scopes: Vec<Scope<'a>>,
    pub(crate) parents: Vec<AnyNodeRef<'a>>,
    pub(crate) statements: Vec<&'a Stmt>,
    pub(crate) frames: Vec<Frame<'a>>,
    import_insertion: TextSize,
    line_ending: &'static str,
}

impl<'a> Context<'a> {
    pub(crate) fn new(source: &'a str, module: &'a ast::ModModule, settings: &'a Settings) -> Self {
        let module_scope = Scope::for_module(&module.body);
        let library = library_of(&module_scope, None);
        Self {
            source,
            library,
            settings,
            path: None,
            project: None,
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

    /// The path of the file being checked (as given to the runner), `None` for a bare source.
    pub fn path(&self) -> Option<&'a std::path::Path> {
        self.path
    }

    /// Sets the path of the file being checked (the linter calls this after `new`); a file of
    /// trio's or anyio's own package is written against that library.
    pub(crate) fn with_path(mut self, path: Option<&'a std::path::Path>) -> Self {
        self.path = path;
        self.library = library_of(&self.scopes[0], path);
        self
    }

    /// The project view of the file being checked (`src/project/`), when the run has one; the
    /// project facts (`src/project/facts.rs`) ask it.
    pub fn project(&self) -> Option<&'a crate::project::ProjectView<'a>> {
        self.project
    }

    /// Sets the project view (the linter calls this after `new`).
    pub(crate) fn with_project(
        mut self,
        project: Option<&'a crate::project::ProjectView<'a>>,
    ) -> Self {
        self.project = project;
        self
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

    /// The innermost `def` / `async def` statement around the current node, looking through any
    /// `lambda` or class body in between (a `lambda` in a method gives the method). To know
    /// whether the current node runs in that function's body, ask `in_async_function()` or
    /// `in_function()`; a name's binding is resolved with `lookup`.
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

    /// The binding of `name` at module level, whatever shadows it where the walk is (compare
    /// with `lookup` to know whether it is visible here).
    pub fn module_binding(&self, name: &str) -> Option<&Binding<'a>> {
        self.scopes.first()?.get(name)
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

/// The library a file is written against: the one it imports (anyio over trio over asyncio),
/// else the package it is part of (trio's and anyio's own modules import it relatively: `from
/// . import _core`), else asyncio.
fn library_of(module: &Scope<'_>, path: Option<&std::path::Path>) -> Library {
    if module.imports_module("anyio") {
        Library::AnyIO
    } else if module.imports_module("trio") {
        Library::Trio
    } else if module.imports_module("asyncio") {
        Library::Asyncio
    } else {
        path.and_then(own_package_library)
            .unwrap_or(Library::Asyncio)
    }
}

/// The library whose own package holds the file at `path`: a directory named `trio` or `anyio`
/// reached through package directories (each with an `__init__.py`) from the file.
fn own_package_library(path: &std::path::Path) -> Option<Library> {
    let library_named = |dir: &std::path::Path| match dir.file_name()?.to_str()? {
        "trio" => Some(Library::Trio),
        "anyio" => Some(Library::AnyIO),
        _ => None,
    };
    // The file system is asked only about files below a directory with such a name.
    path.ancestors().skip(1).find_map(library_named)?;
    for dir in path.ancestors().skip(1) {
        if !dir.join("__init__.py").is_file() {
            return None;
        }
        if let Some(library) = library_named(dir) {
            return Some(library);
        }
    }
    None
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
