//! ASY143 sync-mock-for-async-function: a `Mock`/`MagicMock` put in place of an `async def`.
//!
//! Since Python 3.8, `patch(...)` and `patch.object(...)` without a replacement create an
//! `AsyncMock` for an async target by themselves; the bug is an explicit synchronous mock:
//!
//! - `patch.object(Service, "fetch", MagicMock(...))` / `new=Mock(...)` / `new_callable=MagicMock`
//!   (also `patch("pkg.mod.func", ...)`, pytest-mock's `mocker.patch[.object]`);
//! - `monkeypatch.setattr(Service, "fetch", Mock())`;
//! - `Service.fetch = MagicMock()` (or on an instance of the class).
//!
//! Only where the mock's result can be awaited while it is in place: in an `async def` (or on
//! one, as a decorator), or in a sync function that runs an event loop. A sync test that runs no
//! loop only records calls, and a `MagicMock` there is deliberate.
//!
//! The target must be known to be an `async def`: a method of a class of this module (through
//! the class, an instance built in scope, or `self`). String targets (`"pkg.mod.func"`) and
//! imported targets go through [`target_kind`], which asks the project index
//! ([`project_function_kind`]); until that lands they are not resolved.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::coroutine_facts::{function_kind, project_function_kind, FunctionKind};
use crate::rules::pytest_facts::is_mocker;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct SyncMockForAsyncFunction {
    /// Module-level `from unittest.mock import ...` / `from mock import ...` statements seen so
    /// far: (module, end of the last imported name, names), for adding `AsyncMock` to them.
    mock_imports: Vec<MockImport>,
}

struct MockImport {
    module: &'static str,
    last_name_end: TextSize,
    names: Vec<String>,
}

/// How a patching call is spelled.
enum PatchCall {
    /// `patch.object(target, "attr", new, ...)`.
    Object,
    /// `patch("pkg.mod.attr", new, ...)`.
    Dotted,
    /// `monkeypatch.setattr(target, "attr", value)` or `monkeypatch.setattr("pkg.mod.attr", value)`.
    SetAttr,
}

impl Rule for SyncMockForAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        match stmt {
            Stmt::ImportFrom(import) if ctx.parents().next().is_none() => {
                let module = match import.module.as_deref() {
                    Some("unittest.mock") if import.level == 0 => "unittest.mock",
                    Some("mock") if import.level == 0 => "mock",
                    _ => return,
                };
                if let Some(last) = import.names.last() {
                    self.mock_imports.push(MockImport {
                        module,
                        last_name_end: last.end(),
                        names: import
                            .names
                            .iter()
                            .map(|alias| alias.name.to_string())
                            .collect(),
                    });
                }
            }
            Stmt::Assign(assign) => {
                let [Expr::Attribute(target)] = assign.targets.as_slice() else {
                    return;
                };
                let Some(mock_class) = sync_mock_value(&assign.value, ctx) else {
                    return;
                };
                let Some(name) = async_method_of(&target.value, target.attr.as_str(), ctx) else {
                    return;
                };
                if may_await_the_mock(ctx) {
                    out.push(self.finding(mock_class, &name, ctx));
                }
            }
            _ => {}
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Some(kind) = patch_call(call, ctx) else {
            return;
        };
        let arguments = &call.arguments;
        // The replacement and where the target is.
        let (mock_class, target) = match kind {
            PatchCall::Object => {
                let Some(mock_class) = replacement(call, 2, ctx) else {
                    return;
                };
                (mock_class, Target::Object)
            }
            PatchCall::Dotted => {
                let Some(mock_class) = replacement(call, 1, ctx) else {
                    return;
                };
                (mock_class, Target::Dotted)
            }
            PatchCall::SetAttr => match arguments.args.first() {
                Some(Expr::StringLiteral(_)) => {
                    let Some(value) = arguments.args.get(1) else {
                        return;
                    };
                    let Some(mock_class) = sync_mock_value(value, ctx) else {
                        return;
                    };
                    (mock_class, Target::Dotted)
                }
                _ => {
                    let Some(value) = arguments.args.get(2) else {
                        return;
                    };
                    let Some(mock_class) = sync_mock_value(value, ctx) else {
                        return;
                    };
                    (mock_class, Target::Object)
                }
            },
        };
        let name = match target {
            Target::Object => {
                let (Some(object), Some(Expr::StringLiteral(attr))) =
                    (arguments.args.first(), arguments.args.get(1))
                else {
                    return;
                };
                async_method_of(object, attr.value.to_str(), ctx)
            }
            Target::Dotted => {
                let Some(Expr::StringLiteral(dotted)) = arguments.args.first() else {
                    return;
                };
                let dotted = dotted.value.to_str();
                (target_kind(dotted, ctx) == Some(FunctionKind::Coroutine))
                    .then(|| dotted.to_string())
            }
        };
        if let Some(name) = name {
            if may_await_the_mock(ctx) {
                out.push(self.finding(mock_class, &name, ctx));
            }
        }
    }
}

