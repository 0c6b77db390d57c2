//! `envtrail.toml`: per-repository settings. Unknown fields are an error, so
//! a typo in the config never silently does nothing.

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra globs of Python files to read as settings, on top of `--settings`.
    #[serde(default)]
    pub settings: Globs,
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
    #[serde(default, deserialize_with = "one_or_many_globs")]
    pub app_service: Globs,
    /// Names that mean the same key (`SECRET_KEY = ["DJANGO_SECRET_KEY"]`): a
    /// read of one is satisfied when any of them reaches the app.
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, OneOrMany>,
    /// Name patterns of one-shot compose services, exempt from
    /// `restart-policy-missing`. Replaces [`DEFAULT_ONESHOT_SERVICES`] when given.
    #[serde(default)]
    pub oneshot_services: Option<Globs>,
    /// `[env-files]`: the keys of env files envtrail cannot see (on the deploy
    /// host, written whole from one secret, loaded by the app itself), by the
    /// file's path or name: `".env.prod" = ["DATABASE_URL", "SECRET_KEY"]`.
    /// Names only, never values. A file listed here is no longer opaque.
    #[serde(default)]
    pub env_files: std::collections::BTreeMap<String, Vec<String>>,
    /// The deploy targets (workflow jobs `file#job`, or GitHub environments)
    /// that deliver the app; globs allowed. Replaces envtrail's inference of
    /// which jobs deploy (ssh, kubectl, platform deploys...) when given.
    #[serde(default, deserialize_with = "one_or_many_globs")]
    pub deploy_targets: Globs,
    /// How the app starts, where envtrail cannot infer it: files
    /// (`config/wsgi.py`) or modules (`app.main:app`). Reads in tests,
    /// scripts and CI helpers these do not import are not audited as the app's.
    #[serde(default)]
    pub entry_points: Vec<String>,
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
    #[serde(default, deserialize_with = "one_glob")]
    pub file: Option<Globs>,
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
    pub fn oneshot_patterns(&self) -> Globs {
        match &self.oneshot_services {
            Some(patterns) => patterns.clone(),
            // Constant, valid globs: the default set is never empty.
            None => Globs::new(DEFAULT_ONESHOT_SERVICES).unwrap_or_default(),
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

/// Compiled globs of paths or names, built once where the config or the
/// command line gives them: `*` and `?` never cross a `/`, a `**` segment
/// matches any number of folders (`**/settings.py`, `app/**`), and `[ab]`,
/// `{a,b}` and `\` escapes work as in gitignore. No globs match nothing.
#[derive(Debug, Clone, Default)]
pub struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// The error names the first bad glob.
    pub fn new<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Result<Globs, String> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            builder.add(glob(pattern)?);
            kept.push(pattern.to_string());
        }
        let set = builder
            .build()
            .map_err(|e| format!("invalid globs: {}", e.kind()))?;
        Ok(Globs {
            patterns: kept,
            set,
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The globs as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// Two sets are the same when they were written the same.
impl PartialEq for Globs {
    fn eq(&self, other: &Globs) -> bool {
        self.patterns == other.patterns
    }
}

impl Eq for Globs {}

impl std::fmt::Display for Globs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.patterns.join(", "))
    }
}

impl TryFrom<Vec<String>> for Globs {
    type Error = String;
    fn try_from(patterns: Vec<String>) -> Result<Globs, String> {
        Globs::new(&patterns)
    }
}

