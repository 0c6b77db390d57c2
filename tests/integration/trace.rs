//! `envtrail trace KEY`.

use crate::common::envtrail;

#[test]
fn trace_prints_the_key_and_json_on_request() {
    let out = envtrail()
        .args(["trace", "S3_UPLOAD_BUCKET", "fixtures/ux-release"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("S3_UPLOAD_BUCKET\n"));
    let out = envtrail()
        .args([
            "trace",
            "S3_UPLOAD_BUCKET",
            "fixtures/ux-release",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "envtrail-trace/v1");
    assert_eq!(v["key"], "S3_UPLOAD_BUCKET");
    let out = envtrail()
        .args(["trace", "K", "fixtures/ux-release", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Needs the workflow and settings collectors.
#[test]
fn trace_shows_where_the_chain_breaks() {
    let out = envtrail()
        .args([
            "trace",
            "S3_UPLOAD_BUCKET",
            "fixtures/ux-release",
            "--secrets",
            "fixtures/ux-release/secrets.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("settings  config/settings.py:9"), "{text}");
    assert!(
        text.contains(
            "S3_UPLOAD_BUCKET → AWS_STORAGE_BUCKET_NAME → S3_BUCKET (none of them is set)"
        ),
        "{text}"
    );
    assert!(
        text.contains("the chain breaks between the secret store and the deploy"),
        "{text}"
    );
    let out = envtrail()
        .args(["trace", "S3_UPLOAD_BUCKETS", "fixtures/ux-release"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("did you mean S3_UPLOAD_BUCKET?"));
}

/// A fallback chain names the key that meets it: compose sets the older
/// name, so the chain the app reads first is satisfied by S3_BUCKET.
#[test]
fn trace_names_the_key_that_satisfies_a_fallback_chain() {
    let out = envtrail()
        .args(["trace", "BUCKET_NAME", "fixtures/trace-fallback-satisfied"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("BUCKET_NAME → S3_BUCKET (satisfied by S3_BUCKET)"),
        "{text}"
    );
    assert!(text.contains("✓ the value reaches the app"), "{text}");
}
