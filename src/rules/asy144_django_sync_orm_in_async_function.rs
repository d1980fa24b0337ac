//! ASY144 django-sync-orm-in-async-function: Django's synchronous ORM in async code, which
//! raises `SynchronousOnlyOperation`.
//!
//! Only in files that use Django models (see [`uses_django_models`]), and only in async code:
//!
//! - query methods that run a query on a manager or queryset chain rooted at `<Model>.objects`
//!   (`Book.objects.get(...)`, `Book.objects.filter(...).count()`); the fix uses the async twin
//!   (`await Book.objects.aget(...)`);
//! - iterating such a queryset (`for b in Book.objects.filter(...)`, a comprehension, `list(...)`,
//!   `len(...)`), with no fix;
//! - `save()`, `delete()`, `refresh_from_db()` on a model instance built in scope
//!   (`book = Book(...)`, `book = await Book.objects.aget(...)`); the fix uses `asave()` etc.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct DjangoSyncOrmInAsyncFunction {
    /// Does the file use Django models (decided on the first candidate)?
    uses_models: Option<bool>,
}

/// Query methods that hit the database, with their async twins (Django 4.1+). `iterator` has an
/// async twin that is iterated (`async for`), not awaited: flagged as iteration, without a fix.
const QUERY_METHODS: &[(&str, &str)] = &[
    ("get", "aget"),
    ("create", "acreate"),
    ("get_or_create", "aget_or_create"),
    ("update_or_create", "aupdate_or_create"),
    ("bulk_create", "abulk_create"),
    ("bulk_update", "abulk_update"),
    ("count", "acount"),
    ("in_bulk", "ain_bulk"),
    ("latest", "alatest"),
    ("earliest", "aearliest"),
    ("first", "afirst"),
    ("last", "alast"),
    ("aggregate", "aaggregate"),
    ("exists", "aexists"),
    ("contains", "acontains"),
    ("update", "aupdate"),
    ("delete", "adelete"),
    ("explain", "aexplain"),
];

/// Methods that return a new queryset without running a query.
const QUERYSET_METHODS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "select_related",
    "prefetch_related",
    "annotate",
    "alias",
    "values",
    "values_list",
    "distinct",
    "only",
    "defer",
    "using",
    "reverse",
    "none",
    "select_for_update",
    "extra",
    "complex_filter",
    "union",
    "intersection",
    "difference",
    "dates",
    "datetimes",
];

/// Model instance methods that hit the database, with their async twins (Django 4.2+).
const INSTANCE_METHODS: &[(&str, &str)] = &[
    ("save", "asave"),
    ("delete", "adelete"),
    ("refresh_from_db", "arefresh_from_db"),
];

/// Manager attributes of a model class.
const MANAGERS: &[&str] = &["objects", "_default_manager", "_base_manager"];

/// Calls that iterate their argument.
const ITERATING_BUILTINS: &[&str] = &[
    "builtins.list",
    "builtins.tuple",
    "builtins.set",
    "builtins.sorted",
    "builtins.len",
    "builtins.bool",
];

const MESSAGE_TAIL: &str = "in async code raises `SynchronousOnlyOperation`";

impl Rule for DjangoSyncOrmInAsyncFunction {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            stmt: true,
            expr: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Expr::Attribute(method) = call.func.as_ref() else {
            self.check_iterating_builtin(call, ctx, out);
            return;
        };
        let name = method.attr.as_str();
        let query = QUERY_METHODS.iter().find(|(sync, _)| *sync == name);
        let instance = INSTANCE_METHODS.iter().find(|(sync, _)| *sync == name);
        if query.is_none() && instance.is_none() {
            return;
        }
        if !ctx.in_async_function() || !self.uses_models(ctx) || expects_the_error(ctx) {
            return;
        }
        if let Some((_, twin)) = query {
            if let Some(model) = manager_chain(&method.value) {
                let message = format!(
                    "Django ORM call `{name}()` on `{}` {MESSAGE_TAIL}",
                    manager_text(model, ctx)
                );
                out.push(with_twin(
                    Diagnostic::new("ASY144", call.range(), message),
                    call,
                    method,
                    twin,
                    ctx,
                ));
                return;
            }
        }
        if let Some((_, twin)) = instance {
            if let Some(object) = model_instance(&method.value, ctx) {
                let message = format!("Django model method `{object}.{name}()` {MESSAGE_TAIL}");
                out.push(with_twin(
                    Diagnostic::new("ASY144", call.range(), message),
                    call,
                    method,
                    twin,
                    ctx,
                ));
            }
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::For(for_stmt) = stmt else {
            return;
        };
        if for_stmt.is_async || !ctx.in_async_function() {
            return;
        }
        self.check_iterated(&for_stmt.iter, ctx, out);
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, out: &mut Report) {
        let generators = match expr {
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => generators,
            _ => return,
        };
        if !ctx.in_async_function() {
            return;
        }
        for generator in generators {
            if !generator.is_async {
                self.check_iterated(&generator.iter, ctx, out);
            }
        }
    }
}

