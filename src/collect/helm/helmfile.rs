//! helmfile: the releases a `helmfile.yaml` (or `.gotmpl`) installs from the
//! repository's own charts, and the values files it gives each one, read
//! without running helmfile. Go template actions are made YAML-neutral: a
//! line of actions only (`{{- range … }}`) is blanked, an inline one stands
//! for a value envtrail does not know, and `{{ .Environment.Name }}` in a
//! values path is each environment the helmfile declares. A values file that
//! is not in the repository (sops secrets, `missingFileHandler: Warn`) is
//! left to the chart's install values, which stay unseen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::collect::InputFile;
use crate::facts::{Unparsed, UnseenEnv};
use crate::location::Location;
use crate::yaml::{MergeKeys, Node};

/// What an inline action becomes: a plain scalar that is no env key.
pub const TEMPLATE: &str = "envtrail.template";
/// What `{{ .Environment.Name }}` becomes, substituted per environment.
const ENVIRONMENT: &str = "envtrail.environment";

/// A helmfile by its name: `helmfile.yaml`, `helmfile.yaml.gotmpl`, or a
/// file of a `helmfile.d/` folder.
pub fn is_helmfile(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let yaml = |n: &str| {
        [".yaml", ".yml", ".yaml.gotmpl", ".yml.gotmpl"]
            .iter()
            .any(|ext| n.ends_with(ext))
    };
    matches!(
        name,
        "helmfile.yaml" | "helmfile.yml" | "helmfile.yaml.gotmpl" | "helmfile.yml.gotmpl"
    ) || (rel.starts_with("helmfile.d/") || rel.contains("/helmfile.d/")) && yaml(name)
}

/// Go template text made YAML, line for line (so rows stay the file's):
/// a line holding only actions is emptied, an inline action is replaced by
/// [`TEMPLATE`] (or the environment placeholder), an action spanning lines
/// is dropped with them.
pub fn neutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = false;
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut kept = String::new();
        let mut had_action = open;
        // Some text of the line's own, not only actions and blanks.
        let mut has_text = false;
        let mut rest = body;
        loop {
            if open {
                match rest.find("}}") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        open = false;
                    }
                    None => break,
                }
            }
            match rest.find("{{") {
                Some(start) => {
                    has_text |= !rest[..start].trim().is_empty();
                    kept.push_str(&rest[..start]);
                    had_action = true;
                    let action = &rest[start + 2..];
                    match action.find("}}") {
                        Some(end) => {
                            kept.push_str(placeholder(&action[..end]));
                            rest = &action[end + 2..];
                        }
                        None => {
                            open = true;
                            rest = "";
                        }
                    }
                }
                None => {
                    has_text |= !rest.trim().is_empty();
                    kept.push_str(rest);
                    break;
                }
            }
        }
        if !had_action || has_text {
            out.push_str(&kept);
        }
        out.push_str(newline);
    }
    out
}

fn placeholder(action: &str) -> &'static str {
    let inner = action.trim_matches(|c: char| c == '-' || c.is_whitespace());
    if inner == ".Environment.Name" {
        ENVIRONMENT
    } else {
        TEMPLATE
    }
}

/// What the helmfiles give one local chart.
#[derive(Default)]
pub struct Released {
    /// Values layers, `(file, root)`, in the order helmfile gives them.
    pub values: Vec<(String, Node)>,
    /// Values and secrets files the repository does not hold (or whose
    /// path is a template): what install may add beyond the layers.
    pub unseen: Vec<UnseenEnv>,
}

/// What the helmfiles give each local chart, by the chart's folder.
pub type ReleaseValues = BTreeMap<String, Released>;

/// The values the helmfiles among `files` give the charts in `chart_dirs`.
pub fn release_values(
    files: &[InputFile],
    chart_dirs: &BTreeSet<&str>,
    root: &Path,
    unparsed: &mut Vec<Unparsed>,
) -> ReleaseValues {
    let mut out = ReleaseValues::new();
    for helmfile in files.iter().filter(|f| is_helmfile(&f.rel)) {
        let Ok(text) = crate::collect::read_text(helmfile) else {
            continue;
        };
        let docs = match crate::yaml::parse_stream(&neutralize(&text), MergeKeys::Resolve) {
            Ok(docs) => docs,
            Err(e) => {
                unparsed.push(invalid_yaml(&helmfile.rel, &e));
                continue;
            }
        };
        let dir = super::dir_of(&helmfile.rel);
        let environments = environments(docs.iter().map(|d| &d.root));
        for doc in &docs {
            for release in doc
                .root
                .get("releases")
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                let Some(chart) = release
                    .get("chart")
                    .and_then(Node::as_str)
                    .and_then(|c| join(dir, c))
                    .filter(|c| chart_dirs.contains(c.as_str()))
                else {
                    continue;
                };
                let released = out.entry(chart).or_default();
                let files = ReleaseFiles {
                    helmfile: &helmfile.rel,
                    environments: &environments,
                    root,
                };
                files.values(release, released, unparsed);
                files.secrets(release, released);
            }
        }
    }
    out
}

/// The environment names the helmfile declares (helmfile's `default` when
/// it declares none).
fn environments<'a>(roots: impl Iterator<Item = &'a Node>) -> Vec<String> {
    let mut names: Vec<String> = roots
        .filter_map(|r| r.get("environments")?.as_map())
        .flatten()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    if names.is_empty() {
        names.push("default".into());
    }
    names.sort();
    names.dedup();
    names
}

/// Where one helmfile's release files are: paths are relative to the
/// helmfile's folder, and `{{ .Environment.Name }}` is each environment.
struct ReleaseFiles<'a> {
    helmfile: &'a str,
    environments: &'a [String],
    root: &'a Path,
}

