//! Grammar-shaped mutations of Python source: whole lines moved, duplicated, indented or wrapped
//! in a new block, API names swapped, tokens and hostile characters inserted, line endings
//! changed. Shared by the bounded property test (`tests/reliability.rs`) and the `python`
//! cargo-fuzz target (its custom mutator), which include this file by path. Deterministic for a
//! given [`Rng`] seed.

// Each includer uses a different part of this file.
#![allow(dead_code)]

/// A small, fast PRNG (SplitMix64): the same seed always gives the same mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Statements and blocks the rules care about, spliced in at line boundaries (re-indented).
pub const FRAGMENTS: &[&str] = &[
    "import asyncio\n",
    "import time\n",
    "import trio\n",
    "import anyio\n",
    "import requests\n",
    "import subprocess, os, socket, threading\n",
    "from asyncio import sleep, create_task, gather, get_event_loop\n",
    "from time import sleep as nap\n",
    "from __future__ import annotations\n",
    "\"\"\"Docstring.\"\"\"\n",
    "async def f():\n    time.sleep(1)\n",
    "async def g(x):\n    await asyncio.sleep(0)\n    return x\n",
    "time.sleep(1)\n",
    "nap(2)\n",
    "requests.get(url)\n",
    "open('f').read()\n",
    "subprocess.run(['ls'])\n",
    "asyncio.create_task(coro())\n",
    "task = asyncio.ensure_future(coro())\n",
    "coro()\n",
    "await coro()\n",
    "loop = asyncio.get_event_loop()\n",
    "loop.run_until_complete(main())\n",
    "asyncio.run(main())\n",
    "asyncio.wait_for(x, timeout=1, loop=loop)\n",
    "asyncio.gather(a(), b(), loop=loop)\n",
    "with trio.move_on_after(1):\n    pass\n",
    "async with asyncio.timeout(1):\n    pass\n",
    "async with anyio.create_task_group() as tg:\n    tg.start_soon(f)\n",
    "async with asyncio.TaskGroup() as tg:\n    tg.create_task(f())\n",
    "try:\n    await x\nexcept asyncio.CancelledError:\n    pass\n",
    "try:\n    await x\nexcept BaseException:\n    pass\n",
    "try:\n    await x\nexcept:\n    pass\nfinally:\n    await y\n",
    "except Exception as e:\n    raise\n",
    "while True:\n    pass\n",
    "for i in range(10):\n    await asyncio.sleep(0)\n",
    "async for item in aiter():\n    yield item\n",
    "return await x\n",
    "yield\n",
    "lambda: time.sleep(1)\n",
    "class C:\n    async def m(self):\n        self.s = requests.Session()\n        self.s.get(u)\n",
    "@asynccontextmanager\nasync def cm():\n    yield\n",
    "def sync():\n    time.sleep(1)\n",
    "x = [await y async for y in z]\n",
    "x = f'{await y}'\n",
    "match x:\n    case 1:\n        pass\n",
    "if TYPE_CHECKING:\n    import requests\n",
    "global x\n",
    "nonlocal x\n",
    "del x\n",
    "x: int = 1\n",
    "time.sleep(1)  # noqa\n",
    "time.sleep(1)  # noqa: ASY001\n",
    "time.sleep(1)  # noqa: ASY999, ASY0\n",
    "# asyncheck: target-version = \"py311\"\n",
    "pass\n",
    "...\n",
    "\\\n",
    "\n",
];

/// Block headers a range of lines is wrapped in (the range is indented under it).
pub const HEADERS: &[&str] = &[
    "async def f():",
    "def f():",
    "async def f(*args, loop=None, **kw):",
    "class C:",
    "if x:",
    "else:",
    "elif y:",
    "while True:",
    "for i in x:",
    "async for i in x:",
    "with a as b:",
    "async with a as b, c:",
    "with trio.CancelScope() as scope:",
    "async with asyncio.timeout(1):",
    "try:",
    "except Exception:",
    "except* ValueError:",
    "finally:",
    "match x:",
    "case _:",
    "@decorator",
    "async def f() -> None:  # noqa",
];

