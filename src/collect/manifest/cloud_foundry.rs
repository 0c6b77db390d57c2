//! Cloud Foundry `manifest.yml`: `applications[].env` (and the deprecated
//! top-level `env` every app inherits). `((var))` values come from
//! `--vars-file` / `--var` at push time: the key is set, its value unknown.

use super::{AppBuilder, ManifestApp, Unreadable, at, parse_yaml, yaml_env};
use crate::facts::{InfraKind, WriteVia};

pub(super) fn apps(rel: &str, text: &str) -> Result<Vec<ManifestApp>, Unreadable> {
    let root = parse_yaml(rel, text)?;
    let shared = root.get("env");
    let mut apps = Vec::new();
    for app in root
        .get("applications")
        .and_then(|a| a.as_seq())
        .unwrap_or(&[])
    {
        let name = app.get("name").and_then(|n| n.as_str()).unwrap_or("app");
        let mut b = AppBuilder::new(
            InfraKind::CloudFoundry,
            name,
            at(rel, app),
            WriteVia::CloudFoundry,
            "Cloud Foundry app",
        );
        b.image(
            app.get("docker")
                .and_then(|d| d.get("image"))
                .and_then(|i| i.as_str()),
        );
        b.starts_with(rel, app.get("command"));
        for env in shared.into_iter().chain(app.get("env")) {
            for (key, location, source) in yaml_env(rel, env) {
                b.set(key, location, source);
            }
        }
        // `cf set-env` and the CLI's `--var` add to what the manifest sets.
        b.unseen("variables set with `cf set-env`", at(rel, app));
        apps.push(b.build());
    }
    Ok(apps)
}