impl DjangoSyncOrmInAsyncFunction {
    fn uses_models(&mut self, ctx: &Context) -> bool {
        *self
            .uses_models
            .get_or_insert_with(|| uses_django_models(ctx.source()))
    }

    /// `list(Book.objects.filter(...))`, `len(...)`.
    fn check_iterating_builtin(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Expr::Name(_) = call.func.as_ref() else {
            return;
        };
        let [argument] = &*call.arguments.args else {
            return;
        };
        if !call.arguments.keywords.is_empty() || !ctx.in_async_function() {
            return;
        }
        let Some(callee) = ctx.qualified_name(&call.func) else {
            return;
        };
        if !ITERATING_BUILTINS.contains(&callee.as_str()) {
            return;
        }
        self.check_iterated(argument, ctx, out);
    }

    fn check_iterated(&mut self, iterated: &Expr, ctx: &Context, out: &mut Report) {
        let Some(model) = queryset(iterated) else {
            return;
        };
        if !self.uses_models(ctx) || expects_the_error(ctx) {
            return;
        }
        out.push(
            Diagnostic::new(
                "ASY144",
                iterated.range(),
                format!(
                    "Iterating a queryset of `{}` {MESSAGE_TAIL}",
                    manager_text(model, ctx)
                ),
            )
            .with_help("Iterate with `async for`, or run the query with `sync_to_async`"),
        );
    }
}

/// Does the file use Django models? It imports from `django.db` (`from django.db import
/// models`, `from django.db.models import Q`) or a `models` module of `django.contrib`
/// (`from django.contrib.auth.models import User`), or it imports a project's models
/// (`from .models import Book`, `from shop import models`, `import shop.models`) or
/// `get_user_model` and uses `.objects`.
pub fn uses_django_models(source: &str) -> bool {
    let mut project_models = false;
    for line in source.lines() {
        let line = line.trim_start();
        let Some(rest) = line
            .strip_prefix("from ")
            .or_else(|| line.strip_prefix("import "))
        else {
            continue;
        };
        let module = rest.split_whitespace().next().unwrap_or("");
        if module == "django.db" || module.starts_with("django.db.") {
            return true;
        }
        if module.starts_with("django.contrib.") && module.ends_with(".models") {
            return true;
        }
        let imports_models = module == "models"
            || module.ends_with(".models")
            || module.contains(".models.")
            || (line.starts_with("from ")
                && rest.split_once(" import ").is_some_and(|(_, names)| {
                    names
                        .split(|c: char| c == ',' || c.is_whitespace() || c == '(' || c == ')')
                        .any(|name| name == "models" || name == "get_user_model")
                }));
        project_models |= imports_models;
    }
    project_models && source.contains(".objects")
}

/// The model expression of a manager or queryset chain: `Book` in `Book.objects`,
/// `Book.objects.filter(...)`, `Book.objects.filter(...).order_by(...)`.
fn manager_chain(expr: &Expr) -> Option<&Expr> {
    let mut current = expr;
    loop {
        match current {
            Expr::Attribute(attribute) if MANAGERS.contains(&attribute.attr.as_str()) => {
                return looks_like_model(&attribute.value).then_some(attribute.value.as_ref());
            }
            Expr::Call(call) => {
                let Expr::Attribute(method) = call.func.as_ref() else {
                    return None;
                };
                if !QUERYSET_METHODS.contains(&method.attr.as_str()) {
                    return None;
                }
                current = &method.value;
            }
            _ => return None,
        }
    }
}

/// A queryset expression that runs a query when iterated: a chain ending in a queryset method
/// (`Book.objects.all()`, `Book.objects.filter(...)`) or `iterator()`.
fn queryset(expr: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = expr else {
        return None;
    };
    let Expr::Attribute(method) = call.func.as_ref() else {
        return None;
    };
    if method.attr.as_str() == "iterator" {
        return manager_chain(&method.value);
    }
    manager_chain(expr)
}

/// Is the owner of `.objects` something that names a model class: a capitalised name
/// (`Book`, `models.Book`), `cls`, `model` / `self.model`, or `get_user_model()`? Lower-case
/// names are too often other objects with an `objects` attribute (`registry.objects.get(key)`).
fn looks_like_model(expr: &Expr) -> bool {
    let last = match expr {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Call(call) => {
            return matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "get_user_model")
        }
        _ => return false,
    };
    last.starts_with(|c: char| c.is_ascii_uppercase()) || matches!(last, "cls" | "model")
}

/// `Book.objects` as written.
fn manager_text(model: &Expr, ctx: &Context) -> String {
    format!("{}.objects", ctx.text(model))
}

