//! The project index: module summaries merged by qualified name, with dotted names resolved
//! through re-exports, aliases, class attributes and inherited methods, and the fixpoint that
//! says which sync functions block, directly or through other sync functions (shortest chain,
//! cycles handled).
//!
//! Built once per run after every file's summary is in, then shared read-only by the threads
//! that check files.

use std::path::PathBuf;

use rustc_hash::FxHashMap;

use super::summary::{BlockingSite, CallSite, Kind, ModuleSummary, Parent, Target};

/// How many aliases, attributes and bases one lookup follows before giving up.
const MAX_HOPS: u32 = 24;
/// How many base classes deep a member is looked for.
const MAX_BASES: u32 = 10;

pub type ModuleId = u32;

/// Something a dotted name can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Module(u32),
    Class(u32),
    Function(u32),
}

#[derive(Debug, Clone)]
enum Member {
    Entity(Entity),
    /// An import: the absolute dotted name it stands for.
    Alias(Box<str>),
    /// Bound some other way (or ambiguously): not a function the index knows.
    Other,
}

#[derive(Debug)]
struct ModuleEntry {
    name: Option<Box<str>>,
    path: Option<PathBuf>,
    members: FxHashMap<Box<str>, Member>,
    by_offset: FxHashMap<u32, Entity>,
}

#[derive(Debug)]
struct ClassEntry {
    module: ModuleId,
    members: FxHashMap<Box<str>, Member>,
    bases: Vec<Option<Target>>,
    attributes: FxHashMap<Box<str>, Option<Target>>,
}

#[derive(Debug)]
struct FunctionEntry {
    module: ModuleId,
    /// The name inside its module: `load`, `Repo.fetch` (nested functions by their own name).
    name: Box<str>,
    kind: Kind,
    blocking: Vec<BlockingSite>,
}

/// How a sync function blocks: a call of its own, or a call of another function that blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Index into the function's `blocking`.
    Direct(u16),
    Via(u32),
}

/// What the blocking analysis counts.
pub struct BlockingPolicy<'s> {
    /// Is the rule that defines a blocking call enabled (`ASY003`)?
    pub counts: Box<dyn Fn(&str) -> bool + 's>,
    /// Is a function (by qualified name) listed in `allowed-blocking-calls`?
    pub allowed: Box<dyn Fn(&str) -> bool + 's>,
}

/// A sync function that blocks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingChain {
    /// The functions called, from the one the caller calls to the one that makes the call.
    pub functions: Vec<String>,
    /// The blocking API (`open`, `time.sleep`).
    pub call: String,
    /// The rule that defines the blocking call.
    pub code: &'static str,
    /// Where the blocking call is: `app/db.py:12`, or `line 12` in a source without a path.
    pub location: String,
    /// The qualified name of the function called.
    pub qualified: String,
}

impl BlockingChain {
    /// `load_config -> read_settings -> open`.
    pub fn display(&self) -> String {
        let mut text = self.functions.join(" -> ");
        text.push_str(" -> ");
        text.push_str(&self.call);
        text
    }
}

/// The merged summaries of a run.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    modules: Vec<ModuleEntry>,
    classes: Vec<ClassEntry>,
    functions: Vec<FunctionEntry>,
    by_name: FxHashMap<Box<str>, ModuleId>,
    blocks: Vec<Option<Step>>,
}

/// Result of looking a member up in a class and its bases.
enum Lookup {
    Found(Entity),
    /// Certainly not there (every base is known).
    Absent,
    /// Perhaps in a base we cannot see.
    Unknown,
}

