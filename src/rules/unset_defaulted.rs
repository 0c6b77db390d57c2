//! `unset-defaulted`: the app reads KEY with a default and no stage sets it,
//! so every deployment silently runs on the development default.

use super::RuleId;
use super::unset::{
    chain_note, compose_defaults, default_phrase, injection_sites, lower_for_opaque, secret_for,
    with_deploy_story,
};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    // The same for every finding: computed once, not once per key.
    let sites = std::cell::OnceCell::new();
    for row in chain.rows.values() {
        let mut unsatisfied = chain.unsatisfied_reads(row);
        let Some(read) = unsatisfied.next() else {
            continue;
        };
        let compose_default = chain
            .unsatisfied_reads(row)
            .any(|r| !compose_defaults(chain, r).is_empty());
        if row.is_required() && chain.unsatisfied_reads(row).any(|r| r.required) && !compose_default
        {
            continue; // reported as unset-required
        }
        if secret_for(chain, read).is_some() {
            continue;
        }
        let mut finding = Finding::new(
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
        for site in sites.get_or_init(|| injection_sites(chain)).iter().cloned() {
            finding = finding.with_related(site, "the deploy writes the app's env here");
        }
        let finding = with_deploy_story(chain, read, finding);
        out.push(lower_for_opaque(chain, finding));
    }
}
