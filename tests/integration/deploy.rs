//! The deploy stages (`src/collect/{compose,dockerfile,dotenv}.rs`,
//! `src/chain/reach.rs`) and their rules: `restart-policy-missing`,
//! `env-drift`, `undocumented`, `documented-unread`, and `unset-*` saying
//! where the chain breaks.
//!
//! Most run end to end through the workflow and settings collectors too.

use std::collections::BTreeSet;

use crate::common::{check_json, envtrail, findings, findings_with, key_entry};

fn messages_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["message"].as_str())
        .collect()
}

fn keys_of(report: &serde_json::Value, rule: &str) -> BTreeSet<String> {
    findings(report)
        .into_iter()
        .filter(|(r, _)| r == rule)
        .filter_map(|(_, k)| k)
        .collect()
}

#[test]
fn baron_sso_flags_exactly_the_long_running_services() {
    let (report, code) = check_json("baron-sso", &[]);
    assert_eq!(code, 0, "warnings do not fail the default --fail-on error");
    let flagged: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "restart-policy-missing")
        .map(|f| {
            assert!(f["key"].is_null());
            assert_eq!(f["file"], "deploy/staging_pull_compose.template.yaml");
            let msg = f["message"].as_str().unwrap();
            msg.split('`').nth(1).unwrap().to_string()
        })
        .collect();
    let expected: BTreeSet<String> = [
        "backend",
        "userfront",
        "adminfront",
        "orgfront",
        "devfront",
        "kratos",
        "hydra",
        "keto",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(flagged, expected);
    let backend = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("`backend`"))
        .unwrap();
    assert_eq!(backend["line"], 9, "the service's own line");
}

#[test]
fn oneshot_patterns_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yml"),
        "services:\n  seed:\n    image: app\n  kratos-migrate:\n    image: kratos\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("envtrail.toml"),
        "oneshot-services = [\"seed\"]\n",
    )
    .unwrap();
    let out = envtrail()
        .args(["check", dir.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msgs = messages_of(&report, "restart-policy-missing");
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("`kratos-migrate`"),
        "the config replaces the default patterns"
    );
}

#[test]
fn unknown_config_field_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("envtrail.toml"), "app-services = \"web\"\n").unwrap();
    let out = envtrail()
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("app-services"));
}

#[test]
fn bad_globs_exit_2_naming_the_glob() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("envtrail.toml"), "app-service = \"web[\"\n").unwrap();
    let out = envtrail()
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1") && stderr.contains("`web[`"),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let out = envtrail()
        .args(["check", empty.path().to_str().unwrap(), "--settings", "{a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`{a`"), "{stderr}");
}

#[test]
fn compose_variants_drift() {
    let (report, _) = check_json("drift-compose-variants", &[]);
    assert_eq!(
        keys_of(&report, "env-drift"),
        ["FEATURE_FLAGS", "SENTRY_DSN"].map(String::from).into()
    );
    let targets: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["docker-compose.prod.yml", "docker-compose.staging.yml"]
    );
    let sentry = key_entry(&report, "SENTRY_DSN");
    assert_eq!(sentry["targets"]["docker-compose.staging.yml"], true);
    assert_eq!(
        sentry["targets"].get("docker-compose.prod.yml"),
        None,
        "a target that neither sets nor reads the key is left out: env-drift tells it lacks it"
    );
    let vias: BTreeSet<&str> = sentry["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["via"].as_str().unwrap())
        .collect();
    assert_eq!(vias, ["compose-env-file", "dotenv-file"].into());
    let port_vias: Vec<&str> = key_entry(&report, "PORT")["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["via"].as_str().unwrap())
        .collect();
    assert_eq!(port_vias, ["dockerfile-env"]);
    let flags = key_entry(&report, "FEATURE_FLAGS");
    assert_eq!(flags["written"][0]["via"], "compose-environment");
    assert_eq!(flags["written"][0]["source"], "literal");
    let drift = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "env-drift" && f["key"] == "SENTRY_DSN")
        .unwrap();
    assert_eq!(drift["file"], ".envs/.staging/.django");
    assert_eq!(drift["related"][0]["file"], "docker-compose.prod.yml");
}

