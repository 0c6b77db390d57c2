//! One folder of Kubernetes workloads that run the app: what `envFrom` and
//! `env` give each container, from the objects the repository defines.

use super::host::HostEnv;
use super::outcome::{Inputs, Outcome};
use super::{Break, BreakKind, dir_of};
use crate::facts::{
    DotenvFile, KubeContainer, KubeEnvFrom, KubeObject, KubeObjectKind, KubeValue, KubeWorkload,
    OpaqueKind, OpaqueStage, Source, WriteVia,
};
use crate::location::Location;

/// The objects of one workload's folder, and the env files they are made from.
struct Objects<'a> {
    inputs: &'a Inputs<'a>,
    host: &'a HostEnv<'a>,
    workload_dir: &'a str,
}

impl<'a> Objects<'a> {
    /// Objects of the same name in several folders (one per environment):
    /// the one beside (or above) the workload, else one a workflow or a
    /// kustomize generator makes. One only in a sibling folder says nothing
    /// of this one.
    fn find(&self, kind: KubeObjectKind, name: &str) -> Vec<&'a KubeObject> {
        let all: Vec<&KubeObject> = self
            .inputs
            .facts
            .kube_objects
            .iter()
            .filter(|o| o.kind == kind && o.name == name)
            .collect();
        let beside: Vec<&KubeObject> = all
            .iter()
            .copied()
            .filter(|o| super::is_above(dir_of(&o.location.file), self.workload_dir))
            .collect();
        if !beside.is_empty() {
            return beside;
        }
        // Made by a workflow or by a kustomize overlay over this base.
        all.into_iter()
            .filter(|o| o.env_file.is_some() || is_kustomize_generated(o))
            .collect()
    }

    /// Keys an object holds; those from the env file it is created from are
    /// located at `at`, the manifest line that takes them (the workflow
    /// writes it), or where the committed file holds them.
    fn keys(&self, o: &KubeObject, at: &Location) -> Vec<(String, Location, Source)> {
        let mut keys: Vec<_> = o
            .keys
            .iter()
            .map(|(k, l)| (k.clone(), l.clone(), Source::Literal))
            .collect();
        if let Some(file) = &o.env_file {
            keys.extend(
                self.host
                    .file_writes("", file)
                    .map(|w| (w.key.clone(), at.clone(), w.source.clone())),
            );
            if let Some(committed) = self.committed(o, file) {
                keys.extend(
                    committed
                        .keys
                        .iter()
                        .map(|k| (k.key.clone(), k.location.clone(), Source::Literal)),
                );
            }
        }
        keys
    }

    /// The committed env file a generator names (`envs: [config.env]`,
    /// relative to its kustomization).
    fn committed(&self, o: &KubeObject, file: &str) -> Option<&'a DotenvFile> {
        let path = crate::collect::compose::join(dir_of(&o.location.file), file)?;
        self.inputs.dotenv.get(path.as_str()).copied()
    }

    /// An object made from an env file envtrail cannot see (not committed,
    /// not written by the deploy): it lives where kustomize runs.
    fn unseen_env_file(&self, o: &KubeObject) -> Option<OpaqueStage> {
        let file = o.env_file.as_ref()?;
        let seen =
            self.host.file_writes("", file).next().is_some() || self.committed(o, file).is_some();
        (!seen).then(|| OpaqueStage {
            kind: OpaqueKind::HostEnvFile { path: file.clone() },
            location: o.location.clone(),
            scope: String::new(),
        })
    }
}

/// What the app's containers of `workload` get; `app` names the app's
/// workloads and containers.
pub(super) fn workload_reach(
    inputs: &Inputs,
    workload: &KubeWorkload,
    app: &dyn Fn(&str) -> bool,
    host: &HostEnv,
    out: &mut Outcome,
) {
    let target = dir_of(&workload.file);
    let objects = Objects {
        inputs,
        host,
        workload_dir: target,
    };
    for c in workload
        .containers
        .iter()
        .filter(|c| app(&workload.name) || app(&c.name))
    {
        for from in &c.env_from {
            env_from(&objects, from, target, out);
        }
        env_entries(&objects, c, target, out);
    }
}

/// `envFrom`: every key of the object, prefixed; an object the repository
/// lacks comes from a store envtrail cannot see.
fn env_from(objects: &Objects, from: &KubeEnvFrom, target: &str, out: &mut Outcome) {
    let found = objects.find(from.kind, &from.name);
    if found.is_empty() {
        out.opaque.push(OpaqueStage {
            kind: OpaqueKind::ExternalSecretStore {
                what: format!("{} {}", from.kind.as_str(), from.name),
            },
            location: from.location.clone(),
            scope: String::new(),
        });
    }
    for o in found {
        out.opaque.extend(objects.unseen_env_file(o));
        let via = via_of(o);
        for (k, at, source) in objects.keys(o, &from.location) {
            let key = format!("{}{k}", from.prefix);
            out.arrive(target, &key, &at, via, source, None);
        }
    }
}

/// The object is a kustomize generator's (`secretGenerator` in a kustomization).
fn is_kustomize_generated(o: &KubeObject) -> bool {
    super::basename(&o.location.file).starts_with("kustomization")
}

/// A kustomize generator's keys are its own stage (`kustomize`).
fn via_of(o: &KubeObject) -> WriteVia {
    if is_kustomize_generated(o) {
        WriteVia::Kustomize
    } else {
        WriteVia::Kubernetes
    }
}

/// `env:` entries: literals, fields, and keys of objects (which must hold them).
fn env_entries(objects: &Objects, c: &KubeContainer, target: &str, out: &mut Outcome) {
    let via = WriteVia::Kubernetes;
    for e in &c.env {
        let source = match &e.value {
            KubeValue::Literal { .. } => Source::Literal,
            KubeValue::Field => Source::Unknown,
            KubeValue::ObjectKey { kind, name, key } => {
                let known = objects.find(*kind, name);
                let found = known
                    .iter()
                    .flat_map(|o| objects.keys(o, &e.location))
                    .find(|(k, _, _)| k == key);
                let unseen: Vec<OpaqueStage> = known
                    .iter()
                    .filter_map(|o| objects.unseen_env_file(o))
                    .collect();
                let env_file_unseen = !unseen.is_empty();
                out.opaque.extend(unseen);
                match (known.is_empty(), found) {
                    // Created outside the repository (sealed secrets, by hand): trust it.
                    (true, _) => Source::Unknown,
                    // Its env file is out of view: the key may be in it.
                    (false, None) if env_file_unseen => Source::Unknown,
                    (false, Some((_, _, source))) => source,
                    (false, None) => {
                        out.breaks.push((
                            e.key.clone(),
                            Break {
                                location: e.location.clone(),
                                kind: BreakKind::ObjectLacksKey {
                                    container: c.name.clone(),
                                    object_kind: kind.as_str(),
                                    object: name.clone(),
                                    object_key: key.clone(),
                                },
                                related: known.iter().map(|o| o.location.clone()).collect(),
                            },
                        ));
                        continue;
                    }
                }
            }
        };
        out.arrive(target, &e.key, &e.location, via, source, None);
    }
}
