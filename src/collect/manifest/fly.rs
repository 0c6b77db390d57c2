//! `fly.toml`: `[env]`. Secrets are set with `fly secrets set` (by hand or
//! from a workflow) and live only on Fly.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{AppBuilder, ManifestApp, Unreadable};
use crate::facts::{InfraKind, Source, WriteVia};
use crate::location::Location;

#[derive(Deserialize)]
struct FlyToml {
    app: Option<Spanned<String>>,
    env: Option<BTreeMap<Spanned<String>, toml::Value>>,
    build: Option<FlyBuild>,
}

#[derive(Deserialize)]
struct FlyBuild {
    image: Option<String>,
}

pub(super) fn apps(rel: &str, text: &str) -> Result<Vec<ManifestApp>, Unreadable> {
    let lines = crate::location::LineIndex::new(text);
    let at = |offset: usize| lines.location(rel, offset);
    let fly: FlyToml = toml::from_str(text).map_err(|e| Unreadable {
        location: e
            .span()
            .map(|s| at(s.start))
            .unwrap_or_else(|| Location::file_start(rel)),
        message: format!("invalid TOML: {}", e.message()),
    })?;
    let (name, location) = match &fly.app {
        Some(app) => (app.get_ref().as_str(), at(app.span().start)),
        None => ("app", Location::file_start(rel)),
    };
    let mut b = AppBuilder::new(
        InfraKind::Fly,
        name,
        location.clone(),
        WriteVia::Fly,
        "Fly app",
    );
    b.image(fly.build.as_ref().and_then(|b| b.image.as_deref()));
    for key in fly.env.iter().flat_map(|env| env.keys()) {
        b.set(key.get_ref(), at(key.span().start), Source::Literal);
    }
    b.unseen("secrets set with `fly secrets set`", location);
    Ok(vec![b.build()])
}
