//! `container-down`: the audited container is not running, keeps restarting,
//! or its health check reports it unhealthy (a target a load balancer sees as
//! down: incident 5). The message gives state, exit code and the restart
//! policy (none is worth saying: incident 2).

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;
use crate::live::ContainerFacts;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some(c) = &chain.container else {
        return;
    };
    if c.is_up() {
        return;
    }
    let message = format!(
        "container `{}` (image {}) {}; restart policy: {}; shown at {}",
        c.name,
        if c.image.is_empty() {
            "unknown"
        } else {
            &c.image
        },
        state_phrase(c),
        policy_phrase(c),
        c.anchor_what
    );
    let mut finding = Finding::new(RuleId::ContainerDown, None, c.anchor.clone(), message);
    finding = finding.with_tip(format!(
        "`docker logs {}` shows why; fix the cause, then `docker compose up -d` or `docker start {}`",
        c.name, c.name
    ));
    out.push(finding);
}

/// `is exited (1) 2 minutes ago`, `is restarting...`, `is running but unhealthy...`.
fn state_phrase(c: &ContainerFacts) -> String {
    let when = c
        .finished_ago
        .as_deref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    let mut phrase = if c.restarting {
        format!(
            "is restarting: it keeps exiting (last exit code {}{when}) and Docker keeps starting it again",
            c.exit_code
        )
    } else if c.paused {
        "is paused: it holds its state but serves nothing".to_string()
    } else if c.running {
        let streak = match c.failing_streak {
            n if n > 1 => format!(" ({n} failed checks in a row)"),
            _ => String::new(),
        };
        format!(
            "is running but its health check reports {}{streak}: whatever probes it sees it down",
            c.health.as_deref().unwrap_or("unhealthy")
        )
    } else if c.status == "created" {
        "is created and was never started".to_string()
    } else {
        format!("is {} ({}){when}", c.status, c.exit_code)
    };
    if c.oom_killed {
        phrase.push_str(", killed for lack of memory (OOM)");
    }
    if let Some(error) = &c.error {
        let short: String = error.chars().take(200).collect();
        phrase.push_str(&format!(", Docker says: {short}"));
    }
    phrase
}

fn policy_phrase(c: &ContainerFacts) -> String {
    match c.restart_policy.as_str() {
        "none" => "none, so it stays down until someone starts it, and will not come back after a host or Docker restart".into(),
        "on-failure" if c.restart_max_retries > 0 => {
            format!("on-failure (at most {} retries)", c.restart_max_retries)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    fn exited() -> ContainerFacts {
        ContainerFacts {
            name: "api".into(),
            image: "app:1".into(),
            status: "exited".into(),
            exit_code: 1,
            finished_ago: Some("2 minutes ago".into()),
            restart_policy: "none".into(),
            anchor: Location::new("docker-compose.yml", 4, 2),
            anchor_what: "the compose service `api` that runs it (docker-compose.yml)".into(),
            ..ContainerFacts::default()
        }
    }

    fn run(c: ContainerFacts) -> Vec<Finding> {
        let chain = Chain {
            container: Some(c),
            ..Chain::default()
        };
        let mut out = Vec::new();
        check(&chain, &mut out);
        out
    }

    #[test]
    fn exited_gives_state_exit_code_and_policy() {
        let out = run(exited());
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert_eq!(f.key, None);
        assert_eq!(f.location, Location::new("docker-compose.yml", 4, 2));
        assert!(
            f.message.contains("is exited (1) 2 minutes ago"),
            "{}",
            f.message
        );
        assert!(f.message.contains("restart policy: none"), "{}", f.message);
    }

    #[test]
    fn unhealthy_is_down_and_healthy_is_up() {
        let running = |health: &str| ContainerFacts {
            running: true,
            status: "running".into(),
            health: Some(health.into()),
            failing_streak: 3,
            restart_policy: "unless-stopped".into(),
            ..exited()
        };
        let out = run(running("unhealthy"));
        assert!(
            out[0]
                .message
                .contains("unhealthy (3 failed checks in a row)"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("restart policy: unless-stopped"));
        assert!(run(running("healthy")).is_empty());
    }

    #[test]
    fn a_single_failed_check_is_not_called_a_streak() {
        let out = run(ContainerFacts {
            running: true,
            status: "running".into(),
            health: Some("unhealthy".into()),
            failing_streak: 1,
            ..exited()
        });
        assert!(
            out[0].message.contains("health check reports unhealthy:"),
            "{}",
            out[0].message
        );
        assert!(!out[0].message.contains("in a row"), "{}", out[0].message);
    }

    #[test]
    fn an_on_failure_policy_says_its_retries_only_when_capped() {
        let policy = |retries: i64| {
            run(ContainerFacts {
                restart_policy: "on-failure".into(),
                restart_max_retries: retries,
                ..exited()
            })
            .remove(0)
            .message
        };
        let capped = policy(5);
        assert!(
            capped.contains("restart policy: on-failure (at most 5 retries)"),
            "{capped}"
        );
        let uncapped = policy(0);
        assert!(
            uncapped.contains("restart policy: on-failure;"),
            "{uncapped}"
        );
    }

    #[test]
    fn restarting_is_down() {
        let out = run(ContainerFacts {
            running: true,
            restarting: true,
            status: "restarting".into(),
            restart_policy: "always".into(),
            ..exited()
        });
        assert!(
            out[0].message.contains("is restarting"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn no_container_no_finding() {
        let mut out = Vec::new();
        check(&Chain::default(), &mut out);
        assert!(out.is_empty());
    }
}
