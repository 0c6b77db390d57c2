//! Platform manifests envtrail reads key by key: Cloud Foundry
//! `manifest.yml`, `fly.toml`, `render.yaml`, App Engine `app.yaml` and
//! Heroku `app.json`. Each app they define is a [`PlatformApp`] with the keys
//! its manifest sets; what the platform takes from elsewhere (`fly secrets`,
//! Heroku config vars, the Render dashboard, `cf set-env`) is named as unseen,
//! so a key only those may set stays unknown. A manifest that does not parse
//! stays an opaque stage, as before envtrail read it, and is reported.

use super::{Collector, Context, InputFile};
use crate::facts::{
    Facts, InfraKind, OpaqueKind, OpaqueStage, PlatformApp, PlatformEnv, Source, UnseenEnv,
};
use crate::location::Location;

mod app_engine;
mod cloud_foundry;
mod fly;
mod heroku;
mod render;

pub struct ManifestCollector;

/// The manifest kinds this collector parses (the others stay opaque, see `infra.rs`).
pub fn parses(kind: InfraKind, rel: &str) -> bool {
    match kind {
        InfraKind::CloudFoundry | InfraKind::Fly | InfraKind::Render | InfraKind::AppEngine => true,
        // A Procfile or heroku.yml says nothing of config vars; app.json lists them.
        InfraKind::Heroku => rel.rsplit('/').next() == Some("app.json"),
        _ => false,
    }
}

/// A YAML manifest a deploy script appends env lines to (`echo "  K: v" >>
/// app.yaml`): App Engine's `app.yaml`, Cloud Foundry's `manifest.yml`.
pub fn takes_appended_env(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "app.yaml" | "app.yml")
        || (name.starts_with("manifest") && (name.ends_with(".yml") || name.ends_with(".yaml")))
}

impl Collector for ManifestCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        !rel.starts_with(".github/")
            && !rel.starts_with(".gitea/")
            && (super::infra::candidate(rel).is_some_and(|(kind, _)| parses(kind, rel))
                || is_env_vars_file_name(rel))
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            if is_env_vars_file_name(&file.rel) {
                return env_vars_file(&file.rel, text);
            }
            let Some((kind, markers)) = super::infra::candidate(&file.rel) else {
                return Facts::default();
            };
            if markers.is_some_and(|m| !m.iter().any(|m| text.contains(m))) {
                return Facts::default();
            }
            manifest_facts(&file.rel, text, kind)
        })
    }
}

/// `env.yaml`, `.env.yaml`, `prod.env.yaml`, `cloudrun-env.yml`: a YAML
/// file that may be a Cloud Run `--env-vars-file`.
fn is_env_vars_file_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    stem.split(['.', '-', '_']).any(|t| t == "env")
}

/// A flat YAML map of keys to scalars (`KEY: value`), kept like a committed
/// dotenv file: only its keys and whether each value is empty. Anything
/// else is another tool's YAML and yields nothing.
fn env_vars_file(rel: &str, text: &str) -> Facts {
    let Ok(root) = parse_yaml(rel, text) else {
        return Facts::default();
    };
    let Some(entries) = root.as_map() else {
        return Facts::default();
    };
    let mut keys = Vec::new();
    for (k, v) in entries {
        let (Some(key), crate::yaml::Node::Scalar(value)) = (k.as_str(), v) else {
            return Facts::default();
        };
        if !crate::collect::shell::is_identifier(key) {
            return Facts::default();
        }
        keys.push(crate::facts::DotenvKey {
            key: key.to_string(),
            location: at(rel, k),
            empty: value.value.is_empty() || value.is_null(),
        });
    }
    Facts {
        dotenv_files: vec![crate::facts::DotenvFile {
            file: rel.to_string(),
            example: false,
            keys,
        }],
        ..Facts::default()
    }
}