impl ProjectIndex {
    /// Merges `summaries` (module ids are their positions) and runs the blocking analysis.
    pub fn build(summaries: Vec<ModuleSummary>, policy: &BlockingPolicy) -> Self {
        let mut index = Self::default();
        let mut pending_calls: Vec<(u32, Vec<CallSite>)> = Vec::new();
        // Paths of modules whose name is taken, to prefer `.py` over `.pyi`.
        let mut claimed: FxHashMap<Box<str>, Option<bool>> = FxHashMap::default();
        for summary in summaries {
            let module = index.modules.len() as ModuleId;
            let first_function = index.functions.len() as u32;
            let first_class = index.classes.len() as u32;
            let mut entry = ModuleEntry {
                name: summary.name.clone(),
                path: summary.path.clone(),
                members: FxHashMap::default(),
                by_offset: FxHashMap::default(),
            };
            // Classes first: methods are attached to them.
            for class in &summary.classes {
                let id = index.classes.len() as u32;
                let mut members: FxHashMap<Box<str>, Member> = FxHashMap::default();
                for name in &class.other_members {
                    members.insert(name.clone(), Member::Other);
                }
                index.classes.push(ClassEntry {
                    module,
                    members,
                    bases: class.bases.clone(),
                    attributes: class.attributes.iter().cloned().collect(),
                });
                entry.by_offset.insert(class.start, Entity::Class(id));
            }
            for (local, function) in summary.functions.iter().enumerate() {
                let id = first_function + local as u32;
                let name = display_name(&summary, function.parent, &function.name);
                index.functions.push(FunctionEntry {
                    module,
                    name,
                    kind: function.kind,
                    blocking: function.blocking.clone(),
                });
                entry.by_offset.insert(function.start, Entity::Function(id));
            }
            // Members: later definitions win, names bound otherwise hide them.
            let bind =
                |members: &mut FxHashMap<Box<str>, Member>, name: &str, e: Entity| match members
                    .get(name)
                {
                    Some(Member::Other) => {}
                    _ => {
                        members.insert(name.into(), Member::Entity(e));
                    }
                };
            for (local, class) in summary.classes.iter().enumerate() {
                let e = Entity::Class(first_class + local as u32);
                match class.parent {
                    Parent::Module => bind(&mut entry.members, &class.name, e),
                    Parent::Class(owner) => bind(
                        &mut index.classes[(first_class + owner) as usize].members,
                        &class.name,
                        e,
                    ),
                    Parent::Function(_) => {}
                }
            }
            for (local, function) in summary.functions.iter().enumerate() {
                let e = Entity::Function(first_function + local as u32);
                match function.parent {
                    Parent::Module => bind(&mut entry.members, &function.name, e),
                    Parent::Class(owner) => bind(
                        &mut index.classes[(first_class + owner) as usize].members,
                        &function.name,
                        e,
                    ),
                    Parent::Function(_) => {}
                }
            }
            for (local, target) in &summary.imports {
                match entry.members.get(local) {
                    Some(Member::Entity(_)) => {
                        entry.members.insert(local.clone(), Member::Other);
                    }
                    Some(_) => {}
                    None => {
                        entry
                            .members
                            .insert(local.clone(), Member::Alias(target.clone()));
                    }
                }
            }
            for name in &summary.other_members {
                entry.members.insert(name.clone(), Member::Other);
            }
            for (local, function) in summary.functions.into_iter().enumerate() {
                if function.kind.is_analysed_sync() && !function.calls.is_empty() {
                    pending_calls.push((first_function + local as u32, function.calls));
                }
            }
            if let Some(name) = &summary.name {
                let is_stub = summary
                    .path
                    .as_ref()
                    .is_some_and(|p| p.extension().is_some_and(|e| e == "pyi"));
                match claimed.get(name).copied() {
                    None => {
                        claimed.insert(name.clone(), Some(is_stub));
                        index.by_name.insert(name.clone(), module);
                    }
                    // A stub and its module: the module wins.
                    Some(Some(true)) if !is_stub => {
                        claimed.insert(name.clone(), Some(false));
                        index.by_name.insert(name.clone(), module);
                    }
                    Some(Some(false)) if is_stub => {}
                    // Two files claim the name (several projects checked at once): unknown.
                    _ => {
                        claimed.insert(name.clone(), None);
                        index.by_name.remove(name);
                    }
                }
            }
            index.modules.push(entry);
        }
        index.solve(pending_calls, policy);
        index
    }

