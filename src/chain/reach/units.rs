//! Which code is the app and which deploy units run it: compose services
//! that build or run it, Kubernetes folders whose workloads do, apps a
//! platform runs from a manifest or infrastructure code.

use std::collections::{BTreeMap, BTreeSet};

use super::dir_of;
use crate::config::Config;
use crate::facts::{
    ComposeService, ComposeValue, Consumer, DockerImage, EnvRead, Facts, KubeWorkload, PlatformApp,
    ReadVia,
};
use crate::location::Location;

/// A unit of the deploy that gives the app its env: one compose file's app
/// services, one folder of Kubernetes workloads, or one platform app.
pub(super) enum Unit<'a> {
    Compose {
        file: String,
        services: Vec<&'a ComposeService>,
    },
    Kube {
        dir: String,
        workloads: Vec<&'a KubeWorkload>,
    },
    Platform {
        /// `<file>#<app>`: one file may define several apps.
        name: String,
        app: &'a PlatformApp,
    },
}

impl Unit<'_> {
    pub fn name(&self) -> &str {
        match self {
            Unit::Compose { file, .. } => file,
            Unit::Kube { dir, .. } => dir,
            Unit::Platform { name, .. } => name,
        }
    }

    /// The app's part this unit runs, by kind and name: the same in every
    /// variant of a deploy (`compose.staging.yml` and `compose.prod.yml`).
    pub fn app_part(&self) -> String {
        let (singular, plural, mut names): (&str, &str, Vec<&str>) = match self {
            Unit::Compose { services, .. } => (
                "compose service",
                "compose services",
                services.iter().map(|s| s.name.as_str()).collect(),
            ),
            Unit::Kube { workloads, .. } => (
                "Kubernetes workload",
                "Kubernetes workloads",
                workloads.iter().map(|w| w.name.as_str()).collect(),
            ),
            Unit::Platform { app, .. } => return format!("{} {}", app.noun, app.name),
        };
        names.sort_unstable();
        names.dedup();
        let noun = if names.len() == 1 { singular } else { plural };
        format!("{noun} {}", names.join(", "))
    }

    pub fn location(&self) -> Location {
        match self {
            Unit::Compose { services, file } => services
                .first()
                .map(|s| s.location.clone())
                .unwrap_or_else(|| Location::file_start(file.clone())),
            Unit::Kube { workloads, dir } => workloads
                .first()
                .map(|w| w.location.clone())
                .unwrap_or_else(|| Location::file_start(dir.clone())),
            Unit::Platform { app, .. } => app.location.clone(),
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
        // Database admin consoles run beside the app, never its code.
        "pgadmin",
        "adminer",
        // Sidecars of ECS task definitions: log routers, tracing agents.
        "aws-for-fluent-bit",
        "fluent-bit",
        "aws-xray-daemon",
        "aws-otel-collector",
        "opentelemetry-collector",
        "cloudwatch-agent",
    ];
    let repo = image.rsplit('/').next().unwrap_or(image);
    let repo = repo.split([':', '@']).next().unwrap_or(repo);
    INFRA.iter().any(|i| repo.starts_with(i))
}

/// Which compose services run the app: the config's `app-service`, else
/// services built from a folder holding the settings module or otherwise
/// running Python, and services using the image such a service builds.
pub(super) fn app_services<'a>(
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
    // An image of another runtime built from the app's folder (a node
    // asset builder): not the app, unless its command starts the app.
    let other_image = |s: &ComposeService| {
        s.dockerfile
            .as_deref()
            .and_then(|d| images.get(d))
            .is_some_and(|i| i.other_runtime)
    };
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
            let command_runs_python = s.command.as_ref().is_some_and(|c| c.runs_python);
            if other_image(s) && !command_runs_python {
                return false;
            }
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

/// The units that give the app its env: the app services grouped by compose
/// file, then the app's Kubernetes workloads grouped by folder.
pub(super) fn units<'a>(
    facts: &'a Facts,
    config: &Config,
    apps: &[&'a ComposeService],
) -> Vec<Unit<'a>> {
    let mut units: Vec<Unit> = Vec::new();
    for svc in apps {
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
    for w in facts
        .workloads
        .iter()
        .filter(|w| is_app_workload(w, config))
    {
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
    for app in facts
        .platform_apps
        .iter()
        .filter(|a| is_app_platform_app(a, config))
    {
        units.push(Unit::Platform {
            name: format!("{}#{}", app.location.file, app.name),
            app,
        });
    }
    units
}

/// The config's app service names this platform app; without one, every
/// platform app but one running a well-known infrastructure image is the app's.
fn is_app_platform_app(app: &PlatformApp, config: &Config) -> bool {
    if !config.app_service.is_empty() {
        return config.app_service.is_match(&app.name);
    }
    !app.image.as_deref().is_some_and(is_infra_image)
}

/// The config's app service names this workload or container (any, without one).
pub(super) fn is_kube_app(config: &Config, name: &str) -> bool {
    config.app_service.is_empty() || config.app_service.is_match(name)
}

/// Some container of `w` is the app's. Without a configured app service, a
/// workload made only of well-known infrastructure images is not the app.
fn is_app_workload(w: &KubeWorkload, config: &Config) -> bool {
    let named = w
        .containers
        .iter()
        .any(|c| is_kube_app(config, &w.name) || is_kube_app(config, &c.name));
    named
        && (!config.app_service.is_empty()
            || w.containers
                .iter()
                .any(|c| !c.image.as_deref().is_some_and(is_infra_image)))
}

/// Host keys compose consumes, as reads of the deploy: renames into the
/// app, and everything it hands other services. A key the app service
/// passes through under its own name is the app's read, not compose's.
pub(super) fn compose_reads(
    facts: &Facts,
    app_services: &std::collections::BTreeSet<(String, String)>,
) -> Vec<EnvRead> {
    let mut reads = Vec::new();
    for svc in &facts.services {
        let is_app = app_services.contains(&(svc.file.clone(), svc.name.clone()));
        for e in &svc.environment {
            let host_keys: Vec<&str> = match &e.value {
                ComposeValue::Passthrough => vec![e.key.as_str()],
                ComposeValue::Interpolated { refs, .. } => {
                    refs.iter().map(|r| r.key.as_str()).collect()
                }
                ComposeValue::Literal { .. } => Vec::new(),
            };
            for host_key in host_keys.into_iter().filter(|k| !(is_app && *k == e.key)) {
                reads.push(EnvRead::new(
                    Some(host_key.to_string()),
                    e.location.clone(),
                    ReadVia::ComposeInterpolation,
                    Consumer::Deploy,
                ));
            }
        }
    }
    reads
}
