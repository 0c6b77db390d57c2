//! The verdict layer on random chains: a small `Facts` value (a secret
//! store, workflow writes with their vias, sinks and targets, whole-file
//! secrets, opaque stages, jobs, compose services and deploys, dotenv files,
//! platform apps and signs, Kubernetes workloads, settings reads with and
//! without defaults, guards and fallback chains) goes through what `check`
//! and `trace` run: `Chain::build_with`, `rules::run`, `suppress::apply`,
//! the JSON report and `trace::build`. Out come two invariants:
//!
//! * **no `error` without a fully visible chain**: an error of the unset
//!   family stands on a certain verdict (`unset`, or `defaulted` for
//!   `secret-unwritten`; or a target's `unset` / a visible compose service
//!   for a key that reaches the app elsewhere), never on `unknown`; a
//!   `secret-undefined` error on a store that lacks the name; and the same
//!   facts with one more stage envtrail cannot see (a remote reusable
//!   workflow, feeding every read) leave no `unset` verdict and no error of
//!   the verdict path at all;
//! * **trace agrees with check**: for every key, `trace`'s `reach` is the
//!   JSON report's `reach`, its findings are the report's findings on that
//!   key, and "the value reaches the app" (no break) comes with no finding
//!   of the unset family.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use envtrail::chain::{Chain, Inventory, Store, StoreKind, Verdict};
use envtrail::config::Config;
use envtrail::facts::*;
use envtrail::finding::Severity;
use envtrail::location::Location;
use envtrail::platform::Platform;
use envtrail::report::Report;
use envtrail::rules::RuleId;
use libfuzzer_sys::fuzz_target;

/// At most this many of each kind of fact: small chains meet each other.
const MAX: usize = 6;