    /// The id of the module named `name`.
    pub fn module_named(&self, name: &str) -> Option<ModuleId> {
        self.by_name.get(name).copied()
    }

    /// How many functions the index holds (for statistics).
    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// What `target` (as written in module `from`) refers to.
    pub fn resolve(&self, from: Option<ModuleId>, target: &Target) -> Option<Entity> {
        self.resolve_target(from, target, 0)
    }

    /// What a dotted name (`app.db.fetch_user`, `app.Repo.fetch`) refers to.
    pub fn resolve_name(&self, name: &str) -> Option<Entity> {
        self.resolve_dotted(name, 0)
    }

    /// The kind of the function `target` names (a class is not a function).
    pub fn function_kind(&self, from: Option<ModuleId>, target: &Target) -> Option<Kind> {
        match self.resolve(from, target)? {
            Entity::Function(id) => Some(self.functions[id as usize].kind),
            _ => None,
        }
    }

    /// How calling `target` blocks, when it is a project sync function (or a class whose
    /// `__init__` is one) that blocks directly or through other sync functions. `consumed`: the
    /// result is iterated or entered with `with` right there (a generator function or a
    /// `@contextmanager` then runs its body).
    pub fn blocking_chain(
        &self,
        from: Option<ModuleId>,
        target: &Target,
        consumed: bool,
    ) -> Option<BlockingChain> {
        let (function, consumed) = match self.resolve(from, target)? {
            Entity::Function(id) => (id, consumed),
            Entity::Class(class) => match self.class_member(class, "__init__", 0, 0) {
                Lookup::Found(Entity::Function(id)) => (id, true),
                _ => return None,
            },
            Entity::Module(_) => return None,
        };
        if !self.functions[function as usize]
            .kind
            .runs_when_called(consumed)
        {
            return None;
        }
        self.chain_from(function)
    }

    fn chain_from(&self, start: u32) -> Option<BlockingChain> {
        let mut functions = Vec::new();
        let mut current = start;
        loop {
            let entry = &self.functions[current as usize];
            functions.push(entry.name.to_string());
            match self.blocks[current as usize]? {
                Step::Via(next) if functions.len() <= self.functions.len() => current = next,
                Step::Via(_) => return None,
                Step::Direct(site) => {
                    let site = &entry.blocking[site as usize];
                    let module = &self.modules[entry.module as usize];
                    let location = match &module.path {
                        Some(path) => format!("{}:{}", path.display(), site.line),
                        None => format!("line {}", site.line),
                    };
                    return Some(BlockingChain {
                        functions,
                        call: site.name.to_string(),
                        code: site.code,
                        location,
                        qualified: self.qualified_name(start),
                    });
                }
            }
        }
    }

    /// `module.Class.method` of a function (its name in the module when the module has none).
    pub fn qualified_name_of(&self, entity: Entity) -> Option<String> {
        match entity {
            Entity::Function(id) => Some(self.qualified_name(id)),
            _ => None,
        }
    }

    fn qualified_name(&self, function: u32) -> String {
        let entry = &self.functions[function as usize];
        match &self.modules[entry.module as usize].name {
            Some(module) => format!("{module}.{}", entry.name),
            None => entry.name.to_string(),
        }
    }

    fn resolve_target(&self, from: Option<ModuleId>, target: &Target, hops: u32) -> Option<Entity> {
        match target {
            Target::Local(offset) => self
                .modules
                .get(from? as usize)?
                .by_offset
                .get(offset)
                .copied(),
            Target::Name(name) => self.resolve_dotted(name, hops),
            Target::Member(class, path) => {
                let mut entity = *self.modules.get(from? as usize)?.by_offset.get(class)?;
                for segment in path.split('.').filter(|s| !s.is_empty()) {
                    entity = self.member(entity, segment, hops + 1)?;
                }
                Some(entity)
            }
        }
    }

