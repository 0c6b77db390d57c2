use super::*;
use crate::chain::Chain;
use crate::facts::{
    DockerImage, DotenvKey, ImageEnv, KubeContainer, KubeEnvFrom, KubeObject, KubeObjectKind,
    KubeValue, KubeWorkload, ReadVia, Source,
};
use crate::finding::Finding;
use crate::rules::{self, RuleId};

pub(super) const WF: &str = ".github/workflows/deploy.yml";

pub(super) fn write(key: &str, row: u32, sink: Option<&str>, target: Option<&str>) -> EnvWrite {
    EnvWrite {
        key: key.into(),
        location: Location::new(WF, row, 0),
        via: if sink.is_some() {
            WriteVia::DotenvEcho
        } else {
            WriteVia::RemoteExport
        },
        source: Source::Secret(key.into()),
        sink: sink.map(str::to_string),
        target: target.map(str::to_string),
        remote: true,
    }
}

pub(super) fn read(key: &str, row: u32, required: bool) -> EnvRead {
    let mut r = EnvRead::new(
        Some(key.into()),
        Location::new("app/settings.py", row, 0),
        ReadVia::OsEnviron,
        Consumer::App,
    );
    r.required = required;
    r
}

pub(super) fn facts(compose: &[(&str, &str)], writes: Vec<EnvWrite>, reads: Vec<EnvRead>) -> Facts {
    let mut f = Facts::default();
    for (file, text) in compose {
        f.extend(crate::collect::compose::collect_source(file, text, None));
    }
    f.writes.extend(writes);
    f.reads.extend(reads);
    f
}

pub(super) fn delivering_job(target: &str) -> crate::facts::WorkflowJob {
    crate::facts::WorkflowJob {
        target: target.to_string(),
        location: Location::new(WF, 1, 2),
        delivers: true,
        tests: false,
        ships_checkout: false,
        compose_on_runner: Some(true),
    }
}

#[test]
fn jobs_that_deliver_nothing_do_not_drift() {
    let writes = vec![
        write("SENTRY_URL", 6, Some(".env"), Some("ci.yml#test")),
        write("SECRET_KEY", 20, Some(".env"), Some("ci.yml#lint")),
    ];
    let mut f = facts(
        &[("compose.yml", ENV_FILE)],
        writes,
        vec![read("SENTRY_URL", 2, false)],
    );
    f.jobs = vec![
        crate::facts::WorkflowJob {
            delivers: false,
            ..delivering_job("ci.yml#test")
        },
        crate::facts::WorkflowJob {
            delivers: false,
            ..delivering_job("ci.yml#lint")
        },
    ];
    let chain = Chain::build(f, None);
    assert!(
        !findings(&chain).iter().any(|(r, _)| *r == RuleId::EnvDrift),
        "{:?}",
        findings(&chain)
    );
}

fn findings(chain: &Chain) -> Vec<(RuleId, Option<String>)> {
    rules::run(chain)
        .into_iter()
        .map(|f| (f.rule, f.key))
        .collect()
}

fn finding(chain: &Chain, rule: RuleId, key: &str) -> Finding {
    rules::run(chain)
        .into_iter()
        .find(|f| f.rule == rule && f.key.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("no {rule} on {key}: {:?}", findings(chain)))
}

const ENV_FILE: &str = "services:\n  web:\n    build: .\n    restart: always\n    env_file: .env\n";

#[test]
fn written_to_the_file_compose_reads_reaches_the_app() {
    let chain = Chain::build(
        facts(
            &[("compose.yml", ENV_FILE)],
            vec![write("SECRET_KEY", 10, Some("/srv/app/.env"), None)],
            vec![read("SECRET_KEY", 3, true)],
        ),
        None,
    );
    assert!(chain.deploy.has_app_stage);
    assert!(chain.reaches("SECRET_KEY"));
    assert_eq!(findings(&chain), []);
    let vias: Vec<WriteVia> = chain.rows["SECRET_KEY"]
        .written
        .iter()
        .map(|w| w.via)
        .collect();
    assert_eq!(vias, [WriteVia::DotenvEcho, WriteVia::ComposeEnvFile]);
    let compose_write = &chain.rows["SECRET_KEY"].written[1];
    assert_eq!(compose_write.source, Source::Secret("SECRET_KEY".into()));
    assert_eq!(compose_write.location.row, 4);
    assert_eq!(compose_write.target.as_deref(), Some("compose.yml"));
}

#[test]
fn env_file_naming_a_host_file_is_unknown_and_says_the_write_is_lost() {
    // The compose in deploy/ builds the repository root: the env file it
    // reads, which nothing in the repository holds, may hold the key there.
    let compose =
        "services:\n  web:\n    build: ..\n    restart: always\n    env_file: ../.env.docker\n";
    let chain = Chain::build(
        facts(
            &[("deploy/compose.yml", compose)],
            vec![write("SECRET_KEY", 10, Some(".env"), None)],
            vec![read("SECRET_KEY", 3, true)],
        ),
        None,
    );
    assert!(!chain.reaches("SECRET_KEY"));
    assert!(!findings(&chain).contains(&(RuleId::UnsetRequired, Some("SECRET_KEY".into()))));
    let f = finding(&chain, RuleId::ReachUnknown, "SECRET_KEY");
    assert!(
        f.message
            .contains("written to .env by .github/workflows/deploy.yml:11"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("env_file ../.env.docker (deploy/compose.yml:5)"),
        "{}",
        f.message
    );
    assert!(
        f.related
            .iter()
            .any(|r| r.location.file == "deploy/compose.yml" && r.location.row == 4)
    );
}

#[test]
fn env_file_naming_a_committed_file_without_the_key_breaks_the_chain() {
    let compose =
        "services:\n  web:\n    build: ..\n    restart: always\n    env_file: ../.env.docker\n";
    let mut f = facts(
        &[("deploy/compose.yml", compose)],
        vec![write("SECRET_KEY", 10, Some(".env"), None)],
        vec![read("SECRET_KEY", 3, true)],
    );
    f.extend(crate::collect::dotenv::collect_source(
        ".env.docker",
        "DEBUG=0\n",
    ));
    let chain = Chain::build(f, None);
    let f = finding(&chain, RuleId::UnsetRequired, "SECRET_KEY");
    assert!(
        f.message
            .contains("written to .env by .github/workflows/deploy.yml:11"),
        "{}",
        f.message
    );
}

#[test]
fn environment_list_that_omits_a_written_key() {
    let compose =
        "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      - DEBUG\n";
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![
                write("DEBUG", 9, Some(".env"), None),
                write("SENTRY_URL", 10, Some(".env"), None),
            ],
            vec![read("DEBUG", 1, true), read("SENTRY_URL", 2, false)],
        ),
        None,
    );
    assert!(
        chain.reaches("DEBUG"),
        "passthrough of a key in the project .env"
    );
    let f = finding(&chain, RuleId::UnsetDefaulted, "SENTRY_URL");
    assert!(
        f.message.contains(
            "passes only its `environment:` list (compose.yml:6), which omits SENTRY_URL"
        ),
        "{}",
        f.message
    );
    assert!(
        !findings(&chain)
            .iter()
            .any(|(r, _)| *r == RuleId::WrittenUnread)
    );
}

