//! Platform manifests read key by key (issue 13): each fixture deploys the
//! app through one platform; what the manifest sets reaches the app, and
//! what only the platform's own store may set is unknown, never missing.

use crate::common::{check_json, envtrail, findings, key_entry};

fn table(fixture: &str) -> String {
    let out = envtrail()
        .args(["check", &format!("fixtures/{fixture}"), "--color", "never"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(fixture: &str) -> String {
    let out = envtrail()
        .args(["check", &format!("fixtures/{fixture}"), "--format", "json"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The fixture's report, whose one finding is `rule` on `key`, and which
/// exits with `code`.
fn only_finding(fixture: &str, rule: &str, key: &str, code: i32) -> serde_json::Value {
    let (report, exit) = check_json(fixture, &[]);
    assert_eq!(
        findings(&report),
        [(rule.to_string(), Some(key.to_string()))],
        "{fixture}"
    );
    assert_eq!(exit, code, "{fixture}");
    report
}

/// The fixture's table and JSON report, as snapshots `<name>_table` / `<name>_json`.
fn snapshots(name: &str, fixture: &str) {
    insta::assert_snapshot!(format!("{name}_table"), table(fixture));
    insta::assert_snapshot!(format!("{name}_json"), json(fixture));
}

/// How and where `key` is first written: `(via, file, line)`.
fn first_write(report: &serde_json::Value, key: &str) -> (String, String, u64) {
    let w = &key_entry(report, key)["written"][0];
    (
        w["via"].as_str().unwrap_or_default().to_string(),
        w["file"].as_str().unwrap_or_default().to_string(),
        w["line"].as_u64().unwrap_or_default(),
    )
}

fn finding<'a>(report: &'a serde_json::Value, rule: &str, key: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["key"] == key)
        .unwrap_or_else(|| panic!("no {rule} on {key}"))
}

/// App Engine keeps no env but `app.yaml`'s: with the workflow's appended
/// secrets visible too, a required key none of them sets is a certain error.
#[test]
fn app_engine_app_yaml_is_the_whole_env() {
    let report = only_finding("deploy-app-engine", "unset-required", "MAIL_PASSWORD", 1);
    assert_eq!(
        first_write(&report, "BUCKET_NAME"),
        ("app-engine".into(), "app.yaml".into(), 13)
    );
    // `echo "  SECRET_KEY: ..." >> app.yaml` arrives in the App Engine app.
    let secret = key_entry(&report, "SECRET_KEY");
    assert_eq!(secret["reach"], "set");
    let vias: Vec<&str> = secret["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["via"].as_str().unwrap())
        .collect();
    assert_eq!(vias, ["dotenv-echo", "app-engine"]);
    assert_eq!(report["entry_points"][0]["via"], "manifest");
}

#[test]
fn app_engine_table_and_json() {
    snapshots("app_engine", "deploy-app-engine");
}

/// `cf set-env` may set what the manifest does not: unknown, named.
#[test]
fn cloud_foundry_manifest_sets_its_env_and_cf_set_env_stays_unknown() {
    let report = only_finding(
        "deploy-cloud-foundry",
        "reach-unknown",
        "DJANGO_SECRET_KEY",
        0,
    );
    let note = finding(&report, "reach-unknown", "DJANGO_SECRET_KEY");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("variables set with `cf set-env` of the Cloud Foundry app registrar-stable"),
        "{note}"
    );
    // `((GIT_COMMIT_SHA))` comes from the vars file: set, its value unknown.
    let sha = &key_entry(&report, "GIT_COMMIT_SHA")["written"][0];
    assert_eq!(
        (&sha["via"], &sha["source"]),
        (&"cloud-foundry".into(), &"unknown".into())
    );
    assert_eq!(key_entry(&report, "DJANGO_BASE_URL")["reach"], "set");
}

#[test]
fn cloud_foundry_table_and_json() {
    snapshots("cloud_foundry", "deploy-cloud-foundry");
}

/// Fly keeps secrets out of `fly.toml`: one the workflow sets with
/// `flyctl secrets set` reaches the app; one only set by hand is unknown.
#[test]
fn fly_env_and_workflow_secrets_reach_the_app_and_other_secrets_stay_unknown() {
    let report = only_finding("deploy-fly", "reach-unknown", "DATABASE_URL", 0);
    assert_eq!(key_entry(&report, "ALLOWED_HOSTS")["reach"], "set");
    assert_eq!(
        key_entry(&report, "ALLOWED_HOSTS")["written"][0]["via"],
        "fly"
    );
    let secret = key_entry(&report, "SECRET_KEY");
    assert_eq!(secret["reach"], "set");
    assert_eq!(
        (
            &secret["written"][0]["via"],
            &secret["written"][0]["source"]
        ),
        (&"fly".into(), &"secrets.DJANGO_SECRET_KEY".into())
    );
    let note = finding(&report, "reach-unknown", "DATABASE_URL");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("secrets set with `fly secrets set` of the Fly app hsv-beer"),
        "{note}"
    );
}

#[test]
fn fly_table_and_json() {
    snapshots("fly", "deploy-fly");
}

/// A Blueprint's generated, database and group keys reach the service; a
/// key added only in the dashboard is unknown.
#[test]
fn render_blueprint_keys_reach_the_service_and_the_dashboard_stays_unknown() {
    let report = only_finding("deploy-render", "reach-unknown", "MAILGUN_API_KEY", 0);
    for key in ["SECRET_KEY", "DATABASE_URL", "SENTRY_DSN"] {
        assert_eq!(key_entry(&report, key)["reach"], "set", "{key}");
        assert_eq!(
            key_entry(&report, key)["written"][0]["via"],
            "render",
            "{key}"
        );
    }
}

#[test]
fn render_table_and_json() {
    snapshots("render", "deploy-render");
}

/// A chart's workload env, from its values and named templates, and a key
/// the workflow gives with `helm upgrade --set env.K=…`, reach the app;
/// what only values given at install by hand may hold is unknown.
#[test]
fn helm_values_named_templates_and_set_reach_the_app() {
    let report = only_finding("deploy-helm", "reach-unknown", "MAILGUN_API_KEY", 0);
    assert_eq!(
        first_write(&report, "ALLOWED_HOSTS"),
        ("helm".into(), "charts/shop/values.yaml".into(), 10)
    );
    let secret = &key_entry(&report, "SECRET_KEY")["written"][0];
    assert_eq!(secret["file"], "charts/shop/templates/_helpers.tpl");
    let stripe = key_entry(&report, "STRIPE_API_KEY");
    assert_eq!(stripe["reach"], "set");
    assert_eq!(
        (
            &stripe["written"][0]["via"],
            &stripe["written"][0]["source"]
        ),
        (&"helm".into(), &"secrets.STRIPE_API_KEY".into())
    );
    assert!(
        !report["opaque_stages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "infrastructure"),
        "the chart is read, not opaque: {}",
        report["opaque_stages"]
    );
}

#[test]
fn helm_table_and_json() {
    snapshots("helm", "deploy-helm");
}

/// A helmfile release of the repository's chart gives it the values files
/// it names, per environment: their keys reach the app, a key the code
/// renamed and the values did not is a near-miss, and what the release's
/// sops secrets may add stays unknown, never missing.
#[test]
fn helmfile_release_values_reach_the_chart_and_a_renamed_key_is_a_near_miss() {
    let (report, code) = check_json("deploy-helmfile", &[]);
    let renamed = "RESOLVE_SPEAKER_IDENTITIES_MAX_WORD_DURATION";
    let key = |k: &str| Some(k.to_string());
    assert_eq!(
        findings(&report),
        [
            ("near-miss".to_string(), key(renamed)),
            ("reach-unknown".to_string(), key(renamed)),
            (
                "written-unread".to_string(),
                key("RESOLVE_SPEAKER_MAX_WORD_DURATION")
            ),
            ("reach-unknown".to_string(), key("WEBHOOK_TOKEN")),
        ]
    );
    assert_eq!(code, 0, "a near-miss is a warning");
    assert_eq!(
        first_write(&report, "OPENAI_API_KEY"),
        ("helm".into(), "helm/env.d/common.yaml.gotmpl".into(), 7)
    );
    assert_eq!(key_entry(&report, "DATABASE_URL")["reach"], "set");
    let unknown = finding(&report, "reach-unknown", "WEBHOOK_TOKEN");
    assert!(
        unknown["message"]
            .as_str()
            .is_some_and(|m| m.contains("secrets.enc.yaml` (not in the repository)")),
        "{unknown}"
    );
    // The workflow's `helmfile apply` is read through the chart, not opaque.
    assert!(
        !report["opaque_stages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "deploy-step"),
        "{}",
        report["opaque_stages"]
    );
    snapshots("helmfile", "deploy-helmfile");
}

/// An overlay's generators feed the base's workload: literals reach the
/// app; a generator over an env file no stage shows leaves what the pod
/// lacks unknown.
#[test]
fn kustomize_literals_reach_the_base_and_an_unseen_env_file_stays_unknown() {
    let report = only_finding("deploy-kustomize", "reach-unknown", "SECRET_KEY", 0);
    assert_eq!(
        first_write(&report, "ALLOWED_HOSTS"),
        (
            "kustomize".into(),
            "kustomize/overlays/prod/kustomization.yaml".into(),
            9
        )
    );
    let note = finding(&report, "reach-unknown", "SECRET_KEY");
    assert_eq!(
        note["related"][0]["file"],
        "kustomize/overlays/prod/kustomization.yaml"
    );
}

#[test]
fn kustomize_table_and_json() {
    snapshots("kustomize", "deploy-kustomize");
}

/// A systemd unit that runs the app: its `Environment=` keys are set, the
/// `EnvironmentFile=` the deploy writes over ssh arrives, and what only a
/// drop-in on the host may give is unknown.
#[test]
fn systemd_unit_env_and_the_env_file_the_deploy_writes() {
    let report = only_finding("deploy-systemd", "reach-unknown", "SENTRY_DSN", 0);
    let secret = key_entry(&report, "SECRET_KEY");
    assert_eq!(secret["reach"], "set");
    let vias: Vec<&str> = secret["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["via"].as_str().unwrap())
        .collect();
    assert!(vias.contains(&"systemd"), "{vias:?}");
    assert_eq!(report["entry_points"][0]["file"], "deploy/shop.service");
}

#[test]
fn systemd_table_and_json() {
    snapshots("systemd", "deploy-systemd");
}

/// `app.json` declares config vars (a value, a generated secret, one the
/// user gives): set; one only `heroku config:set` gives is unknown.
#[test]
fn heroku_app_json_declares_config_vars_and_config_set_stays_unknown() {
    let report = only_finding("deploy-heroku", "reach-unknown", "MAILGUN_API_KEY", 0);
    for key in ["SECRET_KEY", "ADMIN_EMAIL", "DJANGO_DEBUG"] {
        assert_eq!(
            key_entry(&report, key)["written"][0]["via"],
            "heroku",
            "{key}"
        );
    }
}

#[test]
fn heroku_table_and_json() {
    snapshots("heroku", "deploy-heroku");
}

/// `gcloud run deploy --env-vars-file F` of a committed file: its keys
/// reach the service, and with every stage visible a required key it
/// lacks is a certain error.
#[test]
fn cloud_run_env_vars_file_is_read() {
    let report = only_finding(
        "deploy-cloud-run-env-file",
        "unset-required",
        "REDIS_URL",
        1,
    );
    assert_eq!(
        first_write(&report, "DJANGO_ALLOWED_HOSTS"),
        ("cloud-run".into(), "deploy/env.production.yaml".into(), 2)
    );
    assert!(
        report["opaque_stages"].as_array().unwrap().is_empty(),
        "{}",
        report["opaque_stages"]
    );
}

/// `sops -d .env.sops > .env` of a committed sops dotenv file: its key
/// names are in clear, so the decrypted `.env` compose reads holds exactly
/// them, and a required key it lacks is a certain error. sops's metadata
/// entries are no keys.
#[test]
fn sops_decrypted_env_file_is_read() {
    let report = only_finding("deploy-sops-dotenv", "unset-required", "EMAIL_HOST", 1);
    assert_eq!(
        first_write(&report, "DATABASE_URL"),
        ("sops-decrypt".into(), ".env.sops".into(), 1)
    );
    assert!(
        report["opaque_stages"].as_array().unwrap().is_empty(),
        "{}",
        report["opaque_stages"]
    );
    let keys: Vec<&str> = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert!(!keys.iter().any(|k| k.starts_with("sops_")), "{keys:?}");
}

#[test]
fn sops_decrypted_env_file_table_and_json() {
    snapshots("sops_decrypted_env_file", "deploy-sops-dotenv");
}

#[test]
fn cloud_run_env_vars_file_table_and_json() {
    snapshots("cloud_run_env_vars_file", "deploy-cloud-run-env-file");
}

/// `azurerm_container_app` env in Terraform, including `dynamic "env"`
/// blocks over maps written in `locals` (a `for` filter keeps what may
/// exist): their keys reach the app; a secret whose `exists` is literally
/// false never does, so the app runs on its default. The pgAdmin container
/// app beside it is not the app.
#[test]
fn terraform_container_app_dynamic_env_over_locals_reaches_the_app() {
    let report = only_finding(
        "deploy-terraform-container-app",
        "unset-defaulted",
        "ANALYTICS_KEY",
        0,
    );
    for (key, file, line) in [
        ("DJANGO_ALLOWED_HOSTS", "terraform/app_web.tf", 24),
        ("DJANGO_SECRET_KEY", "terraform/locals.tf", 4),
        ("DJANGO_DEBUG", "terraform/locals.tf", 5),
        ("DJANGO_DB_PASSWORD", "terraform/locals.tf", 7),
        ("REQUESTS_TIMEOUT", "terraform/locals.tf", 10),
        ("POSTGRES_HOSTNAME", "terraform/locals.tf", 12),
    ] {
        assert_eq!(key_entry(&report, key)["reach"], "set", "{key}");
        assert_eq!(
            first_write(&report, key),
            ("terraform".to_string(), file.to_string(), line),
            "{key}"
        );
    }
}

#[test]
fn terraform_container_app_table_and_json() {
    snapshots("terraform_container_app", "deploy-terraform-container-app");
}

/// An azd template: `main.bicep` passes app settings to the App Service
/// module, which unions them with its own; each key reaches the web app,
/// located where it is written. A key no app setting writes runs on its
/// default.
#[test]
fn bicep_app_settings_reach_the_web_app() {
    let report = only_finding("deploy-bicep", "unset-defaulted", "UI_TITLE", 0);
    for (key, file, line) in [
        ("AZURE_OPENAI_MODEL", "infra/main.bicep", 26),
        ("AZURE_OPENAI_KEY", "infra/main.bicep", 27),
        ("AZURE_SEARCH_INDEX", "infra/main.bicep", 28),
        ("AZURE_COSMOSDB_ACCOUNT", "infra/main.bicep", 29),
        (
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "infra/core/host/appservice.bicep",
            28,
        ),
    ] {
        assert_eq!(key_entry(&report, key)["reach"], "set", "{key}");
        assert_eq!(
            first_write(&report, key),
            ("bicep".to_string(), file.to_string(), line),
            "{key}"
        );
    }
}

#[test]
fn bicep_table_and_json() {
    snapshots("bicep", "deploy-bicep");
}
