//! ASY027 unused-async: an `async def` that never awaits, iterates or enters anything
//! asynchronously.
//!
//! Also home of `name_uses`, a scan of the source for how a name is used (called, or passed
//! around as a value), which ASY028 shares: a function whose name is used as a value may be
//! handed to code that needs it to be a coroutine or async generator function.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::rules::{Hooks, Report, Rule};
use crate::scope::Binding;

#[derive(Default)]
pub struct UnusedAsync {
    /// The functions the walk is inside, innermost last.
    functions: Vec<FunctionState>,
    /// The module's identifiers, scanned once on the first candidate: asking the source about
    /// each function's name would cost a scan of the file per `async def`.
    names: Option<NameIndex>,
}

struct FunctionState {
    def: TextRange,
    /// A `yield` makes it an (async) generator, which cannot simply drop `async`.
    yields: bool,
}

impl Rule for UnusedAsync {
    fn hooks(&self) -> Hooks {
        Hooks {
            expr: true,
            stmt: true,
            leave_stmt: true,
            ..Hooks::default()
        }
    }

    fn check_stmt(&mut self, stmt: &Stmt, _ctx: &Context, _out: &mut Report) {
        if let Stmt::FunctionDef(def) = stmt {
            self.functions.push(FunctionState {
                def: def.range(),
                yields: false,
            });
        }
    }

    fn check_expr(&mut self, expr: &Expr, _ctx: &Context, _out: &mut Report) {
        if matches!(expr, Expr::Yield(_) | Expr::YieldFrom(_)) {
            if let Some(function) = self.functions.last_mut() {
                function.yields = true;
            }
        }
    }

    fn leave_stmt(&mut self, stmt: &Stmt, ctx: &Context, out: &mut Report) {
        let Stmt::FunctionDef(def) = stmt else {
            return;
        };
        let Some(state) = self.functions.pop() else {
            return;
        };
        debug_assert_eq!(state.def, def.range());
        if !def.is_async
            || state.yields
            || !def.decorator_list.is_empty()
            || ctx
                .current_frame()
                .is_none_or(|frame| frame.checkpoints() > 0)
            || is_stub(&def.body)
        {
            return;
        }
        let name = def.name.as_str();
        // A name bound twice (`if fast: async def f(): ... else: def f(): ...`) must keep one
        // signature for both.
        if !matches!(ctx.lookup(name), Some(Binding::Definition(stmt)) if stmt.range() == def.range())
        {
            return;
        }
        let names = self
            .names
            .get_or_insert_with(|| NameIndex::new(ctx.source()));
        let class = enclosing_class(ctx);
        if let Some(class) = class {
            // A method may implement a protocol (`__aenter__`), override a base class's method,
            // or be overridden by a subclass (a class used as a value may be subclassed).
            if class.arguments.as_ref().is_some_and(|a| !a.is_empty())
                || is_dunder(name)
                || names
                    .uses(ctx.source(), class.name.as_str(), Receiver::Any)
                    .as_value
            {
                return;
            }
        }
        // Only when every use in the module is `await name(...)` (`await self.name(...)` for a
        // method): a function used as a value may be handed to code that needs a coroutine
        // function, a coroutine passed on (`create_task(name())`, `gather(name(), ...)`) needs
        // one, and a function never used here has its callers elsewhere (a framework hook, a
        // test runner, another module, another object's method of the same name).
        let receiver = if class.is_some() {
            Receiver::SelfOrCls
        } else {
            Receiver::None
        };
        let uses = names.uses(ctx.source(), name, receiver);
        if uses.as_value || uses.other_calls > 0 || uses.awaited_calls == 0 {
            return;
        }
        out.push(
            Diagnostic::new(
                "ASY027",
                def.name.range(),
                format!(
                    "Function `{name}` is declared `async` but uses no `await`, `async for` or \
                     `async with`"
                ),
            )
            .with_help(
                "Remove `async` (and the `await` at its call sites), or await what it is missing",
            ),
        );
    }
}

/// The class the function being left is defined in, directly (its frame is below the
/// function's, with no function in between).
fn enclosing_class<'a>(ctx: &Context<'a>) -> Option<&'a ast::StmtClassDef> {
    let frames = ctx.frames();
    frames
        .iter()
        .rev()
        .skip(1)
        .find_map(|frame| match frame.node {
            ast::AnyNodeRef::StmtClassDef(class) => Some(Some(class)),
            ast::AnyNodeRef::StmtFunctionDef(_) | ast::AnyNodeRef::ExprLambda(_) => Some(None),
            _ => None,
        })
        .flatten()
}

fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// A body that only stands in for an implementation: `...`, `pass`, a docstring, or a `raise`
/// (such as `raise NotImplementedError`), after an optional docstring.
fn is_stub(body: &[Stmt]) -> bool {
    let rest = match body.split_first() {
        Some((first, rest)) if ruff_python_ast::helpers::is_docstring_stmt(first) => rest,
        _ => body,
    };
    match rest {
        [] => true,
        [Stmt::Pass(_) | Stmt::Raise(_)] => true,
        [Stmt::Expr(expr)] => matches!(expr.value.as_ref(), Expr::EllipsisLiteral(_)),
        _ => false,
    }
}

/// How a name is used across a module's source (outside comments and string literals).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameUses {
    /// Calls whose result is awaited at once: `await name(...)`, `await self.name(...)`.
    pub awaited_calls: u32,
    /// Other calls (and decorator factories): `create_task(name())`, `x = name()`.
    pub other_calls: u32,
    /// Used as a value: passed as an argument, stored, returned, decorated with, compared…
    /// (`def name` / `class name` do not count).
    pub as_value: bool,
}

/// Which occurrences of a name are uses of the function being asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    /// Every occurrence, bare or as an attribute (`obj.name`).
    Any,
    /// Bare names only (a module-level or nested function); `obj.name` is something else.
    None,
    /// A method: `self.name` / `cls.name` are uses of it; any other `obj.name` may be too, so it
    /// counts as an other call; a bare call is of something else (counted as an other call, as
    /// the method's own calls are unknown then), a bare name (in the class body) is a value.
    SelfOrCls,
}

/// Scans `source` for the identifier `name`, skipping comments and string literals (the
/// expressions inside f-strings included, which is the conservative side for the callers: a
/// use there is missed, never invented).
pub(crate) fn name_uses(source: &str, name: &str, receiver: Receiver) -> NameUses {
    let mut uses = NameUses::default();
    scan_identifiers(source, |start, end| {
        if &source[start..end] == name {
            classify(source, start, end, receiver, &mut uses);
        }
    });
    uses
}

/// Where each identifier occurs in a source (outside comments and string literals): one scan
/// answers [`name_uses`] for any number of names.
pub(crate) struct NameIndex {
    starts: rustc_hash::FxHashMap<String, Vec<usize>>,
}

impl NameIndex {
    pub(crate) fn new(source: &str) -> Self {
        let mut starts: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
        scan_identifiers(source, |start, end| {
            let word = &source[start..end];
            match starts.get_mut(word) {
                Some(list) => list.push(start),
                None => {
                    starts.insert(word.to_string(), vec![start]);
                }
            }
        });
        Self { starts }
    }

    /// [`name_uses`] of `name` in the `source` this index was built from.
    pub(crate) fn uses(&self, source: &str, name: &str, receiver: Receiver) -> NameUses {
        let mut uses = NameUses::default();
        for &start in self.starts.get(name).into_iter().flatten() {
            classify(source, start, start + name.len(), receiver, &mut uses);
        }
        uses
    }
}

/// Calls `found(start, end)` for each identifier outside comments and string literals.
fn scan_identifiers(source: &str, mut found: impl FnMut(usize, usize)) {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' | b'\'' => i = skip_string(bytes, i),
            _ if is_ident_start(byte) => {
                let start = i;
                while i < bytes.len() && is_ident_continue(bytes[i]) {
                    i += 1;
                }
                let word = &source[start..i];
                if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') && is_string_prefix(word) {
                    i = skip_string(bytes, i);
                } else {
                    found(start, i);
                }
            }
            _ => i += 1,
        }
    }
}

