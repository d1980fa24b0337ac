//! ASY010 threading-lock-held-across-await: `with <threading lock>:` whose body awaits.

use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::Ranged;

use crate::context::{Context, Library};
use crate::diagnostic::Diagnostic;
use crate::names::threads::{self, ThreadLock};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct ThreadingLockHeldAcrossAwait;

impl Rule for ThreadingLockHeldAcrossAwait {
    fn hooks(&self) -> Hooks {
        Hooks {
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::With(with) = stmt else {
            return;
        };
        if with.is_async || !ctx.in_async_function() {
            return;
        }
        // The `with` frame is still current: it counted the awaits inside it.
        if ctx
            .current_frame()
            .is_none_or(|frame| frame.checkpoints() == 0)
        {
            return;
        }
        for item in &with.items {
            if let Some(lock) = held_lock(item, ctx) {
                out.push(diagnostic(item, lock, ctx.library()));
            }
        }
    }
}

/// The thread or process lock a `with` item acquires: a lock of known type (a local, a module
/// name, `self.x` set in the class or its body), or a lock built right there.
pub fn held_lock(item: &ast::WithItem, ctx: &Context) -> Option<&'static ThreadLock> {
    let ty = ctx.type_of_including_class_body(&item.context_expr)?;
    threads::thread_lock(&ty)
}

fn diagnostic(item: &ast::WithItem, lock: &ThreadLock, library: Library) -> Diagnostic {
    let message = format!(
        "`{}` held across `await`; a task that waits for it meanwhile blocks the event loop",
        lock.name
    );
    let help = match lock.for_library(library) {
        Some(replacement) => format!(
            "Release the lock before awaiting, or use `{replacement}` with `async with` if only tasks share it"
        ),
        None => "Release the lock before awaiting".to_string(),
    };
    Diagnostic::new("ASY010", item.context_expr.range(), message).with_help(help)
}

#[cfg(test)]
mod tests {
    use crate::linter::{check_source, FixMode};
    use crate::settings::Settings;

    fn findings(source: &str) -> Vec<(String, Option<String>)> {
        let settings = Settings::only("ASY010").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .into_iter()
            .map(|d| (d.message, d.fix_title))
            .collect()
    }

    #[test]
    fn help_names_the_library_counterpart() {
        let trio = "import threading\nimport trio\n\nlock = threading.BoundedSemaphore()\n\nasync def f():\n    with lock:\n        await trio.sleep(1)\n";
        assert_eq!(
            findings(trio),
            [(
                "`threading.BoundedSemaphore` held across `await`; a task that waits for it meanwhile blocks the event loop".to_string(),
                Some("Release the lock before awaiting, or use `trio.Semaphore` with `async with` if only tasks share it".to_string())
            )]
        );
        let process = "import multiprocessing\n\nasync def f(x):\n    with multiprocessing.Lock():\n        await x\n";
        assert_eq!(
            findings(process)[0].1.as_deref(),
            Some("Release the lock before awaiting")
        );
    }

    #[test]
    fn awaits_in_nested_functions_do_not_count() {
        let source = "import threading\n\nlock = threading.Lock()\n\nasync def f():\n    with lock:\n        async def g():\n            await h()\n        x = lambda: 1\n";
        assert!(findings(source).is_empty());
    }
}
