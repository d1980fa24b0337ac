//! Extracts a module's summary during the walk that runs the rules: a hook set of its own among
//! the rules' (the walker does not know it is there), so no file is walked or parsed twice.
//!
//! It records every `def` and `class` with its kind, its place and its identity (the offset of
//! its statement); for sync functions, their direct blocking calls (as ASY001–ASY009 and ASY011
//! define them: `rules::blocking::blocking_call`) and their calls of possible project functions
//! (`Context::project_target`); class bases and `self.<attr> = Class(...)` attribute types.
//! The summary is handed over when the walker drops its rules (at the end of the walk).

use std::sync::{Arc, Mutex};

use ruff_python_ast::helpers::{map_callable, map_subscript};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap, FxHashSet};

use super::summary::{
    BlockingSite, CallSite, ClassSummary, FunctionSummary, Kind, ModuleSummary, Parent, Target,
};
use crate::context::Context;
use crate::names::coroutines::{ASYNC_CONTEXT_MANAGER_DECORATORS, COROUTINE_PRESERVING_DECORATORS};
use crate::rules::{Hooks, Report, Rule};

/// Where the summary goes when the collector is dropped.
pub type SummarySlot = Arc<Mutex<Option<ModuleSummary>>>;

/// Decorators after which a `def`'s body runs when its result is entered with `with`.
const CONTEXT_MANAGER_DECORATORS: &[&str] = &["contextlib.contextmanager"];

/// Decorators that run a function's body once and reuse the result: a blocking call in it
/// happens once (typically at start-up), not on every call; not counted.
const CACHING_DECORATORS: &[&str] = &[
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
    "cachetools.cached",
    "cachetools.func.lru_cache",
    "cachetools.func.ttl_cache",
];

/// Bases that define no methods a subclass calls (not recorded, so lookups can end).
const MEMBERLESS_BASES: &[&str] = &[
    "builtins.object",
    "typing.Generic",
    "typing.Protocol",
    "typing_extensions.Protocol",
    "typing_extensions.Generic",
    "abc.ABC",
];

/// A `def` or `class` being walked.
enum Open {
    Function {
        index: u32,
        body: TextRange,
        /// The receiver of a method (`self`), for attribute types.
        receiver: Option<Box<str>>,
        /// A `yield` was seen in its own body.
        yields: bool,
    },
    Class {
        index: u32,
        body: TextRange,
    },
}

impl Open {
    fn body(&self) -> TextRange {
        match self {
            Open::Function { body, .. } | Open::Class { body, .. } => *body,
        }
    }
}

/// Module-level names bound otherwise than by `def`/`class`, to tell which `def`s and imports
/// the module really exports.
#[derive(Default)]
struct ModuleNames {
    assigned: FxHashSet<Box<str>>,
    imported: FxHashSet<Box<str>>,
}

pub struct Collector {
    summary: ModuleSummary,
    open: Vec<Open>,
    module_names: ModuleNames,
    referenced: FxHashSet<Box<str>>,
    attribute_types: FxHashMap<(u32, Box<str>), Option<Target>>,
    lines: Option<LineIndex>,
    slot: SummarySlot,
}

impl Collector {
    pub fn new(slot: SummarySlot) -> Self {
        Self {
            summary: ModuleSummary::default(),
            open: Vec::new(),
            module_names: ModuleNames::default(),
            referenced: FxHashSet::default(),
            attribute_types: FxHashMap::default(),
            lines: None,
            slot,
        }
    }

    fn finish(&mut self) -> ModuleSummary {
        let mut summary = std::mem::take(&mut self.summary);
        let names = std::mem::take(&mut self.module_names);
        // A `def`, `class` or import that an assignment rebinds is not a function the index
        // knows. (Several `def`s of a name — overloads, conditional definitions — leave the
        // last one; a `def` and an import of the same name are settled by the index.)
        let defined = |name: &str| {
            names.imported.contains(name)
                || summary
                    .functions
                    .iter()
                    .any(|f| f.parent == Parent::Module && &*f.name == name)
                || summary
                    .classes
                    .iter()
                    .any(|c| c.parent == Parent::Module && &*c.name == name)
        };
        let mut other: Vec<Box<str>> = names
            .assigned
            .iter()
            .filter(|name| defined(name.as_ref()))
            .cloned()
            .collect();
        other.sort();
        summary.other_members = other;
        let mut attributes: Vec<_> = std::mem::take(&mut self.attribute_types)
            .into_iter()
            .collect();
        attributes.sort_by(|a, b| a.0.cmp(&b.0));
        for ((class, attribute), target) in attributes {
            if let Some(class) = summary.classes.get_mut(class as usize) {
                class.attributes.push((attribute, target));
            }
        }
        let mut referenced: Vec<Box<str>> =
            std::mem::take(&mut self.referenced).into_iter().collect();
        referenced.sort();
        summary.referenced_modules = referenced;
        summary
    }

