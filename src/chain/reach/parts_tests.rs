//! Unit tests of the reach module's own small parts: environment words,
//! how a target's stages settle, which service runs which code, and which
//! writes go straight into the app's process. The chain-level behaviour is
//! in `tests.rs`.

use super::tests::{WF, delivering_job, facts, read, via, write};
use super::*;
use crate::chain::Chain;
use crate::facts::{EnvRead, OpaqueKind, ReadVia, Source};

#[test]
fn each_environment_word_has_its_canonical_name() {
    let words = [
        ("prod", "production"),
        ("production", "production"),
        ("prd", "production"),
        ("live", "production"),
        ("staging", "staging"),
        ("stage", "staging"),
        ("stg", "staging"),
        ("dev", "development"),
        ("develop", "development"),
        ("development", "development"),
        ("local", "development"),
        ("test", "test"),
        ("testing", "test"),
        ("ci", "test"),
        ("e2e", "test"),
        ("qa", "qa"),
        ("uat", "uat"),
        ("preview", "preview"),
        ("demo", "demo"),
        ("sandbox", "sandbox"),
    ];
    for (word, canonical) in words {
        let name = format!("Deploy-{}.yml", word.to_ascii_uppercase());
        assert_eq!(env_tokens(&name), BTreeSet::from([canonical]), "{name}");
    }
    assert!(env_tokens("deploy-web.yml").is_empty());
    assert_eq!(
        env_tokens("compose.prod_staging"),
        BTreeSet::from(["production", "staging"])
    );
}

fn opaque_at(row: u32) -> OpaqueStage {
    OpaqueStage {
        kind: OpaqueKind::UnseenDeploy,
        location: Location::new(WF, row, 0),
        scope: String::new(),
    }
}

fn defaulted_at(row: u32) -> Defaulted {
    Defaulted {
        location: Location::new("compose.yml", row, 0),
        host_key: "SENTRY_DSN".into(),
        default_empty: false,
    }
}

fn break_at(row: u32) -> Break {
    Break {
        location: Location::new("compose.yml", row, 0),
        kind: BreakKind::PassthroughUnset {
            service: "web".into(),
        },
        related: Vec::new(),
    }
}

fn rows<'a>(locations: impl IntoIterator<Item = &'a Location>) -> Vec<u32> {
    locations.into_iter().map(|l| l.row).collect()
}

#[test]
fn a_target_keeps_one_sorted_copy_of_each_stage_its_services_report() {
    let mut t = Target::new("deploy", Location::new(WF, 1, 0));
    t.opaque = vec![opaque_at(9), opaque_at(3), opaque_at(9)];
    t.defaulted.insert(
        "SENTRY_DSN".into(),
        vec![defaulted_at(7), defaulted_at(2), defaulted_at(7)],
    );
    t.breaks.insert(
        "SENTRY_DSN".into(),
        vec![break_at(5), break_at(1), break_at(5)],
    );
    t.settle();
    assert_eq!(rows(t.opaque.iter().map(|o| &o.location)), [3, 9]);
    assert_eq!(
        rows(t.defaulted["SENTRY_DSN"].iter().map(|d| &d.location)),
        [2, 7]
    );
    assert_eq!(
        rows(t.breaks["SENTRY_DSN"].iter().map(|b| &b.location)),
        [1, 5]
    );
}

#[test]
fn the_deploy_gathers_one_sorted_copy_of_what_its_targets_report() {
    let mut deploy = Deploy::default();
    for (name, rows) in [("staging", [9, 3]), ("production", [3, 12])] {
        let mut t = Target::new(name, Location::new(WF, 1, 0));
        t.opaque = rows.iter().map(|r| opaque_at(*r)).collect();
        t.defaulted.insert(
            "SENTRY_DSN".into(),
            rows.iter().map(|r| defaulted_at(*r)).collect(),
        );
        t.breaks.insert(
            "SENTRY_DSN".into(),
            rows.iter().map(|r| break_at(*r)).collect(),
        );
        deploy.targets.push(t);
    }
    deploy.gather_from_targets();
    assert_eq!(rows(deploy.opaque.iter().map(|o| &o.location)), [3, 9, 12]);
    assert_eq!(
        rows(deploy.defaulted["SENTRY_DSN"].iter().map(|d| &d.location)),
        [3, 9, 12]
    );
    assert_eq!(
        rows(deploy.breaks["SENTRY_DSN"].iter().map(|b| &b.location)),
        [3, 9, 12]
    );
}

