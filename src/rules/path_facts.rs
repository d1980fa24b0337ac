//! Which expressions are known to be concrete `pathlib` paths (ASY003, ASY004): the context
//! tracks objects built by a constructor; a path is also built by `/`, by `.parent`, by methods
//! that return a path, or comes in as a parameter annotated as one.
//!
//! This extends `Context` from outside context.rs so that it can move there later.

use ruff_python_ast::{Expr, Operator};

use crate::context::Context;
use crate::names::blocking_io::{is_path_type, PATH_RETURNING_MEMBERS, PATH_TYPES};
use crate::scope::{Binding, ScopeKind};

/// How many names, attributes and operators `is_known_path` follows.
const MAX_HOPS: usize = 12;

impl<'a> Context<'a> {
    /// Is `expr` known to evaluate to a concrete `pathlib` path (`Path`, `PosixPath`,
    /// `WindowsPath`, not `PurePath`)? Known are: a call of a path type or of `Path.cwd()` /
    /// `Path.home()`; `<path> / x` (and `x / <path>`); `<path>.parent` and methods that return
    /// a path (`resolve()`, `with_suffix()`, `joinpath()`, ...); a name bound once to one of
    /// these, at any scope; `self.x` assigned one in the class; a parameter of the current
    /// function annotated as a path (`Path`, `Path | None`, `Optional[Path]`).
    ///
    /// `anyio.Path` and `trio.Path` are not `pathlib` paths.
    pub fn is_known_path(&self, expr: &Expr) -> bool {
        self.is_path_within(expr, 0)
    }

    /// Is `expr` a path type itself (`Path` in `Path.read_text(p)`)?
    pub fn is_path_class(&self, expr: &Expr) -> bool {
        // `qualified_name` of a call is the type it builds: `Path(x)` is an instance.
        matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && self
                .qualified_name(expr)
                .is_some_and(|name| PATH_TYPES.contains(&name.as_str()))
    }

    fn is_path_within(&self, expr: &Expr, hops: usize) -> bool {
        if hops > MAX_HOPS {
            return false;
        }
        match expr {
            Expr::Call(call) => {
                if let Expr::Attribute(attribute) = call.func.as_ref() {
                    if PATH_RETURNING_MEMBERS.contains(&attribute.attr.as_str())
                        && (self.is_path_within(&attribute.value, hops + 1)
                            || self.is_path_class(&attribute.value))
                    {
                        return true;
                    }
                }
                self.qualified_name(&call.func)
                    .is_some_and(|name| is_path_type(&name))
            }
            Expr::BinOp(binary) if binary.op == Operator::Div => {
                self.is_path_within(&binary.left, hops + 1)
                    || self.is_path_within(&binary.right, hops + 1)
            }
            Expr::Attribute(attribute) => {
                if attribute.attr.as_str() == "parent" {
                    return self.is_path_within(&attribute.value, hops + 1);
                }
                self.self_attribute_value(expr)
                    .is_some_and(|value| self.is_path_within(value, hops + 1))
            }
            Expr::Name(name) => match self.lookup(name.id.as_str()) {
                Some(Binding::Local { value: Some(value) }) => self.is_path_within(value, hops + 1),
                Some(Binding::Local { value: None }) => {
                    self.is_parameter_annotated_as_path(name.id.as_str())
                }
                _ => false,
            },
            Expr::Named(named) => self.is_path_within(&named.value, hops + 1),
            // `Path(a) if cond else None`: every branch a path or `None`, at least one a path.
            Expr::If(if_expr) => {
                let branches = [if_expr.body.as_ref(), if_expr.orelse.as_ref()];
                branches.iter().all(|branch| {
                    branch.is_none_literal_expr() || self.is_path_within(branch, hops + 1)
                }) && branches.iter().any(|branch| !branch.is_none_literal_expr())
            }
            // `<path>.parents[0]`
            Expr::Subscript(subscript) => matches!(
                subscript.value.as_ref(),
                Expr::Attribute(attribute)
                    if attribute.attr.as_str() == "parents"
                        && self.is_path_within(&attribute.value, hops + 1)
            ),
            _ => false,
        }
    }