impl ReleaseFiles<'_> {
    /// One release's `values:`: inline maps as they are, files read from
    /// the repository once per environment their path names.
    fn values(&self, release: &Node, released: &mut Released, unparsed: &mut Vec<Unparsed>) {
        let mut read = BTreeSet::new();
        for entry in release
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(path) = entry.as_str() else {
                if matches!(entry, Node::Map { .. }) {
                    released
                        .values
                        .push((self.helmfile.to_string(), entry.clone()));
                }
                continue;
            };
            for (shown, rel) in self.paths(path) {
                match rel {
                    Some(rel) if self.root.join(&rel).is_file() => {
                        if read.insert(rel.clone()) {
                            released
                                .values
                                .extend(values_file(&rel, self.root, unparsed));
                        }
                    }
                    _ => released.unseen.push(
                        self.unseen(format!("values `{shown}` (not in the repository)"), entry),
                    ),
                }
            }
        }
    }

    /// Secrets files are decrypted at install (sops): never read, always
    /// named, so what they may add stays unknown and says where it is.
    fn secrets(&self, release: &Node, released: &mut Released) {
        for entry in release
            .get("secrets")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(path) = entry.as_str() else {
                continue;
            };
            for (shown, rel) in self.paths(path) {
                let held = rel.is_some_and(|rel| self.root.join(rel).is_file());
                let what = if held {
                    format!("secrets `{shown}` (decrypted at install)")
                } else {
                    format!("secrets `{shown}` (not in the repository)")
                };
                released.unseen.push(self.unseen(what, entry));
            }
        }
    }

    /// The paths `path` names, one per environment it varies by: as
    /// written there (`shown`) and in the repository, `None` when envtrail
    /// cannot resolve it (a template, outside the repository).
    fn paths(&self, path: &str) -> Vec<(String, Option<String>)> {
        let dir = super::dir_of(self.helmfile);
        if path.contains(TEMPLATE) {
            return vec![(path.replace(TEMPLATE, "{{…}}"), None)];
        }
        if !path.contains(ENVIRONMENT) {
            return vec![(path.to_string(), join(dir, path))];
        }
        self.environments
            .iter()
            .map(|env| {
                let concrete = path.replace(ENVIRONMENT, env);
                let rel = join(dir, &concrete);
                (concrete, rel)
            })
            .collect()
    }

    fn unseen(&self, what: String, entry: &Node) -> UnseenEnv {
        UnseenEnv {
            what: format!("the helmfile's {what}"),
            location: Location::new(self.helmfile, entry.row(), entry.column()),
        }
    }
}

/// The documents of one values file the repository holds (the caller
/// names the missing ones as unseen).
fn values_file(rel: &str, root: &Path, unparsed: &mut Vec<Unparsed>) -> Vec<(String, Node)> {
    let file = InputFile {
        rel: rel.to_string(),
        abs: root.join(rel),
    };
    let text = match crate::collect::read_text(&file) {
        Ok(text) => text,
        Err(e) => {
            unparsed.push(*e);
            return Vec::new();
        }
    };
    let text = if rel.ends_with(".gotmpl") {
        neutralize(&text)
    } else {
        text
    };
    match crate::yaml::parse_stream(&text, MergeKeys::Resolve) {
        Ok(docs) => docs
            .into_iter()
            .map(|d| (rel.to_string(), d.root))
            .collect(),
        Err(e) => {
            unparsed.push(invalid_yaml(rel, &e));
            Vec::new()
        }
    }
}

fn invalid_yaml(rel: &str, e: &crate::yaml::YamlError) -> Unparsed {
    Unparsed {
        location: Location::new(rel, e.row, 0),
        message: format!("invalid YAML: {}", e.message),
    }
}

/// `path` relative to the folder `dir`, normalised, with the repository's
/// root as `""` (a chart's folder as `dir_of` gives it); `None` when it is
/// absolute, a URL (`oci://`), or leaves the repository.
fn join(dir: &str, path: &str) -> Option<String> {
    if path.contains("://") {
        return None;
    }
    let joined = crate::collect::compose::join(dir, path)?;
    Some(if joined == "." { String::new() } else { joined })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_only_lines_are_blanked_and_inline_ones_stand_for_a_value() {
        let text = "a:\n  {{- range $k, $v := . }}\n  K: {{ $v }}\n  {{- end }}\nb: env.d/{{ .Environment.Name }}/x.yaml\n";
        assert_eq!(
            neutralize(text),
            "a:\n\n  K: envtrail.template\n\nb: env.d/envtrail.environment/x.yaml\n"
        );
    }

    #[test]
    fn an_action_over_several_lines_is_dropped_with_them() {
        let text = "a: 1\n{{- if or\n   .Values.x }}\nb: 2\n";
        assert_eq!(neutralize(text), "a: 1\n\n\nb: 2\n");
    }

    #[test]
    fn paths_join_inside_the_repository_only() {
        assert_eq!(join("src/helm", "./meet").as_deref(), Some("src/helm/meet"));
        assert_eq!(
            join("src/helm", "../charts/a").as_deref(),
            Some("src/charts/a")
        );
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("src", "/etc/x"), None);
        assert_eq!(join("", "./").as_deref(), Some(""));
        assert_eq!(join("", "oci://registry/chart"), None);
    }

    #[test]
    fn helmfiles_by_name() {
        assert!(is_helmfile("src/helm/helmfile.yaml.gotmpl"));
        assert!(is_helmfile("helmfile.yaml"));
        assert!(is_helmfile("deploy/helmfile.d/10-app.yaml"));
        assert!(!is_helmfile("deploy/values.yaml"));
        assert!(!is_helmfile("helmfile.d.md"));
    }
}
