//! Keys nobody in the repository has to write, and keys read by code that is
//! not the repository's. Kept in one place so a reader can see (and extend)
//! exactly what envtrail takes for granted.

/// Keys the platform sets: the OS, the container runtime, the language
/// runtime, the CI runner. A read of one is never `unset-*`.
const PLATFORM_KEYS: &[&str] = &[
    // POSIX / the container runtime
    "PATH",
    "HOME",
    "HOSTNAME",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "OLDPWD",
    "TERM",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SHLVL",
    "UID",
    "GID",
    // Kubernetes injects these into every pod
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "POD_NAME",
    "POD_NAMESPACE",
    // CI runners
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_WORKSPACE",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_ENV",
    "GITHUB_OUTPUT",
    "GITHUB_PATH",
    "GITEA_ACTIONS",
    "RUNNER_OS",
    "RUNNER_TEMP",
    // Django sets it with `os.environ.setdefault` in manage.py / wsgi.py / asgi.py
    "DJANGO_SETTINGS_MODULE",
    // Heroku-style dynos
    "DYNO",
];

/// Prefixes of keys the platform sets.
const PLATFORM_PREFIXES: &[&str] = &[
    "PYTHON",
    "LC_",
    "XDG_",
    "VIRTUAL_ENV",
    "PIP_",
    "GITHUB_",
    "RUNNER_",
    "ACTIONS_",
];

/// Keys read by well-known libraries rather than the app's code. A key they
/// consume is not `written-unread`. Each entry: (prefix or exact key, who reads it).
const LIBRARY_CONSUMERS: &[(&str, &str)] = &[
    (
        "CELERY_",
        "Celery (config_from_object with namespace CELERY)",
    ),
    ("DJANGO_SUPERUSER_", "Django createsuperuser --noinput"),
    ("GUNICORN_CMD_ARGS", "gunicorn"),
    ("GH_TOKEN", "the GitHub CLI"),
    ("DOCKER_HOST", "the Docker CLI"),
    ("UVICORN_", "uvicorn"),
    ("AWS_ACCESS_KEY_ID", "boto3 / the AWS CLI"),
    ("AWS_SECRET_ACCESS_KEY", "boto3 / the AWS CLI"),
    ("AWS_SESSION_TOKEN", "boto3 / the AWS CLI"),
    ("AWS_DEFAULT_REGION", "boto3 / the AWS CLI"),
    ("AWS_REGION", "boto3 / the AWS CLI"),
    ("AWS_PROFILE", "boto3 / the AWS CLI"),
    (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "Google Cloud client libraries",
    ),
    ("SENTRY_DSN", "sentry-sdk"),
    ("SENTRY_ENVIRONMENT", "sentry-sdk"),
    ("SENTRY_RELEASE", "sentry-sdk"),
    ("NEW_RELIC_", "the New Relic agent"),
    ("DD_", "the Datadog tracer"),
    ("OTEL_", "OpenTelemetry"),
    ("POSTGRES_", "the postgres image entrypoint"),
    ("PGHOST", "libpq"),
    ("PGPORT", "libpq"),
    ("PGUSER", "libpq"),
    ("PGPASSWORD", "libpq"),
    ("PGDATABASE", "libpq"),
    ("MYSQL_", "the mysql image entrypoint"),
    ("REDIS_PASSWORD", "the redis image"),
    ("PYTHONUNBUFFERED", "CPython"),
    ("PYTHONDONTWRITEBYTECODE", "CPython"),
    ("TZ", "libc"),
];

pub fn is_platform_key(key: &str) -> bool {
    platform_entry(key).is_some()
}

/// The platform list's entry that covers `key` (the key itself, or a prefix such as `LC_`).
pub fn platform_entry(key: &str) -> Option<&'static str> {
    PLATFORM_KEYS
        .iter()
        .copied()
        .find(|k| *k == key)
        .or_else(|| {
            PLATFORM_PREFIXES
                .iter()
                .copied()
                .find(|p| key.starts_with(p))
        })
}

/// Who reads `key` when it is a library's key, else `None`.
pub fn library_consumer(key: &str) -> Option<&'static str> {
    LIBRARY_CONSUMERS
        .iter()
        .find(|(pattern, _)| {
            if pattern.ends_with('_') {
                key.starts_with(pattern)
            } else {
                key == *pattern
            }
        })
        .map(|(_, who)| *who)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_keys() {
        assert!(is_platform_key("PATH"));
        assert!(is_platform_key("PYTHONPATH"));
        assert!(is_platform_key("DJANGO_SETTINGS_MODULE"));
        assert!(!is_platform_key("DATABASE_URL"));
    }

    #[test]
    fn library_consumers() {
        assert!(library_consumer("CELERY_BROKER_URL").is_some());
        assert!(library_consumer("DJANGO_SUPERUSER_PASSWORD").is_some());
        assert!(library_consumer("AWS_REGION").is_some());
        assert!(library_consumer("AWS_REGIONS").is_none());
        assert!(library_consumer("S3_UPLOAD_BUCKET").is_none());
    }
}