#[test]
fn renames_read_the_host_key_and_write_the_container_key() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      SECRET_KEY: ${DJANGO_SECRET_KEY}\n";
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("DJANGO_SECRET_KEY", 3, Some(".env"), None)],
            vec![read("SECRET_KEY", 1, true)],
        ),
        None,
    );
    assert!(chain.reaches("SECRET_KEY"));
    assert_eq!(
        chain.rows["SECRET_KEY"].written[0].source,
        Source::Env("DJANGO_SECRET_KEY".into())
    );
    // The target sets the container key where the workflow writes the host key.
    let at = &chain.deploy.targets[0].keys["SECRET_KEY"];
    assert_eq!((at.file.as_str(), at.row), (WF, 3));
    assert!(
        chain.rows["DJANGO_SECRET_KEY"]
            .read
            .iter()
            .any(|r| r.consumer == Consumer::Deploy)
    );
    assert_eq!(findings(&chain), [], "neither unset nor written-unread");
}

#[test]
fn compose_default_is_unset_defaulted_not_required() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      DEBUG: ${DEBUG:-}\n";
    // The deploy writes the project's .env, so the host env is visible.
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("OTHER", 9, Some(".env"), None)],
            vec![read("DEBUG", 1, true)],
        ),
        None,
    );
    let f = finding(&chain, RuleId::UnsetDefaulted, "DEBUG");
    assert!(
        f.message.contains(
            "compose substitutes its own default for host key DEBUG (compose.yml:6), an EMPTY value"
        ),
        "{}",
        f.message
    );
    assert!(
        !findings(&chain)
            .iter()
            .any(|(r, _)| *r == RuleId::UnsetRequired)
    );
}

/// The read of `key` at app/settings.py:1, with a code default of `default`.
fn read_defaulting_to(key: &str, default: &str) -> EnvRead {
    let mut r = read(key, 1, false);
    r.via = ReadVia::OsGetenv;
    r.default = Some(crate::facts::DefaultValue::Str(default.into()));
    r
}

/// Compose's `${K:-}` sets K to "" in the container, so `os.getenv("K",
/// "UTC")` returns "": the code's production-like default never applies.
#[test]
fn an_empty_compose_default_is_judged_as_empty_not_by_the_codes_default() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      TIME_ZONE: ${TIME_ZONE:-}\n";
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("OTHER", 9, Some(".env"), None)],
            vec![read_defaulting_to("TIME_ZONE", "UTC")],
        ),
        None,
    );
    let f = finding(&chain, RuleId::UnsetDefaulted, "TIME_ZONE");
    assert_eq!(
        f.severity,
        crate::finding::Severity::Warning,
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("the container gets TIME_ZONE=\"\", so the app runs with NO usable value"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("UTC"), "{}", f.message);
}

/// Compose's `${K:-redis}` is what the app runs on: the code's "localhost"
/// is neither quoted nor judged.
#[test]
fn a_written_compose_default_is_a_note_that_does_not_quote_the_codes_default() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      REDIS_HOST: ${REDIS_HOST:-redis}\n";
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("OTHER", 9, Some(".env"), None)],
            vec![read_defaulting_to("REDIS_HOST", "localhost")],
        ),
        None,
    );
    let f = finding(&chain, RuleId::UnsetDefaulted, "REDIS_HOST");
    assert_eq!(f.severity, crate::finding::Severity::Note, "{}", f.message);
    assert!(
        f.message
            .contains("deployments silently run on compose's default, not the code's"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("localhost"), "{}", f.message);
}

#[test]
fn required_interpolation_and_bare_passthrough_break() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      - A=${A:?set A}\n      - B\n      - C=x${C_HOST}\n";
    let reads = || vec![read("A", 1, true), read("B", 2, true), read("C", 3, true)];
    // Nothing envtrail sees writes the host's .env: every key is unknown.
    let unseen = Chain::build(facts(&[("compose.yml", compose)], vec![], reads()), None);
    assert_eq!(
        findings(&unseen),
        ["A", "B", "C"].map(|k| (RuleId::ReachUnknown, Some(k.to_string())))
    );
    assert!(
        finding(&unseen, RuleId::ReachUnknown, "B")
            .message
            .contains("the env file .env, which is not in the repository")
    );
    // The deploy writes it (without A, B, C): the breaks are certain.
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("OTHER", 9, Some(".env"), None)],
            reads(),
        ),
        None,
    );
    assert!(
        finding(&chain, RuleId::UnsetRequired, "A")
            .message
            .contains("refuses to start")
    );
    assert!(
        finding(&chain, RuleId::UnsetRequired, "B")
            .message
            .contains("passes B from the host (compose.yml:7) but no stage sets it")
    );
    assert!(
        finding(&chain, RuleId::UnsetRequired, "C")
            .message
            .contains("from host key C_HOST")
    );
}

