//! `secret-undefined`: a workflow uses `secrets.NAME` and the stores its job
//! sees have no NAME. Only with `--secrets`: without an inventory existence
//! is unknown. A job of an environment sees that environment's secrets
//! besides the repository's and the organisation's; when that environment's
//! store was not given, the use may be satisfied there: a warning saying so,
//! not an error.

use super::RuleId;
use crate::chain::{Chain, Inventory, Resolution, SecretRow, SecretUse, StoreKind};
use crate::finding::{Confidence, Finding, Severity};

/// Secrets the runner provides without anyone storing them.
const PROVIDED: &[&str] = &["GITHUB_TOKEN", "GITEA_TOKEN"];

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some(inventory) = &chain.inventory else {
        return;
    };
    for row in chain.secrets.values() {
        if PROVIDED.contains(&row.name.as_str()) {
            continue;
        }
        for used in &row.uses {
            if let Some(finding) = judge(inventory, row, used) {
                out.push(finding);
            }
        }
    }
}

fn judge(inventory: &Inventory, row: &SecretRow, used: &SecretUse) -> Option<Finding> {
    let name = &row.name;
    let finding = |message: String| {
        Finding::new(
            RuleId::SecretUndefined,
            Some(name),
            used.location.clone(),
            message,
        )
    };
    match inventory.resolve(name, &used.scope) {
        Resolution::Held => None,
        Resolution::Unseen(env) => Some(
            finding(format!(
                "the workflow uses secrets.{name} in a job of environment {env}, and the secret store ({}) has no {name}; environment {env}'s own secrets were not given, so it may hold {name}: give them with --secrets env:{env}=FILE (gh secret list --env {env} --json name)",
                inventory.file
            ))
            .with_severity(Severity::Warning)
            .with_confidence(Confidence::Medium),
        ),
        Resolution::Missing => Some(finding(missing_message(inventory, row, used))),
    }
}

/// Why the use finds nothing: which stores its job sees, and where else the
/// name is (an environment the job does not name).
fn missing_message(inventory: &Inventory, row: &SecretRow, used: &SecretUse) -> String {
    let name = &row.name;
    let elsewhere: Vec<String> = inventory
        .stores_holding(name)
        .map(|s| format!("{} ({})", s.kind.label(), s.file))
        .collect();
    let files = inventory
        .stores
        .iter()
        .filter(|s| match &s.kind {
            StoreKind::Environment(e) => used.scope.environment() == Some(e),
            _ => true,
        })
        .map(|s| s.file.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let seen = match used.scope.environment() {
        Some(env) => format!("the secret stores a job of environment {env} sees ({files}) have"),
        None => format!("the secret store ({files}) has"),
    };
    let mut message = format!(
        "the workflow uses secrets.{name} but {seen} no {name}: it expands to an empty string"
    );
    if !elsewhere.is_empty() {
        let fix = match used.scope.environment() {
            Some(env) => format!("store {name} in environment {env} too"),
            None => "give this job that `environment:`".to_string(),
        };
        message.push_str(&format!(
            "; {name} is stored only in {}, which this job does not see: {fix}, or store {name} for the repository",
            elsewhere.join(", ")
        ));
    }
    message
}
