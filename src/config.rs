//! `envtrail.toml`: per-repository settings. Unknown fields are an error, so
//! a typo in the config never silently does nothing.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra globs of Python files to read as settings, on top of `--settings`.
    #[serde(default)]
    pub settings: Vec<String>,
    /// Findings to ignore, by rule and/or key (and optionally file):
    /// `[[ignore]]` tables. One that matches nothing is reported (`unused-ignore`).
    #[serde(default)]
    pub ignore: Vec<Ignore>,
    /// The config file, relative to the audited root when inside it: where
    /// `unused-ignore` points. Set by the loader, not read from the file.
    #[serde(skip)]
    pub file: Option<String>,
    /// The compose services (or Kubernetes workloads/containers) that run the
    /// Python app; globs allowed. Without it envtrail infers them.
    #[serde(default)]
    pub app_service: OneOrMany,
    /// Names that mean the same key (`SECRET_KEY = ["DJANGO_SECRET_KEY"]`): a
    /// read of one is satisfied when any of them reaches the app.
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, OneOrMany>,
    /// Name patterns of one-shot compose services, exempt from
    /// `restart-policy-missing`. Replaces [`DEFAULT_ONESHOT_SERVICES`] when given.
    #[serde(default)]
    pub oneshot_services: Option<Vec<String>>,
    /// `[env-files]`: the keys of env files envtrail cannot see (on the deploy
    /// host, written whole from one secret, loaded by the app itself), by the
    /// file's path or name: `".env.prod" = ["DATABASE_URL", "SECRET_KEY"]`.
    /// Names only, never values. A file listed here is no longer opaque.
    #[serde(default)]
    pub env_files: std::collections::BTreeMap<String, Vec<String>>,
    /// `[live]`: how `envtrail live` finds things in the container.
    #[serde(default)]
    pub live: LiveConfig,
}

/// `[live]` in `envtrail.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LiveConfig {
    /// The settings module's path inside the container
    /// (`/app/config/settings.py`), when it is not the working directory
    /// plus the repository path.
    pub settings_path: Option<String>,
}

/// `[[ignore]] rule = "written-unread"  key = "LEGACY_FLAG"  reason = "..."`
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ignore {
    pub rule: Option<crate::rules::RuleId>,
    pub key: Option<String>,
    /// A glob of the finding's file (`config/*.py`).
    pub file: Option<String>,
    /// Why; for the reader, never interpreted.
    pub reason: Option<String>,
    /// 0-based row of the entry in the config file (its `[[ignore]]` header).
    #[serde(skip)]
    pub row: u32,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "OneOrManyRepr")]
pub struct OneOrMany(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrManyRepr {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrManyRepr> for OneOrMany {
    fn from(repr: OneOrManyRepr) -> Self {
        match repr {
            OneOrManyRepr::One(s) => OneOrMany(vec![s]),
            OneOrManyRepr::Many(v) => OneOrMany(v),
        }
    }
}

/// One-shot jobs by the conventions seen in incident 2 (`kratos-migrate`,
/// `clickhouse_init`, `db_check`, `init-rp`): they run to completion, so a
/// restart policy would rerun them forever.
pub const DEFAULT_ONESHOT_SERVICES: &[&str] = &[
    "*-migrate",
    "*_migrate",
    "migrate",
    "*-migrations",
    "*_migrations",
    "*_init",
    "*-init",
    "init-*",
    "init_*",
    "*_check",
    "*-check",
    "*-setup",
    "*_setup",
];

impl Config {
    /// The one-shot service patterns in force.
    pub fn oneshot_patterns(&self) -> Vec<String> {
        match &self.oneshot_services {
            Some(patterns) => patterns.clone(),
            None => DEFAULT_ONESHOT_SERVICES
                .iter()
                .map(|p| p.to_string())
                .collect(),
        }
    }

    /// Read and validate a config file; the error names the file and line.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let mut config: Config = Self::parse_toml(text)?;
        // serde does not give array entries a position: the n-th
        // `[[ignore]]` header is the n-th entry (an inline array points at
        // its `ignore =` line).
        let mut headers = text.lines().enumerate().filter_map(|(row, line)| {
            let line = line.trim();
            let inline = line
                .strip_prefix("ignore")
                .is_some_and(|rest| rest.trim_start().starts_with('='));
            (line.starts_with("[[ignore]]") || inline).then_some(row as u32)
        });
        let mut last = 0;
        for (i, entry) in config.ignore.iter_mut().enumerate() {
            if entry.rule.is_none() && entry.key.is_none() {
                return Err(format!(
                    "ignore entry {}: give `rule`, `key`, or both",
                    i + 1
                ));
            }
            last = headers.next().unwrap_or(last);
            entry.row = last;
        }
        Ok(config)
    }

    fn parse_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(line) => format!("line {line}: {}", e.message()),
                None => e.message().to_string(),
            }
        })
    }
}

/// Minimal glob: `*` matches within a path segment, `**` across segments.
pub fn glob_matches(globs: &[String], rel: &str) -> bool {
    globs
        .iter()
        .any(|g| glob_match(g.as_bytes(), rel.as_bytes()))
}

/// Longer globs match nothing: no path pattern is this long, and each `*`
/// costs a level of recursion.
const MAX_GLOB_BYTES: usize = 1024;

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Memoised on what is left of both: each pair is decided once, so a
    // hostile pattern in a committed envtrail.toml (`**a**a**a…b`) costs
    // polynomial time, never exponential.
    pattern.len() <= MAX_GLOB_BYTES && glob_match_at(pattern, text, &mut HashSet::new())
}

