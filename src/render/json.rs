//! `--format json`: the `envtrail/v1` report. The DTO types here are frozen
//! and separate from the internal model, so refactors never break users.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::chain::{StoreKind, Verdict};
use crate::facts::DefaultValue;
use crate::report::Report;

pub const SCHEMA: &str = "envtrail/v1";

#[derive(Serialize)]
pub struct ReportV1<'a> {
    pub schema: &'static str,
    pub root: &'a str,
    /// The git work tree enclosing `root` (absolute), which every `file`
    /// is relative to; absent when `root` is in none (paths are then from
    /// `root`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_root: Option<&'a str>,
    /// Written one key at a time: the report's largest list is never
    /// held whole beside the chain it is read from.
    pub keys: KeysV1<'a>,
    pub secrets: Vec<SecretV1<'a>>,
    pub findings: Vec<FindingV1<'a>>,
    pub summary: SummaryV1,
    /// Env files written from one opaque value: their keys cannot be known.
    pub opaque_env_files: Vec<OpaqueV1<'a>>,
    /// Reads whose key is built at run time.
    pub unknown_reads: Vec<PlaceV1<'a>>,
    /// Stages envtrail sees but cannot read: what they set is unknown.
    pub opaque_stages: Vec<OpaqueStageV1<'a>>,
    /// The deploy targets (workflow jobs, GitHub environments, compose file
    /// variants, Kubernetes folders), each with where it is defined.
    pub targets: Vec<TargetV1<'a>>,
    /// How the app starts (Dockerfile, compose, Kubernetes, Procfile, shell
    /// entrypoints, Django's start files, envtrail.toml): what the app's
    /// modules are followed from.
    pub entry_points: Vec<EntryPointV1<'a>>,
    /// What the run skipped and why (files over the size cap...); absent when nothing was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteV1<'a>>,
    /// The audited container (`live` only). Never an env value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerV1<'a>>,
}

#[derive(Serialize)]
pub struct EntryPointV1<'a> {
    /// `gunicorn config.wsgi`, `celery -A proj`, `python manage.py runserver`.
    pub command: &'a str,
    /// The modules it starts, dotted or as a file.
    pub modules: &'a [String],
    pub via: crate::facts::EntryVia,
    pub file: Cow<'a, str>,
    pub line: u32,
}

#[derive(Serialize)]
pub struct OpaqueStageV1<'a> {
    /// `host-env-file`, `whole-file-secret`, `external-secret-store`,
    /// `remote-workflow`, `infrastructure`, `deploy-step`, `app-dotenv`,
    /// `undeployed-code`, `unseen-deploy`, `platform-env`.
    pub kind: &'static str,
    pub file: Cow<'a, str>,
    pub line: u32,
}

#[derive(Serialize)]
pub struct TargetV1<'a> {
    pub name: &'a str,
    pub file: Cow<'a, str>,
    pub line: u32,
}

#[derive(Serialize)]
pub struct NoteV1<'a> {
    pub file: Cow<'a, str>,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct ContainerV1<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub image: &'a str,
    pub status: &'a str,
    pub up: bool,
    pub exit_code: i64,
    pub finished_at: Option<&'a str>,
    pub health: Option<&'a str>,
    pub restart_policy: &'a str,
    /// Each repository settings module compared with its copy in the container.
    pub settings_compared: Vec<SettingsComparedV1<'a>>,
    /// What the live stage could not check, and why.
    pub notes: &'a [String],
}

#[derive(Serialize)]
pub struct SettingsComparedV1<'a> {
    pub file: Cow<'a, str>,
    pub container_path: &'a str,
    pub drift: bool,
}

#[derive(Serialize)]
pub struct KeyV1<'a> {
    pub key: &'a str,
    pub written: Vec<WriteV1<'a>>,
    pub read: Vec<ReadV1<'a>>,
    pub live: Option<LiveV1>,
    /// Per deploy target where the key is set or expected (the app reads
    /// it there): whether it reaches the app. A target that neither sets
    /// nor expects the key is left out, so the report grows with what was
    /// found, not with keys × targets. Empty when the repository has no
    /// distinct targets.
    pub targets: BTreeMap<&'a str, bool>,
    /// Per deploy target, the verdict there (names as in `reach`); absent
    /// when the app does not read the key or there are no targets.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub target_reach: BTreeMap<&'a str, &'static str>,
    /// The chain's verdict: `set`, `platform`, `defaulted`, `unset` or
    /// `unknown`; absent when the app does not read the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<&'static str>,
}

#[derive(Serialize)]
pub struct WriteV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    pub via: &'static str,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sink: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub remote: bool,
}

