//! Suppressions, applied after the rules: `# envtrail: ignore[rule-id, ...]`
//! on a finding's line (or alone on the line above it) in Python and YAML
//! files, and `[[ignore]]` entries of `envtrail.toml` by rule, key and file.
//! An ignore that matches no finding is itself reported (`unused-ignore`,
//! a note), so ignores do not outlive what they silenced.
//!
//! Only the files the audit already read are scanned for comments (those
//! holding a finding or a fact), and only their lines are read, never parsed.

use std::collections::BTreeSet;
use std::path::Path;

use crate::chain::Chain;
use crate::config::{Config, Ignore};
use crate::finding::Finding;
use crate::location::Location;
use crate::rules::{self, RuleId};
use crate::source_lines::SourceLines;

/// One `# envtrail: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IgnoreComment {
    /// Where the comment is.
    location: Location,
    /// The row whose findings it silences: its own, or the next when the
    /// comment stands alone on its line.
    target_row: u32,
    /// The ids as written, each with whether it silenced something.
    ids: Vec<(String, bool)>,
}

fn is_comment_file(file: &str) -> bool {
    [".py", ".pyi", ".yml", ".yaml"]
        .iter()
        .any(|ext| file.ends_with(ext))
}

/// The ignore comment on `line`, if there is one.
fn parse_comment(line: &str) -> Option<(bool, Vec<String>)> {
    let hash = line.find('#')?;
    let mut rest = &line[hash..];
    let mut first = true;
    loop {
        let after = rest.strip_prefix('#')?.trim_start();
        if let Some(after) = after.strip_prefix("envtrail:")
            && let Some(list) = after.trim_start().strip_prefix("ignore[")
        {
            let end = list.find(']')?;
            let ids: Vec<String> = list[..end]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let alone = first && line[..hash].trim().is_empty();
            return Some((alone, ids));
        }
        // A `#` inside the comment: try the next one.
        let next = rest[1..].find('#')?;
        rest = &rest[1 + next..];
        first = false;
    }
}

fn fact_files<'a>(chain: &'a Chain, findings: &'a [Finding]) -> BTreeSet<&'a str> {
    let mut files: BTreeSet<&str> = findings.iter().map(|f| f.location.file.as_str()).collect();
    for row in chain.rows.values() {
        files.extend(row.written.iter().map(|w| w.location.file.as_str()));
        files.extend(row.read.iter().map(|r| r.location.file.as_str()));
    }
    for s in chain.secrets.values() {
        files.extend(s.referenced.iter().map(|l| l.file.as_str()));
    }
    files.extend(chain.unknown_reads.iter().map(|r| r.location.file.as_str()));
    files.extend(chain.opaque.iter().map(|o| o.location.file.as_str()));
    files.retain(|f| is_comment_file(f));
    files
}

fn collect_comments(lines: &SourceLines, files: &BTreeSet<&str>) -> Vec<IgnoreComment> {
    let mut comments = Vec::new();
    for file in files {
        // One file's text at a time: a monorepo's would not fit the budget.
        let Some(text) = lines.read(file) else {
            continue;
        };
        if memchr::memmem::find(text.as_bytes(), b"envtrail:").is_none() {
            continue;
        }
        for (row, line) in text.lines().enumerate() {
            if !line.contains("envtrail:") {
                continue;
            }
            if let Some((alone, ids)) = parse_comment(line) {
                let row = row as u32;
                comments.push(IgnoreComment {
                    location: Location::new(*file, row, 0),
                    target_row: if alone { row + 1 } else { row },
                    ids: ids.into_iter().map(|id| (id, false)).collect(),
                });
            }
        }
    }
    comments
}

fn config_matches(ignore: &Ignore, f: &Finding) -> bool {
    ignore.rule.is_none_or(|r| r == f.rule)
        && ignore
            .key
            .as_ref()
            .is_none_or(|k| f.key.as_ref() == Some(k))
        && ignore
            .file
            .as_ref()
            .is_none_or(|g| g.is_match(&f.location.file))
}