    /// The one value of `self.<attr>` assigned in the enclosing class's methods, or else bound
    /// to `<attr>` in the class body (`root = Path("data")`, a dataclass default).
    fn self_attribute_value(&self, expr: &Expr) -> Option<&'a Expr> {
        let Expr::Attribute(attribute) = expr else {
            return None;
        };
        let Expr::Name(base) = attribute.value.as_ref() else {
            return None;
        };
        if !matches!(self.lookup(base.id.as_str()), Some(Binding::SelfParameter)) {
            return None;
        }
        let class = self
            .scopes
            .iter()
            .rev()
            .find(|scope| scope.kind == ScopeKind::Class)?;
        let attr = attribute.attr.as_str();
        class.attribute(attr).or_else(|| match class.get(attr)? {
            Binding::Local { value } => *value,
            _ => None,
        })
    }

    /// Is `name` a parameter of the current function annotated as a concrete path?
    fn is_parameter_annotated_as_path(&self, name: &str) -> bool {
        let Some(function) = self.current_function() else {
            return false;
        };
        function
            .parameters
            .iter()
            .find(|parameter| parameter.name().as_str() == name)
            .and_then(|parameter| parameter.annotation())
            .is_some_and(|annotation| self.is_path_annotation(annotation))
    }

    /// `Path`, `pathlib.Path`, `Path | None`, `Optional[Path]`, `Union[Path, None]`: every
    /// member a concrete path type or `None`, at least one a path.
    fn is_path_annotation(&self, annotation: &Expr) -> bool {
        let mut members = Vec::new();
        if !self.collect_union_members(annotation, &mut members, 0) {
            return false;
        }
        let mut any_path = false;
        for member in members {
            match member {
                Expr::NoneLiteral(_) => {}
                other if self.is_path_class(other) => any_path = true,
                _ => return false,
            }
        }
        any_path
    }

    /// Flattens `A | B`, `Optional[A]` and `Union[A, B]` into `out`; false when too deep.
    fn collect_union_members<'e>(
        &self,
        annotation: &'e Expr,
        out: &mut Vec<&'e Expr>,
        depth: usize,
    ) -> bool {
        if depth > MAX_HOPS {
            return false;
        }
        match annotation {
            Expr::BinOp(binary) if binary.op == Operator::BitOr => {
                self.collect_union_members(&binary.left, out, depth + 1)
                    && self.collect_union_members(&binary.right, out, depth + 1)
            }
            Expr::Subscript(subscript) => {
                let Some(name) = self.qualified_name(&subscript.value) else {
                    out.push(annotation);
                    return true;
                };
                match name.as_str() {
                    "typing.Optional" | "typing_extensions.Optional" => {
                        self.collect_union_members(&subscript.slice, out, depth + 1)
                    }
                    "typing.Union" | "typing_extensions.Union" => match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => tuple
                            .elts
                            .iter()
                            .all(|element| self.collect_union_members(element, out, depth + 1)),
                        other => self.collect_union_members(other, out, depth + 1),
                    },
                    _ => {
                        out.push(annotation);
                        true
                    }
                }
            }
            other => {
                out.push(other);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{self as ast, PySourceType};
    use ruff_python_parser::parse_unchecked_source;
    use ruff_text_size::Ranged;

    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// Records, for every call of a method named `probe`, whether its receiver is a known path.
    #[derive(Default)]
    struct Probe {
        seen: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
    }

    impl Rule for Probe {
        fn hooks(&self) -> Hooks {
            Hooks {
                call: true,
                ..Hooks::default()
            }
        }

        fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
            let ast::Expr::Attribute(attribute) = call.func.as_ref() else {
                return;
            };
            if attribute.attr.as_str() != "probe" {
                return;
            }
            self.seen.lock().unwrap().push((
                ctx.text(attribute.value.range()).to_string(),
                ctx.is_known_path(&attribute.value),
            ));
        }
    }

    fn probe(source: &str) -> Vec<(String, bool)> {
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

    fn known(source: &str) -> Vec<bool> {
        probe(source).into_iter().map(|(_, known)| known).collect()
    }

    #[test]
    fn constructors_operators_and_members() {
        let source = r#"
import pathlib
from pathlib import Path, PurePath

BASE = Path(__file__).parent / "data"

def f(x):
    Path(x).probe()
    pathlib.PosixPath(x).probe()
    Path.cwd().probe()
    Path.home().probe()
    (Path(x) / "a" / "b").probe()
    Path(x).parent.probe()
    Path(x).resolve().with_suffix(".txt").probe()
    BASE.probe()
    p = Path(x)
    q = p / "y"
    q.probe()
    (r := p.joinpath("z")).probe()
    PurePath(x).probe()
    x.probe()
    str(p).probe()
"#;
        assert_eq!(
            known(source),
            [true, true, true, true, true, true, true, true, true, true, false, false, false]
        );
    }

    #[test]
    fn attributes_of_self() {
        let source = r#"
from pathlib import Path

class Store:
    base = Path("data")
    label = "x"

    def __init__(self, root):
        self.root = Path(root) / "store"
        self.name = root

    async def f(self):
        self.root.probe()
        self.name.probe()
        self.base.probe()
        self.label.probe()
        self.root.parents[0].probe()
"#;
        assert_eq!(known(source), [true, false, true, false, true]);
    }

    #[test]
    fn conditional_values() {
        let source = r#"
from pathlib import Path

def f(x, cond):
    a = Path(x) if cond else None
    a.probe()
    b = Path(x) if cond else x
    b.probe()
    c = None if cond else None
    c.probe()
"#;
        assert_eq!(known(source), [true, false, false]);
    }

    #[test]
    fn annotated_parameters() {
        let source = r#"
import anyio
from pathlib import Path
from typing import Optional, Union

async def f(a: Path, b: Path | None, c: Optional[Path], d: Union[Path, None], e: str | Path, g: anyio.Path, h):
    a.probe()
    b.probe()
    c.probe()
    d.probe()
    e.probe()
    g.probe()
    h.probe()
"#;
        assert_eq!(known(source), [true, true, true, true, false, false, false]);
    }

    #[test]
    fn shadowing_and_other_libraries() {
        let source = r#"
from anyio import Path

def f(x):
    Path(x).probe()

def g(Path, x):
    Path(x).probe()
"#;
        assert_eq!(known(source), [false, false]);
    }
}
