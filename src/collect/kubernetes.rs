//! Kubernetes manifests under the root: workloads (Deployment, StatefulSet,
//! DaemonSet, Job, CronJob, Pod) with their containers' `env:` (literal,
//! `valueFrom.secretKeyRef` / `configMapKeyRef`, `fieldRef`) and `envFrom:`;
//! Secrets and ConfigMaps (their keys, never values); kustomize
//! `secretGenerator` / `configMapGenerator` with `envs:` and `literals:`.
//!
//! Also the parsers the workflow collector calls on `run:` scripts:
//! [`kubectl_env_object`] (`kubectl create secret generic NAME
//! --from-env-file F`) and [`cloud_run_env_args`] (`gcloud run deploy
//! --set-env-vars ...`).

use super::{Collector, Context, InputFile};
use crate::facts::{
    Facts, KubeContainer, KubeEnv, KubeEnvFrom, KubeObject, KubeObjectKind, KubeValue,
    KubeWorkload, Source,
};
use crate::location::Location;
use crate::yaml::{self, MergeKeys, Node};

pub struct KubernetesCollector;

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "ReplicaSet",
];

impl Collector for KubernetesCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        (name.ends_with(".yml") || name.ends_with(".yaml"))
            && !super::compose::is_compose_name(name)
            && !super::workflow::is_workflow_path(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text)
        })
    }
}

/// Some top-level `kind:` line of the text names a kind envtrail reads
/// (a workload, a Secret or ConfigMap, a Kustomization), or none can be
/// told: judged on the text, for YAML that does not parse.
fn names_a_read_kind(text: &str) -> bool {
    let kinds: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("kind:"))
        .map(|k| k.trim().trim_matches(['"', '\'']))
        .collect();
    kinds.is_empty()
        || kinds.iter().any(|k| {
            WORKLOAD_KINDS.contains(k) || matches!(*k, "Secret" | "ConfigMap" | "Kustomization")
        })
}

fn loc(rel: &str, node: &Node) -> Location {
    Location::new(rel, node.row(), node.column())
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(node, |n, k| n.get(k))
        .and_then(Node::as_str)
}

/// The facts of one YAML file, when it is a Kubernetes manifest; anything
/// else (other tools' YAML, Helm templates) yields nothing.
pub fn collect_source(rel: &str, text: &str) -> Facts {
    let mut facts = Facts::default();
    if !(text.contains("apiVersion:") && text.contains("kind:")) {
        return facts;
    }
    let docs = match yaml::parse_stream(text, MergeKeys::Resolve) {
        Ok(docs) => docs,
        // A Helm template is not YAML until rendered: not an error of the repository.
        Err(_) if text.contains("{{") => return facts,
        // Another tool's manifest (`kind: Account` of `apiVersion:
        // smarter.sh/v1`): nothing envtrail would read in it, valid or not.
        Err(_) if !names_a_read_kind(text) => return facts,
        Err(e) => {
            return Facts::unparsed(
                Location::new(rel, e.row, 0),
                format!("invalid YAML: {}", e.message),
            );
        }
    };
    for document in &docs {
        facts.unparsed.extend(super::yaml_warnings(rel, document));
        let doc = &document.root;
        let (Some(kind), Some(_)) = (str_at(doc, &["kind"]), doc.get("apiVersion")) else {
            continue;
        };
        let name = str_at(doc, &["metadata", "name"]).unwrap_or("").to_string();
        let location = doc
            .get("kind")
            .map(|k| loc(rel, k))
            .unwrap_or_else(|| Location::file_start(rel));
        match kind {
            "Secret" | "ConfigMap" => {
                let kind = if kind == "Secret" {
                    KubeObjectKind::Secret
                } else {
                    KubeObjectKind::ConfigMap
                };
                let keys = ["data", "stringData"]
                    .iter()
                    .filter_map(|field| doc.get(field))
                    .flat_map(|data| data.as_map().unwrap_or_default())
                    .filter_map(|(k, _)| k.as_str().map(|s| (s.to_string(), loc(rel, k))))
                    .collect();
                facts.kube_objects.push(KubeObject {
                    kind,
                    name,
                    location,
                    keys,
                    env_file: None,
                    target: None,
                });
            }
            "Kustomization" => {
                for (field, kind) in [
                    ("secretGenerator", KubeObjectKind::Secret),
                    ("configMapGenerator", KubeObjectKind::ConfigMap),
                ] {
                    for generator in doc.get(field).and_then(Node::as_seq).unwrap_or(&[]) {
                        let name = str_at(generator, &["name"]).unwrap_or("").to_string();
                        let envs: Vec<&Node> = match generator.get("envs").and_then(Node::as_seq) {
                            Some(items) => items.iter().collect(),
                            None => generator.get("env").into_iter().collect(),
                        };
                        for env in envs {
                            facts.kube_objects.push(KubeObject {
                                kind,
                                name: name.clone(),
                                location: loc(rel, env),
                                keys: Vec::new(),
                                env_file: env.as_str().map(str::to_string),
                                target: None,
                            });
                        }
                        // `literals: - KEY=value`: the keys, never the values.
                        let literals: Vec<(String, Location)> = generator
                            .get("literals")
                            .and_then(Node::as_seq)
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|l| {
                                let (key, _) = l.as_str()?.split_once('=')?;
                                Some((key.trim().to_string(), loc(rel, l)))
                            })
                            .collect();
                        if !literals.is_empty() {
                            facts.kube_objects.push(KubeObject {
                                kind,
                                name: name.clone(),
                                location: loc(rel, generator),
                                keys: literals,
                                env_file: None,
                                target: None,
                            });
                        }
                    }
                }
            }
            k if WORKLOAD_KINDS.contains(&k) => {
                let pod = match k {
                    "Pod" => Some(doc),
                    "CronJob" => ["spec", "jobTemplate", "spec", "template"]
                        .iter()
                        .try_fold(doc, |n, f| n.get(f)),
                    _ => ["spec", "template"].iter().try_fold(doc, |n, f| n.get(f)),
                };
                let container_nodes = pod
                    .and_then(|p| p.get("spec"))
                    .and_then(|s| s.get("containers"))
                    .and_then(Node::as_seq)
                    .unwrap_or(&[]);
                for c in container_nodes {
                    facts.entry_points.extend(container_entry_points(rel, c));
                }
                let containers = container_nodes.iter().map(|c| container(rel, c)).collect();
                facts.workloads.push(KubeWorkload {
                    file: rel.to_string(),
                    kind: k.to_string(),
                    name,
                    location,
                    containers,
                });
            }
            _ => {}
        }
    }
    facts
}

