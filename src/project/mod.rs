//! The project index (issue 6): what every module of the project defines, so that rules can ask
//! about functions of other modules (is `app.db.fetch_user` a coroutine function?) and about
//! sync helpers that block (ASY014), with every file parsed once per run.
//!
//! - `naming`: path → module name (package roots, `src/` layouts, namespace packages).
//! - `summary`: what one module contributes, extracted during the rules' walk (`collect`).
//! - `index`: the merged summaries, name resolution and the blocking fixpoint.

pub mod collect;
mod facts;
pub mod index;
pub mod naming;
pub mod summary;
pub mod view;

pub use index::{BlockingChain, BlockingPolicy, Entity, ModuleId, ProjectIndex};
pub use naming::{Layout, ModulePlace};
pub use summary::{Kind, ModuleSummary, Target};
pub use view::{FileProject, ProjectView, Question};

use std::path::Path;

use collect::SummarySlot;

use crate::settings::{RuleSet, Settings};

/// Rules that ask the project index (through `Context::project_function_kind` and the other
/// coroutine facts, or `Context::project_blocking_chain`). When none runs, no summary is
/// extracted and no index is built.
const PROJECT_RULES: &[&str] = &[
    "ASY014", "ASY020", "ASY021", "ASY022", "ASY023", "ASY026", "ASY029", "ASY126", "ASY143",
];

/// Does a run with `rules` need the project index? (`ASYNCHECK_NO_INDEX=1` turns it off, to
/// measure what it costs.)
pub fn wanted(rules: RuleSet) -> bool {
    if std::env::var_os("ASYNCHECK_NO_INDEX").is_some_and(|v| v == "1") {
        return false;
    }
    PROJECT_RULES
        .iter()
        .filter_map(|code| crate::rules::index_of(code))
        .any(|index| rules.contains(index))
}

/// What the blocking analysis counts under `settings`: every blocking call ASY001–ASY009 and
/// ASY011 know, whether or not those rules run (`--select ASY014` alone still finds chains;
/// `allowed-blocking-calls` exempts an API, and the blocking-call detection honours it), and
/// not through the functions listed in `allowed-blocking-calls`.
pub fn policy(settings: &Settings) -> BlockingPolicy<'_> {
    BlockingPolicy {
        counts: Box::new(|_| true),
        allowed: Box::new(|name| {
            !settings.allowed_blocking_calls.is_empty() && settings.is_allowed_blocking_call(name)
        }),
    }
}

/// What the walk of one file produced for the project: its summary, and the questions its
/// rules asked before the index existed.
#[derive(Debug, Default)]
pub struct ProjectFacts {
    pub summary: Option<ModuleSummary>,
    pub questions: Vec<Question>,
}

impl ProjectFacts {
    pub(crate) fn gather(
        view: &ProjectView,
        file: &FileProject,
        slot: &SummarySlot,
        path: Option<&Path>,
    ) -> Self {
        let summary = slot
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .map(|mut summary| {
                summary.name = file.module.map(Into::into);
                summary.is_package = file.is_package;
                summary.path = path.map(Path::to_path_buf);
                summary.imports = view.project_imports();
                let mut referenced = std::mem::take(&mut summary.referenced_modules);
                referenced.extend(summary.imports.iter().map(|(_, target)| target.clone()));
                referenced.sort();
                referenced.dedup();
                summary.referenced_modules = referenced;
                summary
            });
        Self {
            summary,
            questions: view.take_questions(),
        }
    }
}

/// Print the project phases' times and sizes to standard error (`ASYNCHECK_TIMINGS=1`).
pub fn timings_wanted() -> bool {
    std::env::var_os("ASYNCHECK_TIMINGS").is_some_and(|v| v == "1")
}
