//! Keys nobody in the repository has to write, and keys read by code that is
//! not the repository's. Kept in one place so a reader can see (and extend)
//! exactly what envtrail takes for granted.

/// Keys the platform sets: the OS, the container runtime, the language
/// runtime, the CI runner; with [`PLATFORM_MARKERS`], a read of one is
/// never `unset-*`.
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
    // CI runners
    "GITHUB_WORKSPACE",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_ENV",
    "GITHUB_OUTPUT",
    "GITHUB_PATH",
    "RUNNER_OS",
    "RUNNER_TEMP",
    // Django sets it with `os.environ.setdefault` in manage.py / wsgi.py / asgi.py
    "DJANGO_SETTINGS_MODULE",
    // Names only one platform uses: set wherever the app runs there, and no
    // one else writes them (those that say which platform it is are the
    // markers below).
    "CLOUD_RUN_EXECUTION",
    "CLOUD_RUN_TASK_INDEX",
    "CLOUD_RUN_TASK_COUNT",
    "CLOUD_RUN_TASK_ATTEMPT",
    "LAMBDA_RUNTIME_DIR",
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
    // Cloud Foundry, AWS Lambda, Fly, Render, App Engine: prefixes only they use
    "VCAP_",
    "CF_INSTANCE_",
    "AWS_LAMBDA_",
    "FLY_",
    "RENDER_",
    "GAE_",
];

/// A platform the repository shows it deploys to (its manifest, a deploy
/// action or its CLI in a workflow). The keys it sets in every container
/// are set only then: `PORT` on a compose host is the deploy's to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    CloudRun,
    AppEngine,
    Heroku,
    CloudFoundry,
    AppService,
    Fly,
    Render,
    AwsEcs,
    AwsLambda,
}

impl Platform {
    /// The platform's name, as the verdict says who sets a key.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::CloudRun => "Cloud Run",
            Platform::AppEngine => "App Engine",
            Platform::Heroku => "Heroku",
            Platform::CloudFoundry => "Cloud Foundry",
            Platform::AppService => "Azure App Service",
            Platform::Fly => "Fly",
            Platform::Render => "Render",
            Platform::AwsEcs => "Amazon ECS",
            Platform::AwsLambda => "AWS Lambda",
        }
    }

    /// Keys (or prefixes, ending in `_`) the platform sets in every
    /// container that other stages also write, so they count only here.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Platform::CloudRun | Platform::Heroku | Platform::CloudFoundry | Platform::Render => {
                &["PORT"]
            }
            Platform::AppEngine => &["PORT", "GOOGLE_CLOUD_PROJECT"],
            Platform::AppService => &["PORT", "WEBSITE_"],
            // Fly sets no PORT: the app listens on fly.toml's internal_port.
            Platform::Fly => &["PRIMARY_REGION"],
            Platform::AwsEcs | Platform::AwsLambda => &["AWS_REGION", "AWS_DEFAULT_REGION"],
        }
    }

    /// The platform a deploy step (an action, or a platform CLI command as
    /// `opaque::deploy_commands` names it) or a bare CLI command deploys to.
    /// A deploy step that ships what the platform's manifest says, or sets
    /// env where the manifest's app already says envtrail cannot see
    /// (`fly secrets`, `heroku config:set`, `cf set-env`): once envtrail reads
    /// that manifest, the step hides nothing more. `None` for any other step,
    /// such as an action given env inputs (`deploy-appengine with env_vars`).
    pub fn of_manifest_deploy(what: &str) -> Option<Platform> {
        let platform = match what {
            "gcloud app deploy" | "google-github-actions/deploy-appengine" => Platform::AppEngine,
            "cf push" | "cf7 push" | "cf8 push" | "cf set-env" | "cloud-gov/cg-cli-tools" => {
                Platform::CloudFoundry
            }
            "fly deploy"
            | "flyctl deploy"
            | "fly secrets"
            | "flyctl secrets"
            | "superfly/flyctl-actions" => Platform::Fly,
            "render deploy"
            | "render-examples/deploy-to-render"
            | "johnbeynon/render-deploy-action" => Platform::Render,
            "heroku config:set" | "akhileshns/heroku-deploy" => Platform::Heroku,
            _ => return None,
        };
        Some(platform)
    }

    pub fn of_deploy_step(what: &str) -> Option<Platform> {
        let what = what.to_ascii_lowercase();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| what.starts_with(p));
        let platform = if starts(&["google-github-actions/deploy-cloudrun", "gcloud run "]) {
            Platform::CloudRun
        } else if starts(&["google-github-actions/deploy-appengine", "gcloud app "]) {
            Platform::AppEngine
        } else if starts(&["akhileshns/heroku-deploy", "heroku ", "git push heroku"]) {
            Platform::Heroku
        } else if starts(&[
            "cf push",
            "cf set-env",
            "cf7 ",
            "cf8 ",
            "citizen-of-planet-earth/cf-cli-action",
            "cloud-gov/cg-cli-tools",
        ]) {
            Platform::CloudFoundry
        } else if starts(&[
            "azure/webapps-deploy",
            "azure/appservice-settings",
            "az webapp",
        ]) {
            Platform::AppService
        } else if starts(&["superfly/flyctl-actions", "fly ", "flyctl "]) {
            Platform::Fly
        } else if starts(&[
            "render-examples/deploy-to-render",
            "johnbeynon/render-deploy-action",
            "render deploy",
        ]) {
            Platform::Render
        } else if starts(&["aws-actions/amazon-ecs-", "aws ecs ", "copilot"]) {
            Platform::AwsEcs
        } else if starts(&[
            "aws lambda ",
            "serverless",
            "sls deploy",
            "zappa ",
            "sam deploy",
        ]) {
            Platform::AwsLambda
        } else {
            return None;
        };
        Some(platform)
    }

    /// The platform a manifest envtrail sees (but does not parse) deploys to.
    pub fn of_infra(kind: crate::facts::InfraKind) -> Option<Platform> {
        use crate::facts::InfraKind;
        Some(match kind {
            InfraKind::Heroku => Platform::Heroku,
            InfraKind::CloudFoundry => Platform::CloudFoundry,
            InfraKind::Fly => Platform::Fly,
            InfraKind::Render => Platform::Render,
            InfraKind::AppEngine => Platform::AppEngine,
            InfraKind::EcsTaskDefinition => Platform::AwsEcs,
            InfraKind::Serverless | InfraKind::Zappa => Platform::AwsLambda,
            _ => return None,
        })
    }
}

