//! No secret leaks, proven: a repository with a distinctive value planted in
//! every place a secret value can come from (dotenv files and examples,
//! compose `environment:` literals and defaults, workflow `env:` literals
//! and script lines, Dockerfile `ENV`, Kubernetes manifests, the secrets
//! inventory, a saved `docker inspect`, a real container's env), audited by
//! every command in every format: no planted value may appear on stdout, in
//! an output file, or on stderr. The one value that is shown is a default
//! written in the settings code, which proves the harness sees the output.

use std::path::Path;

use crate::common::{RUN_LIMIT, envtrail, write_tree};

/// Every planted value, with where it was planted (for the failure message).
/// Each is distinctive enough never to occur in output by chance.
const PLANTED: &[(&str, &str)] = &[
    ("zzDotenvRootVq9", ".env"),
    ("zzDotenvRoot2Vq9", ".env (quoted)"),
    ("zzDotenvExampleVq9", ".env.example"),
    ("zzDotenvProdVq9", ".env.production"),
    ("zzDotenvBadLineVq9", ".env.production (malformed line)"),
    ("zzEnvsDjangoVq9", ".envs/.production/.django"),
    ("zzComposeMapVq9", "compose environment: map literal"),
    ("zzComposeListVq9", "compose environment: list literal"),
    ("zzComposeDefaultVq9", "compose ${K:-default}"),
    (
        "zzComposeInterpVq9",
        "compose literal around an interpolation",
    ),
    ("zzComposeErrVq9", "compose ${K:?message}"),
    ("zzWfEnvTopVq9", "workflow env: (top)"),
    ("zzWfEnvJobVq9", "workflow env: (job)"),
    ("zzWfEnvStepVq9", "workflow env: (step)"),
    ("zzWfEchoVq9", "workflow echo >> .env"),
    ("zzWfGithubEnvVq9", "workflow >> $GITHUB_ENV"),
    ("zzWfHeredocVq9", "workflow heredoc"),
    ("zzWfPrintfVq9", "workflow printf"),
    ("zzWfDockerRunVq9", "workflow docker run -e"),
    ("zzWfExportVq9", "workflow ssh export"),
    ("zzWfShellDefaultVq9", "workflow ${K:-default}"),
    ("zzWfWithVq9", "workflow with: input"),
    ("zzWfSshActionVq9", "workflow ssh action env"),
    ("zzWfKubectlVq9", "workflow kubectl --from-literal"),
    ("zzWfCloudRunVq9", "workflow gcloud --set-env-vars"),
    ("zzWfBrokenVq9", "broken workflow"),
    ("zzDockerfileVq9", "Dockerfile ENV"),
    ("zzK8sValueVq9", "Kubernetes env value"),
    ("zzK8sSecretVq9", "Kubernetes Secret stringData"),
    ("zzInventoryVq9", "inventory extra field"),
    ("zzInspectVq9", "docker inspect env"),
    ("zzContainerVq9", "container env"),
];

/// The one value shown on purpose: a literal default in the settings code.
const SHOWN_DEFAULT: &str = "zzSettingsDefaultOk";

/// The keys the planted repository involves: each is traced.
const KEYS: &[&str] = &[
    "DATABASE_URL",
    "SECRET_KEY",
    "API_TOKEN",
    "DJANGO_SECRET_KEY",
    "DB_PASSWORD",
    "CACHE_URL",
    "REDIS_URL",
    "REQUIRED_URL",
    "REGISTRY_PASSWORD",
    "STATIC_KEY",
    "GH_KEY",
    "HEREDOC_KEY",
    "PF_KEY",
    "RUN_KEY",
    "REMOTE_KEY",
    "DOCKERFILE_KEY",
    "K8S_KEY",
    "PORT",
];

