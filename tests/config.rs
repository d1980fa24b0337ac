//! Configuration: discovery, loading, selectors, per-file ignores, errors, the documented example,
//! and file discovery (`discover`), through the library's public API.

use std::fs;
use std::path::{Path, PathBuf};

use asyncheck::discover::discover;
use asyncheck::settings::{
    resolve, CliOverrides, ConfigError, ConfigErrorKind, OutputFormat, PythonVersion, RuleSet,
    Settings, KEYS,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// A temporary directory with the given files (parents created).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn resolve_in(dir: &Path) -> Settings {
    resolve(dir, &CliOverrides::default()).unwrap_or_else(|err| panic!("{err}"))
}

fn resolve_err(dir: &Path, cli: &CliOverrides) -> ConfigError {
    match resolve(dir, cli) {
        Ok(settings) => panic!("expected an error, got {settings:?}"),
        Err(err) => err,
    }
}

fn with_config(path: &Path) -> CliOverrides {
    CliOverrides {
        config: Some(path.to_path_buf()),
        ..CliOverrides::default()
    }
}

fn only(codes: &[&str]) -> RuleSet {
    let mut set = RuleSet::empty();
    for code in codes {
        set.insert(asyncheck::rules::index_of(code).unwrap());
    }
    set
}

fn asy001() -> RuleSet {
    only(&["ASY001"])
}

// ---- discovery of the configuration file ---------------------------------------------------------

#[test]
fn finds_the_nearest_pyproject_with_the_table_skipping_others() {
    let start = fixture("nested/pkg/sub");
    let settings = resolve_in(&start);
    assert_eq!(
        settings.config_path.as_deref(),
        Some(fixture("nested/pyproject.toml").as_path())
    );
    assert_eq!(settings.root, fixture("nested"));
    // requires-python of the file that holds the table, not of the skipped one (>=3.13).
    assert_eq!(settings.target_version, PythonVersion { minor: 11 });
    assert_eq!(settings.per_file_ignores.len(), 1);
}

#[test]
fn asyncheck_toml_uses_top_level_keys_and_wins_over_pyproject_beside_it() {
    let dir = tree(&[
        (
            "asyncheck.toml",
            "select = [\"ASY001\"]\ntarget-version = \"py312\"\n",
        ),
        (
            "pyproject.toml",
            "[tool.asyncheck]\ntarget-version = \"py38\"\n",
        ),
        ("src/app/__init__.py", ""),
    ]);
    let settings = resolve_in(&dir.path().join("src/app"));
    assert_eq!(
        settings.config_path.as_deref(),
        Some(dir.path().join("asyncheck.toml").as_path())
    );
    assert_eq!(settings.rules, asy001());
    assert_eq!(settings.target_version, PythonVersion { minor: 12 });
    assert_eq!(settings.root, dir.path());
}

#[test]
fn asyncheck_toml_infers_the_version_from_a_sibling_pyproject() {
    let dir = tree(&[
        ("asyncheck.toml", "ignore = []\n"),
        (
            "pyproject.toml",
            "[project]\nrequires-python = \">=3.12\"\n",
        ),
    ]);
    assert_eq!(
        resolve_in(dir.path()).target_version,
        PythonVersion { minor: 12 }
    );
}

#[test]
fn an_asyncheck_table_in_asyncheck_toml_is_an_unknown_key() {
    let dir = tree(&[("asyncheck.toml", "[tool.asyncheck]\nselect = []\n")]);
    let err = resolve_err(dir.path(), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::UnknownKey);
    assert_eq!((err.line(), err.column()), (Some(1), Some(2)));
}

#[test]
fn no_file_gives_defaults_rooted_at_the_start_directory() {
    let dir = tree(&[("pyproject.toml", "[project]\nname = \"x\"\n")]);
    let settings = resolve_in(dir.path());
    assert_eq!(settings.config_path, None);
    assert_eq!(settings.root, dir.path());
    assert_eq!(settings.rules, RuleSet::defaults());
    assert_eq!(settings.fixable, RuleSet::all());
    assert_eq!(settings.target_version, PythonVersion::PY39);
    assert_eq!(settings.output_format, OutputFormat::Full);
    assert!(settings.respect_gitignore && !settings.force_exclude && !settings.unsafe_fixes);
}