/// The platforms a repository deploys to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platforms(pub std::collections::BTreeSet<Platform>);

impl Platforms {
    /// Who sets `key` for the app: the platform lists' entry, or the name of
    /// a platform the repository deploys to that sets it.
    pub fn entry(&self, key: &str) -> Option<&'static str> {
        platform_entry(key).or_else(|| {
            self.0
                .iter()
                .find(|p| p.keys().iter().any(|k| matches_entry(k, key)))
                .map(|p| p.as_str())
        })
    }

    pub fn sets(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }
}

/// `entry` is `key`, or a prefix (ending in `_`) of it.
fn matches_entry(entry: &str, key: &str) -> bool {
    if entry.ends_with('_') {
        key.starts_with(entry)
    } else {
        key == entry
    }
}

/// Keys read by well-known libraries rather than the app's code. A key they
/// consume is not `written-unread`. Each entry: (prefix or exact key, who reads it).
const LIBRARY_CONSUMERS: &[(&str, &str)] = &[
    (
        "CELERY_",
        "Celery (config_from_object with namespace CELERY)",
    ),
    ("DJANGO_SUPERUSER_", "Django createsuperuser --noinput"),
    ("GUNICORN_CMD_ARGS", "gunicorn"),
    ("WEB_CONCURRENCY", "gunicorn / uvicorn"),
    // Gunicorn binds 0.0.0.0:$PORT when PORT is set and no bind is given.
    ("PORT", "gunicorn"),
    (
        "FLASK_",
        "the Flask CLI and app.config.from_prefixed_env (FLASK_APP, FLASK_DEBUG...)",
    ),
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
    // App Service's build (Kudu / Oryx) and runtime read these app settings.
    (
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "App Service's build (Kudu)",
    ),
    ("ENABLE_ORYX_BUILD", "App Service's build (Oryx)"),
    ("WEBSITES_", "App Service"),
    ("PYTHONUNBUFFERED", "CPython"),
    ("PYTHONDONTWRITEBYTECODE", "CPython"),
    ("TZ", "libc"),
];

pub fn is_platform_key(key: &str) -> bool {
    platform_entry(key).is_some()
}