/// Names and expressions swapped in for identifiers.
pub const NAMES: &[&str] = &[
    "time.sleep",
    "asyncio.sleep",
    "trio.sleep",
    "anyio.sleep",
    "requests.get",
    "requests.Session().post",
    "httpx.get",
    "urllib.request.urlopen",
    "open",
    "subprocess.run",
    "subprocess.Popen",
    "os.system",
    "socket.socket().recv",
    "input",
    "asyncio.create_task",
    "asyncio.ensure_future",
    "asyncio.get_event_loop",
    "asyncio.wait_for",
    "asyncio.gather",
    "asyncio.shield",
    "asyncio.Lock()",
    "threading.Lock()",
    "loop.run_in_executor",
    "asyncio.to_thread",
    "trio.to_thread.run_sync",
    "anyio.to_thread.run_sync",
    "functools.partial",
    "await",
    "async",
    "self",
    "x",
    "_",
    "None",
    "lambda: 0",
    "print",
];

/// Tokens and characters inserted at any character boundary.
pub const TOKENS: &[&str] = &[
    "await ",
    "async ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    ":=",
    "*",
    "**",
    "->",
    "@",
    "'",
    "\"",
    "\"\"\"",
    "'''",
    "f'",
    "b'",
    "r'",
    "\\",
    "\\\n",
    "#",
    "# noqa",
    " ",
    "    ",
    "\t",
    "\u{c}",
    "\r",
    "\r\n",
    "\n",
    "\0",
    "\u{feff}",
    "é",
    "\u{1F600}",
    "\u{2028}",
    "yield ",
    "return ",
    "not ",
    "lambda ",
    "import ",
    "from ",
    "del ",
    ";",
    "0",
    "1_000",
    "0x",
    "1e",
    "...",
];

/// Applies one random grammar-shaped mutation to `data`, splicing from `donor` when it helps.
pub fn mutate(data: &mut Vec<u8>, donor: &[u8], rng: &mut Rng) {
    let lines = split_lines(data);
    match rng.below(14) {
        0 if !lines.is_empty() => {
            let (start, end) = line_span(&lines, rng);
            data.drain(start..end);
        }
        1 if !lines.is_empty() => {
            let (start, end) = line_span(&lines, rng);
            let copy = data[start..end].to_vec();
            let at = lines[rng.below(lines.len())].0;
            data.splice(at..at, copy);
        }
        2 if lines.len() >= 2 => {
            let a = lines[rng.below(lines.len())];
            let b = lines[rng.below(lines.len())];
            let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            if first.1 <= second.0 {
                let mut out = data[..first.0].to_vec();
                out.extend_from_slice(&data[second.0..second.1]);
                out.extend_from_slice(&data[first.1..second.0]);
                out.extend_from_slice(&data[first.0..first.1]);
                out.extend_from_slice(&data[second.1..]);
                *data = out;
            }
        }
        3 if !lines.is_empty() => {
            let unit: &[u8] = if rng.below(4) == 0 { b"\t" } else { b"    " };
            reindent(data, &lines, rng, |line| {
                let mut out = unit.to_vec();
                out.extend_from_slice(line);
                out
            });
        }
        4 if !lines.is_empty() => reindent(data, &lines, rng, |line| {
            let strip = line.iter().take(4).take_while(|&&b| b == b' ').count();
            line[strip..].to_vec()
        }),
        5 => {
            let (at, indent) = line_start(data, &lines, rng);
            let fragment = indented(rng.pick(FRAGMENTS).as_bytes(), &indent);
            data.splice(at..at, fragment);
        }
        6 if !lines.is_empty() => {
            // Wrap a range of lines in a new block.
            let (start, end) = line_span(&lines, rng);
            let indent = indentation(&data[start..end]);
            let mut block = indent.clone();
            block.extend_from_slice(rng.pick(HEADERS).as_bytes());
            block.push(b'\n');
            if rng.below(3) == 0 {
                block.extend_from_slice(&indent);
                block.extend_from_slice(b"    pass\n");
            }
            for line in split_lines(&data[start..end]) {
                block.extend_from_slice(b"    ");
                block.extend_from_slice(&data[start + line.0..start + line.1]);
            }
            data.splice(start..end, block);
        }
        7 => {
            // Replace an identifier (with its dotted tail) by an API name.
            let idents = identifiers(data);
            if let Some(&(start, end)) = idents.get(rng.below(idents.len())) {
                data.splice(start..end, rng.pick(NAMES).bytes());
            }
        }
        8 => {
            let at = char_boundary(data, rng.below(data.len() + 1));
            data.splice(at..at, rng.pick(TOKENS).bytes());
        }
        9 if !data.is_empty() => {
            let start = char_boundary(data, rng.below(data.len()));
            let end = char_boundary(data, (start + 1 + rng.below(8)).min(data.len()));
            data.drain(start..end);
        }
        10 => {
            let ending: &[u8] = match rng.below(3) {
                0 => b"\r\n",
                1 => b"\r",
                _ => b"\n",
            };
            let text = String::from_utf8_lossy(data).replace("\r\n", "\n");
            let mut out = Vec::with_capacity(text.len());
            for piece in text.split_inclusive('\n') {
                match piece.strip_suffix('\n') {
                    Some(line) => {
                        out.extend_from_slice(line.as_bytes());
                        out.extend_from_slice(ending);
                    }
                    None => out.extend_from_slice(piece.as_bytes()),
                }
            }
            *data = out;
        }
        11 if !donor.is_empty() => {
            let donor_lines = split_lines(donor);
            if !donor_lines.is_empty() {
                let (start, end) = line_span(&donor_lines, rng);
                let (at, _) = line_start(data, &lines, rng);
                data.splice(at..at, donor[start..end].iter().copied());
            }
        }
        12 => toggle(data, rng, b"async def ", b"def "),
        13 => toggle(data, rng, b"await ", b""),
        _ => {
            let at = char_boundary(data, rng.below(data.len() + 1));
            data.splice(at..at, rng.pick(TOKENS).bytes());
        }
    }
}

