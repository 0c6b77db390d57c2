//! `env-drift`: a key reaches the app in one deploy target (a workflow job,
//! a GitHub environment, a compose file variant, a Kubernetes folder) and not
//! in another that deploys the same app unit: the same setting holds two
//! truths at once (incident 4). Only targets that deliver the app are
//! compared (a CI test job is not a deploy), and only with targets of the
//! same unit (a compose stack and a Kubernetes draft of it are two deploys,
//! not one that drifted). A target whose verdict on the key is unknown is
//! not compared. One finding per key and unit however many targets lack
//! the key: the first ten are related places, the message counts them all.

use std::collections::{BTreeMap, BTreeSet};

use super::RuleId;
use crate::chain::reach::Target;
use crate::chain::{Chain, Verdict};
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let mut by_unit: BTreeMap<&str, Vec<&Target>> = BTreeMap::new();
    for t in chain
        .deploy
        .targets
        .iter()
        .filter(|t| t.for_drift && t.delivers)
    {
        by_unit.entry(t.app_unit.as_str()).or_default().push(t);
    }
    for (unit, targets) in by_unit {
        if targets.len() >= 2 {
            check_unit(chain, unit, &targets, out);
        }
    }
}

/// Drift among the targets that deliver one app unit.
fn check_unit(chain: &Chain, unit: &str, targets: &[&Target], out: &mut Vec<Finding>) {
    let keys: BTreeSet<&String> = targets.iter().flat_map(|t| t.keys.keys()).collect();
    for key in keys {
        if chain.is_platform_key(key) {
            continue;
        }
        let (with, without): (Vec<&Target>, Vec<&Target>) = targets
            .iter()
            .copied()
            // A target whose verdict is unknown may set the key where
            // envtrail cannot see: it is on neither side.
            .filter(|t| !matches!(t.verdict(key), Some(Verdict::Unknown { .. })))
            .partition(|t| t.keys.contains_key(key.as_str()));
        let (Some(first), false) = (with.first(), without.is_empty()) else {
            continue;
        };
        // A required key certainly unset in a target is unset-required there.
        if chain.row(key).is_some_and(|row| {
            let missing = chain.required_missing_in(row);
            without
                .iter()
                .all(|t| missing.iter().any(|m| std::ptr::eq(*m, *t)))
        }) {
            continue;
        }
        let Some(location) = first.keys.get(key.as_str()) else {
            continue;
        };
        let mut finding = Finding::new(
            RuleId::EnvDrift,
            Some(key),
            location.clone(),
            format!(
                "{key} reaches the app in {} but not in {} (targets that deploy {unit})",
                named(&with),
                named(&without)
            ),
        );
        // The first few missing targets, each where it is defined; the
        // message counts them all, so one key over many targets stays one
        // short finding.
        for t in without.iter().take(MAX_RELATED) {
            finding =
                finding.with_related(t.location.clone(), format!("target {} lacks {key}", t.name));
        }
        out.push(finding);
    }
}

/// At most this many missing targets are listed as related places; the
/// message counts them all.
const MAX_RELATED: usize = 10;

/// `a, b, c and 12 more`: the targets' names, the first few of them.
fn named(targets: &[&Target]) -> String {
    super::names_capped(targets.iter().map(|t| t.name.as_str()), targets.len())
}