#[test]
fn committed_env_values_never_print() {
    for format in ["json", "table"] {
        let out = envtrail()
            .args([
                "check",
                "fixtures/drift-compose-variants",
                "--format",
                format,
                "--color",
                "never",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains("do-not-print")
                && !stdout.contains("beta-checkout")
                && !stdout.contains("sentry.example.com"),
            "{stdout}"
        );
    }
}

#[test]
fn table_grows_a_column_per_target() {
    let out = envtrail()
        .args([
            "check",
            "fixtures/drift-compose-variants",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// Each target's column shows its own verdict: production runs
/// EMAIL_HOST_PASSWORD on the code's default, staging sets it.
#[test]
fn markdown_matrix_shows_each_targets_verdict() {
    let out = envtrail()
        .args(["check", "fixtures/drift-targets", "--format", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let matrix = text
        .split("<details><summary>Key × stage matrix")
        .nth(1)
        .expect("a matrix");
    insta::assert_snapshot!(matrix);
}

#[test]
fn documented_unread() {
    let (report, _) = check_json("dotenv-documented", &[]);
    assert!(keys_of(&report, "documented-unread").contains("LEGACY_FLAG"));
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "LEGACY_FLAG")
        .unwrap();
    assert_eq!(
        (
            f["file"].as_str(),
            f["line"].as_u64(),
            f["severity"].as_str()
        ),
        (Some(".env.example"), Some(4), Some("note"))
    );
    assert!(!report.to_string().contains("password@localhost"));
}

#[test]
fn undocumented_and_documented_unread_end_to_end() {
    let (report, _) = check_json("dotenv-documented", &[]);
    assert_eq!(
        keys_of(&report, "undocumented"),
        ["SENTRY_URL".to_string()].into()
    );
    assert_eq!(
        keys_of(&report, "documented-unread"),
        ["LEGACY_FLAG".to_string()].into()
    );
}

#[test]
fn workflow_targets_drift() {
    let (report, _) = check_json("drift-targets", &[]);
    assert_eq!(
        keys_of(&report, "env-drift"),
        ["EMAIL_HOST_PASSWORD", "S3_UPLOAD_BUCKET"]
            .map(String::from)
            .into()
    );
    for msg in messages_of(&report, "env-drift") {
        assert!(
            msg.contains("staging") && msg.contains("production"),
            "{msg}"
        );
    }
    for f in report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-drift")
    {
        assert_eq!(
            f["file"], ".github/workflows/deploy-staging.yml",
            "where the staging target sets it"
        );
        assert_eq!(
            f["related"][0]["file"],
            ".github/workflows/deploy-production.yml"
        );
    }
    let bucket = key_entry(&report, "S3_UPLOAD_BUCKET");
    let targets = bucket["targets"].as_object().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets.values().filter(|v| **v == true).count(), 1);
    assert!(
        bucket["written"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["via"] == "compose-env-file")
    );
    assert!(keys_of(&report, "unset-required").is_empty());
}

#[test]
fn environment_list_omits_a_written_key() {
    let (report, _) = check_json("compose-environment-omits", &[]);
    assert_eq!(
        keys_of(&report, "unset-defaulted"),
        ["S3_UPLOAD_BUCKET".to_string()].into()
    );
    let msg = messages_of(&report, "unset-defaulted")[0];
    assert!(
        msg.contains("S3_UPLOAD_BUCKET is written to .env by .github/workflows/deploy.yml:18"),
        "{msg}"
    );
    assert!(msg.contains("service `api` passes only its `environment:` list (docker-compose.yml:9), which omits S3_UPLOAD_BUCKET"), "{msg}");
    assert!(
        keys_of(&report, "unset-required").is_empty(),
        "SECRET_KEY and DATABASE_URL get through"
    );
    assert!(keys_of(&report, "written-unread").is_empty());
}

#[test]
fn env_file_naming_another_file() {
    let (report, code) = check_json("compose-env-file-broken", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        keys_of(&report, "unset-required"),
        ["DATABASE_URL", "SECRET_KEY"].map(String::from).into()
    );
    for msg in messages_of(&report, "unset-required") {
        assert!(
            msg.contains("written to .env by .github/workflows/deploy.yml:"),
            "{msg}"
        );
        assert!(
            msg.contains("takes env_file ../.env.docker (deploy/docker-compose.yml:6)"),
            "{msg}"
        );
    }
}

#[test]
fn kubernetes_folders_are_targets() {
    let (report, _) = check_json("k8s-secret-env", &[]);
    assert_eq!(
        keys_of(&report, "env-drift"),
        ["FEATURE_PREVIEW", "SECRET_KEY"].map(String::from).into()
    );
    let secret = key_entry(&report, "SECRET_KEY");
    assert_eq!(secret["targets"]["k8s/staging"], true);
    assert_eq!(
        secret["targets"].get("k8s/production"),
        None,
        "the production Secret has no SECRET_KEY and nothing there reads it: left out"
    );
    assert_eq!(secret["written"][0]["via"], "kubernetes");
    let flag = key_entry(&report, "FEATURE_PREVIEW");
    assert_eq!(
        (
            flag["written"][0]["file"].as_str(),
            flag["written"][0]["line"].as_u64()
        ),
        (Some("k8s/staging/config.yaml"), Some(7))
    );
    assert!(!report.to_string().contains("do-not-print"));
}

#[test]
fn gcloud_run_deploy_sets_the_services_env() {
    let (report, code) = check_json("deploy-cloud-run", &[]);
    assert_eq!(
        findings(&report),
        [(
            "unset-required".to_string(),
            Some("SENTRY_TRACES_RATE".to_string())
        )]
    );
    assert_eq!(code, 1);
    let db = key_entry(&report, "DATABASE_URL");
    assert_eq!(db["written"][0]["via"], "cloud-run");
    assert_eq!(db["written"][0]["source"], "secrets.DATABASE_URL");
    assert_eq!(db["written"][0]["file"], ".github/workflows/deploy.yml");
    // --update-secrets names a Secret Manager secret: its source is unknown.
    assert_eq!(
        key_entry(&report, "SECRET_KEY")["written"][0]["source"],
        "unknown"
    );
}

#[test]
fn kubectl_secret_from_the_workflows_env_file_reaches_the_pod() {
    let (report, code) = check_json("deploy-kubectl-secret", &[]);
    assert_eq!(
        findings(&report),
        [("unset-required".to_string(), Some("REDIS_URL".to_string()))]
    );
    assert_eq!(code, 1);
    let vias: Vec<&str> = key_entry(&report, "SECRET_KEY")["written"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["via"].as_str())
        .collect();
    assert_eq!(vias, ["dotenv-echo", "kubernetes"]);
}

/// A key the app requires that production's deploy forgets, while staging
/// writes it, fails production at boot: an error naming the target, not a
/// drift warning. The staging workflow's test job is no deploy target.
#[test]
fn required_key_missing_in_one_target_is_unset_required_for_that_target() {
    let (report, code) = check_json("drift-required-target", &[]);
    assert_eq!(code, 1);
    let errors: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let f = errors[0];
    assert_eq!(f["rule"], "unset-required");
    assert_eq!(f["key"], "SENTRY_DSN");
    assert_eq!(f["confidence"], "high");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("deploy target production does not set it"),
        "{message}"
    );
    assert!(message.contains("reaches the app in staging"), "{message}");
    // The defaulted key stays a drift warning; the required one is not one too.
    assert_eq!(
        keys_of(&report, "env-drift"),
        ["EMAIL_HOST_PASSWORD".to_string()].into()
    );
    let targets: Vec<_> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(targets, ["production", "staging"]);
}

/// `deploy-targets` in envtrail.toml says which jobs deliver the app: only
/// those are targets, whatever envtrail infers.
#[test]
fn configured_deploy_targets_replace_the_inferred_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envtrail.toml");
    std::fs::write(&config, "deploy-targets = [\"staging\"]\n").unwrap();
    let (report, _) = check_json(
        "drift-required-target",
        &["--config", config.to_str().unwrap()],
    );
    let targets: Vec<_> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(targets, ["staging"]);
    // With production not a target, nothing is missing anywhere.
    assert!(
        keys_of(&report, "unset-required").is_empty(),
        "{:?}",
        findings(&report)
    );
}

/// The worker runs the same settings as the web service and its
/// `environment:` list drops SECRET_KEY: it fails at boot, an error naming
/// that service, though the key reaches the app through `web`.
#[test]
fn required_key_dropped_by_one_app_service_is_unset_required_for_that_service() {
    let (report, code) = check_json("compose-service-drops-key", &[]);
    assert_eq!(code, 1);
    let errors: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["rule"], "unset-required");
    assert_eq!(errors[0]["key"], "SECRET_KEY");
    assert_eq!(errors[0]["line"], 3);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("compose service `worker`"), "{message}");
    assert_eq!(errors[0]["related"][0]["line"], 7);
    // DATABASE_URL, which the worker passes through, is no finding.
    assert!(!keys_of(&report, "unset-required").contains("DATABASE_URL"));
}

