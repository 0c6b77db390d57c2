//! `unset-required`: the app reads KEY with no default and no stage sets it.

use super::RuleId;
use super::unset::{
    chain_note, compose_defaults, injection_sites, lower_for_opaque, secret_for, with_deploy_story,
};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    // The same for every finding: computed once, not once per key.
    let sites = std::cell::OnceCell::new();
    for row in chain.rows.values() {
        let Some(read) = chain.unsatisfied_reads(row).find(|r| r.required) else {
            continue;
        };
        if secret_for(chain, read).is_some() || !compose_defaults(chain, read).is_empty() {
            continue; // secret-unwritten, or unset-defaulted on compose's default
        }
        let mut finding = Finding::new(
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
        for site in sites.get_or_init(|| injection_sites(chain)).iter().cloned() {
            finding = finding.with_related(site, "the deploy writes the app's env here");
        }
        let finding = with_deploy_story(chain, read, finding);
        out.push(lower_for_opaque(chain, finding));
    }
}
