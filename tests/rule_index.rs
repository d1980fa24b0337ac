//! The three places a rule lives stay in step: `rules/ASYNNN.md` (its catalog page),
//! `src/rules/asyNNN_<snake_name>.rs` (its code) and one `rule!` line in `src/rules/mod.rs`
//! (the `RULES` table); and `docs/rules.md`, generated from the catalog, is up to date.
//!
//! Run `UPDATE_DOCS=1 cargo test --test rule_index` to regenerate `docs/rules.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use asyncheck::catalog;
use asyncheck::rules::{catalog_errors, infos, RULES};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// File names in `dir` with the given prefix and suffix, without the suffix.
fn stems(dir: &Path, prefix: &str, suffix: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix))
        .filter_map(|name| name.strip_suffix(suffix).map(str::to_string))
        .collect()
}

fn is_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("ASY") && code[3..].chars().all(|c| c.is_ascii_digit())
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `blocking-sleep-in-async-function` → `BlockingSleepInAsyncFunction`.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The file stem a rule's code lives in: `asy001_blocking_sleep_in_async_function`.
fn module_name(code: &str, name: &str) -> String {
    format!("{}_{}", code.to_ascii_lowercase(), name.replace('-', "_"))
}

/// The `rule!("CODE", module::Type)` entries of `src/rules/mod.rs`, in order.
fn rule_lines() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root().join("src/rules/mod.rs")).unwrap();
    let compact: String = text.split_whitespace().collect();
    compact
        .split("rule!(")
        .skip(1)
        .filter_map(|rest| {
            let (inside, _) = rest.split_once(')')?;
            let (code, path) = inside.split_once(',')?;
            let code = code.strip_prefix('"')?.strip_suffix('"')?;
            let (module, ty) = path.trim_end_matches(',').split_once("::")?;
            Some((code.to_string(), module.to_string(), ty.to_string()))
        })
        // The macro's own definition (`rule!($code:literal, …)`) is not an entry.
        .filter(|(code, _, _)| is_code(code))
        .collect()
}

#[test]
fn catalog_table_and_sources_correspond_one_to_one() {
    let mut problems: Vec<String> = Vec::new();
    let pages = stems(&root().join("rules"), "ASY", ".md");
    let sources = stems(&root().join("src/rules"), "asy", ".rs");
    let table: Vec<&str> = RULES.iter().map(|entry| entry.code).collect();

    // Every compiled-in page's front matter parses (the binary would run with placeholders).
    problems.extend(catalog_errors().iter().cloned());

    // Codes: well formed, unique, in order.
    let mut sorted = table.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != table.len() {
        problems.push(format!("RULES has duplicate codes: {table:?}"));
    } else if sorted != table {
        problems.push(format!("RULES is not in code order: {table:?}"));
    }
    for code in &table {
        if !is_code(code) {
            problems.push(format!("`{code}` is not a code of the form ASYNNN"));
        }
    }

    // Each catalog page has a RULES entry, and each entry a page.
    let table_set: BTreeSet<String> = table.iter().map(|code| code.to_string()).collect();
    for page in pages.difference(&table_set) {
        problems.push(format!(
            "rules/{page}.md has no entry in RULES (src/rules/mod.rs)"
        ));
    }
    for code in table_set.difference(&pages) {
        problems.push(format!(
            "RULES has {code}, but rules/{code}.md does not exist"
        ));
    }

    // Names: kebab-case and unique; each rule's code lives in `asyNNN_<snake_name>.rs`.
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut expected_sources = BTreeSet::new();
    for (entry, info) in RULES.iter().zip(infos()) {
        if info.code != entry.code {
            problems.push(format!(
                "rules/{}.md says code = {:?}",
                entry.code, info.code
            ));
        }
        if !is_kebab_case(&info.name) {
            problems.push(format!(
                "{}: name {:?} is not kebab-case",
                entry.code, info.name
            ));
        }
        if let Some(other) = names.insert(&info.name, entry.code) {
            problems.push(format!(
                "{} and {other} share the name {:?}",
                entry.code, info.name
            ));
        }
        let module = module_name(entry.code, &info.name);
        if !sources.contains(&module) {
            problems.push(format!(
                "{} ({}) should live in src/rules/{module}.rs",
                entry.code, info.name
            ));
        }
        expected_sources.insert(module);
    }
    for source in sources.difference(&expected_sources) {
        problems.push(format!(
            "src/rules/{source}.rs does not match any rule's code and name"
        ));
    }

    // The `rule!` lines name the module and the PascalCase type of each rule.
    let lines = rule_lines();
    let line_codes: Vec<&str> = lines.iter().map(|(code, _, _)| code.as_str()).collect();
    if line_codes != table {
        problems.push(format!(
            "could not read the rule! lines of src/rules/mod.rs as {table:?}: {line_codes:?}"
        ));
    }
    for ((code, module, ty), info) in lines.iter().zip(infos()) {
        let expected_module = module_name(code, &info.name);
        let expected_type = pascal_case(&info.name);
        if *module != expected_module || *ty != expected_type {
            problems.push(format!(
                "rule!(\"{code}\", {module}::{ty}) should be rule!(\"{code}\", {expected_module}::{expected_type})"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "rule index problems:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let path: PathBuf = root().join("docs/rules.md");
    let expected = catalog::rules_index_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some_and(|value| value == "1") {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let diff = similar::TextDiff::from_lines(&actual, &expected)
            .unified_diff()
            .header("docs/rules.md", "generated")
            .to_string();
        panic!(
            "docs/rules.md is out of date; regenerate it with \
             `UPDATE_DOCS=1 cargo test --test rule_index`:\n{diff}"
        );
    }
}

#[test]
fn helpers() {
    assert!(is_kebab_case("dangling-task"));
    assert!(is_kebab_case("asyncio-timeout-error-alias"));
    assert!(!is_kebab_case("Dangling-task"));
    assert!(!is_kebab_case("dangling_task"));
    assert!(!is_kebab_case("dangling--task"));
    assert!(!is_kebab_case("-task"));
    assert_eq!(pascal_case("loop-argument"), "LoopArgument");
    assert_eq!(
        module_name("ASY024", "event-loop-run-in-async-function"),
        "asy024_event_loop_run_in_async_function"
    );
    assert!(is_code("ASY122") && !is_code("ASY12") && !is_code("ABC123"));
}