fn service(build_context: Option<&str>) -> ServiceReach {
    ServiceReach {
        file: "compose.yml".into(),
        name: "web".into(),
        location: Location::new("compose.yml", 2, 2),
        build_context: build_context.map(str::to_string),
        keys: BTreeSet::new(),
        visible: true,
    }
}

#[test]
fn a_service_runs_the_code_of_the_folder_it_is_built_from() {
    assert!(service(Some(".")).runs_code_in("app/settings.py"));
    assert!(service(Some("backend")).runs_code_in("backend/app/settings.py"));
    assert!(!service(Some("backend")).runs_code_in("frontend/settings.py"));
    assert!(!service(Some("backend")).runs_code_in("backend2/settings.py"));
    // An image-only service runs no code of the repository's.
    assert!(!service(None).runs_code_in("app/settings.py"));
}

/// A deploy of two compose stacks, `api/` and `billing/`, and one target
/// whose job wrote STRIPE_API_KEY into api's `.env` only.
fn monorepo() -> (Deploy, Target) {
    let deploy = Deploy {
        app_services: BTreeSet::from([
            ("api/compose.yml".to_string(), "web".to_string()),
            ("billing/compose.yml".to_string(), "web".to_string()),
        ]),
        ..Deploy::default()
    };
    let mut t = Target::new("deploy", Location::new(WF, 1, 0));
    t.keys
        .insert("STRIPE_API_KEY".into(), Location::new(WF, 12, 0));
    t.arrived_in
        .insert("STRIPE_API_KEY".into(), BTreeSet::from(["api".to_string()]));
    (deploy, t)
}

#[test]
fn a_key_reaches_only_the_code_of_the_service_it_arrives_in() {
    let (deploy, t) = monorepo();
    assert!(deploy.reaches_code_in_target(&t, "STRIPE_API_KEY", "api/app/settings.py"));
    assert!(!deploy.reaches_code_in_target(&t, "STRIPE_API_KEY", "billing/app/settings.py"));
    assert!(!deploy.reaches_code_in_target(&t, "SENTRY_DSN", "api/app/settings.py"));
}

#[test]
fn with_one_app_service_at_the_root_a_key_reaches_all_the_code() {
    let (mut deploy, t) = monorepo();
    deploy.app_services = BTreeSet::from([("compose.yml".to_string(), "web".to_string())]);
    // The key arrived in api/ only, but the root service runs every folder.
    assert!(deploy.reaches_code_in_target(&t, "STRIPE_API_KEY", "billing/app/settings.py"));
}

#[test]
fn code_outside_every_app_services_folder_takes_the_key_from_any_of_them() {
    let (deploy, t) = monorepo();
    assert!(deploy.reaches_code_in_target(&t, "STRIPE_API_KEY", "shared/settings.py"));
}

#[test]
fn platform_and_runtime_writes_go_straight_into_the_app() {
    let direct = [
        WriteVia::DockerRunEnv,
        WriteVia::CloudRun,
        WriteVia::Kubernetes,
        WriteVia::EcsTaskDefinition,
        WriteVia::Fly,
        WriteVia::Heroku,
        WriteVia::CloudFoundry,
        WriteVia::Helm,
    ];
    for via in direct {
        assert!(is_direct(via), "{via:?}");
    }
    for via in [
        WriteVia::DotenvEcho,
        WriteVia::ComposeEnvFile,
        WriteVia::GithubEnv,
        WriteVia::DockerfileEnv,
    ] {
        assert!(!is_direct(via), "{via:?}");
    }
}

fn write_via(kind: WriteVia) -> EnvWrite {
    EnvWrite {
        remote: false,
        ..via(
            write("SECRET_KEY", 20, None, Some("deploy.yml#deploy")),
            kind,
        )
    }
}