/// The name of a model instance built in scope: a name bound once to `Model(...)` (a model
/// class: imported from a `models` module, or a class of this module deriving from one), or to
/// what a query for one object returns (`Model.objects.get(...)`, `await ....aget(...)`).
fn model_instance<'e>(expr: &'e Expr, ctx: &Context) -> Option<&'e str> {
    let Expr::Name(name) = expr else {
        return None;
    };
    let Some(Binding::Local { value: Some(value) }) = ctx.lookup(name.id.as_str()) else {
        return None;
    };
    let value = match value {
        Expr::Await(await_expr) => await_expr.value.as_ref(),
        other => other,
    };
    let Expr::Call(call) = value else {
        return None;
    };
    let is_instance = match call.func.as_ref() {
        Expr::Attribute(method) => {
            (matches!(
                method.attr.as_str(),
                "get"
                    | "create"
                    | "first"
                    | "last"
                    | "latest"
                    | "earliest"
                    | "aget"
                    | "acreate"
                    | "afirst"
                    | "alast"
                    | "alatest"
                    | "aearliest"
            ) && manager_chain(&method.value).is_some())
                || is_model_class(&call.func, ctx, 0)
        }
        func => is_model_class(func, ctx, 0),
    };
    is_instance.then_some(name.id.as_str())
}

/// Is `expr` a Django model class: imported from a `models` module, or a class of this module
/// whose bases are `models.Model` or other such classes?
fn is_model_class(expr: &Expr, ctx: &Context, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    if let Expr::Name(name) = expr {
        if let Some(Binding::Definition(Stmt::ClassDef(class))) = ctx.lookup(name.id.as_str()) {
            return class.arguments.as_ref().is_some_and(|arguments| {
                arguments
                    .args
                    .iter()
                    .any(|base| is_model_class(base, ctx, depth + 1))
            });
        }
    }
    let Some(qualified) = ctx.qualified_name(expr) else {
        return false;
    };
    qualified == "django.db.models.Model"
        || qualified == "django.db.models.base.Model"
        || qualified.contains(".models.")
        || qualified.starts_with("models.")
}

/// Is the current code inside `with pytest.raises(SynchronousOnlyOperation)` /
/// `self.assertRaises(SynchronousOnlyOperation)` (a test that the error is raised)?
fn expects_the_error(ctx: &Context) -> bool {
    ctx.parents().rev().any(|node| match node {
        AnyNodeRef::StmtWith(with) => with.items.iter().any(|item| {
            ctx.text(&item.context_expr)
                .contains("SynchronousOnlyOperation")
        }),
        _ => false,
    })
}

/// Attaches the fix that calls the async twin: `await x.aget(...)`. Safe where the call is a
/// whole statement, assignment value or return value (or already awaited); unsafe where `await`
/// can still go in front of it; none where it cannot (`Book.objects.get().name`).
fn with_twin(
    diagnostic: Diagnostic,
    call: &ast::ExprCall,
    method: &ast::ExprAttribute,
    twin: &str,
    ctx: &Context,
) -> Diagnostic {
    let title = format!("Use `await ….{twin}(...)`");
    let rename = Edit::replace(method.attr.range(), twin);
    if ctx.is_awaited() {
        return diagnostic.with_fix(title, Fix::safe(vec![rename]));
    }
    let whole = match ctx.parent() {
        Some(AnyNodeRef::StmtExpr(_)) | Some(AnyNodeRef::StmtReturn(_)) => true,
        Some(AnyNodeRef::StmtAssign(assign)) => assign.value.range() == call.range(),
        Some(AnyNodeRef::StmtAnnAssign(assign)) => {
            assign.value.as_deref().map(Ranged::range) == Some(call.range())
        }
        _ => false,
    };
    let edits = vec![Edit::insert(call.start(), "await "), rename];
    if whole {
        diagnostic.with_fix(title, Fix::safe(edits))
    } else if ctx.can_prefix_await(call.range()) {
        diagnostic.with_fix(title, Fix::unsafe_(edits))
    } else {
        diagnostic.with_help(title)
    }
}

#[cfg(test)]
mod tests {
    use super::uses_django_models;

    #[test]
    fn recognises_files_that_use_django_models() {
        assert!(uses_django_models("from django.db import models\n"));
        assert!(uses_django_models("from django.db.models import Q\n"));
        assert!(uses_django_models(
            "from django.contrib.auth.models import User\n"
        ));
        assert!(uses_django_models(
            "from .models import Book\n\nBook.objects.get(pk=1)\n"
        ));
        assert!(uses_django_models(
            "from shop import models\nmodels.Book.objects.all()\n"
        ));
        assert!(uses_django_models(
            "from django.contrib.auth import get_user_model\nget_user_model().objects.get()\n"
        ));
        assert!(!uses_django_models("from .models import Book\n"));
        assert!(!uses_django_models(
            "from sqlalchemy import orm\nx.objects.get()\n"
        ));
        assert!(!uses_django_models("import django\n"));
    }
}