    /// The innermost open `def`/`class` whose body holds `range`.
    fn owner(&self, range: TextRange) -> Option<usize> {
        self.open
            .iter()
            .rposition(|open| open.body().contains_range(range))
    }

    /// The open function whose own body holds `range` (not a class body in it).
    fn function_at(&self, range: TextRange) -> Option<usize> {
        let position = self.owner(range)?;
        matches!(self.open[position], Open::Function { .. }).then_some(position)
    }

    fn parent_at(&self, range: TextRange) -> Parent {
        match self.owner(range).map(|p| &self.open[p]) {
            Some(Open::Function { index, .. }) => Parent::Function(*index),
            Some(Open::Class { index, .. }) => Parent::Class(*index),
            None => Parent::Module,
        }
    }

    fn reference(&mut self, target: &Target) {
        if let Target::Name(name) = target {
            if !self.referenced.contains(name) {
                self.referenced.insert(name.clone());
            }
        }
    }

    fn line(&mut self, ctx: &Context, offset: ruff_text_size::TextSize) -> u32 {
        let lines = self
            .lines
            .get_or_insert_with(|| LineIndex::from_source_text(ctx.source()));
        u32::try_from(lines.line_index(offset).get()).unwrap_or(u32::MAX)
    }

    fn enter_function(&mut self, def: &ast::StmtFunctionDef, stmt: &Stmt, ctx: &Context) {
        let parent = self.parent_at(stmt.range());
        let kind = decorated_kind(def, ctx);
        let index = self.summary.functions.len() as u32;
        self.summary.functions.push(FunctionSummary {
            name: def.name.as_str().into(),
            parent,
            start: stmt.start().to_u32(),
            kind,
            blocking: Vec::new(),
            calls: Vec::new(),
        });
        let receiver = match parent {
            Parent::Class(_) if !is_static(def, ctx) => first_parameter(def).map(Into::into),
            _ => None,
        };
        self.open.push(Open::Function {
            index,
            body: body_range(&def.body),
            receiver,
            yields: false,
        });
    }

    fn leave_function(&mut self) {
        if let Some(Open::Function { index, yields, .. }) = self.open.pop() {
            let function = &mut self.summary.functions[index as usize];
            if yields {
                function.kind = match function.kind {
                    Kind::Coroutine => Kind::AsyncGenerator,
                    Kind::Sync => Kind::SyncLazy,
                    other => other,
                };
            }
            if !function.kind.is_analysed_sync() {
                function.blocking = Vec::new();
                function.calls = Vec::new();
            }
            function.blocking.shrink_to_fit();
            function.calls.shrink_to_fit();
        }
    }

    fn enter_class(&mut self, class: &ast::StmtClassDef, stmt: &Stmt, ctx: &Context) {
        let parent = self.parent_at(stmt.range());
        let mut bases = Vec::new();
        for base in class.bases() {
            let base = map_subscript(base);
            let memberless = ctx
                .qualified_name(base)
                .is_some_and(|name| MEMBERLESS_BASES.contains(&name.as_str()));
            if memberless {
                continue;
            }
            let target = ctx.project_target(base);
            if let Some(target) = &target {
                self.reference(target);
            }
            bases.push(target);
        }
        let mut other_members = Vec::new();
        for stmt in &class.body {
            let targets: &[Expr] = match stmt {
                Stmt::Assign(assign) => &assign.targets,
                Stmt::AnnAssign(assign) if assign.value.is_some() => {
                    std::slice::from_ref(assign.target.as_ref())
                }
                _ => continue,
            };
            for target in targets {
                if let Expr::Name(name) = target {
                    other_members.push(name.id.as_str().into());
                }
            }
        }
        let index = self.summary.classes.len() as u32;
        self.summary.classes.push(ClassSummary {
            name: class.name.as_str().into(),
            parent,
            start: stmt.start().to_u32(),
            bases,
            other_members,
            attributes: Vec::new(),
        });
        self.open.push(Open::Class {
            index,
            body: body_range(&class.body),
        });
    }