const KEYS: &[&str] = &[
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "REDIS_URL",
    "PORT",
    "API_TOKEN",
    "HOME",
    "DJANGO_SECRET_KEY",
];
const PY_FILES: &[&str] = &[
    "app/settings.py",
    "config/settings/base.py",
    "manage.py",
    "scripts/seed.py",
    "worker/tasks.py",
    "tests/test_app.py",
    ".github/scripts/notify.py",
];
const WORKFLOWS: &[&str] = &[".github/workflows/deploy.yml", ".github/workflows/ci.yml"];
const TARGETS: &[&str] = &[
    ".github/workflows/deploy.yml#deploy",
    ".github/workflows/ci.yml#test",
    "production",
    "staging",
    "docker-compose.yml",
];
/// The environments of `environment:` and of `--secrets env:NAME=` stores.
const ENVIRONMENTS: &[&str] = &["production", "staging"];
const SINKS: &[&str] = &[
    ".env",
    "app/.env",
    "/srv/app/.env",
    ".env.production",
    ".env.docker",
];
const COMPOSE_FILES: &[&str] = &[
    "docker-compose.yml",
    "docker-compose.prod.yml",
    "deploy/docker-compose.yml",
    "docker-compose.dev.yml",
];
const SERVICES: &[&str] = &["web", "worker", "db"];
const CONTEXTS: &[&str] = &[".", "app", "worker", "deploy"];
const DOTENV_FILES: &[&str] = &[
    ".env",
    ".env.production",
    ".env.example",
    "app/.env",
    "deploy/.env",
];
const SCOPES: &[&str] = &["", "app", "config", "worker"];
const DEPLOY_STEPS: &[&str] = &[
    "terraform apply",
    "gcloud run deploy",
    "gcloud run deploy --env-vars-file",
    "helm upgrade",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "gcloud app deploy",
    "some/action",
];
const VIAS: &[WriteVia] = &[
    WriteVia::DotenvEcho,
    WriteVia::DotenvPrintf,
    WriteVia::DotenvHeredoc,
    WriteVia::DotenvTee,
    WriteVia::GithubEnv,
    WriteVia::WorkflowEnv,
    WriteVia::SshActionEnvs,
    WriteVia::RemoteExport,
    WriteVia::DockerRunEnv,
    WriteVia::DockerRunEnvFile,
    WriteVia::ComposeEnvironment,
    WriteVia::ComposeEnvFile,
    WriteVia::DockerfileEnv,
    WriteVia::DotenvFile,
    WriteVia::Kubernetes,
    WriteVia::CloudRun,
    WriteVia::EnvfileAction,
    WriteVia::PythonSetdefault,
    WriteVia::Terraform,
    WriteVia::EcsTaskDefinition,
    WriteVia::CloudFoundry,
    WriteVia::Fly,
    WriteVia::Render,
    WriteVia::AppEngine,
    WriteVia::Heroku,
    WriteVia::Helm,
    WriteVia::Kustomize,
    WriteVia::Systemd,
];
const READ_VIAS: &[ReadVia] = &[
    ReadVia::OsEnviron,
    ReadVia::OsEnvironGet,
    ReadVia::OsGetenv,
    ReadVia::OsEnvironSetdefault,
    ReadVia::OsEnvironPop,
    ReadVia::OsEnvironIn,
    ReadVia::DjangoEnviron,
    ReadVia::Decouple,
    ReadVia::Environs,
    ReadVia::PydanticSettings,
    ReadVia::Shell,
    ReadVia::ComposeInterpolation,
    ReadVia::Library,
];
const CONSUMERS: &[Consumer] = &[
    Consumer::App,
    Consumer::Entrypoint,
    Consumer::Deploy,
    Consumer::Library,
    Consumer::Test,
    Consumer::CiHelper,
    Consumer::Script,
    Consumer::Vendored,
];
const PLATFORMS: &[Platform] = &[
    Platform::CloudRun,
    Platform::AppEngine,
    Platform::Heroku,
    Platform::CloudFoundry,
    Platform::AppService,
    Platform::Fly,
    Platform::Render,
    Platform::AwsEcs,
    Platform::AwsLambda,
];
const INFRA: &[InfraKind] = &[
    InfraKind::Terraform,
    InfraKind::EcsTaskDefinition,
    InfraKind::Fly,
    InfraKind::AppEngine,
    InfraKind::Heroku,
    InfraKind::Helm,
];

/// One of a pool, chosen by a byte.
fn pick<'a, T>(u: &mut Unstructured, pool: &'a [T]) -> arbitrary::Result<&'a T> {
    u.choose(pool)
}

fn key(u: &mut Unstructured) -> arbitrary::Result<String> {
    Ok(pick(u, KEYS)?.to_string())
}

fn at(u: &mut Unstructured, file: &str) -> arbitrary::Result<Location> {
    Ok(Location::new(file, u.int_in_range(0..=40)?, 0))
}

/// A row of one file of `files`.
fn at_in(u: &mut Unstructured, files: &[&str]) -> arbitrary::Result<Location> {
    let file = *pick(u, files)?;
    at(u, file)
}

/// Up to [`MAX`] items, each built by `f`.
fn some<T>(
    u: &mut Unstructured,
    mut f: impl FnMut(&mut Unstructured) -> arbitrary::Result<T>,
) -> arbitrary::Result<Vec<T>> {
    let n = u.int_in_range(0..=MAX)?;
    (0..n).map(|_| f(u)).collect()
}

fn source(u: &mut Unstructured) -> arbitrary::Result<Source> {
    Ok(match u.int_in_range(0..=5)? {
        0 => Source::Secret(key(u)?),
        1 => Source::Var(key(u)?),
        2 => Source::Env(key(u)?),
        3 => Source::Github("sha".into()),
        4 => Source::Literal,
        _ => Source::Unknown,
    })
}

fn option<T>(
    u: &mut Unstructured,
    f: impl FnOnce(&mut Unstructured) -> arbitrary::Result<T>,
) -> arbitrary::Result<Option<T>> {
    Ok(if bool::arbitrary(u)? {
        Some(f(u)?)
    } else {
        None
    })
}