/// What a container starts: its `command:` then `args:`, at the first of them.
fn container_entry_points(rel: &str, node: &Node) -> Vec<crate::facts::EntryPoint> {
    let parts: Vec<&Node> = ["command", "args"]
        .iter()
        .filter_map(|k| node.get(k))
        .collect();
    let Some(at) = parts.first() else {
        return Vec::new();
    };
    let words: Vec<&str> = parts
        .iter()
        .flat_map(|n| n.as_seq().unwrap_or(&[]).iter().filter_map(Node::as_str))
        .collect();
    super::launch::entry_points(
        &words.join(" "),
        &loc(rel, at),
        crate::facts::EntryVia::Kubernetes,
    )
}

fn container(rel: &str, node: &Node) -> KubeContainer {
    let mut env = Vec::new();
    for item in node.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
        let Some(key) = str_at(item, &["name"]) else {
            continue;
        };
        let value = if let Some(from) = item.get("valueFrom") {
            let object = |field: &str, kind| {
                from.get(field).map(|r| KubeValue::ObjectKey {
                    kind,
                    name: str_at(r, &["name"]).unwrap_or("").to_string(),
                    key: str_at(r, &["key"]).unwrap_or("").to_string(),
                })
            };
            object("secretKeyRef", KubeObjectKind::Secret)
                .or_else(|| object("configMapKeyRef", KubeObjectKind::ConfigMap))
                .unwrap_or(KubeValue::Field)
        } else {
            KubeValue::Literal {
                empty: item
                    .get("value")
                    .is_none_or(|v| v.as_str().is_some_and(str::is_empty)),
            }
        };
        env.push(KubeEnv {
            key: key.to_string(),
            location: loc(rel, item),
            value,
        });
    }
    let mut env_from = Vec::new();
    for item in node.get("envFrom").and_then(Node::as_seq).unwrap_or(&[]) {
        let prefix = str_at(item, &["prefix"]).unwrap_or("").to_string();
        for (field, kind) in [
            ("secretRef", KubeObjectKind::Secret),
            ("configMapRef", KubeObjectKind::ConfigMap),
        ] {
            if let Some(name) = str_at(item, &[field, "name"]) {
                env_from.push(KubeEnvFrom {
                    kind,
                    name: name.to_string(),
                    prefix: prefix.clone(),
                    location: loc(rel, item),
                });
            }
        }
    }
    KubeContainer {
        name: str_at(node, &["name"]).unwrap_or("").to_string(),
        location: loc(rel, node),
        image: str_at(node, &["image"]).map(str::to_string),
        env,
        env_from,
    }
}

