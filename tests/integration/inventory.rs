//! `--secrets [STORE=]FILE` (`src/collect/inventory.rs`, the stores in
//! `src/chain.rs`): one store a flag, the repository's by default; an
//! environment's secrets count only for the jobs of that environment.
//! Fixture: `fixtures/inventory-environments` — a `test` job with no
//! environment, a `production` job (`environment: production`) and a
//! `staging` job (`environment: {name: staging}`).

use crate::common::{check_json, envtrail, findings_of};

const FIXTURE: &str = "inventory-environments";
const REPOSITORY: &str = "fixtures/inventory-environments/secrets/repository.json";
const PRODUCTION: &str = "env:production=fixtures/inventory-environments/secrets/production.json";
const STAGING: &str = "env:staging=fixtures/inventory-environments/secrets/staging.txt";
const ORGANIZATION: &str = "org=fixtures/inventory-environments/secrets/organization.txt";

/// `(line, severity)` of each `secret-undefined` finding on `key`.
fn undefined(report: &serde_json::Value, key: &str) -> Vec<(u64, String)> {
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    findings
        .iter()
        .filter(|f| f["rule"] == "secret-undefined" && f["key"] == key)
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn secret<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["secrets"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no secret {name} in {report:#}"))
}

#[test]
fn an_environment_secret_satisfies_the_jobs_of_that_environment_only() {
    let (report, code) = check_json(
        FIXTURE,
        &[
            "--secrets",
            REPOSITORY,
            "--secrets",
            PRODUCTION,
            "--secrets",
            STAGING,
        ],
    );
    assert_eq!(code, 1, "{report:#}");
    // production's DB_PASSWORD: fine in the production job (line 23), not
    // in the test job that names no environment (line 15).
    assert_eq!(undefined(&report, "DB_PASSWORD"), [(15, "error".into())]);
    // production's SENTRY_DSN: not in staging's job (line 36, `{name: staging}`).
    assert_eq!(undefined(&report, "SENTRY_DSN"), [(36, "error".into())]);
    assert_eq!(undefined(&report, "STAGING_DB_PASSWORD"), []);
    assert_eq!(undefined(&report, "SECRET_KEY"), []);
    let test_job = findings_of(&report, "secret-undefined");
    let (_, _, message) = test_job
        .iter()
        .find(|(_, line, _)| *line == 15)
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        message.contains(
            "DB_PASSWORD is stored only in environment:production (fixtures/inventory-environments/secrets/production.json), which this job does not see: give this job that `environment:`"
        ),
        "{message}"
    );
}

#[test]
fn the_json_says_which_store_holds_each_name_and_which_environment_each_use_sees() {
    let (report, _) = check_json(
        FIXTURE,
        &[
            "--secrets",
            REPOSITORY,
            "--secrets",
            PRODUCTION,
            "--secrets",
            STAGING,
        ],
    );
    let db = secret(&report, "DB_PASSWORD");
    assert_eq!(db["in_inventory"], true);
    assert_eq!(db["stores"], serde_json::json!(["environment:production"]));
    let uses: Vec<(u64, Option<&str>)> = db["referenced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap_or(0), r["environment"].as_str()))
        .collect();
    assert_eq!(uses, [(15, None), (23, Some("production"))]);
    assert_eq!(
        secret(&report, "SECRET_KEY")["stores"],
        serde_json::json!(["repository"])
    );
    assert_eq!(
        secret(&report, "STAGING_DB_PASSWORD")["stores"],
        serde_json::json!(["environment:staging"])
    );
    // Without an inventory the stores are unknown, as `in_inventory` is.
    let (bare, _) = check_json(FIXTURE, &[]);
    assert_eq!(
        secret(&bare, "DB_PASSWORD")["stores"],
        serde_json::Value::Null
    );
}

#[test]
fn an_organisation_secret_satisfies_every_job() {
    let (report, _) = check_json(
        FIXTURE,
        &[
            "--secrets",
            REPOSITORY,
            "--secrets",
            ORGANIZATION,
            "--secrets",
            STAGING,
        ],
    );
    assert_eq!(findings_of(&report, "secret-undefined"), [], "{report:#}");
    assert_eq!(
        secret(&report, "SENTRY_DSN")["stores"],
        serde_json::json!(["organization"])
    );
}

/// Errors are certain: a job of an environment whose secrets were not given
/// may find the name there.
#[test]
fn a_job_of_an_environment_not_given_is_a_warning_naming_the_flag() {
    let (report, _) = check_json(FIXTURE, &["--secrets", REPOSITORY]);
    // The job with no environment can only see the repository's store: certain.
    assert_eq!(
        undefined(&report, "DB_PASSWORD"),
        [(15, "error".into()), (23, "warning".into())]
    );
    assert_eq!(
        undefined(&report, "STAGING_DB_PASSWORD"),
        [(35, "warning".into())]
    );
    let warning = findings_of(&report, "secret-undefined")
        .into_iter()
        .find(|(_, line, _)| *line == 35)
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        warning.2.contains(
            "give them with --secrets env:staging=FILE (gh secret list --env staging --json name)"
        ),
        "{}",
        warning.2
    );
}

#[test]
fn an_environment_store_reads_stdin_too() {
    let production = std::fs::read_to_string(crate::common::fixture(
        "inventory-environments/secrets/production.json",
    ))
    .unwrap();
    let out = envtrail()
        .args([
            "check",
            "fixtures/inventory-environments",
            "--format",
            "json",
        ])
        .args(["--secrets", REPOSITORY, "--secrets", "env:production=-"])
        .write_stdin(production)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        secret(&report, "DB_PASSWORD")["stores"],
        serde_json::json!(["environment:production"])
    );
    assert_eq!(undefined(&report, "DB_PASSWORD"), [(15, "error".into())]);
}

