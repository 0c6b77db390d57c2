//! `unset-defaulted`: the app reads KEY with a default and no stage sets it,
//! so every deployment silently runs on the development default.

use super::RuleId;
use super::unset::{InjectionSites, chain_note, default_phrase, verdicts_for, with_deploy_story};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let sites = InjectionSites::of(chain);
    for (row, kv) in verdicts_for(chain, RuleId::UnsetDefaulted) {
        let read = &kv.read;
        let finding = Finding::new(
            RuleId::UnsetDefaulted,
            Some(&row.key),
            read.location.clone(),
            format!(
                "{} is read with a default and no stage sets it{}: deployments silently run on the default; {}",
                row.key,
                chain_note(read),
                default_phrase(read)
            ),
        );
        out.push(with_deploy_story(kv, sites.relate(read, finding)));
    }
}