#[test]
fn explicit_config_is_used_and_relative_paths_follow_it() {
    let dir = tree(&[
        (
            "conf/strict.toml",
            "select = [\"ALL\"]\nexclude = [\"gen\"]\n",
        ),
        (
            "pyproject.toml",
            "[tool.asyncheck]\nselect = [\"ASY001\"]\n",
        ),
        ("work/a.py", ""),
    ]);
    let cli = with_config(&dir.path().join("conf/strict.toml"));
    let settings = resolve(&dir.path().join("work"), &cli).unwrap();
    assert_eq!(settings.rules, RuleSet::all());
    assert_eq!(settings.root, dir.path().join("conf"));
    assert!(settings.is_excluded(&dir.path().join("conf/gen")));
    // `gen` as a name matches anywhere, `conf/gen` only under the file's directory.
    assert!(settings.is_excluded(&dir.path().join("work/gen")));
}

#[test]
fn explicit_pyproject_without_the_table_gives_defaults() {
    let dir = tree(&[(
        "pyproject.toml",
        "[project]\nrequires-python = \">=3.10\"\n",
    )]);
    let settings = resolve(dir.path(), &with_config(&dir.path().join("pyproject.toml"))).unwrap();
    assert_eq!(settings.rules, RuleSet::defaults());
    assert_eq!(settings.target_version, PythonVersion { minor: 10 });
}

#[test]
fn a_missing_explicit_config_names_the_path() {
    let dir = tree(&[]);
    let missing = dir.path().join("nope.toml");
    let err = resolve_err(dir.path(), &with_config(&missing));
    assert_eq!(err.kind(), ConfigErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        format!("{}: configuration file not found", missing.display())
    );
}

#[test]
fn isolated_ignores_every_file() {
    let dir = tree(&[("pyproject.toml", "[tool.asyncheck]\nselekt = 1\n")]);
    let cli = CliOverrides {
        isolated: true,
        config: Some(dir.path().join("missing.toml")),
        extend_select: vec!["ALL".into()],
        ..CliOverrides::default()
    };
    let settings = resolve(dir.path(), &cli).unwrap();
    assert_eq!(settings.config_path, None);
    assert_eq!(settings.rules, RuleSet::all());
}

// ---- selectors and precedence --------------------------------------------------------------------

fn rules_with(select: &str) -> RuleSet {
    let dir = tree(&[("asyncheck.toml", &format!("select = [{select}]\n"))]);
    resolve_in(dir.path()).rules
}

#[test]
fn selectors_accept_codes_prefixes_names_and_all() {
    assert_eq!(rules_with("\"ASY001\""), asy001());
    assert!(rules_with("\"ASY0\"").contains_code("ASY001"));
    assert!(rules_with("\"ASY00\"").contains_code("ASY001"));
    assert!(rules_with("\"ASY\"").contains_code("ASY001"));
    assert_eq!(rules_with("\"blocking-sleep-in-async-function\""), asy001());
    assert_eq!(rules_with("\"ALL\""), RuleSet::all());
    assert_eq!(rules_with(""), RuleSet::empty());
}

#[test]
fn extend_select_adds_and_ignore_removes_by_specificity() {
    let dir = tree(&[(
        "asyncheck.toml",
        "select = []\nextend-select = [\"ASY001\"]\n",
    )]);
    assert_eq!(resolve_in(dir.path()).rules, asy001());
    let dir = tree(&[(
        "asyncheck.toml",
        "select = [\"ALL\"]\nignore = [\"ASY001\"]\n",
    )]);
    assert!(!resolve_in(dir.path()).rules.contains_code("ASY001"));
    let dir = tree(&[(
        "asyncheck.toml",
        "select = [\"ASY001\"]\nignore = [\"ASY\"]\n",
    )]);
    assert_eq!(resolve_in(dir.path()).rules, asy001());
}