/// Can the mock's result be awaited while the patch is active: the patch is in an `async def`
/// (or decorates one), or in a function that runs an event loop? A sync test that runs no loop
/// only records the calls (a `MagicMock` there avoids creating coroutines nobody awaits).
fn may_await_the_mock(ctx: &Context) -> bool {
    let Some(def) = ctx.current_function() else {
        return false;
    };
    if def.is_async {
        return true;
    }
    let body = ctx.text(def);
    [
        "run_until_complete",
        "asyncio.run(",
        "anyio.run(",
        "trio.run(",
        "run_forever",
        "async_to_sync(",
    ]
    .iter()
    .any(|runner| body.contains(runner))
}

enum Target {
    Object,
    Dotted,
}

impl SyncMockForAsyncFunction {
    fn finding(&self, mock_class: &Expr, target: &str, ctx: &Context) -> Diagnostic {
        let class = match mock_class {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => "Mock",
        };
        let diagnostic = Diagnostic::new(
            "ASY143",
            mock_class.range(),
            format!(
                "`{class}` replaces `{target}`, an `async def`: awaiting its result raises `TypeError`"
            ),
        );
        match self.async_mock_fix(mock_class, ctx) {
            Some(fix) => diagnostic.with_fix("Use `AsyncMock`", fix),
            None => diagnostic.with_help("Use `AsyncMock`"),
        }
    }

    /// Replaces the mock class with `AsyncMock`, reusing the file's way of naming mocks:
    /// `mock.MagicMock` → `mock.AsyncMock`; `MagicMock` → `AsyncMock`, added to the
    /// `from unittest.mock import ...` that imports `MagicMock` when needed.
    fn async_mock_fix(&self, mock_class: &Expr, ctx: &Context) -> Option<Fix> {
        match mock_class {
            Expr::Attribute(attribute) => Some(Fix::unsafe_(vec![Edit::replace(
                attribute.attr.range(),
                "AsyncMock",
            )])),
            Expr::Name(name) => {
                let qualified = ctx.qualified_name(mock_class)?;
                let module = qualified.rsplit_once('.')?.0;
                let wanted = format!("{module}.AsyncMock");
                match ctx.lookup("AsyncMock") {
                    Some(Binding::Import(q)) if q.as_ref() == wanted => {
                        return Some(Fix::unsafe_(vec![Edit::replace(name.range(), "AsyncMock")]));
                    }
                    Some(_) => return None,
                    None => {}
                }
                let replace = Edit::replace(name.range(), "AsyncMock");
                if let Some(import) = self.mock_imports.iter().find(|import| {
                    import.module == module && import.names.iter().any(|n| n == name.id.as_str())
                }) {
                    let add = Edit::insert(import.last_name_end, ", AsyncMock");
                    return Some(Fix::unsafe_(vec![replace, add]));
                }
                let (reference, import) = ctx.reference_to(module, "AsyncMock");
                let mut edits = vec![Edit::replace(name.range(), reference)];
                edits.extend(import);
                Some(Fix::unsafe_(edits))
            }
            _ => None,
        }
    }
}