fn planted_repo(root: &Path) {
    let workflow = r#"on: push
env:
  REGISTRY_PASSWORD: zzWfEnvTopVq9
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    env:
      DB_PASSWORD: zzWfEnvJobVq9
    steps:
      - env:
          STEP_TOKEN: zzWfEnvStepVq9
        run: |
          echo "STATIC_KEY=zzWfEchoVq9" >> .env
          echo "DATABASE_URL=${{ secrets.DATABASE_URL }}" >> .env
          echo "GH_KEY=zzWfGithubEnvVq9" >> $GITHUB_ENV
          cat <<EOF >> .env
          HEREDOC_KEY=zzWfHeredocVq9
          EOF
          printf 'PF_KEY=%s\n' 'zzWfPrintfVq9' >> .env
          docker run -e RUN_KEY=zzWfDockerRunVq9 app
          echo "${CACHE_URL:-zzWfShellDefaultVq9}"
          ssh deploy@host 'export REMOTE_KEY=zzWfExportVq9 && docker compose up -d'
          kubectl create secret generic app --from-literal=K8S_KEY=zzWfKubectlVq9
          gcloud run deploy app --set-env-vars API_TOKEN=zzWfCloudRunVq9
      - uses: appleboy/ssh-action@v1
        env:
          SECRET_KEY: zzWfSshActionVq9
        with:
          host: example.com
          password: zzWfWithVq9
          envs: SECRET_KEY
          script: echo "SECRET_KEY=$SECRET_KEY" >> /srv/app/.env
"#;
    let compose = r#"services:
  app:
    build: .
    restart: unless-stopped
    env_file:
      - .env
      - .env.production
      - .envs/.production/.django
    environment:
      DB_PASSWORD: zzComposeMapVq9
      CACHE_URL: ${CACHE_URL:-zzComposeDefaultVq9}
      REDIS_URL: "redis://:zzComposeInterpVq9@${REDIS_HOST}/0"
      REQUIRED_URL: ${REQUIRED_URL:?zzComposeErrVq9}
  worker:
    build: .
    environment:
      - API_TOKEN=zzComposeListVq9
"#;
    let settings = r#"import os
DATABASE_URL = os.environ['DATABASE_URL']
SECRET_KEY = os.environ['SECRET_KEY']
API_TOKEN = os.getenv('API_TOKEN')
DJANGO_SECRET_KEY = os.environ['DJANGO_SECRET_KEY']
DB_PASSWORD = os.environ['DB_PASSWORD']
CACHE_URL = os.getenv('CACHE_URL', '')
REDIS_URL = os.getenv('REDIS_URL')
REQUIRED_URL = os.getenv('REQUIRED_URL')
DOCKERFILE_KEY = os.getenv('DOCKERFILE_KEY')
K8S_KEY = os.getenv('K8S_KEY')
PORT = os.getenv('PORT', 'zzSettingsDefaultOk')
STATIC_ROOT = '/static'
"#;
    let k8s = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: app
          env:
            - name: K8S_KEY
              value: zzK8sValueVq9
          envFrom:
            - secretRef:
                name: app-secrets
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secrets
stringData:
  DB_PASSWORD: zzK8sSecretVq9
"#;
    write_tree(
        root,
        &[
            (".github/workflows/deploy.yml", workflow.as_bytes()),
            (
                ".github/workflows/broken.yml",
                b"on: push\nenv:\n  TOKEN: \"zzWfBrokenVq9\n",
            ),
            ("docker-compose.yml", compose.as_bytes()),
            ("config/settings.py", settings.as_bytes()),
            (
                ".env",
                b"DATABASE_URL=zzDotenvRootVq9\nSECRET_KEY=\"zzDotenvRoot2Vq9\"\n",
            ),
            (
                ".env.example",
                b"DATABASE_URL=zzDotenvExampleVq9\nSECRET_KEY=\n",
            ),
            (
                ".env.production",
                b"API_TOKEN=zzDotenvProdVq9\nthis line is broken zzDotenvBadLineVq9\n",
            ),
            (
                ".envs/.production/.django",
                b"DJANGO_SECRET_KEY=zzEnvsDjangoVq9\n",
            ),
            (
                "Dockerfile",
                b"FROM python:3.12\nENV DOCKERFILE_KEY=zzDockerfileVq9 PYTHONUNBUFFERED=1\nCMD [\"python\", \"manage.py\", \"runserver\"]\n",
            ),
            ("k8s/deployment.yaml", k8s.as_bytes()),
            (
                "secrets.json",
                b"[{\"name\": \"DATABASE_URL\", \"value\": \"zzInventoryVq9\"}, {\"name\": \"SECRET_KEY\"}]",
            ),
        ],
    );
}

