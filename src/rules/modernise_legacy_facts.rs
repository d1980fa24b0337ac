//! Facts for the legacy-API modernisation rules (ASY126–ASY130).
//!
//! These are `Context` methods so that they can move to `context.rs` later unchanged.

use ruff_python_ast::{AnyNodeRef, Expr};

use crate::context::Context;

/// Context managers that record or silence warnings: code in their block knows it may warn.
const WARNING_CONTEXTS: &[&str] = &[
    "warnings.catch_warnings",
    "pytest.warns",
    "pytest.deprecated_call",
];

impl Context<'_> {
    /// Is the current node inside a `with warnings.catch_warnings():`, `with pytest.warns(...):`
    /// or `with pytest.deprecated_call():` block (in this function or module)? Code there
    /// uses deprecated APIs on purpose: to test them, or while silencing their warnings.
    pub fn in_warning_context(&self) -> bool {
        for parent in self.parents().rev() {
            match parent {
                AnyNodeRef::StmtFunctionDef(_)
                | AnyNodeRef::StmtClassDef(_)
                | AnyNodeRef::ExprLambda(_) => return false,
                AnyNodeRef::StmtWith(with) => {
                    let records_warnings = with.items.iter().any(|item| {
                        let Expr::Call(call) = &item.context_expr else {
                            return false;
                        };
                        self.qualified_name(&call.func)
                            .is_some_and(|name| WARNING_CONTEXTS.contains(&name.as_str()))
                    });
                    if records_warnings {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Does the module scope import `package` (or a submodule or member of it) in any form
    /// (`import tornado.gen`, `from tornado import queues`, `import tornado as t`)? Imports
    /// inside functions do not count.
    pub fn module_scope_imports(&self, package: &str) -> bool {
        self.scopes[0].imports_module(package)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ruff_python_ast::{self as ast, PySourceType};
    use ruff_python_parser::parse_unchecked_source;

    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// Records `module_scope_imports(package)` (or, without a package, `in_warning_context()`)
    /// at every call of `probe()`.
    struct Probe {
        package: &'static str,
        seen: Arc<Mutex<Vec<bool>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            if ctx.text(&*call.func) != "probe" {
                return;
            }
            let found = if self.package.is_empty() {
                ctx.in_warning_context()
            } else {
                ctx.module_scope_imports(self.package)
            };
            self.seen.lock().unwrap().push(found);
        }
    }

    fn probe(source: &str, package: &'static str) -> Vec<bool> {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let probe = Probe {
            package,
            seen: seen.clone(),
        };
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
        walker.walk_module(parsed.syntax());
        drop(walker);
        let seen = seen.lock().unwrap().clone();
        seen
    }

    fn imports(source: &str, package: &'static str) -> bool {
        probe(source, package).into_iter().all(|found| found)
    }

    #[test]
    fn any_import_form_at_module_level() {
        assert!(imports("import tornado.gen\nprobe()\n", "tornado"));
        assert!(imports("from tornado import queues\nprobe()\n", "tornado"));
        assert!(imports("import tornado as t\nprobe()\n", "tornado"));
        assert!(!imports("import tornadoes\nprobe()\n", "tornado"));
        assert!(!imports(
            "def g():\n    import tornado\n    probe()\n",
            "tornado"
        ));
    }

    #[test]
    fn warning_contexts() {
        let source = "\
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)
    probe()
with pytest.warns(DeprecationWarning), open('x'):
    probe()


def test():
    with pytest.deprecated_call():
        probe()
    probe()


with warnings.catch_warnings():
    def later():
        probe()
with open('x'):
    probe()
";
        assert_eq!(probe(source, ""), [true, true, true, false, false, false]);
    }
}
