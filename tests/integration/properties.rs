//! Property tests on the chain (proptest): random repositories, described
//! as the facts their files give (settings reads with and without defaults,
//! fallback chains, workflow writes from secrets and literals, an optional
//! secrets inventory), joined by the real chain model, judged by the real
//! rules and rendered by the real renderers.
//!
//! - renaming keys consistently everywhere changes nothing but the names;
//! - adding a write of a key `unset-*` reported removes that finding;
//! - the output does not depend on the order the files come in;
//! - `trace` says a key reaches the app exactly when `check` reports no
//!   unset-family finding on it, and the table and the Markdown matrix show
//!   the same verdict in every cell (also on every fixture).

use std::collections::BTreeSet;

use envtrail::chain::verdict::Defaulting;
use envtrail::chain::{Chain, Inventory, Verdict};
use envtrail::facts::{
    Consumer, DefaultValue, EnvRead, EnvWrite, Facts, OpaqueKind, OpaqueStage, ReadVia, SecretRef,
    Source, WriteVia,
};
use envtrail::location::Location;
use envtrail::render::{Format, RenderOptions};
use envtrail::report::Report;
use envtrail::rules::RuleId;
use proptest::prelude::*;

/// Key names with no token in common (so no pair is a near-miss of another)
/// and the names they are renamed to: the renaming keeps their sort order
/// (everything sorted by key stays in the same order) and their length (the
/// table's columns keep their width).
const NAMES: [&str; 6] = [
    "APPLE_TOKEN",
    "BRIDGE_HOST",
    "CANDLE_PORT",
    "DOLPHIN_URL",
    "EMBER_SALT",
    "FOREST_MODE",
];
const RENAMED: [&str; 6] = [
    "GRAPE_TOKEN",
    "HARBOR_HOST",
    "INSECT_PORT",
    "JASMINE_URL",
    "KAYAK_SALT",
    "LOCUST_MODE",
];

#[derive(Debug, Clone)]
enum ReadForm {
    /// `os.environ["K"]`
    Required,
    /// `os.getenv("K", "8000")`
    Defaulted,
    /// `os.getenv("K")`
    NoneDefault,
    /// `os.getenv("K", os.getenv("ALIAS", ""))`
    Fallback(usize),
}

#[derive(Debug, Clone)]
struct ReadSpec {
    key: usize,
    form: ReadForm,
    file: usize,
}

#[derive(Debug, Clone, Copy)]
enum WriteForm {
    /// `echo "K=${{ secrets.K }}" >> .env`
    EchoSecret,
    /// `env: {K: literal}` of the job
    WorkflowEnvLiteral,
    /// `echo "K=${{ vars.K }}" >> $GITHUB_ENV`
    GithubEnvVar,
}

#[derive(Debug, Clone)]
struct WriteSpec {
    key: usize,
    form: WriteForm,
    file: usize,
}

#[derive(Debug, Clone)]
struct Model {
    reads: Vec<ReadSpec>,
    writes: Vec<WriteSpec>,
    /// Key indexes the secrets inventory holds, when one is given.
    inventory: Option<BTreeSet<usize>>,
    /// A deploy workflow calls a reusable workflow of another repository:
    /// a stage envtrail cannot see, so unset keys become unknown.
    remote_workflow: bool,
}

fn model() -> impl Strategy<Value = Model> {
    let read = (
        0..NAMES.len(),
        prop_oneof![
            Just(ReadForm::Required),
            Just(ReadForm::Defaulted),
            Just(ReadForm::NoneDefault),
            (0..NAMES.len()).prop_map(ReadForm::Fallback),
        ],
        0..3usize,
    )
        .prop_map(|(key, form, file)| ReadSpec { key, form, file });
    let write = (
        0..NAMES.len(),
        prop_oneof![
            Just(WriteForm::EchoSecret),
            Just(WriteForm::WorkflowEnvLiteral),
            Just(WriteForm::GithubEnvVar),
        ],
        0..3usize,
    )
        .prop_map(|(key, form, file)| WriteSpec { key, form, file });
    (
        prop::collection::vec(read, 0..8),
        prop::collection::vec(write, 0..8),
        prop::option::of(prop::collection::btree_set(0..NAMES.len(), 0..4)),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(reads, writes, inventory, remote_workflow)| Model {
            reads,
            writes,
            inventory,
            remote_workflow,
        })
}

