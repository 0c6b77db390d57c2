//! Located facts: what collectors find in files, before any judgement.
//!
//! Every collector turns files into these and nothing else; the chain model
//! joins them per key, and rules judge the chain. Values of env entries are
//! never stored here (only where they come from), so no later stage can leak
//! a secret by accident.

use serde::Serialize;

use crate::location::Location;

/// Where the value written for a key comes from. The value itself is never
/// kept: people paste real credentials into workflows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// `${{ secrets.NAME }}`
    Secret(String),
    /// `${{ vars.NAME }}`
    Var(String),
    /// `${{ env.NAME }}` or a shell/compose variable `$NAME` taken from the
    /// surrounding environment.
    Env(String),
    /// `${{ github.NAME }}`
    Github(String),
    /// A value written in the file itself.
    Literal,
    /// Anything envtrail cannot attribute (command substitution, a step output...).
    Unknown,
}

impl Source {
    /// The contract's spelling: `secrets.NAME`, `vars.NAME`, `env.NAME`,
    /// `github.NAME`, `literal`, `unknown`.
    pub fn label(&self) -> String {
        match self {
            Source::Secret(n) => format!("secrets.{n}"),
            Source::Var(n) => format!("vars.{n}"),
            Source::Env(n) => format!("env.{n}"),
            Source::Github(n) => format!("github.{n}"),
            Source::Literal => "literal".to_string(),
            Source::Unknown => "unknown".to_string(),
        }
    }

    pub fn secret_name(&self) -> Option<&str> {
        match self {
            Source::Secret(n) => Some(n),
            _ => None,
        }
    }
}

/// How a key was written. The kebab-case name is the JSON `via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteVia {
    /// `echo "K=V" >> .env`
    DotenvEcho,
    /// `printf "A=%s\nB=%s\n" ... > .env`
    DotenvPrintf,
    /// `cat <<EOF > .env`
    DotenvHeredoc,
    /// `... | tee -a .env`
    DotenvTee,
    /// `echo "K=V" >> $GITHUB_ENV`
    GithubEnv,
    /// `env:` map of a workflow, job or `run:` step.
    WorkflowEnv,
    /// `env:` map of a `uses:` step: the action's own process env, which no
    /// later step, and no compose the job starts, sees.
    ActionEnv,
    /// `envs:` / `env:` forwarded by an ssh deploy action.
    SshActionEnvs,
    /// `export K=V` in a script run on the deploy host.
    RemoteExport,
    /// `docker run -e K=V` / `-e K`
    DockerRunEnv,
    /// `docker run --env-file F`: the keys of F, when F is known.
    DockerRunEnvFile,
    /// `environment:` of a compose service.
    ComposeEnvironment,
    /// `env_file:` of a compose service.
    ComposeEnvFile,
    /// `ENV` in a Dockerfile.
    DockerfileEnv,
    /// A key in a committed dotenv file (`.env.production`...).
    DotenvFile,
    /// Kubernetes `env:` / `envFrom:` / `--from-env-file`.
    Kubernetes,
    /// `gcloud run deploy --set-env-vars` and friends.
    CloudRun,
    /// An action that writes an env file from its inputs
    /// (`SpicyPizza/create-envfile`'s `envkey_<KEY>`).
    EnvfileAction,
    /// `os.environ.setdefault("K", "v")` in the app's own code: K is set for
    /// the rest of its process.
    PythonSetdefault,
    /// A Terraform resource's env: an ECS container definition, a Lambda
    /// function, a Cloud Run service, an Azure web app, a Kubernetes deployment.
    Terraform,
    /// An ECS task-definition JSON file, or the
    /// `aws-actions/amazon-ecs-render-task-definition` step.
    EcsTaskDefinition,
    /// `env:` of a Cloud Foundry `manifest.yml`.
    CloudFoundry,
    /// `[env]` of `fly.toml`, or `fly secrets set`.
    Fly,
    /// `envVars` of a `render.yaml` service.
    Render,
    /// `env_variables` of an App Engine `app.yaml`.
    AppEngine,
    /// `env` of a Heroku `app.json`, or `heroku config:set`.
    Heroku,
    /// A Helm chart's values rendered into its templates' env, or `helm --set`.
    Helm,
    /// Kustomize `configMapGenerator` / `secretGenerator`.
    Kustomize,
    /// `Environment=` / `EnvironmentFile=` of a systemd unit.
    Systemd,
    /// `sops -d FILE > .env`: the keys of a committed sops-encrypted dotenv
    /// file (names in clear, values encrypted).
    SopsDecrypt,
    /// The app settings of an App Service site in an Azure Bicep template
    /// (`siteConfig.appSettings`, a `config` resource named `appsettings`,
    /// or the module parameter that feeds one).
    Bicep,
}