/// `kubectl create secret generic NAME --from-env-file F --from-literal K=V`
/// or `kubectl create configmap NAME ...`, as words (with or without the
/// leading `kubectl`): the object it creates, for the workflow collector to
/// push into `Facts::kube_objects`. `None` for any other command.
/// `--from-literal` keys are kept, never their values.
pub fn kubectl_env_object(
    args: &[&str],
    location: Location,
    target: Option<String>,
) -> Option<KubeObject> {
    let args = args.strip_prefix(&["kubectl"]).unwrap_or(args);
    let mut positional = Vec::new();
    let mut env_file = None;
    let mut keys = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (*arg, None),
        };
        let takes_value = matches!(
            flag,
            "--from-env-file"
                | "--from-literal"
                | "--from-file"
                | "-n"
                | "--namespace"
                | "-o"
                | "--output"
                | "--type"
                | "--context"
        );
        let value = if takes_value && inline.is_none() {
            i += 1;
            args.get(i).copied()
        } else {
            inline
        };
        match flag {
            "--from-env-file" => env_file = value.map(str::to_string),
            "--from-literal" => {
                if let Some((k, _)) = value.and_then(|v| v.split_once('=')) {
                    keys.push((k.to_string(), location.clone()));
                }
            }
            f if f.starts_with('-') => {}
            word => positional.push(word),
        }
        i += 1;
    }
    let (kind, name) = match positional.as_slice() {
        ["create", "secret", "generic", name, ..] => (KubeObjectKind::Secret, name),
        ["create", "configmap", name, ..] => (KubeObjectKind::ConfigMap, name),
        _ => return None,
    };
    Some(KubeObject {
        kind,
        name: name.to_string(),
        location,
        keys,
        env_file,
        target,
    })
}

