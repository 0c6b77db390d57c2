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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{KubeContainer, WriteVia};

    fn app_config(name: &str) -> Config {
        Config::parse(&format!("app-service = \"{name}\"\n")).expect("valid config")
    }

    fn python_service(file: &str, name: &str, row: u32) -> ComposeService {
        ComposeService {
            runs_python: true,
            ..ComposeService::at(file, name, row)
        }
    }

    fn workload(file: &str, name: &str, containers: &[(&str, &str)]) -> KubeWorkload {
        KubeWorkload {
            file: file.into(),
            kind: "Deployment".into(),
            name: name.into(),
            location: Location::new(file, 4, 2),
            containers: containers
                .iter()
                .map(|(name, image)| KubeContainer {
                    name: (*name).into(),
                    location: Location::new(file, 20, 10),
                    image: Some((*image).into()),
                    env: Vec::new(),
                    env_from: Vec::new(),
                })
                .collect(),
        }
    }

    fn platform_app(name: &str, image: Option<&str>) -> PlatformApp {
        PlatformApp {
            via: WriteVia::EcsTaskDefinition,
            noun: "ECS container",
            name: name.into(),
            location: Location::new("ecs/task.json", 3, 4),
            image: image.map(str::to_string),
            platform: None,
            env: Vec::new(),
            unseen: Vec::new(),
            env_files: Vec::new(),
        }
    }

    fn app_read(file: &str) -> EnvRead {
        EnvRead::new(
            Some("SECRET_KEY".into()),
            Location::new(file, 3, 0),
            ReadVia::OsEnviron,
            Consumer::App,
        )
    }

    fn app_service_names(facts: &Facts, config: &Config) -> Vec<String> {
        app_services(facts, config, &BTreeMap::new())
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    #[test]
    fn databases_caches_proxies_and_sidecars_are_infrastructure_and_the_apps_image_is_not() {
        for image in [
            "postgres:16",
            "bitnami/redis:7.2",
            "docker.io/library/nginx@sha256:abc",
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        ] {
            assert!(is_infra_image(image), "{image} is infrastructure");
        }
        for image in ["ghcr.io/acme/api:1.4", "acme/web", "python:3.12-slim"] {
            assert!(!is_infra_image(image), "{image} is not infrastructure");
        }
    }

    #[test]
    fn a_unit_points_at_its_first_service_or_workload_and_a_platform_app_at_itself() {
        let web = ComposeService::at("compose.yml", "web", 3);
        let worker = ComposeService::at("compose.yml", "worker", 9);
        let compose = Unit::Compose {
            file: "compose.yml".into(),
            services: vec![&web, &worker],
        };
        assert_eq!(compose.location(), Location::new("compose.yml", 3, 2));
        let api = workload("k8s/api.yaml", "api", &[("api", "acme/api")]);
        let kube = Unit::Kube {
            dir: "k8s".into(),
            workloads: vec![&api],
        };
        assert_eq!(kube.location(), Location::new("k8s/api.yaml", 4, 2));
        let app = platform_app("api", None);
        let platform = Unit::Platform {
            name: "ecs/task.json#api".into(),
            app: &app,
        };
        assert_eq!(platform.location(), Location::new("ecs/task.json", 3, 4));
    }

    #[test]
    fn a_service_built_from_a_folder_without_the_apps_code_is_not_the_app() {
        let facts = Facts {
            reads: vec![app_read("backend/settings.py")],
            services: vec![
                ComposeService {
                    build_context: Some("backend".into()),
                    ..ComposeService::at("compose.yml", "api", 3)
                },
                ComposeService {
                    build_context: Some("frontend".into()),
                    ..ComposeService::at("compose.yml", "frontend", 9)
                },
            ],
            ..Facts::default()
        };
        assert_eq!(app_service_names(&facts, &Config::default()), ["api"]);
    }

    #[test]
    fn a_service_running_the_image_an_app_service_builds_is_the_app_once() {
        let facts = Facts {
            services: vec![
                ComposeService {
                    image: Some("acme/api:1".into()),
                    ..python_service("compose.yml", "web", 3)
                },
                ComposeService {
                    image: Some("acme/api:1".into()),
                    ..ComposeService::at("compose.yml", "worker", 9)
                },
                ComposeService {
                    image: Some("redis:7".into()),
                    ..ComposeService::at("compose.yml", "cache", 14)
                },
            ],
            ..Facts::default()
        };
        assert_eq!(
            app_service_names(&facts, &Config::default()),
            ["web", "worker"]
        );
    }

    #[test]
    fn app_services_of_one_compose_file_are_one_unit_and_workloads_of_one_folder_one_unit() {
        let web = python_service("compose.yml", "web", 3);
        let worker = python_service("compose.yml", "worker", 9);
        let prod = python_service("compose.prod.yml", "web", 3);
        let facts = Facts {
            workloads: vec![
                workload("k8s/web.yaml", "web", &[("web", "acme/api")]),
                workload("k8s/worker.yaml", "worker", &[("worker", "acme/api")]),
                workload("k8s/staging/web.yaml", "web", &[("web", "acme/api")]),
            ],
            ..Facts::default()
        };
        let units = units(&facts, &Config::default(), &[&web, &worker, &prod]);
        let shape: Vec<(String, String)> = units
            .iter()
            .map(|u| (u.name().to_string(), u.app_part()))
            .collect();
        assert_eq!(
            shape,
            [
                ("compose.yml".into(), "compose services web, worker".into()),
                ("compose.prod.yml".into(), "compose service web".into()),
                ("k8s".into(), "Kubernetes workloads web, worker".into()),
                ("k8s/staging".into(), "Kubernetes workload web".into()),
            ]
        );
    }

    #[test]
    fn a_platform_app_running_an_infrastructure_image_or_not_the_configured_one_is_not_the_app() {
        let none = Config::default();
        assert!(is_app_platform_app(
            &platform_app("api", Some("acme/api:1")),
            &none
        ));
        assert!(is_app_platform_app(&platform_app("api", None), &none));
        assert!(!is_app_platform_app(
            &platform_app("log_router", Some("amazon/aws-for-fluent-bit:stable")),
            &none
        ));
        let api = app_config("api");
        assert!(is_app_platform_app(
            &platform_app("api", Some("redis:7")),
            &api
        ));
        assert!(!is_app_platform_app(
            &platform_app("worker", Some("acme/api:1")),
            &api
        ));
    }

    #[test]
    fn without_a_configured_app_service_every_name_is_the_apps_and_with_one_only_its_matches() {
        assert!(is_kube_app(&Config::default(), "anything"));
        let api = app_config("api*");
        assert!(is_kube_app(&api, "api-web"));
        assert!(!is_kube_app(&api, "worker"));
    }

    #[test]
    fn a_workload_is_the_apps_by_its_own_or_a_containers_name_and_not_when_all_infrastructure() {
        let none = Config::default();
        assert!(is_app_workload(
            &workload(
                "k8s/a.yaml",
                "web",
                &[("web", "acme/api"), ("proxy", "nginx:1")]
            ),
            &none
        ));
        assert!(!is_app_workload(
            &workload("k8s/a.yaml", "cache", &[("redis", "redis:7")]),
            &none
        ));
        let api = app_config("api");
        assert!(is_app_workload(
            &workload("k8s/a.yaml", "api", &[("main", "acme/api")]),
            &api
        ));
        assert!(is_app_workload(
            &workload("k8s/a.yaml", "backend", &[("api", "acme/api")]),
            &api
        ));
        // Named by the config, it is the app whatever image it runs.
        assert!(is_app_workload(
            &workload("k8s/a.yaml", "api", &[("api", "nginx-unit:python3.12")]),
            &api
        ));
        assert!(!is_app_workload(
            &workload("k8s/a.yaml", "worker", &[("worker", "acme/api")]),
            &api
        ));
    }
}
