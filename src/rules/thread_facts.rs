//! Facts about thread primitives the context does not give yet (ASY009, ASY010): the type of a
//! `self.x` that is a class attribute, and the call that built an object.
//!
//! These extend `Context` from outside context.rs so that they can move there later.

use ruff_python_ast::{self as ast, Expr};

use crate::context::Context;
use crate::scope::{Binding, ScopeKind};

/// How many bindings `constructor_call` follows (`a = b`, `b = Queue()`).
const MAX_HOPS: usize = 8;

impl<'a> Context<'a> {
    /// The type of an object, like `type_of`, and also for `self.x` when `x` is assigned in the
    /// class body rather than on `self` in a method (`_lock = threading.Lock()` beside the
    /// methods: one lock shared by every instance).
    pub fn type_of_including_class_body(&self, expr: &Expr) -> Option<String> {
        if let Some(ty) = self.type_of(expr) {
            return Some(ty);
        }
        let value = self.class_body_value(expr)?;
        self.type_of(value)
    }

    /// The qualified name of a callee like `qualified_name`, and also for methods of `self.x`
    /// when `x` is assigned in the class body (see `type_of_including_class_body`).
    pub fn qualified_name_including_class_body(&self, func: &Expr) -> Option<String> {
        if let Some(name) = self.qualified_name(func) {
            return Some(name);
        }
        let Expr::Attribute(attribute) = func else {
            return None;
        };
        let value = self.class_body_value(&attribute.value)?;
        let ty = self.type_of(value)?;
        Some(format!("{ty}.{}", attribute.attr))
    }

    /// The call that built the object `expr` refers to: `expr` itself when it is a call, the one
    /// value of a local or module name (a `with` target's context expression included), or the
    /// one value of `self.x` in the class (assigned in a method, or in the class body).
    pub fn constructor_call<'e>(&self, expr: &'e Expr) -> Option<&'e ast::ExprCall>
    where
        'a: 'e,
    {
        let mut current = expr;
        for _ in 0..MAX_HOPS {
            current = match current {
                Expr::Call(call) => return Some(call),
                Expr::Name(name) => match self.lookup(name.id.as_str())? {
                    Binding::Local { value: Some(value) } => value,
                    _ => return None,
                },
                Expr::Attribute(attribute) => {
                    let Expr::Name(base) = attribute.value.as_ref() else {
                        return None;
                    };
                    if !matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
                        return None;
                    }
                    let class = self.innermost_class()?;
                    match class.attribute(attribute.attr.as_str()) {
                        Some(value) => value,
                        None => match class.get(attribute.attr.as_str())? {
                            Binding::Local { value: Some(value) } => value,
                            _ => return None,
                        },
                    }
                }
                _ => return None,
            };
        }
        None
    }

    /// The value of `self.<attr>` when `attr` is bound once in the class body and never
    /// assigned on `self` in a method.
    fn class_body_value(&self, expr: &Expr) -> Option<&'a Expr> {
        let Expr::Attribute(attribute) = expr else {
            return None;
        };
        let Expr::Name(base) = attribute.value.as_ref() else {
            return None;
        };
        if !matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
            return None;
        }
        let class = self.innermost_class()?;
        let attr = attribute.attr.as_str();
        if class.attribute(attr).is_some() {
            return None;
        }
        match class.get(attr)? {
            Binding::Local { value: Some(value) } => Some(value),
            _ => None,
        }
    }

    fn innermost_class(&self) -> Option<&crate::scope::Scope<'a>> {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind == ScopeKind::Class)
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::PySourceType;
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    use super::*;

    /// What the facts say about one receiver: its type, the method's qualified name, and the
    /// text of the call that built it.
    type Facts = (Option<String>, Option<String>, Option<String>);

    /// For every call of a method named `probe`, what the facts say about its receiver.
    #[derive(Default)]
    struct Probe {
        seen: std::sync::Arc<std::sync::Mutex<Vec<Facts>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                return;
            };
            if attribute.attr.as_str() != "probe" {
                return;
            }
            let receiver = attribute.value.as_ref();
            self.seen.lock().unwrap().push((
                ctx.type_of_including_class_body(receiver),
                ctx.qualified_name_including_class_body(&call.func),
                ctx.constructor_call(receiver)
                    .map(|c| ctx.text(c.range()).to_string()),
            ));
        }
    }

    fn probe(source: &str) -> Vec<Facts> {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{:?}", parsed.errors());
        let probe = Probe::default();
        let seen = probe.seen.clone();
        let settings = Settings::default();
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(probe)]));
        walker.walk_module(parsed.syntax());
        drop(walker);
        let seen = seen.lock().unwrap().clone();
        seen
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn class_body_attributes_have_types() {
        let source = "\
import threading


class A:
    _lock = threading.Lock()

    async def f(self):
        self._lock.probe()
";
        assert_eq!(
            probe(source),
            [(
                some("threading.Lock"),
                some("threading.Lock.probe"),
                some("threading.Lock()")
            )]
        );
    }

    #[test]
    fn method_assignments_win_over_the_class_body() {
        let source = "\
import threading
import queue


class A:
    _lock = threading.Lock()

    def __init__(self):
        self._lock = queue.Queue(5)

    async def f(self):
        self._lock.probe()
";
        assert_eq!(
            probe(source),
            [(
                some("queue.Queue"),
                some("queue.Queue.probe"),
                some("queue.Queue(5)")
            )]
        );
    }

    #[test]
    fn constructors_of_locals_with_targets_and_chains() {
        let source = "\
import queue


async def f():
    q = queue.Queue(maxsize=3)
    r = q
    r.probe()
    with queue.Queue() as w:
        w.probe()
    queue.Queue(1).probe()
    unknown.probe()
";
        assert_eq!(
            probe(source),
            [
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue(maxsize=3)")
                ),
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue()")
                ),
                (
                    some("queue.Queue"),
                    some("queue.Queue.probe"),
                    some("queue.Queue(1)")
                ),
                (None, None, None),
            ]
        );
    }

    #[test]
    fn non_receivers_have_no_class_body_type() {
        let source = "\
import threading

_lock = threading.Lock()


class A:
    _lock = threading.Lock()

    @staticmethod
    async def f(self):
        self._lock.probe()
";
        assert_eq!(probe(source), [(None, None, None)]);
    }
}
