//! Reachability: which keys reach the app, per deploy target.
//!
//! A key written by a workflow only reaches the app when every link holds:
//! written to the file compose reads (or exported), then passed by the
//! service that runs the app (`env_file:` / `environment:`), or set by the
//! image, a Kubernetes manifest or Cloud Run. This module derives, from the
//! located facts, the deploy targets, the keys each one gives the app, where
//! each chain breaks, and the compose stage's own writes (`compose-*`,
//! `dockerfile-env`, `dotenv-file`, `kubernetes`) for the report.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::facts::{
    ComposeService, Consumer, DockerImage, DotenvFile, EnvRead, EnvWrite, Facts, OpaqueStage,
    WriteVia,
};
use crate::location::Location;

mod compose;
mod host;
mod kube;
mod outcome;
mod targets;
mod units;

use outcome::Inputs;

/// A deploy target: a workflow job or GitHub environment that writes env for
/// the app, a compose file variant, or a Kubernetes manifest folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// Where the target is defined: its first env write, or the app service.
    pub location: Location,
    /// The keys that reach the app in this target, each with where it is set.
    pub keys: BTreeMap<String, Location>,
    /// Compared by `env-drift` (development/test compose files are not).
    pub for_drift: bool,
    /// A workflow job of this target delivers the app (ssh, kubectl, a
    /// platform deploy): what it lacks, production lacks.
    pub delivers: bool,
    /// What of the app this target deploys, in words (`compose service web`,
    /// `Kubernetes workloads api, worker`, `the app`): env-drift compares
    /// only targets that deploy the same unit.
    pub app_unit: String,
    /// Where the chain of a key breaks in this target's units.
    pub breaks: BTreeMap<String, Vec<Break>>,
    /// Keys this target's compose gives only a default.
    pub defaulted: BTreeMap<String, Vec<Defaulted>>,
    /// Stages of this target's units envtrail cannot see into.
    pub opaque: Vec<OpaqueStage>,
    /// The app's compose services this target deploys, each with its keys.
    pub services: Vec<ServiceReach>,
    /// For each key, the folders of the compose files whose app service it
    /// reaches in this target: in a monorepo, one service's `.env` is not another's.
    pub arrived_in: BTreeMap<String, BTreeSet<String>>,
    /// The verdict on each key the app reads, in this target: judged once
    /// with the chain (see `chain::verdict`), read by every consumer.
    /// With the read judged, which in a monorepo may be another service's
    /// than the one judged over every target.
    pub verdicts: BTreeMap<String, crate::chain::KeyVerdict>,
}

impl Target {
    fn new(name: &str, location: Location) -> Target {
        Target {
            name: name.to_string(),
            location,
            keys: BTreeMap::new(),
            for_drift: true,
            delivers: false,
            app_unit: "the app".to_string(),
            breaks: BTreeMap::new(),
            defaulted: BTreeMap::new(),
            opaque: Vec::new(),
            services: Vec::new(),
            arrived_in: BTreeMap::new(),
            verdicts: BTreeMap::new(),
        }
    }

    /// Sorted and without duplicates: every service of a unit may report the same.
    fn settle(&mut self) {
        settle(&mut self.breaks, &mut self.defaulted, &mut self.opaque);
    }

    /// This target's verdict on `key`, when the app reads it.
    pub fn verdict(&self, key: &str) -> Option<&crate::chain::Verdict> {
        self.verdicts.get(key).map(|kv| &kv.verdict)
    }

    /// This target's verdict on `key` with the read it judges.
    pub fn key_verdict(&self, key: &str) -> Option<&crate::chain::KeyVerdict> {
        self.verdicts.get(key)
    }
}

/// One compose service that runs the app, in one target: the keys that
/// reach its container.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceReach {
    pub file: String,
    pub name: String,
    /// The service's key in the compose file.
    pub location: Location,
    /// `build:` context, resolved against the root.
    pub build_context: Option<String>,
    pub keys: BTreeSet<String>,
    /// Every stage feeding the service is visible (no host-only or
    /// whole-file env file): what it lacks, it lacks.
    pub visible: bool,
}

impl ServiceReach {
    /// The service runs the code in `file`: built from a folder above it.
    pub fn runs_code_in(&self, file: &str) -> bool {
        self.build_context
            .as_deref()
            .is_some_and(|ctx| ctx == "." || is_above(ctx, dir_of(file)))
    }
}

/// Where the chain of one key breaks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Break {
    pub location: Location,
    pub kind: BreakKind,
    /// The places the break points back to: the write that does not get
    /// through, the object that lacks the key.
    pub related: Vec<Location>,
}