#[derive(Serialize)]
pub struct ReadV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    pub via: crate::facts::ReadVia,
    pub required: bool,
    /// Absent when there is no literal default; `null` for Python `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    pub consumer: crate::facts::Consumer,
    /// The fallback chain, when the read has aliases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_of: Option<&'a str>,
    /// The branch condition the read sits under, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardV1<'a>>,
}

/// Where a guarded read's condition is and the env keys it tests.
#[derive(Serialize)]
pub struct GuardV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    /// Keys the branch needs set, and keys it needs unset.
    pub set: &'a [String],
    pub unset: &'a [String],
    /// The condition tests something besides those keys.
    pub other: bool,
}

#[derive(Serialize)]
pub struct LiveV1 {
    pub present: bool,
    pub empty: bool,
}

#[derive(Serialize)]
pub struct SecretV1<'a> {
    pub name: &'a str,
    pub in_inventory: Option<bool>,
    /// The stores that hold the name (`repository`, `organization`,
    /// `environment:NAME`); `null` without an inventory.
    pub stores: Option<Vec<String>>,
    pub referenced: Vec<SecretPlaceV1<'a>>,
}

/// A use of a secret; `environment` when it is in a job of that environment
/// (whose secrets it sees).
#[derive(Serialize)]
pub struct SecretPlaceV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<&'a str>,
}

#[derive(Serialize)]
pub struct PlaceV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
}

#[derive(Serialize)]
pub struct OpaqueV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    pub sink: &'a str,
    pub source: String,
}

#[derive(Serialize)]
pub struct FindingV1<'a> {
    pub rule: &'static str,
    pub severity: &'static str,
    pub confidence: &'static str,
    pub key: Option<&'a str>,
    pub message: &'a str,
    pub file: Cow<'a, str>,
    pub line: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip: Option<&'a str>,
}

#[derive(Serialize)]
pub struct RelatedV1<'a> {
    pub file: Cow<'a, str>,
    pub line: u32,
    pub label: &'a str,
}

#[derive(Serialize)]
pub struct SummaryV1 {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

fn default_json(d: &DefaultValue) -> serde_json::Value {
    match d {
        DefaultValue::Str(s) => serde_json::Value::String(s.clone()),
        DefaultValue::Bool(b) => serde_json::Value::Bool(*b),
        DefaultValue::Int(i) => serde_json::Value::from(*i),
        DefaultValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        DefaultValue::None => serde_json::Value::Null,
    }
}

/// Each key's entries in `keys[].targets` and `keys[].target_reach`, built
/// in one pass over the targets: as many as the targets set or expect keys.
#[derive(Default)]
struct TargetsByKey<'a> {
    targets: BTreeMap<&'a str, BTreeMap<&'a str, bool>>,
    reach: BTreeMap<&'a str, BTreeMap<&'a str, &'static str>>,
}

fn targets_by_key(chain: &crate::chain::Chain) -> TargetsByKey<'_> {
    let mut by_key = TargetsByKey::default();
    for t in &chain.deploy.targets {
        for (key, kv) in &t.verdicts {
            let key = key.as_str();
            let verdict = &kv.verdict;
            by_key
                .targets
                .entry(key)
                .or_default()
                .insert(&t.name, verdict.reaches());
            by_key
                .reach
                .entry(key)
                .or_default()
                .insert(&t.name, verdict.as_str());
        }
        // Set there and not read by the app: it arrives, nothing judges it.
        for key in t.keys.keys().filter(|k| !t.verdicts.contains_key(*k)) {
            by_key
                .targets
                .entry(key.as_str())
                .or_default()
                .insert(&t.name, true);
        }
    }
    by_key
}

/// `keys`: each row of the chain turned into its [`KeyV1`] as it is
/// written.
pub struct KeysV1<'a> {
    chain: &'a crate::chain::Chain,
    by_key: TargetsByKey<'a>,
}

impl Serialize for KeysV1<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.chain
                .rows
                .values()
                .map(|row| key_v1(row, &self.by_key)),
        )
    }
}

