//! `secrets.NAME` uses in a workflow's expressions, and the secrets a
//! reusable workflow declares (`on.workflow_call.secrets`).

use super::expr::{context_refs, expressions};
use crate::facts::{Facts, SecretRef};
use crate::location::Location;
use crate::yaml::{Node, Scalar};

pub fn collect(rel: &str, root: &Node, facts: &mut Facts) {
    let mut scalars = Vec::new();
    root.scalars(&mut scalars);
    for scalar in scalars {
        for e in expressions(&scalar.value) {
            for (context, name) in context_refs(e.inner) {
                if context == "secrets" {
                    facts.secret_refs.push(SecretRef {
                        name,
                        location: position(rel, scalar, e.start),
                        declaration: false,
                    });
                }
            }
        }
    }
    if_conditions(rel, root, facts);
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
            });
        }
    }
}

/// `if:` values are expressions even without `${{ }}`.
fn if_conditions(rel: &str, node: &Node, facts: &mut Facts) {
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
                            });
                        }
                    }
                }
                if_conditions(rel, value, facts);
            }
        }
        Node::Seq { items, .. } => items.iter().for_each(|n| if_conditions(rel, n, facts)),
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
