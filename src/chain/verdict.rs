//! The verdict: whether a key the app reads reaches it, decided once when the
//! chain is built. Rules word findings from verdicts; the table, the Markdown
//! matrix, trace, checklist and live print them. Nothing here is prose: the
//! kinds are typed and the wording belongs to whoever reports them.
//!
//! The order of the questions is the principle "an error is certain": a key
//! that no visible stage sets is `Unknown` as soon as a stage envtrail cannot
//! see may feed the code that reads it, and only `Unset` when every stage
//! between the source and the app is visible.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::reach::{Break, Defaulted, ServiceReach, Target, dir_of, is_above, is_dev_file};
use super::{Chain, KeyRow};
use crate::facts::{Consumer, EnvRead, OpaqueKind, OpaqueStage};
use crate::location::Location;
use crate::platform;

/// What reaches the app for one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A visible stage sets the key (or a key of its fallback chain, or an alias).
    Set { key: String, at: Location },
    /// The platform sets it (the OS, the runtime, the CI runner).
    Platform { by: &'static str },
    /// No stage sets it and the app (or compose) falls back to a default.
    Defaulted {
        default: Defaulting,
        breaks: Vec<Break>,
    },
    /// No stage sets it, every stage is visible, and the read has no default.
    Unset { breaks: Vec<Break> },
    /// No visible stage sets it and a stage envtrail cannot see may.
    Unknown { because: OpaqueKind, at: Location },
}

/// Where the default an unset key runs on comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Defaulting {
    /// The read's own default in the code.
    Code,
    /// Compose substitutes `${K:-default}`.
    Compose(Vec<Defaulted>),
    /// The read sits in a branch that visibly does not run (its guard, at
    /// `at`, tests a key no stage sets): the app runs without it, by design.
    Branch { at: Location },
}

impl Verdict {
    /// The value reaches the app (set by a stage or by the platform).
    pub fn reaches(&self) -> bool {
        matches!(self, Verdict::Set { .. } | Verdict::Platform { .. })
    }

    /// Which verdict this is, without what it carries.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Set { .. } => VerdictKind::Set,
            Verdict::Platform { .. } => VerdictKind::Platform,
            Verdict::Defaulted { .. } => VerdictKind::Defaulted,
            Verdict::Unset { .. } => VerdictKind::Unset,
            Verdict::Unknown { .. } => VerdictKind::Unknown,
        }
    }

    /// A stable kebab-case name (JSON, tests, the matrix legend).
    pub fn as_str(&self) -> &'static str {
        self.kind().into()
    }
}

/// The verdicts by name: what JSON says and renderers match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum VerdictKind {
    Set,
    Platform,
    Defaulted,
    Unset,
    Unknown,
}

/// The verdict on one key, with the read it judges: the head of a fallback
/// chain, a required one first (the strongest claim).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyVerdict {
    pub read: EnvRead,
    pub verdict: Verdict,
}

/// What the verdicts are judged against, besides the rows.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// Every stage envtrail sees but cannot read.
    pub opaque: Vec<OpaqueStage>,
    /// Keys set by env files envtrail sees only by name: loaded by the app
    /// itself from a file it sees, or listed under `[env-files]` in envtrail.toml.
    pub file_keys: BTreeMap<String, Location>,
    /// The platforms the repository deploys to: the keys they set are set.
    pub platforms: platform::Platforms,
}

/// Where a verdict is judged: over every deploy target (does any give the
/// app the key?), or in one of them.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    All,
    Target(&'a Target),
}

/// Judge one key over every target; `None` when the app does not read it.
pub fn judge(chain: &Chain, row: &KeyRow) -> Option<KeyVerdict> {
    judge_in(chain, row, Scope::All)
}