impl WriteVia {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteVia::DotenvEcho => "dotenv-echo",
            WriteVia::DotenvPrintf => "dotenv-printf",
            WriteVia::DotenvHeredoc => "dotenv-heredoc",
            WriteVia::DotenvTee => "dotenv-tee",
            WriteVia::GithubEnv => "github-env",
            WriteVia::WorkflowEnv => "workflow-env",
            WriteVia::ActionEnv => "action-env",
            WriteVia::SshActionEnvs => "ssh-action-envs",
            WriteVia::RemoteExport => "remote-export",
            WriteVia::DockerRunEnv => "docker-run-env",
            WriteVia::DockerRunEnvFile => "docker-run-env-file",
            WriteVia::ComposeEnvironment => "compose-environment",
            WriteVia::ComposeEnvFile => "compose-env-file",
            WriteVia::DockerfileEnv => "dockerfile-env",
            WriteVia::DotenvFile => "dotenv-file",
            WriteVia::Kubernetes => "kubernetes",
            WriteVia::CloudRun => "cloud-run",
            WriteVia::EnvfileAction => "envfile-action",
            WriteVia::PythonSetdefault => "python-setdefault",
            WriteVia::Terraform => "terraform",
            WriteVia::EcsTaskDefinition => "ecs-task-definition",
            WriteVia::CloudFoundry => "cloud-foundry",
            WriteVia::Fly => "fly",
            WriteVia::Render => "render",
            WriteVia::AppEngine => "app-engine",
            WriteVia::Heroku => "heroku",
            WriteVia::Helm => "helm",
            WriteVia::Kustomize => "kustomize",
            WriteVia::Systemd => "systemd",
            WriteVia::SopsDecrypt => "sops-decrypt",
            WriteVia::Bicep => "bicep",
        }
    }

    /// The write is an action's own input (a `uses:` step's `env:`): it
    /// reaches neither the app nor any later step.
    pub fn is_action_input(self) -> bool {
        self == WriteVia::ActionEnv
    }

    /// The stage of the chain this kind of write belongs to (a table column).
    pub fn stage(self) -> Stage {
        match self {
            WriteVia::ComposeEnvironment
            | WriteVia::ComposeEnvFile
            | WriteVia::DockerfileEnv
            | WriteVia::Kubernetes
            | WriteVia::CloudRun
            | WriteVia::DotenvFile
            | WriteVia::Terraform
            | WriteVia::EcsTaskDefinition
            | WriteVia::CloudFoundry
            | WriteVia::Fly
            | WriteVia::Render
            | WriteVia::AppEngine
            | WriteVia::Heroku
            | WriteVia::Helm
            | WriteVia::Kustomize
            | WriteVia::Systemd
            | WriteVia::Bicep => Stage::Deploy,
            WriteVia::PythonSetdefault => Stage::Settings,
            _ => Stage::Workflow,
        }
    }
}

/// The links of the chain, in the order a value travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Secret,
    Workflow,
    Deploy,
    Settings,
    Live,
}

/// A key put into the app's environment by some stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvWrite {
    pub key: String,
    pub location: Location,
    pub via: WriteVia,
    pub source: Source,
    /// The file the key lands in, as written (`.env`, `/srv/app/.env`), when
    /// the write goes to a file rather than a process environment.
    pub sink: Option<String>,
    /// The deploy target this write belongs to: `<workflow file>#<job>` or a
    /// GitHub `environment:` name, or a compose file. `None` when it applies
    /// to every target.
    pub target: Option<String>,
    /// Written on a remote host (ssh, SSM) rather than on the runner.
    pub remote: bool,
}

/// A dotenv file written from a single opaque value (`echo "${{ secrets.ENV }}" > .env`):
/// its keys cannot be known, so it could satisfy any read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueEnvFile {
    pub location: Location,
    pub source: Source,
    /// The file written, as written in the script.
    pub sink: String,
    pub target: Option<String>,
}

/// A stage envtrail sees exists but cannot read: whatever it sets is unknown.
/// A key read by code in `scope` that no visible stage sets is then
/// `Unknown`, never `Unset` (an error is for what is certain).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpaqueStage {
    pub kind: OpaqueKind,
    /// Where the stage shows itself: the env_file line, the infrastructure file...
    pub location: Location,
    /// The folder whose code the stage may feed ("" for the whole repository).
    pub scope: String,
}

/// What kind of stage envtrail could not see. The wording (and what would
/// make it visible) belongs to the `reach-unknown` rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpaqueKind {
    /// A compose `env_file:` (or the implicit `.env` compose reads for
    /// interpolation) that is not in the repository and that no workflow writes:
    /// it lives on the deploy host.
    HostEnvFile { path: String },
    /// A dotenv file written from one opaque value (`echo "${{ secrets.ENV }}" > .env`).
    WholeFileSecret { sink: String, source: Source },
    /// A Kubernetes object the app takes env from that the repository does not
    /// define (ExternalSecret, SealedSecret, Vault, created by hand).
    ExternalSecretStore { what: String },
    /// A reusable workflow from another repository (`uses: org/repo/...@ref`).
    RemoteWorkflow { uses: String },
    /// Env of a platform app envtrail reads that it cannot read key by key
    /// (`what`: a map from a Terraform variable, `fly secrets`...); `app`
    /// names the app (`ECS container web`).
    PlatformEnv { app: String, what: String },
    /// Infrastructure or platform files envtrail does not parse.
    Infrastructure { kind: InfraKind },
    /// A workflow step that sets the app's env in a way envtrail does not
    /// read (an action or a platform CLI).
    DeployStep { what: String },
    /// The app loads a dotenv file itself (`load_dotenv`, `read_env`, pydantic
    /// `env_file`) and envtrail cannot see that file's content.
    /// `scripts_only`: every delivery ships a fresh checkout, where the file
    /// cannot be; only scripts and commands run by hand (on a machine that
    /// may hold it) can load it.
    AppDotenv { path: String, scripts_only: bool },
    /// Nothing envtrail sees deploys the app: no job delivers it and no
    /// compose service, Kubernetes workload or platform runs its code (a
    /// self-hosted product's users deploy it, or the deploy lives elsewhere).
    UnseenDeploy,
    /// The workflow delivers compose projects, but none of their services
    /// runs the code in `dir` (image-only services whose image envtrail
    /// cannot tie to a folder): what gives that code its env is not in view.
    UndeployedCode { dir: String },
}

