//! Route-handler facts: is a function a web request handler, which a framework calls once per
//! request (used by ASY062; reusable by any rule about per-request work)?
//!
//! Recognised:
//! - route decorators on an application, router or blueprint: `@app.get("/")`, `@router.post`,
//!   `@app.route`, `@bp.websocket` — FastAPI, Starlette, Litestar, Quart, Sanic, and aiohttp's
//!   `web.RouteTableDef` (`@routes.get`). The receiver is recognised by its type when the file
//!   builds it (`app = FastAPI()`), else by its name (`app`, `router`, `bp`, `routes`, `api`…) in
//!   a file that imports one of these frameworks (and not Flask, whose async views each run in
//!   their own event loop);
//! - Litestar's free decorators (`@get("/")`, `@post`, `@route`, `@websocket`);
//! - methods named after an HTTP verb of class-based views: aiohttp `web.View`, Starlette
//!   `HTTPEndpoint`, Sanic `HTTPMethodView`, Quart `MethodView`, Django `View` and its generic
//!   views;
//! - a function with a parameter annotated as a framework's request (`request: web.Request`);
//! - Django function views: a module-level `async def` whose first parameter is `request`, in a
//!   file that imports Django.
//!
//! These are `Context` methods so that they can move to `context.rs` later unchanged.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr};

use crate::context::Context;

/// A web framework whose handlers run once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebFramework {
    FastApi,
    Starlette,
    Litestar,
    Quart,
    Sanic,
    Aiohttp,
    Django,
}

impl WebFramework {
    /// The framework's name, as its users write it.
    pub fn name(self) -> &'static str {
        match self {
            WebFramework::FastApi => "FastAPI",
            WebFramework::Starlette => "Starlette",
            WebFramework::Litestar => "Litestar",
            WebFramework::Quart => "Quart",
            WebFramework::Sanic => "Sanic",
            WebFramework::Aiohttp => "aiohttp",
            WebFramework::Django => "Django",
        }
    }

    /// The framework a qualified name belongs to, by its top-level package.
    pub fn of(qualified: &str) -> Option<Self> {
        let top = qualified.split('.').next().unwrap_or(qualified);
        Some(match top {
            "fastapi" => WebFramework::FastApi,
            "starlette" => WebFramework::Starlette,
            "litestar" => WebFramework::Litestar,
            "quart" => WebFramework::Quart,
            "sanic" => WebFramework::Sanic,
            "aiohttp" => WebFramework::Aiohttp,
            "django" => WebFramework::Django,
            _ => return None,
        })
    }
}

/// A request handler: the framework, and whether it serves a websocket (a long-lived connection
/// rather than one request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteHandler {
    pub framework: WebFramework,
    pub websocket: bool,
}

/// Decorator methods (on an app, router or blueprint) that register a route.
const ROUTE_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "trace",
    "route",
    "api_route",
    "view",
    "websocket",
    "websocket_route",
];

/// Litestar's free route decorators (`from litestar import get`).
const LITESTAR_DECORATORS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "route",
    "websocket",
    "websocket_listener",
];

/// Method names a class-based view dispatches requests to.
const VIEW_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch",
];

/// Base classes of class-based views (Django's generic views by prefix).
const VIEW_BASES: &[&str] = &[
    "aiohttp.web.View",
    "aiohttp.web_urldispatcher.View",
    "starlette.endpoints.HTTPEndpoint",
    "sanic.views.HTTPMethodView",
    "sanic.HTTPMethodView",
    "quart.views.MethodView",
    "quart.views.View",
];

