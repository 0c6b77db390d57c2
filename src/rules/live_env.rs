//! What `live-missing` and `live-empty` share: both compare the reads of the
//! app with the running container's env and point at the read, with the
//! container as related location.

use crate::chain::{Chain, KeyRow};
use crate::facts::EnvRead;
use crate::finding::Finding;
use crate::live::ContainerFacts;

use super::RuleId;

/// The audited container and the rows the app reads, when `live` ran.
pub fn rows(chain: &Chain) -> Option<(&ContainerFacts, impl Iterator<Item = &KeyRow>)> {
    let container = chain.container.as_ref()?;
    Some((container, chain.rows.values()))
}

/// A finding on `read` about `container`'s env.
pub fn finding(
    rule: RuleId,
    container: &ContainerFacts,
    row: &KeyRow,
    read: &EnvRead,
    what: &str,
) -> Finding {
    Finding::new(
        rule,
        Some(&row.key),
        read.location.clone(),
        format!(
            "container `{}` {what}, and {} {}",
            container.name,
            read.location.shown_file(),
            match rule {
                RuleId::LiveMissing => "requires it: the app fails when it reads it",
                _ => "reads it",
            }
        ),
    )
    .with_related(
        container.anchor.clone(),
        format!("the container: {}", container.anchor_what),
    )
}
