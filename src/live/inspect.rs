//! The part of `docker inspect` the live stage needs, as serde structs. Both
//! the daemon's answer and a saved `--inspect-file` go through [`parse`], so
//! one code path reads them.
//!
//! `Config.Env` holds the app's secrets: each `K=V` entry is turned into the
//! key and whether its value is empty while it is deserialized, and the
//! string is dropped there. No struct here ever holds an env value, so none
//! can be printed by accident; still, none of them derives `Debug` for env.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::chain::LiveKey;

/// One container, as `docker inspect` describes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Inspect {
    pub id: String,
    /// `/api`, as the daemon spells it.
    pub name: String,
    pub state: State,
    pub config: Config,
    pub host_config: HostConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct State {
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub status: String,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub exit_code: i64,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
    pub health: Option<Health>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Health {
    /// `starting`, `healthy`, `unhealthy`.
    pub status: String,
    pub failing_streak: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Config {
    pub image: String,
    pub working_dir: String,
    /// Keys only: see the module's doc.
    #[serde(deserialize_with = "env_keys")]
    pub env: EnvKeys,
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostConfig {
    pub restart_policy: Option<RestartPolicy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    /// `""`, `no`, `always`, `unless-stopped`, `on-failure`.
    pub name: String,
    pub maximum_retry_count: i64,
}

/// The keys of a container's env and whether each value is empty. Values
/// are never kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvKeys(pub BTreeMap<String, LiveKey>);

impl EnvKeys {
    /// Record one `K=V` entry. A value of only whitespace counts as empty:
    /// no app can use it either. An entry without `=` has no value at all.
    pub fn insert_entry(&mut self, entry: &str) {
        let (key, empty) = match entry.split_once('=') {
            Some((key, value)) => (key, value.trim().is_empty()),
            None => (entry, true),
        };
        if key.is_empty() {
            return;
        }
        // The last entry wins, as in the process environment.
        self.0.insert(
            key.to_owned(),
            LiveKey {
                present: true,
                empty,
            },
        );
    }

    pub fn get(&self, key: &str) -> Option<LiveKey> {
        self.0.get(key).copied()
    }
}

fn env_keys<'de, D: Deserializer<'de>>(deserializer: D) -> Result<EnvKeys, D::Error> {
    struct EnvVisitor;
    impl<'de> Visitor<'de> for EnvVisitor {
        type Value = EnvKeys;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of \"KEY=value\" strings, or null")
        }
        fn visit_unit<E>(self) -> Result<EnvKeys, E> {
            Ok(EnvKeys::default())
        }
        fn visit_none<E>(self) -> Result<EnvKeys, E> {
            Ok(EnvKeys::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EnvKeys, A::Error> {
            let mut keys = EnvKeys::default();
            // Each entry lives only for this loop turn.
            while let Some(entry) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                keys.insert_entry(&entry);
            }
            Ok(keys)
        }
    }
    deserializer.deserialize_any(EnvVisitor)
}

impl Inspect {
    /// The name without the daemon's leading `/`.
    pub fn display_name(&self) -> &str {
        self.name.trim_start_matches('/')
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.config.labels.as_ref()?.get(name).map(String::as_str)
    }

    /// Whether `wanted` (a name or an id prefix, as `docker` accepts) names this container.
    pub fn matches(&self, wanted: &str) -> bool {
        let wanted = wanted.trim_start_matches('/');
        !wanted.is_empty() && (self.display_name() == wanted || self.id.starts_with(wanted))
    }
}

/// Parse `docker inspect` output: an array (what the CLI prints) or a single
/// object (what the API returns). From an array, the container `wanted`
/// names is picked; a single container is taken as it is.
///
/// Errors never quote the input: it holds env values.
pub fn parse(bytes: &[u8], wanted: &str) -> Result<Inspect, String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Inspect>),
        One(Box<Inspect>),
    }
    let parsed: OneOrMany = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message may quote a fragment of the input; keep
        // only where it failed.
        format!(
            "not `docker inspect` JSON (line {}, column {}: {})",
            e.line(),
            e.column(),
            classify(&e)
        )
    })?;
    match parsed {
        OneOrMany::One(one) => Ok(*one),
        OneOrMany::Many(many) => {
            let names: Vec<String> = many.iter().map(|c| c.display_name().to_owned()).collect();
            match many.into_iter().find(|c| c.matches(wanted)) {
                Some(found) => Ok(found),
                None if names.is_empty() => Err("the array holds no container".into()),
                None => Err(format!(
                    "no container {wanted:?} in it (it holds: {})",
                    names.join(", ")
                )),
            }
        }
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected shape",
        Category::Eof => "unexpected end",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{
        "Id": "4f2a9c0d1e2b3c4d",
        "Name": "/api",
        "State": {"Status": "exited", "Running": false, "ExitCode": 1,
                  "FinishedAt": "2026-11-22T03:00:00.123456789Z"},
        "Config": {"Image": "app:1", "WorkingDir": "/app",
                   "Env": ["DATABASE_URL=postgres://u:hunter2@db/app", "EMPTY=", "BLANK=  ", "BARE", "A=b=c"]},
        "HostConfig": {"RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}}
    }"#;

    #[test]
    fn env_becomes_keys_and_emptiness() {
        let c = parse(ONE.as_bytes(), "api").unwrap();
        let env = &c.config.env;
        assert_eq!(
            env.get("DATABASE_URL"),
            Some(LiveKey {
                present: true,
                empty: false
            })
        );
        assert_eq!(
            env.get("EMPTY"),
            Some(LiveKey {
                present: true,
                empty: true
            })
        );
        assert_eq!(
            env.get("BLANK"),
            Some(LiveKey {
                present: true,
                empty: true
            })
        );
        assert_eq!(
            env.get("BARE"),
            Some(LiveKey {
                present: true,
                empty: true
            })
        );
        assert_eq!(
            env.get("A"),
            Some(LiveKey {
                present: true,
                empty: false
            })
        );
        assert_eq!(env.get("MISSING"), None);
        // Nothing reachable from the parsed struct holds a value.
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn array_picks_the_container_by_name_or_id() {
        let two = format!(
            "[{ONE}, {}]",
            ONE.replace("/api", "/worker").replace("4f2a", "9999")
        );
        assert_eq!(
            parse(two.as_bytes(), "worker").unwrap().display_name(),
            "worker"
        );
        assert_eq!(
            parse(two.as_bytes(), "4f2a9").unwrap().display_name(),
            "api"
        );
        let err = parse(two.as_bytes(), "nope").unwrap_err();
        assert!(err.contains("api, worker"), "{err}");
    }

    #[test]
    fn single_object_and_null_env() {
        let c = parse(br#"{"Name": "/x", "Config": {"Env": null}}"#, "whatever").unwrap();
        assert!(c.config.env.0.is_empty());
        assert_eq!(c.state.status, "");
    }

    #[test]
    fn errors_never_quote_the_input() {
        let err = parse(br#"{"Config": {"Env": ["SECRET=hunter2", 7]}}"#, "x").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse(b"[{\"Config\": hunter2", "x").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
