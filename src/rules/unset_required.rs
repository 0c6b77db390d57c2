//! `unset-required`: the app reads KEY with no default and no stage sets it,
//! with every stage between the source and the app visible; or KEY reaches
//! the app in one deploy target and, as visibly, not in another.

use super::RuleId;
use super::unset::{
    InjectionSites, chain_note, script_at_most_warning, verdicts_for, with_deploy_story,
};
use crate::chain::Chain;
use crate::chain::{KeyRow, KeyVerdict, Verdict};
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let sites = InjectionSites::of(chain);
    for (row, kv) in verdicts_for(chain, RuleId::UnsetRequired) {
        let read = &kv.read;
        let finding = Finding::new(
            RuleId::UnsetRequired,
            Some(&row.key),
            read.location.clone(),
            format!(
                "{} requires {} and no stage of the chain sets it{}: the app fails when it reads it",
                read.location.shown_file(),
                row.key,
                chain_note(read)
            ),
        );
        out.push(script_at_most_warning(
            read,
            with_deploy_story(kv, sites.relate(read, finding)),
        ));
    }
    for row in chain.rows.values() {
        let Some(kv) = &row.verdict else {
            continue;
        };
        let missing = chain.required_missing_in(row);
        if !missing.is_empty() {
            out.push(missing_in_targets(chain, row, kv, &missing));
            continue;
        }
        let services = chain.required_missing_in_services(row);
        if !services.is_empty() {
            out.push(missing_in_services(row, kv, &services));
        }
    }
}

/// KEY reaches some compose services that run the settings, not `missing`.
fn missing_in_services(
    row: &KeyRow,
    kv: &KeyVerdict,
    missing: &[(
        &crate::chain::reach::Target,
        &crate::chain::reach::ServiceReach,
    )],
) -> Finding {
    let read = &kv.read;
    let mut names: Vec<String> = missing
        .iter()
        .map(|(_, s)| format!("`{}` ({})", s.name, crate::location::shown(&s.file)))
        .collect();
    // One service fails in every target that deploys it: named once.
    names.sort();
    names.dedup();
    let mut finding = Finding::new(
        RuleId::UnsetRequired,
        Some(&row.key),
        read.location.clone(),
        format!(
            "{} requires {} and compose service{} {} run{} these settings without it (other services of the app get it): {} when {} start{}",
            read.location.shown_file(),
            row.key,
            if names.len() > 1 { "s" } else { "" },
            names.join(", "),
            if names.len() > 1 { "" } else { "s" },
            if names.len() > 1 {
                "they fail"
            } else {
                "that service fails"
            },
            if names.len() > 1 { "they" } else { "it" },
            if names.len() > 1 { "" } else { "s" },
        ),
    );
    for (t, s) in missing {
        finding = finding.with_related(
            s.location.clone(),
            format!("service {} lacks {} (target {})", s.name, row.key, t.name),
        );
    }
    finding
}

/// KEY reaches the app in some targets and is certainly unset in `missing`.
fn missing_in_targets(
    chain: &Chain,
    row: &KeyRow,
    kv: &KeyVerdict,
    missing: &[&crate::chain::reach::Target],
) -> Finding {
    // The read that fails where the key is missing: in a monorepo another
    // service's than the one judged over every target.
    let read = missing
        .first()
        .and_then(|t| t.key_verdict(&row.key))
        .map_or(&kv.read, |missing| &missing.read);
    let reaching: Vec<&str> = chain
        .deploy
        .targets
        .iter()
        .filter(|t| t.verdict(&row.key).is_some_and(Verdict::reaches))
        .map(|t| t.name.as_str())
        .collect();
    let others = super::names_capped(reaching.iter().copied(), reaching.len());
    let lacking = super::names_capped(missing.iter().map(|t| t.name.as_str()), missing.len());
    let mut finding = Finding::new(
        RuleId::UnsetRequired,
        Some(&row.key),
        read.location.clone(),
        format!(
            "{} requires {} and deploy target {lacking} does not set it (it reaches the app in {others}): the app fails there when it reads it",
            read.location.shown_file(),
            row.key
        ),
    );
    for t in missing {
        finding = finding.with_related(
            t.location.clone(),
            format!("target {} lacks {}", t.name, row.key),
        );
        if let Some(story) = t.key_verdict(&row.key) {
            finding = with_deploy_story(story, finding);
        }
    }
    finding
}