/// The saved inspect of the live fixture, with planted env values.
fn planted_inspect(path: &Path) {
    let text = std::fs::read_to_string(
        crate::common::fixture("live-app").join("docker-inspect/api-exited.json"),
    )
    .unwrap();
    let mut inspect: serde_json::Value = serde_json::from_str(&text).unwrap();
    let env = inspect[0]["Config"]["Env"].as_array_mut().unwrap();
    for key in KEYS {
        env.push(format!("{key}=zzInspectVq9").into());
    }
    std::fs::write(path, serde_json::to_vec(&inspect).unwrap()).unwrap();
}

/// What one run printed and wrote, to search.
struct Run {
    args: Vec<String>,
    text: String,
}

fn run(root: &Path, args: &[String], files: &[&Path]) -> Run {
    let out = envtrail()
        .args(args)
        .current_dir(root)
        .timeout(RUN_LIMIT)
        .output()
        .expect("envtrail runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: the audit did not run: {stderr}"
    );
    let mut text = format!(
        "--- stdout\n{}\n--- stderr\n{stderr}\n",
        String::from_utf8_lossy(&out.stdout)
    );
    for file in files {
        if let Ok(bytes) = std::fs::read(file) {
            text.push_str(&format!(
                "--- {}\n{}\n",
                file.display(),
                String::from_utf8_lossy(&bytes)
            ));
            let _ = std::fs::remove_file(file);
        }
    }
    Run {
        args: args.to_vec(),
        text,
    }
}

fn assert_no_leak(runs: &[Run]) {
    for run in runs {
        for (value, place) in PLANTED {
            assert!(
                !run.text.contains(value),
                "`envtrail {}` leaked the value planted in {place}:\n{}",
                run.args.join(" "),
                run.text
            );
        }
    }
}

/// Every audit command, every format, with `--output` and `--sarif-file`
/// too: `live_args` adds the live command's own flags when given.
fn every_run(root: &Path, out_dir: &Path, live_args: Option<&[String]>) -> Vec<Run> {
    let output = out_dir.join("report.out");
    let sarif = out_dir.join("report.sarif");
    let files = [output.as_path(), sarif.as_path()];
    let root_arg = root.to_string_lossy().into_owned();
    let secrets = ["--secrets".to_string(), "secrets.json".to_string()];
    let mut commands: Vec<Vec<String>> = Vec::new();
    match live_args {
        None => {
            commands.push(vec!["check".into(), root_arg.clone()]);
            commands.push(vec!["checklist".into(), root_arg.clone()]);
            for key in KEYS {
                commands.push(vec!["trace".into(), (*key).into(), root_arg.clone()]);
            }
        }
        Some(live) => {
            let mut command = vec!["live".to_string(), root_arg.clone()];
            command.extend(live.iter().cloned());
            commands.push(command);
        }
    }
    let mut runs = Vec::new();
    for command in &commands {
        // `checklist` and `trace` print tables, Markdown and JSON only.
        let formats: &[&str] = match command[0].as_str() {
            "check" | "live" => &["table", "json", "markdown", "sarif", "github"],
            _ => &["table", "json", "markdown"],
        };
        for format in formats {
            let mut args = command.clone();
            args.extend(["--format".to_string(), (*format).to_string()]);
            args.extend(secrets.iter().cloned());
            runs.push(run(root, &args, &files));
        }
        let mut args = command.clone();
        args.extend(secrets.iter().cloned());
        args.extend([
            "--color".into(),
            "always".into(),
            "--fail-on".into(),
            "note".into(),
            "--output".into(),
            output.to_string_lossy().into_owned(),
            "--sarif-file".into(),
            sarif.to_string_lossy().into_owned(),
        ]);
        runs.push(run(root, &args, &files));
    }
    runs
}

