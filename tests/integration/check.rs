//! `envtrail check`: exit codes, errors, the contract's report.

use crate::common::envtrail;

#[test]
fn missing_path_exits_2_with_a_hint() {
    let out = envtrail()
        .args(["check", "fixtures/does-not-exist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no such directory"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn bad_flag_exits_2() {
    let out = envtrail()
        .args(["check", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn static_report_has_no_container() {
    let (report, _) = crate::common::check_json("live-app", &[]);
    assert!(report.get("container").is_none(), "{report:#}");
}

#[test]
fn a_file_for_path_exits_2_saying_it_is_a_file() {
    let out = envtrail()
        .args(["check", "fixtures/stagelog/config/settings.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixtures/stagelog/config/settings.py: a file, not a folder"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: give the repository's root folder"),
        "{stderr}"
    );
}

#[test]
fn an_output_that_cannot_be_written_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder/report.json");
    // --quiet skips --output but not --sarif-file, a file asked for.
    for flag in ["--output", "--sarif-file"] {
        let out = envtrail()
            .args(["check", "fixtures/stagelog", flag])
            .arg(&missing)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("cannot write {}", missing.display())),
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn an_empty_folder_is_nothing_to_audit_not_a_clean_bill() {
    let dir = tempfile::tempdir().unwrap();
    let out = envtrail().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("nothing to audit"), "{stdout}");
    assert!(!stdout.contains("no drift"), "{stdout}");
}
