use super::*;
use crate::facts::WriteVia;

fn keys((app, _): &ManifestApp) -> Vec<(&str, u32, String)> {
    app.env
        .iter()
        .map(|e| (e.key.as_str(), e.location.line(), e.source.label()))
        .collect()
}

#[test]
fn cloud_foundry_apps_take_their_env_and_the_shared_one() {
    let text = "env:\n  SHARED: x\napplications:\n- name: web\n  path: ../src\n  env:\n    DJANGO_BASE_URL: https://example.gov\n    GIT_SHA: ((GIT_SHA))\n    POOL: 5\n- name: worker\n";
    let apps = cloud_foundry::apps("ops/manifest.yml", text).unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0].0.name, "web");
    assert_eq!(apps[0].0.location.line(), 4);
    assert_eq!(
        keys(&apps[0]),
        [
            ("SHARED", 2, "literal".to_string()),
            ("DJANGO_BASE_URL", 7, "literal".to_string()),
            ("GIT_SHA", 8, "unknown".to_string()),
            ("POOL", 9, "literal".to_string()),
        ]
    );
    assert_eq!(keys(&apps[1]), [("SHARED", 2, "literal".to_string())]);
    assert_eq!(apps[0].0.unseen[0].what, "variables set with `cf set-env`");
    assert_eq!(apps[0].0.via, WriteVia::CloudFoundry);
}

#[test]
fn app_engine_env_variables_are_all_its_env_but_included_files() {
    let text = "runtime: python312\nentrypoint: gunicorn -b :$PORT main:app\nenv_variables:\n  DB_NAME: app\n  BUCKET: \"my-bucket\"\n";
    let apps = app_engine::apps("app.yaml", text).unwrap();
    assert_eq!(apps[0].0.name, "default");
    assert_eq!(
        keys(&apps[0]),
        [
            ("DB_NAME", 4, "literal".to_string()),
            ("BUCKET", 5, "literal".to_string())
        ]
    );
    assert!(apps[0].0.unseen.is_empty());
    let included = app_engine::apps(
        "app.yaml",
        "runtime: python312\nservice: api\nincludes:\n- secrets.yaml\n",
    )
    .unwrap();
    assert_eq!(included[0].0.name, "api");
    assert_eq!(
        included[0].0.unseen[0].what,
        "the included file secrets.yaml"
    );
    assert_eq!(included[0].0.unseen[0].location.line(), 4);
}

#[test]
fn fly_env_keys_are_located_and_secrets_stay_unseen() {
    let text = "app = \"beer\"\nprimary_region = \"iad\"\n\n[env]\n  PORT = \"8000\"\n  DJANGO_SETTINGS = \"prod\"\n";
    let apps = fly::apps("fly.toml", text).unwrap();
    assert_eq!(apps[0].0.name, "beer");
    assert_eq!(apps[0].0.location.line(), 1);
    let mut got = keys(&apps[0]);
    got.sort();
    assert_eq!(
        got,
        [
            ("DJANGO_SETTINGS", 6, "literal".to_string()),
            ("PORT", 5, "literal".to_string())
        ]
    );
    assert_eq!(
        apps[0].0.unseen[0].what,
        "secrets set with `fly secrets set`"
    );
}

#[test]
fn render_services_resolve_groups_and_skip_key_value_stores() {
    let text = "services:\n- type: web\n  name: api\n  runtime: python\n  envVars:\n  - key: SECRET_KEY\n    generateValue: true\n  - key: DEBUG\n    value: \"false\"\n  - fromGroup: shared\n  - fromGroup: elsewhere\n- type: redis\n  name: cache\nenvVarGroups:\n- name: shared\n  envVars:\n  - key: SENTRY_DSN\n    sync: false\n";
    let apps = render::apps("render.yaml", text).unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(
        keys(&apps[0]),
        [
            ("SECRET_KEY", 6, "unknown".to_string()),
            ("DEBUG", 8, "literal".to_string()),
            ("SENTRY_DSN", 17, "unknown".to_string()),
        ]
    );
    let unseen: Vec<&str> = apps[0].0.unseen.iter().map(|u| u.what.as_str()).collect();
    assert_eq!(
        unseen,
        [
            "the environment group elsewhere",
            "variables added in the Render dashboard"
        ]
    );
}

