//! `unset-required`: the app reads KEY with no default and no stage sets it,
//! with every stage between the source and the app visible.

use super::RuleId;
use super::unset::{
    InjectionSites, chain_note, script_at_most_warning, verdicts_for, with_deploy_story,
};
use crate::chain::Chain;
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
                read.location.file,
                row.key,
                chain_note(read)
            ),
        );
        out.push(script_at_most_warning(
            read,
            with_deploy_story(kv, sites.relate(read, finding)),
        ));
    }
}
