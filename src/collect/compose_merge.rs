//! Compose as it is deployed: `docker compose -f base.yml -f prod.yml up`
//! runs one project made of both files, so the services the chain and the
//! rules see are the merged ones, each field keeping the location of the
//! file that set it. Applied to the facts before any judgement.
//!
//! Merging follows compose: `environment` merged by key (the overlay wins),
//! `env_file` and `depends_on` appended, `command`, `image` and `build`
//! replaced, a restart policy from either file kept.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::compose::{DEFAULT_FILES, is_compose_name};
use super::shell::basename;
use crate::facts::{ComposeDeploy, ComposeService, Facts};

/// The repository compose files of one deploy, base first; empty when they
/// cannot be told (a file the repository does not have, two that match).
pub fn resolve(deploy: &ComposeDeploy, known: &BTreeSet<&str>) -> Vec<String> {
    let mut files: Vec<String> = if deploy.files.is_empty() {
        default_files("", known)
    } else {
        deploy
            .files
            .iter()
            .filter_map(|f| resolve_one(f, known))
            .collect()
    };
    if files.len() < deploy.files.len() {
        // Half a project is not the project: judge none of it.
        return Vec::new();
    }
    // An override alone (`scp prod.yml host:app/docker-compose.override.yml`
    // then plain `up`): compose still starts from the base beside it.
    if files.iter().all(|f| basename(f).contains("override")) {
        let dir = crate::chain::reach::dir_of(files.first().map_or("", |f| f));
        let bases: Vec<String> = default_files(dir, known)
            .into_iter()
            .filter(|f| !basename(f).contains("override"))
            .collect();
        files.splice(0..0, bases);
    }
    files.dedup();
    files
}

/// compose's own choice in `dir` (at the root, or the only folder that has
/// one): the first base file found, then its override.
fn default_files(dir: &str, known: &BTreeSet<&str>) -> Vec<String> {
    let in_dir = |dir: &str| -> Vec<String> {
        let path = |name: &str| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        };
        let base = DEFAULT_FILES[..4]
            .iter()
            .map(|n| path(n))
            .find(|p| known.contains(p.as_str()));
        let over = DEFAULT_FILES[4..]
            .iter()
            .map(|n| path(n))
            .find(|p| known.contains(p.as_str()));
        base.into_iter().chain(over).collect()
    };
    let here = in_dir(dir);
    if !here.is_empty() || !dir.is_empty() {
        return here;
    }
    let dirs: BTreeSet<&str> = known
        .iter()
        .filter(|f| DEFAULT_FILES[..4].contains(&basename(f)))
        .map(|f| f.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    match dirs.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => in_dir(only),
        _ => Vec::new(),
    }
}

/// One `-f` file: the repository path it names, else the only compose file
/// of that name (a host path such as `/srv/app/docker-compose.prod.yml`).
fn resolve_one(file: &str, known: &BTreeSet<&str>) -> Option<String> {
    let file = file.trim_start_matches("./");
    if known.contains(file) {
        return Some(file.to_string());
    }
    let name = basename(file);
    let same_name: Vec<&&str> = known.iter().filter(|k| basename(k) == name).collect();
    match same_name.as_slice() {
        [only] => Some(only.to_string()),
        _ => same_name
            .iter()
            .filter(|k| k.ends_with(&format!("/{file}")))
            .map(|k| k.to_string())
            .next(),
    }
}

/// Give each file that `include:`s others the included files' services, as
/// compose builds its project (a name the includer defines itself stays
/// its own; nested includes are followed a few levels deep). The copies
/// keep their own locations.
pub fn apply_includes(facts: &mut Facts) {
    const DEPTH: usize = 4;
    for _ in 0..DEPTH {
        let mut added = Vec::new();
        for include in &facts.compose_includes {
            for path in &include.paths {
                for svc in facts.services.iter().filter(|s| s.file == *path) {
                    let defined = facts
                        .services
                        .iter()
                        .chain(added.iter())
                        .any(|s: &ComposeService| s.file == include.file && s.name == svc.name);
                    if !defined {
                        added.push(ComposeService {
                            file: include.file.clone(),
                            ..svc.clone()
                        });
                    }
                }
            }
        }
        if added.is_empty() {
            return;
        }
        facts.services.extend(added);
    }
}