#[test]
fn command_line_selectors_apply_on_top_of_the_file() {
    let dir = tree(&[(
        "asyncheck.toml",
        "select = [\"ALL\"]\nignore = [\"ASY001\"]\n",
    )]);
    // --extend-select adds on top of the file's selection.
    let cli = CliOverrides {
        extend_select: vec!["ASY001".into()],
        ..CliOverrides::default()
    };
    assert_eq!(resolve(dir.path(), &cli).unwrap().rules, RuleSet::all());
    // --select replaces the file's selection (its ignore included).
    let cli = CliOverrides {
        select: Some(vec!["ASY001".into()]),
        ..CliOverrides::default()
    };
    assert_eq!(resolve(dir.path(), &cli).unwrap().rules, asy001());
    // --ignore removes (and wins a tie of specificity); values may be comma-separated.
    let cli = CliOverrides {
        select: Some(vec!["ASY001,ALL".into()]),
        ignore: vec!["blocking-sleep-in-async-function".into()],
        ..CliOverrides::default()
    };
    let rules = resolve(dir.path(), &cli).unwrap().rules;
    assert_eq!(rules, RuleSet::all().difference(asy001()));
}

#[test]
fn unknown_command_line_selectors_are_errors_with_a_suggestion() {
    let dir = tree(&[]);
    let cli = CliOverrides {
        extend_select: vec!["ASY0001".into()],
        ..CliOverrides::default()
    };
    let err = resolve_err(dir.path(), &cli);
    assert_eq!(err.kind(), ConfigErrorKind::UnknownSelector);
    assert_eq!(
        err.to_string(),
        "unknown rule selector `ASY0001` in `--extend-select`; did you mean `ASY001`?"
    );
}

#[test]
fn fixable_defaults_to_all_minus_unfixable() {
    let dir = tree(&[("asyncheck.toml", "unfixable = [\"ASY001\"]\n")]);
    assert_eq!(
        resolve_in(dir.path()).fixable,
        RuleSet::all().difference(asy001())
    );
    let dir = tree(&[("asyncheck.toml", "fixable = [\"ASY001\"]\n")]);
    assert_eq!(resolve_in(dir.path()).fixable, asy001());
}

#[test]
fn command_line_scalars_override_the_file() {
    let dir = tree(&[(
        "asyncheck.toml",
        "target-version = \"py38\"\noutput-format = \"json\"\nunsafe-fixes = true\n",
    )]);
    let settings = resolve_in(dir.path());
    assert_eq!(settings.target_version, PythonVersion { minor: 8 });
    assert_eq!(settings.output_format, OutputFormat::Json);
    assert!(settings.unsafe_fixes);
    let cli = CliOverrides {
        target_version: Some("py313".into()),
        output_format: Some("github".into()),
        unsafe_fixes: Some(false),
        ..CliOverrides::default()
    };
    let settings = resolve(dir.path(), &cli).unwrap();
    assert_eq!(settings.target_version, PythonVersion { minor: 13 });
    assert_eq!(settings.output_format, OutputFormat::Github);
    assert!(!settings.unsafe_fixes);
    let cli = CliOverrides {
        target_version: Some("py27".into()),
        ..CliOverrides::default()
    };
    let err = resolve_err(dir.path(), &cli);
    assert_eq!(err.kind(), ConfigErrorKind::InvalidValue);
    assert!(
        err.to_string()
            .starts_with("invalid value for `--target-version`"),
        "{err}"
    );
    let cli = CliOverrides {
        output_format: Some("jsno".into()),
        ..CliOverrides::default()
    };
    assert!(resolve_err(dir.path(), &cli)
        .to_string()
        .ends_with("did you mean `json`?"));
}

// ---- target-version inference ------------------------------------------------------------------