/// Is `call` `patch.object(...)`, `patch(...)` (also pytest-mock's `mocker.patch...`) or
/// `monkeypatch.setattr(...)`?
fn patch_call(call: &ast::ExprCall, ctx: &Context) -> Option<PatchCall> {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        if let Expr::Name(_) = call.func.as_ref() {
            return match ctx.qualified_name(&call.func)?.as_str() {
                "unittest.mock.patch" | "mock.patch" | "mock.mock.patch" => Some(PatchCall::Dotted),
                _ => None,
            };
        }
        return None;
    };
    match attribute.attr.as_str() {
        "object" | "patch" | "setattr" => {}
        _ => return None,
    }
    if let Some(name) = ctx.qualified_name(&call.func) {
        return match name.as_str() {
            "unittest.mock.patch.object" | "mock.patch.object" | "mock.mock.patch.object" => {
                Some(PatchCall::Object)
            }
            "unittest.mock.patch" | "mock.patch" | "mock.mock.patch" => Some(PatchCall::Dotted),
            _ => None,
        };
    }
    match (attribute.attr.as_str(), attribute.value.as_ref()) {
        // `mocker.patch.object(...)`
        ("object", Expr::Attribute(inner))
            if inner.attr.as_str() == "patch" && is_mocker(&inner.value, ctx) =>
        {
            Some(PatchCall::Object)
        }
        // `mocker.patch(...)`
        ("patch", value) if is_mocker(value, ctx) => Some(PatchCall::Dotted),
        // `monkeypatch.setattr(...)`
        ("setattr", Expr::Name(name))
            if name.id.as_str() == "monkeypatch"
                && !matches!(ctx.lookup("monkeypatch"), Some(Binding::Import(_))) =>
        {
            Some(PatchCall::SetAttr)
        }
        _ => None,
    }
}

/// The synchronous mock class a patching call puts in place: the `new` argument (at
/// `position`, or `new=`) when it is a sync mock, or `new_callable=Mock`/`MagicMock`.
fn replacement<'e>(call: &'e ast::ExprCall, position: usize, ctx: &Context) -> Option<&'e Expr> {
    if let Some(new_callable) = call.arguments.find_keyword("new_callable") {
        return ctx.sync_mock_class(&new_callable.value);
    }
    let new = call.arguments.find_argument_value("new", position)?;
    sync_mock_value(new, ctx)
}

/// `Mock(...)` / `MagicMock(...)` that stays synchronous when awaited: not given a `spec` (a
/// spec of an async function makes it return coroutines), a `side_effect` (which may raise
/// before anything is awaited, or be an async function), `wraps`, or a `return_value` that may
/// be awaitable. Returns the mock class expression.
fn sync_mock_value<'e>(value: &'e Expr, ctx: &Context) -> Option<&'e Expr> {
    let Expr::Call(call) = value else {
        return None;
    };
    if !call.arguments.args.is_empty() {
        // `Mock(spec)` positionally.
        return None;
    }
    for keyword in call.arguments.keywords.iter() {
        match keyword.arg.as_deref() {
            Some("return_value") if is_plain_literal(&keyword.value) => {}
            Some("name" | "unsafe" | "_spec_as_instance" | "_new_name") => {}
            // `spec`, `spec_set`, `side_effect`, `wraps`, `**kwargs`, awaitable return values.
            _ => return None,
        }
    }
    ctx.sync_mock_class(&call.func)
}

/// A literal that is certainly not awaitable.
fn is_plain_literal(expr: &Expr) -> bool {
    match expr {
        Expr::NoneLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::FString(_) => true,
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().all(is_plain_literal),
        Expr::Dict(dict) => dict.items.iter().all(|item| {
            item.key.as_ref().is_some_and(is_plain_literal) && is_plain_literal(&item.value)
        }),
        _ => false,
    }
}

/// The display name of `object.attr` when it is an `async def` (a coroutine function): a method
/// of a class of this module, or an imported target the project index knows.
fn async_method_of(object: &Expr, attr: &str, ctx: &Context) -> Option<String> {
    if let Some(class) = ctx.module_class_of(object) {
        let def = ctx.class_method(class, attr)?;
        return (function_kind(def, ctx) == FunctionKind::Coroutine)
            .then(|| format!("{}.{attr}", class.name));
    }
    let qualified = match object {
        Expr::Name(name) if matches!(ctx.lookup(name.id.as_str()), Some(Binding::Import(_))) => {
            ctx.qualified_name(object)?
        }
        Expr::Attribute(_) => ctx.qualified_name(object)?,
        _ => return None,
    };
    let dotted = format!("{qualified}.{attr}");
    (target_kind(&dotted, ctx) == Some(FunctionKind::Coroutine)).then_some(dotted)
}

/// What the function at a dotted path (`"pkg.mod.func"`, `"pkg.mod.Class.method"`) is, as far
/// as the project index knows: the hook for patch targets outside this module. `None` until the
/// index lands (issue 6).
pub fn target_kind(dotted: &str, ctx: &Context) -> Option<FunctionKind> {
    project_function_kind(dotted, ctx)
}