/// The facts of each file of the model, one `Facts` per file, with the
/// keys spelled by `names`. Each fact has its own line, as in real files.
fn file_facts(model: &Model, names: &[&str; 6]) -> Vec<Facts> {
    let mut files: Vec<Facts> = (0..6).map(|_| Facts::default()).collect();
    for (row, read) in model.reads.iter().enumerate() {
        let row = row as u32;
        let file = format!("app/settings{}.py", read.file);
        let key = names[read.key].to_string();
        let at = Location::new(&file, row, 4);
        let facts = &mut files[read.file];
        match &read.form {
            ReadForm::Required => {
                let mut r = EnvRead::new(Some(key), at, ReadVia::OsEnviron, Consumer::App);
                r.required = true;
                facts.reads.push(r);
            }
            ReadForm::Defaulted | ReadForm::NoneDefault => {
                let mut r = EnvRead::new(Some(key), at, ReadVia::OsGetenv, Consumer::App);
                r.has_default = true;
                r.default = Some(match read.form {
                    ReadForm::Defaulted => DefaultValue::Str("8000".into()),
                    _ => DefaultValue::None,
                });
                facts.reads.push(r);
            }
            ReadForm::Fallback(alias) => {
                let alias = names[*alias].to_string();
                let mut head =
                    EnvRead::new(Some(key.clone()), at, ReadVia::OsGetenv, Consumer::App);
                head.has_default = true;
                if alias != key {
                    head.chain.push(alias.clone());
                    let mut nested = EnvRead::new(
                        Some(alias),
                        Location::new(&file, row, 30),
                        ReadVia::OsGetenv,
                        Consumer::App,
                    );
                    nested.has_default = true;
                    nested.default = Some(DefaultValue::Str(String::new()));
                    nested.fallback_of = Some(key);
                    facts.reads.push(head);
                    facts.reads.push(nested);
                } else {
                    head.default = Some(DefaultValue::Str(String::new()));
                    facts.reads.push(head);
                }
            }
        }
    }
    for (row, write) in model.writes.iter().enumerate() {
        let row = row as u32;
        let file = format!(".github/workflows/deploy{}.yml", write.file);
        let key = names[write.key].to_string();
        let at = Location::new(&file, row, 10);
        let facts = &mut files[3 + write.file];
        let (via, source, sink) = match write.form {
            WriteForm::EchoSecret => {
                facts.secret_refs.push(SecretRef {
                    name: key.clone(),
                    location: Location::new(&file, row, 20),
                    declaration: false,
                    scope: envtrail::facts::SecretScope::Unknown,
                });
                (
                    WriteVia::DotenvEcho,
                    Source::Secret(key.clone()),
                    Some(".env".to_string()),
                )
            }
            WriteForm::WorkflowEnvLiteral => (WriteVia::WorkflowEnv, Source::Literal, None),
            WriteForm::GithubEnvVar => (WriteVia::GithubEnv, Source::Var(key.clone()), None),
        };
        facts.writes.push(EnvWrite {
            key,
            location: at,
            via,
            source,
            sink,
            target: Some(format!("{file}#deploy")),
            remote: false,
        });
    }
    if model.remote_workflow {
        files[3].opaque_stages.push(OpaqueStage {
            kind: OpaqueKind::RemoteWorkflow {
                uses: "org/deploy/.github/workflows/app.yml@v1".into(),
            },
            location: Location::new(".github/workflows/deploy0.yml", 40, 6),
            scope: String::new(),
        });
    }
    files
}

fn inventory(model: &Model, names: &[&str; 6]) -> Option<Inventory> {
    model.inventory.as_ref().map(|keys| {
        Inventory::repository(
            keys.iter().map(|&k| names[k].to_string()).collect(),
            "secrets.txt",
        )
    })
}

/// The audit of the files' facts taken in `order`.
fn audit(files: &[Facts], order: &[usize], inventory: Option<Inventory>) -> Report {
    let mut facts = Facts::default();
    for &i in order {
        facts.extend(files[i].clone());
    }
    let chain = Chain::build(facts, inventory);
    let findings = envtrail::rules::run(&chain);
    Report {
        root: "repo".into(),
        repo_root: None,
        chain,
        findings,
    }
}

fn rendered(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    envtrail::render::render(format, report, &RenderOptions::default(), &mut out).expect("renders");
    String::from_utf8(out).expect("UTF-8")
}

fn in_order() -> Vec<usize> {
    (0..6).collect()
}