#[test]
fn heroku_app_json_declares_its_config_vars() {
    let text = "{\n  \"name\": \"doccano\",\n  \"env\": {\n    \"ADMIN_PASSWORD\": {\"required\": true},\n    \"DEBUG\": {\"value\": \"False\"},\n    \"SECRET_KEY\": {\"generator\": \"secret\"}\n  }\n}\n";
    let apps = heroku::apps("app.json", text).unwrap();
    assert_eq!(
        keys(&apps[0]),
        [
            ("ADMIN_PASSWORD", 4, "unknown".to_string()),
            ("DEBUG", 5, "literal".to_string()),
            ("SECRET_KEY", 6, "unknown".to_string()),
        ]
    );
}

#[test]
fn a_manifest_that_does_not_parse_stays_opaque_and_is_reported() {
    let facts = manifest_facts("fly.toml", "app = \"x\"\n[env\n", InfraKind::Fly);
    assert!(facts.platform_apps.is_empty());
    assert_eq!(facts.unparsed.len(), 1);
    assert_eq!(facts.unparsed[0].location.line(), 2);
    assert!(facts.unparsed[0].message.starts_with("invalid TOML"));
    assert_eq!(facts.opaque_stages.len(), 1);
    let facts = manifest_facts("app.json", "{\"env\": ", InfraKind::Heroku);
    assert_eq!(facts.unparsed.len(), 1);
}

#[test]
fn only_app_json_of_heroku_is_parsed() {
    assert!(parses(InfraKind::Heroku, "app.json"));
    assert!(!parses(InfraKind::Heroku, "Procfile"));
    assert!(!parses(InfraKind::Terraform, "main.tf"));
}

#[test]
fn cloud_run_env_vars_files_are_flat_maps_of_keys() {
    assert!(is_env_vars_file_name("deploy/env.production.yaml"));
    assert!(is_env_vars_file_name(".env.yaml"));
    assert!(is_env_vars_file_name("cloudrun-env.yml"));
    assert!(!is_env_vars_file_name("environment.yml"));
    assert!(!is_env_vars_file_name("deploy/values.yaml"));
    let facts = env_vars_file("env.yaml", "A: one\nB: \"\"\nC:\n");
    let keys: Vec<(&str, bool, u32)> = facts.dotenv_files[0]
        .keys
        .iter()
        .map(|k| (k.key.as_str(), k.empty, k.location.line()))
        .collect();
    assert_eq!(keys, [("A", false, 1), ("B", true, 2), ("C", true, 3)]);
    // Another tool's YAML: nested values, or keys that are no env names.
    assert!(
        env_vars_file("env.yaml", "name: x\ndeps:\n  - a\n")
            .dotenv_files
            .is_empty()
    );
    assert!(
        env_vars_file("env.yaml", "my-key: 1\n")
            .dotenv_files
            .is_empty()
    );
    assert!(
        env_vars_file("env.yaml", "[1, 2]\n")
            .dotenv_files
            .is_empty()
    );
}

proptest::proptest! {
    /// Whatever a manifest holds, reading it ends in facts, never a panic.
    #[test]
    fn any_manifest_text_is_read_without_panicking(text in "[a-zA-Z_ :=\\[\\]{}\"',.\n#\\-(]{0,200}") {
        for (rel, kind) in [
            ("manifest.yml", InfraKind::CloudFoundry),
            ("fly.toml", InfraKind::Fly),
            ("render.yaml", InfraKind::Render),
            ("app.yaml", InfraKind::AppEngine),
            ("app.json", InfraKind::Heroku),
        ] {
            let _ = manifest_facts(rel, &text, kind);
        }
        let _ = env_vars_file("env.yaml", &text);
    }
}