fn write(u: &mut Unstructured) -> arbitrary::Result<EnvWrite> {
    let via = *pick(u, VIAS)?;
    let file = match via.stage() {
        Stage::Workflow => pick(u, WORKFLOWS)?.to_string(),
        Stage::Settings => pick(u, PY_FILES)?.to_string(),
        _ => pick(u, COMPOSE_FILES)?.to_string(),
    };
    Ok(EnvWrite {
        key: key(u)?,
        location: at(u, &file)?,
        via,
        source: source(u)?,
        sink: option(u, |u| Ok(pick(u, SINKS)?.to_string()))?,
        target: option(u, |u| Ok(pick(u, TARGETS)?.to_string()))?,
        remote: bool::arbitrary(u)?,
    })
}

fn opaque_kind(u: &mut Unstructured) -> arbitrary::Result<OpaqueKind> {
    Ok(match u.int_in_range(0..=8)? {
        0 => OpaqueKind::HostEnvFile {
            path: pick(u, SINKS)?.to_string(),
        },
        1 => OpaqueKind::WholeFileSecret {
            sink: pick(u, SINKS)?.to_string(),
            source: source(u)?,
        },
        2 => OpaqueKind::ExternalSecretStore {
            what: "ExternalSecret app-env".into(),
        },
        3 => OpaqueKind::RemoteWorkflow {
            uses: "org/deploy/.github/workflows/deploy.yml@v1".into(),
        },
        4 => OpaqueKind::PlatformEnv {
            app: "ECS container web".into(),
            what: "the map var.app_env".into(),
        },
        5 => OpaqueKind::Infrastructure {
            kind: *pick(u, INFRA)?,
        },
        6 => OpaqueKind::DeployStep {
            what: pick(u, DEPLOY_STEPS)?.to_string(),
        },
        7 => OpaqueKind::AppDotenv {
            path: pick(u, SINKS)?.to_string(),
            scripts_only: bool::arbitrary(u)?,
        },
        _ => OpaqueKind::UnseenDeploy,
    })
}

fn read(u: &mut Unstructured) -> arbitrary::Result<Vec<EnvRead>> {
    let file = *pick(u, PY_FILES)?;
    let head = key(u)?;
    let mut r = EnvRead::new(
        Some(head.clone()),
        at(u, file)?,
        *pick(u, READ_VIAS)?,
        *pick(u, CONSUMERS)?,
    );
    match u.int_in_range(0..=3)? {
        0 => r.required = true,
        1 => {
            r.default = Some(match u.int_in_range(0..=4)? {
                0 => DefaultValue::Str(String::new()),
                1 => DefaultValue::Str("8000".into()),
                2 => DefaultValue::Bool(bool::arbitrary(u)?),
                3 => DefaultValue::Int(0),
                _ => DefaultValue::None,
            })
        }
        2 => r.has_default = true,
        _ => {}
    }
    let aliases = some(u, key)?;
    r.chain.extend(aliases.iter().take(2).cloned());
    if bool::arbitrary(u)? {
        r.guard = Some(ReadGuard {
            location: at(u, file)?,
            set: some(u, key)?.into_iter().take(2).collect(),
            unset: some(u, key)?.into_iter().take(2).collect(),
            other: bool::arbitrary(u)?,
        });
    }
    let mut reads = vec![r.clone()];
    // The nested reads of a fallback chain, as the settings collector makes them.
    for alias in r.chain.iter().skip(1) {
        let mut nested = EnvRead::new(Some(alias.clone()), r.location.clone(), r.via, r.consumer);
        nested.fallback_of = Some(head.clone());
        nested.has_default = true;
        reads.push(nested);
    }
    Ok(reads)
}

