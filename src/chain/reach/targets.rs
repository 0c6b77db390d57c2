//! The deploy targets and what each gives the app: every unit the target
//! deploys, judged against the host env the target's workflow writes.

use std::collections::{BTreeMap, BTreeSet};

use super::host::HostEnv;
use super::outcome::{Arrival, Inputs, Outcome};
use super::units::{Unit, is_kube_app};
use super::{ServiceReach, Target, dir_of, env_tokens, is_dev_file};
use crate::config::Config;
use crate::facts::{
    EnvWrite, Facts, OpaqueKind, OpaqueStage, PlatformApp, Source, Stage, WriteVia,
};
use crate::location::Location;

/// Runs targets through their units, keeping what every target shares: the
/// deploy stage's own writes.
pub(super) struct Assembler<'a> {
    inputs: &'a Inputs<'a>,
    config: &'a Config,
    pub writes: BTreeSet<DeployWrite>,
}

/// A deploy stage's write, one per key, place and kind: every target that
/// deploys a unit arrives at its writes again, and the first one is kept.
/// Ordered by those three alone, so the set holds each write once rather
/// than a map holding a copy of its key beside it.
pub(super) struct DeployWrite(pub EnvWrite);

impl DeployWrite {
    fn identity(&self) -> (&str, &Location, WriteVia) {
        (&self.0.key, &self.0.location, self.0.via)
    }
}

impl PartialEq for DeployWrite {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for DeployWrite {}

impl PartialOrd for DeployWrite {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DeployWrite {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl<'a> Assembler<'a> {
    pub fn new(inputs: &'a Inputs<'a>, config: &'a Config) -> Self {
        Assembler {
            inputs,
            config,
            writes: BTreeSet::new(),
        }
    }

    /// A target named `name` at `location` that deploys `units` from `host`.
    fn target(
        &mut self,
        name: &str,
        location: Location,
        host: &HostEnv,
        units: &[&Unit],
    ) -> Target {
        let mut target = Target::new(name, location);
        if !units.is_empty() {
            let mut parts: Vec<String> = units.iter().map(|u| u.app_part()).collect();
            parts.sort();
            parts.dedup();
            target.app_unit = parts.join("; ");
        }
        for unit in units {
            let out = self.unit_outcome(unit, host, &mut target.services);
            for a in out.arrivals {
                self.arrive(host, a, &mut target);
            }
            for (key, b) in out.breaks {
                target.breaks.entry(key).or_default().push(b);
            }
            for (key, d) in out.defaulted {
                target.defaulted.entry(key).or_default().push(d);
            }
            target.opaque.extend(out.opaque);
        }
        target.settle();
        target
    }

    /// What `unit` gives the app from `host`; each compose service's own
    /// keys go to `services`.
    fn unit_outcome(
        &self,
        unit: &Unit,
        host: &HostEnv,
        services: &mut Vec<ServiceReach>,
    ) -> Outcome {
        let mut out = Outcome::default();
        match unit {
            Unit::Compose {
                services: app_services,
                ..
            } => {
                for svc in app_services {
                    let one = super::compose::service_reach(self.inputs, svc, host);
                    services.push(ServiceReach {
                        file: svc.file.clone(),
                        name: svc.name.clone(),
                        location: svc.location.clone(),
                        build_context: svc.build_context.clone(),
                        keys: one.arrivals.iter().map(|a| a.key.clone()).collect(),
                        visible: one.opaque.is_empty()
                            && !svc
                                .env_files
                                .iter()
                                .any(|ef| self.inputs.written_whole(&ef.path)),
                    });
                    out.extend(one);
                }
            }
            Unit::Kube { workloads, .. } => {
                let app = |name: &str| is_kube_app(self.config, name);
                for w in workloads {
                    super::kube::workload_reach(self.inputs, w, &app, host, &mut out);
                }
            }
            Unit::Platform { name, app } => platform_app_reach(name, app, host, &mut out),
        }
        out
    }

