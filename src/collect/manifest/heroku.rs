//! Heroku `app.json`: the `env` it declares (set when the app is created
//! from it: a value, a generated secret, or one the user must give). Config
//! vars are also set with `heroku config:set` or in the dashboard.

use super::{AppBuilder, ManifestApp, Unreadable, source_of};
use crate::facts::{InfraKind, Source, WriteVia};
use crate::location::Location;

pub(super) fn apps(rel: &str, text: &str) -> Result<Vec<ManifestApp>, Unreadable> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| Unreadable {
        location: Location::new(rel, e.line().saturating_sub(1) as u32, 0),
        message: format!("invalid JSON: {e}"),
    })?;
    let name = json.get("name").and_then(|n| n.as_str()).unwrap_or("app");
    let mut b = AppBuilder::new(
        InfraKind::Heroku,
        name,
        Location::file_start(rel),
        WriteVia::Heroku,
        "Heroku app",
    );
    let lines = crate::location::LineIndex::new(text);
    for (key, spec) in json
        .get("env")
        .and_then(|e| e.as_object())
        .into_iter()
        .flatten()
    {
        let source = match spec {
            serde_json::Value::String(v) => source_of(v),
            serde_json::Value::Object(o) if o.get("value").is_some() => Source::Literal,
            // Required from the user, or generated: set, value unknown.
            _ => Source::Unknown,
        };
        let location = lines.json_key(rel, key);
        b.set(key, location, source);
    }
    b.unseen(
        "config vars set with `heroku config:set` or in the dashboard",
        Location::file_start(rel),
    );
    Ok(vec![b.build()])
}