/// `$GITHUB_ENV` and `env:` maps are the runner's: compose started over ssh
/// on the host never sees them, so the passthrough of SENTRY_DSN is unset.
#[test]
fn runner_env_does_not_reach_compose_started_on_the_host() {
    let (report, code) = check_json("write-runner-env-remote-compose", &[]);
    assert_eq!(code, 1, "{:?}", findings(&report));
    assert_eq!(
        keys_of(&report, "unset-required"),
        ["SENTRY_DSN".to_string()].into()
    );
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unset-required")
        .unwrap();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("passes SENTRY_DSN from the host"),
        "{f}"
    );
}

/// `infra/*.tf` defines the ECS task definition through `jsonencode`:
/// every stage is visible, so the one key it lacks is a certain error, and
/// the nginx sidecar is not the app.
#[test]
fn terraform_ecs_task_definition_sets_the_containers_env() {
    let (report, code) = check_json("deploy-terraform-ecs", &[]);
    assert_eq!(
        findings(&report),
        [(
            "unset-required".to_string(),
            Some("STRIPE_API_KEY".to_string())
        )]
    );
    assert_eq!(code, 1);
    let secret = &key_entry(&report, "SECRET_KEY")["written"][0];
    assert_eq!(
        (
            &secret["via"],
            &secret["file"],
            &secret["line"],
            &secret["source"]
        ),
        (
            &"terraform".into(),
            &"infra/task.tf".into(),
            &23.into(),
            &"unknown".into()
        )
    );
    let hosts = &key_entry(&report, "ALLOWED_HOSTS")["written"][0];
    assert_eq!(
        (&hosts["line"], &hosts["source"]),
        (&3.into(), &"literal".into())
    );
}

