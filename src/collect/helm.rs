//! Helm charts, read without running helm: each workload template
//! (Deployment, StatefulSet, DaemonSet, Job, CronJob) is a platform app whose
//! env is what its `env:` block names — literal `- name: KEY` entries, the
//! common `range` forms over `.Values` (`range $k, $v := .Values.env`,
//! `range .Values.app.env`), `toYaml .Values.x.env`, and named templates it
//! `include`s (`define "chart.env"` in `_helpers.tpl`), their keys taken
//! from the chart's values files and from the values a helmfile release of
//! the chart gives it (`helmfile.rs`). Values can always be overridden at
//! install (`helm upgrade -f` / `--set`, a helmfile's secrets), so every
//! chart app rendering env from values also takes env envtrail cannot see:
//! a key it lacks is unknown, never missing.

use std::collections::BTreeMap;

use super::{Collector, Context, InputFile};
use crate::facts::{
    Facts, InfraKind, OpaqueKind, OpaqueStage, PlatformApp, PlatformEnv, Source, UnseenEnv,
    WriteVia,
};
use crate::location::Location;
use crate::yaml::{MergeKeys, Node};

pub struct HelmCollector;

const WORKLOAD_KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/// How deep named templates are followed (`include` inside a `define`).
const MAX_INCLUDE_DEPTH: usize = 4;

impl Collector for HelmCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name == "Chart.yaml"
            || helmfile::is_helmfile(rel)
            || (name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml")))
            || (rel.contains("templates/")
                && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".tpl")))
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        let mut facts = Facts::default();
        let charts: Vec<&InputFile> = files
            .iter()
            .filter(|f| f.rel.rsplit('/').next() == Some("Chart.yaml"))
            .collect();
        let chart_dirs = charts.iter().map(|c| dir_of(&c.rel)).collect();
        let mut released =
            helmfile::release_values(files, &chart_dirs, &ctx.root, &mut facts.unparsed);
        for chart in charts {
            let dir = dir_of(&chart.rel);
            let in_chart = |f: &&InputFile| f.rel.starts_with(&format!("{dir}/")) || dir.is_empty();
            let chart_files: Vec<&InputFile> = files.iter().filter(in_chart).collect();
            let released = released.remove(dir).unwrap_or_default();
            let apps = chart_apps(dir, &chart_files, released, &mut facts);
            if apps.is_empty() {
                // A chart with no workload envtrail can read stays what it was.
                facts.opaque_stages.push(OpaqueStage {
                    kind: OpaqueKind::Infrastructure {
                        kind: InfraKind::Helm,
                    },
                    location: Location::file_start(chart.rel.clone()),
                    scope: String::new(),
                });
            }
            facts.platform_apps.extend(apps);
        }
        facts
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// One chart's values (merged over its values files) and named templates.
struct Chart {
    values: Vec<(String, Node)>,
    defines: BTreeMap<String, (String, u32, String)>,
    /// What a helmfile gives the chart that envtrail cannot read.
    release_unseen: Vec<UnseenEnv>,
}

/// The chart's workloads, with its values files then the values helmfile
/// releases give it layered over them.
fn chart_apps(
    dir: &str,
    files: &[&InputFile],
    released: helmfile::Released,
    facts: &mut Facts,
) -> Vec<PlatformApp> {
    let under = |sub: &str| {
        format!(
            "{}{sub}",
            if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            }
        )
    };
    let mut chart = Chart {
        values: Vec::new(),
        defines: BTreeMap::new(),
        release_unseen: released.unseen,
    };
    let mut templates = Vec::new();
    for file in files {
        let Ok(text) = super::read_text(file) else {
            continue;
        };
        let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
        if file.rel.starts_with(&under("templates/")) {
            collect_defines(&file.rel, &text, &mut chart.defines);
            if !name.ends_with(".tpl") {
                templates.push((file.rel.clone(), text));
            }
        } else if name.starts_with("values") && dir_of(&file.rel) == dir {
            match crate::yaml::parse_stream(&text, MergeKeys::Resolve) {
                Ok(docs) => chart
                    .values
                    .extend(docs.into_iter().map(|d| (file.rel.clone(), d.root))),
                Err(e) => facts.unparsed.push(crate::facts::Unparsed {
                    location: Location::new(file.rel.clone(), e.row, 0),
                    message: format!("invalid YAML: {}", e.message),
                }),
            }
        }
    }
    chart.values.extend(released.values);
    templates
        .iter()
        .flat_map(|(rel, text)| {
            facts.entry_points.extend(template_entry_points(rel, text));
            template_apps(rel, text, &chart)
        })
        .collect()
}

