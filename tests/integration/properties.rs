//! Property tests on the chain (proptest): random repositories, described
//! as the facts their files give (settings reads with and without defaults,
//! fallback chains, workflow writes from secrets and literals, an optional
//! secrets inventory), joined by the real chain model, judged by the real
//! rules and rendered by the real renderers.
//!
//! - renaming keys consistently everywhere changes nothing but the names;
//! - adding a write of a key `unset-*` reported removes that finding;
//! - the output does not depend on the order the files come in.

use std::collections::BTreeSet;

use envtrail::chain::{Chain, Inventory};
use envtrail::facts::{
    Consumer, DefaultValue, EnvRead, EnvWrite, Facts, ReadVia, SecretRef, Source, WriteVia,
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
    )
        .prop_map(|(reads, writes, inventory)| Model {
            reads,
            writes,
            inventory,
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
    files
}

fn inventory(model: &Model, names: &[&str; 6]) -> Option<Inventory> {
    model.inventory.as_ref().map(|keys| Inventory {
        names: keys.iter().map(|&k| names[k].to_string()).collect(),
        file: "secrets.txt".into(),
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
