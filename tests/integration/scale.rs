//! Many workflows and deploy targets: the report grows with what was found,
//! not with keys × targets (issue 15). `fixtures/drift-many-targets` is the
//! benchmark's generated repository at N = 12 (`gen_workflows 12`): eight
//! deploy targets, each its own GitHub environment.

use crate::common::{check_json, envtrail, key_entry};

#[path = "../../benches/support/workflows.rs"]
mod workflows;

/// The JSON report of the generated repository of `n` workflows.
fn generated_report(n: usize) -> (Vec<u8>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    workflows::generate(dir.path(), n).unwrap();
    let out = envtrail()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, report)
}

#[test]
fn key_targets_list_only_where_the_key_is_set_or_expected() {
    let (report, _) = check_json("drift-many-targets", &[]);
    assert_eq!(report["targets"].as_array().unwrap().len(), 8);
    // Written by one deploy, read by nothing: one target, not eight.
    let token = key_entry(&report, "FEATURE_0001_TOKEN");
    assert_eq!(token["targets"], serde_json::json!({"staging-0001": true}));
    // Read by the app: every target expects it, the one that forgets it too.
    let hosts = &key_entry(&report, "ALLOWED_HOSTS")["targets"];
    assert_eq!(hosts.as_object().unwrap().len(), 8);
    assert_eq!(hosts["staging-0007"], false);
}

#[test]
fn env_drift_lists_ten_missing_targets_and_counts_the_rest() {
    // 40 workflows: 26 deploy targets, so a key one deploy writes is missing
    // from 25.
    let (_, report) = generated_report(40);
    let drift = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "env-drift" && f["key"] == "FEATURE_0001_TOKEN")
        .expect("env-drift on FEATURE_0001_TOKEN");
    assert_eq!(drift["related"].as_array().unwrap().len(), 10);
    let message = drift["message"].as_str().unwrap();
    assert!(
        message
            .contains("but not in production-0002, production-0004, production-0008 and 22 more"),
        "{message}"
    );
    let per_key = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-drift" && f["key"] == "FEATURE_0001_TOKEN")
        .count();
    assert_eq!(per_key, 1, "one finding per key and app unit");
}

#[test]
fn report_size_grows_linearly_with_the_workflows() {
    // Keys and targets both grow with N: a keys × targets report would be
    // 16 times larger at 4 times the workflows.
    let (small, _) = generated_report(30);
    let (large, _) = generated_report(120);
    let ratio = large.len() as f64 / small.len() as f64;
    assert!(
        ratio < 5.0,
        "{} bytes at N=30, {} at N=120: {ratio:.1}x",
        small.len(),
        large.len()
    );
}

#[test]
fn table_folds_target_columns_past_six() {
    let out = envtrail()
        .args(["check", "fixtures/drift-many-targets", "--color", "never"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn markdown_folds_target_columns_past_six() {
    // The PR comment folds the same targets the table does: five columns,
    // then one "+3 targets" column counting what the other three say.
    let out = envtrail()
        .args([
            "check",
            "fixtures/drift-many-targets",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("| +3 targets |"), "{text}");
    insta::assert_snapshot!(text);
}
