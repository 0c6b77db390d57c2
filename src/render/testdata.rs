//! Reports built in code for renderer tests: an in-code replica of the
//! StageLog incident (incident 1) and a clean repository. The findings come
//! from the real rules run on the chain, so the tests see what users will.

use std::collections::BTreeSet;

use crate::chain::{Chain, Inventory};
use crate::facts::{
    Consumer, DefaultValue, EnvRead, EnvWrite, Facts, ReadVia, SecretRef, Source, WriteVia,
};
use crate::location::Location;
use crate::report::Report;
use crate::rules;

pub const WORKFLOW: &str = ".github/workflows/deploy.yml";
pub const SETTINGS: &str = "config/settings.py";

fn echo(key: &str, row: u32, source: Source) -> EnvWrite {
    EnvWrite {
        key: key.to_string(),
        location: Location::new(WORKFLOW, row, 12),
        via: WriteVia::DotenvEcho,
        source,
        sink: Some(".env".to_string()),
        target: Some(format!("{WORKFLOW}#deploy")),
        remote: true,
    }
}

fn read(key: &str, row: u32, required: bool, default: Option<DefaultValue>) -> EnvRead {
    let mut r = EnvRead::new(
        Some(key.to_string()),
        Location::new(SETTINGS, row, 4),
        ReadVia::DjangoEnviron,
        Consumer::App,
    );
    r.required = required;
    r.has_default = default.is_some();
    r.default = default;
    r
}

/// The repository of incident 1 on day 15: four keys exist as secrets and
/// are read by `config/settings.py`, and the deploy workflow writes `.env`
/// without them.
pub fn stagelog_facts() -> Facts {
    let mut facts = Facts::default();
    for (key, row) in [
        ("SECRET_KEY", 40),
        ("DATABASE_URL", 41),
        ("ALLOWED_HOSTS", 42),
    ] {
        facts
            .writes
            .push(echo(key, row, Source::Secret(key.to_string())));
        facts.secret_refs.push(SecretRef {
            name: key.to_string(),
            location: Location::new(WORKFLOW, row, 30),
            declaration: false,
            scope: crate::facts::SecretScope::Unknown,
        });
    }
    facts.writes.push(echo("LEGACY_FLAG", 43, Source::Literal));
    // The job ships the app to the host (SSM there, in the incident).
    facts.jobs.push(crate::facts::WorkflowJob {
        target: format!("{WORKFLOW}#deploy"),
        location: Location::new(WORKFLOW, 10, 2),
        delivers: true,
        tests: false,
        ships_checkout: false,
        compose_on_runner: Some(false),
    });
    facts.writes.push(EnvWrite {
        key: "DJANGO_DEBUG".into(),
        location: Location::new("docker-compose.yml", 9, 6),
        via: WriteVia::ComposeEnvironment,
        source: Source::Literal,
        sink: None,
        target: Some("docker-compose.yml".into()),
        remote: false,
    });
    facts.reads.push(read("SECRET_KEY", 22, true, None));
    facts.reads.push(read("DATABASE_URL", 60, true, None));
    facts.reads.push(read(
        "ALLOWED_HOSTS",
        30,
        false,
        Some(DefaultValue::Str("localhost".into())),
    ));
    facts.reads.push(read(
        "DJANGO_DEBUG",
        25,
        false,
        Some(DefaultValue::Bool(false)),
    ));
    facts.reads.push(read(
        "AWS_REGION",
        83,
        false,
        Some(DefaultValue::Str("ap-northeast-2".into())),
    ));
    let mut bucket = read(
        "S3_UPLOAD_BUCKET",
        84,
        false,
        Some(DefaultValue::Str(String::new())),
    );
    bucket.chain = vec![
        "S3_UPLOAD_BUCKET".into(),
        "AWS_STORAGE_BUCKET_NAME".into(),
        "S3_BUCKET".into(),
    ];
    facts.reads.push(bucket);
    for alias in ["AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"] {
        let mut r = read(alias, 84, false, Some(DefaultValue::Str(String::new())));
        r.fallback_of = Some("S3_UPLOAD_BUCKET".into());
        facts.reads.push(r);
    }
    facts.reads.push(read(
        "S3_UPLOAD_PREFIX",
        85,
        false,
        Some(DefaultValue::Str("uploads/".into())),
    ));
    facts.reads.push(read(
        "S3_PRESIGN_EXPIRES",
        86,
        false,
        Some(DefaultValue::Int(3600)),
    ));
    facts
}

pub fn stagelog_inventory() -> Inventory {
    let names: BTreeSet<String> = [
        "SECRET_KEY",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
        "AWS_REGION",
        "S3_UPLOAD_BUCKET",
        "S3_UPLOAD_PREFIX",
        "S3_PRESIGN_EXPIRES",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    Inventory::repository(names, "secrets.json")
}

pub fn stagelog() -> Report {
    report(
        "fixtures/stagelog",
        Chain::build(stagelog_facts(), Some(stagelog_inventory())),
    )
}

/// Every key the app reads is written by the workflow from a stored secret.
pub fn clean() -> Report {
    let mut facts = Facts::default();
    for (key, row) in [("SECRET_KEY", 20), ("DATABASE_URL", 21)] {
        facts
            .writes
            .push(echo(key, row, Source::Secret(key.to_string())));
    }
    facts.reads.push(read("SECRET_KEY", 22, true, None));
    facts.reads.push(read("DATABASE_URL", 60, true, None));
    let inventory = Inventory::repository(
        ["SECRET_KEY", "DATABASE_URL"]
            .into_iter()
            .map(String::from)
            .collect(),
        "secrets.json",
    );
    report("fixtures/clean", Chain::build(facts, Some(inventory)))
}

pub fn report(root: &str, chain: Chain) -> Report {
    let findings = rules::run(&chain);
    Report {
        root: root.to_string(),
        repo_root: None,
        chain,
        findings,
    }
}

#[test]
fn the_replica_has_the_four_missing_injections() {
    let report = stagelog();
    let unwritten: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == rules::RuleId::SecretUnwritten)
        .filter_map(|f| f.key.as_deref())
        .collect();
    assert_eq!(
        unwritten,
        [
            "AWS_REGION",
            "S3_PRESIGN_EXPIRES",
            "S3_UPLOAD_BUCKET",
            "S3_UPLOAD_PREFIX"
        ]
    );
    assert!(clean().findings.is_empty(), "{:?}", clean().findings);
}