#[test]
fn no_planted_value_reaches_any_output_of_check_checklist_or_trace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    planted_repo(&root);
    let runs = every_run(&root, dir.path(), None);
    assert_no_leak(&runs);
    // The harness sees the output: the settings default is shown, in the
    // JSON report and the trace of its key.
    let shown: Vec<&Run> = runs
        .iter()
        .filter(|r| r.text.contains(SHOWN_DEFAULT))
        .collect();
    assert!(
        shown
            .iter()
            .any(|r| r.args[0] == "check" && r.args.contains(&"json".to_string())),
        "the settings default is shown by check --format json"
    );
    assert!(
        shown
            .iter()
            .any(|r| r.args[0] == "trace" && r.args[1] == "PORT"),
        "the settings default is shown by trace PORT"
    );
    // The repository is read, not skipped: the planted keys are in the report.
    let json = runs
        .iter()
        .find(|r| r.args[0] == "check" && r.args.contains(&"json".to_string()))
        .unwrap();
    for key in [
        "DB_PASSWORD",
        "STATIC_KEY",
        "HEREDOC_KEY",
        "DOCKERFILE_KEY",
        "K8S_KEY",
    ] {
        assert!(
            json.text.contains(&format!("\"{key}\"")),
            "{key} not in the report"
        );
    }
}

#[test]
fn no_planted_value_reaches_any_output_of_live_with_an_inspect_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    planted_repo(&root);
    let inspect = dir.path().join("inspect.json");
    planted_inspect(&inspect);
    let live = [
        "--container".to_string(),
        "stagelog-api-1".into(),
        "--inspect-file".into(),
        inspect.to_string_lossy().into_owned(),
    ];
    let runs = every_run(&root, dir.path(), Some(&live));
    assert_no_leak(&runs);
    assert!(
        runs.iter().all(|r| r.text.contains("stagelog-api-1")),
        "every live run audited the container"
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn no_planted_value_reaches_any_output_of_live_with_a_real_container() {
    crate::live::require_engine(
        "no_planted_value_reaches_any_output_of_live_with_a_real_container",
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    planted_repo(&root);
    let settings = std::fs::read_to_string(root.join("config/settings.py")).unwrap();
    let mut docker = crate::live::Cleanup::default();
    // The image's settings differ from the repository's (image drift is
    // judged and printed), and the container holds every key planted.
    let image = docker.image(&settings.replace("STATIC_ROOT = '/static'\n", ""));
    let env: Vec<(&str, &str)> = KEYS.iter().map(|k| (*k, "zzContainerVq9")).collect();
    let running = docker.run(&image, &env, &[]);
    let exited = docker.run(&image, &env, &["false"]);
    crate::live::docker_wait(&exited);
    for container in [&running, &exited] {
        let live = ["--container".to_string(), container.clone()];
        let runs = every_run(&root, dir.path(), Some(&live));
        assert_no_leak(&runs);
        assert!(
            runs.iter().any(|r| r.text.contains("image-drift")),
            "the settings inside the image were compared"
        );
    }
}

#[test]
fn a_malformed_inventory_never_quotes_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    planted_repo(&root);
    for (name, content) in [
        ("plain.txt", "DATABASE_URL\nDB_PASSWORD=zzInventoryVq9\n"),
        (
            "tabbed.txt",
            "DATABASE_URL\tzzInventoryVq9\nAPI/TOKEN zzInventoryVq9\n",
        ),
        (
            "bad.json",
            "[{\"name\": \"A\", \"value\": \"zzInventoryVq9\"}, 7]",
        ),
        ("values.json", "{\"DATABASE_URL\": \"zzInventoryVq9\"}"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let args = vec![
            "check".to_string(),
            root.to_string_lossy().into_owned(),
            "--secrets".into(),
            path.to_string_lossy().into_owned(),
        ];
        let out = envtrail()
            .args(&args)
            .timeout(RUN_LIMIT)
            .output()
            .expect("envtrail runs");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("line "),
            "{name}: the error names the line: {stderr}"
        );
        assert!(
            !stderr.contains("zzInventoryVq9"),
            "{name} leaked:\n{stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("zzInventoryVq9"));
    }
}
