//! `envtrail checklist`.

use crate::common::envtrail;

#[test]
fn markdown_by_default_with_the_post_deploy_checks() {
    let out = envtrail()
        .args([
            "checklist",
            "fixtures/ux-release",
            "--container",
            "stagelog-api",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("<!-- envtrail checklist -->\n## Release checklist: fixtures/ux-release"),
        "{text}"
    );
    assert!(text.contains("### After the deploy"), "{text}");
    assert!(
        text.contains("`envtrail live fixtures/ux-release --container stagelog-api`"),
        "{text}"
    );
}

#[test]
fn json_on_request_and_no_sarif() {
    let out = envtrail()
        .args(["checklist", "fixtures/ux-release", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "envtrail-checklist/v1");
    assert_eq!(v["post_deploy"].as_array().map(Vec::len), Some(4));
    let out = envtrail()
        .args(["checklist", "fixtures/ux-release", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'sarif'")
            && stderr.contains("[possible values: table, markdown, json]"),
        "{stderr}"
    );
}

/// The done-criterion of the issue. Needs the workflow and settings collectors.
#[test]
fn the_four_missing_injections_are_open_items_naming_the_workflow() {
    let out = envtrail()
        .args([
            "checklist",
            "fixtures/ux-release",
            "--secrets",
            "fixtures/ux-release/secrets.json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let open: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("- [ ] **workflow**: **MISSING** in .github/workflows/deploy.yml")
        })
        .collect();
    assert_eq!(open.len(), 4, "{text}");
    for key in [
        "AWS_REGION",
        "S3_UPLOAD_BUCKET",
        "S3_UPLOAD_PREFIX",
        "S3_PRESIGN_EXPIRES",
    ] {
        assert!(
            open.iter()
                .any(|l| l.contains(&format!("{key}=${{{{ secrets.{key} }}}}"))),
            "{key}: {text}"
        );
    }
    assert_eq!(
        text.matches("- [x] **workflow**: injected by .github/workflows/deploy.yml")
            .count(),
        2,
        "{text}"
    );
}

/// Issue 14, item 5: an `echo … >> .env` typed inside a heredoc would be
/// written into the env file as text; the fix is a `KEY=…` line of its body.
#[test]
fn a_key_missing_from_a_heredoc_env_file_is_a_line_of_the_heredoc() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_fixture("write-heredoc-missing-key", dir.path());
    let out = envtrail()
        .current_dir(dir.path())
        .args(["checklist", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let item = text
        .lines()
        .find(|l| l.starts_with("- [ ] **workflow**") && l.contains("SENTRY_DSN"))
        .unwrap_or_else(|| panic!("no open workflow item for SENTRY_DSN:\n{text}"));
    assert!(
        item.contains(
            "add the line `SENTRY_DSN=${{ secrets.SENTRY_DSN }}` to the heredoc that writes the env file (.github/workflows/deploy.yml:8)"
        ),
        "{item}"
    );
    assert!(!item.contains("echo"), "an echo inside the heredoc: {item}");
}