/// Judge one key in `scope`; `None` when the app does not read it.
pub fn judge_in(chain: &Chain, row: &KeyRow, scope: Scope) -> Option<KeyVerdict> {
    let heads: Vec<&EnvRead> = row
        .app_reads()
        .filter(|r| r.fallback_of.is_none())
        .collect();
    let first = heads.first()?;
    if let Some(by) = chain.visibility.platforms.entry(&row.key) {
        return Some(KeyVerdict {
            read: (*first).clone(),
            verdict: Verdict::Platform { by },
        });
    }
    let judged: Vec<(&EnvRead, Option<(String, Location)>)> = heads
        .iter()
        .map(|r| (*r, satisfied_in(chain, r, scope)))
        .collect();
    let unsatisfied: Vec<Cow<EnvRead>> = judged
        .iter()
        .filter(|(_, set)| set.is_none())
        .filter_map(|(r, _)| as_run(chain, r, scope))
        .collect();
    let Some(read) = unsatisfied
        .iter()
        .find(|r| r.required)
        .or(unsatisfied.first())
    else {
        // Every head that runs is satisfied: report the strongest (a required one first).
        let satisfied = || judged.iter().filter(|(_, set)| set.is_some());
        let Some((read, set)) = satisfied().find(|(r, _)| r.required).or(satisfied().next()) else {
            return Some(not_run(first));
        };
        let (key, at) = set.clone()?;
        return Some(KeyVerdict {
            read: (*read).clone(),
            verdict: Verdict::Set { key, at },
        });
    };
    Some(KeyVerdict {
        read: read.clone().into_owned(),
        verdict: unsatisfied_verdict(chain, read, scope),
    })
}

/// A guarded read as it runs in `scope`. `None` when its branch visibly
/// does not run (a key the guard needs set is visibly unset, or one it
/// needs unset is set); as read when every key the guard tests is visibly
/// as it needs and it tests nothing else; otherwise envtrail cannot tell
/// whether it runs, and a read that may not run is never required.
fn as_run<'r>(chain: &Chain, read: &'r EnvRead, scope: Scope) -> Option<Cow<'r, EnvRead>> {
    let Some(guard) = &read.guard else {
        return Some(Cow::Borrowed(read));
    };
    let state = |key: &String| key_state(chain, read, key, scope);
    let set: Vec<Option<bool>> = guard.set.iter().map(state).collect();
    let unset: Vec<Option<bool>> = guard.unset.iter().map(state).collect();
    if set.contains(&Some(false)) || unset.contains(&Some(true)) {
        return None;
    }
    let holds = !guard.other
        && set.iter().all(|s| *s == Some(true))
        && unset.iter().all(|s| *s == Some(false));
    if holds || !read.required {
        return Some(Cow::Borrowed(read));
    }
    let mut optional = read.clone();
    optional.required = false;
    Some(Cow::Owned(optional))
}

/// Whether `key` reaches the code of `read` in `scope`: set, visibly unset
/// (every stage visible, no compose default), or `None` when envtrail cannot
/// tell (always for a key that says which platform runs the code).
fn key_state(chain: &Chain, read: &EnvRead, key: &str, scope: Scope) -> Option<bool> {
    // A test of which platform runs the code holds on that platform only.
    if crate::platform::is_platform_marker(key) {
        return None;
    }
    let probe = EnvRead::new(
        Some(key.to_string()),
        read.location.clone(),
        read.via,
        read.consumer,
    );
    if satisfied_in(chain, &probe, scope).is_some() {
        return Some(true);
    }
    let defaulted = match scope {
        Scope::All => &chain.deploy.defaulted,
        Scope::Target(t) => &t.defaulted,
    };
    let unseen = opaque_in(chain, read, scope).is_some();
    (!unseen && !defaulted.contains_key(key)).then_some(false)
}

/// Every read of the key sits in a branch that visibly does not run.
fn not_run(read: &EnvRead) -> KeyVerdict {
    let at = read
        .guard
        .as_ref()
        .map_or_else(|| read.location.clone(), |g| g.location.clone());
    KeyVerdict {
        read: read.clone(),
        verdict: Verdict::Defaulted {
            default: Defaulting::Branch { at },
            breaks: Vec::new(),
        },
    }
}

