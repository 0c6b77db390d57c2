//! The workflow collector on fixture repositories: each `write-<pattern>`
//! fixture holds one way deploys write env keys, and its test fails when
//! that pattern is not recognised.

use serde_json::Value;

use crate::common::{check_json, findings, secret_names, written_keys};

const DEPLOY: &str = ".github/workflows/deploy.yml";

/// One write as the report gives it.
#[derive(Debug, PartialEq)]
struct W {
    line: u64,
    via: String,
    source: String,
    sink: Option<String>,
    remote: bool,
}

fn writes(report: &Value, key: &str) -> Vec<(String, W)> {
    report["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|k| k["key"] == key)
        .flat_map(|k| k["written"].as_array().cloned().unwrap_or_default())
        .map(|w| {
            (
                w["file"].as_str().unwrap_or_default().to_string(),
                W {
                    line: w["line"].as_u64().unwrap_or_default(),
                    via: w["via"].as_str().unwrap_or_default().to_string(),
                    source: w["source"].as_str().unwrap_or_default().to_string(),
                    sink: w["sink"].as_str().map(str::to_string),
                    remote: w["remote"].as_bool().unwrap_or(false),
                },
            )
        })
        .collect()
}

/// Assert `key` is written at `line` of the deploy workflow with this via,
/// source and sink.
fn assert_write(
    report: &Value,
    key: &str,
    line: u64,
    via: &str,
    source: &str,
    sink: Option<&str>,
    remote: bool,
) {
    let expected = W {
        line,
        via: via.into(),
        source: source.into(),
        sink: sink.map(str::to_string),
        remote,
    };
    let got = writes(report, key);
    assert!(
        got.iter()
            .any(|(file, w)| file.ends_with("deploy.yml") && *w == expected),
        "{key}: expected {expected:?}, got {got:?}"
    );
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn echo_lines_into_dotenv_files() {
    let (r, _) = check_json("write-echo", &[]);
    let env = Some(".env");
    assert_write(
        &r,
        "DATABASE_URL",
        13,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        env,
        false,
    );
    assert_write(
        &r,
        "REDIS_URL",
        14,
        "dotenv-echo",
        "secrets.REDIS_URL",
        env,
        false,
    );
    assert_write(
        &r,
        "DJANGO_SECRET_KEY",
        15,
        "dotenv-echo",
        "secrets.DEV_DJANGO_SECRET_KEY",
        env,
        false,
    );
    assert_write(
        &r,
        "S3_BUCKET",
        16,
        "dotenv-echo",
        "vars.S3_BUCKET",
        env,
        false,
    );
    assert_write(&r, "DEBUG", 17, "dotenv-echo", "literal", env, false);
    assert_write(
        &r,
        "ALLOWED_HOSTS",
        17,
        "dotenv-echo",
        "literal",
        env,
        false,
    );
    assert_write(
        &r,
        "SENTRY_DSN",
        18,
        "dotenv-echo",
        "secrets.SENTRY_DSN",
        Some("deploy/.env.production"),
        false,
    );
    assert_write(
        &r,
        "WORKER_QUEUE",
        19,
        "dotenv-echo",
        "literal",
        Some("worker.env"),
        false,
    );
    assert_write(
        &r,
        "API_TOKEN",
        21,
        "dotenv-echo",
        "secrets.API_TOKEN",
        env,
        false,
    );
    assert!(
        !written_keys(&r).contains(&"NOT_AN_ENV".to_string()),
        "config.ini is no dotenv file"
    );
    let target = &r["keys"][0]["written"][0]["target"];
    assert_eq!(target, &format!("{DEPLOY}#deploy"));
}

#[test]
fn printf_with_several_keys() {
    let (r, _) = check_json("write-printf", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        11,
        "dotenv-printf",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        11,
        "dotenv-printf",
        "secrets.SECRET_KEY",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "DEBUG",
        11,
        "dotenv-printf",
        "literal",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "CACHE_URL",
        12,
        "dotenv-printf",
        "secrets.CACHE_URL",
        Some(".env"),
        false,
    );
}

#[test]
fn tee_and_sudo_tee() {
    let (r, _) = check_json("write-tee", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        8,
        "dotenv-tee",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        9,
        "dotenv-tee",
        "secrets.SECRET_KEY",
        Some(".env"),
        false,
    );
}

#[test]
fn heredocs_quoted_unquoted_and_dash() {
    let (r, _) = check_json("write-heredoc", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        10,
        "dotenv-heredoc",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        11,
        "dotenv-heredoc",
        "secrets.SECRET_KEY",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "S3_BUCKET",
        16,
        "dotenv-heredoc",
        "vars.S3_BUCKET",
        Some(".env"),
        false,
    );
}

#[test]
fn grouped_echoes_share_one_redirect() {
    let (r, _) = check_json("write-group", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        9,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        10,
        "dotenv-echo",
        "secrets.SECRET_KEY",
        Some(".env"),
        false,
    );
}

#[test]
fn writes_before_a_truncation_do_not_count() {
    let (r, _) = check_json("write-truncate", &[]);
    assert_eq!(sorted(written_keys(&r)), ["DATABASE_URL", "SECRET_KEY"]);
    assert_write(
        &r,
        "DATABASE_URL",
        15,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
}

#[test]
fn files_used_with_env_file_are_dotenv_files() {
    let (r, _) = check_json("write-env-file-flag", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        8,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some("deploy.vars"),
        false,
    );
    assert_write(
        &r,
        "DATABASE_URL",
        11,
        "docker-run-env-file",
        "secrets.DATABASE_URL",
        Some("deploy.vars"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        9,
        "dotenv-echo",
        "secrets.SECRET_KEY",
        Some("compose.vars"),
        false,
    );
    assert!(!written_keys(&r).contains(&"IGNORED".to_string()));
}

#[test]
fn github_env_single_and_multiline() {
    let (r, _) = check_json("write-github-env", &[]);
    assert_write(&r, "IMAGE_TAG", 8, "github-env", "github.sha", None, false);
    assert_write(&r, "API_URL", 9, "github-env", "vars.API_URL", None, false);
    assert_write(
        &r,
        "TLS_CERT",
        11,
        "github-env",
        "secrets.TLS_CERT",
        None,
        false,
    );
    // printf with a format writes the later steps' env as echo does.
    assert_write(
        &r,
        "SENTRY_DSN",
        15,
        "github-env",
        "secrets.SENTRY_DSN",
        None,
        false,
    );
}

#[test]
fn env_maps_at_every_level_and_reads_by_scripts() {
    let (r, _) = check_json("write-workflow-env", &[]);
    assert_write(
        &r,
        "DEPLOY_CHANNEL",
        4,
        "workflow-env",
        "literal",
        None,
        false,
    );
    assert_write(&r, "IMAGE", 10, "workflow-env", "literal", None, false);
    assert_write(
        &r,
        "REGISTRY_TOKEN",
        14,
        "workflow-env",
        "secrets.REGISTRY_TOKEN",
        None,
        false,
    );
    assert_write(
        &r,
        "SLACK_WEBHOOK",
        22,
        "workflow-env",
        "secrets.SLACK_WEBHOOK",
        None,
        false,
    );
    let target = |key: &str| crate::common::key_entry(&r, key)["written"][0]["target"].clone();
    assert_eq!(target("DEPLOY_CHANNEL"), Value::Null);
    assert_eq!(
        target("REGISTRY_TOKEN"),
        "production",
        "a job's GitHub environment names its target"
    );
    assert_eq!(
        target("SLACK_WEBHOOK"),
        format!("{DEPLOY}#notify"),
        "step env targets the job"
    );
    // The scripts use these keys: the deploy consumes them.
    let unread: Vec<Option<String>> = findings(&r)
        .into_iter()
        .filter(|(rule, _)| rule == "written-unread")
        .map(|(_, k)| k)
        .collect();
    for used in ["REGISTRY_TOKEN", "IMAGE", "SLACK_WEBHOOK"] {
        assert!(
            !unread.contains(&Some(used.to_string())),
            "{used} is read by a run: script: {unread:?}"
        );
        let read = &crate::common::key_entry(&r, used)["read"][0];
        assert_eq!(read["consumer"], "deploy");
        assert_eq!(read["via"], "workflow-script");
    }
    assert!(
        unread.contains(&Some("DEPLOY_CHANNEL".to_string())),
        "{unread:?}"
    );
}

#[test]
fn scripts_sent_over_ssh_are_remote() {
    let (r, _) = check_json("write-ssh", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        8,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        9,
        "dotenv-echo",
        "secrets.SECRET_KEY",
        Some("/srv/app/.env"),
        true,
    );
    assert_write(
        &r,
        "S3_BUCKET",
        12,
        "dotenv-echo",
        "vars.S3_BUCKET",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "DJANGO_SETTINGS_MODULE",
        13,
        "remote-export",
        "literal",
        None,
        true,
    );
}

#[test]
fn ssh_actions_scripts_and_forwarded_envs() {
    let (r, _) = check_json("write-ssh-action", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        18,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "SENTRY_DSN",
        19,
        "dotenv-echo",
        "secrets.SENTRY_DSN",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "DATABASE_URL",
        15,
        "ssh-action-envs",
        "secrets.DATABASE_URL",
        None,
        true,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        15,
        "ssh-action-envs",
        "secrets.SECRET_KEY",
        None,
        true,
    );
    assert_write(
        &r,
        "CELERY_BROKER_URL",
        24,
        "dotenv-echo",
        "secrets.CELERY_BROKER_URL",
        Some("/srv/app/.env"),
        true,
    );
}

#[test]
fn ssm_send_command_parameters() {
    let (r, _) = check_json("write-ssm", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        14,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        15,
        "dotenv-echo",
        "secrets.SECRET_KEY",
        Some(".env"),
        true,
    );
    // On the row of its string (21), not the next step's (22): both
    // commands of that list share one row.
    assert_write(
        &r,
        "REDIS_URL",
        21,
        "dotenv-echo",
        "secrets.REDIS_URL",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "SENTRY_DSN",
        25,
        "dotenv-echo",
        "secrets.SENTRY_DSN",
        Some("/srv/worker/.env"),
        true,
    );
}

#[test]
fn files_shipped_to_a_host_are_remote() {
    let (r, _) = check_json("write-scp", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        8,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        true,
    );
    assert_write(
        &r,
        "REDIS_URL",
        13,
        "dotenv-echo",
        "secrets.REDIS_URL",
        Some("worker.env"),
        true,
    );
    assert_write(
        &r,
        "TEST_ONLY",
        22,
        "dotenv-echo",
        "literal",
        Some(".env"),
        false,
    );
}

#[test]
fn docker_run_env_flags() {
    let (r, _) = check_json("write-docker-run", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        11,
        "docker-run-env",
        "secrets.DATABASE_URL",
        None,
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        12,
        "docker-run-env",
        "env.SECRET_KEY",
        None,
        false,
    );
    assert_write(&r, "DEBUG", 13, "docker-run-env", "literal", None, false);
}

#[test]
fn opaque_env_files_are_not_writes() {
    let (r, _) = check_json("write-opaque", &[]);
    let opaque: Vec<(u64, String, String)> = r["opaque_env_files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o["line"].as_u64().unwrap_or_default(),
                o["sink"].as_str().unwrap_or_default().to_string(),
                o["source"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let own = |l: u64, s: &str, src: &str| (l, s.to_string(), src.to_string());
    assert_eq!(
        opaque,
        [
            own(9, ".env", "secrets.ENV_FILE"),
            own(10, ".env.worker", "secrets.ENV_B64"),
            own(11, "cron.env", "secrets.CRON_ENV"),
            own(14, ".env.beat", "secrets.BEAT_ENV"),
        ]
    );
    assert_eq!(
        written_keys(&r),
        ["ENV_B64"],
        "only the env: map entry is a write"
    );
}

#[test]
fn archived_workflows_never_count() {
    let (r, _) = check_json("write-archive", &[]);
    assert_eq!(written_keys(&r), ["DATABASE_URL"]);
    assert_eq!(secret_names(&r), ["DATABASE_URL"]);
}

#[test]
fn commented_out_yaml_never_counts() {
    let (r, _) = check_json("write-commented", &[]);
    assert_eq!(written_keys(&r), ["DATABASE_URL"]);
    assert_eq!(secret_names(&r), ["DATABASE_URL"]);
}

#[test]
fn expressions_without_spaces_and_alternatives() {
    let (r, _) = check_json("write-nospace", &[]);
    assert_write(
        &r,
        "DATABASE_URL",
        8,
        "dotenv-echo",
        "secrets.DATABASE_URL",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "SECRET_KEY",
        9,
        "dotenv-echo",
        "secrets.SECRET_KEY",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "MAIL_PASSWORD",
        10,
        "dotenv-echo",
        "secrets.MAIL_PASSWORD",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "TIMEZONE",
        11,
        "dotenv-echo",
        "vars.TIMEZONE",
        Some(".env"),
        false,
    );
    assert_write(
        &r,
        "API_KEY",
        12,
        "dotenv-echo",
        "secrets.API_KEY",
        Some(".env"),
        false,
    );
    let secrets: Vec<(String, Vec<u64>)> = r["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["referenced"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x["line"].as_u64())
                    .collect(),
            )
        })
        .collect();
    assert!(
        secrets.contains(&("SMTP_PASSWORD".to_string(), vec![10])),
        "{secrets:?}"
    );
    assert!(
        secrets.contains(&("SECRET_KEY".to_string(), vec![9])),
        "{secrets:?}"
    );
}

#[test]
fn malformed_workflow_is_unparsed_and_the_rest_audited() {
    let (r, code) = check_json("write-malformed", &["--fail-on", "never"]);
    assert_eq!(code, 0);
    assert_eq!(written_keys(&r), ["DATABASE_URL"]);
    let unparsed: Vec<(String, u64)> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "input-unparsed")
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        unparsed,
        [
            (".github/workflows/broken.yml".to_string(), 6),
            (".github/workflows/list.yml".to_string(), 1)
        ]
    );
}

#[test]
fn gitea_workflows_are_read_like_github() {
    let (r, _) = check_json("write-gitea", &[]);
    let got = writes(&r, "DATABASE_URL");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, ".gitea/workflows/staging.yaml");
    assert_eq!(got[0].1.line, 9);
    assert_eq!(
        crate::common::key_entry(&r, "DATABASE_URL")["written"][0]["target"],
        "staging"
    );
}

#[test]
fn workflow_call_declarations_and_if_conditions_are_secret_refs() {
    let (r, _) = check_json("write-workflow-call", &[]);
    let lines: Vec<u64> = r["secrets"][0]["referenced"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["line"].as_u64())
        .collect();
    assert_eq!(r["secrets"][0]["name"], "DATABASE_URL");
    assert_eq!(lines, [5, 10, 12]);
}

/// pwsh and cmd scripts (a Windows runner's default, `shell: cmd`, a job's
/// `defaults.run.shell: pwsh`) are not parsed as bash: the desktop client's
/// `echo … >> client/.env` lines write nothing envtrail follows, so only the
/// deploy's two keys are written and nothing is `written-unread`.
#[test]
fn pwsh_and_cmd_scripts_are_not_parsed_as_bash() {
    let (report, code) = check_json("write-windows-shells", &[]);
    assert_eq!(code, 0, "{:?}", findings(&report));
    assert_eq!(written_keys(&report), ["DATABASE_URL", "SECRET_KEY"]);
    assert_eq!(findings(&report), []);
}
