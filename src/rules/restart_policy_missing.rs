//! `restart-policy-missing`: a long-running compose service with no
//! `restart:` (or `deploy.restart_policy`): after a host or Docker restart it
//! stays down (incident 2). One-shot jobs are exempt: those another service
//! waits for with `condition: service_completed_successfully`, and names
//! matching the one-shot patterns (`*-migrate`, `*_init`, `*_check`,
//! `init-*`..., see `envtrail.toml`'s `oneshot-services`).

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

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let services = &chain.deploy.services;
    for service in services {
        // Development and test compose files are not deployed: no restart needed.
        if service.restart || is_dev_file(&service.file) {
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