/// `{{- define "NAME" }} … {{- end }}` bodies, with where each starts.
fn collect_defines(rel: &str, text: &str, defines: &mut BTreeMap<String, (String, u32, String)>) {
    let mut current: Option<(String, u32, String)> = None;
    for (row, line) in text.lines().enumerate() {
        if let Some(name) = quoted_after(line, "define") {
            current = Some((name, row as u32 + 1, String::new()));
            continue;
        }
        let Some((_, _, body)) = current.as_mut() else {
            continue;
        };
        // A define's own `end` sits at the start of a line in practice.
        if line.trim_start().starts_with("{{- end") || line.trim_start().starts_with("{{ end") {
            if let Some((name, start, body)) = current.take() {
                defines.insert(name, (rel.to_string(), start, body));
            }
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
}

/// The first double-quoted word after `{{ <action> ` on the line.
fn quoted_after(line: &str, action: &str) -> Option<String> {
    let at = line.find("{{")?;
    let inner = line[at + 2..].trim_start_matches('-').trim_start();
    let rest = inner.strip_prefix(action)?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// How a template's containers start, when its `command:` / `args:` are
/// literal lists (`args: ["gunicorn", "shop.wsgi"]`): the entry points.
fn template_entry_points(rel: &str, text: &str) -> Vec<crate::facts::EntryPoint> {
    let mut words: Vec<String> = Vec::new();
    let mut at: Option<Location> = None;
    let mut out = Vec::new();
    for (row, line) in text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let list = ["command:", "args:"]
            .iter()
            .find_map(|k| trimmed.strip_prefix(k))
            .map(str::trim)
            .and_then(|v| v.strip_prefix('[')?.strip_suffix(']'));
        let Some(list) = list.filter(|l| !l.contains("{{")) else {
            continue;
        };
        // A `command:` starts a new container's command; `args:` adds to it.
        if trimmed.starts_with("command:") && !words.is_empty() {
            out.extend(flush(&mut words, at.take()));
        }
        at.get_or_insert_with(|| Location::new(rel, row as u32, 0));
        words.extend(
            list.split(',')
                .map(|w| w.trim().trim_matches(['"', '\'']).to_string())
                .filter(|w| !w.is_empty()),
        );
        if trimmed.starts_with("args:") {
            out.extend(flush(&mut words, at.take()));
        }
    }
    out.extend(flush(&mut words, at));
    out
}

/// The entry points of the words gathered so far, which are then cleared.
fn flush(words: &mut Vec<String>, at: Option<Location>) -> Vec<crate::facts::EntryPoint> {
    let command = std::mem::take(words).join(" ");
    match at {
        Some(at) if !command.is_empty() => {
            super::launch::entry_points(&command, &at, crate::facts::EntryVia::Kubernetes)
        }
        _ => Vec::new(),
    }
}

/// The workloads of one template file, one document at a time.
fn template_apps(rel: &str, text: &str, chart: &Chart) -> Vec<PlatformApp> {
    let mut apps = Vec::new();
    let mut start = 0u32;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        if line.trim_end() == "---" || last {
            let end = if last { i + 1 } else { i };
            if let Some(app) = workload(rel, &lines[start as usize..end], start, chart) {
                apps.push(app);
            }
            start = i as u32 + 1;
        }
    }
    apps
}

fn workload(rel: &str, lines: &[&str], first_row: u32, chart: &Chart) -> Option<PlatformApp> {
    let (kind_row, _) = lines.iter().enumerate().find(|(_, l)| {
        l.strip_prefix("kind:")
            .is_some_and(|k| WORKLOAD_KINDS.contains(&k.trim()))
    })?;
    let stem = rel.rsplit('/').next().unwrap_or(rel);
    let name = stem.rsplit_once('.').map_or(stem, |(s, _)| s).to_string();
    let location = Location::new(rel, first_row + kind_row as u32, 0);
    let mut app = PlatformApp {
        via: WriteVia::Helm,
        noun: "Helm workload",
        name,
        location: location.clone(),
        image: image_of(lines, chart),
        platform: None,
        env: Vec::new(),
        unseen: Vec::new(),
        env_files: Vec::new(),
    };
    let mut scan = EnvScan {
        rel,
        chart,
        app: &mut app,
        assigned: assigned_includes(lines),
        values_driven: false,
    };
    scan.block(lines, first_row);
    // Keys rendered from values: values given at install may add more.
    // Literal names only: install values change what they hold, not which.
    if scan.values_driven {
        app.unseen.insert(
            0,
            UnseenEnv {
                what: "values given at install (`helm upgrade -f` / `--set`)".into(),
                location,
            },
        );
        app.unseen.extend(chart.release_unseen.iter().cloned());
    }
    if let Some(row) = lines.iter().position(|l| l.trim() == "envFrom:") {
        app.unseen.push(UnseenEnv {
            what: "the objects its `envFrom:` names".into(),
            location: Location::new(rel, first_row + row as u32, 0),
        });
    }
    // The same include may be named twice (`if $envVars` then `$envVars`).
    let mut seen = std::collections::HashSet::new();
    app.env.retain(|e| seen.insert(e.key.clone()));
    Some(app)
}

/// The workload's first `image:`, with `.Values` references resolved.
fn image_of(lines: &[&str], chart: &Chart) -> Option<String> {
    let text = lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("image:"))?
        .trim();
    let mut image = String::new();
    for part in text.split("{{") {
        match part.split_once("}}") {
            Some((action, rest)) => {
                if let Some(v) = values_path(action).and_then(|p| chart.value(&p)) {
                    image.push_str(v.as_str().unwrap_or(""));
                }
                image.push_str(rest);
            }
            None => image.push_str(part),
        }
    }
    Some(image.trim_matches('"').to_string())
}