fn env_value(u: &mut Unstructured) -> arbitrary::Result<ComposeValue> {
    Ok(match u.int_in_range(0..=2)? {
        0 => ComposeValue::Passthrough,
        1 => ComposeValue::Literal {
            empty: bool::arbitrary(u)?,
        },
        _ => ComposeValue::Interpolated {
            refs: some(u, |u| {
                Ok(Interpolation {
                    key: key(u)?,
                    kind: match u.int_in_range(0..=3)? {
                        0 => InterpolationKind::Plain,
                        1 => InterpolationKind::Default {
                            if_empty: bool::arbitrary(u)?,
                            default_empty: bool::arbitrary(u)?,
                        },
                        2 => InterpolationKind::Required {
                            if_empty: bool::arbitrary(u)?,
                        },
                        _ => InterpolationKind::Alternative,
                    },
                })
            })?
            .into_iter()
            .take(2)
            .collect(),
            has_text: bool::arbitrary(u)?,
        },
    })
}

fn service(u: &mut Unstructured) -> arbitrary::Result<ComposeService> {
    let file = pick(u, COMPOSE_FILES)?.to_string();
    Ok(ComposeService {
        name: pick(u, SERVICES)?.to_string(),
        location: at(u, &file)?,
        environment: some(u, |u| {
            Ok(ComposeEnv {
                key: key(u)?,
                location: at(u, &file)?,
                value: env_value(u)?,
            })
        })?,
        env_files: some(u, |u| {
            Ok(ComposeEnvFile {
                path: pick(u, SINKS)?.to_string(),
                location: at(u, &file)?,
                required: bool::arbitrary(u)?,
            })
        })?
        .into_iter()
        .take(2)
        .collect(),
        build_context: option(u, |u| Ok(pick(u, CONTEXTS)?.to_string()))?,
        dockerfile: None,
        image: option(u, |_| Ok("registry.example/app:1".to_string()))?,
        restart: bool::arbitrary(u)?,
        depends_on: Vec::new(),
        runs_python: bool::arbitrary(u)?,
        command: option(u, |u| {
            Ok(ServiceCommand {
                location: at(u, &file)?,
                runs_python: bool::arbitrary(u)?,
                oneshot: bool::arbitrary(u)?,
            })
        })?,
        profiled: bool::arbitrary(u)?,
        dev: bool::arbitrary(u)?,
        deployed: bool::arbitrary(u)?,
        file,
    })
}

fn platform_app(u: &mut Unstructured) -> arbitrary::Result<PlatformApp> {
    let (via, platform, file) = *pick(
        u,
        &[
            (
                WriteVia::EcsTaskDefinition,
                Some(Platform::AwsEcs),
                "task-definition.json",
            ),
            (WriteVia::CloudRun, Some(Platform::CloudRun), "service.yaml"),
            (WriteVia::Fly, Some(Platform::Fly), "fly.toml"),
            (WriteVia::Terraform, None, "infra/main.tf"),
            (WriteVia::Systemd, None, "deploy/app.service"),
            (WriteVia::Helm, None, "chart/values.yaml"),
        ],
    )?;
    Ok(PlatformApp {
        via,
        noun: "app",
        name: pick(u, SERVICES)?.to_string(),
        location: at(u, file)?,
        image: None,
        platform,
        env: some(u, |u| {
            Ok(PlatformEnv {
                key: key(u)?,
                location: at(u, file)?,
                source: source(u)?,
            })
        })?,
        unseen: some(u, |u| {
            Ok(UnseenEnv {
                what: "fly secrets".into(),
                location: at(u, file)?,
            })
        })?
        .into_iter()
        .take(1)
        .collect(),
        env_files: some(u, |u| Ok((pick(u, SINKS)?.to_string(), at(u, file)?)))?
            .into_iter()
            .take(1)
            .collect(),
    })
}