fn chain_of(writes: Vec<EnvWrite>) -> Chain {
    Chain::build(facts(&[], writes, vec![read("SECRET_KEY", 3, false)]), None)
}

#[test]
fn docker_run_alone_is_no_app_stage_and_a_platform_write_is() {
    // `docker run -e` names the key but not which image runs the app.
    assert!(
        !chain_of(vec![write_via(WriteVia::DockerRunEnv)])
            .deploy
            .has_app_stage
    );
    assert!(
        chain_of(vec![write_via(WriteVia::CloudRun)])
            .deploy
            .has_app_stage
    );
}

#[test]
fn the_configs_one_shot_services_are_the_deploys() {
    let config = Config::parse("oneshot-services = [\"seed\"]\n").expect("valid config");
    let chain = Chain::build_with(Facts::default(), None, &config);
    assert_eq!(chain.deploy.oneshot_patterns.patterns(), ["seed"]);
}

#[test]
fn a_targets_key_verdict_is_the_read_it_judged() {
    let mut t = Target::new("deploy", Location::new(WF, 1, 0));
    assert!(t.key_verdict("SECRET_KEY").is_none());
    let chain = chain_of(vec![write_via(WriteVia::CloudRun)]);
    let judged = chain.deploy.targets[0]
        .key_verdict("SECRET_KEY")
        .expect("the target judges the key the app reads");
    assert_eq!(judged.read.location.row, 3);
    t.verdicts.insert("SECRET_KEY".into(), judged.clone());
    assert_eq!(t.key_verdict("SECRET_KEY"), Some(judged));
}

#[test]
fn the_example_env_files_are_those_beside_the_apps_code() {
    let mut f = Facts::default();
    for (file, consumer) in [
        ("backend/app/settings.py", Consumer::App),
        ("scripts/seed.py", Consumer::Script),
    ] {
        f.reads.push(EnvRead::new(
            Some("SECRET_KEY".into()),
            Location::new(file, 3, 0),
            ReadVia::OsEnviron,
            consumer,
        ));
    }
    for file in [
        "backend/.env.example",
        "scripts/.env.example",
        ".env.example",
    ] {
        f.dotenv_files.push(crate::facts::DotenvFile {
            file: file.into(),
            example: true,
            keys: Vec::new(),
        });
    }
    let files: Vec<String> = examples(&f).into_iter().map(|e| e.file).collect();
    // A script's folder is not the app's: its example describes the script.
    assert_eq!(files, ["backend/.env.example", ".env.example"]);
}

fn host_write(key: &str, sink: Option<&str>, target: Option<&str>, remote: bool) -> EnvWrite {
    EnvWrite {
        remote,
        ..write(key, 30, sink, target)
    }
}

#[test]
fn a_test_jobs_writes_reach_no_deploy_host() {
    let writes = [
        host_write("SECRET_KEY", Some(".env"), Some("ci.yml#test"), false),
        host_write("SENTRY_DSN", Some(".env"), Some("deploy.yml#deploy"), false),
    ];
    let tests = BTreeSet::from(["ci.yml#test"]);
    let host = host::HostEnv::excluding(&writes, None, true, &tests);
    assert_eq!(host.has("", "SECRET_KEY", None), None);
    assert!(host.has("", "SENTRY_DSN", None).is_some());
}

#[test]
fn without_the_runners_env_a_file_written_or_a_key_exported_on_the_host_still_reaches_it() {
    let writes = [
        host_write("SECRET_KEY", Some(".env"), None, false),
        host_write("SENTRY_DSN", None, None, true),
        host_write("DEBUG", None, None, false),
    ];
    let host = host::HostEnv::new(&writes, None, false);
    assert!(
        host.has("", "SECRET_KEY", None).is_some(),
        "a file on the runner"
    );
    assert!(
        host.has("", "SENTRY_DSN", None).is_some(),
        "exported over ssh"
    );
    // Only the runner's own env: compose on the deploy host never sees it.
    assert_eq!(host.has("", "DEBUG", None), None);
}