/// Keys whose presence says where the code runs rather than how it is
/// configured: only that platform (a Kubernetes pod, a Heroku dyno, Cloud
/// Run, Lambda, ECS, Render, a CI runner) sets them. A read of one is never
/// `unset-*`, but a condition that tests one (`if os.getenv("KUBERNETES_SERVICE_HOST"):`)
/// asks which platform this is, which envtrail cannot tell for every place
/// the app may run.
const PLATFORM_MARKERS: &[&str] = &[
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "POD_NAME",
    "POD_NAMESPACE",
    "CI",
    "GITHUB_ACTIONS",
    "GITEA_ACTIONS",
    "DYNO",
    "K_SERVICE",
    "K_REVISION",
    "K_CONFIGURATION",
    "CLOUD_RUN_JOB",
    "AWS_EXECUTION_ENV",
    "LAMBDA_TASK_ROOT",
    "ECS_CONTAINER_METADATA_URI",
    "ECS_CONTAINER_METADATA_URI_V4",
    "RENDER",
];

/// `key` tells which platform runs the code (see [`PLATFORM_MARKERS`]).
pub fn is_platform_marker(key: &str) -> bool {
    PLATFORM_MARKERS.contains(&key) || key.starts_with("AWS_LAMBDA_")
}

/// The platform list's entry that covers `key` (the key itself, or a prefix such as `LC_`).
pub fn platform_entry(key: &str) -> Option<&'static str> {
    PLATFORM_KEYS
        .iter()
        .chain(PLATFORM_MARKERS)
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
    fn a_platform_marker_is_a_platform_key_and_a_posix_key_is_no_marker() {
        for key in PLATFORM_MARKERS.iter().chain(&["AWS_LAMBDA_FUNCTION_NAME"]) {
            assert!(is_platform_marker(key), "{key}");
            assert!(is_platform_key(key), "{key}: a read of it is never unset");
        }
        for key in [
            "PATH",
            "HOME",
            "LANG",
            "DJANGO_SETTINGS_MODULE",
            "PYTHONPATH",
        ] {
            assert!(!is_platform_marker(key), "{key}");
        }
    }

    #[test]
    fn platform_keys() {
        assert!(is_platform_key("PATH"));
        assert!(is_platform_key("PYTHONPATH"));
        assert!(is_platform_key("DJANGO_SETTINGS_MODULE"));
        assert!(!is_platform_key("DATABASE_URL"));
        assert!(is_platform_key("K_SERVICE"));
        assert!(is_platform_key("VCAP_SERVICES"));
    }

    #[test]
    fn port_is_set_only_where_the_repository_deploys_to_a_platform_that_sets_it() {
        let none = Platforms::default();
        assert_eq!(none.entry("PORT"), None);
        assert_eq!(none.entry("WEBSITE_HOSTNAME"), None);
        assert_eq!(none.entry("AWS_REGION"), None);
        let on = |p: Platform| Platforms([p].into_iter().collect());
        assert_eq!(on(Platform::CloudRun).entry("PORT"), Some("Cloud Run"));
        assert_eq!(on(Platform::Heroku).entry("PORT"), Some("Heroku"));
        assert_eq!(on(Platform::Fly).entry("PORT"), None);
        assert_eq!(
            on(Platform::AppService).entry("WEBSITE_HOSTNAME"),
            Some("Azure App Service")
        );
        assert_eq!(on(Platform::AppService).entry("WEBSITES"), None);
        assert_eq!(
            on(Platform::AwsLambda).entry("AWS_REGION"),
            Some("AWS Lambda")
        );
        assert_eq!(on(Platform::CloudRun).entry("DATABASE_URL"), None);
    }

    #[test]
    fn deploy_steps_name_their_platform() {
        let of = Platform::of_deploy_step;
        assert_eq!(
            of("google-github-actions/deploy-cloudrun"),
            Some(Platform::CloudRun)
        );
        assert_eq!(of("gcloud run deploy"), Some(Platform::CloudRun));
        assert_eq!(of("cf push"), Some(Platform::CloudFoundry));
        assert_eq!(of("heroku config:set"), Some(Platform::Heroku));
        assert_eq!(of("azure/webapps-deploy"), Some(Platform::AppService));
        assert_eq!(of("helm upgrade"), None);
        assert_eq!(of("terraform apply"), None);
    }

    #[test]
    fn library_consumers() {
        assert!(library_consumer("CELERY_BROKER_URL").is_some());
        assert!(library_consumer("DJANGO_SUPERUSER_PASSWORD").is_some());
        assert!(library_consumer("AWS_REGION").is_some());
        assert!(library_consumer("FLASK_DEBUG").is_some());
        assert!(library_consumer("WEB_CONCURRENCY").is_some());
        assert!(library_consumer("AWS_REGIONS").is_none());
        assert!(library_consumer("S3_UPLOAD_BUCKET").is_none());
    }
}