impl OpaqueKind {
    /// How specific the kind is (declaration order): a note names the most
    /// specific stage that may feed a read, whatever the kind carries.
    pub fn rank(&self) -> u8 {
        match self {
            OpaqueKind::HostEnvFile { .. } => 0,
            OpaqueKind::WholeFileSecret { .. } => 1,
            OpaqueKind::ExternalSecretStore { .. } => 2,
            OpaqueKind::RemoteWorkflow { .. } => 3,
            OpaqueKind::PlatformEnv { .. } => 4,
            OpaqueKind::Infrastructure { .. } => 5,
            OpaqueKind::DeployStep { .. } => 6,
            OpaqueKind::AppDotenv { .. } => 7,
            OpaqueKind::UndeployedCode { .. } => 8,
            OpaqueKind::UnseenDeploy => 9,
        }
    }

    /// A stable kebab-case name, for JSON and tests.
    pub fn as_str(&self) -> &'static str {
        match self {
            OpaqueKind::HostEnvFile { .. } => "host-env-file",
            OpaqueKind::WholeFileSecret { .. } => "whole-file-secret",
            OpaqueKind::ExternalSecretStore { .. } => "external-secret-store",
            OpaqueKind::RemoteWorkflow { .. } => "remote-workflow",
            OpaqueKind::PlatformEnv { .. } => "platform-env",
            OpaqueKind::Infrastructure { .. } => "infrastructure",
            OpaqueKind::DeployStep { .. } => "deploy-step",
            OpaqueKind::AppDotenv { .. } => "app-dotenv",
            OpaqueKind::UndeployedCode { .. } => "undeployed-code",
            OpaqueKind::UnseenDeploy => "unseen-deploy",
        }
    }
}

/// A workflow job, as a deploy target candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowJob {
    /// The target its writes carry (`file#job`, or its GitHub environment).
    pub target: String,
    /// The job's key.
    pub location: Location,
    /// It ships the app somewhere (see `collect::workflow::delivery`).
    pub delivers: bool,
    /// It runs the app's tests on the runner and delivers nothing: a test
    /// environment, never a deploy target.
    pub tests: bool,
    /// What it deploys is built from its checkout: a container image, or a
    /// platform upload (`gcloud app deploy`, `cf push`).
    pub ships_checkout: bool,
    /// It starts compose: on the runner (`Some(true)`), only on deploy
    /// hosts (`Some(false)`); `None` when envtrail sees no compose command.
    pub compose_on_runner: Option<bool>,
}

/// The app loading a dotenv file itself (`load_dotenv`, `read_env`,
/// pydantic `env_file`): a stage of the chain, visible or not depending on
/// whether envtrail sees the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvLoad {
    pub location: Location,
    /// The file as the code names it (the last string of the path expression;
    /// `.env` when none is given).
    pub path: String,
}

/// A sign that the app runs on a platform (a bare `gcloud run deploy` in a
/// workflow...) that is not already an opaque stage or a write: the keys that
/// platform sets in every container are then set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSign {
    pub platform: crate::platform::Platform,
    pub location: Location,
}

/// Infrastructure-as-code and platform manifests envtrail sees but does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InfraKind {
    Terraform,
    EcsTaskDefinition,
    CloudFormation,
    Serverless,
    Zappa,
    ElasticBeanstalk,
    CloudFoundry,
    Fly,
    Render,
    AppEngine,
    Heroku,
    Helm,
    Pulumi,
    Bicep,
}

impl InfraKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InfraKind::Terraform => "Terraform",
            InfraKind::EcsTaskDefinition => "an ECS task definition",
            InfraKind::CloudFormation => "CloudFormation / SAM",
            InfraKind::Serverless => "the Serverless Framework",
            InfraKind::Zappa => "Zappa",
            InfraKind::ElasticBeanstalk => "Elastic Beanstalk",
            InfraKind::CloudFoundry => "a Cloud Foundry manifest",
            InfraKind::Fly => "fly.toml",
            InfraKind::Render => "render.yaml",
            InfraKind::AppEngine => "an App Engine app.yaml",
            InfraKind::Heroku => "Heroku (app.json / Procfile config vars)",
            InfraKind::Helm => "a Helm chart",
            InfraKind::Pulumi => "Pulumi",
            InfraKind::Bicep => "Bicep / ARM",
        }
    }
}

