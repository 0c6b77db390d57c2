//! `live-empty`: the live container has KEY with an empty value and the app reads KEY.

use super::{RuleId, live_env};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some((container, rows)) = live_env::rows(chain) else {
        return;
    };
    for row in rows {
        if !container.env.get(&row.key).is_some_and(|l| l.empty) {
            continue;
        }
        // A read heading its own chain, or an alias whose head the container
        // lacks (so the app falls through to this empty alias).
        let Some(read) = row.app_reads().find(|r| match &r.fallback_of {
            None => true,
            Some(head) => container.env.get(head).is_none(),
        }) else {
            continue;
        };
        let consequence = if read.default.is_some() || read.has_default {
            "an empty value is still a value: the default in the code is NOT used, the app runs with an empty string"
        } else {
            "the app reads an empty string"
        };
        let what = format!("has {} set to an empty value", row.key);
        let mut finding = live_env::finding(RuleId::LiveEmpty, container, row, read, &what);
        finding.message = format!("{}: {consequence}", finding.message);
        out.push(finding.with_tip("an empty value usually means the secret or variable it is written from is missing or empty in the deploy"));
    }
}