/// The opaque stage that may feed `read`'s code within `scope`: stages of
/// other targets' units do not, nor a dotenv file only scripts can load
/// when the read is the deployed app's.
fn opaque_in<'a>(chain: &'a Chain, read: &EnvRead, scope: Scope) -> Option<&'a OpaqueStage> {
    let dir = dir_of(&read.location.file);
    let feeds = |o: &OpaqueStage| match o.kind {
        OpaqueKind::AppDotenv { scripts_only, .. } => {
            !scripts_only || read.consumer != Consumer::App
        }
        _ => true,
    };
    chain
        .visibility
        .opaque
        .iter()
        .filter(|o| is_above(&o.scope, dir) && feeds(o))
        .filter(|o| match scope {
            Scope::All => true,
            Scope::Target(t) => {
                chain.deploy.opaque.binary_search(o).is_err() || t.opaque.binary_search(o).is_ok()
            }
        })
        .min_by_key(|o| (o.kind.rank(), &o.location))
}

/// The stage envtrail cannot see that may feed `read`'s code, over every
/// target: while there is one, that no stage writes a key is not certain.
pub fn unseen_upstream<'a>(chain: &'a Chain, read: &EnvRead) -> Option<&'a OpaqueStage> {
    opaque_in(chain, read, Scope::All)
}

/// No visible stage sets `read`: unknown, defaulted or unset.
fn unsatisfied_verdict(chain: &Chain, read: &EnvRead, scope: Scope) -> Verdict {
    if let Some(o) = opaque_in(chain, read, scope) {
        return Verdict::Unknown {
            because: o.kind.clone(),
            at: o.location.clone(),
        };
    }
    let (all_breaks, all_defaulted) = match scope {
        Scope::All => (&chain.deploy.breaks, &chain.deploy.defaulted),
        Scope::Target(t) => (&t.breaks, &t.defaulted),
    };
    let breaks: Vec<Break> = read
        .chain
        .iter()
        .filter_map(|k| all_breaks.get(k))
        .flatten()
        .cloned()
        .collect();
    let compose: Vec<Defaulted> = read
        .chain
        .iter()
        .filter_map(|k| all_defaulted.get(k))
        .flatten()
        .cloned()
        .collect();
    if !compose.is_empty() {
        Verdict::Defaulted {
            default: Defaulting::Compose(compose),
            breaks,
        }
    } else if read.required {
        Verdict::Unset { breaks }
    } else {
        Verdict::Defaulted {
            default: Defaulting::Code,
            breaks,
        }
    }
}

/// The key of `read`'s fallback chain (or an alias of one) that reaches the
/// code reading it, and where it is set.
pub fn satisfied_at(chain: &Chain, read: &EnvRead) -> Option<(String, Location)> {
    satisfied_in(chain, read, Scope::All)
}

fn satisfied_in(chain: &Chain, read: &EnvRead, scope: Scope) -> Option<(String, Location)> {
    let file = read.location.file.as_str();
    read.chain.iter().find_map(|k| {
        set_at(chain, k, file, scope)
            .map(|at| (k.clone(), at))
            .or_else(|| {
                chain.deploy.aliases.get(k).and_then(|aliases| {
                    aliases
                        .iter()
                        .find_map(|a| set_at(chain, a, file, scope).map(|at| (a.clone(), at)))
                })
            })
    })
}

/// Where `key` is set for the code in `file`, if it is: by the platform, by
/// the app's own dotenv file, or (with a compose / Kubernetes / Cloud Run
/// stage for the app) where it reaches that code in a target that delivers
/// the app, else by any write.
fn set_at(chain: &Chain, key: &str, file: &str, scope: Scope) -> Option<Location> {
    if chain.visibility.platforms.sets(key) {
        return Some(Location::file_start(file));
    }
    if let Some(at) = chain.visibility.file_keys.get(key) {
        return Some(at.clone());
    }
    if let Some(at) = set_by_the_app(chain, key, file) {
        return Some(at);
    }
    if let Scope::Target(t) = scope {
        let reaches =
            !chain.deploy.has_app_stage || chain.deploy.reaches_code_in_target(t, key, file);
        return t.keys.get(key).filter(|_| reaches).cloned();
    }
    if chain.deploy.has_app_stage {
        // A development compose file that sets the key does not set it for
        // the deploy: only targets that deliver the app count, when some do.
        let some_deliver = chain.deploy.targets.iter().any(|t| t.delivers);
        return chain
            .deploy
            .targets
            .iter()
            .filter(|t| t.delivers || !some_deliver)
            .filter(|t| chain.deploy.reaches_code_in_target(t, key, file))
            .find_map(|t| t.keys.get(key).cloned());
    }
    chain
        .rows
        .get(key)
        .and_then(|r| chain.deploy_writes(r).next())
        .map(|w| w.location.clone())
}