/// Why a key stops travelling at a deploy stage. Typed: the rules word it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum BreakKind {
    /// Compose passes the key from the host (`- KEY`) and the host env, which
    /// envtrail sees, lacks it.
    PassthroughUnset { service: String },
    /// `${HOST_KEY:?…}`: compose refuses to start without it.
    RequiredInterpolationUnset { service: String, host_key: String },
    /// `${HOST_KEY}` unset: compose passes an empty value.
    EmptyInterpolation { service: String, host_key: String },
    /// The deploy writes the key to a file the service does not read.
    EnvFileMismatch {
        service: String,
        env_files: Vec<String>,
        written: Written,
    },
    /// The service's `environment:` list omits a key the deploy writes.
    EnvironmentOmits {
        service: String,
        list_at: Location,
        written: Written,
    },
    /// The service takes neither an env_file nor an environment entry for it.
    NotPassed { service: String, written: Written },
    /// A Kubernetes container takes the key from an object that lacks it.
    ObjectLacksKey {
        container: String,
        object_kind: &'static str,
        object: String,
        object_key: String,
    },
}

/// How an upstream write that does not get through was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Written {
    ToFile { sink: String, at: Location },
    Exported { at: Location },
}

/// A key the app only gets from a compose default (`${K:-default}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Defaulted {
    pub location: Location,
    pub host_key: String,
    pub default_empty: bool,
}

/// The deploy side of the chain.
#[derive(Debug, Clone, Default)]
pub struct Deploy {
    /// The repository has a compose, Kubernetes or Cloud Run stage for the
    /// app: "set" then means "reaches the app", not "some stage writes it".
    pub has_app_stage: bool,
    /// Targets that are test environments (jobs running the app's tests on
    /// the runner): what they write meets their own reads, never the deploy's.
    pub test_environments: BTreeSet<String>,
    pub targets: Vec<Target>,
    pub breaks: BTreeMap<String, Vec<Break>>,
    pub defaulted: BTreeMap<String, Vec<Defaulted>>,
    pub services: Vec<ComposeService>,
    /// The repository's Dockerfiles, as built images.
    pub images: Vec<DockerImage>,
    /// `(compose file, service)` of the services that run the app.
    pub app_services: BTreeSet<(String, String)>,
    /// Documented example env files that describe the app's env.
    pub examples: Vec<DotenvFile>,
    pub oneshot_patterns: crate::config::Globs,
    /// Symmetric: each name maps to its other names.
    pub aliases: BTreeMap<String, BTreeSet<String>>,
    /// Stages of the app's deploy units envtrail cannot see into (host env
    /// files, objects from external secret stores).
    pub opaque: Vec<OpaqueStage>,
}

impl Deploy {
    /// Breaks, compose defaults and opaque stages of every target: what the
    /// key's verdict over all targets is judged from.
    fn gather_from_targets(&mut self) {
        for t in &self.targets {
            for (key, list) in &t.breaks {
                self.breaks
                    .entry(key.clone())
                    .or_default()
                    .extend(list.iter().cloned());
            }
            for (key, list) in &t.defaulted {
                self.defaulted
                    .entry(key.clone())
                    .or_default()
                    .extend(list.iter().cloned());
            }
            self.opaque.extend(t.opaque.iter().cloned());
        }
        settle(&mut self.breaks, &mut self.defaulted, &mut self.opaque);
    }

    /// `key` reaches the app service that runs the code in `file` in target
    /// `t`: another service's `.env` in the same job is not this one's.
    pub fn reaches_code_in_target(&self, t: &Target, key: &str, file: &str) -> bool {
        t.keys.contains_key(key) && self.reaches_home(&t.arrived_in, key, file)
    }

    /// Whether `arrived_in` has `key` reaching the app service that runs
    /// `file`: the one whose compose file sits in the deepest folder above
    /// it. When no app service's folder holds `file` (one compose file for
    /// the whole repository, Kubernetes, Cloud Run), any app service will do.
    fn reaches_home(
        &self,
        arrived_in: &BTreeMap<String, BTreeSet<String>>,
        key: &str,
        file: &str,
    ) -> bool {
        let home = self
            .app_services
            .iter()
            .map(|(compose, _)| dir_of(compose))
            .filter(|dir| is_above(dir, dir_of(file)))
            .max_by_key(|dir| dir.len());
        match (home, arrived_in.get(key)) {
            (Some(home), Some(dirs)) if !home.is_empty() => dirs.contains(home),
            _ => true,
        }
    }
}

/// Breaks, compose defaults and opaque stages sorted and without duplicates
/// (opaque stages are binary-searched by the verdict).
fn settle(
    breaks: &mut BTreeMap<String, Vec<Break>>,
    defaulted: &mut BTreeMap<String, Vec<Defaulted>>,
    opaque: &mut Vec<OpaqueStage>,
) {
    for list in breaks.values_mut() {
        list.sort();
        list.dedup();
    }
    for list in defaulted.values_mut() {
        list.sort();
        list.dedup();
    }
    opaque.sort();
    opaque.dedup();
}