fn workload(u: &mut Unstructured) -> arbitrary::Result<KubeWorkload> {
    let file = "k8s/deployment.yaml";
    Ok(KubeWorkload {
        file: file.into(),
        kind: "Deployment".into(),
        name: pick(u, SERVICES)?.to_string(),
        location: at(u, file)?,
        containers: vec![KubeContainer {
            name: "app".into(),
            location: at(u, file)?,
            image: option(u, |_| Ok("registry.example/app:1".to_string()))?,
            env: some(u, |u| {
                Ok(KubeEnv {
                    key: key(u)?,
                    location: at(u, file)?,
                    value: match u.int_in_range(0..=2)? {
                        0 => KubeValue::Literal {
                            empty: bool::arbitrary(u)?,
                        },
                        1 => KubeValue::ObjectKey {
                            kind: *pick(u, &[KubeObjectKind::Secret, KubeObjectKind::ConfigMap])?,
                            name: "app-env".into(),
                            key: key(u)?,
                        },
                        _ => KubeValue::Field,
                    },
                })
            })?,
            env_from: some(u, |u| {
                Ok(KubeEnvFrom {
                    kind: *pick(u, &[KubeObjectKind::Secret, KubeObjectKind::ConfigMap])?,
                    name: pick(u, &["app-env", "external-env"])?.to_string(),
                    prefix: String::new(),
                    location: at(u, file)?,
                })
            })?
            .into_iter()
            .take(2)
            .collect(),
        }],
    })
}

fn facts(u: &mut Unstructured) -> arbitrary::Result<Facts> {
    let mut facts = Facts {
        secret_refs: some(u, |u| {
            Ok(SecretRef {
                name: key(u)?,
                location: at_in(u, WORKFLOWS)?,
                declaration: bool::arbitrary(u)?,
                scope: match u.int_in_range(0..=2)? {
                    0 => SecretScope::NoEnvironment,
                    1 => SecretScope::Environment(pick(u, ENVIRONMENTS)?.to_string()),
                    _ => SecretScope::Unknown,
                },
            })
        })?,
        writes: some(u, write)?,
        opaque: some(u, |u| {
            Ok(OpaqueEnvFile {
                location: at_in(u, WORKFLOWS)?,
                source: source(u)?,
                sink: pick(u, SINKS)?.to_string(),
                target: option(u, |u| Ok(pick(u, TARGETS)?.to_string()))?,
            })
        })?
        .into_iter()
        .take(2)
        .collect(),
        opaque_stages: some(u, |u| {
            Ok(OpaqueStage {
                kind: opaque_kind(u)?,
                location: at_in(u, WORKFLOWS)?,
                scope: pick(u, SCOPES)?.to_string(),
            })
        })?
        .into_iter()
        .take(3)
        .collect(),
        jobs: some(u, |u| {
            let target = *pick(u, TARGETS)?;
            let file = target.split('#').next().unwrap_or(target);
            Ok(WorkflowJob {
                target: target.to_string(),
                location: at(u, file)?,
                delivers: bool::arbitrary(u)?,
                tests: bool::arbitrary(u)?,
                ships_checkout: bool::arbitrary(u)?,
                compose_on_runner: option(u, |u| bool::arbitrary(u))?,
            })
        })?,
        dotenv_loads: some(u, |u| {
            Ok(DotenvLoad {
                location: at_in(u, PY_FILES)?,
                path: pick(u, SINKS)?.to_string(),
            })
        })?
        .into_iter()
        .take(2)
        .collect(),
        reads: some(u, read)?.into_iter().flatten().collect(),
        services: some(u, service)?,
        dotenv_files: some(u, |u| {
            let file = *pick(u, DOTENV_FILES)?;
            Ok(DotenvFile {
                file: file.to_string(),
                example: file.ends_with(".example"),
                keys: some(u, |u| {
                    Ok(DotenvKey {
                        key: key(u)?,
                        location: at(u, file)?,
                        empty: bool::arbitrary(u)?,
                    })
                })?,
            })
        })?,
        compose_deploys: some(u, |u| {
            Ok(ComposeDeploy {
                location: at_in(u, WORKFLOWS)?,
                files: some(u, |u| Ok(pick(u, COMPOSE_FILES)?.to_string()))?
                    .into_iter()
                    .take(2)
                    .collect(),
                remote: bool::arbitrary(u)?,
                delivers: bool::arbitrary(u)?,
            })
        })?
        .into_iter()
        .take(2)
        .collect(),
        platform_signs: some(u, |u| {
            Ok(PlatformSign {
                platform: *pick(u, PLATFORMS)?,
                location: at_in(u, WORKFLOWS)?,
            })
        })?
        .into_iter()
        .take(1)
        .collect(),
        settings_modules: some(u, |u| Ok(pick(u, PY_FILES)?.to_string()))?,
        platform_apps: some(u, platform_app)?.into_iter().take(2).collect(),
        workloads: some(u, workload)?.into_iter().take(1).collect(),
        ..Facts::default()
    };
    if bool::arbitrary(u)? {
        facts.kube_objects.push(KubeObject {
            kind: KubeObjectKind::Secret,
            name: "app-env".into(),
            location: Location::new("k8s/secret.yaml", 0, 0),
            keys: some(u, |u| Ok((key(u)?, at(u, "k8s/secret.yaml")?)))?,
            env_file: None,
            target: None,
        });
    }
    if bool::arbitrary(u)? {
        let command = *pick(u, &["gunicorn config.wsgi", "python manage.py runserver"])?;
        facts.entry_points.push(EntryPoint {
            command: command.to_string(),
            modules: vec![if command.contains("manage") {
                "manage.py".into()
            } else {
                "config.wsgi".into()
            }],
            location: Location::new("Dockerfile", 9, 0),
            via: EntryVia::Dockerfile,
        });
        facts.images.push(DockerImage {
            file: "Dockerfile".into(),
            env: some(u, |u| {
                Ok(ImageEnv {
                    key: key(u)?,
                    location: at(u, "Dockerfile")?,
                    source: Source::Literal,
                })
            })?,
            python: true,
            other_runtime: false,
            command: Location::new("Dockerfile", 9, 0),
        });
    }
    if bool::arbitrary(u)? {
        facts.cloud_run_env_files.push(CloudRunEnvFile {
            path: pick(u, DOTENV_FILES)?.to_string(),
            location: at(u, WORKFLOWS[0])?,
            target: TARGETS[0].to_string(),
        });
    }
    Ok(facts)
}

