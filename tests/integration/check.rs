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
