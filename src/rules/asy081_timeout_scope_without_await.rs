//! ASY081 timeout-scope-without-await: a timeout context (`asyncio.timeout`, `trio.move_on_after`,
//! `anyio.fail_after`, a `CancelScope` with a deadline, …) whose body has no `await`, `async for`
//! or `async with`: nothing in it can be cancelled, so the timeout can never fire.
//!
//! The With frame counts the body's checkpoints; `yield` counts too (the caller can block while
//! the generator is suspended), and is tracked here. The unsafe fix removes the `with` line and
//! dedents its body, keeping comments: the trailing comment of the header moves to a line of its
//! own, and lines inside multi-line strings are left untouched (the rule records the ranges of
//! multi-line string literals while a candidate is open).
//!
//! A named scope (`as cs`) is only removed when the function never loads the name; such findings
//! wait for the end of the function.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::rules::{Hooks, Report, Rule};

#[derive(Default)]
pub struct TimeoutScopeWithoutAwait {
    /// Candidate `with` statements the walk is inside, innermost last.
    open: Vec<OpenScope>,
    /// Multi-line string literals seen while a candidate is open.
    strings: Vec<TextRange>,
    /// Functions the walk is inside, innermost last.
    functions: Vec<FunctionState>,
}

struct OpenScope {
    range: TextRange,
    function: Option<TextRange>,
    name: String,
    yielded: bool,
}

struct FunctionState {
    range: TextRange,
    /// `as` names of flagged scopes whose fix depends on the name being unused.
    watched: Vec<String>,
    /// Watched names loaded anywhere in the function.
    loaded: Vec<String>,
    /// Findings held until the function ends, with the fix they get if their name is unused.
    held: Vec<Held>,
    /// `for`/`while` nesting inside this function.
    loops: usize,
}

struct Held {
    name: String,
    diagnostic: Diagnostic,
    fix: Fix,
}

impl Rule for TimeoutScopeWithoutAwait {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, ctx: &Context, _out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def) => self.functions.push(FunctionState {
                range: def.range(),
                watched: Vec::new(),
                loaded: Vec::new(),
                held: Vec::new(),
                loops: 0,
            }),
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    function.loops += 1;
                }
            }
            Stmt::With(with) => {
                let Some(name) = timeout_of(with, ctx) else {
                    return;
                };
                self.open.push(OpenScope {
                    range: with.range(),
                    function: ctx.current_function().map(Ranged::range),
                    name,
                    yielded: false,
                });
            }
            _ => {}
        }
    }

    fn check_expr(&mut self, expr: &Expr, ctx: &Context, _out: &mut Report) {
        match expr {
            Expr::Yield(_) | Expr::YieldFrom(_) if !self.open.is_empty() => {
                let function = ctx.current_function().map(Ranged::range);
                for open in &mut self.open {
                    if open.function == function {
                        open.yielded = true;
                    }
                }
            }
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::FString(_)
            | Expr::TString(_)
                if !self.open.is_empty() && ctx.text(expr).contains(['\n', '\r']) =>
            {
                self.strings.push(expr.range());
            }
            Expr::Name(name)
                if name.ctx.is_load() && self.functions.iter().any(|f| !f.watched.is_empty()) =>
            {
                for function in &mut self.functions {
                    if function.watched.iter().any(|w| w == name.id.as_str()) {
                        function.loaded.push(name.id.to_string());
                    }
                }
            }
            _ => {}
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        match stmt {
            Stmt::FunctionDef(def)
                if self
                    .functions
                    .last()
                    .is_some_and(|function| function.range == def.range()) =>
            {
                let function = self.functions.pop().expect("checked by the guard");
                for held in function.held {
                    let unused = !function.loaded.contains(&held.name);
                    out.push(if unused {
                        let title = held.diagnostic.fix_title.clone().unwrap_or_default();
                        held.diagnostic.with_fix(title, held.fix)
                    } else {
                        held.diagnostic
                    });
                }
            }
            Stmt::For(_) | Stmt::While(_) => {
                if let Some(function) = self.functions.last_mut() {
                    function.loops = function.loops.saturating_sub(1);
                }
            }
            Stmt::With(with) => {
                if self
                    .open
                    .last()
                    .is_none_or(|open| open.range != with.range())
                {
                    return;
                }
                let open = self.open.pop().expect("checked above");
                let checkpoints = ctx.current_frame().map_or(1, |frame| frame.checkpoints());
                if checkpoints == 0 && !open.yielded {
                    self.report(with, &open.name, ctx, out);
                }
                if self.open.is_empty() {
                    self.strings.clear();
                }
            }
            _ => {}
        }
    }
}

