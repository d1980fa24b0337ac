//! What one module contributes to the project index: a small summary extracted during the same
//! walk that runs the rules (see `collect.rs`), kept after the syntax tree is dropped.
//!
//! Functions and classes are identified inside their module by the offset of their statement,
//! so that a call to a function of the same module (found through the scope, however nested)
//! and a dotted name from another module (`app.db.fetch_user`) reach the same entry.

use std::path::PathBuf;

/// What calling a function does, as far as the project index cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `async def` without `yield`: calling it returns a coroutine.
    Coroutine,
    /// `async def` with `yield`.
    AsyncGenerator,
    /// `@asynccontextmanager`.
    AsyncContextManager,
    /// `async def` behind a decorator that may change what it returns.
    AsyncOther,
    /// A plain `def` (or one behind decorators that keep it a plain call): its body runs when it
    /// is called.
    Sync,
    /// A `def` with `yield`, or a `@contextmanager`: its body runs only when the result is
    /// iterated or entered, not when it is called.
    SyncLazy,
    /// A `def` behind `functools.cache` / `lru_cache`: its body runs once, then the result is
    /// reused (not counted as blocking: see rules/ASY014.md).
    Cached,
    /// A `def` behind a decorator we do not know: what calling it does is unknown.
    Opaque,
}

impl Kind {
    /// Can a call of this function run its body (and so block)?
    pub fn runs_when_called(self, consumed: bool) -> bool {
        match self {
            Kind::Sync => true,
            Kind::SyncLazy => consumed,
            _ => false,
        }
    }

    /// Is it a sync function whose body the blocking analysis follows?
    pub fn is_analysed_sync(self) -> bool {
        matches!(self, Kind::Sync | Kind::SyncLazy)
    }
}

/// What a call or a base class refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A `def` or `class` statement of the same module, by its start offset.
    Local(u32),
    /// A dotted name resolved in the index: `app.db.fetch_user`, `app.api.Api.repo.fetch`
    /// (a method of the type of attribute `repo` of class `app.api.Api`).
    Name(Box<str>),
    /// A member path of a class of the same module (by the offset of its statement):
    /// `self.repo.fetch` in a method of that class is `Member(class, "repo.fetch")`.
    Member(u32, Box<str>),
}

/// Where a `def` or `class` is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Module,
    /// Index into the module's `classes`.
    Class(u32),
    /// Index into the module's `functions` (a nested function or class).
    Function(u32),
}

/// A call a sync function makes that blocks the thread (ASY001–ASY009, ASY011).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingSite {
    /// The rule that defines it (`ASY003`).
    pub code: &'static str,
    /// The API as the rule names it (`open`, `time.sleep`, `requests.get`).
    pub name: Box<str>,
    /// 1-based line of the call.
    pub line: u32,
}

/// A call from a sync function to something that may be a project function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    pub target: Target,
    /// The result is iterated or entered with `with` right there (the body of a generator
    /// function or a `@contextmanager` then runs).
    pub consumed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSummary {
    pub name: Box<str>,
    pub parent: Parent,
    /// Offset of the `def` statement (its first decorator): the function's identity in the module.
    pub start: u32,
    pub kind: Kind,
    /// Direct blocking calls, the first of each rule, in source order (sync functions only).
    pub blocking: Vec<BlockingSite>,
    /// Calls to possible project functions, first occurrence of each (sync functions only).
    pub calls: Vec<CallSite>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    pub name: Box<str>,
    pub parent: Parent,
    pub start: u32,
    /// Base classes that may be project classes, in order; `None` for a base we cannot name
    /// (then methods not found in the class are unknown).
    pub bases: Vec<Option<Target>>,
    /// Names bound in the class body other than by `def` (they hide a base's method).
    pub other_members: Vec<Box<str>>,
    /// `self.<attr> = <Class>(...)` assignments in its methods: the attribute's class, or
    /// `None` when it is assigned different things.
    pub attributes: Vec<(Box<str>, Option<Target>)>,
}

/// One module's contribution to the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleSummary {
    /// The importable name (`None` for a file that has none, such as `my-script.py`).
    pub name: Option<Box<str>>,
    /// The path to show in messages (as the user gave it).
    pub path: Option<PathBuf>,
    pub is_package: bool,
    pub functions: Vec<FunctionSummary>,
    pub classes: Vec<ClassSummary>,
    /// Module-level names bound by imports (re-exports and aliases), with absolute targets.
    pub imports: Vec<(Box<str>, Box<str>)>,
    /// Module-level names bound by anything else than one `def`/`class`/import (they are not
    /// functions the index knows).
    pub other_members: Vec<Box<str>>,
    /// Dotted names of project modules this module refers to (for the summary-only closure).
    pub referenced_modules: Vec<Box<str>>,
}

impl ModuleSummary {
    /// A rough count of the heap bytes it holds (for the memory figures in the docs).
    pub fn heap_size(&self) -> usize {
        let target = |t: &Target| match t {
            Target::Local(_) => 0,
            Target::Name(name) | Target::Member(_, name) => name.len(),
        };
        let functions: usize = self
            .functions
            .iter()
            .map(|f| {
                std::mem::size_of::<FunctionSummary>()
                    + f.name.len()
                    + f.blocking
                        .iter()
                        .map(|b| std::mem::size_of::<BlockingSite>() + b.name.len())
                        .sum::<usize>()
                    + f.calls
                        .iter()
                        .map(|c| std::mem::size_of::<CallSite>() + target(&c.target))
                        .sum::<usize>()
            })
            .sum();
        let classes: usize = self
            .classes
            .iter()
            .map(|c| {
                std::mem::size_of::<ClassSummary>()
                    + c.name.len()
                    + c.bases.len() * std::mem::size_of::<Option<Target>>()
                    + c.other_members.iter().map(|m| m.len() + 16).sum::<usize>()
                    + c.attributes
                        .iter()
                        .map(|(a, _)| a.len() + 40)
                        .sum::<usize>()
            })
            .sum();
        let imports: usize = self
            .imports
            .iter()
            .map(|(a, b)| a.len() + b.len() + 32)
            .sum();
        functions + classes + imports
    }
}