fn key_v1<'a>(row: &'a crate::chain::KeyRow, by_key: &TargetsByKey<'a>) -> KeyV1<'a> {
    let key = row.key.as_str();
    KeyV1 {
        key,
        written: row
            .written
            .iter()
            .map(|w| WriteV1 {
                file: w.location.shown_file(),
                line: w.location.line(),
                via: w.via.as_str(),
                source: w.source.label(),
                sink: w.sink.as_deref(),
                target: w.target.as_deref(),
                remote: w.remote,
            })
            .collect(),
        read: row
            .read
            .iter()
            .map(|r| ReadV1 {
                file: r.location.shown_file(),
                line: r.location.line(),
                via: r.via,
                required: r.required,
                default: r.default.as_ref().map(default_json),
                consumer: r.consumer,
                chain: (r.chain.len() > 1).then_some(r.chain.as_slice()),
                fallback_of: r.fallback_of.as_deref(),
                guard: r.guard.as_ref().map(|g| GuardV1 {
                    file: g.location.shown_file(),
                    line: g.location.line(),
                    set: &g.set,
                    unset: &g.unset,
                    other: g.other,
                }),
            })
            .collect(),
        live: row.live.map(|l| LiveV1 {
            present: l.present,
            empty: l.empty,
        }),
        targets: by_key.targets.get(key).cloned().unwrap_or_default(),
        target_reach: by_key.reach.get(key).cloned().unwrap_or_default(),
        reach: row.verdict().map(Verdict::as_str),
    }
}

pub fn to_v1(report: &Report) -> ReportV1<'_> {
    let chain = &report.chain;
    let keys = KeysV1 {
        chain,
        by_key: targets_by_key(chain),
    };
    let secrets = chain
        .secrets
        .values()
        .map(|s| SecretV1 {
            name: &s.name,
            in_inventory: s.in_inventory,
            stores: chain
                .inventory
                .as_ref()
                .map(|_| s.stores.iter().map(StoreKind::label).collect()),
            referenced: s
                .uses
                .iter()
                .map(|u| SecretPlaceV1 {
                    file: u.location.shown_file(),
                    line: u.location.line(),
                    environment: u.scope.environment(),
                })
                .collect(),
        })
        .collect();
    let findings = report
        .findings
        .iter()
        .map(|f| FindingV1 {
            rule: f.rule.as_str(),
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            key: f.key.as_deref(),
            message: &f.message,
            file: f.location.shown_file(),
            line: f.location.line(),
            related: f
                .related
                .iter()
                .map(|r| RelatedV1 {
                    file: r.location.shown_file(),
                    line: r.location.line(),
                    label: &r.label,
                })
                .collect(),
            tip: f.tip.as_deref(),
        })
        .collect();
    let s = report.summary();
    ReportV1 {
        schema: SCHEMA,
        root: &report.root,
        repo_root: report.repo_root.as_deref(),
        keys,
        secrets,
        findings,
        summary: SummaryV1 {
            error: s.error,
            warning: s.warning,
            note: s.note,
        },
        opaque_stages: chain
            .visibility
            .opaque
            .iter()
            .map(|o| OpaqueStageV1 {
                kind: o.kind.as_str(),
                file: o.location.shown_file(),
                line: o.location.line(),
            })
            .collect(),
        opaque_env_files: chain
            .opaque
            .iter()
            .map(|o| OpaqueV1 {
                file: o.location.shown_file(),
                line: o.location.line(),
                sink: &o.sink,
                source: o.source.label(),
            })
            .collect(),
        unknown_reads: chain
            .unknown_reads
            .iter()
            .map(|r| PlaceV1 {
                file: r.location.shown_file(),
                line: r.location.line(),
            })
            .collect(),
        targets: chain
            .deploy
            .targets
            .iter()
            .map(|t| TargetV1 {
                name: &t.name,
                file: t.location.shown_file(),
                line: t.location.line(),
            })
            .collect(),
        entry_points: entry_points_v1(chain),
        notes: chain
            .notes
            .iter()
            .map(|n| NoteV1 {
                file: n.location.shown_file(),
                message: &n.message,
            })
            .collect(),
        container: chain.container.as_ref().map(|c| ContainerV1 {
            name: &c.name,
            id: &c.id,
            image: &c.image,
            status: &c.status,
            up: c.is_up(),
            exit_code: c.exit_code,
            finished_at: c.finished_at.as_deref(),
            health: c.health.as_deref(),
            restart_policy: &c.restart_policy,
            settings_compared: c
                .drift
                .iter()
                .map(|d| SettingsComparedV1 {
                    file: crate::location::shown(&d.repo_file),
                    container_path: &d.container_path,
                    drift: !d.is_empty(),
                })
                .collect(),
            notes: &c.notes,
        }),
    }
}

fn entry_points_v1(chain: &crate::chain::Chain) -> Vec<EntryPointV1<'_>> {
    chain
        .app
        .entry_points
        .iter()
        .map(|e| EntryPointV1 {
            command: &e.command,
            modules: &e.modules,
            via: e.via,
            file: e.location.shown_file(),
            line: e.location.line(),
        })
        .collect()
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_v1(report))?;
    writeln!(out)
}
