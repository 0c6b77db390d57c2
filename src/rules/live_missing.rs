//! `live-missing`: the app requires KEY and the live container's env has no KEY.

use super::{RuleId, live_env};
use crate::chain::Chain;
use crate::finding::Finding;
use crate::platform;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some((container, rows)) = live_env::rows(chain) else {
        return;
    };
    for row in rows {
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
        let what = format!("has no {} in its env", row.key);
        out.push(
            live_env::finding(RuleId::LiveMissing, container, row, read, &what).with_tip(format!(
                "add {} to what the deploy writes for the container, then recreate it (`docker compose up -d` re-reads env files; `docker restart` does not)",
                row.key
            )),
        );
    }
}