/// The `.Values.a.b` path an action names, as `["a", "b"]`.
fn values_path(action: &str) -> Option<Vec<String>> {
    let at = action.find(".Values.")?;
    let path: String = action[at + ".Values.".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .collect();
    let parts: Vec<String> = path
        .split('.')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    (!parts.is_empty()).then_some(parts)
}

impl Chart {
    /// The node at `path` in the last values file that has it.
    fn value(&self, path: &[String]) -> Option<&Node> {
        self.values_at(path).last().map(|(_, n)| *n)
    }

    /// The node at `path` in every values file that has it.
    fn values_at(&self, path: &[String]) -> Vec<(&str, &Node)> {
        self.values
            .iter()
            .filter_map(|(file, root)| {
                path.iter()
                    .try_fold(root, |node, key| node.get(key))
                    .map(|n| (file.as_str(), n))
            })
            .collect()
    }
}

/// `{{- $envVars := include "NAME" ARGS -}}`: what `$envVars` renders.
fn assigned_includes(lines: &[&str]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let inner = l
                .trim()
                .strip_prefix("{{")?
                .trim_start_matches('-')
                .trim_start();
            let (var, rest) = inner.split_once(":=")?;
            let var = var.trim();
            let name = quoted_after(&format!("{{{{ {}", rest.trim()), "include")?;
            var.starts_with('$')
                .then(|| (var.to_string(), name, l.trim().to_string()))
        })
        .collect()
}

/// Reads the `env:` blocks of a workload (and of the templates it includes).
struct EnvScan<'a> {
    rel: &'a str,
    chart: &'a Chart,
    app: &'a mut PlatformApp,
    /// Template variables holding an `include` (name, the action).
    assigned: Vec<(String, String, String)>,
    /// Some key is rendered from `.Values`.
    values_driven: bool,
}

