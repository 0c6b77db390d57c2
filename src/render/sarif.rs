//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning. One run; the
//! driver lists every rule envtrail knows (so code scanning can show help for
//! any of them); each finding is a result at a 1-based region, with related
//! locations and a partial fingerprint that survives lines moving.
//!
//! The fingerprint (`envtrail/v1`) is FNV-1a 64 over the rule id, the key,
//! the file and the trimmed text of the finding's line, each followed by a
//! NUL byte, printed as 16 lowercase hex digits. Not the line number: adding
//! a line above a finding must not make code scanning see a new alert.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Finding, Severity};
use crate::render::RenderOptions;
use crate::report::Report;
use crate::rules::RuleId;
use crate::source_lines::SourceLines;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const FINGERPRINT_KEY: &str = "envtrail/v1";

pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report, options))?;
    writeln!(out)
}

pub fn to_sarif(report: &Report, options: &RenderOptions) -> Value {
    let mut lines = options.source_root.as_deref().map(SourceLines::new);
    let rules: Vec<Value> = RuleId::all().map(rule).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let line_text = lines
                .as_mut()
                .and_then(|l| l.line(&f.location.file, f.location.row))
                .map(|t| t.trim().to_string())
                .unwrap_or_default();
            result(f, &line_text)
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "envtrail",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }
        },
        "results": results,
    });
    // Every uri is relative to the repository root (SRCROOT); say where it
    // is on this machine when envtrail knows.
    if let Some(root) = &report.repo_root {
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": file_uri(root) } });
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run]
    })
}

/// The base every artifact uri is relative to: the repository root.
const SRCROOT: &str = "SRCROOT";

/// `file:///abs/path/` for a folder, percent-encoding what a URI cannot hold.
fn file_uri(dir: &str) -> String {
    let mut uri = String::from("file://");
    if !dir.starts_with('/') {
        uri.push('/');
    }
    uri.push_str(&super::percent_encoded(dir, b"/-_.~:"));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule(id: RuleId) -> Value {
    json!({
        "id": id.as_str(),
        "name": id.as_str(),
        "shortDescription": { "text": id.summary() },
        "fullDescription": { "text": id.summary() },
        "help": {
            "text": format!(
                "{}. envtrail rule `{id}`: see the README, section {id}. To silence one finding, put `# envtrail: ignore[{id}]` on its line, or add an [[ignore]] entry to envtrail.toml.",
                id.summary()
            ),
            "markdown": format!(
                "{}.\n\nenvtrail rule `{id}`: see the README, section `{id}`. To silence one finding, put `# envtrail: ignore[{id}]` on its line, or add an `[[ignore]]` entry to `envtrail.toml`.",
                id.summary()
            ),
        },
        "defaultConfiguration": { "level": level(id.default_severity()) },
    })
}

fn physical(location: &crate::location::Location) -> Value {
    json!({
        "artifactLocation": { "uri": location.shown_file(), "uriBaseId": SRCROOT },
        "region": { "startLine": location.line() },
    })
}

fn result(f: &Finding, line_text: &str) -> Value {
    let rule_index = RuleId::all().position(|r| r == f.rule).unwrap_or(0);
    let mut text = f.message.clone();
    if let Some(tip) = &f.tip {
        let stop = if text.ends_with('.') { "" } else { "." };
        text.push_str(&format!("{stop} Tip: {tip}"));
    }
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i,
                "physicalLocation": physical(&r.location),
                "message": { "text": r.label },
            })
        })
        .collect();
    let mut result = json!({
        "ruleId": f.rule.as_str(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "rank": f.confidence.sarif_rank(),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical(&f.location) }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(f, line_text) },
    });
    if !related.is_empty()
        && let Some(obj) = result.as_object_mut()
    {
        obj.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(obj) = result.as_object_mut() {
        let mut properties = json!({ "confidence": f.confidence.as_str() });
        if let (Some(key), Some(p)) = (&f.key, properties.as_object_mut()) {
            p.insert("key".into(), json!(key));
        }
        obj.insert("properties".into(), properties);
    }
    result
}

