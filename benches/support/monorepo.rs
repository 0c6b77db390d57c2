//! The generated monorepo of the benchmarks and the determinism test: N
//! services, each with a settings module (Django + django-environ, Django +
//! os.environ, or FastAPI + python-decouple, in turn), plain Python code
//! that mentions `os` without reading the env (work for the prefilter), a
//! compose file, a Dockerfile, and a deploy workflow under the root's
//! `.github/workflows/` that writes `.env` — missing some keys on purpose so
//! the audit has findings. Deterministic: the same N gives the same bytes.
//!
//! Shared by `examples/gen_monorepo.rs` (what `benches/run.sh` runs) and
//! `tests/integration/determinism.rs` through `#[path]`.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    pub services: usize,
    pub files: usize,
    pub python_files: usize,
    pub bytes: u64,
}

const DOMAINS: &[&str] = &[
    "billing",
    "orders",
    "catalog",
    "search",
    "accounts",
    "payments",
    "shipping",
    "inventory",
    "reviews",
    "notify",
    "media",
    "reports",
    "pricing",
    "loyalty",
    "support",
    "auth",
];

/// One service's names: `billing-007`, package `billing_007`, key prefix `BILLING_007`.
struct Service {
    name: String,
    package: String,
    prefix: String,
    index: usize,
}

impl Service {
    fn new(index: usize) -> Service {
        let domain = DOMAINS[index % DOMAINS.len()];
        let number = index / DOMAINS.len();
        Service {
            name: format!("{domain}-{number:03}"),
            package: format!("{domain}_{number:03}"),
            prefix: format!("{}_{number:03}", domain.to_uppercase()),
            index,
        }
    }
}

/// Write `services` services under `root` (created if missing).
pub fn generate(root: &Path, services: usize) -> io::Result<Generated> {
    let mut out = Writer {
        root,
        done: Generated {
            services,
            ..Generated::default()
        },
    };
    out.write(
        ".gitignore",
        "# Local state never audited\n.env\n__pycache__/\n*.pyc\n.venv/\nnode_modules/\n",
    )?;
    out.write(
        "README.md",
        &format!("# Platform monorepo\n\n{services} services under `services/`.\n"),
    )?;
    let mut secrets = String::new();
    for index in 0..services {
        let svc = Service::new(index);
        write_service(&mut out, &svc)?;
        for key in secret_names(&svc) {
            let _ = writeln!(secrets, "{key}");
        }
    }
    out.write("secrets.txt", &secrets)?;
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
        if rel.ends_with(".py") {
            self.done.python_files += 1;
        }
        Ok(())
    }
}

/// The secrets the store holds for a service: every key its workflow writes,
/// plus the webhook secret the workflow forgets (a `secret-unwritten`).
fn secret_names(svc: &Service) -> Vec<String> {
    let p = &svc.prefix;
    vec![
        format!("{p}_DATABASE_URL"),
        format!("{p}_SECRET_KEY"),
        format!("{p}_REDIS_URL"),
        format!("{p}_S3_BUCKET"),
        format!("{p}_WEBHOOK_SECRET"),
        format!("{p}_SENTRY_DSN"),
    ]
}

fn write_service(out: &mut Writer<'_>, svc: &Service) -> io::Result<()> {
    let dir = format!("services/{}", svc.name);
    let pkg = &svc.package;
    match svc.index % 3 {
        0 => out.write(
            &format!("{dir}/{pkg}/settings.py"),
            &django_environ_settings(svc),
        )?,
        1 => out.write(
            &format!("{dir}/{pkg}/settings.py"),
            &django_os_environ_settings(svc),
        )?,
        _ => out.write(
            &format!("{dir}/{pkg}/settings.py"),
            &fastapi_decouple_settings(svc),
        )?,
    }
    out.write(&format!("{dir}/{pkg}/__init__.py"), "")?;
    out.write(&format!("{dir}/manage.py"), &manage_py(svc))?;
    out.write(&format!("{dir}/{pkg}/views.py"), &views_py(svc))?;
    out.write(&format!("{dir}/{pkg}/models.py"), &models_py(svc))?;
    out.write(&format!("{dir}/{pkg}/storage.py"), &storage_py(svc))?;
    out.write(
        &format!("{dir}/{pkg}/migrations/0001_initial.py"),
        &migration_py(svc),
    )?;
    out.write(&format!("{dir}/tests/test_views.py"), &tests_py(svc))?;
    out.write(&format!("{dir}/docker-compose.yml"), &compose_yml(svc))?;
    out.write(&format!("{dir}/Dockerfile"), &dockerfile(svc))?;
    out.write(&format!("{dir}/entrypoint.sh"), &entrypoint_sh(svc))?;
    out.write(&format!("{dir}/requirements.txt"), "Django==5.1.4\ndjango-environ==0.14.0\npython-decouple==3.8\ngunicorn==23.0.0\nboto3==1.35.0\n")?;
    out.write(
        &format!(".github/workflows/deploy-{}.yml", svc.name),
        &workflow_yml(svc),
    )?;
    Ok(())
}