impl TimeoutScopeWithoutAwait {
    fn report(&mut self, with: &ast::StmtWith, name: &str, ctx: &Context, out: &mut Report) {
        let keyword = if with.is_async { "async with" } else { "with" };
        let diagnostic = Diagnostic::new(
            "ASY081",
            TextRange::new(with.start(), with.items[0].end()),
            format!(
                "`{name}()` scope contains no `await`, `async for` or `async with`; its timeout can never fire"
            ),
        );
        let title = format!("Remove the `{keyword}` and dedent its body");
        let Some(fix) = remove_with(with, &self.strings, ctx) else {
            out.push(
                diagnostic
                    .with_help("Add the `await` the timeout should cover, or remove the timeout"),
            );
            return;
        };
        match with.items[0].optional_vars.as_deref() {
            None => out.push(diagnostic.with_fix(title, fix)),
            Some(Expr::Name(target)) => match self.functions.last_mut() {
                Some(function) if function.loops == 0 => {
                    // Fixed at the end of the function, if the name is never loaded.
                    let name = target.id.to_string();
                    if !function.watched.contains(&name) {
                        function.watched.push(name.clone());
                    }
                    function.held.push(Held {
                        name,
                        diagnostic: diagnostic.with_help(title),
                        fix,
                    });
                }
                _ => out.push(diagnostic.with_help(title)),
            },
            Some(_) => out.push(diagnostic.with_help(title)),
        }
    }
}

/// The timeout the statement opens, when it is the only thing that could make the body
/// cancellable: a timeout context or deadline-carrying cancel scope, and for `async with`, the
/// last item (entering a later item would await inside the timeout).
fn timeout_of(with: &ast::StmtWith, ctx: &Context) -> Option<String> {
    let (index, scope) = with.items.iter().enumerate().find_map(|(index, item)| {
        ctx.cancel_scope_call(&item.context_expr)
            .filter(|scope| scope.has_deadline)
            .map(|scope| (index, scope))
    })?;
    if with.is_async && index + 1 != with.items.len() {
        return None;
    }
    Some(scope.name)
}

fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c == '\t')
}