    fn resolve_dotted(&self, name: &str, hops: u32) -> Option<Entity> {
        if hops > MAX_HOPS {
            return None;
        }
        // The longest prefix that is a module, then members.
        let mut end = name.len();
        let (module, rest) = loop {
            let prefix = &name[..end];
            if let Some(&module) = self.by_name.get(prefix) {
                break (module, &name[end..]);
            }
            end = prefix.rfind('.')?;
        };
        let mut entity = Entity::Module(module);
        for segment in rest.split('.').filter(|s| !s.is_empty()) {
            entity = self.member(entity, segment, hops)?;
        }
        Some(entity)
    }

    fn member(&self, entity: Entity, segment: &str, hops: u32) -> Option<Entity> {
        match entity {
            Entity::Module(module) => {
                let entry = &self.modules[module as usize];
                match entry.members.get(segment) {
                    Some(Member::Entity(found)) => Some(*found),
                    Some(Member::Alias(target)) => self.resolve_dotted(target, hops + 1),
                    Some(Member::Other) => None,
                    // A submodule that the package does not import itself.
                    None => {
                        let name = entry.name.as_deref()?;
                        self.by_name
                            .get(format!("{name}.{segment}").as_str())
                            .map(|&m| Entity::Module(m))
                    }
                }
            }
            Entity::Class(class) => match self.class_member(class, segment, hops, 0) {
                Lookup::Found(found) => Some(found),
                Lookup::Absent | Lookup::Unknown => None,
            },
            Entity::Function(_) => None,
        }
    }

    /// A member of a class: its own, then an attribute of known class, then its bases in order.
    fn class_member(&self, class: u32, segment: &str, hops: u32, depth: u32) -> Lookup {
        if depth > MAX_BASES || hops > MAX_HOPS {
            return Lookup::Unknown;
        }
        let entry = &self.classes[class as usize];
        match entry.members.get(segment) {
            Some(Member::Entity(found)) => return Lookup::Found(*found),
            Some(Member::Alias(target)) => {
                return match self.resolve_dotted(target, hops + 1) {
                    Some(found) => Lookup::Found(found),
                    None => Lookup::Unknown,
                }
            }
            Some(Member::Other) => return Lookup::Unknown,
            None => {}
        }
        if let Some(attribute) = entry.attributes.get(segment) {
            let class_of = attribute
                .as_ref()
                .and_then(|t| self.resolve_target(Some(entry.module), t, hops + 1));
            return match class_of {
                Some(found @ Entity::Class(_)) => Lookup::Found(found),
                _ => Lookup::Unknown,
            };
        }
        for base in &entry.bases {
            let Some(base) = base else {
                return Lookup::Unknown;
            };
            match self.resolve_target(Some(entry.module), base, hops + 1) {
                Some(Entity::Class(base)) if base != class => {
                    match self.class_member(base, segment, hops + 1, depth + 1) {
                        Lookup::Absent => {}
                        other => return other,
                    }
                }
                _ => return Lookup::Unknown,
            }
        }
        Lookup::Absent
    }