#[test]
fn an_empty_store_is_an_error_naming_its_file() {
    let out = envtrail()
        .args(["check", "fixtures/inventory-environments"])
        .args(["--secrets", REPOSITORY])
        .args([
            "--secrets",
            "env:production=fixtures/inventory-environments/secrets/empty.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "secrets inventory fixtures/inventory-environments/secrets/empty.json: holds no secret names"
        ),
        "{stderr}"
    );
}

#[test]
fn stdin_given_twice_is_refused() {
    let out = envtrail()
        .args(["check", "fixtures/inventory-environments"])
        .args(["--secrets", "-", "--secrets", "env:production=-"])
        .write_stdin("A\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("standard input holds one inventory"),
        "{stderr}"
    );
}

#[test]
fn the_table_names_the_store_of_a_secret_not_the_repositorys() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/inventory-environments",
            "--color",
            "never",
        ])
        .args([
            "--secrets",
            REPOSITORY,
            "--secrets",
            PRODUCTION,
            "--secrets",
            STAGING,
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_json_report_with_three_stores() {
    let (report, _) = check_json(
        FIXTURE,
        &[
            "--secrets",
            REPOSITORY,
            "--secrets",
            PRODUCTION,
            "--secrets",
            STAGING,
        ],
    );
    insta::assert_json_snapshot!(report["secrets"]);
}

#[test]
fn markdown_and_trace_name_the_store_too() {
    let stores = [
        "--secrets",
        REPOSITORY,
        "--secrets",
        PRODUCTION,
        "--secrets",
        STAGING,
    ];
    let out = envtrail()
        .args([
            "check",
            "fixtures/inventory-environments",
            "--format",
            "markdown",
        ])
        .args(stores)
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&out.stdout);
    assert!(
        markdown.contains("✅ `secrets.DB_PASSWORD` (env:production)"),
        "{markdown}"
    );
    // The repository's store is the default: nothing more is said of it.
    assert!(markdown.contains("✅ `secrets.SECRET_KEY` |"), "{markdown}");
    let out = envtrail()
        .args(["trace", "DB_PASSWORD", "fixtures/inventory-environments"])
        .args(stores)
        .output()
        .unwrap();
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(
        trace.contains("secret store: holds DB_PASSWORD (environment:production)"),
        "{trace}"
    );
}