#[test]
fn target_version_is_inferred_from_requires_python() {
    let version = |pyproject: &str| {
        let dir = tree(&[("pyproject.toml", pyproject)]);
        resolve_in(dir.path()).target_version
    };
    let table = "\n[tool.asyncheck]\n";
    assert_eq!(
        version(&format!("[project]\nrequires-python = \">=3.10\"\n{table}")),
        PythonVersion { minor: 10 }
    );
    assert_eq!(
        version(&format!(
            "[project]\nrequires-python = \">=3.11,<4\"\n{table}"
        )),
        PythonVersion::PY311
    );
    assert_eq!(
        version(&format!("[project]\nrequires-python = \">=3.6\"\n{table}")),
        PythonVersion { minor: 8 }
    );
    // An explicit target-version wins.
    assert_eq!(
        version(&format!(
            "[project]\nrequires-python = \">=3.10\"\n{table}target-version = \"py313\"\n"
        )),
        PythonVersion { minor: 13 }
    );
    // Neither: the default.
    assert_eq!(version(table), PythonVersion::PY39);
}

// ---- per-file-ignores --------------------------------------------------------------------------

#[test]
fn per_file_ignores_match_root_relative_paths_and_file_names() {
    let dir = tree(&[(
        "pyproject.toml",
        "[tool.asyncheck]\nselect = [\"ASY001\"]\n\n[tool.asyncheck.per-file-ignores]\n\
         \"tests/*\" = [\"ASY001\"]\n\"conftest.py\" = [\"ASY0\"]\n\"!src/**\" = []\n",
    )]);
    let settings = resolve(&dir.path().join("deeper/start"), &CliOverrides::default());
    // The search starts in a directory that does not exist yet: it still walks upward.
    let settings = settings.unwrap();
    let root = dir.path();
    assert_eq!(
        settings.rules_for(&root.join("tests/test_a.py")),
        RuleSet::empty()
    );
    assert_eq!(
        settings.rules_for(&root.join("tests/unit/test_b.py")),
        RuleSet::empty()
    );
    assert_eq!(
        settings.rules_for(&root.join("src/pkg/conftest.py")),
        RuleSet::empty()
    );
    assert_eq!(settings.rules_for(&root.join("src/app.py")), asy001());
    // Not relative to the start directory: a `tests` folder elsewhere is not `tests/*`.
    assert_eq!(settings.rules_for(&root.join("src/tests_x/a.py")), asy001());
}

#[test]
fn per_file_ignores_accept_relative_paths_from_the_current_directory() {
    // Tests run with the package root as the current directory.
    let settings = resolve(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &with_config(&fixture("nested/pyproject.toml")),
    )
    .unwrap();
    let inside = fixture("nested/tests/test_x.py");
    assert!(!settings.rules_for(&inside).contains_code("ASY001"));
    let relative = Path::new("tests/fixtures/config/nested/tests/test_x.py");
    assert!(!settings.rules_for(relative).contains_code("ASY001"));
    assert!(settings
        .rules_for(Path::new("tests/fixtures/config/nested/app.py"))
        .contains_code("ASY001"));
}

// ---- blocking calls ------------------------------------------------------------------------------

#[test]
fn blocking_calls_and_allowed_calls_are_compiled() {
    let dir = tree(&[(
        "pyproject.toml",
        r#"
[tool.asyncheck]
allowed-blocking-calls = ["mylib.cache.*", "fast.read"]

[tool.asyncheck.blocking-calls]
"mylib.*" = "generic"
"mylib.db.*" = "use `mylib.adb`"
"mylib.db.query" = "use `await mylib.adb.query(...)`"
"#,
    )]);
    let settings = resolve_in(dir.path());
    assert_eq!(
        settings.blocking_call_suggestion("mylib.db.query"),
        Some("use `await mylib.adb.query(...)`")
    );
    assert_eq!(
        settings.blocking_call_suggestion("mylib.db.sync.run"),
        Some("use `mylib.adb`")
    );
    assert_eq!(
        settings.blocking_call_suggestion("mylib.http"),
        Some("generic")
    );
    assert_eq!(settings.blocking_call_suggestion("otherlib.db"), None);
    assert!(settings.is_allowed_blocking_call("mylib.cache.get"));
    assert!(settings.is_allowed_blocking_call("fast.read"));
    assert!(!settings.is_allowed_blocking_call("fast.reader"));
}

