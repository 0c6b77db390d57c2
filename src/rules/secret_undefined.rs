//! `secret-undefined`: a workflow uses `secrets.NAME` and the inventory has
//! no NAME. Only with `--secrets`: without an inventory existence is unknown.

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

/// Secrets the runner provides without anyone storing them.
const PROVIDED: &[&str] = &["GITHUB_TOKEN", "GITEA_TOKEN"];

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some(inventory) = &chain.inventory else {
        return;
    };
    for row in chain.secrets.values() {
        if row.in_inventory != Some(false) || PROVIDED.contains(&row.name.as_str()) {
            continue;
        }
        for location in &row.referenced {
            out.push(Finding::new(
                RuleId::SecretUndefined,
                Some(&row.name),
                location.clone(),
                format!(
                    "the workflow uses secrets.{} but the secret store ({}) has no {}: it expands to an empty string",
                    row.name, inventory.file, row.name
                ),
            ));
        }
    }
}