    /// Record an arrival: the folder it reaches, the deploy stage's write,
    /// and where the target sets the key (the workflow's own write when
    /// compose only passes it on, else the deploy stage).
    fn arrive(&mut self, host: &HostEnv, a: Arrival, target: &mut Target) {
        let dir = dir_of(&a.location.file);
        target
            .arrived_in
            .entry(a.key.clone())
            .or_default()
            .insert(dir.to_string());
        let upstream = match (a.via, &a.source, &a.sink) {
            (WriteVia::ComposeEnvFile, _, Some(sink)) => host
                .file_writes(dir, sink)
                .find(|w| w.key == a.key)
                .map(|w| w.location.clone()),
            (WriteVia::ComposeEnvironment, Source::Env(h), _) => host.origin(dir, h),
            _ => None,
        };
        target
            .keys
            .entry(a.key.clone())
            .or_insert_with(|| upstream.unwrap_or_else(|| a.location.clone()));
        // `insert` leaves an equal write already there in place.
        self.writes.insert(DeployWrite(EnvWrite {
            key: a.key,
            location: a.location,
            via: a.via,
            source: a.source,
            sink: a.sink,
            target: Some(a.target),
            remote: false,
        }));
    }

    /// No workflow names a target: each unit is one, fed by every write;
    /// direct writes (Cloud Run, `docker run -e`) reach all of them.
    pub fn unit_targets(
        &mut self,
        facts: &Facts,
        units: &[&Unit],
        direct: &[&EnvWrite],
        tests: &BTreeSet<&str>,
    ) -> Vec<Target> {
        let host = HostEnv::excluding(&facts.writes, None, true, tests);
        let mut targets: Vec<Target> = units
            .iter()
            .map(|unit| {
                let mut t = self.target(
                    unit.name(),
                    unit.location(),
                    &host,
                    std::slice::from_ref(unit),
                );
                t.for_drift = !is_dev_file(unit.name());
                // With no workflow naming targets, a deploy unit that is not
                // for development is itself what gets deployed.
                t.delivers = t.for_drift;
                t
            })
            .collect();
        if targets.is_empty() && !direct.is_empty() {
            let location = direct
                .iter()
                .map(|w| w.location.clone())
                .min()
                .unwrap_or_else(|| Location::file_start(""));
            targets.push(Target::new("deploy", location));
        }
        for t in &mut targets {
            for w in direct {
                t.keys
                    .entry(w.key.clone())
                    .or_insert_with(|| w.location.clone());
            }
        }
        targets
    }

    /// Each workflow target deploys the units whose names share its
    /// environment words (all of them when none does), from its own writes.
    pub fn workflow_targets(
        &mut self,
        facts: &Facts,
        named: &[(String, Location)],
        units: &[&Unit],
        direct: &[&EnvWrite],
    ) -> Vec<Target> {
        let mut targets = Vec::new();
        for (name, location) in named {
            // Compose started only on deploy hosts: the runner's env stays behind.
            let jobs: Vec<_> = facts.jobs.iter().filter(|j| &j.target == name).collect();
            let runner_env =
                jobs.is_empty() || jobs.iter().any(|j| j.compose_on_runner != Some(false));
            let host = HostEnv::new(&facts.writes, Some(name), runner_env);
            // A target whose jobs start no compose, in a repository deploying
            // to a platform, deploys the platform's apps, not a compose stack.
            let starts_compose = jobs.iter().any(|j| j.compose_on_runner.is_some());
            let has_platform = units.iter().any(|u| matches!(u, Unit::Platform { .. }));
            let deployable: Vec<&Unit> = units
                .iter()
                .copied()
                .filter(|u| starts_compose || !has_platform || !matches!(u, Unit::Compose { .. }))
                .collect();
            let tokens = env_tokens(name);
            let paired: Vec<&Unit> = deployable
                .iter()
                .copied()
                .filter(|u| !tokens.is_disjoint(&env_tokens(u.name())))
                .collect();
            let paired = if paired.is_empty() {
                deployable
            } else {
                paired
            };
            let mut target = self.target(name, location.clone(), &host, &paired);
            target.delivers = delivers(facts, self.config, name);
            for w in direct
                .iter()
                .filter(|w| w.target.is_none() || w.target.as_deref() == Some(name))
            {
                target
                    .keys
                    .entry(w.key.clone())
                    .or_insert_with(|| w.location.clone());
            }
            targets.push(target);
        }
        targets
    }