/// Drop the ignored findings and report the ignores that matched nothing.
pub fn apply(findings: Vec<Finding>, chain: &Chain, root: &Path, config: &Config) -> Vec<Finding> {
    let lines = SourceLines::new(root);
    let mut comments = collect_comments(&lines, &fact_files(chain, &findings));
    let mut config_used = vec![false; config.ignore.len()];
    let mut kept = Vec::with_capacity(findings.len());
    for f in findings {
        let mut silenced = false;
        for c in comments
            .iter_mut()
            .filter(|c| c.location.file == f.location.file && c.target_row == f.location.row)
        {
            for (id, used) in &mut c.ids {
                if id == f.rule.as_str() {
                    *used = true;
                    silenced = true;
                }
            }
        }
        for (i, ignore) in config.ignore.iter().enumerate() {
            if config_matches(ignore, &f) {
                config_used[i] = true;
                silenced = true;
            }
        }
        if !silenced {
            kept.push(f);
        }
    }
    for c in &comments {
        for (id, used) in &c.ids {
            if *used {
                continue;
            }
            let message = if RuleId::from_id(id).is_none() {
                format!("ignore[{id}] names no envtrail rule")
            } else {
                format!(
                    "ignore[{id}] matches no finding on line {}: remove it, or move it to the finding's line",
                    c.target_row + 1
                )
            };
            kept.push(Finding::new(
                RuleId::UnusedIgnore,
                None,
                c.location.clone(),
                message,
            ));
        }
    }
    let config_file = config.file.as_deref().unwrap_or("envtrail.toml");
    for (ignore, used) in config.ignore.iter().zip(&config_used) {
        if *used {
            continue;
        }
        let mut what = Vec::new();
        if let Some(rule) = ignore.rule {
            what.push(format!("rule = \"{rule}\""));
        }
        if let Some(key) = &ignore.key {
            what.push(format!("key = \"{key}\""));
        }
        if let Some(file) = &ignore.file {
            what.push(format!("file = \"{file}\""));
        }
        kept.push(Finding::new(
            RuleId::UnusedIgnore,
            None,
            Location::new(config_file, ignore.row, 0),
            format!(
                "the ignore entry {{ {} }} matches no finding: remove it",
                what.join(", ")
            ),
        ));
    }
    rules::sort(&mut kept);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    #[test]
    fn comments_are_parsed() {
        assert_eq!(
            parse_comment("X = env('X')  # envtrail: ignore[unset-defaulted]"),
            Some((false, vec!["unset-defaulted".into()]))
        );
        assert_eq!(
            parse_comment("    # envtrail: ignore[secret-unwritten, near-miss]"),
            Some((true, vec!["secret-unwritten".into(), "near-miss".into()]))
        );
        assert_eq!(
            parse_comment("#envtrail:ignore[a]"),
            Some((true, vec!["a".into()]))
        );
        assert_eq!(
            parse_comment("run: echo x # see #12 # envtrail: ignore[a]"),
            Some((false, vec!["a".into()]))
        );
        assert_eq!(parse_comment("# envtrail: ignore"), None);
        assert_eq!(parse_comment("X = 1"), None);
    }

    fn repo(settings: &str, workflow: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
        std::fs::write(dir.path().join(testdata::SETTINGS), settings).unwrap();
        std::fs::write(dir.path().join(testdata::WORKFLOW), workflow).unwrap();
        dir
    }

    fn lines_with(n: usize, at: &[(usize, &str)]) -> String {
        let mut lines = vec![String::from("# filler"); n];
        for (row, text) in at {
            lines[*row] = text.to_string();
        }
        lines.join("\n")
    }

    #[test]
    fn comments_silence_their_line_or_the_next_and_unused_ones_are_reported() {
        let report = testdata::stagelog();
        // AWS_REGION is read on row 83, S3_UPLOAD_PREFIX on 85, S3_PRESIGN_EXPIRES on 86.
        let settings = lines_with(
            100,
            &[
                (82, "# envtrail: ignore[secret-unwritten]"),
                (
                    83,
                    "AWS_REGION = env('AWS_REGION', default='ap-northeast-2')",
                ),
                (
                    85,
                    "S3_UPLOAD_PREFIX = env('S3_UPLOAD_PREFIX')  # envtrail: ignore[secret-unwritten, near-miss]",
                ),
                (90, "# envtrail: ignore[unset-required]"),
                (91, "X = 1  # envtrail: ignore[no-such-rule]"),
            ],
        );
        let dir = repo(&settings, "");
        let out = apply(
            report.findings.clone(),
            &report.chain,
            dir.path(),
            &Config::default(),
        );
        let keys: Vec<_> = out
            .iter()
            .filter(|f| f.rule == RuleId::SecretUnwritten)
            .filter_map(|f| f.key.as_deref())
            .collect();
        assert_eq!(keys, ["S3_PRESIGN_EXPIRES", "S3_UPLOAD_BUCKET"]);
        let unused: Vec<_> = out
            .iter()
            .filter(|f| f.rule == RuleId::UnusedIgnore)
            .map(|f| (f.location.line(), f.message.as_str()))
            .collect();
        assert_eq!(
            unused,
            [
                (
                    86,
                    "ignore[near-miss] matches no finding on line 86: remove it, or move it to the finding's line"
                ),
                (
                    91,
                    "ignore[unset-required] matches no finding on line 92: remove it, or move it to the finding's line"
                ),
                (92, "ignore[no-such-rule] names no envtrail rule"),
            ]
        );
    }

    #[test]
    fn config_ignores_match_by_rule_key_and_file() {
        let report = testdata::stagelog();
        let config = Config::parse(
            "[[ignore]]\nrule = \"written-unread\"\nkey = \"LEGACY_FLAG\"\n\n\
             [[ignore]]\nkey = \"AWS_REGION\"\nfile = \"config/*.py\"\n\n\
             [[ignore]]\nrule = \"near-miss\"\nreason = \"nothing to match\"\n",
        )
        .unwrap();
        let dir = repo("", "");
        let out = apply(report.findings.clone(), &report.chain, dir.path(), &config);
        assert!(!out.iter().any(|f| f.key.as_deref() == Some("LEGACY_FLAG")));
        assert!(!out.iter().any(|f| f.key.as_deref() == Some("AWS_REGION")));
        let unused: Vec<_> = out
            .iter()
            .filter(|f| f.rule == RuleId::UnusedIgnore)
            .collect();
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].location.to_string(), "envtrail.toml:9");
        assert!(
            unused[0].message.contains("rule = \"near-miss\""),
            "{}",
            unused[0].message
        );
    }

    #[test]
    fn nothing_to_ignore_changes_nothing() {
        let report = testdata::stagelog();
        let dir = repo("", "");
        assert_eq!(
            apply(
                report.findings.clone(),
                &report.chain,
                dir.path(),
                &Config::default()
            ),
            report.findings
        );
    }
}