/// The keys `gcloud run deploy` / `gcloud run services update` sets, from
/// its words: `--set-env-vars` and `--update-env-vars` (`K=V,K2=V2`, and the
/// `^DELIM^K=V` form), `--update-secrets` / `--set-secrets` (`K=NAME:version`,
/// a Secret Manager secret: source `unknown`). `--env-vars-file` names a file
/// whose keys cannot be known here and yields nothing. `value_source` says
/// where a value comes from (the shell analyser resolves the workflow's
/// `${{ }}` placeholders with it). The shell analyser turns each pair into
/// a write with via `cloud-run`.
pub fn cloud_run_env_args(
    args: &[&str],
    value_source: impl Fn(&str) -> Source,
) -> Vec<(String, Source)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (*arg, None),
        };
        let is_env = matches!(flag, "--set-env-vars" | "--update-env-vars");
        let is_secret = matches!(flag, "--set-secrets" | "--update-secrets");
        if is_env || is_secret {
            let value = match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).copied()
                }
            };
            let value = value.unwrap_or("");
            // `^:^A=1:B=2` picks another delimiter, for values holding commas.
            let (delim, list) = match value.strip_prefix('^').and_then(|r| r.split_once('^')) {
                Some((d, rest)) => (d, rest),
                None => (",", value),
            };
            for pair in list.split(delim).filter(|p| !p.is_empty()) {
                let Some((key, v)) = pair.split_once('=') else {
                    continue;
                };
                let source = if is_secret {
                    Source::Unknown
                } else {
                    value_source(v)
                };
                out.push((key.trim().to_string(), source));
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each workload kind finds its pod where that kind keeps it (a Pod
    /// is one, a CronJob's is under its job template); what a container
    /// starts is its command with its args; a manifest needs `apiVersion:`
    /// and `kind:`; other kinds are no workload.
    #[test]
    fn workloads_by_kind_with_what_their_containers_start() {
        let container =
            "containers:\n  - name: app\n    command: [gunicorn]\n    args: [config.wsgi]\n";
        let indent = |n: usize| {
            container
                .lines()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect::<String>()
        };
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n{}---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
            indent(2),
            indent(10)
        );
        let facts = collect_source("k8s/all.yaml", &text);
        let workloads: Vec<(&str, usize)> = facts
            .workloads
            .iter()
            .map(|w| (w.kind.as_str(), w.containers.len()))
            .collect();
        assert_eq!(workloads, [("Pod", 1), ("CronJob", 1)]);
        let starts: Vec<(&str, u32)> = facts
            .entry_points
            .iter()
            .map(|e| (e.command.as_str(), e.location.line()))
            .collect();
        assert_eq!(
            starts,
            [("gunicorn config.wsgi", 8), ("gunicorn config.wsgi", 22)]
        );
        let no_version = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n";
        assert!(
            collect_source("k8s/x.yaml", no_version)
                .workloads
                .is_empty()
        );
        // Not a manifest, so not a broken one either.
        let broken = "kind: Deployment\nspec: [unclosed\n";
        assert!(collect_source("k8s/x.yaml", broken).unparsed.is_empty());
        let broken = format!("apiVersion: apps/v1\n{broken}");
        assert_eq!(collect_source("k8s/x.yaml", &broken).unparsed.len(), 1);
    }

    #[test]
    fn a_secret_and_a_config_map_are_told_apart() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  A: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  B: y\n";
        let facts = collect_source("k8s/env.yaml", text);
        let kinds: Vec<(KubeObjectKind, &str)> = facts
            .kube_objects
            .iter()
            .map(|o| (o.kind, o.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (KubeObjectKind::Secret, "s"),
                (KubeObjectKind::ConfigMap, "c")
            ]
        );
    }

    /// Manifests are the YAML files that are neither compose files nor
    /// workflows; the collector reads each of them in the tree.
    #[test]
    fn the_collector_reads_each_manifest_of_the_tree() {
        let ctx = Context::default();
        for (rel, wanted) in [
            ("k8s/deploy.yaml", true),
            ("deploy/web.yml", true),
            ("docker-compose.yml", false),
            (".github/workflows/deploy.yml", false),
            ("k8s/values.json", false),
        ] {
            assert_eq!(KubernetesCollector.wants(rel, &ctx), wanted, "{rel}");
        }
        let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: MODE\n              value: prod\n";
        let facts = crate::collect::collect_tree(&[("k8s/deploy.yaml", manifest)]);
        let files: Vec<&str> = facts
            .workloads
            .iter()
            .map(|w| w.location.file.as_str())
            .collect();
        assert_eq!(files, ["k8s/deploy.yaml"]);
    }

    #[test]
    fn invalid_yaml_of_another_tools_kind_is_not_ours_and_of_a_workload_is_unparsed() {
        let account =
            "apiVersion: smarter.sh/v1\nkind: Account\nmetadata:\n  description: Tools 2: April\n";
        assert!(
            collect_source("docs/account.yaml", account)
                .unparsed
                .is_empty()
        );
        let broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a: b\n";
        assert_eq!(collect_source("k8s/api.yaml", broken).unparsed.len(), 1);
    }

    const MANIFEST: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry/api:1
          envFrom:
            - secretRef:
                name: app-env
            - configMapRef:
                name: app-config
              prefix: CFG_
          env:
            - name: DJANGO_ENV
              value: production
            - name: SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: app-env
                  key: SECRET_KEY
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
---
apiVersion: v1
kind: Secret
metadata:
  name: app-env
stringData:
  SECRET_KEY: hunter2
data:
  DB_URL: cG9zdGdyZXM=