    /// No compose or Kubernetes stage for the app: a key is set in a target
    /// when some stage writes it for that target; a Python image's ENV counts.
    pub fn stage_free_targets(
        &mut self,
        facts: &Facts,
        named: &[(String, Location)],
    ) -> Vec<Target> {
        for image in facts.images.iter().filter(|i| i.python) {
            for e in &image.env {
                self.writes.insert(DeployWrite(EnvWrite {
                    key: e.key.clone(),
                    location: e.location.clone(),
                    via: WriteVia::DockerfileEnv,
                    source: e.source.clone(),
                    sink: None,
                    target: None,
                    remote: false,
                }));
            }
        }
        named
            .iter()
            .map(|(name, location)| {
                let mut target = Target::new(name, location.clone());
                for w in facts
                    .writes
                    .iter()
                    .chain(self.writes.iter().map(|w| &w.0))
                    .filter(|w| w.target.is_none() || w.target.as_deref() == Some(name))
                {
                    target
                        .keys
                        .entry(w.key.clone())
                        .or_insert_with(|| w.location.clone());
                }
                target
            })
            .collect()
    }
}

/// What a platform app's definition gives the app: every key it names, the
/// keys the workflow appends to its manifest (`echo "  K: v" >> app.yaml`),
/// and what it takes that envtrail cannot read key by key.
fn platform_app_reach(target: &str, app: &PlatformApp, host: &HostEnv, out: &mut Outcome) {
    for e in &app.env {
        out.arrive(target, &e.key, &e.location, app.via, e.source.clone(), None);
    }
    for w in host.file_writes("", &app.location.file) {
        out.arrive(target, &w.key, &w.location, app.via, w.source.clone(), None);
    }
    for (file, at) in &app.env_files {
        let mut written = host.file_writes("", file).peekable();
        if written.peek().is_none() {
            out.opaque.push(OpaqueStage {
                kind: OpaqueKind::HostEnvFile { path: file.clone() },
                location: at.clone(),
                scope: String::new(),
            });
        }
        for w in written {
            out.arrive(
                target,
                &w.key,
                &w.location,
                app.via,
                w.source.clone(),
                Some(file),
            );
        }
    }
    for unseen in &app.unseen {
        out.opaque.push(OpaqueStage {
            kind: OpaqueKind::PlatformEnv {
                app: format!("{} {}", app.noun, app.name),
                what: unseen.what.clone(),
            },
            location: unseen.location.clone(),
            scope: String::new(),
        });
    }
}

/// The targets workflows name (a job's environment, a workflow's target),
/// each at its first line: from env writes and from opaque writes alike,
/// those of jobs that deliver the app.
pub(super) fn named_by_workflows(
    facts: &Facts,
    config: &Config,
    tests: &BTreeSet<&str>,
) -> Vec<(String, Location)> {
    let mut named: BTreeMap<&String, Location> = BTreeMap::new();
    let writes = facts
        .writes
        .iter()
        .filter(|w| w.via.stage() == Stage::Workflow)
        .filter_map(|w| w.target.as_ref().map(|t| (t, &w.location)));
    let opaque = facts
        .opaque
        .iter()
        .filter_map(|o| o.target.as_ref().map(|t| (t, &o.location)));
    for (target, location) in writes.chain(opaque) {
        named
            .entry(target)
            .and_modify(|l| *l = l.clone().min(location.clone()))
            .or_insert_with(|| location.clone());
    }
    // Deploy targets are the jobs that deliver the app; when envtrail sees
    // none deliver (a deploy it cannot recognise), every job but the test
    // environments stays one.
    if named.keys().any(|t| delivers(facts, config, t)) {
        named.retain(|t, _| delivers(facts, config, t));
    } else {
        named.retain(|t, _| !tests.contains(t.as_str()));
    }
    named.into_iter().map(|(t, l)| (t.clone(), l)).collect()
}

/// Targets whose every job runs the app's tests on the runner and delivers
/// nothing (unless `deploy-targets` names them): test environments, whose
/// writes meet their own reads and reach no deploy.
pub(super) fn test_environments<'a>(facts: &'a Facts, config: &Config) -> BTreeSet<&'a str> {
    let mut all_tests: BTreeMap<&str, bool> = BTreeMap::new();
    for job in &facts.jobs {
        *all_tests.entry(job.target.as_str()).or_insert(true) &= job.tests;
    }
    all_tests
        .into_iter()
        .filter(|(t, tests)| *tests && !delivers(facts, config, t))
        .map(|(t, _)| t)
        .collect()
}

/// Target `name` delivers the app: the config says so (`deploy-targets`),
/// else one of its jobs does.
pub(super) fn delivers(facts: &Facts, config: &Config, name: &str) -> bool {
    if !config.deploy_targets.is_empty() {
        return config.deploy_targets.is_match(name);
    }
    facts.jobs.iter().any(|j| j.target == name && j.delivers)
}
