//! `documented-unread` (note): the documented example env file lists a key
//! that no code reads: the example asks every deploy for dead configuration
//! (the documentation's `written-unread`).

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    for file in &chain.deploy.examples {
        for key in &file.keys {
            if chain.is_read(&key.key) || chain.is_platform_key(&key.key) {
                continue;
            }
            let alias_read = chain
                .deploy
                .aliases
                .get(&key.key)
                .is_some_and(|a| a.iter().any(|k| chain.is_read(k)));
            if alias_read {
                continue;
            }
            out.push(Finding::new(
                RuleId::DocumentedUnread,
                Some(&key.key),
                key.location.clone(),
                format!(
                    "{} documents {} but no code reads it",
                    crate::location::shown(&file.file),
                    key.key
                ),
            ));
        }
    }
}