#[test]
fn without_a_deploy_stage_a_write_is_enough() {
    let chain = Chain::build(
        facts(
            &[],
            vec![write("SECRET_KEY", 10, Some(".env"), None)],
            vec![read("SECRET_KEY", 3, true)],
        ),
        None,
    );
    assert!(!chain.deploy.has_app_stage);
    assert!(chain.reaches("SECRET_KEY"));
    assert_eq!(findings(&chain), []);
}

#[test]
fn compose_interpolation_consumes_the_key() {
    let compose = "services:\n  web:\n    build: .\n    image: app:${TAG}\n    restart: always\n";
    let chain = Chain::build(
        facts(
            &[("compose.yml", compose)],
            vec![write("TAG", 3, None, None)],
            vec![read("X", 1, false)],
        ),
        None,
    );
    assert!(!findings(&chain).contains(&(RuleId::WrittenUnread, Some("TAG".into()))));
}

#[test]
fn workflow_targets_drift() {
    let chain = staging_has_a_key_production_lacks(
        &[("compose.yml", ENV_FILE)],
        true,
        read("SENTRY_URL", 2, false),
    );
    assert_eq!(chain.deploy.targets.len(), 2);
    let f = finding(&chain, RuleId::EnvDrift, "SENTRY_URL");
    assert_eq!(
        f.message,
        "SENTRY_URL reaches the app in deploy-staging.yml#deploy but not in deploy-production.yml#deploy (targets that deploy compose service web)"
    );
    assert_eq!(
        (f.location.file.as_str(), f.location.row),
        (WF, 6),
        "where the target sets the key: the workflow line compose passes on"
    );
    assert_eq!(f.related[0].location.row, 20);
    assert!(
        !findings(&chain)
            .iter()
            .any(|(_, k)| k.as_deref() == Some("SECRET_KEY"))
    );
}

/// `staging_has_a_key_production_lacks` with SENTRY_URL required.
fn staging_has_a_required_key_production_lacks(compose: &[(&str, &str)], deliver: bool) -> Chain {
    staging_has_a_key_production_lacks(compose, deliver, read("SENTRY_URL", 2, true))
}

/// Staging gets SECRET_KEY and `sentry`'s key, production only SECRET_KEY.
fn staging_has_a_key_production_lacks(
    compose: &[(&str, &str)],
    deliver: bool,
    sentry: EnvRead,
) -> Chain {
    let writes = vec![
        write(
            "SECRET_KEY",
            5,
            Some(".env"),
            Some("deploy-staging.yml#deploy"),
        ),
        write(
            "SENTRY_URL",
            6,
            Some(".env"),
            Some("deploy-staging.yml#deploy"),
        ),
        write(
            "SECRET_KEY",
            20,
            Some(".env"),
            Some("deploy-production.yml#deploy"),
        ),
    ];
    let mut f = facts(compose, writes, vec![read("SECRET_KEY", 1, true), sentry]);
    f.jobs = ["deploy-staging.yml#deploy", "deploy-production.yml#deploy"]
        .map(|t| crate::facts::WorkflowJob {
            delivers: deliver,
            ..delivering_job(t)
        })
        .to_vec();
    Chain::build(f, None)
}

#[test]
fn a_required_key_missing_in_a_delivering_target_is_an_error() {
    let chain = staging_has_a_required_key_production_lacks(&[("compose.yml", ENV_FILE)], true);
    let f = finding(&chain, RuleId::UnsetRequired, "SENTRY_URL");
    assert!(
        f.message
            .contains("deploy target deploy-production.yml#deploy does not set it"),
        "{}",
        f.message
    );
}

