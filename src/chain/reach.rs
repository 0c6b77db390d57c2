//! Reachability: which keys reach the app, per deploy target.
//!
//! A key written by a workflow only reaches the app when every link holds:
//! written to the file compose reads (or exported), then passed by the
//! service that runs the app (`env_file:` / `environment:`), or set by the
//! image, a Kubernetes manifest or Cloud Run. This module derives, from the
//! located facts, the deploy targets, the keys each one gives the app, where
//! each chain breaks, and the compose stage's own writes (`compose-*`,
//! `dockerfile-env`, `dotenv-file`, `kubernetes`) for the report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::{Config, Globs};
use crate::facts::{
    ComposeService, ComposeValue, Consumer, DockerImage, DotenvFile, EnvRead, EnvWrite, Facts,
    InterpolationKind, KubeObject, KubeObjectKind, KubeValue, KubeWorkload, OpaqueKind,
    OpaqueStage, ReadVia, Source, Stage, WriteVia,
};
use crate::location::Location;

/// A deploy target: a workflow job or GitHub environment that writes env for
/// the app, a compose file variant, or a Kubernetes manifest folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    /// Where the target is defined: its first env write, or the app service.
    pub location: Location,
    /// The keys that reach the app in this target, each with where it is set.
    pub keys: BTreeMap<String, Location>,
    /// Compared by `env-drift` (development/test compose files are not).
    pub for_drift: bool,
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
    pub targets: Vec<Target>,
    pub breaks: BTreeMap<String, Vec<Break>>,
    pub defaulted: BTreeMap<String, Vec<Defaulted>>,
    pub services: Vec<ComposeService>,
    /// `(compose file, service)` of the services that run the app.
    pub app_services: BTreeSet<(String, String)>,
    /// Documented example env files that describe the app's env.
    pub examples: Vec<DotenvFile>,
    pub oneshot_patterns: Globs,
    /// Symmetric: each name maps to its other names.
    pub aliases: BTreeMap<String, BTreeSet<String>>,
    /// For each key, the folders of the compose files whose app service it
    /// reaches: in a monorepo, one service's `.env` is not another's.
    pub arrived_in: BTreeMap<String, BTreeSet<String>>,
    /// Stages of the app's deploy units envtrail cannot see into (host env
    /// files, objects from external secret stores).
    pub opaque: Vec<OpaqueStage>,
}

impl Deploy {
    /// Some target gives the app `key`.
    pub fn reaches(&self, key: &str) -> bool {
        self.targets.iter().any(|t| t.keys.contains_key(key))
    }

    /// `key` reaches the app service that runs the code in `file`: the one
    /// whose compose file sits in the deepest folder above `file`. When no
    /// app service's folder holds `file` (one compose file for the whole
    /// repository, Kubernetes, Cloud Run), any app service will do.
    pub fn reaches_code_in(&self, key: &str, file: &str) -> bool {
        if !self.reaches(key) {
            return false;
        }
        let home = self
            .app_services
            .iter()
            .map(|(compose, _)| dir_of(compose))
            .filter(|dir| is_above(dir, dir_of(file)))
            .max_by_key(|dir| dir.len());
        match (home, self.arrived_in.get(key)) {
            (Some(home), Some(dirs)) if !home.is_empty() => dirs.contains(home),
            _ => true,
        }
    }
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

/// Writes that put a key straight into the app's process, whatever compose does.
fn is_direct(via: WriteVia) -> bool {
    matches!(
        via,
        WriteVia::DockerRunEnv | WriteVia::CloudRun | WriteVia::Kubernetes
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
    let tokens = env_tokens(basename(file));
    tokens.contains("development") || tokens.contains("test") || basename(file).contains("override")
}

/// The env a deploy host gives compose for one target.
struct HostEnv<'a> {
    /// Written on the runner to a path inside the repository
    /// (`services/api/.env`): matched by that path only, so in a monorepo
    /// each compose file gets its own service's `.env`.
    located: HashMap<String, Vec<&'a EnvWrite>>,
    /// Written on a deploy host, or to an absolute path: the host's tree is
    /// not the repository's, so matched by the file's name (`.env`).
    by_name: HashMap<&'a str, Vec<&'a EnvWrite>>,
    /// Exported into the process environment.
    exported: HashMap<&'a str, &'a EnvWrite>,
}

impl<'a> HostEnv<'a> {
    fn new(writes: &'a [EnvWrite], target: Option<&str>) -> Self {
        let applies =
            |t: &Option<String>| target.is_none() || t.is_none() || t.as_deref() == target;
        let mut env = HostEnv {
            located: HashMap::new(),
            by_name: HashMap::new(),
            exported: HashMap::new(),
        };
        for w in writes
            .iter()
            .filter(|w| w.via.stage() == Stage::Workflow && applies(&w.target))
        {
            match &w.sink {
                Some(sink) => match repo_path(w, sink) {
                    Some(path) => env.located.entry(path).or_default().push(w),
                    None => env.by_name.entry(basename(sink)).or_default().push(w),
                },
                None if !is_direct(w.via) => {
                    env.exported.entry(w.key.as_str()).or_insert(w);
                }
                None => {}
            }
        }
        env
    }

    /// The writes to `path` as a file in folder `dir` of the repository
    /// (a compose file's folder) names it.
    fn file_writes(&self, dir: &str, path: &str) -> impl Iterator<Item = &'a EnvWrite> + '_ {
        let located = crate::collect::compose::join(dir, path)
            .and_then(|p| self.located.get(&p))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let by_name = self
            .by_name
            .get(basename(path))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        located.iter().chain(by_name).copied()
    }

    /// The workflow line that gives compose in folder `dir` host key `key`:
    /// exported, or written to the project's `.env`.
    fn origin(&self, dir: &str, key: &str) -> Option<Location> {
        self.exported
            .get(key)
            .copied()
            .or_else(|| self.file_writes(dir, ".env").find(|w| w.key == key))
            .map(|w| w.location.clone())
    }