// ---- errors --------------------------------------------------------------------------------------

#[test]
fn unknown_key_names_file_line_column_and_suggestion() {
    let err = resolve_err(&fixture("unknown_key"), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::UnknownKey);
    let path = fixture("unknown_key/pyproject.toml");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:7:1: unknown key `selekt` in [tool.asyncheck]; did you mean `select`?",
            path.display()
        )
    );
    assert_eq!(err.path(), Some(path.as_path()));
}

#[test]
fn wrong_type_names_the_key_and_what_was_found() {
    let err = resolve_err(&fixture("wrong_type"), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::InvalidType);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3:16: `unsafe-fixes` must be a boolean, found a string",
            fixture("wrong_type/pyproject.toml").display()
        )
    );
}

#[test]
fn unknown_selector_in_a_file_is_located_with_a_suggestion() {
    let err = resolve_err(&fixture("unknown_selector"), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::UnknownSelector);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:21: unknown rule selector `ASY0001` in `select`; did you mean `ASY001`?",
            fixture("unknown_selector/asyncheck.toml").display()
        )
    );
}

#[test]
fn bad_toml_names_file_line_and_the_parser_message() {
    let err = resolve_err(&fixture("bad_syntax"), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::Syntax);
    let text = err.to_string();
    let prefix = format!("{}:3:", fixture("bad_syntax/pyproject.toml").display());
    assert!(text.starts_with(&prefix), "{text}");
    assert!(text.contains(": invalid TOML: "), "{text}");
    assert_eq!(err.line(), Some(3));
}

#[test]
fn a_non_table_tool_asyncheck_is_an_error_not_skipped() {
    let dir = tree(&[("pyproject.toml", "[tool]\nasyncheck = 3\n")]);
    let err = resolve_err(&dir.path().join("sub"), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::InvalidType);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:13: `tool.asyncheck` must be a table",
            dir.path().join("pyproject.toml").display()
        )
    );
}

#[test]
fn toml_errors_are_one_line() {
    let dir = tree(&[("asyncheck.toml", "\ntarget-version = py311\n")]);
    let err = resolve_err(dir.path(), &CliOverrides::default());
    assert_eq!(err.kind(), ConfigErrorKind::Syntax);
    assert_eq!((err.line(), err.column()), (Some(2), Some(18)));
    assert!(!err.to_string().contains('\n'), "{err}");
}