/// Who reads a key. Only the app's own reads can be `unset-*`; the others
/// still consume the key, so it is not `written-unread`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consumer {
    /// The app's Python code.
    App,
    /// A shell entrypoint shipped with the app (`entrypoint.sh`...).
    Entrypoint,
    /// Deploy tooling: compose interpolation of image tags and ports, a
    /// workflow script using a variable it was given.
    Deploy,
    /// A well-known library reading keys by prefix (`CELERY_*`).
    Library,
    /// A test of the app (`tests/`, `test_*.py`, `conftest.py`) that the app's
    /// entry points do not import: not audited against the deploy.
    Test,
    /// A CI helper script (under `.github/`, or run by a workflow step): its
    /// env is the workflow step's, not the deployed app's.
    CiHelper,
    /// A one-off script or management command the app's entry points do not
    /// import: audited, but at most a warning.
    Script,
    /// A build copy or vendored code (`build/`, `dist/`, `vendor/`): not audited.
    Vendored,
}

impl Consumer {
    /// What a Python file is by its path when it is not the deployed app:
    /// build copies, CI helpers, tests, one-off scripts; `None` for anything
    /// else. Applied only to files the app's entry points do not import.
    pub fn outside_the_app(rel: &str) -> Option<Consumer> {
        let parts: Vec<&str> = rel.split('/').collect();
        let (name, dirs) = parts.split_last()?;
        let in_dir = |names: &[&str]| dirs.iter().any(|d| names.contains(d));
        if in_dir(&["build", "dist", "site-packages", "vendor", "node_modules"]) {
            Some(Consumer::Vendored)
        } else if dirs.first() == Some(&".github") {
            Some(Consumer::CiHelper)
        } else if in_dir(&["tests", "test"])
            || name.starts_with("test_")
            || name.ends_with("_test.py")
            || matches!(*name, "conftest.py" | "tests.py")
        {
            Some(Consumer::Test)
        } else if in_dir(&["scripts", "bin", "cli"])
            || dirs.windows(2).any(|w| w == ["management", "commands"])
        {
            Some(Consumer::Script)
        } else {
            None
        }
    }
}

/// How a key was read. The kebab-case name is the JSON `via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadVia {
    /// `os.environ["K"]`, `environ["K"]`
    OsEnviron,
    /// `os.environ.get("K", d)`
    OsEnvironGet,
    /// `os.getenv("K", d)`, `getenv(...)`
    OsGetenv,
    /// `os.environ.setdefault("K", d)`
    OsEnvironSetdefault,
    /// `os.environ.pop("K", d)`: without `d`, a missing K raises.
    OsEnvironPop,
    /// `"K" in os.environ`: a test of K, not a use of its value.
    OsEnvironIn,
    /// django-environ `env("K")`, `env.str("K")`, `Env(K=(type, default))`
    DjangoEnviron,
    /// python-decouple `config("K")`
    Decouple,
    /// environs `env("K")`, `env.str("K", default)`, `with env.prefixed("P_"):`
    Environs,
    /// A django-configurations `values.XValue(...)` class attribute.
    DjangoConfigurations,
    /// dynaconf `settings.KEY`, `settings.get("KEY", d)`, `settings["KEY"]`.
    Dynaconf,
    /// A pydantic-settings `BaseSettings` field.
    PydanticSettings,
    /// A call of a project helper that wraps one of the above.
    Wrapper,
    /// `$K` / `${K:-d}` in a shell entrypoint.
    Shell,
    /// Compose `${K}` interpolation.
    ComposeInterpolation,
    /// A workflow script or expression using a variable.
    WorkflowScript,
    /// A key consumed by a well-known library (see `platform.rs`).
    Library,
}

/// A default as written in the source, when it is a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Str(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Python `None`.
    None,
}

impl DefaultValue {
    /// Defaults that leave the app without a usable value: the message says so louder.
    pub fn is_empty_like(&self) -> bool {
        match self {
            DefaultValue::Str(s) => s.is_empty(),
            DefaultValue::None | DefaultValue::Bool(false) => true,
            _ => false,
        }
    }

    /// The default as source code would spell it: `""`, `"8000"`, `None`, `False`.
    pub fn as_python(&self) -> String {
        match self {
            DefaultValue::Str(s) => format!("{s:?}"),
            DefaultValue::Bool(true) => "True".into(),
            DefaultValue::Bool(false) => "False".into(),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(f) => f.to_string(),
            DefaultValue::None => "None".into(),
        }
    }
}

/// A read of an env key.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvRead {
    /// `None` when the key is built at run time (f-string, variable): reported
    /// as a read of an unknown key, never guessed.
    pub key: Option<String>,
    pub location: Location,
    pub via: ReadVia,
    pub consumer: Consumer,
    /// True only when a missing key makes the read fail.
    pub required: bool,
    /// The literal default, when there is one.
    pub default: Option<DefaultValue>,
    /// A default exists but is not a literal (an expression, another read).
    pub has_default: bool,
    /// The fallback chain this read starts: the key itself first, then each
    /// alias in order. A read is satisfied when any of them is set.
    pub chain: Vec<String>,
    /// Set on a read nested as the fallback of another read: the head key.
    /// Findings are reported on the head only.
    pub fallback_of: Option<String>,
    /// The branch condition the read sits under (`if "K" in os.environ:`),
    /// when there is one: the read runs only where the condition holds.
    pub guard: Option<ReadGuard>,
}