/// Request types whose annotation on a parameter marks a request handler (or code run per request).
const REQUEST_TYPES: &[&str] = &[
    "aiohttp.web.Request",
    "aiohttp.web.BaseRequest",
    "aiohttp.web_request.Request",
    "aiohttp.web_request.BaseRequest",
    "starlette.requests.Request",
    "fastapi.Request",
    "fastapi.requests.Request",
    "sanic.Request",
    "sanic.request.Request",
    "litestar.Request",
    "litestar.connection.Request",
    "quart.Request",
    "quart.wrappers.Request",
    "django.http.HttpRequest",
    "django.http.request.HttpRequest",
    "django.core.handlers.asgi.ASGIRequest",
];

/// Frameworks whose import makes an app-like receiver of unknown type a route registry.
const FRAMEWORK_MODULES: &[(&str, WebFramework)] = &[
    ("fastapi", WebFramework::FastApi),
    ("starlette", WebFramework::Starlette),
    ("litestar", WebFramework::Litestar),
    ("quart", WebFramework::Quart),
    ("sanic", WebFramework::Sanic),
    ("aiohttp.web", WebFramework::Aiohttp),
];

impl<'a> Context<'a> {
    /// The route handler the current node is directly in (see the module docs), if any.
    pub fn current_route_handler(&self) -> Option<RouteHandler> {
        let frames = self.frames();
        let index = frames.iter().rposition(|frame| {
            matches!(
                frame.node,
                AnyNodeRef::StmtFunctionDef(_)
                    | AnyNodeRef::StmtClassDef(_)
                    | AnyNodeRef::ExprLambda(_)
            )
        })?;
        let AnyNodeRef::StmtFunctionDef(def) = frames[index].node else {
            return None;
        };
        // The class the function is a method of, if it is directly in one.
        let outer = frames[..index].iter().rev().find(|frame| {
            matches!(
                frame.node,
                AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_)
            )
        });
        let class = match outer.map(|frame| frame.node) {
            Some(AnyNodeRef::StmtClassDef(class)) => Some(class),
            _ => None,
        };
        let module_level = outer.is_none();
        self.route_handler(def, class, module_level)
    }

    /// Is `def` a route handler? `class` is the class it is a method of; `module_level` says it
    /// is defined at module level (for Django function views).
    pub fn route_handler(
        &self,
        def: &ast::StmtFunctionDef,
        class: Option<&ast::StmtClassDef>,
        module_level: bool,
    ) -> Option<RouteHandler> {
        for decorator in &def.decorator_list {
            if let Some(handler) = self.route_decorator(&decorator.expression) {
                return Some(handler);
            }
        }
        if let Some(class) = class {
            if VIEW_METHODS.contains(&def.name.as_str()) {
                if let Some(framework) = self.view_base(class) {
                    return Some(RouteHandler {
                        framework,
                        websocket: false,
                    });
                }
            }
        }
        for parameter in def.parameters.iter() {
            let Some(annotation) = parameter.annotation() else {
                continue;
            };
            let Some(name) = self.qualified_name(annotation) else {
                continue;
            };
            if REQUEST_TYPES.contains(&name.as_str()) {
                return WebFramework::of(&name).map(|framework| RouteHandler {
                    framework,
                    websocket: false,
                });
            }
        }
        if module_level && def.is_async && self.scopes[0].imports_module("django") {
            let first = def
                .parameters
                .posonlyargs
                .first()
                .or_else(|| def.parameters.args.first());
            if first.is_some_and(|p| p.parameter.name.as_str() == "request") {
                return Some(RouteHandler {
                    framework: WebFramework::Django,
                    websocket: false,
                });
            }
        }
        None
    }

    /// The handler a route decorator (`@app.get("/")`, `@get("/")`) registers, if it is one.
    pub fn route_decorator(&self, decorator: &Expr) -> Option<RouteHandler> {
        let callee = match decorator {
            Expr::Call(call) => call.func.as_ref(),
            other => other,
        };
        match callee {
            Expr::Attribute(attribute) => {
                let method = attribute.attr.as_str();
                if !ROUTE_METHODS.contains(&method) {
                    return None;
                }
                let framework = self.route_registry(&attribute.value)?;
                Some(RouteHandler {
                    framework,
                    websocket: method.starts_with("websocket"),
                })
            }
            Expr::Name(_) => {
                let name = self.qualified_name(callee)?;
                let (package, member) = name.rsplit_once('.')?;
                let is_litestar = package == "litestar" || package.starts_with("litestar.handlers");
                (is_litestar && LITESTAR_DECORATORS.contains(&member)).then_some(RouteHandler {
                    framework: WebFramework::Litestar,
                    websocket: member.starts_with("websocket"),
                })
            }
            _ => None,
        }
    }

    /// The framework of an app, router or blueprint that registers routes by decorator.
    fn route_registry(&self, receiver: &Expr) -> Option<WebFramework> {
        if let Some(ty) = self.type_of(receiver) {
            // Built in this file: its type decides.
            return WebFramework::of(&ty).filter(|f| *f != WebFramework::Django);
        }
        let name = match receiver {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            _ => return None,
        };
        let looks_like_registry = name.to_ascii_lowercase().split('_').any(|segment| {
            [
                "app",
                "application",
                "router",
                "routes",
                "route",
                "api",
                "bp",
                "blueprint",
            ]
            .iter()
            .any(|word| segment.ends_with(word))
        });
        if !looks_like_registry {
            return None;
        }
        let module = &self.scopes[0];
        if module.imports_module("flask") {
            return None;
        }
        FRAMEWORK_MODULES
            .iter()
            .find(|(package, _)| module.imports_module(package))
            .map(|(_, framework)| *framework)
    }

    /// The framework of a class-based view base among `class`'s bases.
    fn view_base(&self, class: &ast::StmtClassDef) -> Option<WebFramework> {
        class.bases().iter().find_map(|base| {
            let name = self.qualified_name(base)?;
            let is_view = VIEW_BASES.contains(&name.as_str())
                || (name.starts_with("django.views.") && name.ends_with("View"));
            if is_view {
                WebFramework::of(&name)
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{self as ast, PySourceType};
    use ruff_python_parser::parse_unchecked_source;

    use super::{RouteHandler, WebFramework};
    use crate::context::Context;
    use crate::rules::{Hooks, Report, Rule};
    use crate::settings::Settings;
    use crate::walker::{RuleHooks, Walker};

    /// The route handler reported at each call of `probe()`, in order.
    fn handlers(source: &str) -> Vec<Option<RouteHandler>> {
        #[derive(Default)]
        struct Probe(std::sync::Arc<std::sync::Mutex<Vec<Option<RouteHandler>>>>);
        impl Rule for Probe {
            fn hooks(&self) -> Hooks {
                Hooks {
                    call: true,
                    ..Hooks::default()
                }
            }
            fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, _out: &mut Report) {
                if matches!(call.func.as_ref(), ast::Expr::Name(n) if n.id.as_str() == "probe") {
                    self.0.lock().unwrap().push(ctx.current_route_handler());
                }
            }
        }
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        let settings = Settings::default();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let rule = Probe(seen.clone());
        let ctx = Context::new(source, parsed.syntax(), &settings);
        let mut walker = Walker::new(ctx, RuleHooks::new(vec![Box::new(rule)]));
        walker.walk_module(parsed.syntax());
        let result = seen.lock().unwrap().clone();
        result
    }

    fn framework(source: &str) -> Option<WebFramework> {
        let found = handlers(source);
        assert_eq!(found.len(), 1, "one probe in {source}");
        found[0].map(|handler| handler.framework)
    }

    #[test]
    fn decorators_on_known_apps() {
        let fastapi = "from fastapi import FastAPI, APIRouter\napp = FastAPI()\nrouter = APIRouter()\n\n@app.get('/')\nasync def a():\n    probe()\n\n@router.post('/')\nasync def b():\n    probe()\n";
        assert_eq!(
            handlers(fastapi),
            [Some(RouteHandler {
                framework: WebFramework::FastApi,
                websocket: false
            }); 2]
        );
        let aiohttp = "from aiohttp import web\nroutes = web.RouteTableDef()\n\n@routes.get('/')\nasync def a(request):\n    probe()\n";
        assert_eq!(framework(aiohttp), Some(WebFramework::Aiohttp));
        let sanic = "from sanic import Sanic\napp = Sanic('x')\n\n@app.route('/')\nasync def a(request):\n    probe()\n";
        assert_eq!(framework(sanic), Some(WebFramework::Sanic));
        let quart = "import quart\nbp = quart.Blueprint('x', __name__)\n\n@bp.route('/')\nasync def a():\n    probe()\n";
        assert_eq!(framework(quart), Some(WebFramework::Quart));
        let websocket = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.websocket('/ws')\nasync def a(ws):\n    probe()\n";
        assert_eq!(
            handlers(websocket),
            [Some(RouteHandler {
                framework: WebFramework::FastApi,
                websocket: true
            })]
        );
    }

    #[test]
    fn decorators_on_imported_apps() {
        let imported = "from fastapi import Depends\nfrom .main import router\n\n@router.get('/')\nasync def a():\n    probe()\n";
        assert_eq!(framework(imported), Some(WebFramework::FastApi));
        // Not in a file that uses no web framework, nor on a module such as `respx`.
        let unrelated = "from .main import app\n\n@app.get('/')\nasync def a():\n    probe()\n";
        assert_eq!(framework(unrelated), None);
        let respx = "import respx\nfrom fastapi import FastAPI\n\n@respx.get('https://x')\nasync def test():\n    probe()\n";
        assert_eq!(framework(respx), None);
        // Flask's async views run in their own event loop each.
        let flask = "import flask\nfrom quart import Quart\nfrom .main import app\n\n@app.route('/')\nasync def a():\n    probe()\n";
        assert_eq!(framework(flask), None);
        let flask_app = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\nasync def a():\n    probe()\n";
        assert_eq!(framework(flask_app), None);
    }

    #[test]
    fn litestar_free_decorators() {
        let source = "from litestar import get\n\n@get('/')\nasync def a() -> str:\n    probe()\n";
        assert_eq!(framework(source), Some(WebFramework::Litestar));
        let other = "from somewhere import get\n\n@get('/')\nasync def a() -> str:\n    probe()\n";
        assert_eq!(framework(other), None);
    }

    #[test]
    fn class_based_views() {
        let aiohttp = "from aiohttp import web\n\nclass V(web.View):\n    async def get(self):\n        probe()\n\n    async def helper(self):\n        probe()\n";
        assert_eq!(
            handlers(aiohttp),
            [
                Some(RouteHandler {
                    framework: WebFramework::Aiohttp,
                    websocket: false
                }),
                None
            ]
        );
        let django = "from django.views import View\n\nclass V(View):\n    async def post(self, request):\n        probe()\n";
        assert_eq!(framework(django), Some(WebFramework::Django));
        let starlette = "from starlette.endpoints import HTTPEndpoint\n\nclass E(HTTPEndpoint):\n    async def get(self, request):\n        probe()\n";
        assert_eq!(framework(starlette), Some(WebFramework::Starlette));
    }

    #[test]
    fn request_annotations_and_django_views() {
        let annotated =
            "from aiohttp import web\n\nasync def handler(request: web.Request):\n    probe()\n";
        assert_eq!(framework(annotated), Some(WebFramework::Aiohttp));
        let django =
            "from django.http import JsonResponse\n\nasync def view(request):\n    probe()\n";
        assert_eq!(framework(django), Some(WebFramework::Django));
        let no_django = "async def view(request):\n    probe()\n";
        assert_eq!(framework(no_django), None);
        // A nested function is not the handler.
        let nested = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\nasync def a():\n    async def inner():\n        probe()\n";
        assert_eq!(framework(nested), None);
    }
}
