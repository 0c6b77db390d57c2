//! The generated workflow-heavy repository of the benchmarks: one app (a
//! Django settings module, a compose file, a Dockerfile) and N workflow
//! files under `.github/workflows/`, mixing CI and deploy jobs. Every
//! workflow writes some of a shared pool of keys (what the app reads) and a
//! few keys of its own, so both the keys and the deploy targets grow with N
//! (the shape that made the report quadratic: keys × targets). Every third
//! workflow is CI only (tests with a service database); the others test,
//! then deploy over ssh to their own GitHub environment (`production-0002`,
//! `staging-0001`: one deploy target each), each forgetting a
//! different shared key so `env-drift` has findings. Deterministic: the
//! same N gives the same bytes.
//!
//! Shared by `examples/gen_workflows.rs` (what `benches/run.sh` runs) and
//! the integration tests through `#[path]`.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    pub workflows: usize,
    pub files: usize,
    pub bytes: u64,
}

/// The keys the app reads and the deploys write (each deploy forgets one).
pub const SHARED_KEYS: &[&str] = &[
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "SENTRY_DSN",
    "AWS_STORAGE_BUCKET_NAME",
    "EMAIL_HOST_PASSWORD",
    "STRIPE_API_KEY",
    "ALLOWED_HOSTS",
];

/// Write a repository of `workflows` workflow files under `root`.
pub fn generate(root: &Path, workflows: usize) -> io::Result<Generated> {
    let mut out = Writer {
        root,
        done: Generated {
            workflows,
            ..Generated::default()
        },
    };
    out.write(".gitignore", ".env\n__pycache__/\n")?;
    out.write("app/settings.py", &settings_py())?;
    out.write("app/__init__.py", "")?;
    out.write("manage.py", MANAGE_PY)?;
    out.write("Dockerfile", DOCKERFILE)?;
    out.write("docker-compose.yml", COMPOSE_YML)?;
    for index in 0..workflows {
        let (name, text) = if index.is_multiple_of(3) {
            (format!("ci-{index:04}.yml"), ci_yml(index))
        } else {
            (format!("deploy-{index:04}.yml"), deploy_yml(index))
        };
        out.write(&format!(".github/workflows/{name}"), &text)?;
    }
    Ok(out.done)
}

struct Writer<'a> {
    root: &'a Path,
    done: Generated,
}

impl Writer<'_> {
    fn write(&mut self, rel: &str, text: &str) -> io::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, text)?;
        self.done.files += 1;
        self.done.bytes += text.len() as u64;
        Ok(())
    }
}

/// A workflow's own keys, which no code reads: `FEATURE_0042_FLAG` (set in
/// the CI job's env, or written by the deploy) and `FEATURE_0042_TOKEN`.
fn own_keys(index: usize) -> [String; 2] {
    [
        format!("FEATURE_{index:04}_FLAG"),
        format!("FEATURE_{index:04}_TOKEN"),
    ]
}

/// The app reads the shared keys only, so what every target is expected to
/// set stays the same size whatever N is.
fn settings_py() -> String {
    let mut s = String::from("import environ\n\nenv = environ.Env()\n\n");
    for key in SHARED_KEYS {
        let _ = writeln!(s, "{key} = env(\"{key}\")");
    }
    s
}

fn ci_yml(index: usize) -> String {
    let [flag, _] = own_keys(index);
    format!(
        r#"name: ci {index}

on: [push, pull_request]

jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: postgres
    env:
      DATABASE_URL: postgres://postgres:postgres@localhost/test
      SECRET_KEY: test-secret
      {flag}: "on"
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt
      - run: python manage.py test
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run ruff check .
"#
    )
}

fn deploy_yml(index: usize) -> String {
    // Its own GitHub environment (a tenant or region): one deploy target
    // per deploy workflow, so targets grow with N.
    let stage = if index.is_multiple_of(2) {
        "production"
    } else {
        "staging"
    };
    let environment = format!("{stage}-{index:04}");
    let forgotten = SHARED_KEYS[index % SHARED_KEYS.len()];
    let mut lines = String::new();
    for key in SHARED_KEYS.iter().filter(|k| **k != forgotten) {
        let _ = writeln!(
            lines,
            "            echo \"{key}=${{{{ secrets.{key} }}}}\" >> .env"
        );
    }
    for key in own_keys(index) {
        let _ = writeln!(
            lines,
            "            echo \"{key}=${{{{ secrets.{key} }}}}\" >> .env"
        );
    }
    format!(
        r#"name: deploy {index}

on:
  push:
    branches: [main]
  workflow_dispatch:

jobs:
  test:
    runs-on: ubuntu-latest
    env:
      DATABASE_URL: sqlite:///test.db
      SECRET_KEY: test-secret
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt && python manage.py test
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: {environment}
    steps:
      - uses: appleboy/ssh-action@v1
        with:
          host: ${{{{ secrets.HOST }}}}
          username: deploy
          key: ${{{{ secrets.SSH_KEY }}}}
          script: |
            cd /srv/app-{index:04}
{lines}            docker compose pull && docker compose up -d
"#
    )
}

const MANAGE_PY: &str = r#"#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"#;

const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"app.wsgi\"]\n";

const COMPOSE_YML: &str = r#"services:
  web:
    build: .
    env_file: .env
    environment:
      DJANGO_SETTINGS_MODULE: app.settings
    restart: unless-stopped
"#;