/// What a read's enclosing branches test. The branch runs only when every
/// key of `set` is set and every key of `unset` is not; `other` says the
/// conditions test something else too (`if DEBUG:`, an earlier `elif`),
/// so that even then envtrail cannot tell whether it runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadGuard {
    /// The innermost condition (its `if`, `elif` or conditional expression).
    pub location: Location,
    pub set: Vec<String>,
    pub unset: Vec<String>,
    pub other: bool,
}

impl EnvRead {
    /// A read of `key` with no default and no chain; callers adjust the fields.
    pub fn new(key: Option<String>, location: Location, via: ReadVia, consumer: Consumer) -> Self {
        let chain = key.iter().cloned().collect();
        EnvRead {
            key,
            location,
            via,
            consumer,
            required: false,
            default: None,
            has_default: false,
            chain,
            fallback_of: None,
            guard: None,
        }
    }
}

/// A use of `secrets.NAME` (or a `workflow_call` declaration of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub name: String,
    pub location: Location,
    /// A `on.workflow_call.secrets` declaration rather than a use.
    pub declaration: bool,
    /// Which environment's secrets the use can see.
    pub scope: SecretScope,
}

/// The secrets a `secrets.NAME` use can see beyond the repository's and the
/// organisation's: an environment's are given only to the jobs whose
/// `environment:` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum SecretScope {
    /// In a job that names no environment: no environment's secrets.
    NoEnvironment,
    /// In a job of this environment (`environment: NAME` or `{name: NAME}`).
    Environment(String),
    /// Outside any job (workflow-level `env:`, `on:`), or in a job whose
    /// environment is an expression: any environment's, as far as anyone knows.
    #[default]
    Unknown,
}

impl SecretScope {
    /// The environment's name, when the use is in a job of a named one.
    pub fn environment(&self) -> Option<&str> {
        match self {
            SecretScope::Environment(name) => Some(name),
            SecretScope::NoEnvironment | SecretScope::Unknown => None,
        }
    }
}

/// A file that could not be read or parsed: becomes `input-unparsed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsed {
    pub location: Location,
    pub message: String,
}

/// Everything the collectors found, for the chain model to join.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub writes: Vec<EnvWrite>,
    pub opaque: Vec<OpaqueEnvFile>,
    /// Stages envtrail sees but cannot read (infrastructure files, remote
    /// workflows, the app's own dotenv loading...).
    pub opaque_stages: Vec<OpaqueStage>,
    /// Workflow jobs, by the deploy target they write for, and whether they
    /// deliver the app (a deploy) or not (tests, lint, release, bots).
    pub jobs: Vec<WorkflowJob>,
    /// The app's own dotenv loading.
    pub dotenv_loads: Vec<DotenvLoad>,
    pub reads: Vec<EnvRead>,
    pub secret_refs: Vec<SecretRef>,
    pub unparsed: Vec<Unparsed>,
    /// Informational notes for the run (files skipped for size...).
    pub notes: Vec<Unparsed>,
    /// Compose services (every compose file under the root).
    pub services: Vec<ComposeService>,
    /// Dockerfiles and the `ENV` keys their images carry.
    pub images: Vec<DockerImage>,
    /// Dotenv files in the repository: documented examples and committed real ones.
    pub dotenv_files: Vec<DotenvFile>,
    /// Kubernetes workloads (Deployment, StatefulSet...) and their containers' env.
    pub workloads: Vec<KubeWorkload>,
    /// Kubernetes Secrets and ConfigMaps: committed manifests, or created by
    /// `kubectl create secret|configmap --from-env-file` in a workflow.
    pub kube_objects: Vec<KubeObject>,
    /// The app's settings modules, repository-relative (sorted and
    /// deduplicated on the chain).
    pub settings_modules: Vec<String>,
    /// Deploy commands that start a compose project (`docker compose -f a -f b up`).
    pub compose_deploys: Vec<ComposeDeploy>,
    /// Compose files that `include:` others: their project holds the
    /// included files' services too.
    pub compose_includes: Vec<ComposeInclude>,
    /// Platforms the repository deploys to, besides those its opaque stages
    /// and Cloud Run writes show.
    pub platform_signs: Vec<PlatformSign>,
    /// How the app starts: what the app's modules are followed from.
    pub entry_points: Vec<EntryPoint>,
    /// Every Python file the settings collector saw, with what it imports.
    pub python_files: Vec<PythonFile>,
    /// Python files a workflow `run:` step executes (`python scripts/x.py`).
    pub ci_scripts: Vec<CiScript>,
    /// Apps a platform runs as its manifests or infrastructure code define
    /// them (an ECS container, a Lambda function, a Fly app...), with their env.
    pub platform_apps: Vec<PlatformApp>,
    /// `gcloud run deploy --env-vars-file F` in a workflow.
    pub cloud_run_env_files: Vec<CloudRunEnvFile>,
    /// `sops -d FILE > .env` in a workflow's `run:` script.
    pub sops_decrypts: Vec<SopsDecrypt>,
}

