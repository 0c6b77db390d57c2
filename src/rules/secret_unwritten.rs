//! `secret-unwritten`: the secret exists, the app reads its key, and no stage
//! writes the key: a value in the secret store is not a value the container
//! reads. Replaces `unset-*` for that key.

use super::RuleId;
use super::unset::{
    InjectionSites, chain_note, script_at_most_warning, secret_for, verdicts_for, with_deploy_story,
};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let sites = InjectionSites::of(chain);
    for (row, kv) in verdicts_for(chain, RuleId::SecretUnwritten) {
        let read = &kv.read;
        let Some(secret) = secret_for(chain, read) else {
            continue;
        };
        let inventory = chain
            .inventory
            .as_ref()
            .map_or_else(|| "the inventory".to_string(), |i| i.files_holding(secret));
        let mut finding = Finding::new(
            RuleId::SecretUnwritten,
            Some(&row.key),
            read.location.clone(),
            format!(
                "secret {secret} exists ({inventory}) and {} reads {}{}, but no stage writes {}: the value never reaches the app",
                read.location.shown_file(),
                row.key,
                chain_note(read),
                row.key
            ),
        );
        if let Some(site) = sites.for_file(&read.location.file).first() {
            finding = finding.with_tip(sites.injection_tip(site, &row.key, secret));
        }
        out.push(script_at_most_warning(
            read,
            with_deploy_story(kv, sites.relate(read, finding)),
        ));
    }
}