/// The apps of one manifest, or (when it does not parse) the opaque stage
/// it was before and why it could not be read.
fn manifest_facts(rel: &str, text: &str, kind: InfraKind) -> Facts {
    let parsed = match kind {
        InfraKind::CloudFoundry => cloud_foundry::apps(rel, text),
        InfraKind::Fly => fly::apps(rel, text),
        InfraKind::Render => render::apps(rel, text),
        InfraKind::AppEngine => app_engine::apps(rel, text),
        InfraKind::Heroku => heroku::apps(rel, text),
        _ => Ok(Vec::new()),
    };
    match parsed {
        Ok(platform_apps) => {
            let entry_points = platform_apps
                .iter()
                .flat_map(|(_, starts)| starts)
                .flat_map(|(command, at)| {
                    super::launch::entry_points(command, at, crate::facts::EntryVia::Manifest)
                })
                .collect();
            Facts {
                platform_apps: platform_apps.into_iter().map(|(app, _)| app).collect(),
                entry_points,
                ..Facts::default()
            }
        }
        Err(Unreadable { location, message }) => {
            let mut facts = Facts::unparsed(location, message);
            facts.opaque_stages.push(OpaqueStage {
                kind: OpaqueKind::Infrastructure { kind },
                location: Location::file_start(rel),
                scope: String::new(),
            });
            facts
        }
    }
}

/// Why a manifest could not be read, and where.
#[derive(Debug)]
pub(super) struct Unreadable {
    pub location: Location,
    pub message: String,
}

/// One manifest app being read: the parts every format shares.
pub(super) struct AppBuilder {
    app: PlatformApp,
    /// The commands it starts with, where they are written.
    starts: Vec<(String, Location)>,
}

/// A manifest's app and the commands it starts with.
pub(super) type ManifestApp = (PlatformApp, Vec<(String, Location)>);

impl AppBuilder {
    pub fn new(
        kind: InfraKind,
        name: &str,
        location: Location,
        via: crate::facts::WriteVia,
        noun: &'static str,
    ) -> Self {
        AppBuilder {
            app: PlatformApp {
                via,
                noun,
                name: name.to_string(),
                location,
                image: None,
                platform: crate::platform::Platform::of_infra(kind),
                env: Vec::new(),
                unseen: Vec::new(),
                env_files: Vec::new(),
            },
            starts: Vec::new(),
        }
    }

    /// The app starts with the command `node` holds, when it holds one.
    pub fn starts_with(&mut self, rel: &str, node: Option<&crate::yaml::Node>) {
        if let Some(node) = node
            && let Some(command) = node.as_str()
        {
            self.starts.push((command.to_string(), at(rel, node)));
        }
    }

    pub fn image(&mut self, image: Option<&str>) {
        self.app.image = image.map(str::to_string);
    }

    /// `key` is set at `location`; its value comes from `source`.
    pub fn set(&mut self, key: &str, location: Location, source: Source) {
        if !key.is_empty() {
            self.app.env.push(PlatformEnv {
                key: key.to_string(),
                location,
                source,
            });
        }
    }

    /// The app takes env envtrail cannot read key by key from `what`.
    pub fn unseen(&mut self, what: impl Into<String>, location: Location) {
        self.app.unseen.push(UnseenEnv {
            what: what.into(),
            location,
        });
    }

    pub fn build(self) -> ManifestApp {
        (self.app, self.starts)
    }
}

/// The source of a manifest value as written: a `((var))` or `${VAR}`
/// placeholder filled at deploy time is unknown, anything else literal.
pub(super) fn source_of(value: &str) -> Source {
    if value.contains("((") || value.contains("${") {
        Source::Unknown
    } else {
        Source::Literal
    }
}

/// The location of a YAML node.
pub(super) fn at(rel: &str, node: &crate::yaml::Node) -> Location {
    Location::new(rel, node.row(), node.column())
}

/// The YAML of a manifest, or why it is unreadable.
pub(super) fn parse_yaml(rel: &str, text: &str) -> Result<crate::yaml::Node, Unreadable> {
    crate::yaml::parse(text)
        .map(|doc| doc.root)
        .map_err(|e| Unreadable {
            location: Location::new(rel, e.row, 0),
            message: format!("invalid YAML: {}", e.message),
        })
}

/// Each `KEY: value` of a YAML mapping: the key, its location and the
/// value's source. Values that are maps or lists (never env) are skipped.
pub(super) fn yaml_env<'a>(
    rel: &'a str,
    map: &'a crate::yaml::Node,
) -> impl Iterator<Item = (&'a str, Location, Source)> + 'a {
    map.as_map()
        .into_iter()
        .flatten()
        .filter_map(move |(k, v)| {
            let key = k.as_str()?;
            let source = match v {
                crate::yaml::Node::Scalar(s) => source_of(&s.value),
                _ => return None,
            };
            Some((key, at(rel, k), source))
        })
}

#[cfg(test)]
mod tests;