/// A one-off script's read fails the script, not the deploy: what a target
/// lacks for it is at most a warning.
#[test]
fn a_required_key_a_script_reads_missing_in_a_delivering_target_is_not_an_error() {
    let mut sentry = read("SENTRY_URL", 2, true);
    sentry.location.file = "scripts/report.py".into();
    sentry.consumer = Consumer::Script;
    let chain = staging_has_a_key_production_lacks(&[("compose.yml", ENV_FILE)], true, sentry);
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// Jobs envtrail does not see deliver the app (an unrecognised deploy
/// command) stay targets, but what one lacks is not certainly production's.
#[test]
fn a_required_key_missing_in_a_job_not_seen_to_deliver_is_not_an_error() {
    let chain = staging_has_a_required_key_production_lacks(&[("compose.yml", ENV_FILE)], false);
    assert_eq!(chain.deploy.targets.len(), 2);
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// With no compose, Kubernetes or platform stage for the app, how the
/// host's `.env` reaches the app is not seen: a target lacking a key is
/// drift, never a certain failure.
#[test]
fn a_required_key_missing_in_a_target_without_an_app_stage_is_not_an_error() {
    let chain = staging_has_a_required_key_production_lacks(&[], true);
    assert!(!chain.deploy.has_app_stage);
    assert_eq!(chain.deploy.targets.len(), 2);
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

#[test]
fn compose_variants_are_targets_and_pair_with_workflow_environments() {
    let staging = "services:\n  web:\n    command: gunicorn app.wsgi\n    restart: always\n    environment:\n      - A=1\n      - B=2\n";
    let prod = "services:\n  web:\n    command: gunicorn app.wsgi\n    restart: always\n    environment:\n      - A=1\n";
    let local =
        "services:\n  web:\n    command: gunicorn app.wsgi\n    environment:\n      - C=1\n";
    let f = facts(
        &[
            ("docker-compose.staging.yml", staging),
            ("docker-compose.prod.yml", prod),
            ("docker-compose.local.yml", local),
        ],
        vec![],
        vec![],
    );
    let chain = Chain::build(f.clone(), None);
    let names: Vec<&str> = chain
        .deploy
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "docker-compose.staging.yml",
            "docker-compose.prod.yml",
            "docker-compose.local.yml"
        ]
    );
    let drift: Vec<_> = findings(&chain)
        .into_iter()
        .filter(|(r, _)| *r == RuleId::EnvDrift)
        .collect();
    assert_eq!(
        drift,
        [(RuleId::EnvDrift, Some("B".to_string()))],
        "the local file is not compared"
    );
    // Workflow environments pick the compose file of their environment.
    let mut f = f;
    f.writes.push(write("X", 1, None, Some("production")));
    f.writes.push(write("X", 2, None, Some("staging")));
    let chain = Chain::build(f, None);
    let prod_t = chain
        .deploy
        .targets
        .iter()
        .find(|t| t.name == "production")
        .unwrap();
    assert!(!prod_t.keys.contains_key("B") && prod_t.keys.contains_key("A"));
}

#[test]
fn image_and_committed_env_file_reach_the_app() {
    let compose = "services:\n  web:\n    build:\n      context: backend\n    restart: always\n    env_file: ./.envs/.production/.django\n";
    let mut f = facts(&[("compose.yml", compose)], vec![], vec![]);
    f.images.push(DockerImage {
        file: "backend/Dockerfile".into(),
        env: vec![ImageEnv {
            key: "PORT".into(),
            location: Location::new("backend/Dockerfile", 3, 0),
            source: Source::Literal,
        }],
        python: true,
        other_runtime: false,
        command: Location::file_start("backend/Dockerfile"),
    });
    f.dotenv_files.push(DotenvFile {
        file: ".envs/.production/.django".into(),
        example: false,
        keys: vec![DotenvKey {
            key: "DJANGO_ADMIN_URL".into(),
            location: Location::new(".envs/.production/.django", 2, 0),
            empty: false,
        }],
    });
    let chain = Chain::build(f, None);
    let some_target_sets = |k: &str| chain.deploy.targets.iter().any(|t| t.keys.contains_key(k));
    assert!(some_target_sets("PORT") && some_target_sets("DJANGO_ADMIN_URL"));
    let vias: Vec<WriteVia> = chain.rows["DJANGO_ADMIN_URL"]
        .written
        .iter()
        .map(|w| w.via)
        .collect();
    assert_eq!(vias, [WriteVia::DotenvFile, WriteVia::ComposeEnvFile]);
    assert_eq!(chain.rows["PORT"].written[0].via, WriteVia::DockerfileEnv);
}

#[test]
fn kubernetes_secret_from_env_file() {
    let mut f = facts(
        &[],
        vec![write("DB_URL", 4, Some("app.env"), None)],
        vec![read("DB_URL", 1, true), read("API_KEY", 2, true)],
    );
    let loc = |row| Location::new("k8s/production/deployment.yaml", row, 0);
    f.workloads.push(KubeWorkload {
        file: "k8s/production/deployment.yaml".into(),
        kind: "Deployment".into(),
        name: "api".into(),
        location: loc(3),
        containers: vec![KubeContainer {
            name: "api".into(),
            location: loc(10),
            image: None,
            env: vec![crate::facts::KubeEnv {
                key: "API_KEY".into(),
                location: loc(14),
                value: KubeValue::ObjectKey {
                    kind: KubeObjectKind::Secret,
                    name: "app-env".into(),
                    key: "API_KEY".into(),
                },
            }],
            env_from: vec![KubeEnvFrom {
                kind: KubeObjectKind::Secret,
                name: "app-env".into(),
                prefix: String::new(),
                location: loc(12),
            }],
        }],
    });
    f.kube_objects.push(KubeObject {
        kind: KubeObjectKind::Secret,
        name: "app-env".into(),
        location: Location::new(WF, 6, 0),
        keys: vec![],
        env_file: Some("app.env".into()),
        target: None,
    });
    let chain = Chain::build(f, None);
    assert!(chain.reaches("DB_URL"));
    assert!(
        chain.rows["DB_URL"]
            .written
            .iter()
            .any(|w| w.via == WriteVia::Kubernetes && w.location.row == 12)
    );
    let f = finding(&chain, RuleId::UnsetRequired, "API_KEY");
    assert!(
        f.message.contains("from Secret app-env/API_KEY"),
        "{}",
        f.message
    );
    // The related place is the object lacking the key, named as such.
    let labels: Vec<(&str, u32)> = f
        .related
        .iter()
        .map(|r| (r.label.as_str(), r.location.row))
        .collect();
    assert!(
        labels.contains(&("Secret app-env is defined here", 6)),
        "{labels:?}"
    );
}

/// A kustomize `secretGenerator` over an env file no stage shows (a
/// git-ignored `.env` beside the kustomization): what the pod lacks is
/// unknown, never a certain error.
#[test]
fn kubernetes_secret_from_an_unseen_env_file_is_unknown() {
    let mut f = facts(&[], vec![], vec![read("API_KEY", 2, true)]);
    let loc = |row| Location::new("kustomize/prod/deployment.yaml", row, 0);
    f.workloads.push(KubeWorkload {
        file: "kustomize/prod/deployment.yaml".into(),
        kind: "Deployment".into(),
        name: "api".into(),
        location: loc(3),
        containers: vec![KubeContainer {
            name: "api".into(),
            location: loc(10),
            image: None,
            env: vec![],
            env_from: vec![KubeEnvFrom {
                kind: KubeObjectKind::Secret,
                name: "app-env".into(),
                prefix: String::new(),
                location: loc(12),
            }],
        }],
    });
    f.kube_objects.push(KubeObject {
        kind: KubeObjectKind::Secret,
        name: "app-env".into(),
        location: Location::new("kustomize/prod/kustomization.yaml", 5, 0),
        keys: vec![],
        env_file: Some(".env".into()),
        target: None,
    });
    let chain = Chain::build(f, None);
    assert!(
        matches!(
            chain.rows["API_KEY"].verdict(),
            Some(crate::chain::Verdict::Unknown {
                because: crate::facts::OpaqueKind::HostEnvFile { .. },
                ..
            })
        ),
        "{:?}",
        chain.rows["API_KEY"].verdict()
    );
    assert!(
        findings(&chain)
            .iter()
            .all(|(r, _)| *r == RuleId::ReachUnknown)
    );
}

#[test]
fn config_names_the_app_service_and_aliases() {
    let compose = "services:\n  api:\n    image: registry/x\n    restart: always\n    environment:\n      - DJANGO_DEBUG=1\n";
    let config = crate::config::Config::parse(
        "app-service = \"api\"\n[aliases]\nDEBUG = \"DJANGO_DEBUG\"\n",
    )
    .unwrap();
    let chain = Chain::build_with(
        facts(
            &[("compose.yml", compose)],
            vec![],
            vec![read("DEBUG", 1, true), read("DJANGO_DEBUG", 2, false)],
        ),
        None,
        &config,
    );
    assert!(
        chain
            .deploy
            .app_services
            .contains(&("compose.yml".into(), "api".into()))
    );
    assert!(
        !findings(&chain)
            .iter()
            .any(|(r, _)| *r == RuleId::UnsetRequired)
    );
}

#[test]
fn env_tokens_and_dev_files() {
    assert!(env_tokens("deploy-prod.yml#deploy").contains("production"));
    assert!(env_tokens("staging_pull_compose.template.yaml").contains("staging"));
    assert!(is_dev_file("docker-compose.dev.yml") && is_dev_file("docker-compose.override.yml"));
    assert!(
        !is_dev_file("docker-compose.yml") && !is_dev_file("staging_pull_compose.template.yaml")
    );
}

#[test]
fn port_is_the_platforms_only_where_the_repository_deploys_to_one_that_sets_it() {
    let compose = [(
        "docker-compose.yml",
        "services:\n  web:\n    build: .\n    command: gunicorn app.wsgi\n",
    )];
    // A compose app needs PORT written: nothing sets it for the container.
    let chain = Chain::build(facts(&compose, vec![], vec![read("PORT", 3, true)]), None);
    assert!(
        findings(&chain).contains(&(RuleId::UnsetRequired, Some("PORT".into()))),
        "{:?}",
        findings(&chain)
    );
    // Deployed to Cloud Run: the platform sets PORT in every container.
    let mut f = facts(&[], vec![], vec![read("PORT", 3, true)]);
    f.platform_signs.push(crate::facts::PlatformSign {
        platform: crate::platform::Platform::CloudRun,
        location: Location::new(WF, 8, 0),
    });
    let chain = Chain::build(f, None);
    assert_eq!(
        chain.row("PORT").and_then(|r| r.verdict()),
        Some(&crate::chain::Verdict::Platform { by: "Cloud Run" })
    );
    assert!(findings(&chain).is_empty(), "{:?}", findings(&chain));
}

#[test]
fn setdefault_sets_the_key_only_for_code_in_its_folder_or_below() {
    let compose = [(
        "docker-compose.yml",
        "services:\n  web:\n    build: .\n    command: gunicorn app.wsgi\n",
    )];
    let setdefault = |file: &str| EnvWrite {
        key: "APP_ROLE".into(),
        location: Location::new(file, 5, 0),
        via: WriteVia::PythonSetdefault,
        source: Source::Literal,
        sink: None,
        target: None,
        remote: false,
    };
    let unset = |file: &str| {
        let chain = Chain::build(
            facts(
                &compose,
                vec![setdefault(file)],
                vec![read("APP_ROLE", 3, true)],
            ),
            None,
        );
        findings(&chain).contains(&(RuleId::UnsetRequired, Some("APP_ROLE".into())))
    };
    assert!(!unset("manage.py"));
    assert!(!unset("app/wsgi.py"));
    assert!(unset("worker/boot.py"));
}

/// A platform app (an ECS container) for a deploy job that starts no
/// compose: the compose stack beside it (a developer's, reading a host
/// `.env`) is not what that job deploys, so its unseen env file makes
/// nothing unknown there, and what the container lacks is certain.
#[test]
fn a_platform_deploy_job_does_not_deploy_the_compose_stack() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    env_file: .env\n";
    let mut f = facts(
        &[("docker-compose.yml", compose)],
        vec![write("AWS_REGION", 4, None, Some("deploy.yml#deploy"))],
        vec![read("SUPABASE_URL", 1, true), read("BASE_URL", 2, true)],
    );
    f.jobs = vec![crate::facts::WorkflowJob {
        compose_on_runner: None,
        ..delivering_job("deploy.yml#deploy")
    }];
    f.platform_apps.push(crate::facts::PlatformApp {
        via: WriteVia::EcsTaskDefinition,
        noun: "ECS container",
        name: "api".into(),
        location: Location::new(".aws/task-definition.json", 3, 0),
        image: None,
        platform: Some(crate::platform::Platform::AwsEcs),
        env: vec![crate::facts::PlatformEnv {
            key: "SUPABASE_URL".into(),
            location: Location::new(".aws/task-definition.json", 8, 0),
            source: Source::Unknown,
        }],
        unseen: vec![],
        env_files: vec![],
    });
    let chain = Chain::build(f, None);
    assert!(chain.reaches("SUPABASE_URL"));
    assert_eq!(
        findings(&chain),
        [(RuleId::UnsetRequired, Some("BASE_URL".to_string()))]
    );
}