    /// Module-level bindings other than `def`/`class`, and `yield` / `self.x = ...` in
    /// functions.
    fn note_statement(&mut self, stmt: &Stmt, ctx: &Context) {
        let owner = self.owner(stmt.range());
        if owner.is_none() {
            let mut assigned = Vec::new();
            match stmt {
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        target_names(target, &mut assigned);
                    }
                }
                Stmt::AnnAssign(assign) if assign.value.is_some() => {
                    target_names(&assign.target, &mut assigned);
                }
                Stmt::AugAssign(assign) => target_names(&assign.target, &mut assigned),
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let local = match &alias.asname {
                            Some(asname) => asname.as_str(),
                            None => alias.name.split('.').next().unwrap_or_default(),
                        };
                        self.module_names.imported.insert(local.into());
                    }
                }
                Stmt::ImportFrom(from) => {
                    for alias in &from.names {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                        self.module_names.imported.insert(local.into());
                    }
                }
                _ => {}
            }
            for name in assigned {
                self.module_names.assigned.insert(name.into());
            }
            return;
        }
        let Some(position) = owner else { return };
        let Open::Function {
            index, receiver, ..
        } = &self.open[position]
        else {
            return;
        };
        let index = *index;
        let yields = match stmt {
            Stmt::Expr(expr) => is_yield(&expr.value),
            Stmt::Assign(assign) => is_yield(&assign.value),
            Stmt::AnnAssign(assign) => assign.value.as_deref().is_some_and(is_yield),
            Stmt::AugAssign(assign) => is_yield(&assign.value),
            Stmt::Return(ret) => ret.value.as_deref().is_some_and(is_yield),
            _ => false,
        };
        if yields {
            if let Open::Function { yields, .. } = &mut self.open[position] {
                *yields = true;
            }
            return;
        }
        // `self.<attr> = Class(...)` in a method: the attribute's class.
        let Some(receiver) = receiver.clone() else {
            return;
        };
        let (targets, value): (&[Expr], &Expr) = match stmt {
            Stmt::Assign(assign) => (&assign.targets, &assign.value),
            Stmt::AnnAssign(assign) => match &assign.value {
                Some(value) => (std::slice::from_ref(assign.target.as_ref()), value),
                None => return,
            },
            _ => return,
        };
        let Parent::Class(class) = self.summary.functions[index as usize].parent else {
            return;
        };
        for target in targets {
            let Expr::Attribute(attribute) = target else {
                continue;
            };
            if !matches!(attribute.value.as_ref(), Expr::Name(name) if *name.id == *receiver) {
                continue;
            }
            let ty = match value {
                Expr::NoneLiteral(_) => continue,
                Expr::Call(call) => ctx.project_target(&call.func),
                _ => None,
            };
            if let Some(ty) = &ty {
                self.reference(ty);
            }
            let key = (class, attribute.attr.as_str().into());
            match self.attribute_types.get(&key) {
                None => {
                    self.attribute_types.insert(key, ty);
                }
                Some(known) if *known == ty => {}
                Some(_) => {
                    self.attribute_types.insert(key, None);
                }
            }
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let summary = self.finish();
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some(summary);
        }
    }
}

impl Rule for Collector {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def) => self.enter_function(def, stmt, ctx),
            Stmt::ClassDef(class) => self.enter_class(class, stmt, ctx),
            _ => self.note_statement(stmt, ctx),
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(_) => self.leave_function(),
            Stmt::ClassDef(_) => {
                self.open.pop();
            }
            _ => {}
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
        if !ctx.in_sync_function() {
            return;
        }
        let Some(position) = self.function_at(call.range()) else {
            return;
        };
        let Open::Function { index, .. } = self.open[position] else {
            return;
        };
        let kind = self.summary.functions[index as usize].kind;
        if !matches!(kind, Kind::Sync) {
            return;
        }
        if let Some((code, name)) = crate::rules::blocking::blocking_call(call, ctx) {
            let seen = self.summary.functions[index as usize]
                .blocking
                .iter()
                .any(|site| site.code == code);
            if !seen {
                let line = self.line(ctx, call.start());
                self.summary.functions[index as usize]
                    .blocking
                    .push(BlockingSite {
                        code,
                        name: name.into_boxed_str(),
                        line,
                    });
            }
            return;
        }
        if !matches!(call.func.as_ref(), Expr::Name(_) | Expr::Attribute(_)) {
            return;
        }
        // Handed to a worker thread, or awaited: not a call that runs here.
        if ctx.offload_role(call.range()).is_some() || ctx.is_consumed_asynchronously(call.range())
        {
            return;
        }
        let Some(target) = ctx.project_target(&call.func) else {
            return;
        };
        let consumed = ctx.is_iterated_here(call.range()) || ctx.is_with_item(call);
        let function = &mut self.summary.functions[index as usize];
        if function
            .calls
            .iter()
            .any(|site| site.target == target && site.consumed == consumed)
        {
            return;
        }
        function.calls.push(CallSite {
            target: target.clone(),
            consumed,
        });
        self.reference(&target);
    }
}

