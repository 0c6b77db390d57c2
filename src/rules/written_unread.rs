//! `written-unread`: a stage writes KEY into the app's environment and no
//! code reads it (dead configuration, or half of a typo: see `near-miss`).

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    for row in chain.written_unread() {
        let Some(write) = row.written.first() else {
            continue;
        };
        let mut finding = Finding::new(
            RuleId::WrittenUnread,
            Some(&row.key),
            write.location.clone(),
            format!(
                "{} is written ({}) but no code reads it",
                row.key,
                write.via.as_str()
            ),
        );
        for other in row.written.iter().skip(1) {
            finding = finding.with_related(other.location.clone(), "also written here");
        }
        out.push(finding);
    }
}