fn django_environ_settings(svc: &Service) -> String {
    let (p, pkg) = (&svc.prefix, &svc.package);
    format!(
        r#""""Django settings for {pkg} (django-environ)."""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "{pkg}",
]

DATABASES = {{"default": env.db("DATABASE_URL")}}
CACHES = {{
    "default": {{
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://localhost:6379/0"),
    }}
}}

# The bucket had three names over the years; any of them will do.
S3_UPLOAD_BUCKET = env("S3_UPLOAD_BUCKET", default=env("AWS_STORAGE_BUCKET_NAME", default=env("S3_BUCKET", default="")))
S3_PRESIGN_EXPIRES = env.int("S3_PRESIGN_EXPIRES", default=3600)
{p}_WEBHOOK_SECRET = env("{p}_WEBHOOK_SECRET")
{p}_PAGE_SIZE = env.int("{p}_PAGE_SIZE", default=50)
SENTRY_DSN = env("SENTRY_DSN", default="")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"#
    )
}

fn django_os_environ_settings(svc: &Service) -> String {
    let (p, pkg) = (&svc.prefix, &svc.package);
    format!(
        r#""""Django settings for {pkg} (plain os.environ)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "false").lower() == "true"
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "{pkg}",
]

DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": int(os.environ.get("DB_PORT", "5432")),
        "NAME": os.environ["DB_NAME"],
        "USER": os.environ["DB_USER"],
        "PASSWORD": os.environ["DB_PASSWORD"],
    }}
}}

REDIS_URL = os.environ.get("REDIS_URL", os.environ.get("CACHE_URL", "redis://localhost:6379/0"))
{p}_WEBHOOK_SECRET = os.environ["{p}_WEBHOOK_SECRET"]
{p}_TIMEOUT = float(os.getenv("{p}_TIMEOUT", "2.5"))
FEATURE_FLAGS = {{name: os.environ.get(f"FEATURE_{{name.upper()}}") for name in ("search", "export")}}

STATIC_URL = "static/"
STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")
"#
    )
}

fn fastapi_decouple_settings(svc: &Service) -> String {
    let (p, pkg) = (&svc.prefix, &svc.package);
    format!(
        r#""""FastAPI settings for {pkg} (python-decouple)."""
from decouple import Csv, config

APP_NAME = "{pkg}"
DEBUG = config("DEBUG", default=False, cast=bool)
SECRET_KEY = config("SECRET_KEY")
DATABASE_URL = config("DATABASE_URL")
REDIS_URL = config("REDIS_URL", default="redis://localhost:6379/0")
ALLOWED_ORIGINS = config("ALLOWED_ORIGINS", default="http://localhost:3000", cast=Csv())
S3_BUCKET = config("S3_BUCKET", default="")
{p}_WEBHOOK_SECRET = config("{p}_WEBHOOK_SECRET")
{p}_WORKERS = config("{p}_WORKERS", default=4, cast=int)
SENTRY_DSN = config("SENTRY_DSN", default=None)
"#
    )
}

fn manage_py(svc: &Service) -> String {
    format!(
        r#"#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{}.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"#,
        svc.package
    )
}

/// Plain code: mentions `os`, `environ` and `config` in ways that read no key.
fn views_py(svc: &Service) -> String {
    let mut text = format!(
        r#""""Views of {pkg}: no env reads here, only names that look like them."""
import json
import os
from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse

TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")


@dataclass
class Page:
    number: int
    size: int

    def offset(self):
        return (self.number - 1) * self.size


def config(request):
    """Client configuration (not python-decouple's config)."""
    return JsonResponse({{"name": "{pkg}", "debug": settings.DEBUG}})

"#,
        pkg = svc.package
    );
    for view in 0..12 {
        let _ = write!(
            text,
            r#"
def list_items_{view}(request):
    page = Page(int(request.GET.get("page", 1)), int(request.GET.get("size", 20)))
    items = [{{"id": i, "name": f"item-{view}-{{i}}"}} for i in range(page.offset(), page.offset() + page.size)]
    payload = {{"items": items, "environment": request.META.get("SERVER_NAME", "")}}
    return JsonResponse(json.loads(json.dumps(payload)))
"#
        );
    }
    text
}

fn models_py(svc: &Service) -> String {
    let mut text = format!(
        "\"\"\"Models of {}.\"\"\"\nfrom django.db import models\n",
        svc.package
    );
    for model in 0..8 {
        let _ = write!(
            text,
            r#"

class Record{model}(models.Model):
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{{self.name}} ({{self.pk}})"
"#
        );
    }
    text
}

