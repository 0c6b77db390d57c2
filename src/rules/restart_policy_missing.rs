//! `restart-policy-missing`: a long-running compose service with no
//! `restart:` (or `deploy.restart_policy`): after a host or Docker restart it
//! stays down (incident 2).
//!
//! Only deployed stacks are audited: when a delivering job's compose command
//! names compose files, those (with their overlays merged) and no others;
//! otherwise any
//! compose file that is not a development, test or example stack (by the
//! words of its path, or a service that reloads, idles or builds from a dev
//! Dockerfile, or runs a development-only image such as localstack). A
//! service with neither an image nor a build is an overlay's layer, judged
//! only merged; a `docker-compose.<x>.yml` service takes the restart policy
//! of the same service in the `docker-compose.yml` beside it, which compose
//! deploys it over by convention, and a file's `include:`d services count as
//! its own. One-shot jobs are exempt: those another service waits for
//! with `condition: service_completed_successfully`, those whose command runs
//! to completion (migrations, `collectstatic`, a copy, `exit 0`), services
//! behind `profiles:`, and names matching the one-shot patterns
//! (`*-migrate`, `*_init`, `*_check`, `init-*`..., see `envtrail.toml`'s
//! `oneshot-services`).

use std::collections::BTreeSet;

use super::RuleId;
use crate::chain::Chain;
use crate::chain::reach::is_dev_file;
use crate::config::Globs;
use crate::facts::ComposeService;
use crate::finding::Finding;

/// A service that runs to completion rather than serving.
pub fn is_oneshot(
    service: &ComposeService,
    file_services: &[&ComposeService],
    patterns: &Globs,
) -> bool {
    patterns.is_match(&service.name)
        || file_services.iter().any(|other| {
            other.depends_on.iter().any(|(name, condition)| {
                *name == service.name && condition == "service_completed_successfully"
            })
        })
}

/// The compose files the rule audits: the deployed ones when a deploy
/// names any, else every file that is no development or test stack.
fn audited_files(services: &[ComposeService]) -> BTreeSet<&str> {
    let deployed: BTreeSet<&str> = services
        .iter()
        .filter(|s| s.deployed && !is_dev_file(&s.file))
        .map(|s| s.file.as_str())
        .collect();
    if !deployed.is_empty() {
        return deployed;
    }
    let dev_stacks: BTreeSet<&str> = services
        .iter()
        .filter(|s| s.dev)
        .map(|s| s.file.as_str())
        .collect();
    services
        .iter()
        .map(|s| s.file.as_str())
        .filter(|f| !is_dev_file(f) && !dev_stacks.contains(f))
        .collect()
}

/// The base file compose pairs an overlay with by convention: a
/// `docker-compose.prod.yml` beside a `docker-compose.yml` is deployed as
/// `-f docker-compose.yml -f docker-compose.prod.yml`.
fn conventional_base<'a>(file: &str, services: &'a [ComposeService]) -> Option<&'a str> {
    let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
    let stem = ["docker-compose.", "compose."]
        .iter()
        .find(|p| name.starts_with(*p))?;
    let rest = &name[stem.len()..];
    if matches!(rest, "yml" | "yaml") {
        return None;
    }
    [
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.yml",
        "compose.yaml",
    ]
    .iter()
    .map(|base| match dir {
        "" => base.to_string(),
        _ => format!("{dir}/{base}"),
    })
    .find_map(|base| services.iter().find(|s| s.file == base))
    .map(|s| s.file.as_str())
}