fn renamed(text: &str) -> String {
    NAMES
        .iter()
        .zip(RENAMED)
        .fold(text.to_string(), |text, (from, to)| text.replace(from, to))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn renaming_keys_changes_nothing_but_the_names(model in model()) {
        let original = audit(&file_facts(&model, &NAMES), &in_order(), inventory(&model, &NAMES));
        let renamed_report =
            audit(&file_facts(&model, &RENAMED), &in_order(), inventory(&model, &RENAMED));
        for format in [Format::Json, Format::Table, Format::Markdown, Format::Github] {
            prop_assert_eq!(
                renamed(&rendered(&original, format)),
                rendered(&renamed_report, format),
                "{:?}", format
            );
        }
    }

    #[test]
    fn writing_a_key_unset_reported_removes_the_finding(model in model()) {
        let before = audit(&file_facts(&model, &NAMES), &in_order(), inventory(&model, &NAMES));
        let unset: Vec<(RuleId, String)> = before
            .findings
            .iter()
            .filter(|f| matches!(f.rule, RuleId::UnsetRequired | RuleId::UnsetDefaulted))
            .filter_map(|f| Some((f.rule, f.key.clone()?)))
            .collect();
        for (rule, key) in unset {
            let mut fixed = model.clone();
            let index = NAMES.iter().position(|n| *n == key).expect("a model key");
            fixed.writes.push(WriteSpec { key: index, form: WriteForm::WorkflowEnvLiteral, file: 2 });
            let after = audit(&file_facts(&fixed, &NAMES), &in_order(), inventory(&fixed, &NAMES));
            prop_assert!(
                !after.findings.iter().any(|f| f.rule == rule && f.key.as_deref() == Some(key.as_str())),
                "{:?} on {} survived a write of it", rule, key
            );
            // Nothing else becomes unset by writing a key.
            let unset_keys = |r: &Report| -> BTreeSet<String> {
                r.findings
                    .iter()
                    .filter(|f| matches!(f.rule, RuleId::UnsetRequired | RuleId::UnsetDefaulted))
                    .filter_map(|f| f.key.clone())
                    .collect()
            };
            prop_assert!(unset_keys(&after).is_subset(&unset_keys(&before)));
        }
    }

    #[test]
    fn output_does_not_depend_on_file_order(
        model in model(),
        order in Just(in_order()).prop_shuffle(),
    ) {
        let files = file_facts(&model, &NAMES);
        let sorted = audit(&files, &in_order(), inventory(&model, &NAMES));
        let shuffled = audit(&files, &order, inventory(&model, &NAMES));
        prop_assert_eq!(&sorted.findings, &shuffled.findings);
        for format in [Format::Json, Format::Table, Format::Markdown, Format::Sarif, Format::Github] {
            prop_assert_eq!(
                rendered(&sorted, format),
                rendered(&shuffled, format),
                "{:?}", format
            );
        }
    }
}

/// The rules that report a key the verdict says does not reach the app.
const UNSET_FAMILY: [RuleId; 4] = [
    RuleId::UnsetRequired,
    RuleId::UnsetDefaulted,
    RuleId::SecretUnwritten,
    RuleId::ReachUnknown,
];

/// For every key the app reads: `trace` says the value reaches the app
/// exactly when `check` reports no unset-family finding on it, in JSON and
/// in words. Findings are taken before suppressions (a user's choice).
fn trace_agrees_with_check(report: &Report) -> Result<(), String> {
    let findings = envtrail::rules::run(&report.chain);
    for (key, row) in &report.chain.rows {
        if row.verdict.is_none() {
            continue; // not read, or read only as another key's fallback
        }
        let trace = envtrail::trace::build(report, key);
        let reaches = trace.breaks.is_none();
        let reported: Vec<RuleId> = findings
            .iter()
            .filter(|f| f.key.as_deref() == Some(key.as_str()) && UNSET_FAMILY.contains(&f.rule))
            .map(|f| f.rule)
            .collect();
        // A read whose branch does not run without the key misses nothing.
        let not_run = matches!(
            row.verdict(),
            Some(Verdict::Defaulted {
                default: Defaulting::Branch { .. },
                ..
            })
        );
        if reaches != reported.is_empty() && !(not_run && reported.is_empty()) {
            return Err(format!(
                "{key}: trace reach={} breaks={:?}, check reports {reported:?}",
                trace.reach, trace.breaks
            ));
        }
        let mut text = Vec::new();
        envtrail::trace::render_text(&trace, &mut text).map_err(|e| e.to_string())?;
        let says_reaches = String::from_utf8_lossy(&text).contains("✓ the value reaches the app");
        if says_reaches != reaches {
            return Err(format!("{key}: the trace text disagrees with its JSON"));
        }
    }
    Ok(())
}