impl<'de> Deserialize<'de> for Globs {
    /// A list of globs.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Globs, D::Error> {
        Globs::try_from(Vec::<String>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

/// `--settings GLOB`: refused by the command line when it is not a glob.
pub fn glob_arg(pattern: &str) -> Result<String, String> {
    glob(pattern).map(|_| pattern.to_string())
}

/// A glob or a list of globs.
fn one_or_many_globs<'de, D: Deserializer<'de>>(d: D) -> Result<Globs, D::Error> {
    let OneOrMany(patterns) = OneOrMany::deserialize(d)?;
    Globs::new(&patterns).map_err(serde::de::Error::custom)
}

/// One glob.
fn one_glob<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Globs>, D::Error> {
    let pattern = String::deserialize(d)?;
    Globs::new([pattern])
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, t: &str| Globs::new([p]).unwrap().is_match(t);
        assert!(g("config/*.py", "config/settings.py"));
        assert!(!g("config/*.py", "config/sub/settings.py"));
        assert!(g("**/settings.py", "settings.py"));
        assert!(g("**/settings.py", "a/b/settings.py"));
        assert!(g("app/**", "app/x/y.py"));
        assert!(!g("*.py", "a/b.py"));
        assert!(g("a?c/*", "abc/d") && !g("a?c", "a/c") && !g("ab", "abc"));
        assert!(g("**", "") && g("*", "") && !g("?", ""));
        assert!(!Globs::default().is_match("") && Globs::default().is_empty());
    }

    #[test]
    fn bad_globs_are_errors_naming_the_glob() {
        let err = Globs::new(["ok/*.py", "config/[.py"]).unwrap_err();
        assert!(err.contains("`config/[.py`"), "{err}");
        assert!(glob_arg("{a,b").is_err() && glob_arg("a/*.py").is_ok());
        for (text, row) in [
            ("settings = [\"a{\"]\n", 1),
            ("\napp-service = \"web[\"\n", 2),
            ("oneshot-services = [\"x\", \"[\"]\n", 1),
            ("[[ignore]]\nkey = \"K\"\nfile = \"a/{b\"\n", 3),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                err.starts_with(&format!("line {row}: invalid glob `")),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn hostile_globs_are_not_exponential() {
        let g = |p: &str, t: &str| Globs::new([p]).is_ok_and(|g| g.is_match(t));
        let pattern = format!("{}b", "**a".repeat(20));
        let text = "a".repeat(60);
        assert!(!g(&pattern, &text));
        assert!(!g(&"*a".repeat(20), &format!("{}/", "a".repeat(60))));
        assert!(g(
            &format!("{}b", "**a".repeat(20)),
            &format!("{}b", "a".repeat(60))
        ));
        // A very long glob compiles (or is refused), and answers right. A
        // backtracking matcher would never finish these; no time is
        // asserted: speed is a benchmark's question, a hang this test's.
        let long = format!("{}b", "*a".repeat(5000));
        assert!(!g(&long, &"a".repeat(20_000)));
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
    fn entry_points_are_files_or_modules() {
        let c = Config::parse("entry-points = [\"config/wsgi.py\", \"app.main:app\"]\n").unwrap();
        assert_eq!(c.entry_points, ["config/wsgi.py", "app.main:app"]);
        assert!(Config::parse("entry_points = []\n").is_err());
    }

    #[test]
    fn deploy_fields() {
        let c = Config::parse(
            "app-service = \"web\"\noneshot-services = [\"seed\"]\ndeploy-targets = [\"prod*\"]\n[aliases]\nSECRET_KEY = [\"DJANGO_SECRET_KEY\"]\nDEBUG = \"DJANGO_DEBUG\"\n",
        )
        .unwrap();
        assert_eq!(c.app_service.patterns(), ["web"]);
        assert_eq!(c.oneshot_patterns().patterns(), ["seed"]);
        assert!(c.deploy_targets.is_match("production") && !c.deploy_targets.is_match("staging"));
        assert_eq!(c.aliases["DEBUG"].0, ["DJANGO_DEBUG"]);
        let defaults = Config::default().oneshot_patterns();
        assert_eq!(defaults.patterns(), DEFAULT_ONESHOT_SERVICES);
        assert!(defaults.is_match("kratos-migrate") && !defaults.is_match("web"));
        assert!(Config::parse("app-services = []\n").is_err());
    }
}