    /// Every write that could be meant for compose in folder `dir`: exported
    /// keys, host-side files, and runner files in `dir` or a folder above it
    /// (another service's folder in a monorepo is not this service's).
    fn upstream_of(&self, dir: &'a str) -> impl Iterator<Item = &'a EnvWrite> + '_ {
        self.located
            .iter()
            .filter(move |(path, _)| is_above(dir_of(path), dir))
            .flat_map(|(_, ws)| ws.iter().copied())
            .chain(self.by_name.values().flat_map(|ws| ws.iter().copied()))
            .chain(self.exported.values().copied())
    }

    /// envtrail sees the `.env` compose in `dir` reads: committed, or written
    /// by the deploy. Without it the host's env is opaque, not empty.
    fn sees_dotenv(&self, dir: &str, project_dotenv: Option<&DotenvFile>) -> bool {
        project_dotenv.is_some() || self.file_writes(dir, ".env").next().is_some()
    }

    fn has(&self, dir: &str, key: &str, project_dotenv: Option<&DotenvFile>) -> Option<Source> {
        if let Some(w) = self.exported.get(key) {
            return Some(w.source.clone());
        }
        if let Some(w) = self.file_writes(dir, ".env").find(|w| w.key == key) {
            return Some(w.source.clone());
        }
        project_dotenv
            .and_then(|f| f.keys.iter().find(|k| k.key == key))
            .map(|_| Source::Literal)
    }
}

/// The repository path a runner-side write lands in, when it has one: a
/// relative sink written on the runner (`working-directory` already applied
/// by the workflow collector). Remote and absolute sinks have none.
fn repo_path(w: &EnvWrite, sink: &str) -> Option<String> {
    if w.remote || sink.starts_with(['/', '~', '$']) {
        return None;
    }
    crate::collect::compose::join("", sink)
}

/// A key arriving in the app's container at one stage.
struct Arrival {
    key: String,
    location: Location,
    via: WriteVia,
    source: Source,
    sink: Option<String>,
    target: String,
}

struct Inputs<'a> {
    facts: &'a Facts,
    images: BTreeMap<&'a str, &'a DockerImage>,
    dotenv: BTreeMap<&'a str, &'a DotenvFile>,
}

/// The result of passing one host env through one app stage.
#[derive(Default)]
struct Outcome {
    arrivals: Vec<Arrival>,
    breaks: Vec<(String, Break)>,
    defaulted: Vec<(String, Defaulted)>,
    /// Stages of this unit envtrail cannot see into.
    opaque: Vec<OpaqueStage>,
}

/// An env file compose in `dir` reads (an `env_file:`, or the implicit
/// `.env` it interpolates from) that nothing envtrail sees holds or writes:
/// it lives on the deploy host.
fn host_env_file(path: String, dir: &str, at: &Location) -> OpaqueStage {
    OpaqueStage {
        kind: OpaqueKind::HostEnvFile { path },
        location: at.clone(),
        scope: dir.to_string(),
    }
}

/// The implicit `.env` of compose in `dir`, as a host env file.
fn implicit_dotenv(dir: &str, at: &Location) -> OpaqueStage {
    let path = crate::collect::compose::join(dir, ".env").unwrap_or_else(|| ".env".into());
    host_env_file(path, dir, at)
}