/// `dir` is `inner` or a folder above it ("" is above everything).
pub(crate) fn is_above(dir: &str, inner: &str) -> bool {
    dir.is_empty()
        || dir == inner
        || inner
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// What [`derive`] adds to the facts before they are joined per key.
pub struct Derived {
    pub deploy: Deploy,
    pub writes: Vec<EnvWrite>,
    pub reads: Vec<EnvRead>,
}

/// Writes that put a key straight into the app's process, whatever compose
/// does (the ECS render action's keys go into the task definition it deploys).
fn is_direct(via: WriteVia) -> bool {
    matches!(
        via,
        WriteVia::DockerRunEnv
            | WriteVia::CloudRun
            | WriteVia::Kubernetes
            | WriteVia::EcsTaskDefinition
            // A platform CLI in the workflow: `fly secrets set`, `heroku config:set`, `cf set-env`.
            | WriteVia::Fly
            | WriteVia::Heroku
            | WriteVia::CloudFoundry
            // `helm upgrade --set env.K=…`.
            | WriteVia::Helm
    )
}

pub(crate) fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

pub(crate) fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Environment words in a name, canonical: `prod` → production, `stg` → staging.
pub fn env_tokens(name: &str) -> BTreeSet<&'static str> {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|t| match t {
            "prod" | "production" | "prd" | "live" => Some("production"),
            "staging" | "stage" | "stg" => Some("staging"),
            "dev" | "develop" | "development" | "local" => Some("development"),
            "test" | "testing" | "ci" | "e2e" => Some("test"),
            "qa" => Some("qa"),
            "uat" => Some("uat"),
            "preview" => Some("preview"),
            "demo" => Some("demo"),
            "sandbox" => Some("sandbox"),
            _ => None,
        })
        .collect()
}

/// Compose files for development or tests: still stages, never drift targets,
/// never audited for restart policies.
pub fn is_dev_file(file: &str) -> bool {
    crate::collect::compose::path_is_dev(file) || basename(file).contains("override")
}

/// The deploy side of the chain, from the located facts: the app's units,
/// the targets that deploy them and what each gives the app.
pub fn derive(facts: &Facts, config: &Config) -> Derived {
    let inputs = Inputs::new(facts);
    // `services` and `images` are moved in by the chain once the facts
    // are done with (a copy here would hold both through the whole build).
    let mut deploy = Deploy {
        oneshot_patterns: config.oneshot_patterns(),
        aliases: aliases(config),
        ..Deploy::default()
    };
    let apps = units::app_services(facts, config, &inputs.images);
    deploy.app_services = apps
        .iter()
        .map(|s| (s.file.clone(), s.name.clone()))
        .collect();
    let reads = units::compose_reads(facts, &deploy.app_services);
    let units = units::units(facts, config, &apps);
    let unit_refs: Vec<&units::Unit> = units.iter().collect();
    let direct: Vec<&EnvWrite> = facts.writes.iter().filter(|w| is_direct(w.via)).collect();
    deploy.has_app_stage =
        !units.is_empty() || direct.iter().any(|w| w.via != WriteVia::DockerRunEnv);
    let tests = targets::test_environments(facts, config);
    deploy.test_environments = tests.iter().map(|t| t.to_string()).collect();
    let named = targets::named_by_workflows(facts, config, &tests);
    let mut assembler = targets::Assembler::new(&inputs, config);
    deploy.targets = match (deploy.has_app_stage, named.is_empty()) {
        (true, true) => assembler.unit_targets(facts, &unit_refs, &direct, &tests),
        (true, false) => assembler.workflow_targets(facts, &named, &unit_refs, &direct),
        (false, _) => assembler.stage_free_targets(facts, &named),
    };
    deploy.gather_from_targets();
    deploy.examples = examples(facts);
    Derived {
        deploy,
        writes: assembler.writes.into_iter().map(|w| w.0).collect(),
        reads,
    }
}

/// `[aliases]` of the config, symmetric: each name maps to its other names.
fn aliases(config: &Config) -> BTreeMap<String, BTreeSet<String>> {
    let mut aliases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, others) in &config.aliases {
        for other in &others.0 {
            aliases
                .entry(name.clone())
                .or_default()
                .insert(other.clone());
            aliases
                .entry(other.clone())
                .or_default()
                .insert(name.clone());
        }
    }
    aliases
}

/// Example env files that describe this app: next to (or above) its code
/// when we know where it is.
fn examples(facts: &Facts) -> Vec<DotenvFile> {
    let code_files: BTreeSet<&str> = facts
        .reads
        .iter()
        .filter(|r| r.consumer == Consumer::App)
        .map(|r| r.location.file.as_str())
        .collect();
    facts
        .dotenv_files
        .iter()
        .filter(|f| f.example)
        .filter(|f| {
            let dir = dir_of(&f.file);
            code_files.is_empty()
                || dir.is_empty()
                || code_files.iter().any(|c| c.starts_with(&format!("{dir}/")))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod parts_tests;
#[cfg(test)]
mod tests;