impl EnvScan<'_> {
    /// Every `env:` block in `lines` (whose first line is `first_row`).
    fn block(&mut self, lines: &[&str], first_row: u32) {
        let mut in_env: Option<usize> = None;
        for (i, line) in lines.iter().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let trimmed = line.trim();
            if trimmed == "env:" {
                in_env = Some(indent);
                continue;
            }
            let Some(env_indent) = in_env else {
                continue;
            };
            if !trimmed.is_empty()
                && !trimmed.starts_with("{{")
                && indent <= env_indent
                && !trimmed.starts_with('-')
            {
                in_env = None;
                continue;
            }
            let at = Location::new(self.rel, first_row + i as u32, indent as u32);
            self.line(trimmed, at, 0);
        }
    }

    /// One line of an `env:` block.
    fn line(&mut self, trimmed: &str, at: Location, depth: usize) {
        if let Some(key) = trimmed
            .strip_prefix("- name:")
            .map(|k| k.trim().trim_matches('"'))
        {
            if crate::collect::shell::is_identifier(key) {
                self.app.env.push(PlatformEnv {
                    key: key.to_string(),
                    location: at,
                    source: Source::Unknown,
                });
            }
            return;
        }
        if !trimmed.starts_with("{{") {
            return;
        }
        let named = quoted_after(trimmed, "include")
            .or_else(|| quoted_after(trimmed, "template"))
            .map(|name| (name, trimmed.to_string()))
            .or_else(|| {
                self.assigned
                    .iter()
                    .find(|(var, _, _)| trimmed.contains(var.as_str()))
                    .map(|(_, name, action)| (name.clone(), action.clone()))
            });
        if let Some((name, action)) = named {
            self.include(&name, &action, &at, depth);
        } else if trimmed.contains("range") || trimmed.contains("toYaml") {
            self.keys_from_values(trimmed, false);
        }
    }

    /// A named template: its own env lines, and the values it is given.
    fn include(&mut self, name: &str, action: &str, at: &Location, depth: usize) {
        let before = self.app.env.len();
        if let Some((file, start, body)) = self.chart.defines.get(name)
            && depth < MAX_INCLUDE_DEPTH
        {
            let lines: Vec<&str> = body.lines().collect();
            let mut scan = EnvScan {
                rel: file,
                chart: self.chart,
                app: self.app,
                assigned: Vec::new(),
                values_driven: false,
            };
            // A define's body is itself the env list: scan it as one.
            for (i, line) in lines.iter().enumerate() {
                let indent = line.len() - line.trim_start().len();
                let here = Location::new(file.as_str(), start + i as u32, indent as u32);
                scan.line(line.trim(), here, depth + 1);
            }
            self.values_driven |= scan.values_driven;
        }
        // `include "x.env" (list . .Values.backend)`: the env under the values it is given.
        if self.app.env.len() == before {
            self.keys_from_values(action, true);
        }
        if self.app.env.len() == before && depth == 0 {
            self.app.unseen.push(UnseenEnv {
                what: format!("the template `{name}`"),
                location: at.clone(),
            });
        }
    }

    /// Keys a `range` or `toYaml` over `.Values.PATH` renders (with
    /// `under`, an env map under PATH: what a helper given `.Values.backend`
    /// renders): a map's keys, or a list's `name`s.
    fn keys_from_values(&mut self, action: &str, under: bool) {
        let Some(path) = values_path(action) else {
            return;
        };
        self.values_driven = true;
        let mut found = Vec::new();
        if under {
            for sub in ["envVars", "env", "extraEnv", "environment"] {
                let mut deeper = path.clone();
                deeper.push(sub.to_string());
                found.extend(self.chart.values_at(&deeper));
            }
        } else {
            found = self.chart.values_at(&path);
        }
        for (file, node) in found.into_iter().filter(|(_, n)| is_env_like(n)) {
            for (key, key_at) in env_keys(file, node) {
                self.app.env.push(PlatformEnv {
                    key,
                    location: key_at,
                    source: Source::Unknown,
                });
            }
        }
    }
}

/// A values node that renders env: a map of keys, or a list of `name:` entries.
fn is_env_like(node: &Node) -> bool {
    match node {
        Node::Map { entries, .. } => entries
            .iter()
            .any(|(k, _)| k.as_str().is_some_and(crate::collect::shell::is_identifier)),
        Node::Seq { items, .. } => items.iter().any(|i| i.get("name").is_some()),
        _ => false,
    }
}

/// The env keys a values node renders, each where the values file names it.
fn env_keys(file: &str, node: &Node) -> Vec<(String, Location)> {
    let at = |n: &Node| Location::new(file, n.row(), n.column());
    match node {
        Node::Map { entries, .. } => entries
            .iter()
            .filter_map(|(k, _)| {
                let key = k.as_str()?;
                crate::collect::shell::is_identifier(key).then(|| (key.to_string(), at(k)))
            })
            .collect(),
        Node::Seq { items, .. } => items
            .iter()
            .filter_map(|i| {
                let name = i.get("name")?;
                let key = name.as_str()?;
                crate::collect::shell::is_identifier(key).then(|| (key.to_string(), at(name)))
            })
            .collect(),
        _ => Vec::new(),
    }
}

mod helmfile;
#[cfg(test)]
mod tests;