/// A service built from the app's folder on another runtime's image (a
/// node asset watcher) does not run the Python settings.
#[test]
fn a_service_of_another_runtime_is_not_the_app() {
    let compose = "services:\n  app:\n    build: .\n    restart: always\n    environment:\n      - DATABASE_URL=postgres://db/app\n  node:\n    build:\n      context: .\n      dockerfile: node.Dockerfile\n    restart: always\n";
    let mut f = facts(
        &[("docker-compose.yml", compose)],
        vec![],
        vec![read("DATABASE_URL", 1, true)],
    );
    f.images.push(crate::collect::dockerfile::parse(
        "node.Dockerfile",
        "FROM docker.io/cimg/node:current-browsers\nWORKDIR /app\n",
    ));
    let chain = Chain::build(f, None);
    assert!(
        chain
            .deploy
            .app_services
            .iter()
            .all(|(_, service)| service != "node"),
        "{:?}",
        chain.deploy.app_services
    );
    assert_eq!(findings(&chain), []);
}

/// A deployed `docker-compose.yml` and a `docker-compose.dev.yml`, each
/// giving its `environment:` lines to `web`; a job delivers; B is required.
fn prod_and_dev_compose(prod_env: &str, dev_env: &str) -> Chain {
    let web = "services:\n  web:\n    command: gunicorn app.wsgi\n";
    let prod = format!("{web}    restart: always\n    environment:\n{prod_env}");
    let dev = format!("{web}    environment:\n{dev_env}");
    let mut f = facts(
        &[
            ("docker-compose.yml", &prod),
            ("docker-compose.dev.yml", &dev),
        ],
        vec![],
        vec![read("B", 1, true)],
    );
    f.jobs = vec![delivering_job("deploy.yml#deploy")];
    Chain::build(f, None)
}