/// `envtrail.toml`: `[env-files]` declarations and aliases, or nothing.
fn config(u: &mut Unstructured) -> arbitrary::Result<Config> {
    let mut text = String::new();
    let declared = some(u, |u| Ok((*pick(u, SINKS)?, some(u, key)?)))?;
    if !declared.is_empty() {
        text.push_str("[env-files]\n");
        let mut seen = BTreeSet::new();
        for (path, keys) in declared.into_iter().take(2) {
            if seen.insert(path) {
                let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
                text.push_str(&format!("{path:?} = [{}]\n", keys.join(", ")));
            }
        }
    }
    if bool::arbitrary(u)? {
        text.push_str("[aliases]\nSECRET_KEY = [\"DJANGO_SECRET_KEY\"]\n");
    }
    Ok(Config::parse(&text).unwrap_or_default())
}

/// What `check` reports on these facts: the chain, every static rule, the
/// suppressions (no file holds an ignore comment here).
fn check(facts: Facts, inventory: Option<Inventory>, config: &Config) -> Report {
    let chain = Chain::build_with(facts, inventory, config);
    let root = std::path::Path::new("/nonexistent/envtrail-fuzz-verdict");
    let findings = envtrail::suppress::apply(envtrail::rules::run(&chain), &chain, root, config);
    Report {
        root: root.to_string_lossy().into_owned(),
        repo_root: None,
        chain,
        findings,
    }
}

/// The unset family: the rules that word a verdict.
fn verdict_rule(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::UnsetRequired
            | RuleId::SecretUnwritten
            | RuleId::UnsetDefaulted
            | RuleId::ReachUnknown
    )
}

