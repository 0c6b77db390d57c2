//! App Engine `app.yaml`: `env_variables`. App Engine has no other place
//! for env (secrets come from Secret Manager in code), so the app's env is
//! all visible, except files it `includes:`.

use super::{AppBuilder, ManifestApp, Unreadable, at, parse_yaml, yaml_env};
use crate::facts::{InfraKind, WriteVia};
use crate::location::Location;

pub(super) fn apps(rel: &str, text: &str) -> Result<Vec<ManifestApp>, Unreadable> {
    let root = parse_yaml(rel, text)?;
    let name = root
        .get("service")
        .or_else(|| root.get("module"))
        .and_then(|s| s.as_str())
        .unwrap_or("default");
    let location = root
        .get_entry("runtime")
        .map(|(k, _)| Location::new(rel, k.row, k.column))
        .unwrap_or_else(|| Location::file_start(rel));
    let mut b = AppBuilder::new(
        InfraKind::AppEngine,
        name,
        location,
        WriteVia::AppEngine,
        "App Engine service",
    );
    b.starts_with(rel, root.get("entrypoint"));
    if let Some(env) = root.get("env_variables") {
        for (key, location, source) in yaml_env(rel, env) {
            b.set(key, location, source);
        }
    }
    for include in root.get("includes").and_then(|i| i.as_seq()).unwrap_or(&[]) {
        // Often a git-ignored file of secrets: its keys are not in view.
        let file = include.as_str().unwrap_or("an included file");
        b.unseen(format!("the included file {file}"), at(rel, include));
    }
    Ok(vec![b.build()])
}