/// The kind a `def` has by its decorators and `async` (a `yield` found later makes a
/// generator of it).
fn decorated_kind(def: &ast::StmtFunctionDef, ctx: &Context) -> Kind {
    let mut async_context_manager = false;
    let mut context_manager = false;
    let mut cached = false;
    for decorator in &def.decorator_list {
        let callable = map_callable(&decorator.expression);
        let name = match ctx.qualified_name(callable) {
            Some(name) => name,
            None => match callable {
                Expr::Name(name) if ctx.lookup(name.id.as_str()).is_none() => name.id.to_string(),
                _ => return unknown(def),
            },
        };
        let name = name.strip_prefix("builtins.").unwrap_or(&name);
        if ASYNC_CONTEXT_MANAGER_DECORATORS.contains(&name) {
            async_context_manager = true;
        } else if CONTEXT_MANAGER_DECORATORS.contains(&name) {
            context_manager = true;
        } else if CACHING_DECORATORS.contains(&name) {
            cached = true;
        } else if !COROUTINE_PRESERVING_DECORATORS.contains(&name) {
            return unknown(def);
        }
    }
    match (def.is_async, async_context_manager) {
        (true, true) => Kind::AsyncContextManager,
        (true, false) if context_manager || cached => Kind::AsyncOther,
        (true, false) => Kind::Coroutine,
        (false, _) if cached => Kind::Cached,
        (false, _) if context_manager => Kind::SyncLazy,
        (false, true) => Kind::Opaque,
        (false, false) => Kind::Sync,
    }
}

fn unknown(def: &ast::StmtFunctionDef) -> Kind {
    if def.is_async {
        Kind::AsyncOther
    } else {
        Kind::Opaque
    }
}

fn is_static(def: &ast::StmtFunctionDef, ctx: &Context) -> bool {
    def.decorator_list.iter().any(|decorator| {
        ctx.qualified_name(&decorator.expression)
            .is_some_and(|name| name == "builtins.staticmethod" || name == "staticmethod")
            || matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
    })
}

fn first_parameter(def: &ast::StmtFunctionDef) -> Option<&str> {
    let parameters = &def.parameters;
    parameters
        .posonlyargs
        .first()
        .or_else(|| parameters.args.first())
        .map(|parameter| parameter.parameter.name.as_str())
}

fn body_range(body: &[Stmt]) -> TextRange {
    match (body.first(), body.last()) {
        (Some(first), Some(last)) => TextRange::new(first.start(), last.end()),
        _ => TextRange::default(),
    }
}

fn is_yield(expr: &Expr) -> bool {
    match expr {
        Expr::Yield(_) | Expr::YieldFrom(_) => true,
        Expr::Await(awaited) => is_yield(&awaited.value),
        _ => false,
    }
}