/// Merge the overlays of every compose command into its base file's
/// services, and mark deployed those a delivering job starts (a CI job's
/// `docker compose up` for its tests deploys nothing). An overlay's own
/// services then exist only merged.
pub fn merge_deployed(facts: &mut Facts) {
    let projects = projects(facts);
    if projects.is_empty() {
        return;
    }
    let original = facts.services.clone();
    let mut overlays_only: BTreeSet<String> = BTreeSet::new();
    for (files, delivered) in projects.values() {
        let Some((base, overlays)) = files.split_first() else {
            continue;
        };
        for service in facts.services.iter_mut().filter(|s| s.file == *base) {
            service.deployed |= *delivered;
        }
        for overlay in overlays {
            overlays_only.insert(overlay.clone());
            for layer in original.iter().filter(|s| s.file == *overlay) {
                match facts
                    .services
                    .iter_mut()
                    .find(|s| s.file == *base && s.name == layer.name)
                {
                    Some(service) => merge_into(service, layer),
                    None => facts.services.push(ComposeService {
                        file: base.clone(),
                        deployed: *delivered,
                        ..layer.clone()
                    }),
                }
            }
        }
    }
    // A file deployed as a base somewhere keeps its own services.
    for base in projects.values().filter_map(|(f, _)| f.first()) {
        overlays_only.remove(base);
    }
    facts.services.retain(|s| !overlays_only.contains(&s.file));
}

/// Each base file with the overlays deployed over it (the first deploy
/// naming that base decides), resolved against the repository's compose
/// files, and whether any delivering job starts it.
fn projects(facts: &Facts) -> BTreeMap<String, (Vec<String>, bool)> {
    let known: BTreeSet<&str> = facts.services.iter().map(|s| s.file.as_str()).collect();
    let mut projects: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
    for deploy in &facts.compose_deploys {
        let files = resolve(deploy, &known);
        if let Some(base) = files.first() {
            projects.entry(base.clone()).or_insert((files, false)).1 |= deploy.delivers;
        }
    }
    projects
}

/// `layer` (an overlay's service) over `service`, as compose merges them.
fn merge_into(service: &mut ComposeService, layer: &ComposeService) {
    for entry in &layer.environment {
        match service.environment.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) => *existing = entry.clone(),
            None => service.environment.push(entry.clone()),
        }
    }
    for env_file in &layer.env_files {
        if !service.env_files.iter().any(|f| f.path == env_file.path) {
            service.env_files.push(env_file.clone());
        }
    }
    if layer.build_context.is_some() {
        service.build_context = layer.build_context.clone();
        service.dockerfile = layer.dockerfile.clone();
    }
    if layer.image.is_some() {
        service.image = layer.image.clone();
    }
    if let Some(command) = &layer.command {
        service.command = Some(command.clone());
    }
    service.restart |= layer.restart;
    service.profiled |= layer.profiled;
    service.runs_python |= layer.runs_python;
    service.dev = layer.dev || (service.dev && layer.command.is_none());
    service.depends_on.extend(layer.depends_on.iter().cloned());
}

/// Files a deploy names (`docker compose -f stack.yml up`) or a compose
/// file `include:`s that the compose collector skipped for their name: read
/// them as compose files too, following includes a few levels deep.
pub fn collect_named(root: &Path, facts: &mut Facts) {
    const DEPTH: usize = 4;
    let mut read: BTreeSet<String> = BTreeSet::new();
    for _ in 0..DEPTH {
        let known: BTreeSet<String> = facts.services.iter().map(|s| s.file.clone()).collect();
        let deployed = facts
            .compose_deploys
            .iter()
            .filter(|d| !d.remote)
            .flat_map(|d| d.files.iter())
            .map(|f| f.trim_start_matches("./").to_string());
        let included = facts
            .compose_includes
            .iter()
            .flat_map(|i| i.paths.iter().cloned());
        let named: BTreeSet<String> = deployed
            .chain(included)
            .filter(|f| !known.contains(f) && !read.contains(f) && !is_compose_name(basename(f)))
            .filter(|f| (f.ends_with(".yml") || f.ends_with(".yaml")) && !f.contains(".."))
            .filter(|f| !f.starts_with(['/', '~', '$']))
            .collect();
        if named.is_empty() {
            return;
        }
        for rel in named {
            let path = root.join(&rel);
            let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= super::MAX_FILE_BYTES);
            if let (true, Ok(text)) = (small, std::fs::read_to_string(&path)) {
                facts.extend(super::compose::collect_source(&rel, &text, Some(root)));
            }
            read.insert(rel);
        }
    }
}

#[cfg(test)]
mod tests;