fn service_reach(inputs: &Inputs, svc: &ComposeService, host: &HostEnv, out: &mut Outcome) {
    let dir = dir_of(&svc.file);
    let project_dotenv = crate::collect::compose::join(dir, ".env")
        .and_then(|p| inputs.dotenv.get(p.as_str()).copied());
    let target = svc.file.clone();
    let arrive =
        |out: &mut Outcome, key: &str, location: &Location, via, source, sink: Option<&str>| {
            out.arrivals.push(Arrival {
                key: key.to_string(),
                location: location.clone(),
                via,
                source,
                sink: sink.map(str::to_string),
                target: target.clone(),
            })
        };
    // The image first: env_file and environment override it.
    if let Some(image) = svc.dockerfile.as_deref().and_then(|d| inputs.images.get(d)) {
        for e in &image.env {
            arrive(
                out,
                &e.key,
                &e.location,
                WriteVia::DockerfileEnv,
                e.source.clone(),
                None,
            );
        }
    }
    for ef in &svc.env_files {
        let committed = crate::collect::compose::join(dir, &ef.path)
            .and_then(|p| inputs.dotenv.get(p.as_str()).copied());
        if committed.is_none() && host.file_writes(dir, &ef.path).next().is_none() {
            out.opaque
                .push(host_env_file(ef.path.clone(), dir, &ef.location));
        }
        if let Some(file) = committed {
            for k in &file.keys {
                arrive(
                    out,
                    &k.key,
                    &k.location,
                    WriteVia::DotenvFile,
                    Source::Literal,
                    Some(&file.file),
                );
                arrive(
                    out,
                    &k.key,
                    &ef.location,
                    WriteVia::ComposeEnvFile,
                    Source::Literal,
                    Some(&ef.path),
                );
            }
        }
        for w in host.file_writes(dir, &ef.path) {
            arrive(
                out,
                &w.key,
                &ef.location,
                WriteVia::ComposeEnvFile,
                w.source.clone(),
                Some(&ef.path),
            );
        }
    }
    for e in &svc.environment {
        match &e.value {
            ComposeValue::Literal { .. } => arrive(
                out,
                &e.key,
                &e.location,
                WriteVia::ComposeEnvironment,
                Source::Literal,
                None,
            ),
            ComposeValue::Passthrough => match host.has(dir, &e.key, project_dotenv) {
                Some(_) => arrive(
                    out,
                    &e.key,
                    &e.location,
                    WriteVia::ComposeEnvironment,
                    Source::Env(e.key.clone()),
                    None,
                ),
                None if !host.sees_dotenv(dir, project_dotenv) => {
                    out.opaque.push(implicit_dotenv(dir, &e.location));
                }
                None => out.breaks.push((
                    e.key.clone(),
                    Break {
                        location: e.location.clone(),
                        kind: BreakKind::PassthroughUnset {
                            service: svc.name.clone(),
                        },
                        related: Vec::new(),
                    },
                )),
            },
            ComposeValue::Interpolated { refs, .. } => {
                let unset: Vec<_> = refs
                    .iter()
                    .filter(|r| host.has(dir, &r.key, project_dotenv).is_none())
                    .collect();
                let source = refs
                    .first()
                    .map(|r| Source::Env(r.key.clone()))
                    .unwrap_or(Source::Unknown);
                if !unset.is_empty() && !host.sees_dotenv(dir, project_dotenv) {
                    out.opaque.push(implicit_dotenv(dir, &e.location));
                    continue;
                }
                if unset.is_empty() {
                    arrive(
                        out,
                        &e.key,
                        &e.location,
                        WriteVia::ComposeEnvironment,
                        source,
                        None,
                    );
                    continue;
                }
                let failing = unset
                    .iter()
                    .find(|r| matches!(r.kind, InterpolationKind::Required { .. }));
                let bare = unset.iter().find(|r| {
                    matches!(
                        r.kind,
                        InterpolationKind::Plain | InterpolationKind::Alternative
                    )
                });
                if let Some(r) = failing {
                    out.breaks.push((
                        e.key.clone(),
                        Break {
                            location: e.location.clone(),
                            kind: BreakKind::RequiredInterpolationUnset {
                                service: svc.name.clone(),
                                host_key: r.key.clone(),
                            },
                            related: Vec::new(),
                        },
                    ));
                } else if let Some(r) = bare {
                    out.breaks.push((
                        e.key.clone(),
                        Break {
                            location: e.location.clone(),
                            kind: BreakKind::EmptyInterpolation {
                                service: svc.name.clone(),
                                host_key: r.key.clone(),
                            },
                            related: Vec::new(),
                        },
                    ));
                } else {
                    for r in unset {
                        if let InterpolationKind::Default { default_empty, .. } = r.kind {
                            out.defaulted.push((
                                e.key.clone(),
                                Defaulted {
                                    location: e.location.clone(),
                                    host_key: r.key.clone(),
                                    default_empty,
                                },
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// Keys written upstream that a service does not let through: say where and why.
fn upstream_breaks(
    svc: &ComposeService,
    host: &HostEnv,
    arrived: &BTreeSet<String>,
    out: &mut Outcome,
) {
    let env_files: Vec<&str> = svc.env_files.iter().map(|f| f.path.as_str()).collect();
    let svc_place = svc
        .env_files
        .first()
        .map(|f| f.location.clone())
        .unwrap_or_else(|| svc.location.clone());
    let upstream = host.upstream_of(dir_of(&svc.file));
    for w in upstream {
        if arrived.contains(&w.key) {
            continue;
        }
        let written = match &w.sink {
            Some(sink) => Written::ToFile {
                sink: sink.clone(),
                at: w.location.clone(),
            },
            None => Written::Exported {
                at: w.location.clone(),
            },
        };
        let service = svc.name.clone();
        let kind = if !env_files.is_empty() && w.sink.is_some() {
            BreakKind::EnvFileMismatch {
                service,
                env_files: env_files.iter().map(|f| f.to_string()).collect(),
                written,
            }
        } else if let Some(first) = svc.environment.first() {
            BreakKind::EnvironmentOmits {
                service,
                list_at: first.location.clone(),
                written,
            }
        } else {
            BreakKind::NotPassed { service, written }
        };
        out.breaks.push((
            w.key.clone(),
            Break {
                location: svc_place.clone(),
                kind,
                related: vec![w.location.clone()],
            },
        ));
    }
}

fn workload_reach(
    inputs: &Inputs,
    workload: &KubeWorkload,
    app: &dyn Fn(&str) -> bool,
    host: &HostEnv,
    out: &mut Outcome,
) {
    let target = dir_of(&workload.file).to_string();
    let workload_dir = dir_of(&workload.file);
    // Objects of the same name in several folders (one per environment): take
    // the one beside (or above) the workload, else one created from an env file.
    let find = |kind: KubeObjectKind, name: &str| -> Vec<&KubeObject> {
        let all: Vec<&KubeObject> = inputs
            .facts
            .kube_objects
            .iter()
            .filter(|o| o.kind == kind && o.name == name)
            .collect();
        let beside: Vec<&KubeObject> = all
            .iter()
            .copied()
            .filter(|o| {
                let d = dir_of(&o.location.file);
                d.is_empty() || workload_dir == d || workload_dir.starts_with(&format!("{d}/"))
            })
            .collect();
        if !beside.is_empty() {
            return beside;
        }
        // One only in a sibling folder (another environment's) says nothing of this one.
        all.into_iter().filter(|o| o.env_file.is_some()).collect()
    };
    // Keys an object holds; those from the env file it is created from are
    // located at `at`, the manifest line that takes them.
    let object_keys = |o: &KubeObject, at: &Location| -> Vec<(String, Location, Source)> {
        let mut keys: Vec<_> = o
            .keys
            .iter()
            .map(|(k, l)| (k.clone(), l.clone(), Source::Literal))
            .collect();
        if let Some(file) = &o.env_file {
            keys.extend(
                host.file_writes("", file)
                    .map(|w| (w.key.clone(), at.clone(), w.source.clone())),
            );
        }
        keys
    };
    for c in workload
        .containers
        .iter()
        .filter(|c| app(&workload.name) || app(&c.name))
    {
        let mut push = |key: &str, location: &Location, source: Source| {
            out.arrivals.push(Arrival {
                key: key.to_string(),
                location: location.clone(),
                via: WriteVia::Kubernetes,
                source,
                sink: None,
                target: target.clone(),
            })
        };
        for from in &c.env_from {
            let objects = find(from.kind, &from.name);
            if objects.is_empty() {
                out.opaque.push(OpaqueStage {
                    kind: OpaqueKind::ExternalSecretStore {
                        what: format!("{} {}", from.kind.as_str(), from.name),
                    },
                    location: from.location.clone(),
                    scope: String::new(),
                });
            }
            for o in objects {
                for (k, at, source) in object_keys(o, &from.location) {
                    push(&format!("{}{k}", from.prefix), &at, source);
                }
            }
        }
        for e in &c.env {
            match &e.value {
                KubeValue::Literal { .. } => push(&e.key, &e.location, Source::Literal),
                KubeValue::Field => push(&e.key, &e.location, Source::Unknown),
                KubeValue::ObjectKey { kind, name, key } => {
                    let known: Vec<&KubeObject> = find(*kind, name);
                    let found = known
                        .iter()
                        .flat_map(|o| object_keys(o, &e.location))
                        .find(|(k, _, _)| k == key);
                    match (known.is_empty(), found) {
                        // Created outside the repository (sealed secrets, by hand): trust it.
                        (true, _) => push(&e.key, &e.location, Source::Unknown),
                        (false, Some((_, _, source))) => push(&e.key, &e.location, source),
                        (false, None) => out.breaks.push((
                            e.key.clone(),
                            Break {
                                location: e.location.clone(),
                                kind: BreakKind::ObjectLacksKey {
                                    container: c.name.clone(),
                                    object_kind: kind.as_str(),
                                    object: name.clone(),
                                    object_key: key.clone(),
                                },
                                related: known.iter().map(|o| o.location.clone()).collect(),
                            },
                        )),
                    }
                }
            }
        }
    }
}

/// A unit of the deploy that gives the app its env: one compose file's app
/// services, or one folder of Kubernetes workloads.
enum Unit<'a> {
    Compose {
        file: String,
        services: Vec<&'a ComposeService>,
    },
    Kube {
        dir: String,
        workloads: Vec<&'a KubeWorkload>,
    },
}

impl Unit<'_> {
    fn name(&self) -> &str {
        match self {
            Unit::Compose { file, .. } => file,
            Unit::Kube { dir, .. } => dir,
        }
    }

    fn location(&self) -> Location {
        match self {
            Unit::Compose { services, file } => services
                .first()
                .map(|s| s.location.clone())
                .unwrap_or_else(|| Location::file_start(file.clone())),
            Unit::Kube { workloads, dir } => workloads
                .first()
                .map(|w| w.location.clone())
                .unwrap_or_else(|| Location::file_start(dir.clone())),
        }
    }
}

/// Images of databases, caches, proxies: never the Python app.
fn is_infra_image(image: &str) -> bool {
    const INFRA: &[&str] = &[
        "postgres",
        "postgis",
        "mysql",
        "mariadb",
        "mongo",
        "redis",
        "valkey",
        "memcached",
        "rabbitmq",
        "nginx",
        "traefik",
        "haproxy",
        "envoy",
        "caddy",
        "elasticsearch",
        "opensearch",
        "minio",
        "busybox",
        "alpine",
        "clickhouse",
        "kafka",
        "zookeeper",
    ];
    let repo = image.rsplit('/').next().unwrap_or(image);
    let repo = repo.split([':', '@']).next().unwrap_or(repo);
    INFRA.iter().any(|i| repo.starts_with(i))
}

/// Which compose services run the app: the config's `app-service`, else
/// services built from a folder holding the settings module or otherwise
/// running Python, and services using the image such a service builds.
fn app_services<'a>(
    facts: &'a Facts,
    config: &Config,
    images: &BTreeMap<&str, &DockerImage>,
) -> Vec<&'a ComposeService> {
    if !config.app_service.is_empty() {
        return facts
            .services
            .iter()
            .filter(|s| config.app_service.is_match(&s.name))
            .collect();
    }
    let read_files: BTreeSet<&str> = facts
        .reads
        .iter()
        .filter(|r| r.consumer == Consumer::App)
        .map(|r| r.location.file.as_str())
        .collect();
    let builds_app = |s: &ComposeService| {
        s.build_context.as_deref().is_some_and(|ctx| {
            ctx == "." || read_files.iter().any(|f| f.starts_with(&format!("{ctx}/")))
        }) && (s.runs_python
            || !read_files.is_empty()
            || s.dockerfile
                .as_deref()
                .and_then(|d| images.get(d))
                .is_some_and(|i| i.python))
    };
    let mut apps: Vec<&ComposeService> = facts
        .services
        .iter()
        .filter(|s| {
            builds_app(s)
                || s.runs_python
                || s.dockerfile
                    .as_deref()
                    .and_then(|d| images.get(d))
                    .is_some_and(|i| i.python)
        })
        .collect();
    let app_images: BTreeSet<&str> = apps.iter().filter_map(|s| s.image.as_deref()).collect();
    for s in &facts.services {
        if s.image.as_deref().is_some_and(|i| app_images.contains(i))
            && !apps.iter().any(|a| std::ptr::eq(*a, s))
        {
            apps.push(s);
        }
    }
    apps
}

pub fn derive(facts: &Facts, config: &Config) -> Derived {
    let inputs = Inputs {
        facts,
        images: facts.images.iter().map(|i| (i.file.as_str(), i)).collect(),
        dotenv: facts
            .dotenv_files
            .iter()
            .map(|f| (f.file.as_str(), f))
            .collect(),
    };
    let mut deploy = Deploy {
        services: facts.services.clone(),
        oneshot_patterns: config.oneshot_patterns(),
        ..Deploy::default()
    };
    for (name, others) in &config.aliases {
        for other in &others.0 {
            deploy
                .aliases
                .entry(name.clone())
                .or_default()
                .insert(other.clone());
            deploy
                .aliases
                .entry(other.clone())
                .or_default()
                .insert(name.clone());
        }
    }
    let apps = app_services(facts, config, &inputs.images);
    deploy.app_services = apps
        .iter()
        .map(|s| (s.file.clone(), s.name.clone()))
        .collect();
    let mut derived_reads = Vec::new();
    // Host keys compose consumes: renames into the app, and everything it hands other services.
    for svc in &facts.services {
        let is_app = deploy
            .app_services
            .contains(&(svc.file.clone(), svc.name.clone()));
        for e in &svc.environment {
            let host_keys: Vec<&str> = match &e.value {
                ComposeValue::Passthrough => vec![e.key.as_str()],
                ComposeValue::Interpolated { refs, .. } => {
                    refs.iter().map(|r| r.key.as_str()).collect()
                }
                ComposeValue::Literal { .. } => Vec::new(),
            };
            for host_key in host_keys {
                if is_app && host_key == e.key {
                    continue; // the app itself must read it
                }
                derived_reads.push(EnvRead::new(
                    Some(host_key.to_string()),
                    e.location.clone(),
                    ReadVia::ComposeInterpolation,
                    Consumer::Deploy,
                ));
            }
        }
    }

    // The units that give the app its env.
    let mut units: Vec<Unit> = Vec::new();
    for svc in &apps {
        match units
            .iter_mut()
            .find(|u| matches!(u, Unit::Compose { file, .. } if *file == svc.file))
        {
            Some(Unit::Compose { services, .. }) => services.push(svc),
            _ => units.push(Unit::Compose {
                file: svc.file.clone(),
                services: vec![svc],
            }),
        }
    }
    let kube_app = |name: &str| config.app_service.is_empty() || config.app_service.is_match(name);
    for w in &facts.workloads {
        if !w
            .containers
            .iter()
            .any(|c| kube_app(&w.name) || kube_app(&c.name))
        {
            continue;
        }
        // Without a configured app service, a workload made only of
        // well-known infrastructure images is not the app.
        if config.app_service.is_empty()
            && !w
                .containers
                .iter()
                .any(|c| !c.image.as_deref().is_some_and(is_infra_image))
        {
            continue;
        }
        let dir = dir_of(&w.file).to_string();
        match units
            .iter_mut()
            .find(|u| matches!(u, Unit::Kube { dir: d, .. } if *d == dir))
        {
            Some(Unit::Kube { workloads, .. }) => workloads.push(w),
            _ => units.push(Unit::Kube {
                dir,
                workloads: vec![w],
            }),
        }
    }
    let direct: Vec<&EnvWrite> = facts.writes.iter().filter(|w| is_direct(w.via)).collect();
    deploy.has_app_stage =
        !units.is_empty() || direct.iter().any(|w| w.via != WriteVia::DockerRunEnv);

    let mut workflow_targets: Vec<(String, Location)> = Vec::new();
    for (target, location) in facts
        .writes
        .iter()
        .filter(|w| w.via.stage() == Stage::Workflow)
        .filter_map(|w| w.target.as_ref().map(|t| (t, &w.location)))
        .chain(
            facts
                .opaque
                .iter()
                .filter_map(|o| o.target.as_ref().map(|t| (t, &o.location))),
        )
    {
        match workflow_targets.iter_mut().find(|(t, _)| t == target) {
            Some((_, l)) => *l = l.clone().min(location.clone()),
            None => workflow_targets.push((target.clone(), location.clone())),
        }
    }
    workflow_targets.sort();

    let mut derived_writes: BTreeMap<(String, Location, WriteVia), EnvWrite> = BTreeMap::new();
    let mut run =
        |host: &HostEnv, units: &[&Unit], deploy: &mut Deploy| -> BTreeMap<String, Location> {
            let mut keys = BTreeMap::new();
            for unit in units {
                let mut out = Outcome::default();
                match unit {
                    Unit::Compose { services, .. } => {
                        for svc in services {
                            let mut one = Outcome::default();
                            service_reach(&inputs, svc, host, &mut one);
                            let arrived: BTreeSet<String> =
                                one.arrivals.iter().map(|a| a.key.clone()).collect();
                            upstream_breaks(svc, host, &arrived, &mut one);
                            out.arrivals.extend(one.arrivals);
                            out.breaks.extend(one.breaks);
                            out.defaulted.extend(one.defaulted);
                            out.opaque.extend(one.opaque);
                        }
                    }
                    Unit::Kube { workloads, .. } => {
                        for w in workloads {
                            workload_reach(&inputs, w, &kube_app, host, &mut out);
                        }
                    }
                }
                for a in out.arrivals {
                    deploy
                        .arrived_in
                        .entry(a.key.clone())
                        .or_default()
                        .insert(dir_of(&a.location.file).to_string());
                    // Where the target sets the key: the workflow's own write
                    // when compose only passes it on, else the deploy stage.
                    let upstream = match (a.via, &a.source, &a.sink) {
                        (WriteVia::ComposeEnvFile, _, Some(sink)) => host
                            .file_writes(dir_of(&a.location.file), sink)
                            .find(|w| w.key == a.key)
                            .map(|w| w.location.clone()),
                        (WriteVia::ComposeEnvironment, Source::Env(h), _) => {
                            host.origin(dir_of(&a.location.file), h)
                        }
                        _ => None,
                    };
                    keys.entry(a.key.clone())
                        .or_insert_with(|| upstream.unwrap_or_else(|| a.location.clone()));
                    derived_writes
                        .entry((a.key.clone(), a.location.clone(), a.via))
                        .or_insert(EnvWrite {
                            key: a.key,
                            location: a.location,
                            via: a.via,
                            source: a.source,
                            sink: a.sink,
                            target: Some(a.target),
                            remote: false,
                        });
                }
                for (key, b) in out.breaks {
                    let list = deploy.breaks.entry(key).or_default();
                    if !list.contains(&b) {
                        list.push(b);
                    }
                }
                // Every target sees the same units: duplicates go at the end.
                deploy.opaque.extend(out.opaque);
                for (key, d) in out.defaulted {
                    let list = deploy.defaulted.entry(key).or_default();
                    if !list.contains(&d) {
                        list.push(d);
                    }
                }
            }
            keys
        };

    let unit_refs: Vec<&Unit> = units.iter().collect();
    if deploy.has_app_stage {
        if workflow_targets.is_empty() {
            let host = HostEnv::new(&facts.writes, None);
            for unit in &unit_refs {
                let keys = run(&host, std::slice::from_ref(unit), &mut deploy);
                deploy.targets.push(Target {
                    name: unit.name().to_string(),
                    location: unit.location(),
                    keys,
                    for_drift: !is_dev_file(unit.name()),
                });
            }
            // Cloud Run / docker run writes with no target still reach the app.
            if !direct.is_empty() && deploy.targets.is_empty() {
                deploy.targets.push(Target {
                    name: "deploy".to_string(),
                    location: direct
                        .iter()
                        .map(|w| w.location.clone())
                        .min()
                        .unwrap_or_else(|| Location::file_start("")),
                    keys: BTreeMap::new(),
                    for_drift: true,
                });
            }
            for t in &mut deploy.targets {
                for w in &direct {
                    t.keys
                        .entry(w.key.clone())
                        .or_insert_with(|| w.location.clone());
                }
            }
        } else {
            for (name, location) in &workflow_targets {
                let host = HostEnv::new(&facts.writes, Some(name));
                let tokens = env_tokens(name);
                let paired: Vec<&Unit> = unit_refs
                    .iter()
                    .copied()
                    .filter(|u| !tokens.is_disjoint(&env_tokens(u.name())))
                    .collect();
                let paired = if paired.is_empty() {
                    unit_refs.clone()
                } else {
                    paired
                };
                let mut keys = run(&host, &paired, &mut deploy);
                for w in direct
                    .iter()
                    .filter(|w| w.target.is_none() || w.target.as_deref() == Some(name))
                {
                    keys.entry(w.key.clone())
                        .or_insert_with(|| w.location.clone());
                }
                deploy.targets.push(Target {
                    name: name.clone(),
                    location: location.clone(),
                    keys,
                    for_drift: true,
                });
            }
        }
    } else {
        // No compose or Kubernetes stage for the app: a key is set when some
        // stage writes it, as before; a Python image's ENV counts.
        for image in facts.images.iter().filter(|i| i.python) {
            for e in &image.env {
                derived_writes
                    .entry((e.key.clone(), e.location.clone(), WriteVia::DockerfileEnv))
                    .or_insert(EnvWrite {
                        key: e.key.clone(),
                        location: e.location.clone(),
                        via: WriteVia::DockerfileEnv,
                        source: e.source.clone(),
                        sink: None,
                        target: None,
                        remote: false,
                    });
            }
        }
        for (name, location) in &workflow_targets {
            let keys = facts
                .writes
                .iter()
                .chain(derived_writes.values())
                .filter(|w| w.target.is_none() || w.target.as_deref() == Some(name))
                .map(|w| (w.key.clone(), w.location.clone()))
                .fold(BTreeMap::new(), |mut m, (k, l)| {
                    m.entry(k).or_insert(l);
                    m
                });
            deploy.targets.push(Target {
                name: name.clone(),
                location: location.clone(),
                keys,
                for_drift: true,
            });
        }
    }

    // Example env files that describe this app: next to (or above) its code when we know where it is.
    let code_files: BTreeSet<&str> = facts
        .reads
        .iter()
        .filter(|r| r.consumer == Consumer::App)
        .map(|r| r.location.file.as_str())
        .collect();
    deploy.examples = facts
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
        .collect();
    for list in deploy.breaks.values_mut() {
        list.sort();
    }
    deploy.opaque.sort();
    deploy.opaque.dedup();
    Derived {
        deploy,
        writes: derived_writes.into_values().collect(),
        reads: derived_reads,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Chain;
    use crate::facts::{DotenvKey, ImageEnv, KubeContainer, KubeEnvFrom};
    use crate::finding::Finding;
    use crate::rules::{self, RuleId};

    const WF: &str = ".github/workflows/deploy.yml";

    fn write(key: &str, row: u32, sink: Option<&str>, target: Option<&str>) -> EnvWrite {
        EnvWrite {
            key: key.into(),
            location: Location::new(WF, row, 0),
            via: if sink.is_some() {
                WriteVia::DotenvEcho
            } else {
                WriteVia::RemoteExport
            },
            source: Source::Secret(key.into()),
            sink: sink.map(str::to_string),
            target: target.map(str::to_string),
            remote: true,
        }
    }

    fn read(key: &str, row: u32, required: bool) -> EnvRead {
        let mut r = EnvRead::new(
            Some(key.into()),
            Location::new("app/settings.py", row, 0),
            ReadVia::OsEnviron,
            Consumer::App,
        );
        r.required = required;
        r
    }

    fn facts(compose: &[(&str, &str)], writes: Vec<EnvWrite>, reads: Vec<EnvRead>) -> Facts {
        let mut f = Facts::default();
        for (file, text) in compose {
            f.extend(crate::collect::compose::collect_source(file, text, None));
        }
        f.writes.extend(writes);
        f.reads.extend(reads);
        f
    }

    fn findings(chain: &Chain) -> Vec<(RuleId, Option<String>)> {
        rules::run(chain)
            .into_iter()
            .map(|f| (f.rule, f.key))
            .collect()
    }

    fn finding(chain: &Chain, rule: RuleId, key: &str) -> Finding {
        rules::run(chain)
            .into_iter()
            .find(|f| f.rule == rule && f.key.as_deref() == Some(key))
            .unwrap_or_else(|| panic!("no {rule} on {key}: {:?}", findings(chain)))
    }

    const ENV_FILE: &str =
        "services:\n  web:\n    build: .\n    restart: always\n    env_file: .env\n";

    #[test]
    fn written_to_the_file_compose_reads_reaches_the_app() {
        let chain = Chain::build(
            facts(
                &[("compose.yml", ENV_FILE)],
                vec![write("SECRET_KEY", 10, Some("/srv/app/.env"), None)],
                vec![read("SECRET_KEY", 3, true)],
            ),
            None,
        );
        assert!(chain.deploy.has_app_stage);
        assert!(chain.reaches("SECRET_KEY"));
        assert_eq!(findings(&chain), []);
        let vias: Vec<WriteVia> = chain.rows["SECRET_KEY"]
            .written
            .iter()
            .map(|w| w.via)
            .collect();
        assert_eq!(vias, [WriteVia::DotenvEcho, WriteVia::ComposeEnvFile]);
        let compose_write = &chain.rows["SECRET_KEY"].written[1];
        assert_eq!(compose_write.source, Source::Secret("SECRET_KEY".into()));
        assert_eq!(compose_write.location.row, 4);
        assert_eq!(compose_write.target.as_deref(), Some("compose.yml"));
    }

    #[test]
    fn env_file_naming_another_file_breaks_the_chain() {
        let compose =
            "services:\n  web:\n    build: ..\n    restart: always\n    env_file: ../.env.docker\n";
        let chain = Chain::build(
            facts(
                &[("deploy/compose.yml", compose)],
                vec![write("SECRET_KEY", 10, Some(".env"), None)],
                vec![read("SECRET_KEY", 3, true)],
            ),
            None,
        );
        assert!(!chain.reaches("SECRET_KEY"));
        let f = finding(&chain, RuleId::UnsetRequired, "SECRET_KEY");
        assert!(
            f.message
                .contains("written to .env by .github/workflows/deploy.yml:11"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains("env_file ../.env.docker (deploy/compose.yml:5)"),
            "{}",
            f.message
        );
        assert!(
            f.related
                .iter()
                .any(|r| r.location.file == "deploy/compose.yml" && r.location.row == 4)
        );
    }

    #[test]
    fn environment_list_that_omits_a_written_key() {
        let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      - DEBUG\n";
        let chain = Chain::build(
            facts(
                &[("compose.yml", compose)],
                vec![
                    write("DEBUG", 9, Some(".env"), None),
                    write("SENTRY_URL", 10, Some(".env"), None),
                ],
                vec![read("DEBUG", 1, true), read("SENTRY_URL", 2, false)],
            ),
            None,
        );
        assert!(
            chain.reaches("DEBUG"),
            "passthrough of a key in the project .env"
        );
        let f = finding(&chain, RuleId::UnsetDefaulted, "SENTRY_URL");
        assert!(
            f.message.contains(
                "passes only its `environment:` list (compose.yml:6), which omits SENTRY_URL"
            ),
            "{}",
            f.message
        );
        assert!(
            !findings(&chain)
                .iter()
                .any(|(r, _)| *r == RuleId::WrittenUnread)
        );
    }

    #[test]
    fn renames_read_the_host_key_and_write_the_container_key() {
        let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      SECRET_KEY: ${DJANGO_SECRET_KEY}\n";
        let chain = Chain::build(
            facts(
                &[("compose.yml", compose)],
                vec![write("DJANGO_SECRET_KEY", 3, Some(".env"), None)],
                vec![read("SECRET_KEY", 1, true)],
            ),
            None,
        );
        assert!(chain.reaches("SECRET_KEY"));
        assert_eq!(
            chain.rows["SECRET_KEY"].written[0].source,
            Source::Env("DJANGO_SECRET_KEY".into())
        );
        assert!(
            chain.rows["DJANGO_SECRET_KEY"]
                .read
                .iter()
                .any(|r| r.consumer == Consumer::Deploy)
        );
        assert_eq!(findings(&chain), [], "neither unset nor written-unread");
    }

    #[test]
    fn compose_default_is_unset_defaulted_not_required() {
        let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      DEBUG: ${DEBUG:-}\n";
        // The deploy writes the project's .env, so the host env is visible.
        let chain = Chain::build(
            facts(
                &[("compose.yml", compose)],
                vec![write("OTHER", 9, Some(".env"), None)],
                vec![read("DEBUG", 1, true)],
            ),
            None,
        );
        let f = finding(&chain, RuleId::UnsetDefaulted, "DEBUG");
        assert!(f.message.contains("compose substitutes its own default for host key DEBUG (compose.yml:6), an EMPTY value"), "{}", f.message);
        assert!(
            !findings(&chain)
                .iter()
                .any(|(r, _)| *r == RuleId::UnsetRequired)
        );
    }

    #[test]
    fn required_interpolation_and_bare_passthrough_break() {
        let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      - A=${A:?set A}\n      - B\n      - C=x${C_HOST}\n";
        let reads = || vec![read("A", 1, true), read("B", 2, true), read("C", 3, true)];
        // Nothing envtrail sees writes the host's .env: every key is unknown.
        let unseen = Chain::build(facts(&[("compose.yml", compose)], vec![], reads()), None);
        assert_eq!(
            findings(&unseen),
            ["A", "B", "C"].map(|k| (RuleId::ReachUnknown, Some(k.to_string())))
        );
        assert!(
            finding(&unseen, RuleId::ReachUnknown, "B")
                .message
                .contains("the env file .env, which is not in the repository")
        );
        // The deploy writes it (without A, B, C): the breaks are certain.
        let chain = Chain::build(
            facts(
                &[("compose.yml", compose)],
                vec![write("OTHER", 9, Some(".env"), None)],
                reads(),
            ),
            None,
        );
        assert!(
            finding(&chain, RuleId::UnsetRequired, "A")
                .message
                .contains("refuses to start")
        );
        assert!(
            finding(&chain, RuleId::UnsetRequired, "B")
                .message
                .contains("passes B from the host (compose.yml:7) but no stage sets it")
        );
        assert!(
            finding(&chain, RuleId::UnsetRequired, "C")
                .message
                .contains("from host key C_HOST")
        );
    }

    #[test]
    fn without_a_deploy_stage_a_write_is_enough() {
        let chain = Chain::build(
            facts(
                &[],
                vec![write("SECRET_KEY", 10, Some(".env"), None)],
                vec![read("SECRET_KEY", 3, true)],
            ),
            None,
        );
        assert!(!chain.deploy.has_app_stage);
        assert!(chain.reaches("SECRET_KEY"));
        assert_eq!(findings(&chain), []);
    }

    #[test]
    fn compose_interpolation_consumes_the_key() {
        let compose =
            "services:\n  web:\n    build: .\n    image: app:${TAG}\n    restart: always\n";
        let chain = Chain::build(
            facts(
                &[("compose.yml", compose)],
                vec![write("TAG", 3, None, None)],
                vec![read("X", 1, false)],
            ),
            None,
        );
        assert!(!findings(&chain).contains(&(RuleId::WrittenUnread, Some("TAG".into()))));
    }

    #[test]
    fn workflow_targets_drift() {
        let writes = vec![
            write(
                "SECRET_KEY",
                5,
                Some(".env"),
                Some("deploy-staging.yml#deploy"),
            ),
            write(
                "SENTRY_URL",
                6,
                Some(".env"),
                Some("deploy-staging.yml#deploy"),
            ),
            write(
                "SECRET_KEY",
                20,
                Some(".env"),
                Some("deploy-production.yml#deploy"),
            ),
        ];
        let chain = Chain::build(
            facts(
                &[("compose.yml", ENV_FILE)],
                writes,
                vec![read("SECRET_KEY", 1, true), read("SENTRY_URL", 2, false)],
            ),
            None,
        );
        assert_eq!(chain.deploy.targets.len(), 2);
        let f = finding(&chain, RuleId::EnvDrift, "SENTRY_URL");
        assert_eq!(
            f.message,
            "SENTRY_URL reaches the app in deploy-staging.yml#deploy but not in deploy-production.yml#deploy"
        );
        assert_eq!(
            (f.location.file.as_str(), f.location.row),
            (WF, 6),
            "where the target sets the key: the workflow line compose passes on"
        );
        assert_eq!(f.related[0].location.row, 20);
        assert!(
            !findings(&chain)
                .iter()
                .any(|(_, k)| k.as_deref() == Some("SECRET_KEY"))
        );
    }

    #[test]
    fn compose_variants_are_targets_and_pair_with_workflow_environments() {
        let staging = "services:\n  web:\n    command: gunicorn app.wsgi\n    restart: always\n    environment:\n      - A=1\n      - B=2\n";
        let prod = "services:\n  web:\n    command: gunicorn app.wsgi\n    restart: always\n    environment:\n      - A=1\n";
        let local =
            "services:\n  web:\n    command: gunicorn app.wsgi\n    environment:\n      - C=1\n";
        let f = facts(
            &[
                ("docker-compose.staging.yml", staging),
                ("docker-compose.prod.yml", prod),
                ("docker-compose.local.yml", local),
            ],
            vec![],
            vec![],
        );
        let chain = Chain::build(f.clone(), None);
        let names: Vec<&str> = chain
            .deploy
            .targets
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "docker-compose.staging.yml",
                "docker-compose.prod.yml",
                "docker-compose.local.yml"
            ]
        );
        let drift: Vec<_> = findings(&chain)
            .into_iter()
            .filter(|(r, _)| *r == RuleId::EnvDrift)
            .collect();
        assert_eq!(
            drift,
            [(RuleId::EnvDrift, Some("B".to_string()))],
            "the local file is not compared"
        );
        // Workflow environments pick the compose file of their environment.
        let mut f = f;
        f.writes.push(write("X", 1, None, Some("production")));
        f.writes.push(write("X", 2, None, Some("staging")));
        let chain = Chain::build(f, None);
        let prod_t = chain
            .deploy
            .targets
            .iter()
            .find(|t| t.name == "production")
            .unwrap();
        assert!(!prod_t.keys.contains_key("B") && prod_t.keys.contains_key("A"));
    }

    #[test]
    fn image_and_committed_env_file_reach_the_app() {
        let compose = "services:\n  web:\n    build:\n      context: backend\n    restart: always\n    env_file: ./.envs/.production/.django\n";
        let mut f = facts(&[("compose.yml", compose)], vec![], vec![]);
        f.images.push(DockerImage {
            file: "backend/Dockerfile".into(),
            env: vec![ImageEnv {
                key: "PORT".into(),
                location: Location::new("backend/Dockerfile", 3, 0),
                source: Source::Literal,
            }],
            python: true,
        });
        f.dotenv_files.push(DotenvFile {
            file: ".envs/.production/.django".into(),
            example: false,
            keys: vec![DotenvKey {
                key: "DJANGO_ADMIN_URL".into(),
                location: Location::new(".envs/.production/.django", 2, 0),
                empty: false,
            }],
        });
        let chain = Chain::build(f, None);
        assert!(chain.deploy.reaches("PORT") && chain.deploy.reaches("DJANGO_ADMIN_URL"));
        let vias: Vec<WriteVia> = chain.rows["DJANGO_ADMIN_URL"]
            .written
            .iter()
            .map(|w| w.via)
            .collect();
        assert_eq!(vias, [WriteVia::DotenvFile, WriteVia::ComposeEnvFile]);
        assert_eq!(chain.rows["PORT"].written[0].via, WriteVia::DockerfileEnv);
    }

    #[test]
    fn kubernetes_secret_from_env_file() {
        let mut f = facts(
            &[],
            vec![write("DB_URL", 4, Some("app.env"), None)],
            vec![read("DB_URL", 1, true), read("API_KEY", 2, true)],
        );
        let loc = |row| Location::new("k8s/production/deployment.yaml", row, 0);
        f.workloads.push(KubeWorkload {
            file: "k8s/production/deployment.yaml".into(),
            kind: "Deployment".into(),
            name: "api".into(),
            location: loc(3),
            containers: vec![KubeContainer {
                name: "api".into(),
                location: loc(10),
                image: None,
                env: vec![crate::facts::KubeEnv {
                    key: "API_KEY".into(),
                    location: loc(14),
                    value: KubeValue::ObjectKey {
                        kind: KubeObjectKind::Secret,
                        name: "app-env".into(),
                        key: "API_KEY".into(),
                    },
                }],
                env_from: vec![KubeEnvFrom {
                    kind: KubeObjectKind::Secret,
                    name: "app-env".into(),
                    prefix: String::new(),
                    location: loc(12),
                }],
            }],
        });
        f.kube_objects.push(KubeObject {
            kind: KubeObjectKind::Secret,
            name: "app-env".into(),
            location: Location::new(WF, 6, 0),
            keys: vec![],
            env_file: Some("app.env".into()),
            target: None,
        });
        let chain = Chain::build(f, None);
        assert!(chain.reaches("DB_URL"));
        assert!(
            chain.rows["DB_URL"]
                .written
                .iter()
                .any(|w| w.via == WriteVia::Kubernetes && w.location.row == 12)
        );
        let f = finding(&chain, RuleId::UnsetRequired, "API_KEY");
        assert!(
            f.message.contains("from Secret app-env/API_KEY"),
            "{}",
            f.message
        );
    }

    #[test]
    fn config_names_the_app_service_and_aliases() {
        let compose = "services:\n  api:\n    image: registry/x\n    restart: always\n    environment:\n      - DJANGO_DEBUG=1\n";
        let config = crate::config::Config::parse(
            "app-service = \"api\"\n[aliases]\nDEBUG = \"DJANGO_DEBUG\"\n",
        )
        .unwrap();
        let chain = Chain::build_with(
            facts(
                &[("compose.yml", compose)],
                vec![],
                vec![read("DEBUG", 1, true), read("DJANGO_DEBUG", 2, false)],
            ),
            None,
            &config,
        );
        assert!(
            chain
                .deploy
                .app_services
                .contains(&("compose.yml".into(), "api".into()))
        );
        assert!(
            !findings(&chain)
                .iter()
                .any(|(r, _)| *r == RuleId::UnsetRequired)
        );
    }

    #[test]
    fn env_tokens_and_dev_files() {
        assert!(env_tokens("deploy-prod.yml#deploy").contains("production"));
        assert!(env_tokens("staging_pull_compose.template.yaml").contains("staging"));
        assert!(
            is_dev_file("docker-compose.dev.yml") && is_dev_file("docker-compose.override.yml")
        );
        assert!(
            !is_dev_file("docker-compose.yml")
                && !is_dev_file("staging_pull_compose.template.yaml")
        );
    }
}