/// Removes the `with` header and dedents its body by one level. `None` when the statement has
/// several items, comments inside the header's items, or a layout the edit cannot keep.
fn remove_with(with: &ast::StmtWith, strings: &[TextRange], ctx: &Context) -> Option<Fix> {
    let [item] = with.items.as_slice() else {
        return None;
    };
    let source = ctx.source();
    let first = with.body.first()?;
    if ctx
        .text(TextRange::new(with.start(), item.end()))
        .contains('#')
    {
        return None;
    }
    let with_line = line_start(source, with.start().to_usize());
    let indent = &source[with_line..with.start().to_usize()];
    if !is_blank(indent) {
        return None;
    }

    // Find the `:` that ends the header, and the comments after the item.
    let mut comments: Vec<TextRange> = Vec::new();
    let mut colon = None;
    let mut tokens = SimpleTokenizer::starts_at(item.end(), source);
    for token in tokens.by_ref() {
        match token.kind() {
            SimpleTokenKind::Colon => {
                colon = Some(token.range());
                break;
            }
            SimpleTokenKind::Comment => comments.push(token.range()),
            SimpleTokenKind::Whitespace
            | SimpleTokenKind::Newline
            | SimpleTokenKind::Continuation
            | SimpleTokenKind::RParen
            | SimpleTokenKind::Comma => {}
            _ => return None,
        }
    }
    let colon = colon?;
    let after_colon = &source[colon.end().to_usize()..first.start().to_usize()];
    if !after_colon.contains(['\n', '\r']) {
        // `with trio.move_on_after(1): do()` — the body shares the header's line.
        if !comments.is_empty() {
            return None;
        }
        return Some(Fix::unsafe_(vec![Edit::delete(TextRange::new(
            with.start(),
            first.start(),
        ))]));
    }
    // The rest of the colon's line: a trailing comment at most.
    for token in SimpleTokenizer::starts_at(colon.end(), source) {
        match token.kind() {
            SimpleTokenKind::Comment => comments.push(token.range()),
            SimpleTokenKind::Whitespace => {}
            SimpleTokenKind::Newline => break,
            _ => return None,
        }
    }
    let header_end = {
        let rest = &source[colon.end().to_usize()..];
        let newline = rest.find(['\n', '\r'])?;
        let at = colon.end().to_usize() + newline;
        at + if source[at..].starts_with("\r\n") {
            2
        } else {
            1
        }
    };
    let body_end = {
        let end = with.end().to_usize();
        match source[end..].find('\n') {
            Some(i) => end + i + 1,
            None => source.len(),
        }
    };
    let region = &source[header_end..body_end];
    if region.replace("\r\n", "").contains('\r') {
        // Old Mac line endings: not worth the risk.
        return None;
    }
    let body_indent =
        &source[line_start(source, first.start().to_usize())..first.start().to_usize()];
    if !is_blank(body_indent)
        || !body_indent.starts_with(indent)
        || body_indent.len() <= indent.len()
    {
        return None;
    }

    let mut replacement = String::new();
    for comment in &comments {
        replacement.push_str(indent);
        replacement.push_str(&source[*comment]);
        replacement.push_str(ctx.line_ending());
    }
    let mut offset = header_end;
    for line in region.split_inclusive('\n') {
        let inside_string = strings
            .iter()
            .any(|s| s.start().to_usize() < offset && offset < s.end().to_usize());
        if !inside_string && line.starts_with(body_indent) {
            replacement.push_str(indent);
            replacement.push_str(&line[body_indent.len()..]);
        } else {
            replacement.push_str(line);
        }
        offset += line.len();
    }
    let range = TextRange::new(
        TextSize::try_from(with_line).ok()?,
        TextSize::try_from(body_end).ok()?,
    );
    Some(Fix::unsafe_(vec![Edit::replace(range, replacement)]))
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::{check_source, FixMode};

    fn fixed(source: &str) -> String {
        let mut settings = Settings::only("ASY081").unwrap();
        settings.unsafe_fixes = true;
        check_source(source, settings.rules, &settings, FixMode::Apply).source
    }

    fn count(source: &str) -> usize {
        let settings = Settings::only("ASY081").unwrap();
        check_source(source, settings.rules, &settings, FixMode::Check)
            .diagnostics
            .len()
    }

    #[test]
    fn dedents_with_tabs_and_keeps_strings_and_comments() {
        let source = "import trio\n\n\nasync def f():\n\twith trio.move_on_after(1):  # budget\n\t\t# first\n\t\tx = '''\n\t\tkept\n\t\t'''\n\t\tif x:\n\t\t\ty = 1\n";
        let expected = "import trio\n\n\nasync def f():\n\t# budget\n\t# first\n\tx = '''\n\t\tkept\n\t\t'''\n\tif x:\n\t\ty = 1\n";
        assert_eq!(fixed(source), expected);
    }

    #[test]
    fn crlf_and_no_final_newline() {
        let source = "import trio\r\n\r\nasync def f():\r\n    with trio.fail_after(1):\r\n        g()\r\n        h()";
        let expected = "import trio\r\n\r\nasync def f():\r\n    g()\r\n    h()";
        assert_eq!(fixed(source), expected);
    }

    #[test]
    fn used_target_or_target_in_a_loop_is_not_fixed() {
        let used = "import trio\n\n\nasync def f():\n    with trio.move_on_after(1) as cs:\n        g()\n    return cs.cancelled_caught\n";
        assert_eq!(count(used), 1);
        assert_eq!(fixed(used), used);
        let unused =
            "import trio\n\n\nasync def f():\n    with trio.move_on_after(1) as cs:\n        g()\n";
        assert_eq!(fixed(unused), "import trio\n\n\nasync def f():\n    g()\n");
        let in_loop = "import trio\n\n\nasync def f(xs):\n    for x in xs:\n        with trio.move_on_after(1) as cs:\n            g()\n";
        assert_eq!(count(in_loop), 1);
        assert_eq!(fixed(in_loop), in_loop);
    }

    #[test]
    fn later_async_with_item_is_a_checkpoint() {
        let source = "import asyncio\n\n\nasync def f(lock):\n    async with asyncio.timeout(1), lock:\n        g()\n    async with lock, asyncio.timeout(1):\n        g()\n";
        assert_eq!(count(source), 1);
    }
}
