//! What the checking of one file sees of the project: the file's module name, its module-level
//! imports made absolute, and the index — or, during the first pass when the index is not built
//! yet, a record of the questions the rules asked.
//!
//! # Parse once, questions and answers
//!
//! Every file is parsed and walked once: the walk runs the rules and extracts the module's
//! summary. Rules that ask about project functions (`Context::project_function_kind`, ASY014's
//! blocking chains) get "unknown" during that pass, exactly as a linter without an index would
//! answer, and the question is recorded here. When every summary is in, the index is built and
//! the recorded questions are answered. Only a file with a question whose answer is *not*
//! "unknown" in a way that can change a finding (an async kind, a blocking chain) is checked
//! again, with the index ready; its new findings replace the first ones. In correct code these
//! answers are rare (a coroutine function called without `await`, a helper that blocks), so
//! nearly every file is parsed exactly once; the few re-checked files are exactly the files with
//! index-dependent findings. The rules stay unchanged: they call the same lookups in both passes.

use std::cell::RefCell;

use ruff_python_ast::{self as ast, Stmt};
use rustc_hash::{FxHashMap, FxHashSet};

use super::index::{BlockingChain, ModuleId, ProjectIndex};
use super::naming::resolve_relative;
use super::summary::{Kind, Target};

/// What the caller knows about the file's place in the project.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileProject<'p> {
    /// The module's importable name.
    pub module: Option<&'p str>,
    pub is_package: bool,
    /// First segments of the project's module names; dotted names starting otherwise are not
    /// project names (`None`: every name may be).
    pub top_level: Option<&'p FxHashSet<String>>,
    /// The index, once built (the second pass).
    pub index: Option<&'p ProjectIndex>,
    /// The file's module in the index.
    pub module_id: Option<ModuleId>,
    /// Extract the module's summary during the walk.
    pub collect: bool,
}

/// A question a rule asked before the index existed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Question {
    /// The kind of a function. `exact`: the asker tells a project sync function apart from an
    /// unknown callable (any answer matters), not only async kinds.
    Kind { target: Target, exact: bool },
    /// Whether calling a sync function blocks (ASY014); `consumed` as in
    /// `ProjectIndex::blocking_chain`.
    Blocking { target: Target, consumed: bool },
}

impl Question {
    /// Does the index's answer differ from the "unknown" the first pass got, in a way that can
    /// change a finding?
    pub fn matters(&self, index: &ProjectIndex, module: Option<ModuleId>) -> bool {
        match self {
            Question::Kind { target, exact } => match index.function_kind(module, target) {
                None => false,
                Some(_) if *exact => true,
                Some(kind) => matches!(
                    kind,
                    Kind::Coroutine | Kind::AsyncGenerator | Kind::AsyncContextManager
                ),
            },
            Question::Blocking { target, consumed } => {
                index.blocking_chain(module, target, *consumed).is_some()
            }
        }
    }
}

pub struct ProjectView<'a> {
    file: FileProject<'a>,
    /// Module-level relative imports: the name the scope gives them (`..db.fetch`, as
    /// `from . import db` then `db.fetch` also reads) → the absolute name.
    relative: Vec<(String, String)>,
    /// Module-level imports by local name → absolute target (re-exports and aliases).
    imports: FxHashMap<&'a str, String>,
    questions: RefCell<FxHashSet<Question>>,
}

impl<'a> ProjectView<'a> {
    pub fn new(file: FileProject<'a>, module: &'a ast::ModModule) -> Self {
        let mut view = Self {
            file,
            relative: Vec::new(),
            imports: FxHashMap::default(),
            questions: RefCell::new(FxHashSet::default()),
        };
        view.collect_imports(&module.body);
        view
    }