/// A module that reads one key outside the settings (the app reads it too).
fn storage_py(svc: &Service) -> String {
    format!(
        r#""""Uploads for {pkg}."""
import os

import boto3

_client = None


def client():
    global _client
    if _client is None:
        _client = boto3.client("s3", region_name=os.environ.get("AWS_REGION", "eu-west-1"))
    return _client


def presign(key, expires=3600):
    bucket = os.environ.get("S3_UPLOAD_BUCKET") or os.environ.get("S3_BUCKET", "")
    return client().generate_presigned_url("get_object", Params={{"Bucket": bucket, "Key": key}}, ExpiresIn=expires)
"#,
        pkg = svc.package
    )
}

fn migration_py(svc: &Service) -> String {
    format!(
        r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Record0",
            fields=[("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=200))],
        ),
    ]
    # {}
"#,
        svc.package
    )
}

fn tests_py(svc: &Service) -> String {
    format!(
        r#"import os

from django.test import TestCase, override_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{pkg}.settings")


class ViewTests(TestCase):
    @override_settings(DEBUG=True)
    def test_config(self):
        response = self.client.get("/config/")
        self.assertEqual(response.status_code, 200)
"#,
        pkg = svc.package
    )
}

fn compose_yml(svc: &Service) -> String {
    let (p, name) = (&svc.prefix, &svc.name);
    // Every fourth service forgets the worker's restart policy.
    let worker_restart = if svc.index % 4 == 3 {
        ""
    } else {
        "    restart: unless-stopped\n"
    };
    format!(
        r#"services:
  web:
    build: .
    image: registry.example.com/{name}:${{IMAGE_TAG:-latest}}
    env_file: .env
    environment:
      DJANGO_SETTINGS_MODULE: {pkg}.settings
      {p}_PAGE_SIZE: "100"
    ports:
      - "${{WEB_PORT:-8000}}:8000"
    restart: unless-stopped
  worker:
    image: registry.example.com/{name}:${{IMAGE_TAG:-latest}}
    command: celery -A {pkg} worker
    env_file: .env
{worker_restart}  migrate:
    image: registry.example.com/{name}:${{IMAGE_TAG:-latest}}
    command: python manage.py migrate --noinput
    env_file: .env
"#,
        pkg = svc.package
    )
}

fn dockerfile(svc: &Service) -> String {
    format!(
        "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nENV DJANGO_SETTINGS_MODULE={}.settings\nENTRYPOINT [\"./entrypoint.sh\"]\n",
        svc.package
    )
}

fn entrypoint_sh(svc: &Service) -> String {
    format!(
        "#!/bin/sh\nset -e\npython manage.py collectstatic --noinput\nexec gunicorn {}.wsgi --workers \"${{GUNICORN_WORKERS:-3}}\" --bind \"0.0.0.0:${{PORT:-8000}}\"\n",
        svc.package
    )
}

/// The deploy: writes `.env` on the host over ssh. It forgets the service's
/// webhook secret (read as required) and `S3_PRESIGN_EXPIRES` (read with a
/// default), and writes a key nobody reads.
fn workflow_yml(svc: &Service) -> String {
    let (p, name) = (&svc.prefix, &svc.name);
    format!(
        r#"name: deploy {name}

on:
  push:
    branches: [main]
    paths:
      - "services/{name}/**"
  workflow_dispatch:

jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        run: |
          docker build -t registry.example.com/{name}:${{{{ github.sha }}}} services/{name}
          docker push registry.example.com/{name}:${{{{ github.sha }}}}
      - name: Write .env
        working-directory: services/{name}
        run: |
          echo "SECRET_KEY=${{{{ secrets.{p}_SECRET_KEY }}}}" >> .env
          echo "DATABASE_URL=${{{{ secrets.{p}_DATABASE_URL }}}}" >> .env
          echo "DB_HOST=db.internal" >> .env
          echo "DB_NAME={pkg}" >> .env
          echo "DB_USER={pkg}" >> .env
          echo "DB_PASSWORD=${{{{ secrets.{p}_DATABASE_URL }}}}" >> .env
          echo "REDIS_URL=${{{{ secrets.{p}_REDIS_URL }}}}" >> .env
          echo "AWS_STORAGE_BUCKET_NAME=${{{{ secrets.{p}_S3_BUCKET }}}}" >> .env
          echo "SENTRY_DSN=${{{{ secrets.{p}_SENTRY_DSN }}}}" >> .env
          echo "ALLOWED_HOSTS={name}.example.com" >> .env
          echo "IMAGE_TAG=${{{{ github.sha }}}}" >> .env
          echo "{p}_LEGACY_MODE=off" >> .env
      - name: Deploy
        working-directory: services/{name}
        run: docker compose up -d --remove-orphans
"#,
        pkg = svc.package
    )
}