/// The overlay's service takes its restart policy from the same service of
/// its conventional base (compose keeps a policy set in either file).
fn inherits_restart(service: &ComposeService, services: &[ComposeService]) -> bool {
    conventional_base(&service.file, services).is_some_and(|base| {
        services
            .iter()
            .any(|s| s.file == base && s.name == service.name && s.restart)
    })
}

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let services = &chain.deploy.services;
    let audited = audited_files(services);
    // A service an `include:` copies into another file is reported once.
    let mut reported = BTreeSet::new();
    for service in services {
        if service.restart || service.profiled || !audited.contains(service.file.as_str()) {
            continue;
        }
        if inherits_restart(service, services) || !reported.insert(&service.location) {
            continue;
        }
        // Neither an image nor a build: an overlay's layer (compose refuses
        // to start it alone), judged only merged with its base.
        if service.image.is_none() && service.build_context.is_none() {
            continue;
        }
        if service.command.as_ref().is_some_and(|c| c.oneshot) {
            continue;
        }
        let same_file: Vec<&ComposeService> =
            services.iter().filter(|s| s.file == service.file).collect();
        if is_oneshot(service, &same_file, &chain.deploy.oneshot_patterns) {
            continue;
        }
        out.push(
            Finding::new(
                RuleId::RestartPolicyMissing,
                None,
                service.location.clone(),
                format!(
                    "service `{}` runs long and has no restart policy: after a host or Docker restart it stays down",
                    service.name
                ),
            )
            .with_tip(
                "add `restart: unless-stopped`; if it is a one-shot job, list its name in envtrail.toml `oneshot-services`",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    /// A long-running service of `file` with an image and no restart policy.
    fn service(file: &str, name: &str) -> ComposeService {
        ComposeService {
            file: file.into(),
            name: name.into(),
            location: Location::new(file, 2, 3),
            image: Some("app:1".into()),
            ..ComposeService::default()
        }
    }

    fn restarting(s: ComposeService) -> ComposeService {
        ComposeService { restart: true, ..s }
    }

    fn deployed(s: ComposeService) -> ComposeService {
        ComposeService {
            deployed: true,
            ..s
        }
    }

    /// `(file, service)` of each finding.
    fn flagged(services: Vec<ComposeService>) -> Vec<(String, String)> {
        let mut chain = Chain::default();
        chain.deploy.services = services;
        let mut out = Vec::new();
        check(&chain, &mut out);
        out.iter()
            .map(|f| {
                let name = f.message.split('`').nth(1).unwrap_or_default();
                (f.location.file.to_string(), name.to_string())
            })
            .collect()
    }

    fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
        want.iter()
            .map(|(f, n)| (f.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn when_a_deploy_names_its_compose_files_the_others_are_not_audited() {
        let got = flagged(vec![
            deployed(service("docker-compose.prod.yml", "web")),
            service("docker-compose.monitoring.yml", "grafana"),
        ]);
        assert_eq!(got, pairs(&[("docker-compose.prod.yml", "web")]));
    }

    #[test]
    fn a_deployed_development_file_does_not_narrow_the_audit() {
        // `-f docker-compose.dev.yml` in a delivering job is no production
        // stack: the audit falls back to every file that is not a dev stack.
        let got = flagged(vec![
            deployed(service("docker-compose.dev.yml", "web")),
            service("docker-compose.yml", "web"),
        ]);
        assert_eq!(got, pairs(&[("docker-compose.yml", "web")]));
    }

    #[test]
    fn without_a_deploy_dev_files_and_dev_stacks_are_not_audited() {
        let dev_service = ComposeService {
            dev: true,
            ..service("compose/app.yml", "web")
        };
        let got = flagged(vec![
            service("docker-compose.yml", "web"),
            service("docker-compose.dev.yml", "web"),
            dev_service,
        ]);
        assert_eq!(got, pairs(&[("docker-compose.yml", "web")]));
    }

    #[test]
    fn an_overlay_service_takes_only_its_own_base_services_policy() {
        // The base's `web` restarts, its `worker` does not; a staging file's
        // `worker` restarts: neither lends the prod overlay's `worker` a policy.
        let got = flagged(vec![
            restarting(service("docker-compose.yml", "web")),
            service("docker-compose.yml", "worker"),
            restarting(service("docker-compose.staging.yml", "worker")),
            service("docker-compose.prod.yml", "worker"),
            service("docker-compose.prod.yml", "web"),
        ]);
        assert_eq!(
            got,
            pairs(&[
                ("docker-compose.yml", "worker"),
                ("docker-compose.prod.yml", "worker"),
            ])
        );
    }

    #[test]
    fn a_service_waited_for_to_complete_in_its_own_file_is_a_one_shot() {
        let waiter = |file: &str| ComposeService {
            depends_on: vec![("setup".into(), "service_completed_successfully".into())],
            ..restarting(service(file, "web"))
        };
        // In the same file `setup` is a one-shot job; another file's wait
        // says nothing of this file's `setup`.
        let got = flagged(vec![
            waiter("docker-compose.yml"),
            service("docker-compose.yml", "setup"),
            service("stack/other.yml", "setup"),
            waiter("stack/third.yml"),
        ]);
        assert_eq!(got, pairs(&[("stack/other.yml", "setup")]));
    }
}