"#;

    #[test]
    fn kustomize_generators_take_env_files_and_literals() {
        let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: app-config\n    literals:\n      - LOG_LEVEL=info\n      - FEATURE_X=on\nsecretGenerator:\n  - name: app-env\n    envs:\n      - .env\n";
        let facts = collect_source("k/kustomization.yaml", text);
        let objects: Vec<(&str, Vec<&str>, Option<&str>)> = facts
            .kube_objects
            .iter()
            .map(|o| {
                (
                    o.name.as_str(),
                    o.keys.iter().map(|(k, _)| k.as_str()).collect(),
                    o.env_file.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            objects,
            [
                ("app-env", vec![], Some(".env")),
                ("app-config", vec!["LOG_LEVEL", "FEATURE_X"], None),
            ]
        );
        assert_eq!(facts.kube_objects[1].keys[1].1.line(), 7);
    }

    #[test]
    fn workloads_and_objects() {
        let facts = collect_source("k8s/production/api.yaml", MANIFEST);
        assert!(facts.unparsed.is_empty());
        let c = &facts.workloads[0].containers[0];
        assert_eq!(facts.workloads[0].name, "api");
        let env: Vec<(&str, u32)> = c
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.location.row))
            .collect();
        assert_eq!(
            env,
            [("DJANGO_ENV", 17), ("SECRET_KEY", 19), ("POD_IP", 24)]
        );
        assert_eq!(c.env[0].value, KubeValue::Literal { empty: false });
        assert_eq!(
            c.env[1].value,
            KubeValue::ObjectKey {
                kind: KubeObjectKind::Secret,
                name: "app-env".into(),
                key: "SECRET_KEY".into()
            }
        );
        assert_eq!(c.env[2].value, KubeValue::Field);
        assert_eq!(c.env_from.len(), 2);
        assert_eq!(c.env_from[1].prefix, "CFG_");
        let secret = &facts.kube_objects[0];
        let keys: Vec<&str> = secret.keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["DB_URL", "SECRET_KEY"]);
        assert!(!format!("{facts:?}").contains("hunter2"));
    }

    #[test]
    fn merge_keys_and_alias_bombs() {
        let merged =
            "apiVersion: v1\nkind: ConfigMap\nx: &base\n  A: '1'\ndata:\n  <<: *base\n  B: '2'\n";
        let facts = collect_source("k8s/cm.yaml", merged);
        let keys: Vec<(&str, u32)> = facts.kube_objects[0]
            .keys
            .iter()
            .map(|(k, l)| (k.as_str(), l.row))
            .collect();
        assert_eq!(keys, [("B", 6), ("A", 3)]);
        let bomb = format!(
            "apiVersion: v1\nkind: ConfigMap\n{}",
            crate::yaml::alias_bomb("x")
        );
        let facts = collect_source("k8s/bomb.yaml", &bomb);
        assert_eq!(facts.unparsed.len(), 1, "{:?}", facts.unparsed);
    }

    #[test]
    fn other_yaml_is_not_ours() {
        assert!(
            collect_source("mkdocs.yml", "site_name: x\n")
                .workloads
                .is_empty()
        );
        let helm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  {{- range .Values.x }}\n";
        let facts = collect_source("chart/templates/cm.yaml", helm);
        assert!(facts.unparsed.is_empty() && facts.kube_objects.is_empty());
    }

    #[test]
    fn kubectl_create_from_env_file() {
        let at = Location::new("wf.yml", 3, 0);
        let o = kubectl_env_object(
            &[
                "kubectl",
                "create",
                "secret",
                "generic",
                "app-env",
                "--from-env-file=.env",
                "-n",
                "prod",
                "--from-literal",
                "A=s3cret",
                "--dry-run=client",
                "-o",
                "yaml",
            ],
            at.clone(),
            Some("production".into()),
        )
        .unwrap();
        assert_eq!(
            (o.kind, o.name.as_str(), o.env_file.as_deref()),
            (KubeObjectKind::Secret, "app-env", Some(".env"))
        );
        assert_eq!(o.keys[0].0, "A");
        assert!(!format!("{o:?}").contains("s3cret"));
        let cm = kubectl_env_object(
            &[
                "create",
                "configmap",
                "cfg",
                "--from-env-file",
                "config.env",
            ],
            at.clone(),
            None,
        )
        .unwrap();
        assert_eq!(
            (cm.kind, cm.env_file.as_deref()),
            (KubeObjectKind::ConfigMap, Some("config.env"))
        );
        // Flags before the verb are no words of the command.
        let namespaced = kubectl_env_object(
            &[
                "-n",
                "prod",
                "--dry-run",
                "create",
                "secret",
                "generic",
                "app",
            ],
            at.clone(),
            None,
        );
        assert_eq!(namespaced.map(|o| o.name), Some("app".to_string()));
        assert!(kubectl_env_object(&["kubectl", "apply", "-f", "k8s/"], at, None).is_none());
    }

    #[test]
    fn cloud_run_flags() {
        // The caller says where values come from; here: `$NAME` is env.
        let source = |v: &str| match v.strip_prefix('$') {
            Some(name) => Source::Env(name.to_string()),
            None => Source::Literal,
        };
        let pairs = cloud_run_env_args(
            &[
                "gcloud",
                "run",
                "deploy",
                "api",
                "--image",
                "x",
                "--set-env-vars",
                "DEBUG=false,REGION=$REGION",
                "--update-env-vars=^:^ALLOWED=a,b:MODE=prod",
                "--update-secrets",
                "SECRET_KEY=django-secret:latest",
            ],
            source,
        );
        assert_eq!(
            pairs,
            [
                ("DEBUG".to_string(), Source::Literal),
                ("REGION".to_string(), Source::Env("REGION".into())),
                ("ALLOWED".to_string(), Source::Literal),
                ("MODE".to_string(), Source::Literal),
                ("SECRET_KEY".to_string(), Source::Unknown),
            ]
        );
        assert!(
            cloud_run_env_args(
                &["gcloud", "run", "deploy", "--env-vars-file", "env.yaml"],
                source
            )
            .is_empty()
        );
    }
}