    /// Which sync functions block: a breadth-first search backwards from the functions that
    /// block directly, so every function gets its shortest chain; cycles end by themselves.
    fn solve(&mut self, calls: Vec<(u32, Vec<CallSite>)>, policy: &BlockingPolicy) {
        let count = self.functions.len();
        self.blocks = vec![None; count];
        let allowed = |index: &Self, id: u32| (policy.allowed)(&index.qualified_name(id));
        // Edges callee <- caller.
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for (caller, sites) in &calls {
            for site in sites {
                let Some(entity) =
                    self.resolve(Some(self.functions[*caller as usize].module), &site.target)
                else {
                    continue;
                };
                let (callee, consumed) = match entity {
                    Entity::Function(id) => (id, site.consumed),
                    // A class call runs `__init__`.
                    Entity::Class(class) => match self.class_member(class, "__init__", 0, 0) {
                        Lookup::Found(Entity::Function(id)) => (id, true),
                        _ => continue,
                    },
                    Entity::Module(_) => continue,
                };
                if callee != *caller
                    && self.functions[callee as usize]
                        .kind
                        .runs_when_called(consumed)
                {
                    edges.push((callee, *caller));
                }
            }
        }
        drop(calls);
        edges.sort_unstable();
        edges.dedup();
        let mut queue: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
        for id in 0..count as u32 {
            let entry = &self.functions[id as usize];
            if !entry.kind.is_analysed_sync() || entry.blocking.is_empty() {
                continue;
            }
            let site = entry
                .blocking
                .iter()
                .enumerate()
                .filter(|(_, site)| (policy.counts)(site.code))
                .min_by_key(|(_, site)| site.line)
                .map(|(i, _)| i);
            if let Some(site) = site {
                if !allowed(self, id) {
                    self.blocks[id as usize] = Some(Step::Direct(site as u16));
                    queue.push_back(id);
                }
            }
        }
        while let Some(callee) = queue.pop_front() {
            let start = edges.partition_point(|&(c, _)| c < callee);
            for &(_, caller) in edges[start..].iter().take_while(|&&(c, _)| c == callee) {
                if self.blocks[caller as usize].is_some()
                    || !self.functions[caller as usize].kind.is_analysed_sync()
                    || allowed(self, caller)
                {
                    continue;
                }
                self.blocks[caller as usize] = Some(Step::Via(callee));
                queue.push_back(caller);
            }
        }
    }
}

