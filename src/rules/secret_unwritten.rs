//! `secret-unwritten`: the secret exists, the app reads its key, and no stage
//! writes the key: "a value in Secrets is not a value the container reads"
//! (incident 1). Replaces `unset-*` for that key.

use super::RuleId;
use super::unset::{chain_note, injection_sites, lower_for_opaque, secret_for, with_deploy_story};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    // The same for every finding: computed once, not once per key.
    let sites = std::cell::OnceCell::new();
    for row in chain.rows.values() {
        let mut reads: Vec<_> = chain.unsatisfied_reads(row).collect();
        // Point at the strongest read: a required one when there is one.
        reads.sort_by_key(|r| !r.required);
        let Some((read, secret)) = reads
            .iter()
            .find_map(|r| secret_for(chain, r).map(|s| (*r, s)))
        else {
            continue;
        };
        let sites = sites.get_or_init(|| injection_sites(chain)).clone();
        let inventory = chain
            .inventory
            .as_ref()
            .map(|i| i.file.as_str())
            .unwrap_or("the inventory");
        let mut finding = Finding::new(
            RuleId::SecretUnwritten,
            Some(&row.key),
            read.location.clone(),
            format!(
                "secret {secret} exists ({inventory}) and {} reads {}{}, but no stage writes {}: the value never reaches the app",
                read.location.file,
                row.key,
                chain_note(read),
                row.key
            ),
        );
        if let Some(site) = sites.first() {
            finding = finding.with_tip(format!(
                "add `echo \"{}=${{{{ secrets.{secret} }}}}\" >> .env` beside the other injection lines in {}",
                row.key, site.file
            ));
        }
        for site in sites {
            finding = finding.with_related(site, "the deploy writes the app's env here");
        }
        let finding = with_deploy_story(chain, read, finding);
        out.push(lower_for_opaque(chain, finding));
    }
}