fn target_names<'e>(target: &'e Expr, names: &mut Vec<&'e str>) {
    match target {
        Expr::Name(name) => names.push(name.id.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| target_names(e, names)),
        Expr::List(list) => list.elts.iter().for_each(|e| target_names(e, names)),
        Expr::Starred(starred) => target_names(&starred.value, names),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::FileProject;

    fn summary(source: &str) -> ModuleSummary {
        let top_level: FxHashSet<String> = ["app".to_string()].into_iter().collect();
        let file = FileProject {
            module: Some("app.mod"),
            top_level: Some(&top_level),
            ..FileProject::default()
        };
        crate::linter::summarize(source, None, &file).unwrap()
    }

    fn function<'s>(summary: &'s ModuleSummary, name: &str) -> &'s FunctionSummary {
        summary
            .functions
            .iter()
            .rev()
            .find(|f| &*f.name == name)
            .unwrap()
    }

    #[test]
    fn kinds_from_async_decorators_and_yield() {
        let summary = summary(
            r#"
import contextlib
import functools
from typing import overload

async def coroutine(): ...
async def agen():
    yield 1
@contextlib.asynccontextmanager
async def acm():
    yield
@contextlib.contextmanager
def cm():
    yield
def gen():
    x = yield
@functools.lru_cache
def cached(): ...
@unknown
def opaque(): ...
@staticmethod
def plain(): ...
@overload
def over(x: int) -> int: ...
def over(x): ...
"#,
        );
        let kind = |name| function(&summary, name).kind;
        assert_eq!(kind("coroutine"), Kind::Coroutine);
        assert_eq!(kind("agen"), Kind::AsyncGenerator);
        assert_eq!(kind("acm"), Kind::AsyncContextManager);
        assert_eq!(kind("cm"), Kind::SyncLazy);
        assert_eq!(kind("gen"), Kind::SyncLazy);
        assert_eq!(kind("cached"), Kind::Cached);
        assert_eq!(kind("opaque"), Kind::Opaque);
        assert_eq!(kind("plain"), Kind::Sync);
        // The last `def` of a name is the one the module binds.
        assert_eq!(kind("over"), Kind::Sync);
        assert!(summary.other_members.is_empty());
    }

    #[test]
    fn blocking_calls_and_project_calls_of_sync_functions() {
        let summary = summary(
            r#"
import asyncio
import time

from app import helpers
from .db import query


def direct():
    time.sleep(1)
    time.sleep(2)
    open("x")


def chained(items):
    helpers.prepare()
    query()
    direct()
    print(len(items))
    for row in helpers.rows():
        pass
    run = lambda: helpers.later()


def offloaded(loop):
    loop.run_in_executor(None, direct)
    asyncio.to_thread(helpers.prepare)


async def asynchronous():
    time.sleep(1)
    helpers.prepare()
"#,
        );
        let direct = function(&summary, "direct");
        let blocking: Vec<(&str, &str, u32)> = direct
            .blocking
            .iter()
            .map(|site| (site.code, &*site.name, site.line))
            .collect();
        assert_eq!(
            blocking,
            [("ASY001", "time.sleep", 10), ("ASY003", "open", 12)]
        );
        let chained = function(&summary, "chained");
        let calls: Vec<(String, bool)> = chained
            .calls
            .iter()
            .map(|call| {
                let target = match &call.target {
                    Target::Name(name) => name.to_string(),
                    Target::Local(offset) => format!("local@{offset}"),
                    Target::Member(class, path) => format!("{class}.{path}"),
                };
                (target, call.consumed)
            })
            .collect();
        let direct_at = format!("local@{}", direct.start);
        assert_eq!(
            calls,
            [
                ("app.helpers.prepare".to_string(), false),
                ("app.db.query".to_string(), false),
                (direct_at, false),
                ("app.helpers.rows".to_string(), true),
            ]
        );
        assert!(function(&summary, "offloaded").calls.is_empty());
        // Async functions are not analysed (ASY014 looks at them at the call site).
        let asynchronous = function(&summary, "asynchronous");
        assert!(asynchronous.blocking.is_empty() && asynchronous.calls.is_empty());
        assert!(summary
            .referenced_modules
            .contains(&"app.helpers.prepare".into()));
    }

    #[test]
    fn classes_bases_attributes_and_shadowed_names() {
        let summary = summary(
            r#"
from typing import Generic, TypeVar
from app.base import Base
T = TypeVar("T")

class Repo(Base, Generic[T], external.Mixin):
    limit = 10

    def __init__(self):
        self.client = Client()
        self.pool = None
        self.pool = Pool()
        self.mixed = Client()
        self.mixed = Pool()

class Client: ...
class Pool: ...

def helper(): ...
helper = wrap(helper)
"#,
        );
        let repo = &summary.classes[0];
        assert_eq!(&*repo.name, "Repo");
        assert_eq!(
            repo.bases,
            [Some(Target::Name("app.base.Base".into())), None]
        );
        assert_eq!(repo.other_members, [Box::<str>::from("limit")]);
        let client = Target::Local(summary.classes[1].start);
        let pool = Target::Local(summary.classes[2].start);
        assert_eq!(
            repo.attributes,
            [
                ("client".into(), Some(client)),
                ("mixed".into(), None),
                ("pool".into(), Some(pool)),
            ]
        );
        assert_eq!(summary.other_members, [Box::<str>::from("helper")]);
        assert_eq!(summary.imports, [("Base".into(), "app.base.Base".into())]);
    }
}
