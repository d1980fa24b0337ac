//! The single walk over a module: keeps the context current and calls the enabled rules' hooks
//! by node kind.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, AnyNodeRef, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::context::{Context, Frame};
use crate::rules::{Report, Rule};
use crate::scope::{Scope, ScopeKind};

/// Nesting (statements plus expressions) past which a file is reported instead of walked.
/// CPython itself refuses to compile expressions nested a few thousand deep.
pub const MAX_DEPTH: usize = 3000;

/// The enabled rules, grouped by the hooks they asked for.
pub struct RuleHooks {
    rules: Vec<Box<dyn Rule>>,
    call: Vec<usize>,
    expr: Vec<usize>,
    stmt: Vec<usize>,
    leave_stmt: Vec<usize>,
    except_handler: Vec<usize>,
}

impl RuleHooks {
    pub fn new(rules: Vec<Box<dyn Rule>>) -> Self {
        let mut hooks = Self {
            rules,
            call: Vec::new(),
            expr: Vec::new(),
            stmt: Vec::new(),
            leave_stmt: Vec::new(),
            except_handler: Vec::new(),
        };
        for (index, rule) in hooks.rules.iter().enumerate() {
            let wants = rule.hooks();
            for (wanted, list) in [
                (wants.call, &mut hooks.call),
                (wants.expr, &mut hooks.expr),
                (wants.stmt, &mut hooks.stmt),
                (wants.leave_stmt, &mut hooks.leave_stmt),
                (wants.except_handler, &mut hooks.except_handler),
            ] {
                if wanted {
                    list.push(index);
                }
            }
        }
        hooks
    }
}

pub struct Walker<'a> {
    pub ctx: Context<'a>,
    hooks: RuleHooks,
    pub report: Report,
    depth: usize,
    /// Where the walk gave up because the tree nests deeper than `MAX_DEPTH`.
    pub too_deep_at: Option<TextSize>,
}

impl<'a> Walker<'a> {
    pub fn new(ctx: Context<'a>, hooks: RuleHooks) -> Self {
        Self {
            ctx,
            hooks,
            report: Vec::new(),
            depth: 0,
            too_deep_at: None,
        }
    }

    pub fn walk_module(&mut self, module: &'a ast::ModModule) {
        self.visit_body(&module.body);
    }

    /// Enters one level of nesting; false (and the position recorded) when past the limit.
    fn descend(&mut self, node: impl Ranged) -> bool {
        if self.too_deep_at.is_some() {
            return false;
        }
        if self.depth >= MAX_DEPTH {
            self.too_deep_at = Some(node.start());
            return false;
        }
        self.depth += 1;
        true
    }

    fn with_scope(&mut self, scope: Scope<'a>, walk: impl FnOnce(&mut Self)) {
        self.ctx.scopes.push(scope);
        walk(self);
        self.ctx.scopes.pop();
    }

    fn walk_function(&mut self, def: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope.
        for decorator in &def.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &def.type_params {
            self.visit_type_params(type_params);
        }
        self.visit_parameters(&def.parameters);
        if let Some(returns) = &def.returns {
            self.visit_annotation(returns);
        }
        let is_method = self
            .ctx
            .scopes
            .last()
            .is_some_and(|scope| scope.kind == ScopeKind::Class);
        self.with_scope(Scope::for_function(def, is_method), |walker| {
            walker.visit_body(&def.body);
        });
    }

    fn walk_class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &class.type_params {
            self.visit_type_params(type_params);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        self.with_scope(Scope::for_class(class), |walker| {
            walker.visit_body(&class.body);
        });
    }

    fn walk_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        if let Some(parameters) = &lambda.parameters {
            self.visit_parameters(parameters);
        }
        self.ctx.frames.push(Frame::new(AnyNodeRef::from(lambda)));
        self.with_scope(Scope::for_lambda(lambda), |walker| {
            walker.visit_expr(&lambda.body);
        });
        self.ctx.frames.pop();
    }

    fn walk_comprehension(&mut self, expr: &'a Expr, generators: &'a [ast::Comprehension]) {
        if generators.iter().any(|generator| generator.is_async) {
            self.ctx.record_checkpoint();
        }
        self.with_scope(Scope::for_comprehension(generators), |walker| {
            visitor::walk_expr(walker, expr);
        });
    }

    fn bind_walrus(&mut self, target: &'a Expr) {
        let Expr::Name(name) = target else { return };
        // PEP 572: a walrus in a comprehension binds in the enclosing function or module.
        if let Some(scope) = self
            .ctx
            .scopes
            .iter_mut()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
        {
            scope.bind_walrus(name.id.as_str());
        }
    }
}

/// Statements that open a frame rules can ask about.
fn opens_frame(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::FunctionDef(_)
            | Stmt::ClassDef(_)
            | Stmt::With(_)
            | Stmt::Try(_)
            | Stmt::For(_)
            | Stmt::While(_)
    )
}

impl<'a> Visitor<'a> for Walker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !self.descend(stmt) {
            return;
        }
        let is_checkpoint = matches!(stmt, Stmt::For(f) if f.is_async)
            || matches!(stmt, Stmt::With(w) if w.is_async);
        if is_checkpoint {
            self.ctx.record_checkpoint();
        }
        self.ctx.statements.push(stmt);
        for &index in &self.hooks.stmt {
            self.hooks.rules[index].check_stmt(stmt, &self.ctx, &mut self.report);
        }
        let frame = opens_frame(stmt);
        if frame {
            self.ctx.frames.push(Frame::new(AnyNodeRef::from(stmt)));
        }
        self.ctx.parents.push(AnyNodeRef::from(stmt));
        match stmt {
            Stmt::FunctionDef(def) => self.walk_function(def),
            Stmt::ClassDef(class) => self.walk_class(class),
            _ => visitor::walk_stmt(self, stmt),
        }
        self.ctx.parents.pop();
        for &index in &self.hooks.leave_stmt {
            self.hooks.rules[index].leave_stmt(stmt, &self.ctx, &mut self.report);
        }
        if frame {
            self.ctx.frames.pop();
        }
        self.ctx.statements.pop();
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !self.descend(expr) {
            return;
        }
        for &index in &self.hooks.expr {
            self.hooks.rules[index].check_expr(expr, &self.ctx, &mut self.report);
        }
        if let Expr::Call(call) = expr {
            for &index in &self.hooks.call {
                self.hooks.rules[index].check_call(call, &self.ctx, &mut self.report);
            }
        }
        self.ctx.parents.push(AnyNodeRef::from(expr));
        match expr {
            Expr::Await(_) => {
                self.ctx.record_checkpoint();
                visitor::walk_expr(self, expr);
            }
            Expr::Named(named) => {
                self.bind_walrus(&named.target);
                visitor::walk_expr(self, expr);
            }
            Expr::Lambda(lambda) => self.walk_lambda(lambda),
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                self.walk_comprehension(expr, generators);
            }
            _ => visitor::walk_expr(self, expr),
        }
        self.ctx.parents.pop();
        self.depth -= 1;
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        for &index in &self.hooks.except_handler {
            self.hooks.rules[index].check_except_handler(inner, &self.ctx, &mut self.report);
        }
        self.ctx.parents.push(AnyNodeRef::from(inner));
        visitor::walk_except_handler(self, handler);
        self.ctx.parents.pop();
    }
}