/// `Class.method` for a method, the plain name otherwise.
fn display_name(summary: &ModuleSummary, parent: Parent, name: &str) -> Box<str> {
    let mut parts = vec![name.to_string()];
    let mut parent = parent;
    let mut guard = 0;
    while let Parent::Class(class) = parent {
        let Some(class) = summary.classes.get(class as usize) else {
            break;
        };
        parts.push(class.name.to_string());
        parent = class.parent;
        guard += 1;
        if guard > 32 {
            break;
        }
    }
    parts.reverse();
    parts.join(".").into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::summary::{ClassSummary, FunctionSummary};

    fn function(name: &str, start: u32, kind: Kind) -> FunctionSummary {
        FunctionSummary {
            name: name.into(),
            parent: Parent::Module,
            start,
            kind,
            blocking: Vec::new(),
            calls: Vec::new(),
        }
    }

    fn blocks(
        mut f: FunctionSummary,
        code: &'static str,
        name: &str,
        line: u32,
    ) -> FunctionSummary {
        f.blocking.push(BlockingSite {
            code,
            name: name.into(),
            line,
        });
        f
    }

    fn calls(mut f: FunctionSummary, target: Target) -> FunctionSummary {
        f.calls.push(CallSite {
            target,
            consumed: false,
        });
        f
    }

    fn name(text: &str) -> Target {
        Target::Name(text.into())
    }

    fn module(name: &str, path: &str) -> ModuleSummary {
        ModuleSummary {
            name: Some(name.into()),
            path: Some(PathBuf::from(path)),
            ..ModuleSummary::default()
        }
    }

    fn everything() -> BlockingPolicy<'static> {
        BlockingPolicy {
            counts: Box::new(|_| true),
            allowed: Box::new(|_| false),
        }
    }

    #[test]
    fn chains_cross_modules_through_reexports_and_cycles() {
        let mut config = module("app.config", "app/config.py");
        config.functions.push(calls(
            function("load_config", 0, Kind::Sync),
            Target::Local(10),
        ));
        config.functions.push(calls(
            function("read_settings", 10, Kind::Sync),
            name("app.read_file"),
        ));
        let mut io = module("app.io", "app/io.py");
        // A cycle that does not block, and the function that does.
        io.functions
            .push(calls(function("ping", 0, Kind::Sync), Target::Local(5)));
        io.functions
            .push(calls(function("pong", 5, Kind::Sync), Target::Local(0)));
        io.functions.push(blocks(
            function("read", 20, Kind::Sync),
            "ASY003",
            "open",
            7,
        ));
        let mut init = module("app", "app/__init__.py");
        init.is_package = true;
        init.imports
            .push(("read_file".into(), "app.io.read".into()));
        let index = ProjectIndex::build(vec![config, io, init], &everything());
        let chain = index
            .blocking_chain(None, &name("app.config.load_config"), false)
            .unwrap();
        assert_eq!(
            chain.display(),
            "load_config -> read_settings -> read -> open"
        );
        assert_eq!(chain.location, "app/io.py:7");
        assert_eq!(chain.code, "ASY003");
        assert_eq!(
            index.blocking_chain(None, &name("app.io.ping"), false),
            None
        );
        // Local targets resolve in their module.
        let config_id = index.module_named("app.config");
        assert!(index
            .blocking_chain(config_id, &Target::Local(10), false)
            .is_some());
    }

    #[test]
    fn shortest_chain_wins_and_disabled_rules_do_not_count() {
        let mut m = module("m", "m.py");
        m.functions.push(calls(
            calls(function("a", 0, Kind::Sync), Target::Local(10)),
            Target::Local(20),
        ));
        m.functions
            .push(calls(function("b", 10, Kind::Sync), Target::Local(20)));
        m.functions.push(blocks(
            function("c", 20, Kind::Sync),
            "ASY001",
            "time.sleep",
            3,
        ));
        m.functions.push(blocks(
            function("d", 30, Kind::Sync),
            "ASY011",
            "db.query",
            4,
        ));
        let policy = BlockingPolicy {
            counts: Box::new(|code| code != "ASY011"),
            allowed: Box::new(|name| name == "m.b"),
        };
        let index = ProjectIndex::build(vec![m], &policy);
        let chain = index.blocking_chain(None, &name("m.a"), false).unwrap();
        assert_eq!(chain.display(), "a -> c -> time.sleep");
        assert_eq!(index.blocking_chain(None, &name("m.b"), false), None);
        assert_eq!(index.blocking_chain(None, &name("m.d"), false), None);
    }

    #[test]
    fn lazy_cached_and_async_functions_do_not_block_when_called() {
        let mut m = module("m", "m.py");
        m.functions.push(blocks(
            function("gen", 0, Kind::SyncLazy),
            "ASY003",
            "open",
            1,
        ));
        m.functions.push(blocks(
            function("cached", 10, Kind::Cached),
            "ASY003",
            "open",
            2,
        ));
        m.functions.push(calls(
            function("calls_gen", 20, Kind::Sync),
            Target::Local(0),
        ));
        let mut iterates = function("iterates_gen", 30, Kind::Sync);
        iterates.calls.push(CallSite {
            target: Target::Local(0),
            consumed: true,
        });
        m.functions.push(iterates);
        m.functions.push(calls(
            function("calls_cached", 40, Kind::Sync),
            Target::Local(10),
        ));
        let index = ProjectIndex::build(vec![m], &everything());
        assert_eq!(
            index.blocking_chain(None, &name("m.calls_gen"), false),
            None
        );
        assert_eq!(
            index.blocking_chain(None, &name("m.calls_cached"), false),
            None
        );
        assert_eq!(
            index
                .blocking_chain(None, &name("m.iterates_gen"), false)
                .unwrap()
                .display(),
            "iterates_gen -> gen -> open"
        );
        // Calling a generator function itself does not run it; iterating it does.
        assert_eq!(index.blocking_chain(None, &name("m.gen"), false), None);
        assert!(index.blocking_chain(None, &name("m.gen"), true).is_some());
    }

    #[test]
    fn methods_attributes_and_inheritance() {
        let mut repo = module("app.repo", "app/repo.py");
        repo.classes.push(ClassSummary {
            name: "Base".into(),
            parent: Parent::Module,
            start: 0,
            bases: Vec::new(),
            other_members: Vec::new(),
            attributes: Vec::new(),
        });
        let mut fetch = function("fetch", 5, Kind::Coroutine);
        fetch.parent = Parent::Class(0);
        repo.functions.push(fetch);
        let mut load = blocks(function("load", 8, Kind::Sync), "ASY003", "open", 9);
        load.parent = Parent::Class(0);
        repo.functions.push(load);
        repo.classes.push(ClassSummary {
            name: "Repo".into(),
            parent: Parent::Module,
            start: 20,
            bases: vec![Some(Target::Local(0))],
            other_members: vec!["hidden".into()],
            attributes: Vec::new(),
        });
        let mut api = module("app.api", "app/api.py");
        api.imports.push(("Repo".into(), "app.repo.Repo".into()));
        api.classes.push(ClassSummary {
            name: "Api".into(),
            parent: Parent::Module,
            start: 0,
            bases: vec![Some(name("app.api.Repo")), None],
            other_members: Vec::new(),
            attributes: vec![("repo".into(), Some(name("app.repo.Repo")))],
        });
        let index = ProjectIndex::build(vec![repo, api], &everything());
        let kind = |n: &str| index.function_kind(None, &name(n));
        assert_eq!(kind("app.repo.Repo.fetch"), Some(Kind::Coroutine));
        assert_eq!(kind("app.api.Api.repo.fetch"), Some(Kind::Coroutine));
        // Found in a known base before the unknown one.
        assert_eq!(kind("app.api.Api.fetch"), Some(Kind::Coroutine));
        // Not found in the known bases: it may be in the unknown one.
        assert_eq!(kind("app.api.Api.other"), None);
        assert_eq!(kind("app.repo.Repo.hidden"), None);
        let chain = index
            .blocking_chain(None, &name("app.api.Api.repo.load"), false)
            .unwrap();
        assert_eq!(chain.display(), "Base.load -> open");
        assert_eq!(chain.qualified, "app.repo.Base.load");
    }

    #[test]
    fn classes_block_through_init_and_duplicate_modules_are_unknown() {
        let mut m = module("m", "m.py");
        m.classes.push(ClassSummary {
            name: "Settings".into(),
            parent: Parent::Module,
            start: 0,
            bases: Vec::new(),
            other_members: Vec::new(),
            attributes: Vec::new(),
        });
        let mut init = blocks(function("__init__", 4, Kind::Sync), "ASY003", "open", 3);
        init.parent = Parent::Class(0);
        m.functions.push(init);
        m.functions
            .push(calls(function("make", 40, Kind::Sync), Target::Local(0)));
        let twin = module("t", "a/t.py");
        let twin2 = module("t", "b/t.py");
        let mut stub = module("s", "s.pyi");
        stub.functions.push(function("f", 0, Kind::Sync));
        let mut real = module("s", "s.py");
        real.functions.push(function("f", 0, Kind::Coroutine));
        let index = ProjectIndex::build(vec![m, twin, twin2, stub, real], &everything());
        assert_eq!(
            index
                .blocking_chain(None, &name("m.Settings"), false)
                .unwrap()
                .display(),
            "Settings.__init__ -> open"
        );
        assert_eq!(
            index
                .blocking_chain(None, &name("m.make"), false)
                .unwrap()
                .display(),
            "make -> Settings.__init__ -> open"
        );
        assert_eq!(index.module_named("t"), None);
        assert_eq!(
            index.function_kind(None, &name("s.f")),
            Some(Kind::Coroutine)
        );
    }
}