impl Facts {
    pub fn extend(&mut self, other: Facts) {
        self.writes.extend(other.writes);
        self.opaque.extend(other.opaque);
        self.opaque_stages.extend(other.opaque_stages);
        self.jobs.extend(other.jobs);
        self.dotenv_loads.extend(other.dotenv_loads);
        self.reads.extend(other.reads);
        self.secret_refs.extend(other.secret_refs);
        self.unparsed.extend(other.unparsed);
        self.notes.extend(other.notes);
        self.services.extend(other.services);
        self.images.extend(other.images);
        self.dotenv_files.extend(other.dotenv_files);
        self.workloads.extend(other.workloads);
        self.kube_objects.extend(other.kube_objects);
        self.settings_modules.extend(other.settings_modules);
        self.compose_deploys.extend(other.compose_deploys);
        self.compose_includes.extend(other.compose_includes);
        self.platform_signs.extend(other.platform_signs);
        self.entry_points.extend(other.entry_points);
        self.python_files.extend(other.python_files);
        self.ci_scripts.extend(other.ci_scripts);
        self.platform_apps.extend(other.platform_apps);
        self.cloud_run_env_files.extend(other.cloud_run_env_files);
        self.sops_decrypts.extend(other.sops_decrypts);
    }

    /// The facts of many files or collectors, in order, each list allocated
    /// once at its final length: growing one list by doubling holds up to
    /// twice the facts (and both copies while it moves), the largest share
    /// of a big repository's memory before the chain is built.
    pub fn concat(mut parts: Vec<Facts>) -> Facts {
        fn joined<T>(parts: &mut [Facts], list: impl Fn(&mut Facts) -> &mut Vec<T>) -> Vec<T> {
            let len = parts.iter_mut().map(|p| list(p).len()).sum();
            let mut all = Vec::with_capacity(len);
            for part in parts.iter_mut() {
                all.append(list(part));
            }
            all
        }
        Facts {
            writes: joined(&mut parts, |p| &mut p.writes),
            opaque: joined(&mut parts, |p| &mut p.opaque),
            opaque_stages: joined(&mut parts, |p| &mut p.opaque_stages),
            jobs: joined(&mut parts, |p| &mut p.jobs),
            dotenv_loads: joined(&mut parts, |p| &mut p.dotenv_loads),
            reads: joined(&mut parts, |p| &mut p.reads),
            secret_refs: joined(&mut parts, |p| &mut p.secret_refs),
            unparsed: joined(&mut parts, |p| &mut p.unparsed),
            notes: joined(&mut parts, |p| &mut p.notes),
            services: joined(&mut parts, |p| &mut p.services),
            images: joined(&mut parts, |p| &mut p.images),
            dotenv_files: joined(&mut parts, |p| &mut p.dotenv_files),
            workloads: joined(&mut parts, |p| &mut p.workloads),
            kube_objects: joined(&mut parts, |p| &mut p.kube_objects),
            settings_modules: joined(&mut parts, |p| &mut p.settings_modules),
            compose_deploys: joined(&mut parts, |p| &mut p.compose_deploys),
            compose_includes: joined(&mut parts, |p| &mut p.compose_includes),
            platform_signs: joined(&mut parts, |p| &mut p.platform_signs),
            entry_points: joined(&mut parts, |p| &mut p.entry_points),
            python_files: joined(&mut parts, |p| &mut p.python_files),
            ci_scripts: joined(&mut parts, |p| &mut p.ci_scripts),
            platform_apps: joined(&mut parts, |p| &mut p.platform_apps),
            cloud_run_env_files: joined(&mut parts, |p| &mut p.cloud_run_env_files),
            sops_decrypts: joined(&mut parts, |p| &mut p.sops_decrypts),
        }
    }

    pub fn unparsed(location: Location, message: impl Into<String>) -> Facts {
        Facts {
            unparsed: vec![Unparsed {
                location,
                message: message.into(),
            }],
            ..Facts::default()
        }
    }
}

/// One `${NAME...}` reference in a compose value: the host key compose reads
/// (from the project `.env` or the shell) to build it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolation {
    pub key: String,
    pub kind: InterpolationKind,
}

/// The forms of compose interpolation. The default's text is never kept,
/// only whether it is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpolationKind {
    /// `$K`, `${K}`: empty (with a compose warning) when unset.
    Plain,
    /// `${K:-d}` (also when empty) / `${K-d}` (only when unset).
    Default { if_empty: bool, default_empty: bool },
    /// `${K:?err}` / `${K?err}`: `docker compose up` fails when unset.
    Required { if_empty: bool },
    /// `${K:+v}` / `${K+v}`: a value only when K is set.
    Alternative,
}

/// How a compose `environment:` entry gets its value (never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeValue {
    /// `- K` or `K:` with no value: taken from host key K.
    Passthrough,
    /// A value written in the file, with no interpolation.
    Literal { empty: bool },
    /// A value built from host keys (`${DJANGO_SECRET_KEY}`), possibly with literal text around them.
    Interpolated {
        refs: Vec<Interpolation>,
        has_text: bool,
    },
}

/// One key a compose service passes to its container through `environment:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeEnv {
    /// The key the container sees.
    pub key: String,
    pub location: Location,
    pub value: ComposeValue,
}

/// One `env_file:` entry of a compose service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeEnvFile {
    /// As written, relative to the compose file's folder.
    pub path: String,
    pub location: Location,
    /// `required: false` in the long form: compose skips the file when missing.
    pub required: bool,
}

