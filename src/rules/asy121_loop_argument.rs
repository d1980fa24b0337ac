//! ASY121 loop-argument: `loop=` passed to asyncio APIs that removed the parameter in 3.10.
//!
//! Also home of `remove_list_item`, the comma-aware removal of one item from a call's arguments,
//! an import's names or a tuple's elements (ASY122 uses it too).

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{self as ast, Expr};
use ruff_python_parser::{lexer, Mode};
use ruff_python_trivia::{SimpleTokenKind, SimpleTokenizer};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::fix::{Edit, Fix};
use crate::names;
use crate::rules::{Hooks, Report, Rule};
use crate::settings::PythonVersion;

#[derive(Default)]
pub struct LoopArgument;

const TITLE: &str = "Remove the `loop` argument";

impl Rule for LoopArgument {
    fn hooks(&self) -> Hooks {
        Hooks {
            call: true,
            ..Hooks::default()
        }
    }

    fn check_call(&mut self, call: &ast::ExprCall, ctx: &Context, out: &mut Report) {
        let Some(keyword) = call.arguments.find_keyword("loop") else {
            return;
        };
        let Some(qualified) = ctx.qualified_name(&call.func) else {
            return;
        };
        let qualified = names::canonical_asyncio_name(&qualified);
        if !names::LOOP_PARAMETER_REMOVED.contains(&qualified.as_ref()) {
            return;
        }
        let diagnostic = Diagnostic::new(
            "ASY121",
            keyword.range(),
            format!("`loop` argument to `{qualified}` was removed in Python 3.10"),
        );
        out.push(match fix(call, keyword, ctx) {
            Some(fix) => diagnostic.with_fix(TITLE, fix),
            None => diagnostic.with_help(TITLE),
        });
    }
}

/// Removes the keyword and its comma. Unsafe when that deletes a comment, or when the passed loop
/// may not be the one the call would pick by itself: in synchronous code on Pythons before 3.10,
/// `asyncio.Lock()` or `gather()` without `loop` bind to `get_event_loop()`, which need not be
/// the loop passed. In async code the passed loop must be the running loop for the code to work,
/// and from 3.10 the argument raises `TypeError`.
fn fix(call: &ast::ExprCall, keyword: &ast::Keyword, ctx: &Context) -> Option<Fix> {
    let source = ctx.source();
    let arguments = &call.arguments;
    let items: Vec<TextRange> = arguments
        .iter_source_order()
        .map(|arg| arg.range())
        .collect();
    let index = items.iter().position(|range| *range == keyword.range())?;
    let removal = if items.len() == 1 {
        // The only argument: empty the parentheses.
        let inner = TextRange::new(
            arguments.start() + TextSize::from(1),
            arguments.end() - TextSize::from(1),
        );
        ListRemoval {
            edit: Edit::delete(inner),
            deletes_comment: contains_comment(&source[inner]),
        }
    } else {
        remove_list_item(source, &items, index)?
    };
    let loop_may_differ = !ctx.in_async_function()
        && ctx.target_version() < PythonVersion { minor: 10 }
        && !matches!(keyword.value, Expr::NoneLiteral(_));
    Some(if removal.deletes_comment || loop_may_differ {
        Fix::unsafe_(vec![removal.edit])
    } else {
        Fix::safe(vec![removal.edit])
    })
}

/// An edit that removes one item of a comma-separated list.
pub(crate) struct ListRemoval {
    pub edit: Edit,
    /// The edit deletes a comment (which makes a fix unsafe).
    pub deletes_comment: bool,
}

