//! `live-missing`: the app requires KEY and the live container's env has no KEY.

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;
use crate::platform;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some(container) = &chain.container else {
        return;
    };
    for row in chain.rows.values() {
        // The runtime sets these itself (HOSTNAME, HOME...): they are not in Config.Env.
        if platform::is_platform_key(&row.key) {
            continue;
        }
        let Some(read) = row
            .app_reads()
            .find(|r| r.required && r.fallback_of.is_none())
        else {
            continue;
        };
        // Any key of the fallback chain being there satisfies the read.
        if read.chain.iter().any(|k| container.env.get(k).is_some()) {
            continue;
        }
        out.push(
            Finding::new(
                RuleId::LiveMissing,
                Some(&row.key),
                read.location.clone(),
                format!(
                    "container `{}` has no {} in its env, and {} requires it: the app fails when it reads it",
                    container.name, row.key, read.location.file
                ),
            )
            .with_related(container.anchor.clone(), format!("the container: {}", container.anchor_what))
            .with_tip(format!(
                "add {} to what the deploy writes for the container, then recreate it (`docker compose up -d` re-reads env files; `docker restart` does not)",
                row.key
            )),
        );
    }
}