/// A service of a compose file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeService {
    /// The compose file, relative to the root.
    pub file: String,
    pub name: String,
    /// The service's key.
    pub location: Location,
    pub environment: Vec<ComposeEnv>,
    pub env_files: Vec<ComposeEnvFile>,
    /// `build:` context resolved against the root (`.` for the root itself),
    /// when it has no interpolation.
    pub build_context: Option<String>,
    /// The Dockerfile the build uses, resolved against the root.
    pub dockerfile: Option<String>,
    /// `image:` as written (a name and tag, never credentials).
    pub image: Option<String>,
    /// `restart:` or `deploy.restart_policy` is set.
    pub restart: bool,
    /// `depends_on` entries with their condition (`service_started` for the short form).
    pub depends_on: Vec<(String, String)>,
    /// The service looks like it runs the Python app: its build context has
    /// `manage.py` or a settings module, or its command starts gunicorn,
    /// uvicorn, celery, `manage.py`...
    pub runs_python: bool,
    /// `command:` / `entrypoint:`, classified (the text is not kept).
    pub command: Option<ServiceCommand>,
    /// `profiles:` is set: plain `docker compose up` does not start it.
    pub profiled: bool,
    /// Signs of a development stack: an auto-reloading or idle command, a
    /// `develop:` section, a dev Dockerfile or env file.
    pub dev: bool,
    /// Some deploy command starts this service's compose file (after the
    /// overlays it names are merged into it).
    pub deployed: bool,
}

#[cfg(test)]
impl ComposeService {
    /// Service `name` of `file`, its key at `row`, nothing else set: what
    /// unit tests start from.
    pub fn at(file: &str, name: &str, row: u32) -> Self {
        ComposeService {
            file: file.into(),
            name: name.into(),
            location: Location::new(file, row, 2),
            ..ComposeService::default()
        }
    }
}

/// What a service's `command:` (or `entrypoint:`) says it does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceCommand {
    pub location: Location,
    /// Starts the Python app or one of its workers.
    pub runs_python: bool,
    /// Runs to completion: migrations, `collectstatic`, a copy, `exit 0`...
    pub oneshot: bool,
}

/// A deploy command that starts a compose project: `docker compose -f a.yml
/// -f b.yml up`, `docker-compose up`, `docker stack deploy -c a.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeDeploy {
    pub location: Location,
    /// The `-f` / `--file` / `-c` files in order, as written; empty when
    /// compose finds its default file in the working folder.
    pub files: Vec<String>,
    /// Run on a deploy host (ssh, SSM) rather than on the runner.
    pub remote: bool,
    /// The job running it delivers the app (see `collect::workflow::delivery`):
    /// a CI job's `docker compose up` for its tests deploys nothing.
    pub delivers: bool,
}

/// A compose file's top-level `include:` (Compose 2.20+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeInclude {
    /// The including file.
    pub file: String,
    pub location: Location,
    /// The included files, from the repository root, in order.
    pub paths: Vec<String>,
}

/// An `ENV` key an image carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEnv {
    pub key: String,
    pub location: Location,
    /// `Literal`, or `Unknown` when the value comes from an `ARG` or another variable.
    pub source: Source,
}

/// A Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerImage {
    pub file: String,
    pub env: Vec<ImageEnv>,
    /// Built `FROM python...` or installs/runs Python tooling.
    pub python: bool,
    /// Built on a well-known runtime of another language (`node`, `nginx`,
    /// `golang`...) and installing no Python: an image of something else.
    pub other_runtime: bool,
    /// The last `CMD`/`ENTRYPOINT` (what a container of it runs), else the
    /// first line: where findings about such a container point.
    pub command: Location,
}

/// A key in a dotenv file; only whether its value is empty is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvKey {
    pub key: String,
    pub location: Location,
    pub empty: bool,
}

/// A dotenv file committed to the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvFile {
    pub file: String,
    /// `.env.example`, `.env.sample`, `.env.template`...: documents the keys a
    /// deploy must provide. Otherwise a real env file (`.env.production`).
    pub example: bool,
    pub keys: Vec<DotenvKey>,
}

/// Where a Kubernetes container env entry takes its value from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeValue {
    Literal {
        empty: bool,
    },
    /// `valueFrom.secretKeyRef` / `configMapKeyRef`.
    ObjectKey {
        kind: KubeObjectKind,
        name: String,
        key: String,
    },
    /// `fieldRef`, `resourceFieldRef`: set by Kubernetes.
    Field,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KubeObjectKind {
    Secret,
    ConfigMap,
}

impl KubeObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KubeObjectKind::Secret => "Secret",
            KubeObjectKind::ConfigMap => "ConfigMap",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeEnv {
    pub key: String,
    pub location: Location,
    pub value: KubeValue,
}

/// `envFrom: - secretRef/configMapRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeEnvFrom {
    pub kind: KubeObjectKind,
    pub name: String,
    pub prefix: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeContainer {
    pub name: String,
    pub location: Location,
    pub image: Option<String>,
    pub env: Vec<KubeEnv>,
    pub env_from: Vec<KubeEnvFrom>,
}

