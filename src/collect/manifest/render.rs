//! `render.yaml` (a Render Blueprint): each service's `envVars` — a value,
//! `sync: false` (given in the dashboard), `generateValue`, `fromDatabase`
//! / `fromService` — and the `envVarGroups` it takes with `fromGroup`.

use super::{AppBuilder, ManifestApp, Unreadable, at, parse_yaml, source_of};
use crate::facts::{InfraKind, Source, WriteVia};
use crate::yaml::Node;

pub(super) fn apps(rel: &str, text: &str) -> Result<Vec<ManifestApp>, Unreadable> {
    let root = parse_yaml(rel, text)?;
    let groups = root
        .get("envVarGroups")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let mut apps = Vec::new();
    for svc in root.get("services").and_then(Node::as_seq).unwrap_or(&[]) {
        let kind = svc.get("type").and_then(Node::as_str).unwrap_or("web");
        let runtime = svc
            .get("runtime")
            .or_else(|| svc.get("env"))
            .and_then(Node::as_str);
        // Render's own Redis / Key Value and static sites run no Python.
        if matches!(kind, "redis" | "keyvalue") || runtime == Some("static") {
            continue;
        }
        let name = svc.get("name").and_then(Node::as_str).unwrap_or("service");
        let mut b = AppBuilder::new(
            InfraKind::Render,
            name,
            at(rel, svc),
            WriteVia::Render,
            "Render service",
        );
        b.image(
            svc.get("image")
                .and_then(|i| i.get("url"))
                .and_then(Node::as_str),
        );
        b.starts_with(rel, svc.get("startCommand"));
        for var in svc.get("envVars").and_then(Node::as_seq).unwrap_or(&[]) {
            env_var(rel, var, groups, &mut b);
        }
        b.unseen("variables added in the Render dashboard", at(rel, svc));
        apps.push(b.build());
    }
    Ok(apps)
}

/// One `envVars` entry: a key, or a group of keys.
fn env_var(rel: &str, var: &Node, groups: &[Node], b: &mut AppBuilder) {
    if let Some(group) = var.get("fromGroup").and_then(Node::as_str) {
        let defined = groups
            .iter()
            .find(|g| g.get("name").and_then(Node::as_str) == Some(group));
        match defined
            .and_then(|g| g.get("envVars"))
            .and_then(Node::as_seq)
        {
            Some(vars) => vars.iter().for_each(|v| env_var(rel, v, &[], b)),
            None => b.unseen(format!("the environment group {group}"), at(rel, var)),
        }
        return;
    }
    let Some((key_node, key)) = var
        .get_entry("key")
        .and_then(|(k, v)| v.as_str().map(|key| (k, key)))
    else {
        return;
    };
    let source = match var.get("value").and_then(Node::as_str) {
        Some(value) => source_of(value),
        None => Source::Unknown,
    };
    let location = crate::location::Location::new(rel, key_node.row, key_node.column);
    b.set(key, location, source);
}
