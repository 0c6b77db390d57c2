//! `--format markdown|github|sarif` through the real binary.

use crate::common::envtrail;

const SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");

fn run(args: &[&str]) -> (String, i32) {
    let out = envtrail().args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn validate_sarif(text: &str) -> serde_json::Value {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    sarif
}

#[test]
fn markdown_starts_with_the_marker() {
    let (text, _) = run(&["check", "fixtures/ux-release", "--format", "markdown"]);
    assert!(text.starts_with("<!-- envtrail -->\n### "), "{text}");
    assert!(text.chars().count() <= 65_536);
}

#[test]
fn sarif_of_the_binary_passes_the_schema() {
    let (text, _) = run(&[
        "check",
        "fixtures/ux-release",
        "--format",
        "sarif",
        "--secrets",
        "fixtures/ux-release/secrets.json",
    ]);
    let sarif = validate_sarif(&text);
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "envtrail");
}

#[test]
fn github_format_prints_only_workflow_commands() {
    let (text, _) = run(&[
        "check",
        "fixtures/ux-release",
        "--format",
        "github",
        "--secrets",
        "fixtures/ux-release/secrets.json",
    ]);
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
    }
}

#[test]
fn markdown_links_to_lines_when_github_variables_are_set() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/ux-suppress",
            "--format",
            "markdown",
            "--fail-on",
            "never",
        ])
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_SHA", "0123abc")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The unused config ignore is reported whatever the collectors find.
    assert!(
        text.contains(
            "[envtrail.toml:8](https://github.com/acme/api/blob/0123abc/envtrail.toml#L8)"
        ),
        "{text}"
    );
}

/// Incident 1 end to end. Needs the workflow and settings collectors.
#[test]
fn stagelog_in_every_format() {
    let secrets = ["--secrets", "fixtures/ux-release/secrets.json"];
    let (md, code) = run(&[
        &["check", "fixtures/ux-release", "--format", "markdown"][..],
        &secrets,
    ]
    .concat());
    assert_eq!(code, 1);
    assert!(md.contains("### ❌ envtrail: 4 errors"), "{md}");
    assert_eq!(md.matches("- **secret-unwritten**").count(), 4, "{md}");
    let (gh, _) = run(&[
        &["check", "fixtures/ux-release", "--format", "github"][..],
        &secrets,
    ]
    .concat());
    assert_eq!(
        gh.matches("::error file=config/settings.py,").count(),
        4,
        "{gh}"
    );
    assert!(gh.contains(",title=secret-unwritten::"), "{gh}");
    let (sarif, _) = run(&[
        &["check", "fixtures/ux-release", "--format", "sarif"][..],
        &secrets,
    ]
    .concat());
    let sarif = validate_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["ruleId"] == "secret-unwritten")
            .count(),
        4
    );
    assert!(results.iter().all(|r| {
        r["partialFingerprints"]["envtrail/v1"]
            .as_str()
            .is_some_and(|p| p.len() == 16)
    }));
}