#[test]
fn a_docker_run_env_goes_into_its_container_not_into_the_hosts_env() {
    let mut docker_run = host_write("SECRET_KEY", None, None, true);
    docker_run.via = WriteVia::DockerRunEnv;
    let host = host::HostEnv::new(std::slice::from_ref(&docker_run), None, true);
    assert_eq!(host.has("", "SECRET_KEY", None), None);
}

#[test]
fn a_host_keys_origin_is_the_line_that_writes_it() {
    let mut writes = [
        host_write("SECRET_KEY", Some(".env"), None, true),
        host_write("SENTRY_DSN", Some(".env"), None, true),
        host_write("DEBUG", None, None, true),
    ];
    for (i, w) in writes.iter_mut().enumerate() {
        w.location.row = 30 + i as u32;
    }
    let host = host::HostEnv::new(&writes, None, true);
    let row = |key: &str| host.origin("", key).map(|l| l.row);
    assert_eq!(row("SENTRY_DSN"), Some(31));
    assert_eq!(row("SECRET_KEY"), Some(30));
    assert_eq!(row("DEBUG"), Some(32));
    assert_eq!(row("REDIS_URL"), None);
}

#[test]
fn a_committed_project_dotenv_gives_only_its_own_keys() {
    let host = host::HostEnv::new(&[], None, true);
    let dotenv = crate::facts::DotenvFile {
        file: ".env".into(),
        example: false,
        keys: vec![crate::facts::DotenvKey {
            key: "DEBUG".into(),
            location: Location::new(".env", 1, 0),
            empty: false,
        }],
    };
    assert_eq!(host.has("", "DEBUG", Some(&dotenv)), Some(Source::Literal));
    assert_eq!(host.has("", "SECRET_KEY", Some(&dotenv)), None);
}

#[test]
fn a_runner_file_is_its_services_and_a_host_file_is_matched_by_name() {
    let writes = [
        host_write("SECRET_KEY", Some("services/api/.env"), None, false),
        // Over ssh the path is the host's, not the repository's.
        host_write("SENTRY_DSN", Some("app/.env"), None, true),
    ];
    let host = host::HostEnv::new(&writes, None, true);
    let keys = |dir: &str| -> Vec<String> {
        host.file_writes(dir, ".env")
            .map(|w| w.key.clone())
            .collect()
    };
    assert_eq!(keys("services/api"), ["SECRET_KEY", "SENTRY_DSN"]);
    assert_eq!(keys("services/billing"), ["SENTRY_DSN"]);
}

#[test]
fn a_deploy_write_is_identified_by_its_key_place_and_kind_alone() {
    use std::cmp::Ordering;
    let first = targets::DeployWrite(write_via(WriteVia::ComposeEnvFile));
    // Another target arriving at the same write, from another source.
    let mut again = write_via(WriteVia::ComposeEnvFile);
    again.source = Source::Literal;
    let again = targets::DeployWrite(again);
    assert!(first == again);
    assert_eq!(first.partial_cmp(&again), Some(Ordering::Equal));
    let mut later = write_via(WriteVia::ComposeEnvFile);
    later.location.row += 1;
    let later = targets::DeployWrite(later);
    assert!(first != later);
    assert_eq!(first.partial_cmp(&later), Some(Ordering::Less));
    assert!(first != targets::DeployWrite(write_via(WriteVia::ComposeEnvironment)));
}

#[test]
fn a_target_whose_every_job_runs_tests_and_delivers_nothing_is_a_test_environment() {
    let job = |target: &str, tests: bool, delivers: bool| crate::facts::WorkflowJob {
        delivers,
        tests,
        ..delivering_job(target)
    };
    let f = Facts {
        jobs: vec![
            job("ci.yml#test", true, false),
            job("ci.yml#lint", false, false),
            job("deploy.yml#e2e", true, false),
            job("deploy.yml#e2e", false, true),
            job("release.yml#smoke", true, true),
        ],
        ..Facts::default()
    };
    let tests = targets::test_environments(&f, &Config::default());
    assert_eq!(tests, BTreeSet::from(["ci.yml#test"]));
}
