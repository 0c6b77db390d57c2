//! The false-positive classes measured on the real-world corpus (ACCURACY.md),
//! each reproduced by a small fixture `fixtures/fp-<class>`. A test asserts
//! what a maintainer of such a repository expects; those the model does not
//! meet yet are `#[ignore]`d with the class name until the issue that fixes
//! them lands (`cargo test -- --ignored` shows them failing).

use crate::common::{check_json, findings, key_entry};

/// `(rule, key)` of every finding at `severity`.
fn at(report: &serde_json::Value, severity: &str) -> Vec<(String, Option<String>)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == severity)
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["key"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// The `reach-unknown` note on `key`, which must name `stage` (a word of its message).
fn assert_unknown(report: &serde_json::Value, key: &str, stage: &str) {
    let note = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "reach-unknown" && f["key"] == key)
        .unwrap_or_else(|| panic!("no reach-unknown note on {key}: {:?}", findings(report)));
    assert_eq!(note["severity"], "note");
    assert_eq!(note["confidence"], "low");
    let message = note["message"].as_str().unwrap_or_default();
    assert!(message.contains(stage), "{key}: {message}");
    assert!(
        note["tip"].as_str().is_some_and(|t| !t.is_empty()),
        "what would make it visible"
    );
}

/// No finding of `rule` at all.
fn no_finding_of(report: &serde_json::Value, rule: &str) {
    let hits: Vec<_> = findings(report)
        .into_iter()
        .filter(|(r, _)| r == rule)
        .collect();
    assert!(hits.is_empty(), "{rule}: {:?}", findings(report));
}

/// Keys no finding of the unset family reports.
fn no_unset_family(report: &serde_json::Value, key: &str) {
    let hit: Vec<_> = findings(report)
        .into_iter()
        .filter(|(rule, k)| {
            k.as_deref() == Some(key)
                && matches!(
                    rule.as_str(),
                    "unset-required" | "unset-defaulted" | "secret-unwritten"
                )
        })
        .collect();
    assert!(hit.is_empty(), "{key}: {hit:?}");
}

#[test]
fn opaque_infra_terraform_makes_keys_unknown_not_unset() {
    let (report, code) = check_json("fp-opaque-infra", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(at(&report, "error").is_empty());
    for key in ["DATABASE_URL", "SECRET_KEY"] {
        no_unset_family(&report, key);
        assert_unknown(&report, key, "Terraform");
    }
}

#[test]
fn opaque_host_env_file_makes_keys_unknown_not_unset() {
    let (report, code) = check_json("fp-opaque-host-env-file", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "SECRET_KEY");
    assert_unknown(&report, "SECRET_KEY", ".env.prod");
}

#[test]
fn app_dotenv_load_of_an_unseen_file_is_unknown_not_unset() {
    let (report, code) = check_json("fp-app-dotenv-load", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "DATABASE_URL");
    assert_unknown(&report, "DATABASE_URL", "loading of .env");
}

#[test]
fn remote_reusable_workflow_makes_keys_unknown_not_unset() {
    let (report, code) = check_json("fp-remote-reusable-workflow", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "DATABASE_URL");
    // The note names the most specific unseen stage (the env_file nobody
    // envtrail sees writes); the remote workflow is among the opaque stages.
    assert_unknown(&report, "DATABASE_URL", "the env file .env");
    let stages = report["opaque_stages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        stages.iter().any(|s| s["kind"] == "remote-workflow"
            && s["file"] == ".github/workflows/deploy.yml"
            && s["line"] == 5),
        "{stages:?}"
    );
}

#[test]
fn external_secret_store_makes_keys_unknown_not_unset() {
    let (report, code) = check_json("fp-external-secret-store", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "DATABASE_URL");
    assert_unknown(&report, "DATABASE_URL", "Secret web-env");
}