fn glob_match_at(
    mut pattern: &[u8],
    mut text: &[u8],
    failed: &mut HashSet<(usize, usize)>,
) -> bool {
    // Literal bytes and `?` in a loop: only stars recurse.
    loop {
        match (pattern, text) {
            ([b'*', ..], _) => break,
            ([], _) => return text.is_empty(),
            ([b'?', rest @ ..], [first, tail @ ..]) if *first != b'/' => {
                (pattern, text) = (rest, tail);
            }
            ([c, rest @ ..], [first, tail @ ..]) if c == first && *c != b'?' => {
                (pattern, text) = (rest, tail);
            }
            _ => return false,
        }
    }
    let state = (pattern.len(), text.len());
    if failed.contains(&state) {
        return false;
    }
    let matched = match pattern {
        [b'*', b'*', b'/', rest @ ..] => {
            glob_match_at(rest, text, failed)
                || (0..text.len()).any(|i| {
                    text.get(i) == Some(&b'/')
                        && glob_match_at(rest, text.get(i + 1..).unwrap_or_default(), failed)
                })
        }
        [b'*', b'*', rest @ ..] => {
            (0..=text.len()).any(|i| glob_match_at(rest, text.get(i..).unwrap_or_default(), failed))
        }
        [b'*', rest @ ..] => (0..=text.len())
            .take_while(|&i| i == 0 || text.get(i - 1) != Some(&b'/'))
            .any(|i| glob_match_at(rest, text.get(i..).unwrap_or_default(), failed)),
        _ => false,
    };
    if !matched {
        failed.insert(state);
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, t: &str| glob_matches(&[p.to_string()], t);
        assert!(g("config/*.py", "config/settings.py"));
        assert!(!g("config/*.py", "config/sub/settings.py"));
        assert!(g("**/settings.py", "settings.py"));
        assert!(g("**/settings.py", "a/b/settings.py"));
        assert!(g("app/**", "app/x/y.py"));
        assert!(!g("*.py", "a/b.py"));
        assert!(g("a?c/*", "abc/d") && !g("a?c", "a/c") && !g("ab", "abc"));
        assert!(g("**", "") && g("*", "") && !g("?", ""));
    }

    #[test]
    fn hostile_globs_are_not_exponential() {
        let g = |p: &str, t: &str| glob_matches(&[p.to_string()], t);
        let pattern = format!("{}b", "**a".repeat(20));
        let text = "a".repeat(60);
        assert!(!g(&pattern, &text));
        assert!(!g(&"*a".repeat(20), &format!("{}/", "a".repeat(60))));
        assert!(g(
            &format!("{}b", "**a".repeat(20)),
            &format!("{}b", "a".repeat(60))
        ));
        assert!(!g(&"*".repeat(MAX_GLOB_BYTES + 1), "a"));
    }

    #[test]
    fn ignores_parse_with_their_rows() {
        let text = "settings = []\n\n[[ignore]]\nrule = \"written-unread\"\nkey = \"LEGACY_FLAG\"\n\n[[ignore]]\nkey = \"OLD\"\nreason = \"kept for v1\"\n";
        let config = Config::parse(text).unwrap();
        assert_eq!(config.ignore.len(), 2);
        assert_eq!(
            config.ignore[0].rule,
            Some(crate::rules::RuleId::WrittenUnread)
        );
        assert_eq!(config.ignore[0].row, 2);
        assert_eq!(config.ignore[1].key.as_deref(), Some("OLD"));
        assert_eq!(config.ignore[1].row, 6);
    }

    #[test]
    fn bad_ignores_are_errors() {
        assert!(
            Config::parse("[[ignore]]\nrule = \"no-such-rule\"\n")
                .unwrap_err()
                .starts_with("line ")
        );
        assert!(Config::parse("[[ignore]]\nrule = \"near-miss\"\nbogus = 1\n").is_err());
        assert!(
            Config::parse("[[ignore]]\nreason = \"everything\"\n")
                .unwrap_err()
                .contains("give `rule`")
        );
    }

    #[test]
    fn live_table() {
        let text = "[live]\nsettings-path = \"/app/config/settings.py\"\n";
        let config = Config::parse(text).unwrap();
        assert_eq!(
            config.live.settings_path.as_deref(),
            Some("/app/config/settings.py")
        );
        let err = Config::parse("[live]\nsettings_path = \"/x\"\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }

    #[test]
    fn unknown_fields_are_errors_with_a_line() {
        let err = Config::parse("settings = []\nbogus = 1\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }

    #[test]
    fn deploy_fields() {
        let c = Config::parse(
            "app-service = \"web\"\noneshot-services = [\"seed\"]\n[aliases]\nSECRET_KEY = [\"DJANGO_SECRET_KEY\"]\nDEBUG = \"DJANGO_DEBUG\"\n",
        )
        .unwrap();
        assert_eq!(c.app_service.0, ["web"]);
        assert_eq!(c.oneshot_patterns(), ["seed"]);
        assert_eq!(c.aliases["DEBUG"].0, ["DJANGO_DEBUG"]);
        assert!(
            Config::default()
                .oneshot_patterns()
                .contains(&"*-migrate".to_string())
        );
        assert!(Config::parse("app-services = []\n").is_err());
    }
}