/// `(start, end)` byte offsets of each line, its ending included.
fn split_lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            lines.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < data.len() {
        lines.push((start, data.len()));
    }
    lines
}

/// A short run of consecutive lines, as a byte span.
fn line_span(lines: &[(usize, usize)], rng: &mut Rng) -> (usize, usize) {
    let first = rng.below(lines.len());
    let last = (first + rng.below(4)).min(lines.len() - 1);
    (lines[first].0, lines[last].1)
}

/// The start of a random line (or the end of the data) and that line's indentation.
fn line_start(data: &[u8], lines: &[(usize, usize)], rng: &mut Rng) -> (usize, Vec<u8>) {
    let index = rng.below(lines.len() + 1);
    match lines.get(index) {
        Some(&(start, end)) => (start, indentation(&data[start..end])),
        None => (data.len(), Vec::new()),
    }
}

fn indentation(line: &[u8]) -> Vec<u8> {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .copied()
        .collect()
}

fn indented(fragment: &[u8], indent: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (start, end) in split_lines(fragment) {
        out.extend_from_slice(indent);
        out.extend_from_slice(&fragment[start..end]);
    }
    out
}

fn reindent(
    data: &mut Vec<u8>,
    lines: &[(usize, usize)],
    rng: &mut Rng,
    change: impl Fn(&[u8]) -> Vec<u8>,
) {
    let (start, end) = line_span(lines, rng);
    let mut out = Vec::new();
    for (a, b) in split_lines(&data[start..end]) {
        out.extend(change(&data[start + a..start + b]));
    }
    data.splice(start..end, out);
}

/// Spans of identifiers with their dotted tails (`a.b.c`).
fn identifiers(data: &[u8]) -> Vec<(usize, usize)> {
    let is_start = |b: u8| b.is_ascii_alphabetic() || b == b'_';
    let is_part = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let mut spans = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if is_start(data[i]) && (i == 0 || !is_part(data[i - 1])) {
            let start = i;
            while i < data.len() && is_part(data[i]) {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// Replaces one occurrence of `a` by `b`, or of `b` by `a` (an empty `b` means: insert `a` before
/// a random identifier).
fn toggle(data: &mut Vec<u8>, rng: &mut Rng, a: &[u8], b: &[u8]) {
    let found: Vec<usize> = data
        .windows(a.len())
        .enumerate()
        .filter(|(_, w)| *w == a)
        .map(|(i, _)| i)
        .collect();
    if !found.is_empty() && rng.below(2) == 0 {
        let at = found[rng.below(found.len())];
        data.splice(at..at + a.len(), b.iter().copied());
    } else if b.is_empty() {
        let idents = identifiers(data);
        if let Some(&(start, _)) = idents.get(rng.below(idents.len())) {
            data.splice(start..start, a.iter().copied());
        }
    } else {
        let found: Vec<usize> = data
            .windows(b.len())
            .enumerate()
            .filter(|(_, w)| *w == b)
            .map(|(i, _)| i)
            .collect();
        if !found.is_empty() {
            let at = found[rng.below(found.len())];
            data.splice(at..at + b.len(), a.iter().copied());
        }
    }
}

/// The nearest UTF-8 character boundary at or after `at` (any byte offset in non-UTF-8 data).
fn char_boundary(data: &[u8], mut at: usize) -> usize {
    while at < data.len() && (data[at] & 0xC0) == 0x80 {
        at += 1;
    }
    at
}