#[test]
fn read_misparsed_wrapper_with_a_missing_key_guard_is_not_required() {
    let (report, code) = check_json("fp-read-misparsed", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(at(&report, "error").is_empty());
    // The helper falls back to the caller's 4: nothing sets it, so a warning.
    assert!(findings(&report).contains(&("unset-defaulted".into(), Some("APP_WORKERS".into()))));
}

#[test]
fn guarded_read_inside_a_membership_test_or_keyerror_handler_is_not_required() {
    let (report, code) = check_json("fp-guarded-read", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(at(&report, "error").is_empty(), "{:?}", findings(&report));
    // Each read runs only when a key nothing sets is set: no finding at all.
    for key in [
        "SENTRY_DSN",
        "PROXY_SSL_HEADER",
        "MAILGUN_API_KEY",
        "STRIPE_SECRET",
        "DB_USER",
        "DB_NAME",
        "AWS_ACCESS_KEY_ID",
        "INTERNAL_IPS",
    ] {
        no_unset_family(&report, key);
    }
    // The KeyError is caught: a read with a fallback, at most a warning.
    assert!(
        !at(&report, "error")
            .iter()
            .any(|(_, k)| k.as_deref() == Some("REDIS_URL"))
    );
}

#[test]
fn guarded_read_whose_guard_key_is_set_is_still_required() {
    // The deploy writes MAIL_ENABLED, so the branch runs and MAIL_PASSWORD is missing.
    let (report, code) = check_json("read-guard-set", &[]);
    assert_eq!(code, 1, "{:?}", findings(&report));
    assert!(
        at(&report, "error").contains(&("unset-required".into(), Some("MAIL_PASSWORD".into()))),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn guarded_read_whose_guard_needs_a_key_the_deploy_visibly_lacks_is_still_required() {
    // `if "SQLITE_PATH" not in os.environ:` holds on the host, where nothing
    // sets SQLITE_PATH: DATABASE_PASSWORD is required there and missing.
    let (report, code) = check_json("read-guard-unset", &[]);
    assert_eq!(code, 1, "{:?}", findings(&report));
    assert!(
        at(&report, "error").contains(&("unset-required".into(), Some("DATABASE_PASSWORD".into()))),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn not_the_app_tests_and_ci_helpers_are_not_audited_against_the_deploy() {
    let (report, code) = check_json("fp-not-the-app", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "TEST_API_TOKEN");
    no_unset_family(&report, "SLACK_WEBHOOK");
}

#[test]
fn not_the_app_a_module_the_app_imports_two_hops_away_is_still_the_app() {
    // wsgi -> shop.startup -> shop/scripts/warmup.py: under `scripts/`, but
    // imported at start-up, so its required read is the app's.
    let (report, code) = check_json("app-imports-two-hops", &[]);
    assert_eq!(code, 1, "{:?}", findings(&report));
    let required: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unset-required" && f["key"] == "PAYMENT_API_KEY")
        .collect();
    assert_eq!(required.len(), 1, "{:?}", findings(&report));
    assert_eq!(required[0]["severity"], "error");
    assert_eq!(required[0]["file"], "shop/scripts/warmup.py");
    // The test's own key is not audited against the deploy.
    no_unset_family(&report, "SANDBOX_TOKEN");
    let entry = &report["entry_points"];
    assert!(
        entry
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "gunicorn shop.wsgi" && e["file"] == "Dockerfile"),
        "{entry:?}"
    );
}

#[test]
fn not_the_app_entry_points_named_in_the_config_when_none_is_inferred() {
    // Nothing in the repository says how the app starts; envtrail.toml does.
    let (report, code) = check_json("entry-points-config", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "E2E_TOKEN");
    let entry = report["entry_points"].as_array().unwrap();
    assert_eq!(entry.len(), 1, "{entry:?}");
    assert_eq!(entry[0]["via"], "config");
    assert_eq!(entry[0]["file"], "envtrail.toml");
}

#[test]
fn not_a_deploy_target_ci_test_job_is_no_drift_target() {
    let (report, _) = check_json("fp-not-a-deploy-target", &[]);
    no_finding_of(&report, "env-drift");
}

#[test]
fn dev_stack_e2e_compose_needs_no_restart_policy() {
    let (report, _) = check_json("fp-dev-stack", &[]);
    no_finding_of(&report, "restart-policy-missing");
}

#[test]
fn overlay_not_merged_restart_policy_from_the_deploy_overlay_counts() {
    let (report, _) = check_json("fp-overlay-not-merged", &[]);
    no_finding_of(&report, "restart-policy-missing");
}

#[test]
fn overlay_environment_entry_of_the_deploy_makes_the_key_reach_the_app() {
    let (report, code) = check_json("compose-overlay-environment", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "SENTRY_DSN");
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

#[test]
fn restart_policy_missing_still_fires_on_the_deploy_compose_file() {
    let (report, _) = check_json("compose-restart-deployed", &[]);
    // `web` of the file the deploy copies and starts; not the dev stack's
    // services, not the collectstatic-and-copy one-shot, not the worker
    // that has a policy.
    let hits: Vec<(String, u64)> = crate::common::findings_of(&report, "restart-policy-missing")
        .into_iter()
        .map(|(file, line, _)| (file, line))
        .collect();
    assert_eq!(hits, [("infra/docker-compose.prod.yml".to_string(), 2)]);
}

#[test]
fn workflow_write_unseen_create_envfile_action_writes_the_env_file() {
    let (report, code) = check_json("fp-workflow-write-unseen", &[]);
    assert_eq!(code, 0);
    for key in ["SECRET_KEY", "DATABASE_URL"] {
        assert!(
            !findings(&report)
                .iter()
                .any(|(_, k)| k.as_deref() == Some(key)),
            "{key} reaches the app: {:?}",
            findings(&report)
        );
    }
}

#[test]
fn platform_set_cloud_run_service_name_is_set_by_the_platform() {
    let (report, code) = check_json("fp-platform-set", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_unset_family(&report, "K_SERVICE");
    no_unset_family(&report, "PORT");
}

#[test]
fn deploy_step_flyctl_secrets_sets_its_keys_and_leaves_the_rest_unknown() {
    let (report, code) = check_json("fp-deploy-step", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(at(&report, "error").is_empty());
    // The keys the command names are set on Fly, from the workflow's secrets.
    for key in ["SECRET_KEY", "DATABASE_URL"] {
        let entry = key_entry(&report, key);
        assert_eq!(entry["reach"], "set", "{key}");
        assert_eq!(entry["written"][0]["via"], "fly", "{key}");
        assert_eq!(entry["written"][0]["source"], format!("secrets.{key}"));
    }
    // Another may be in Fly's store, set by hand: unknown, never unset.
    no_unset_family(&report, "DEBUG");
    assert_unknown(
        &report,
        "DEBUG",
        "the platform's own store `flyctl secrets` writes to",
    );
}

#[test]
fn whole_file_secret_env_file_makes_keys_unknown_not_unset() {
    let (report, code) = check_json("fp-whole-file-secret", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(at(&report, "error").is_empty());
    for key in ["SECRET_KEY", "DATABASE_URL"] {
        no_unset_family(&report, key);
        assert_unknown(
            &report,
            key,
            "written whole from the opaque value secrets.PRODUCTION_ENV",
        );
    }
    // The env file compose reads is the one the workflow writes whole: not a host file.
    let stages = report["opaque_stages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        stages.iter().all(|s| s["kind"] != "host-env-file"),
        "{stages:?}"
    );
}

#[test]
fn intended_defaults_are_notes_and_development_defaults_warnings() {
    let (report, code) = check_json("fp-intended-default", &[]);
    assert_eq!(code, 0, "no error: SECRET_KEY reaches the app");
    let warned: Vec<_> = at(&report, "warning");
    assert_eq!(
        warned,
        [
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_DEBUG",
            "MEDIA_BUCKET"
        ]
        .map(|k| ("unset-defaulted".to_string(), Some(k.to_string()))),
    );
    let noted: Vec<_> = at(&report, "note")
        .into_iter()
        .filter(|(rule, _)| rule == "unset-defaulted")
        .map(|(_, k)| k.unwrap_or_default())
        .collect();
    assert_eq!(
        noted,
        [
            "ACCESS_TOKEN_MINUTES",
            "CACHE_PREFIX",
            "ENABLE_SIGNUP",
            "PAGE_SIZE",
            "SENTRY_DSN",
            "TIME_ZONE"
        ]
    );
    for f in report["findings"].as_array().into_iter().flatten() {
        let message = f["message"].as_str().unwrap_or_default();
        if f["rule"] == "unset-defaulted" && f["severity"] == "note" {
            assert!(message.contains("a note, not a warning"), "{message}");
            assert!(!message.contains("NO usable value"), "{message}");
            assert_eq!(f["confidence"], "low");
        }
    }
}

#[test]
fn compose_up_on_a_github_hosted_runner_is_no_deploy_target() {
    let (report, code) = check_json("fp-ci-compose-up", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    let targets: Vec<_> = report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(targets, ["production"]);
    no_finding_of(&report, "env-drift");
    no_finding_of(&report, "unset-required");
}

#[test]
fn an_app_no_visible_stage_deploys_is_unknown_not_unset() {
    let (report, code) = check_json("fp-unseen-deploy", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    // The test job's env meets the tests' reads, not the deploy's.
    for key in ["DATABASE_URL", "SECRET_KEY"] {
        no_unset_family(&report, key);
        assert_unknown(&report, key, "the deploy, which envtrail does not see");
    }
    let stages: Vec<_> = report["opaque_stages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| (o["kind"].clone(), o["file"].clone(), o["line"].clone()))
        .collect();
    assert_eq!(
        stages,
        [(
            serde_json::json!("unseen-deploy"),
            serde_json::json!("Dockerfile"),
            serde_json::json!(5)
        )],
        "placed at what starts the app"
    );
}

#[test]
fn a_host_env_file_covers_the_code_its_service_builds() {
    // docker/docker-compose.yml builds `..`: its host-only .env feeds hc/.
    let (report, code) = check_json("fp-host-env-file-parent", &[]);
    assert_eq!(code, 0);
    for key in ["DEBUG", "SECRET_KEY"] {
        no_unset_family(&report, key);
        assert_unknown(&report, key, "the env file .env");
    }
}

#[test]
fn env_drift_compares_only_targets_of_the_same_app_unit() {
    let (report, _) = check_json("fp-drift-other-unit", &[]);
    let targets: Vec<_> = report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(targets, ["docker-compose.yml", "k8s"]);
    // QUEUE_URL reaches compose's web, not the Kubernetes api: two units.
    no_finding_of(&report, "env-drift");
}

#[test]
fn env_file_lines_docker_reads_are_keys_not_unparsed() {
    let (report, code) = check_json("fp-dotenv-docker-lines", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    no_finding_of(&report, "input-unparsed");
    for key in ["SECRET_KEY", "SITE_TITLE"] {
        no_unset_family(&report, key);
    }
    // A bare name passes the caller's value through: the file sets nothing.
    assert!(!crate::common::written_keys(&report).contains(&"HOSTNAME_PASSTHROUGH".to_string()));
}

#[test]
fn included_stacks_and_conventional_overlays_are_judged_merged() {
    let (report, _) = check_json("fp-compose-include", &[]);
    let restart: Vec<_> = crate::common::findings_of(&report, "restart-policy-missing")
        .into_iter()
        .map(|(file, line, _)| (file, line))
        .collect();
    // web takes its policy from the included compose/app.yml, db's overlay
    // is a layer; redis (included, no policy) and the overlay's own proxy are not.
    assert_eq!(
        restart,
        [
            ("compose/storage.yml".to_string(), 5),
            ("docker-compose.prod.yml".to_string(), 10)
        ]
    );
}

#[test]
fn a_broken_file_outside_the_app_is_a_note_and_inside_a_warning() {
    let (report, _) = check_json("fp-broken-script", &[]);
    let unparsed: Vec<_> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "input-unparsed")
        .map(|f| (f["file"].clone(), f["severity"].clone()))
        .collect();
    assert_eq!(
        unparsed,
        [
            (
                serde_json::json!("config/flags.py"),
                serde_json::json!("warning")
            ),
            (
                serde_json::json!("scripts/one-time/backfill.py"),
                serde_json::json!("note")
            ),
        ]
    );
}

#[test]
fn an_app_dotenv_no_stage_writes_is_absent_from_an_image_ci_builds() {
    // Every delivering workflow builds the image from its checkout: the
    // developer's git-ignored .env is not in it, so the load adds nothing.
    let (report, code) = check_json("fp-app-dotenv-ci-image", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        at(&report, "warning"),
        [("unset-defaulted".to_string(), Some("DB_NAME".to_string()))]
    );
    no_finding_of(&report, "reach-unknown");
    no_unset_family(&report, "SECRET_KEY");
}

#[test]
fn the_checklist_ticks_nothing_a_test_environment_sets() {
    let out = crate::common::envtrail()
        .args(["checklist", "--format", "json"])
        .arg(crate::common::fixture("fp-unseen-deploy"))
        .output()
        .expect("envtrail runs");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for key in list["keys"].as_array().into_iter().flatten() {
        for item in key["items"].as_array().into_iter().flatten() {
            let text = item["text"].as_str().unwrap_or_default();
            assert!(!text.contains("tests.yml"), "{}: {text}", key["key"]);
            assert!(!text.starts_with("MISSING"), "unknown, not missing: {text}");
            if matches!(item["stage"].as_str(), Some("secret" | "workflow")) {
                assert_eq!(item["status"], "verify", "{}: {item}", key["key"]);
            }
        }
    }
}

#[test]
fn guarded_read_whose_guard_key_is_behind_an_unseen_stage_is_unknown_not_skipped() {
    // MAIL_ENABLED may be in the host's .env: whether the branch runs is
    // unknown, so MAIL_PASSWORD is a reach-unknown note, not a branch that
    // visibly does not run.
    let (report, code) = check_json("read-guard-opaque", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert!(
        at(&report, "note").contains(&("reach-unknown".into(), Some("MAIL_PASSWORD".into()))),
        "{:?}",
        findings(&report)
    );
}

/// `fp-action-step-env`: a `uses:` step's `env:` is that action's own
/// process env. The Sentry release action's SENTRY_DSN does not reach the
/// compose a later step starts on the runner (so the key is unknown, as if
/// the action had none), and its SENTRY_AUTH_TOKEN is the action's input,
/// not a key written into the app and never read.
#[test]
fn action_step_env_is_the_actions_own_not_the_apps() {
    let (report, code) = check_json("fp-action-step-env", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert_eq!(key_entry(&report, "SENTRY_DSN")["reach"], "unknown");
    assert_eq!(
        key_entry(&report, "SENTRY_DSN")["written"][0]["via"],
        "action-env"
    );
    assert_eq!(key_entry(&report, "SECRET_KEY")["reach"], "set");
    assert_unknown(&report, "SENTRY_DSN", "the env file .env");
    no_finding_of(&report, "written-unread");
    assert_eq!(
        findings(&report),
        [("reach-unknown".to_string(), Some("SENTRY_DSN".to_string()))]
    );
}

/// `read-guard-platform`: `if os.environ.get("KUBERNETES_SERVICE_HOST"):`
/// asks which platform runs the code. The platform key is set on
/// Kubernetes only, so envtrail cannot settle the branch: neither read
/// under it is an error (the Kubernetes one was, as if every deploy were a
/// pod), and the compose deploy's missing CACHE_URL is still said, as a
/// warning naming the condition.
#[test]
fn guarded_read_whose_guard_tests_the_platform_is_never_an_error() {
    let (report, code) = check_json("read-guard-platform", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert_eq!(at(&report, "error"), []);
    assert_eq!(
        at(&report, "warning"),
        [
            ("unset-defaulted".to_string(), Some("CACHE_URL".to_string())),
            (
                "unset-defaulted".to_string(),
                Some("K8S_CACHE_URL".to_string())
            ),
        ]
    );
    let message = report["findings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("which envtrail cannot settle"),
        "{message}"
    );
}
