//! The deploy-target columns of the key × stage matrix, shared by the table
//! and the Markdown comment so both fold the same targets the same way.

use crate::chain::reach::Target;
use crate::chain::{Chain, KeyRow, Verdict};

/// At most this many target columns; past it, the first `MAX_TARGET_COLUMNS - 1`
/// keep theirs and the rest share one, so the matrix stays readable (and
/// linear in the keys) however many targets there are.
pub const MAX_TARGET_COLUMNS: usize = 6;

/// The targets the matrix compares: all of them when there are several,
/// none when there is one (its column would repeat the verdict's).
pub fn compared(chain: &Chain) -> &[Target] {
    if chain.deploy.targets.len() > 1 {
        &chain.deploy.targets
    } else {
        &[]
    }
}

/// The targets that get a column each, and the ones folded into one.
pub fn fold(targets: &[Target]) -> (&[Target], &[Target]) {
    if targets.len() <= MAX_TARGET_COLUMNS {
        (targets, &[])
    } else {
        targets.split_at(MAX_TARGET_COLUMNS - 1)
    }
}

/// What the folded targets say of one key: how many set it, how many
/// expect it and lack it, how many cannot tell. Counted from the verdicts
/// judged on the chain; each renderer words it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FoldedCounts {
    pub set: usize,
    pub missing: usize,
    pub unknown: usize,
}

impl FoldedCounts {
    pub fn of(row: &KeyRow, folded: &[Target]) -> Self {
        let mut counts = FoldedCounts::default();
        for t in folded {
            match t.verdict(&row.key) {
                Some(Verdict::Unknown { .. }) => counts.unknown += 1,
                Some(v) if v.reaches() => counts.set += 1,
                Some(_) => counts.missing += 1,
                None if t.keys.contains_key(&row.key) => counts.set += 1,
                None => {}
            }
        }
        counts
    }
}
