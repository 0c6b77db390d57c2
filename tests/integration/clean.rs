//! A repository where every link agrees: no finding, exit 0, in every format.

use crate::common::{check_json, envtrail, read_keys, written_keys};

#[test]
fn no_finding_and_exit_0() {
    let (report, code) = check_json("clean", &["--secrets", "fixtures/clean/secrets.json"]);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(code, 0);
    // Not clean because nothing was seen: the chain is complete.
    for key in [
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "WORKERS",
    ] {
        assert!(
            written_keys(&report).contains(&key.to_string()),
            "{key} written"
        );
        assert!(read_keys(&report).contains(&key.to_string()), "{key} read");
    }
}

#[test]
fn table_snapshot() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/clean",
            "--secrets",
            "fixtures/clean/secrets.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