/// Removes `items[index]` from a comma-separated list of at least two items (`items` are the
/// items' ranges in source order), with its comma:
///
/// - an item alone on its line(s) (with its comma and an end-of-line comment) loses its lines;
/// - an item followed by another loses everything up to the next item (`f(x=1, y)` → `f(y)`);
/// - the last item loses the comma before it, and a trailing comma stays (`f(a, x=1,)` → `f(a,)`).
///
/// `None` when the commas are not where they should be (for example a `\` continuation that a
/// line deletion would break).
pub(crate) fn remove_list_item(
    source: &str,
    items: &[TextRange],
    index: usize,
) -> Option<ListRemoval> {
    let item = *items.get(index)?;
    if items.len() < 2 {
        return None;
    }
    let item_has_comment = contains_comment(&source[item]);

    // The comma after the item (and comments met before it).
    let mut after = SimpleTokenizer::starts_at(item.end(), source);
    let mut comment_before_comma = false;
    let mut comma_after = None;
    for token in after.by_ref() {
        match token.kind() {
            SimpleTokenKind::Comma => {
                comma_after = Some(token.range());
                break;
            }
            SimpleTokenKind::Comment => comment_before_comma = true,
            kind if kind.is_trivia() => {}
            // `)` of the list (or of a parenthesized item's closing bracket, which would be part
            // of the item's range for keywords but not for positional arguments).
            _ => break,
        }
    }

    if let Some(lines) = own_lines(source, item, comma_after) {
        return Some(ListRemoval {
            edit: Edit::delete(lines.range),
            deletes_comment: item_has_comment || comment_before_comma || lines.has_comment,
        });
    }

    if index + 1 < items.len() {
        // Delete up to the next token after the comma (keeping a comment that follows it).
        let comma = comma_after?;
        let next = SimpleTokenizer::starts_at(comma.end(), source).find(|token| {
            !matches!(
                token.kind(),
                SimpleTokenKind::Whitespace
                    | SimpleTokenKind::Newline
                    | SimpleTokenKind::Continuation
            )
        })?;
        return Some(ListRemoval {
            edit: Edit::delete(TextRange::new(item.start(), next.start())),
            deletes_comment: item_has_comment || comment_before_comma,
        });
    }

    // The last item: delete from the comma before it to its end.
    let previous = items[index - 1];
    let mut comment_after_comma = false;
    let mut comma_before = None;
    for token in SimpleTokenizer::new(source, TextRange::new(previous.end(), item.start())) {
        match token.kind() {
            SimpleTokenKind::Comma if comma_before.is_none() => comma_before = Some(token.range()),
            SimpleTokenKind::Comment if comma_before.is_some() => comment_after_comma = true,
            kind if kind.is_trivia() => {}
            // The closing bracket of a parenthesized previous item.
            SimpleTokenKind::RParen if comma_before.is_none() => {}
            // An opening bracket of a parenthesized item: its `)` is not in `item`.
            _ => return None,
        }
    }
    let comma = comma_before?;
    Some(ListRemoval {
        edit: Edit::delete(TextRange::new(comma.start(), item.end())),
        deletes_comment: item_has_comment || comment_after_comma,
    })
}

struct OwnLines {
    range: TextRange,
    has_comment: bool,
}

/// When the item (with its comma, if any, and an end-of-line comment) is alone on its lines: the
/// range of those whole lines, newline included.
fn own_lines(source: &str, item: TextRange, comma_after: Option<TextRange>) -> Option<OwnLines> {
    let line_start = source[..item.start().to_usize()]
        .rfind(['\n', '\r'])
        .map(|i| i + 1)?;
    if !source[line_start..item.start().to_usize()]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    // A `\` at the end of the line above would join it to what follows the deleted lines.
    if source[..line_start]
        .trim_end_matches(['\n', '\r'])
        .ends_with('\\')
    {
        return None;
    }
    let end = comma_after.map_or(item.end(), |comma| comma.end());
    let mut has_comment = false;
    for token in SimpleTokenizer::starts_at(end, source) {
        match token.kind() {
            SimpleTokenKind::Whitespace => {}
            SimpleTokenKind::Comment => has_comment = true,
            SimpleTokenKind::Newline => {
                return Some(OwnLines {
                    range: TextRange::new(TextSize::try_from(line_start).ok()?, token.end()),
                    has_comment,
                });
            }
            _ => return None,
        }
    }
    None
}