/// A development compose file is a target that delivers nothing: a key
/// the deployed compose file gives and it lacks is no failure of the deploy.
#[test]
fn a_required_key_a_development_compose_file_lacks_is_not_an_error() {
    let chain = prod_and_dev_compose("      - A=1\n      - B=2\n", "      - A=1\n");
    let shape: Vec<(&str, bool, Option<&str>)> = chain
        .deploy
        .targets
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.delivers,
                t.verdict("B").map(crate::chain::Verdict::as_str),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("docker-compose.yml", true, Some("set")),
            ("docker-compose.dev.yml", false, Some("unset")),
        ]
    );
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// The deployed compose file lacks a key only the development one sets:
/// production fails at boot, whatever the development stack gives.
#[test]
fn a_required_key_only_a_development_compose_file_sets_is_unset() {
    let chain = prod_and_dev_compose("      - A=1\n", "      - A=1\n      - B=2\n");
    assert_eq!(
        chain.rows["B"].verdict().map(crate::chain::Verdict::as_str),
        Some("unset")
    );
    let f = finding(&chain, RuleId::UnsetRequired, "B");
    assert_eq!(f.severity, crate::finding::Severity::Error, "{}", f.message);
}

const WORKER_DATABASE_URL_ONLY: &str = "    environment:\n      - DATABASE_URL\n";

/// `web` gets the project's `.env`, `worker` (same build, same settings)
/// only DATABASE_URL: the `compose-service-drops-key` fixture as facts,
/// with `reads` in place of its settings.
fn worker_drops_what_web_gets(reads: Vec<EnvRead>) -> Chain {
    worker_with(WORKER_DATABASE_URL_ONLY, reads, true)
}

/// `web` gets the project's `.env`; `worker` runs the same code with
/// `worker_env` (compose lines) from a job that `delivers` or not.
fn worker_with(worker_env: &str, reads: Vec<EnvRead>, delivers: bool) -> Chain {
    let compose = format!(
        "services:\n  web:\n    build: .\n    command: gunicorn app.wsgi\n    env_file: .env\n    restart: always\n  worker:\n    build: .\n    command: celery -A app worker\n{worker_env}    restart: always\n"
    );
    let writes = ["SECRET_KEY", "DATABASE_URL", "SENTRY_DSN"]
        .iter()
        .zip(1..)
        .map(|(k, row)| write(k, row, Some(".env"), Some("deploy.yml#deploy")))
        .collect();
    let mut f = facts(&[("compose.yml", &compose)], writes, reads);
    f.settings_modules = vec!["app/settings.py".into()];
    f.jobs = vec![crate::facts::WorkflowJob {
        delivers,
        ..delivering_job("deploy.yml#deploy")
    }];
    Chain::build(f, None)
}

/// The keys of every `unset-required` finding.
fn unset_required_keys(chain: &Chain) -> Vec<Option<String>> {
    findings(chain)
        .into_iter()
        .filter(|(r, _)| *r == RuleId::UnsetRequired)
        .map(|(_, k)| k)
        .collect()
}

const NO_KEYS: [Option<String>; 0] = [];

#[test]
fn a_required_settings_key_one_app_service_drops_is_an_error() {
    let chain = worker_drops_what_web_gets(vec![read("SECRET_KEY", 1, true)]);
    assert_eq!(
        unset_required_keys(&chain),
        [Some("SECRET_KEY".to_string())]
    );
}