#[test]
fn bad_values_are_errors_at_the_value() {
    let cases: &[(&str, ConfigErrorKind, &str)] = &[
        (
            "target-version = \"py37\"\n",
            ConfigErrorKind::InvalidValue,
            "1:18: invalid target version `py37`; expected one of py38, py39, py310, py311, py312, py313, py314",
        ),
        (
            "\noutput-format = \"text\"\n",
            ConfigErrorKind::InvalidValue,
            "2:17: invalid output format `text`; expected one of full, concise, json, sarif, github",
        ),
        (
            "exclude = [\"ok\", \"src/[oops\"]\n",
            ConfigErrorKind::InvalidValue,
            "1:18: invalid glob `src/[oops` in `exclude`: unclosed character class; missing ']'",
        ),
        (
            "[per-file-ignores]\n\"tests/*\" = \"ASY001\"\n",
            ConfigErrorKind::InvalidType,
            "2:13: `per-file-ignores` must be a list of strings, found a string",
        ),
        (
            "[per-file-ignores]\n\"tests/*\" = [\"ASY01x\"]\n",
            ConfigErrorKind::UnknownSelector,
            "2:14: unknown rule selector `ASY01x` in `per-file-ignores`",
        ),
        (
            "allowed-blocking-calls = [\"a b\"]\n",
            ConfigErrorKind::InvalidValue,
            "1:27: invalid qualified name `a b` in `allowed-blocking-calls`",
        ),
        (
            "[blocking-calls]\n\"mylib.db.*\" = 1\n",
            ConfigErrorKind::InvalidType,
            "2:16: the suggestion for `mylib.db.*` in `blocking-calls` must be a string, found an integer",
        ),
        (
            "respect_gitignore = false\n",
            ConfigErrorKind::UnknownKey,
            "1:1: unknown key `respect_gitignore` in asyncheck.toml; did you mean `respect-gitignore`?",
        ),
        (
            "select = \"ASY001\"\n",
            ConfigErrorKind::InvalidType,
            "1:10: `select` must be a list of strings, found a string",
        ),
    ];
    for (text, kind, expected) in cases {
        let dir = tree(&[("asyncheck.toml", text)]);
        let err = resolve_err(dir.path(), &CliOverrides::default());
        let path = dir.path().join("asyncheck.toml");
        let message = err.to_string();
        assert_eq!(err.kind(), *kind, "{message}");
        let expected = format!("{}:{expected}", path.display());
        assert!(
            message.starts_with(&expected),
            "{message}\n   expected: {expected}"
        );
    }
}

// ---- the documented example and docs -------------------------------------------------------------