/// No `error` without a fully visible chain.
fn errors_are_certain(report: &Report) {
    let chain = &report.chain;
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        let key = f.key.as_deref().unwrap_or_default();
        match f.rule {
            RuleId::UnsetRequired | RuleId::SecretUnwritten => {
                let row = chain.row(key).expect("an error on a key with no row");
                let kv = row
                    .verdict
                    .as_ref()
                    .expect("an error on a key with no verdict");
                assert_ne!(
                    kv.read.consumer,
                    Consumer::Script,
                    "a script's read as an error: {f:?}"
                );
                match &kv.verdict {
                    Verdict::Unset { .. } => {}
                    Verdict::Defaulted { .. } if f.rule == RuleId::SecretUnwritten => {}
                    v if v.reaches() && f.rule == RuleId::UnsetRequired => {
                        let targets = chain.required_missing_in(row);
                        let services = chain.required_missing_in_services(row);
                        assert!(
                            !targets.is_empty() || !services.is_empty(),
                            "{key} reaches the app and unset-required is an error: {f:?}"
                        );
                        for t in targets {
                            assert!(
                                matches!(t.verdict(key), Some(Verdict::Unset { .. })),
                                "target {} is not certainly unset for {key}: {:?}",
                                t.name,
                                t.verdict(key)
                            );
                        }
                        for (_, s) in services {
                            assert!(s.visible, "service {} is not fully visible", s.name);
                        }
                    }
                    v => panic!("an error on a verdict that is not certain ({v:?}): {f:?}"),
                }
            }
            RuleId::SecretUndefined => {
                let inventory = chain
                    .inventory
                    .as_ref()
                    .expect("secret-undefined without a store");
                // A repository's or organisation's store is every job's: a
                // name one holds is defined wherever it is used.
                assert!(
                    !inventory
                        .stores
                        .iter()
                        .filter(|s| !matches!(s.kind, StoreKind::Environment(_)))
                        .any(|s| s.names.contains(key)),
                    "{key} is in a store every job sees: {f:?}"
                );
            }
            // The live rules need a container: a static check has none.
            rule => panic!("an error of {rule} from a static check: {f:?}"),
        }
    }
}

/// Trace agrees with check, for every key.
fn trace_agrees(report: &Report) {
    let json = envtrail::render::json::to_v1(report);
    // `keys[]` is streamed when serialized: read it back as JSON.
    let rows = serde_json::to_value(&json.keys).expect("keys[] serializes");
    let keys = report.chain.rows.keys().chain(report.chain.secrets.keys());
    for key in keys {
        let trace = envtrail::trace::build(report, key);
        let reach = rows
            .as_array()
            .and_then(|rows| rows.iter().find(|k| k["key"] == key.as_str()))
            .and_then(|row| row["reach"].as_str());
        match reach {
            Some(reach) => assert_eq!(trace.reach, reach, "trace and check disagree on {key}"),
            None => {
                let fallback = report
                    .chain
                    .row(key)
                    .is_some_and(|r| r.app_reads().any(|r| r.fallback_of.is_some()));
                if !fallback {
                    assert_eq!(
                        trace.reach, "not-read",
                        "{key} is not read, trace says otherwise"
                    );
                }
            }
        }
        let reported: Vec<(&str, &str, u32)> = json
            .findings
            .iter()
            .filter(|f| f.key == Some(key.as_str()))
            .map(|f| (f.rule, f.severity, f.line))
            .collect();
        let traced: Vec<(&str, &str, u32)> = trace
            .findings
            .iter()
            .map(|f| (f.rule, f.severity, f.line))
            .collect();
        assert_eq!(
            traced, reported,
            "trace and check name different findings on {key}"
        );
        if trace.breaks.is_none() {
            assert!(
                matches!(trace.reach, "set" | "platform" | "not-read"),
                "{key}: trace says it arrives, with reach {}",
                trace.reach
            );
            let against = report
                .findings
                .iter()
                .find(|f| f.key.as_deref() == Some(key.as_str()) && verdict_rule(f.rule));
            assert!(
                against.is_none(),
                "trace says {key} arrives, check says {against:?}"
            );
        }
        // The break trace words is the rule check reports: a stored secret
        // no stage writes is said by both or by neither.
        if report.chain.row(key).is_some_and(|r| r.verdict.is_some()) {
            let unwritten = report.findings.iter().any(|f| {
                f.key.as_deref() == Some(key.as_str()) && f.rule == RuleId::SecretUnwritten
            });
            let said = trace
                .breaks
                .as_deref()
                .is_some_and(|b| b.starts_with("between the secret store and the deploy"));
            assert_eq!(
                said, unwritten,
                "trace and check disagree on whether {key}'s secret is written: {:?}",
                trace.breaks
            );
        }
        if trace.reach == "unknown" {
            let error = report.findings.iter().find(|f| {
                f.key.as_deref() == Some(key.as_str())
                    && f.severity == Severity::Error
                    && f.rule != RuleId::SecretUndefined
            });
            assert!(
                error.is_none(),
                "trace says {key} is unknown, check errs: {error:?}"
            );
        }
        let mut text = Vec::new();
        envtrail::trace::render_text(&trace, &mut text).expect("a Vec takes every write");
    }
}