fn classify(source: &str, start: usize, end: usize, receiver: Receiver, uses: &mut NameUses) {
    let before = source[..start].trim_end_matches([' ', '\t']);
    let previous_word = before
        .rsplit(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .next()
        .unwrap_or("");
    if matches!(previous_word, "def" | "class") {
        return;
    }
    let object = before.strip_suffix('.').map(|rest| {
        let rest = rest.trim_end_matches([' ', '\t']);
        &rest[rest.trim_end_matches(is_ident_char).len()..]
    });
    let call = source[end..]
        .trim_start_matches([' ', '\t'])
        .starts_with('(');
    match (receiver, object) {
        (Receiver::None, Some(_)) => return,
        (Receiver::SelfOrCls, Some(object)) if !matches!(object, "self" | "cls") => {
            uses.other_calls += 1;
            return;
        }
        // In a method, a bare `name(...)` calls something else (a module-level function).
        (Receiver::SelfOrCls, None) if call => {
            uses.other_calls += 1;
            return;
        }
        _ => {}
    }
    if !call {
        uses.as_value = true;
    } else if previous_word_skipping_receiver(before) == "await" {
        uses.awaited_calls += 1;
    } else {
        uses.other_calls += 1;
    }
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The word before a name, skipping the receiver chain of an attribute (`await self.client.`
/// gives `await`).
fn previous_word_skipping_receiver(mut before: &str) -> &str {
    while let Some(rest) = before.strip_suffix('.') {
        before = rest
            .trim_end_matches([' ', '\t'])
            .trim_end_matches(is_ident_char);
        before = before.trim_end_matches([' ', '\t']);
    }
    let word_start = before.trim_end_matches(is_ident_char).len();
    &before[word_start..]
}

/// The index just past the string literal whose opening quote is at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.len() >= start + 3 && bytes[start + 1] == quote && bytes[start + 2] == quote;
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' | b'\r' if !triple => return i,
            byte if byte == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.len() >= i + 3 && bytes[i + 1] == quote && bytes[i + 2] == quote {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_ident_start(byte: u8) -> bool {
    byte == b'_' || byte.is_ascii_alphabetic() || byte >= 0x80
}

fn is_ident_continue(byte: u8) -> bool {
    byte == b'_' || byte.is_ascii_alphanumeric() || byte >= 0x80
}

fn is_string_prefix(word: &str) -> bool {
    word.len() <= 2
        && word
            .bytes()
            .all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'b' | b'f' | b'u' | b't'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged(source: &str) -> Vec<String> {
        crate::linter::flagged_texts(source, "ASY027")
    }

    #[test]
    fn only_functions_whose_every_use_is_awaited() {
        let source = "\
async def a():
    return 1


async def b():
    return 2


async def c():
    return 3


async def main(loop):
    await a()
    await b()
    loop.create_task(b())
    return c
";
        assert_eq!(flagged(source), ["a"]);
    }

    #[test]
    fn a_name_bound_twice_keeps_its_signature() {
        let source = "\
import os

if os.name == 'nt':
    async def send():
        return []
else:
    def send():
        return [1]


async def main():
    return await send()
";
        assert!(flagged(source).is_empty());
    }

    #[test]
    fn methods_called_on_other_objects_are_left_alone() {
        let source = "\
class Backend:
    async def check(self, user):
        return True

    async def run(self, user, other):
        await self.check(user)
        return await other.check(user)


class Cache:
    async def get(self, key):
        return key

    async def load(self, key):
        return await self.get(key)
";
        assert_eq!(flagged(source), ["get"]);
    }

    fn uses(source: &str, name: &str) -> (u32, u32, bool) {
        let uses = name_uses(source, name, Receiver::Any);
        (uses.awaited_calls, uses.other_calls, uses.as_value)
    }

    #[test]
    fn calls_and_values() {
        let source = "async def handler():\n    pass\n\nawait handler()\nhandler ()\n";
        assert_eq!(uses(source, "handler"), (1, 1, false));
        let source = "x = await self . client.handler(1)\ngather(handler(), a.handler())\n";
        assert_eq!(uses(source, "handler"), (1, 2, false));
        assert_eq!(uses("app.route('/', handler)\n", "handler"), (0, 0, true));
        assert_eq!(uses("x = self.handler\n", "handler"), (0, 0, true));
        assert_eq!(uses("@handler\ndef f(): ...\n", "handler"), (0, 0, true));
        let source = "class handler: ...\nhandlers = 1\n";
        assert_eq!(uses(source, "handler"), (0, 0, false));
    }

    #[test]
    fn receivers() {
        let source = "await f()\nawait other.f()\nx = mod.f\nawait self.f()\nawait cls.f()\n";
        let bare = name_uses(source, "f", Receiver::None);
        assert_eq!(
            (bare.awaited_calls, bare.other_calls, bare.as_value),
            (1, 0, false)
        );
        let method = name_uses(source, "f", Receiver::SelfOrCls);
        assert_eq!(
            (method.awaited_calls, method.other_calls, method.as_value),
            (2, 3, false)
        );
    }

    #[test]
    fn comments_and_strings_are_skipped() {
        let source = "\
# handler is passed below
x = 'handler'
y = \"it's handler\"
z = \"\"\"
handler
\"\"\"
w = rb'handler' + f\"{1}handler\" + '\\'handler'
";
        assert_eq!(uses(source, "handler"), (0, 0, false));
    }

    #[test]
    fn non_ascii_identifiers_do_not_split_words() {
        assert_eq!(
            uses("éhandler = 1\nhandleré = 2\n", "handler"),
            (0, 0, false)
        );
    }
}