#[test]
fn the_example_parses_and_sets_every_key() {
    let example = repo_file("pyproject-example.toml");
    let settings = resolve(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &with_config(&example),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(settings.config_path.as_deref(), Some(example.as_path()));
    assert_eq!(settings.target_version, PythonVersion::PY39);
    assert!(!settings.per_file_ignores.is_empty());
    assert!(!settings.blocking_calls.is_empty());

    let text = fs::read_to_string(&example).unwrap();
    let document: toml::Table = toml::from_str(&text).unwrap();
    let table = document["tool"]["asyncheck"].as_table().unwrap();
    let mut missing = Vec::new();
    for key in KEYS {
        if !table.contains_key(*key) {
            missing.push(*key);
        }
        // Each key has a comment right above it saying its default.
        let pattern = [format!("\n{key} = "), format!("\n[tool.asyncheck.{key}]")];
        let at = pattern.iter().find_map(|p| text.find(p.as_str()));
        let before = at.map(|at| &text[..at]).unwrap_or_default();
        let comment = before.rsplit("\n\n").next().unwrap_or_default();
        if !comment.contains("Default:") {
            missing.push(*key);
        }
    }
    assert!(
        missing.is_empty(),
        "pyproject-example.toml lacks (a documented) {missing:?}"
    );
    for key in table.keys() {
        assert!(
            KEYS.contains(&key.as_str()),
            "unknown key {key} in the example"
        );
    }
}

#[test]
fn the_docs_describe_every_key() {
    let docs = fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    let missing: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|key| !docs.contains(&format!("### `{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md lacks {missing:?}"
    );
}

// ---- discover ------------------------------------------------------------------------------------

fn relative(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|file| {
            file.strip_prefix(dir)
                .unwrap_or(file)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn project_tree() -> tempfile::TempDir {
    tree(&[
        (
            "pyproject.toml",
            "[tool.asyncheck]\nextend-exclude = [\"generated\", \"src/legacy\"]\n",
        ),
        (".gitignore", "ignored_by_git.py\nscratch/\n"),
        ("app.py", ""),
        ("stubs.pyi", ""),
        ("notes.txt", ""),
        ("ignored_by_git.py", ""),
        ("scratch/tmp.py", ""),
        ("src/pkg/__init__.py", ""),
        ("src/pkg/mod.py", ""),
        ("src/legacy/old.py", ""),
        ("src/pkg/generated/api.py", ""),
        (".venv/lib/site.py", ""),
        ("venv/lib/site.py", ""),
        ("build/lib/x.py", ""),
        ("node_modules/x/y.py", ""),
        ("pkg/__pycache__/c.py", ""),
        (".hidden/h.py", ""),
        ("dist/d.py", ""),
    ])
}

#[test]
fn discover_walks_python_files_skipping_ignored_and_excluded() {
    let dir = project_tree();
    let settings = resolve_in(dir.path());
    let (files, errors) = discover(&[dir.path().to_path_buf()], &settings);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        relative(dir.path(), &files),
        [
            "app.py",
            "src/pkg/__init__.py",
            "src/pkg/mod.py",
            "stubs.pyi"
        ]
    );
}

#[test]
fn discover_can_ignore_gitignore() {
    let dir = project_tree();
    let mut settings = resolve_in(dir.path());
    settings.respect_gitignore = false;
    let (files, _) = discover(&[dir.path().to_path_buf()], &settings);
    let files = relative(dir.path(), &files);
    assert!(
        files.contains(&"ignored_by_git.py".to_string()),
        "{files:?}"
    );
    assert!(files.contains(&"scratch/tmp.py".to_string()), "{files:?}");
}

#[test]
fn explicit_files_are_checked_unless_force_excluded() {
    let dir = project_tree();
    let explicit: Vec<PathBuf> = [
        "src/legacy/old.py",
        "ignored_by_git.py",
        "build/lib/x.py",
        "notes.txt",
        "app.py",
    ]
    .iter()
    .map(|name| dir.path().join(name))
    .collect();
    let mut settings = resolve_in(dir.path());
    let (files, errors) = discover(&explicit, &settings);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        relative(dir.path(), &files),
        [
            "app.py",
            "build/lib/x.py",
            "ignored_by_git.py",
            "notes.txt",
            "src/legacy/old.py"
        ]
    );
    settings.force_exclude = true;
    let (files, _) = discover(&explicit, &settings);
    assert_eq!(
        relative(dir.path(), &files),
        ["app.py", "ignored_by_git.py", "notes.txt"]
    );
    // An explicit excluded directory is skipped too with force-exclude, entered without it.
    let (files, _) = discover(&[dir.path().join("src/legacy")], &settings);
    assert!(files.is_empty(), "{files:?}");
    settings.force_exclude = false;
    let (files, _) = discover(&[dir.path().join("build")], &settings);
    assert_eq!(relative(dir.path(), &files), ["build/lib/x.py"]);
}

#[test]
fn missing_paths_are_errors_and_duplicates_are_dropped() {
    let dir = project_tree();
    let settings = resolve_in(dir.path());
    let missing = dir.path().join("nope.py");
    let paths = vec![
        dir.path().join("src"),
        dir.path().join("src/pkg/mod.py"),
        missing.clone(),
    ];
    let (files, errors) = discover(&paths, &settings);
    assert_eq!(
        relative(dir.path(), &files),
        ["src/pkg/__init__.py", "src/pkg/mod.py"]
    );
    assert_eq!(
        errors,
        vec![(missing, "No such file or directory".to_string())]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    let dir = tree(&[("a/x.py", "")]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a/x.py"), dir.path().join("link.py")).unwrap();
    let settings = Settings {
        root: dir.path().to_path_buf(),
        ..Settings::default()
    };
    let (files, errors) = discover(&[dir.path().to_path_buf()], &settings);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(relative(dir.path(), &files), ["a/x.py", "link.py"]);
}

#[test]
fn discover_handles_many_files() {
    let dir = tempfile::tempdir().unwrap();
    for package in 0..50 {
        let package_dir = dir.path().join(format!("pkg{package}"));
        fs::create_dir_all(&package_dir).unwrap();
        for module in 0..40 {
            fs::write(package_dir.join(format!("m{module}.py")), "").unwrap();
        }
    }
    let settings = resolve_in(dir.path());
    let (files, errors) = discover(&[dir.path().to_path_buf()], &settings);
    assert!(errors.is_empty());
    assert_eq!(files.len(), 2000);
    assert!(files.windows(2).all(|pair| pair[0] < pair[1]));
}
