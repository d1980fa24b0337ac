//! asyncheck: a fast linter for Python async code.
//!
//! The library checks sources and paths and fixes them; the `asyncheck` binary is a thin
//! command-line front over it.

pub mod atomic;
pub mod catalog;
pub mod context;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod fix;
pub mod linter;
pub mod names;
pub mod noqa;
pub mod project;
pub mod pytest_config;
pub mod report;
pub mod rules;
pub mod runner;
pub mod scope;
pub mod settings;
pub mod walker;

pub use diagnostic::Diagnostic;
pub use linter::{check_source, FileError, FileOutcome, FixMode};
pub use settings::Settings;