/// See the module doc: stable across runs, machines and Rust versions.
pub fn fingerprint(f: &Finding, line_text: &str) -> String {
    let mut hash = Fnv1a::default();
    for part in [
        f.rule.as_str(),
        f.key.as_deref().unwrap_or(""),
        &f.location.shown_file(),
        line_text.trim(),
    ] {
        hash.write(part.as_bytes());
        hash.write(&[0]);
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64-bit: tiny, fixed, and never seeded.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    const SCHEMA: &str = include_str!("../../tests/data/sarif-schema-2.1.0.json");

    fn rendered(report: &Report, options: &RenderOptions) -> String {
        let mut out = Vec::new();
        render(report, options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn validate(text: &str) {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = jsonschema::draft7::new(&schema).expect("the SARIF schema compiles");
        let instance: Value = serde_json::from_str(text).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF schema violations:\n{}",
            errors.join("\n")
        );
    }

    #[test]
    fn stagelog_sarif() {
        let text = rendered(&testdata::stagelog(), &RenderOptions::default());
        validate(&text);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn clean_sarif() {
        let text = rendered(&testdata::clean(), &RenderOptions::default());
        validate(&text);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn the_schema_catches_a_broken_log() {
        // The validation above can fail: a log without `version` does.
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = jsonschema::draft7::new(&schema).unwrap();
        assert!(!validator.is_valid(&json!({ "runs": [] })));
        assert!(!validator.is_valid(&json!({ "version": "2.1.0", "runs": [{ "tool": {} }] })));
    }

    #[test]
    fn every_rule_is_described_once() {
        let sarif = to_sarif(&testdata::clean(), &RenderOptions::default());
        let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), RuleId::all().count());
        for (i, r) in RuleId::all().enumerate() {
            assert_eq!(rules[i]["id"], r.as_str());
        }
    }

    #[test]
    fn fingerprints_survive_lines_moving_and_tell_findings_apart() {
        let report = testdata::stagelog();
        let dir = tempfile::tempdir().unwrap();
        let settings = dir.path().join("config");
        std::fs::create_dir_all(&settings).unwrap();
        let mut before = vec![String::from("# settings"); 100];
        before[84] = "S3_UPLOAD_BUCKET = env('S3_UPLOAD_BUCKET', default=env('AWS_STORAGE_BUCKET_NAME', default=env('S3_BUCKET', default='')))".into();
        std::fs::write(settings.join("settings.py"), before.join("\n")).unwrap();
        let options = RenderOptions {
            source_root: Some(dir.path().to_path_buf()),
            ..RenderOptions::default()
        };
        let bucket = |report: &Report| -> String {
            let sarif = to_sarif(report, &options);
            let results = sarif["runs"][0]["results"].as_array().unwrap().clone();
            let r = results
                .iter()
                .find(|r| r["properties"]["key"] == "S3_UPLOAD_BUCKET")
                .unwrap()
                .clone();
            r["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .unwrap()
                .to_string()
        };
        let first = bucket(&report);
        assert_eq!(first, bucket(&report), "stable across runs");

        // Three lines added above: the finding moves, its fingerprint does not.
        let mut after = vec![String::from("# added"); 3];
        after.extend(before.iter().cloned());
        std::fs::write(settings.join("settings.py"), after.join("\n")).unwrap();
        let mut moved = report.clone();
        for f in &mut moved.findings {
            if f.location.file == testdata::SETTINGS {
                f.location.row += 3;
            }
        }
        assert_eq!(bucket(&moved), first);

        // Distinct findings get distinct fingerprints.
        let sarif = to_sarif(&report, &options);
        let mut prints: Vec<_> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let n = prints.len();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), n);
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference (draft-eastlake-fnv): "" and "a".
        let mut h = Fnv1a::default();
        assert_eq!(h.0, 0xcbf29ce484222325);
        h.write(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
    }
}