/// One more stage envtrail cannot see, upstream of every read: nothing the
/// verdicts decide stays certain, so no verdict is `unset` and no error of
/// the verdict path is left (a visible compose service that lacks the key
/// while its sibling gets it does not depend on what feeds the deploy).
fn an_unseen_stage_leaves_no_certain_unset(
    mut facts: Facts,
    inventory: Option<Inventory>,
    config: &Config,
) {
    facts.opaque_stages.push(OpaqueStage {
        kind: OpaqueKind::RemoteWorkflow {
            uses: "elsewhere/deploy/.github/workflows/deploy.yml@main".into(),
        },
        location: Location::new(".github/workflows/zz-fuzz.yml", 0, 0),
        scope: String::new(),
    });
    let report = check(facts, inventory, config);
    let chain = &report.chain;
    for row in chain.rows.values() {
        assert!(
            !matches!(row.verdict(), Some(Verdict::Unset { .. })),
            "{} is unset with an unseen stage upstream",
            row.key
        );
    }
    for t in &chain.deploy.targets {
        for (key, v) in &t.verdicts {
            assert!(
                !matches!(v, Verdict::Unset { .. }),
                "{key} is unset in {} with an unseen stage upstream",
                t.name
            );
        }
    }
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        if !matches!(f.rule, RuleId::UnsetRequired | RuleId::SecretUnwritten) {
            continue;
        }
        let services = f
            .key
            .as_deref()
            .and_then(|k| chain.row(k))
            .map(|row| chain.required_missing_in_services(row))
            .unwrap_or_default();
        assert!(
            !services.is_empty(),
            "an error with an unseen stage upstream: {f:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(facts) = facts(&mut u) else {
        return;
    };
    let Ok(config) = config(&mut u) else {
        return;
    };
    let inventory = match option(&mut u, |u| some(u, key)) {
        Ok(names) => names.map(|names| {
            let mut stores = vec![Store {
                kind: StoreKind::Repository,
                file: "secrets.json".into(),
                names: names.iter().step_by(2).cloned().collect(),
            }];
            // The other names, in the production environment's store only.
            stores.push(Store {
                kind: StoreKind::Environment("production".into()),
                file: "production.json".into(),
                names: names.iter().skip(1).step_by(2).cloned().collect(),
            });
            Inventory::from_stores(stores)
        }),
        Err(_) => return,
    };
    let report = check(facts.clone(), inventory.clone(), &config);
    errors_are_certain(&report);
    trace_agrees(&report);
    an_unseen_stage_leaves_no_certain_unset(facts, inventory, &config);
});