/// A cell's state, whatever the renderer's glyphs.
fn cell_state(cell: &str) -> &'static str {
    let cell = cell.trim();
    match cell {
        c if c.starts_with('✓') || c.starts_with('✅') => "set",
        c if c.starts_with('✗') || c.starts_with('❌') => "unset",
        c if c.contains("unknown") => "unknown",
        c if c.contains("default") => "defaulted",
        "platform" => "platform",
        "–" => "none",
        _ => "unrecognised",
    }
}

/// Rows of a rendered grid split on `sep`, header first, cells trimmed.
fn grid(text: &str, starts: &str, sep: char) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with(starts))
        .map(|l| {
            l.trim_matches(sep)
                .split(sep)
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

/// The table and the Markdown matrix show the same state in every cell of
/// the Reaches column and of every target column.
fn table_and_markdown_agree(report: &Report) -> Result<(), String> {
    let table = grid(&rendered(report, Format::Table), "│", '│');
    let markdown = grid(&rendered(report, Format::Markdown), "| ", '|');
    let (Some(t_head), Some(m_head)) = (table.first(), markdown.first()) else {
        return Ok(()); // no keys, no grid
    };
    let mut columns: Vec<(usize, usize)> = Vec::new();
    for (ti, name) in t_head.iter().enumerate().skip(1) {
        let wanted = if name == "REACHES" {
            "Reaches"
        } else {
            name.as_str()
        };
        let is_target = report.chain.deploy.targets.iter().any(|t| &t.name == name);
        if !(name == "REACHES" || is_target) {
            continue;
        }
        let mi = m_head
            .iter()
            .position(|m| m == wanted)
            .ok_or_else(|| format!("the Markdown matrix has no column {wanted}: {m_head:?}"))?;
        columns.push((ti, mi));
    }
    if columns.is_empty() {
        return Err(format!("no Reaches column in the table: {t_head:?}"));
    }
    let m_rows: std::collections::BTreeMap<&str, &Vec<String>> = markdown
        .iter()
        .skip(1)
        .filter_map(|r| Some((r.first()?.as_str(), r)))
        .collect();
    for row in table.iter().skip(1) {
        let key = row.first().map(String::as_str).unwrap_or_default();
        let m_row = m_rows
            .get(key)
            .ok_or_else(|| format!("{key} is not in the matrix"))?;
        for &(ti, mi) in &columns {
            let (t_cell, m_cell) = (
                row.get(ti).map(String::as_str).unwrap_or_default(),
                m_row.get(mi).map(String::as_str).unwrap_or_default(),
            );
            let state = cell_state(t_cell);
            if state == "unrecognised" || state != cell_state(m_cell) {
                return Err(format!(
                    "{key}, column {}: table `{t_cell}`, Markdown `{m_cell}`",
                    t_head[ti]
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn trace_reaches_the_app_exactly_when_check_reports_no_unset_finding(model in model()) {
        let report = audit(&file_facts(&model, &NAMES), &in_order(), inventory(&model, &NAMES));
        prop_assert_eq!(trace_agrees_with_check(&report), Ok(()));
    }

    #[test]
    fn table_and_markdown_show_the_same_state_per_cell(model in model()) {
        let report = audit(&file_facts(&model, &NAMES), &in_order(), inventory(&model, &NAMES));
        prop_assert_eq!(table_and_markdown_agree(&report), Ok(()));
    }
}

/// Every fixture repository, audited as `check` does.
fn fixture_reports() -> Vec<(String, Report)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() > 40, "the fixtures are missing");
    dirs.into_iter()
        .filter_map(|dir| {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            let secrets = ["secrets.txt", "secrets.json"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file())
                .map(envtrail::cli::SecretsArg::repository)
                .into_iter()
                .collect();
            let options = envtrail::audit::AuditOptions {
                root: dir,
                secrets,
                config: None,
                settings: Vec::new(),
                threads: 1,
                progress: false,
            };
            // A fixture that refuses to audit (a hostile one) has nothing to compare.
            Some((name, envtrail::audit::run(&options).ok()?))
        })
        .collect()
}

#[test]
fn on_every_fixture_trace_table_and_markdown_agree_with_check() {
    let mut disagreements = Vec::new();
    for (name, report) in fixture_reports() {
        if let Err(e) = trace_agrees_with_check(&report) {
            disagreements.push(format!("{name}: {e}"));
        }
        if let Err(e) = table_and_markdown_agree(&report) {
            disagreements.push(format!("{name}: {e}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
