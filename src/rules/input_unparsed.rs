//! `input-unparsed`: a file could not be read or parsed; the rest of the
//! audit went on without it.

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    for unparsed in &chain.unparsed {
        out.push(Finding::new(
            RuleId::InputUnparsed,
            None,
            unparsed.location.clone(),
            format!(
                "{} could not be parsed: {}",
                unparsed.location.file, unparsed.message
            ),
        ));
    }
}