/// Does this source fragment (a whole number of tokens) contain a comment? Strings are lexed, so
/// a `#` inside one does not count.
pub(crate) fn contains_comment(text: &str) -> bool {
    if !text.contains('#') {
        return false;
    }
    let mut tokens = lexer::lex(text, Mode::ParenthesizedExpression);
    loop {
        match tokens.next_token() {
            TokenKind::Comment => return true,
            TokenKind::EndOfFile => return false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::{PySourceType, Stmt};
    use ruff_python_parser::parse_unchecked_source;

    use super::*;
    use crate::fix::apply_fixes;

    /// Removes the argument at `index` of the first statement's call.
    fn remove(source: &str, index: usize) -> (String, bool) {
        let parsed = parse_unchecked_source(source, PySourceType::Python);
        let Stmt::Expr(stmt) = &parsed.syntax().body[0] else {
            panic!("not an expression statement")
        };
        let Expr::Call(call) = stmt.value.as_ref() else {
            panic!("not a call")
        };
        let items: Vec<TextRange> = call
            .arguments
            .iter_source_order()
            .map(|arg| arg.range())
            .collect();
        let removal = remove_list_item(source, &items, index).expect("a removal");
        let fix = Fix::safe(vec![removal.edit]);
        (apply_fixes(source, &[&fix]).source, removal.deletes_comment)
    }

    #[test]
    fn removes_first_middle_and_last_items() {
        assert_eq!(remove("f(loop=l, x=1)\n", 0).0, "f(x=1)\n");
        assert_eq!(remove("f(a, loop=l, b)\n", 1).0, "f(a, b)\n");
        assert_eq!(remove("f(a, loop=l)\n", 1).0, "f(a)\n");
        assert_eq!(remove("f(a, loop=l,)\n", 1).0, "f(a,)\n");
        assert_eq!(remove("f((a), loop=(l))\n", 1).0, "f((a))\n");
        assert_eq!(remove("f(loop=l, (b))\n", 0).0, "f((b))\n");
        assert_eq!(remove("f(a, loop=l,\n  b)\n", 1).0, "f(a, b)\n");
    }

    #[test]
    fn removes_whole_lines_of_one_item_per_line_calls() {
        let source = "f(\n    a,\n    loop=l,\n    b,\n)\n";
        assert_eq!(
            remove(source, 1),
            ("f(\n    a,\n    b,\n)\n".to_string(), false)
        );
        let last = "f(\n    a,\n    loop=l\n)\n";
        assert_eq!(remove(last, 1).0, "f(\n    a,\n)\n");
        let crlf = "f(\r\n    a,\r\n    loop=l,\r\n)\r\n";
        assert_eq!(remove(crlf, 1).0, "f(\r\n    a,\r\n)\r\n");
    }

    #[test]
    fn reports_deleted_comments() {
        let source = "f(\n    a,\n    loop=l,  # the loop\n    b,\n)\n";
        assert_eq!(
            remove(source, 1),
            ("f(\n    a,\n    b,\n)\n".to_string(), true)
        );
        let before_comma = "f(a, loop=l  # x\n, b)\n";
        assert!(remove(before_comma, 1).1);
        let before_last = "f(a,  # x\n  loop=l)\n";
        assert_eq!(remove(before_last, 1), ("f(a)\n".to_string(), true));
        // A comment after the comma is kept.
        let kept = "f(a, loop=l,  # about b\n  b)\n";
        assert_eq!(
            remove(kept, 1),
            ("f(a, # about b\n  b)\n".to_string(), false)
        );
    }

    #[test]
    fn finds_comments_only_outside_strings() {
        assert!(!contains_comment("loop='#'"));
        assert!(contains_comment("loop=(l  # c\n)"));
        assert!(!contains_comment("loop=l"));
    }

    #[test]
    fn leaves_parenthesized_items_alone() {
        let parsed = parse_unchecked_source("f(a, (b))\n", PySourceType::Python);
        let Stmt::Expr(stmt) = &parsed.syntax().body[0] else {
            panic!()
        };
        let Expr::Call(call) = stmt.value.as_ref() else {
            panic!()
        };
        let items: Vec<TextRange> = call
            .arguments
            .iter_source_order()
            .map(|a| a.range())
            .collect();
        assert!(remove_list_item("f(a, (b))\n", &items, 1).is_none());
        assert!(remove_list_item("f(a, (b))\n", &items, 0).is_some());
    }

    fn applicability(source: &str, version: PythonVersion) -> Vec<Option<&'static str>> {
        let mut settings = crate::Settings::only("ASY121").unwrap();
        settings.target_version = version;
        crate::check_source(source, settings.rules, &settings, crate::FixMode::Check)
            .diagnostics
            .iter()
            .map(|d| d.fix.as_ref().map(|fix| fix.applicability.as_str()))
            .collect()
    }

    #[test]
    fn fix_is_unsafe_only_in_sync_code_before_3_10() {
        let source = "\
import asyncio

lock = asyncio.Lock(loop=loop)
event = asyncio.Event(loop=None)


async def f(loop):
    await asyncio.sleep(1, loop=loop)
";
        let py39 = PythonVersion::PY39;
        assert_eq!(
            applicability(source, py39),
            [Some("unsafe"), Some("safe"), Some("safe")]
        );
        let py310 = PythonVersion { minor: 10 };
        assert_eq!(
            applicability(source, py310),
            [Some("safe"), Some("safe"), Some("safe")]
        );
    }

    #[test]
    fn only_apis_that_removed_the_parameter() {
        let source = "\
import asyncio


async def f(loop, coro, **kwargs):
    asyncio.ensure_future(coro, loop=loop)
    asyncio.run_coroutine_threadsafe(coro, loop=loop)
    asyncio.Future(loop=loop)
    asyncio.sleep(1, **kwargs)
    asyncio.tasks.as_completed([], loop=loop)
    asyncio.streams.start_server(None, loop=loop)
    asyncio.queues.LifoQueue(loop=loop)
";
        assert_eq!(applicability(source, PythonVersion::PY39).len(), 3);
    }

    #[test]
    fn keeps_backslash_continuations_working() {
        assert_eq!(remove("f(a, \\\n  loop=l)\n", 1).0, "f(a)\n");
    }
}