/// The worker runs without SENTRY_DSN: an optional key, no failure.
#[test]
fn an_optional_key_one_app_service_drops_is_not_an_error() {
    let chain = worker_drops_what_web_gets(vec![read("SENTRY_DSN", 1, false)]);
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// A module the app does not import at start (a view, a task) fails only
/// where it runs, which envtrail cannot place in one service.
#[test]
fn a_required_key_read_outside_the_settings_one_service_drops_is_not_an_error() {
    let mut r = read("SECRET_KEY", 1, true);
    r.location.file = "app/views.py".into();
    let chain = worker_drops_what_web_gets(vec![r]);
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// The worker's env file is on the host, unseen: it may hold the key.
#[test]
fn a_required_key_a_service_may_get_from_an_unseen_host_file_is_not_an_error() {
    let chain = worker_with(
        "    env_file: /etc/app/worker.env\n",
        vec![read("SECRET_KEY", 1, true)],
        true,
    );
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

/// No job is seen to deliver the app: which services run in production is
/// not known, so one lacking a key is no certain failure.
#[test]
fn a_required_key_one_service_drops_in_a_job_not_seen_to_deliver_is_not_an_error() {
    let chain = worker_with(
        WORKER_DATABASE_URL_ONLY,
        vec![read("SECRET_KEY", 1, true)],
        false,
    );
    assert_eq!(unset_required_keys(&chain), NO_KEYS);
}

#[test]
fn a_host_env_file_leaves_unknown_only_the_code_its_service_runs() {
    // api's env file lives on the host; billing's service is visible.
    let api = "services:\n  web:\n    build: .\n    restart: always\n    env_file: /etc/api.env\n";
    let billing = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      DEBUG: \"0\"\n";
    let mut billing_read = read("STRIPE_API_KEY", 4, true);
    billing_read.location.file = "billing/settings.py".into();
    let mut api_read = read("SENTRY_DSN", 5, true);
    api_read.location.file = "api/settings.py".into();
    let chain = Chain::build(
        facts(
            &[("api/compose.yml", api), ("billing/compose.yml", billing)],
            Vec::new(),
            vec![billing_read, api_read],
        ),
        None,
    );
    let kind = |key: &str| chain.rows[key].verdict.as_ref().map(|v| v.verdict.kind());
    assert_eq!(
        kind("SENTRY_DSN"),
        Some(crate::chain::verdict::VerdictKind::Unknown)
    );
    assert_eq!(
        kind("STRIPE_API_KEY"),
        Some(crate::chain::verdict::VerdictKind::Unset)
    );
}

/// A Deployment `api` in `k8s/prod/` whose container (named `container`)
/// takes `env` and `env_from`, beside `objects`.
fn kube_facts(
    container: &str,
    env: Vec<crate::facts::KubeEnv>,
    env_from: Vec<KubeEnvFrom>,
    objects: Vec<KubeObject>,
    reads: Vec<EnvRead>,
) -> Facts {
    let mut f = facts(&[], vec![], reads);
    let loc = |row| Location::new("k8s/prod/deployment.yaml", row, 0);
    f.workloads.push(KubeWorkload {
        file: "k8s/prod/deployment.yaml".into(),
        kind: "Deployment".into(),
        name: "api".into(),
        location: loc(3),
        containers: vec![KubeContainer {
            name: container.into(),
            location: loc(10),
            image: None,
            env,
            env_from,
        }],
    });
    f.kube_objects.extend(objects);
    f
}

fn secret(name: &str, file: &str, keys: &[&str], env_file: Option<&str>) -> KubeObject {
    KubeObject {
        kind: KubeObjectKind::Secret,
        name: name.into(),
        location: Location::new(file, 2, 0),
        keys: keys
            .iter()
            .map(|k| (k.to_string(), Location::new(file, 5, 0)))
            .collect(),
        env_file: env_file.map(str::to_string),
        target: None,
    }
}

fn env_from_secret(name: &str) -> KubeEnvFrom {
    KubeEnvFrom {
        kind: KubeObjectKind::Secret,
        name: name.into(),
        prefix: String::new(),
        location: Location::new("k8s/prod/deployment.yaml", 12, 0),
    }
}

fn verdict_kind(chain: &Chain, key: &str) -> Option<crate::chain::verdict::VerdictKind> {
    chain.rows[key].verdict.as_ref().map(|v| v.verdict.kind())
}

#[test]
fn env_from_takes_the_keys_of_the_object_it_names_only() {
    let chain = Chain::build(
        kube_facts(
            "api",
            vec![],
            vec![env_from_secret("app-env")],
            vec![
                secret("app-env", "k8s/prod/secret.yaml", &["DB_URL"], None),
                secret(
                    "worker-env",
                    "k8s/prod/worker-secret.yaml",
                    &["API_KEY"],
                    None,
                ),
            ],
            vec![read("DB_URL", 1, true), read("API_KEY", 2, true)],
        ),
        None,
    );
    assert_eq!(
        verdict_kind(&chain, "DB_URL"),
        Some(crate::chain::verdict::VerdictKind::Set)
    );
    assert_eq!(
        verdict_kind(&chain, "API_KEY"),
        Some(crate::chain::verdict::VerdictKind::Unset)
    );
}

#[test]
fn a_generators_committed_env_file_gives_its_keys_through_kustomize() {
    let mut f = kube_facts(
        "api",
        vec![],
        vec![env_from_secret("app-env")],
        vec![secret(
            "app-env",
            "k8s/prod/kustomization.yaml",
            &[],
            Some("app.env"),
        )],
        vec![read("DB_URL", 1, true)],
    );
    f.dotenv_files.push(DotenvFile {
        file: "k8s/prod/app.env".into(),
        example: false,
        keys: vec![DotenvKey {
            key: "DB_URL".into(),
            location: Location::new("k8s/prod/app.env", 1, 0),
            empty: false,
        }],
    });
    let chain = Chain::build(f, None);
    assert_eq!(
        verdict_kind(&chain, "DB_URL"),
        Some(crate::chain::verdict::VerdictKind::Set)
    );
    assert!(
        chain.rows["DB_URL"]
            .written
            .iter()
            .any(|w| w.via == WriteVia::Kustomize),
        "{:?}",
        chain.rows["DB_URL"].written
    );
}

#[test]
fn an_overlays_generator_of_literals_serves_the_base_workload() {
    // The generator sits in a sibling overlay folder and names no env file.
    let chain = Chain::build(
        kube_facts(
            "api",
            vec![],
            vec![env_from_secret("app-env")],
            vec![secret(
                "app-env",
                "k8s/overlays/prod/kustomization.yaml",
                &["DB_URL"],
                None,
            )],
            vec![read("DB_URL", 1, true)],
        ),
        None,
    );
    assert_eq!(
        verdict_kind(&chain, "DB_URL"),
        Some(crate::chain::verdict::VerdictKind::Set)
    );
}

#[test]
fn a_secret_key_ref_into_an_object_from_an_unseen_env_file_is_unknown_not_missing() {
    let env = crate::facts::KubeEnv {
        key: "API_KEY".into(),
        location: Location::new("k8s/prod/deployment.yaml", 14, 0),
        value: KubeValue::ObjectKey {
            kind: KubeObjectKind::Secret,
            name: "app-env".into(),
            key: "API_KEY".into(),
        },
    };
    let chain = Chain::build(
        kube_facts(
            "api",
            vec![env],
            vec![],
            vec![secret(
                "app-env",
                "k8s/prod/kustomization.yaml",
                &[],
                Some("prod.env"),
            )],
            vec![read("API_KEY", 2, true)],
        ),
        None,
    );
    assert!(!findings(&chain).contains(&(RuleId::UnsetRequired, Some("API_KEY".into()))));
    assert!(
        chain.rows["API_KEY"]
            .written
            .iter()
            .any(|w| w.via == WriteVia::Kubernetes)
    );
}

#[test]
fn a_container_of_the_configured_app_workload_is_the_apps_whatever_its_name() {
    let env = crate::facts::KubeEnv {
        key: "SECRET_KEY".into(),
        location: Location::new("k8s/prod/deployment.yaml", 14, 0),
        value: KubeValue::Literal { empty: false },
    };
    let config = crate::config::Config::parse("app-service = \"api\"\n").expect("valid config");
    let chain = Chain::build_with(
        kube_facts(
            "web",
            vec![env],
            vec![],
            vec![],
            vec![read("SECRET_KEY", 1, true)],
        ),
        None,
        &config,
    );
    assert_eq!(
        verdict_kind(&chain, "SECRET_KEY"),
        Some(crate::chain::verdict::VerdictKind::Set)
    );
}

#[test]
fn an_env_file_a_workflow_writes_whole_is_that_secret_not_a_host_file() {
    let compose =
        "services:\n  web:\n    build: .\n    restart: always\n    env_file: .env.production\n";
    let mut f = facts(
        &[("compose.yml", compose)],
        vec![],
        vec![read("SECRET_KEY", 1, true)],
    );
    f.opaque.push(crate::facts::OpaqueEnvFile {
        location: Location::new(WF, 8, 0),
        source: Source::Secret("PROD_ENV_FILE".into()),
        sink: ".env.production".into(),
        target: None,
    });
    let chain = Chain::build(f, None);
    assert!(
        !chain
            .deploy
            .opaque
            .iter()
            .any(|o| matches!(o.kind, crate::facts::OpaqueKind::HostEnvFile { .. })),
        "{:?}",
        chain.deploy.opaque
    );
}

fn target_keys(chain: &Chain) -> Vec<(String, Vec<String>)> {
    chain
        .deploy
        .targets
        .iter()
        .map(|t| (t.name.clone(), t.keys.keys().cloned().collect()))
        .collect()
}

pub(super) fn via(mut w: EnvWrite, via: WriteVia) -> EnvWrite {
    w.via = via;
    w
}

#[test]
fn a_platform_write_alone_makes_one_deploy_target_and_a_compose_file_alone_its_own() {
    let cloud_run = via(write("SECRET_KEY", 8, None, None), WriteVia::CloudRun);
    let chain = Chain::build(
        facts(&[], vec![cloud_run], vec![read("SECRET_KEY", 1, true)]),
        None,
    );
    assert_eq!(
        target_keys(&chain),
        [("deploy".to_string(), vec!["SECRET_KEY".to_string()])]
    );
    let chain = Chain::build(
        facts(
            &[("compose.yml", ENV_FILE)],
            vec![],
            vec![read("SECRET_KEY", 1, true)],
        ),
        None,
    );
    assert_eq!(target_keys(&chain), [("compose.yml".to_string(), vec![])]);
    // Both: the platform's write reaches the compose unit's target, no other.
    let cloud_run = via(write("SECRET_KEY", 8, None, None), WriteVia::CloudRun);
    let chain = Chain::build(
        facts(
            &[("compose.yml", ENV_FILE)],
            vec![cloud_run],
            vec![read("SECRET_KEY", 1, true)],
        ),
        None,
    );
    assert_eq!(
        target_keys(&chain),
        [("compose.yml".to_string(), vec!["SECRET_KEY".to_string()])]
    );
}

#[test]
fn a_direct_write_for_one_target_reaches_that_target_only() {
    let writes = vec![
        write("DEBUG", 3, Some(".env"), Some("production")),
        write("DEBUG", 4, Some(".env"), Some("staging")),
        via(
            write("SECRET_KEY", 8, None, Some("production")),
            WriteVia::DockerRunEnv,
        ),
        via(write("SENTRY_DSN", 9, None, None), WriteVia::DockerRunEnv),
    ];
    let chain = Chain::build(
        facts(
            &[("compose.yml", ENV_FILE)],
            writes,
            vec![read("SECRET_KEY", 1, true)],
        ),
        None,
    );
    let keys = target_keys(&chain);
    let of = |name: &str| keys.iter().find(|(t, _)| t == name).map(|(_, k)| k.clone());
    assert_eq!(
        of("production"),
        Some(vec![
            "DEBUG".into(),
            "SECRET_KEY".into(),
            "SENTRY_DSN".into()
        ])
    );
    assert_eq!(
        of("staging"),
        Some(vec!["DEBUG".into(), "SENTRY_DSN".into()])
    );
}

#[test]
fn without_an_app_stage_a_write_for_one_target_sets_the_key_in_that_target_only() {
    let writes = vec![
        write("SECRET_KEY", 3, Some(".env"), Some("production")),
        write("DEBUG", 4, Some(".env"), Some("staging")),
        write("SENTRY_DSN", 5, Some(".env"), None),
    ];
    let chain = Chain::build(facts(&[], writes, vec![read("SECRET_KEY", 1, true)]), None);
    assert!(!chain.deploy.has_app_stage);
    assert_eq!(
        target_keys(&chain),
        [
            (
                "production".to_string(),
                vec!["SECRET_KEY".to_string(), "SENTRY_DSN".to_string()]
            ),
            (
                "staging".to_string(),
                vec!["DEBUG".to_string(), "SENTRY_DSN".to_string()]
            ),
        ]
    );
}

#[test]
fn the_runners_env_reaches_compose_only_where_the_job_starts_compose_on_the_runner() {
    let compose = "services:\n  web:\n    build: .\n    restart: always\n    environment:\n      - SECRET_KEY\n";
    let job = "deploy.yml#deploy";
    let runner_env = EnvWrite {
        remote: false,
        ..via(
            write("SECRET_KEY", 3, None, Some(job)),
            WriteVia::WorkflowEnv,
        )
    };
    let chain_with = |on_runner: Option<bool>, jobs: bool| {
        let mut f = facts(
            &[("compose.yml", compose)],
            vec![runner_env.clone()],
            vec![read("SECRET_KEY", 1, true)],
        );
        if jobs {
            f.jobs = vec![crate::facts::WorkflowJob {
                compose_on_runner: on_runner,
                ..delivering_job(job)
            }];
        }
        Chain::build(f, None)
    };
    let reaches = |chain: &Chain| {
        chain
            .deploy
            .targets
            .iter()
            .any(|t| t.keys.contains_key("SECRET_KEY"))
    };
    assert!(
        reaches(&chain_with(Some(true), true)),
        "compose up on the runner"
    );
    assert!(
        !reaches(&chain_with(Some(false), true)),
        "compose started over ssh"
    );
    assert!(
        reaches(&chain_with(None, false)),
        "no job seen: the runner's env may be compose's"
    );
}