#[test]
fn terraform_ecs_table_snapshot() {
    let out = envtrail()
        .args(["check", "fixtures/deploy-terraform-ecs"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn terraform_ecs_json_snapshot() {
    let (report, _) = check_json("deploy-terraform-ecs", &[]);
    insta::assert_json_snapshot!(report);
}

/// A Python Lambda's `environment.variables`, merged from a local map: a key
/// it lacks is an error even though a workflow runs `terraform apply`,
/// since envtrail reads the Terraform it applies.
#[test]
fn terraform_lambda_variables_reach_the_function() {
    let (report, code) = check_json("deploy-terraform-lambda", &[]);
    assert_eq!(
        findings(&report),
        [(
            "unset-required".to_string(),
            Some("PAYMENTS_API_URL".to_string())
        )]
    );
    assert_eq!(code, 1);
    let rate = &key_entry(&report, "SENTRY_TRACES_RATE")["written"][0];
    assert_eq!(
        (&rate["file"], &rate["line"]),
        (&"terraform/lambda.tf".into(), &3.into())
    );
}

/// `app_settings = merge({...}, var.app_settings)`: the map from a variable
/// may set any key, so a key the literal part lacks is unknown, and the
/// note names the map.
#[test]
fn terraform_env_from_a_variable_map_is_unknown_not_unset() {
    let (report, code) = check_json("deploy-terraform-unseen-map", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        findings(&report),
        [(
            "reach-unknown".to_string(),
            Some("DATABASE_URL".to_string())
        )]
    );
    let message = messages_of(&report, "reach-unknown")[0];
    assert!(
        message.contains("the map var.app_settings of the Azure web app acme-api"),
        "{message}"
    );
}

#[test]
fn terraform_unseen_map_table_snapshot() {
    let out = envtrail()
        .args(["check", "fixtures/deploy-terraform-unseen-map"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// A task-definition JSON file and the render step's inputs both set the
/// container's keys; the render and deploy actions are no unseen stage
/// once the task definition is in the repository.
#[test]
fn ecs_task_definition_json_and_render_step() {
    let (report, code) = check_json("deploy-ecs-task-json", &[]);
    assert_eq!(
        findings(&report),
        [(
            "unset-required".to_string(),
            Some("FEATURE_FLAGS_URL".to_string())
        )]
    );
    assert_eq!(code, 1);
    let via_of = |key: &str| {
        let w = &key_entry(&report, key)["written"][0];
        (w["via"].clone(), w["file"].clone(), w["source"].clone())
    };
    assert_eq!(
        via_of("DATABASE_URL"),
        (
            "ecs-task-definition".into(),
            ".aws/task-definition.json".into(),
            "unknown".into()
        )
    );
    assert_eq!(
        via_of("RELEASE"),
        (
            "ecs-task-definition".into(),
            ".github/workflows/deploy.yml".into(),
            "github.sha".into()
        )
    );
    assert_eq!(via_of("STRIPE_SECRET_KEY").2, "unknown");
}

#[test]
fn ecs_task_json_table_snapshot() {
    let out = envtrail()
        .args(["check", "fixtures/deploy-ecs-task-json"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn ecs_task_json_json_snapshot() {
    let (report, _) = check_json("deploy-ecs-task-json", &[]);
    insta::assert_json_snapshot!(report);
}

/// A one-line workflow step running `scripts/deploy.sh`, which picks its
/// compose files in a shell array by environment: the production overlay's
/// project is what gets judged, its image-only service runs the code the
/// development overlay builds, and what it lacks is said.
#[test]
fn a_deploy_script_s_compose_arrays_are_the_deployed_project() {
    let (report, code) = check_json("deploy-script-compose-arrays", &[]);
    assert_eq!(code, 0, "a warning does not fail --fail-on error");
    let warned: Vec<_> = findings_with(&report, "unset-defaulted", "severity")
        .into_iter()
        .filter(|(_, _, severity)| severity == "warning")
        .collect();
    assert_eq!(
        warned,
        [(
            "services/api/main.py".to_string(),
            11,
            "warning".to_string()
        )],
        "DEPLOYMENT_ENV: the development overlay sets it, production does not"
    );
    // Set by the base file of the same project, and with compose's own default.
    assert!(keys_of(&report, "reach-unknown").is_empty());
    assert_eq!(key_entry(&report, "LOG_LEVEL")["reach"], "set");
    let written: Vec<&str> = key_entry(&report, "LOG_LEVEL")["written"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["file"].as_str())
        .collect();
    assert_eq!(
        written,
        ["docker/environments/production/docker-compose.yml"],
        "the production overlay's LOG_LEVEL, not the development one's"
    );
}

#[test]
fn deploy_script_compose_arrays_table_snapshot() {
    let out = envtrail()
        .args(["check", "fixtures/deploy-script-compose-arrays"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// The deployed compose project runs only an image envtrail cannot tie to
/// the code (built by a matrix job, named by a metadata action): which
/// container runs `app/` is not in view, so a required key nothing sets is
/// unknown there, never an error.
#[test]
fn code_no_deployed_service_is_tied_to_is_unknown_not_unset() {
    let (report, code) = check_json("unknown-image-only-deploy", &[]);
    assert_eq!(
        code, 0,
        "no error: the image's link to the code is not visible"
    );
    assert!(keys_of(&report, "unset-required").is_empty());
    let notes = findings_with(&report, "reach-unknown", "severity");
    assert_eq!(
        notes,
        [("app/main.py".to_string(), 6, "note".to_string())],
        "SECRET_KEY, with the stage named"
    );
    let stages: Vec<&str> = report["opaque_stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert!(stages.contains(&"undeployed-code"), "{stages:?}");
}
