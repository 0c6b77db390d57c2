//! Ignore comments and `[[ignore]]` entries.

use crate::common::{check_json, findings};

#[test]
fn an_unused_config_ignore_is_reported_at_its_line() {
    let (report, code) = check_json("ux-suppress", &["--fail-on", "error"]);
    assert_eq!(code, 0);
    let unused: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unused-ignore" && f["file"] == "envtrail.toml")
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("NO_SUCH_KEY"))
        })
        .collect();
    assert_eq!(unused.len(), 1, "{report:#}");
    assert_eq!(unused[0]["line"], 8);
    assert_eq!(unused[0]["severity"], "note");
}

#[test]
fn a_bad_ignore_entry_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("envtrail.toml"),
        "[[ignore]]\nrule = \"no-such-rule\"\n",
    )
    .unwrap();
    let out = crate::common::envtrail()
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

/// Needs the workflow and settings collectors.
#[test]
fn comments_and_config_silence_exactly_what_they_name() {
    let (report, _) = check_json("ux-suppress", &["--fail-on", "never"]);
    assert_eq!(
        findings(&report),
        // DEBUG="0" is a value production runs on: a note, sorted after the
        // notes that concern no key.
        [
            ("unused-ignore".to_string(), None),
            ("unused-ignore".to_string(), None),
            ("unset-defaulted".to_string(), Some("DEBUG".to_string())),
        ],
        "{report:#}"
    );
}