    pub fn file(&self) -> &FileProject<'a> {
        &self.file
    }

    /// The index, in the second pass.
    pub fn index(&self) -> Option<&'a ProjectIndex> {
        self.file.index
    }

    /// The questions recorded in the first pass.
    pub fn take_questions(&self) -> Vec<Question> {
        self.questions.take().into_iter().collect()
    }

    /// Module-level imports whose targets are project names: local name → absolute name.
    pub fn project_imports(&self) -> Vec<(Box<str>, Box<str>)> {
        let mut imports: Vec<(Box<str>, Box<str>)> = self
            .imports
            .iter()
            .filter(|(_, target)| self.is_project_name(target))
            .map(|(local, target)| ((*local).into(), target.as_str().into()))
            .collect();
        imports.sort();
        imports
    }

    /// Could a dotted name be a project name (its first segment is a project module's)?
    pub fn is_project_name(&self, name: &str) -> bool {
        let top = name.split('.').next().unwrap_or(name);
        self.file.top_level.is_none_or(|names| names.contains(top))
    }

    /// Is a qualified name (as the context gives it) certainly a project name: a relative
    /// import, or a name under a top-level module of the project? (Without a list of the
    /// project's modules, nothing is certain.)
    pub fn is_known_project_name(&self, qualified: &str) -> bool {
        if qualified.starts_with('.') {
            return true;
        }
        let top = qualified.split('.').next().unwrap_or(qualified);
        self.file.top_level.is_some_and(|names| names.contains(top))
    }

    /// A qualified name as the context gives it (relative imports keep their dots:
    /// `..db.fetch`), made absolute against this module.
    pub fn absolute(&self, qualified: &str) -> Option<String> {
        if !qualified.starts_with('.') {
            return Some(qualified.to_string());
        }
        // A module-level import: the longest recorded prefix.
        let known = self
            .relative
            .iter()
            .filter(|(bound, _)| {
                qualified == bound
                    || qualified
                        .strip_prefix(bound.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .max_by_key(|(bound, _)| bound.len());
        if let Some((bound, absolute)) = known {
            return Some(format!("{absolute}{}", &qualified[bound.len()..]));
        }
        // An import inside a function: `from .db import x` (the level is the count of dots).
        let level = qualified.len() - qualified.trim_start_matches('.').len();
        resolve_relative(
            self.file.module?,
            self.file.is_package,
            level,
            qualified.trim_start_matches('.'),
        )
    }

    /// The target for a qualified name, when it may be a project name.
    pub fn name_target(&self, qualified: &str) -> Option<Target> {
        let absolute = self.absolute(qualified)?;
        self.is_project_name(&absolute)
            .then(|| Target::Name(absolute.into_boxed_str()))
    }

    /// The kind of the function `target` names; in the first pass, `None` and the question is
    /// recorded.
    pub fn function_kind(&self, target: &Target, exact: bool) -> Option<Kind> {
        match self.file.index {
            Some(index) => index.function_kind(self.file.module_id, target),
            None => {
                self.ask(Question::Kind {
                    target: target.clone(),
                    exact,
                });
                None
            }
        }
    }

    /// How calling `target` blocks; in the first pass, `None` and the question is recorded.
    pub fn blocking_chain(&self, target: &Target, consumed: bool) -> Option<BlockingChain> {
        match self.file.index {
            Some(index) => index.blocking_chain(self.file.module_id, target, consumed),
            None => {
                self.ask(Question::Blocking {
                    target: target.clone(),
                    consumed,
                });
                None
            }
        }
    }

    fn ask(&self, question: Question) {
        self.questions.borrow_mut().insert(question);
    }

    fn collect_imports(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let module = alias.name.as_str();
                        let (local, target) = match &alias.asname {
                            Some(asname) => (asname.as_str(), module),
                            None => {
                                let top = module.split('.').next().unwrap_or(module);
                                (top, top)
                            }
                        };
                        self.imports
                            .entry(local)
                            .or_insert_with(|| target.to_string());
                    }
                }
                Stmt::ImportFrom(from) => {
                    let module = from.module.as_ref().map_or("", |m| m.as_str());
                    let level = from.level as usize;
                    let base = if level > 0 {
                        match self.file.module {
                            Some(name) => {
                                resolve_relative(name, self.file.is_package, level, module)
                            }
                            None => None,
                        }
                    } else {
                        Some(module.to_string())
                    };
                    for alias in &from.names {
                        let member = alias.name.as_str();
                        if member == "*" {
                            continue;
                        }
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                        let Some(base) = &base else { continue };
                        let absolute = if base.is_empty() {
                            member.to_string()
                        } else {
                            format!("{base}.{member}")
                        };
                        if level > 0 {
                            // The name the scope gives it (see `Scope::collect_stmt`).
                            let bound = format!("{}{module}.{member}", ".".repeat(level));
                            self.relative.push((bound, absolute.clone()));
                        }
                        self.imports.entry(local).or_insert(absolute);
                    }
                }
                // Conditional imports at module level.
                Stmt::If(if_stmt) => {
                    self.collect_imports(&if_stmt.body);
                    for clause in &if_stmt.elif_else_clauses {
                        self.collect_imports(&clause.body);
                    }
                }
                Stmt::Try(try_stmt) => {
                    self.collect_imports(&try_stmt.body);
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        self.collect_imports(&handler.body);
                    }
                    self.collect_imports(&try_stmt.orelse);
                    self.collect_imports(&try_stmt.finalbody);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    #[test]
    fn relative_imports_become_absolute() {
        let parsed = parse_module(
            "from . import db\nfrom .models import User as U\nfrom ..core import base\nimport app.util as util\nimport os.path\n",
        )
        .unwrap();
        let file = FileProject {
            module: Some("app.api.views"),
            ..FileProject::default()
        };
        let view = ProjectView::new(file, parsed.syntax());
        // `from . import db` then `db.fetch` reads `..db.fetch` in the scope.
        assert_eq!(
            view.absolute("..db.fetch").as_deref(),
            Some("app.api.db.fetch")
        );
        assert_eq!(
            view.absolute(".models.User").as_deref(),
            Some("app.api.models.User")
        );
        assert_eq!(
            view.absolute("..core.base.X").as_deref(),
            Some("app.core.base.X")
        );
        // Not imported at module level: the dots are the level.
        assert_eq!(
            view.absolute(".other.f").as_deref(),
            Some("app.api.other.f")
        );
        assert_eq!(view.absolute("app.util.f").as_deref(), Some("app.util.f"));
        let imports = view.project_imports();
        assert!(imports.contains(&("U".into(), "app.api.models.User".into())));
        assert!(imports.contains(&("util".into(), "app.util".into())));
        assert!(imports.contains(&("os".into(), "os".into())));
    }

    #[test]
    fn questions_are_recorded_until_the_index_exists() {
        let parsed = parse_module("").unwrap();
        let view = ProjectView::new(FileProject::default(), parsed.syntax());
        let target = Target::Name("app.db.fetch".into());
        assert_eq!(view.function_kind(&target, false), None);
        assert_eq!(view.blocking_chain(&target, false), None);
        assert_eq!(view.function_kind(&target, false), None);
        assert_eq!(view.take_questions().len(), 2);
    }
}