/// A Deployment, StatefulSet, DaemonSet, Job or CronJob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeWorkload {
    pub file: String,
    pub kind: String,
    pub name: String,
    pub location: Location,
    pub containers: Vec<KubeContainer>,
}

/// A Secret or ConfigMap: its keys (never values), or the env file it is
/// created from (`kubectl create secret generic NAME --from-env-file F`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeObject {
    pub kind: KubeObjectKind,
    pub name: String,
    pub location: Location,
    pub keys: Vec<(String, Location)>,
    /// `--from-env-file F`, as written in the script.
    pub env_file: Option<String>,
    pub target: Option<String>,
}

/// Where an entry point was found. The kebab-case name is the JSON `via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryVia {
    /// `CMD` / `ENTRYPOINT` of a Dockerfile.
    Dockerfile,
    /// `command:` / `entrypoint:` of a compose service.
    Compose,
    /// A Kubernetes container's `command:` / `args:`.
    Kubernetes,
    /// A `Procfile` line.
    Procfile,
    /// A shell entrypoint script (`entrypoint.sh`, `start.sh`...).
    Script,
    /// A Django project's `manage.py`, `wsgi.py` or `asgi.py`.
    Django,
    /// `entry-points` in envtrail.toml.
    Config,
    /// A platform manifest's start command (App Engine `entrypoint`, Cloud
    /// Foundry `command`, Render `startCommand`, a Lambda's handler).
    Manifest,
}

/// How the app starts: a command that runs Python modules of the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryPoint {
    /// What is shown: `gunicorn config.wsgi`, `celery -A proj`.
    pub command: String,
    /// The modules it starts, dotted (`config.wsgi`) or a file (`manage.py`,
    /// `src/app.py`); several when the tool tries more than one
    /// (`celery -A proj`: `proj` or `proj.celery`).
    pub modules: Vec<String>,
    pub location: Location,
    pub via: EntryVia,
}

/// One `import` of a Python file, as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonImport {
    /// The module, dotted, with its leading dots when relative (`..base`,
    /// `.`); an `importlib.import_module` literal is one too.
    pub module: String,
    /// `from m import a, b`: `a`, `b` (each may be a submodule); `*` for a
    /// star import; empty for `import m`.
    pub names: Vec<String>,
}

/// A Python file and what it imports: the edges of the app's module graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonFile {
    pub file: String,
    pub imports: Vec<PythonImport>,
}

/// A Python file a workflow `run:` step executes: its env is that step's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiScript {
    /// As written, joined to the step's `working-directory`.
    pub path: String,
    /// The `run:` line.
    pub location: Location,
}

/// An app a platform runs, as a manifest or infrastructure code in the
/// repository defines it: an ECS container, a Lambda function, a Cloud Run
/// service, a Fly app, a Render service... Its env is a deploy stage
/// envtrail reads: a key it sets reaches the app; a key it lacks is unset
/// unless some part of it envtrail cannot read (`unseen`) may set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformApp {
    /// How its env entries are written (their JSON `via`).
    pub via: WriteVia,
    /// What it is, in words: `ECS container`, `Lambda function`, `Fly app`.
    pub noun: &'static str,
    /// Its name: the container's, the function's, the resource's label.
    pub name: String,
    /// Where it is defined: the resource, the container definition, the file.
    pub location: Location,
    /// The image it runs, as written (a name and tag), when it says.
    pub image: Option<String>,
    /// The platform it runs on, for the keys that platform sets itself.
    pub platform: Option<crate::platform::Platform>,
    pub env: Vec<PlatformEnv>,
    /// Parts of its env envtrail cannot read key by key.
    pub unseen: Vec<UnseenEnv>,
    /// Env files it loads, as written (systemd `EnvironmentFile=`), each
    /// where it is named: what a deploy writes there arrives; a file no
    /// stage shows lives on the host.
    pub env_files: Vec<(String, Location)>,
}

/// One key a platform app's definition sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformEnv {
    pub key: String,
    pub location: Location,
    /// `Literal`, a secret store's entry or a variable (`Unknown`): the key
    /// is set either way.
    pub source: Source,
}

/// Env a platform app takes that envtrail cannot read key by key: a map
/// from a Terraform variable, a `dynamic` block, `fly secrets`, Heroku
/// config vars, a vars file not in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnseenEnv {
    /// What it is, in words (`the map var.app_env`, `fly secrets`).
    pub what: String,
    pub location: Location,
}

/// `sops -d FILE > SINK` on the runner: SINK gets FILE's keys, whose values
/// the repository holds encrypted. FILE is looked up in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SopsDecrypt {
    /// Where FILE may be in the repository, in order: from the step's
    /// working directory, then as written from the checkout's root (a deploy
    /// that copies the checkout elsewhere first decrypts the same file).
    pub candidates: Vec<String>,
    /// The dotenv file written, as the job's other writes name it.
    pub sink: String,
    /// The `sops` command.
    pub location: Location,
    /// The job's target.
    pub target: String,
}

/// `gcloud run deploy --env-vars-file F`: the service gets the keys of the
/// YAML file F (committed: read as a dotenv file; otherwise unseen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudRunEnvFile {
    /// As written in the script.
    pub path: String,
    /// The `gcloud` command.
    pub location: Location,
    /// The job's target.
    pub target: String,
}
