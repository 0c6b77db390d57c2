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

/// `check fixtures/stagelog --format json` with `args`, and stdin `input`.
fn stagelog_with(args: &[&str], input: &str) -> (Option<i32>, serde_json::Value, String) {
    let out = envtrail()
        .args(["check", "fixtures/stagelog", "--format", "json"])
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (
        out.status.code(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn unwritten(report: &serde_json::Value) -> Vec<String> {
    crate::common::findings(report)
        .into_iter()
        .filter(|(rule, _)| rule == "secret-unwritten")
        .filter_map(|(_, key)| key)
        .collect()
}

#[test]
fn inventories_given_twice_or_on_stdin_count_all_their_names() {
    let text = std::fs::read_to_string(crate::common::fixture("stagelog/secrets.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = lines.split_at(lines.len() / 2);
    let a = dir.path().join("repository.txt");
    let b = dir.path().join("environment.txt");
    std::fs::write(&a, first.join("\n")).unwrap();
    std::fs::write(&b, second.join("\n")).unwrap();
    let (code, whole, _) = stagelog_with(&["--secrets", "fixtures/stagelog/secrets.txt"], "");
    assert_eq!(code, Some(1));
    let expected = unwritten(&whole);
    assert_eq!(expected.len(), 4, "{whole:#}");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, split, _) = stagelog_with(&["--secrets", a, "--secrets", b], "");
    assert_eq!((code, unwritten(&split)), (Some(1), expected.clone()));
    // Half an inventory misses secrets: fewer are known to exist.
    let (_, half, _) = stagelog_with(&["--secrets", a], "");
    assert!(unwritten(&half).len() < expected.len(), "{half:#}");
    let (code, piped, _) = stagelog_with(&["--secrets", "-"], &text);
    assert_eq!((code, unwritten(&piped)), (Some(1), expected));
}

#[test]
fn an_empty_inventory_is_an_error_not_a_store_without_secrets() {
    for input in ["", "[]", "# gh secret list printed nothing\n"] {
        let (code, _, stderr) = stagelog_with(&["--secrets", "-"], input);
        assert_eq!(code, Some(2), "{input:?}");
        assert!(
            stderr.contains("holds no secret names"),
            "{input:?}: {stderr}"
        );
    }
}
