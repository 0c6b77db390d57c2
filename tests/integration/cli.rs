//! Flags every command shares, completions, the man page.

use crate::common::envtrail;

#[test]
fn version_and_help() {
    let out = envtrail().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("envtrail {}", env!("CARGO_PKG_VERSION"))
    );
    let out = envtrail().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("envtrail trace DATABASE_URL"));
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_code() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/ux-suppress",
            "--quiet",
            "--fail-on",
            "note",
        ])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    assert_eq!(out.status.code(), Some(1), "the unused ignore is a note");
}

#[test]
fn output_writes_the_file_and_sarif_file_adds_sarif_beside_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    let sarif = dir.path().join("envtrail.sarif");
    let out = envtrail()
        .args([
            "check",
            "fixtures/ux-suppress",
            "--format",
            "markdown",
            "--output",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .starts_with("<!-- envtrail -->")
    );

    let out = envtrail()
        .args([
            "check",
            "fixtures/ux-suppress",
            "--color",
            "never",
            "--sarif-file",
        ])
        .arg(&sarif)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("unused-ignore"), "{table}");
    assert!(!table.contains('\u{1b}'), "--color never");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "unused-ignore"),
        "{sarif:#}"
    );
}

#[test]
fn sarif_file_is_written_even_when_quiet_and_by_checklist() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("a.sarif");
    let out = envtrail()
        .args([
            "checklist",
            "fixtures/ux-suppress",
            "--quiet",
            "--sarif-file",
        ])
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn color_always_colours_the_table() {
    let out = envtrail()
        .args(["check", "fixtures/ux-suppress", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = envtrail().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("checklist"),
            "{shell}"
        );
    }
    let out = envtrail().arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH envtrail"), "{page}");
    assert!(page.contains("checklist"));
}

#[test]
fn checklist_and_trace_help_list_only_the_formats_they_print() {
    for (command, formats, default) in [
        ("checklist", &["table", "markdown", "json"][..], "table"),
        ("trace", &["table", "markdown", "json"][..], "table"),
    ] {
        let out = crate::common::envtrail()
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains(&format!("[default: {default}]")),
            "{command}: {help}"
        );
        for format in ["table", "markdown", "json", "github", "sarif"] {
            let listed = help.contains(&format!("- {format}:"));
            assert_eq!(
                listed,
                formats.contains(&format),
                "{command} {format}: {help}"
            );
        }
        let refused = crate::common::envtrail()
            .args([command])
            .args(if command == "trace" {
                &["K"][..]
            } else {
                &[][..]
            })
            .args(["fixtures/stagelog", "--format", "sarif"])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("invalid value 'sarif'"),
            "{command}: {stderr}"
        );
    }
}
