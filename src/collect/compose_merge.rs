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
use crate::chain::reach::{dir_of, is_above};
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
        let dir = dir_of(files.first().map_or("", |f| f));
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
    let file = super::compose::under_variable(file)
        .unwrap_or(file)
        .trim_start_matches("./");
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
        let Some(base) = files.first() else {
            continue;
        };
        let project = projects
            .entry(base.clone())
            .or_insert((files.clone(), false));
        project.1 |= deploy.delivers;
        // One base started with different overlays (a deploy script's
        // branches: production, staging, development) is judged as the
        // first that is not for development: one project per base file.
        if has_dev_overlay(&project.0) && !has_dev_overlay(&files) {
            project.0 = files;
        }
    }
    projects
}

fn has_dev_overlay(files: &[String]) -> bool {
    files.iter().skip(1).any(|f| super::compose::path_is_dev(f))
}

/// An image-only service runs the code of the service that builds the same
/// image (`image: ghcr.io/org/api:${TAG}` deployed, `build: services/api`
/// with that image in a development file): it gets that build, so the
/// code it runs is known. Only when every service building the image
/// builds it from the same folder.
pub fn adopt_image_builds(facts: &mut Facts) {
    // Where each file's services build, as compose resolves it: from the
    // file's own folder, and from the base's folder wherever a deploy
    // starts the file as an overlay.
    let known: BTreeSet<&str> = facts.services.iter().map(|s| s.file.as_str()).collect();
    let mut bases_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for deploy in &facts.compose_deploys {
        let files = resolve(deploy, &known);
        if let Some((base, overlays)) = files.split_first() {
            for overlay in overlays {
                bases_of
                    .entry(overlay.clone())
                    .or_default()
                    .insert(dir_of(base).to_string());
            }
        }
    }
    // A build folder is real when it holds code or a Dockerfile envtrail read.
    let holds_code = |ctx: &str| {
        facts.images.iter().any(|i| is_above(ctx, dir_of(&i.file)))
            || facts
                .reads
                .iter()
                .any(|r| is_above(ctx, dir_of(&r.location.file)))
    };
    let mut builds: BTreeMap<&str, BTreeSet<(String, Option<String>)>> = BTreeMap::new();
    for s in &facts.services {
        let (Some(image), Some(ctx)) = (s.image.as_deref(), s.build_context.as_deref()) else {
            continue;
        };
        let from = dir_of(&s.file);
        let mut candidates = vec![(ctx.to_string(), s.dockerfile.clone())];
        for to in bases_of.get(&s.file).into_iter().flatten() {
            if let Some(moved) = rebase(ctx, from, to) {
                let dockerfile = s.dockerfile.as_deref().and_then(|d| rebase(d, from, to));
                candidates.push((moved, dockerfile));
            }
        }
        builds
            .entry(image_repository(image))
            .or_default()
            .extend(candidates.into_iter().filter(|(ctx, _)| holds_code(ctx)));
    }
    let adopted: Vec<(usize, String, Option<String>)> = facts
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.build_context.is_none())
        .filter_map(|(i, s)| {
            let found = builds.get(image_repository(s.image.as_deref()?))?;
            let [(ctx, dockerfile)] = found.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            Some((i, ctx.clone(), dockerfile.clone()))
        })
        .collect();
    for (i, ctx, dockerfile) in adopted {
        if let Some(s) = facts.services.get_mut(i) {
            s.build_context = Some(ctx);
            s.dockerfile = dockerfile;
        }
    }
}

/// `path`, resolved from folder `from`, as the same relative path resolves
/// from folder `to`.
fn rebase(path: &str, from: &str, to: &str) -> Option<String> {
    if from == to {
        return Some(path.to_string());
    }
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (from, path_parts) = (parts(from), parts(path));
    let common = from
        .iter()
        .zip(&path_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative: Vec<&str> = vec![".."; from.len() - common];
    relative.extend(path_parts[common..].iter().map(String::as_str));
    super::compose::join(to, &relative.join("/"))
}

/// An image reference without its tag or digest: `ghcr.io/org/api:${TAG:-dev}`
/// → `ghcr.io/org/api` (a registry port, before the last `/`, stays).
fn image_repository(image: &str) -> &str {
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    let end = image[name_start..]
        .find([':', '@'])
        .map_or(image.len(), |i| name_start + i);
    &image[..end]
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
        // compose resolves every file's relative paths from the project's
        // folder, the first file's: an overlay's `build: ../app` too.
        let (from, to) = (dir_of(&layer.file), dir_of(&service.file));
        let moved = |p: &Option<String>| p.as_deref().and_then(|p| rebase(p, from, to));
        service.build_context = moved(&layer.build_context).or(layer.build_context.clone());
        service.dockerfile = moved(&layer.dockerfile).or(layer.dockerfile.clone());
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
