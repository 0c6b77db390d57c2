//! Incident 1, end to end: the four S3 keys exist as secrets, the settings
//! read them, and the SSM deploy never writes them to `.env`.

use crate::common::{check_json, envtrail, findings, key_entry};

const SECRETS: &str = "fixtures/stagelog/secrets.txt";

#[test]
fn reports_the_four_unwritten_secrets_at_the_settings_lines() {
    let (report, code) = check_json("stagelog", &["--secrets", SECRETS]);
    assert_eq!(code, 1, "errors make the exit code 1");
    assert_eq!(report["schema"], "envtrail/v1");
    assert_eq!(report["root"], "fixtures/stagelog");
    let errors: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = |key: &str, line| {
        (
            "secret-unwritten".to_string(),
            key.to_string(),
            "config/settings.py".to_string(),
            line,
        )
    };
    assert_eq!(
        errors,
        [
            expect("AWS_REGION", 49),
            expect("S3_PRESIGN_EXPIRES", 52),
            expect("S3_UPLOAD_BUCKET", 50),
            expect("S3_UPLOAD_PREFIX", 51),
        ]
    );
    assert_eq!(report["summary"]["error"], 4);
}

#[test]
fn the_fallback_chain_is_understood() {
    let (report, _) = check_json("stagelog", &["--secrets", SECRETS]);
    let bucket = key_entry(&report, "S3_UPLOAD_BUCKET");
    let read = &bucket["read"][0];
    assert_eq!(read["via"], "django-environ");
    assert_eq!(read["required"], false);
    assert_eq!(read["default"], "");
    assert_eq!(
        read["chain"],
        serde_json::json!(["S3_UPLOAD_BUCKET", "AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"])
    );
    // The aliases are reads too, but findings are reported on the head only.
    let alias = key_entry(&report, "S3_BUCKET");
    assert_eq!(alias["read"][0]["fallback_of"], "S3_UPLOAD_BUCKET");
    assert!(
        !findings(&report)
            .iter()
            .any(|(_, k)| k.as_deref() == Some("S3_BUCKET"))
    );
}

#[test]
fn written_keys_come_from_the_ssm_script() {
    let (report, _) = check_json("stagelog", &["--secrets", SECRETS]);
    let secret_key = key_entry(&report, "DJANGO_SECRET_KEY");
    let write = &secret_key["written"][0];
    assert_eq!(write["file"], ".github/workflows/deploy.yml");
    assert_eq!(write["line"], 43);
    assert_eq!(write["source"], "secrets.DJANGO_SECRET_KEY");
    let debug = key_entry(&report, "DEBUG");
    assert_eq!(debug["written"][0]["source"], "literal");
    let bucket = &report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "S3_UPLOAD_BUCKET")
        .unwrap();
    assert_eq!(bucket["in_inventory"], true);
    assert_eq!(bucket["referenced"], serde_json::json!([]));
}

#[test]
fn without_an_inventory_the_keys_are_unset_defaulted() {
    let (report, code) = check_json("stagelog", &[]);
    let severities: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let rule = f["rule"].as_str().unwrap_or("");
            rule.starts_with("unset") || rule.starts_with("secret")
        })
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("rule"), s("key"), s("severity"))
        })
        .collect();
    // The empty bucket name is the outage (a warning); a region, a prefix and
    // an expiry in seconds are values production can run on (notes).
    assert_eq!(
        severities,
        [
            ("S3_UPLOAD_BUCKET", "warning"),
            ("AWS_REGION", "note"),
            ("S3_PRESIGN_EXPIRES", "note"),
            ("S3_UPLOAD_PREFIX", "note"),
        ]
        .map(|(k, sev)| (
            "unset-defaulted".to_string(),
            k.to_string(),
            sev.to_string()
        ))
    );
    assert_eq!(code, 0, "warnings alone do not fail at --fail-on error");
    let bucket = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "S3_UPLOAD_BUCKET")
        .unwrap();
    let message = bucket["message"].as_str().unwrap();
    assert!(
        message.contains("S3_UPLOAD_BUCKET → AWS_STORAGE_BUCKET_NAME → S3_BUCKET"),
        "{message}"
    );
    assert!(
        message.contains("NO usable value"),
        "an empty default is said louder: {message}"
    );
}

#[test]
fn fail_on_warning_fails_on_warnings() {
    let (_, code) = check_json("stagelog", &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (_, code) = check_json("stagelog", &["--secrets", SECRETS, "--fail-on", "never"]);
    assert_eq!(code, 0);
}

#[test]
fn json_snapshot() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/stagelog",
            "--secrets",
            SECRETS,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn table_snapshot() {
    let out = envtrail()
        .args(["check", "fixtures/stagelog", "--secrets", SECRETS])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