/// Where the app's own code sets `key` (`os.environ.setdefault`) for the code
/// in `file`: in a folder above it (`manage.py`, `config/wsgi.py` for
/// `config/settings/base.py`), so the same process runs both.
fn set_by_the_app(chain: &Chain, key: &str, file: &str) -> Option<Location> {
    chain
        .rows
        .get(key)?
        .writes_at(crate::facts::Stage::Settings)
        .find(|w| is_above(dir_of(&w.location.file), dir_of(file)))
        .map(|w| w.location.clone())
}

/// The deploy targets where a key the app requires is certainly unset while
/// it reaches the app in another target: the app fails at boot there.
/// `unset-required` reports them (one finding per key) and `env-drift`
/// leaves them to it; decided here, once.
pub(super) fn required_missing_in(chain: &Chain, row: &KeyRow) -> Vec<usize> {
    let Some(kv) = &row.verdict else {
        return Vec::new();
    };
    // Only targets known to deliver the app through a visible deploy stage
    // are certain: a compose variant or a job may never run in production.
    let delivering = |t: &&Target| chain.deploy.has_app_stage && t.delivers && t.for_drift;
    let reaches_somewhere = chain
        .deploy
        .targets
        .iter()
        .filter(delivering)
        .any(|t| t.verdict(&row.key).is_some_and(Verdict::reaches));
    // A script's read fails the script, not the deploy: the app's own reads only.
    if !kv.read.required
        || kv.read.consumer != Consumer::App
        || !kv.verdict.reaches()
        || !reaches_somewhere
    {
        return Vec::new();
    }
    chain
        .deploy
        .targets
        .iter()
        .enumerate()
        .filter(|(_, t)| delivering(t))
        .filter(|(_, t)| matches!(t.verdict(&row.key), Some(Verdict::Unset { .. })))
        .map(|(i, _)| i)
        .collect()
}

/// The app's compose services that run the settings module reading `row`'s
/// required key and, with everything feeding them visible, do not get it
/// while another service of the same target does: that service fails at
/// boot (the module is imported when the app starts). Decided here, once.
pub(super) fn required_missing_in_services(chain: &Chain, row: &KeyRow) -> Vec<(usize, usize)> {
    let Some(kv) = &row.verdict else {
        return Vec::new();
    };
    let file = kv.read.location.file.as_str();
    if !kv.read.required
        || kv.read.consumer != Consumer::App
        || !kv.verdict.reaches()
        || !chain.settings_modules.iter().any(|m| m == file)
    {
        return Vec::new();
    }
    let names: Vec<&String> = kv
        .read
        .chain
        .iter()
        .flat_map(|k| std::iter::once(k).chain(chain.deploy.aliases.get(k).into_iter().flatten()))
        .collect();
    let gets = |s: &ServiceReach| names.iter().any(|k| s.keys.contains(k.as_str()));
    let mut missing = Vec::new();
    for (ti, t) in chain
        .deploy
        .targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.delivers && t.for_drift)
    {
        let runs: Vec<(usize, &ServiceReach)> = t
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.runs_code_in(file))
            .collect();
        if !runs.iter().any(|(_, s)| gets(s)) {
            continue;
        }
        // A development file or an override is merged onto another at run
        // time: what its service lacks, the base may give.
        let certain = |s: &ServiceReach| s.visible && !is_dev_file(&s.file);
        missing.extend(
            runs.into_iter()
                .filter(|(_, s)| certain(s) && !gets(s))
                .map(|(si, _)| (ti, si)),
        );
    }
    missing
}
