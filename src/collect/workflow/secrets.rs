//! `secrets.NAME` uses in a workflow's expressions, and the secrets a
//! reusable workflow declares (`on.workflow_call.secrets`).

use super::expr::{context_refs, expressions};
use crate::facts::{Facts, SecretRef, SecretScope};
use crate::location::Location;
use crate::yaml::{Node, Scalar};

pub fn collect(rel: &str, root: &Node, facts: &mut Facts) {
    // Each job's uses see its environment's secrets; the rest of the file
    // (workflow-level `env:`, `on:`) is evaluated in whichever job runs.
    match root.as_map() {
        Some(entries) => {
            for (key, value) in entries {
                let jobs = (key.as_str() == Some("jobs"))
                    .then(|| value.as_map())
                    .flatten();
                match jobs {
                    Some(jobs) => {
                        for (_, job) in jobs {
                            let scope = super::jobs::job_environment(job);
                            uses_in(rel, job, &scope, facts);
                        }
                    }
                    None => uses_in(rel, value, &SecretScope::Unknown, facts),
                }
            }
        }
        None => uses_in(rel, root, &SecretScope::Unknown, facts),
    }
    declarations(rel, root, facts);
}

/// The `secrets.NAME` uses under `node`, in expressions and `if:` values.
fn uses_in(rel: &str, node: &Node, scope: &SecretScope, facts: &mut Facts) {
    let mut scalars = Vec::new();
    node.scalars(&mut scalars);
    for scalar in scalars {
        for e in expressions(&scalar.value) {
            for (context, name) in context_refs(e.inner) {
                if context == "secrets" {
                    facts.secret_refs.push(SecretRef {
                        name,
                        location: position(rel, scalar, e.start),
                        declaration: false,
                        scope: scope.clone(),
                    });
                }
            }
        }
    }
    if_conditions(rel, node, scope, facts);
}

/// The secrets a reusable workflow declares (`on.workflow_call.secrets`).
fn declarations(rel: &str, root: &Node, facts: &mut Facts) {
    let declared = root
        .get("on")
        .and_then(|on| on.get("workflow_call"))
        .and_then(|call| call.get("secrets"))
        .and_then(Node::as_map)
        .unwrap_or_default();
    for (key, _) in declared {
        if let Some(key) = key.as_scalar() {
            facts.secret_refs.push(SecretRef {
                name: key.value.clone(),
                location: Location::new(rel, key.row, key.column),
                declaration: true,
                scope: SecretScope::Unknown,
            });
        }
    }
}

/// `if:` values are expressions even without `${{ }}`.
fn if_conditions(rel: &str, node: &Node, scope: &SecretScope, facts: &mut Facts) {
    match node {
        Node::Map { entries, .. } => {
            for (key, value) in entries {
                if let (Some("if"), Some(cond)) = (key.as_str(), value.as_scalar())
                    && !cond.value.contains("${{")
                {
                    for (context, name) in context_refs(&cond.value) {
                        if context == "secrets" {
                            facts.secret_refs.push(SecretRef {
                                name,
                                location: Location::new(rel, cond.row, cond.column),
                                declaration: false,
                                scope: scope.clone(),
                            });
                        }
                    }
                }
                if_conditions(rel, value, scope, facts);
            }
        }
        Node::Seq { items, .. } => items
            .iter()
            .for_each(|n| if_conditions(rel, n, scope, facts)),
        _ => {}
    }
}

/// The file position of byte `at` of a scalar's value.
pub fn position(rel: &str, scalar: &Scalar, at: usize) -> Location {
    let before = scalar.value.get(..at).unwrap_or("");
    let line = before.matches('\n').count() as u32;
    let (row, column) = scalar.line_position(line);
    let in_line = before.rsplit('\n').next().unwrap_or("").len() as u32;
    Location::new(rel, row, column + in_line)
}
