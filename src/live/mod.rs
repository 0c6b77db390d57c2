//! `envtrail live`: the static audit plus a fourth stage, a container, read
//! through the Docker Engine API (or a saved `docker inspect`): its env keys
//! (never their values), its state, and the settings module inside its image.
//!
//! Everything the rules need lands on the chain as [`ContainerFacts`], so
//! the live rules stay pure functions of the chain like every other rule.
//! Read-only: envtrail never starts, stops, execs into or changes a container.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audit::{self, AuditOptions};
use crate::chain::{Chain, reach};
use crate::collect::{self, InputFile};
use crate::config::Config;
use crate::error::Error;
use crate::facts::{ComposeService, DockerImage};
use crate::location::Location;
use crate::report::Report;
use crate::rules;

pub mod archive;
pub mod docker;
pub mod drift;
pub mod inspect;
mod when;

use docker::{Client, DockerError};
use drift::SettingsDrift;
use inspect::{EnvKeys, Inspect};

/// What `live` needs beyond the static audit's options.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub container: String,
    pub docker_host: Option<String>,
    pub inspect_file: Option<PathBuf>,
    pub timeout: Duration,
}

/// What the container says, for the live rules. Holds env keys and whether
/// each is empty, never a value.
#[derive(Debug, Clone, Default)]
pub struct ContainerFacts {
    /// As the user knows it: the name without the daemon's `/`.
    pub name: String,
    /// The first 12 characters of the id, as `docker ps` shows it.
    pub id: String,
    pub image: String,
    /// `running`, `exited`, `restarting`, `paused`, `created`, `dead`...
    pub status: String,
    pub running: bool,
    pub restarting: bool,
    pub paused: bool,
    pub oom_killed: bool,
    pub exit_code: i64,
    /// The daemon's error for the last start, if any.
    pub error: Option<String>,
    /// When it last stopped (RFC 3339), if it ever did.
    pub finished_at: Option<String>,
    /// `2 minutes ago`, computed when the audit ran.
    pub finished_ago: Option<String>,
    /// `healthy`, `unhealthy`, `starting`, when the image has a health check.
    pub health: Option<String>,
    pub failing_streak: i64,
    /// `none` when Docker has none (`""` or `no`).
    pub restart_policy: String,
    pub restart_max_retries: i64,
    pub env: EnvKeys,
    /// Where findings about the whole container point, and what that place is.
    pub anchor: Location,
    pub anchor_what: String,
    /// What Docker Compose's labels say of it, when Compose created it.
    pub compose: ComposeLabels,
    /// One entry per settings module compared (empty ones included).
    pub drift: Vec<SettingsDrift>,
    /// What the live stage could not do, said on stderr.
    pub notes: Vec<String>,
}

impl ContainerFacts {
    fn from_inspect(c: &Inspect) -> ContainerFacts {
        let state = &c.state;
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        // Docker writes the zero time for "never stopped".
        let finished_at = non_empty(&state.finished_at).filter(|t| !t.starts_with("0001-"));
        let policy = c.host_config.restart_policy.clone().unwrap_or_default();
        ContainerFacts {
            name: c.display_name().to_owned(),
            id: c.id.chars().take(12).collect(),
            image: c.config.image.clone(),
            status: if state.status.is_empty() {
                if state.running {
                    "running".into()
                } else {
                    "exited".into()
                }
            } else {
                state.status.clone()
            },
            running: state.running || state.status == "running",
            restarting: state.restarting || state.status == "restarting",
            paused: state.paused || state.status == "paused",
            oom_killed: state.oom_killed,
            exit_code: state.exit_code,
            error: non_empty(&state.error),
            finished_ago: finished_at.as_deref().and_then(when::ago),
            finished_at,
            health: state.health.as_ref().and_then(|h| non_empty(&h.status)),
            failing_streak: state
                .health
                .as_ref()
                .map(|h| h.failing_streak)
                .unwrap_or_default(),
            restart_policy: match policy.name.as_str() {
                "" | "no" => "none".into(),
                other => other.to_owned(),
            },
            restart_max_retries: policy.maximum_retry_count,
            env: c.config.env.clone(),
            compose: ComposeLabels {
                service: c.label("com.docker.compose.service").map(str::to_owned),
                config_files: c
                    .label("com.docker.compose.project.config_files")
                    .map(|files| files.split(',').map(|f| f.trim().to_owned()).collect())
                    .unwrap_or_default(),
            },
            ..ContainerFacts::default()
        }
    }

    /// Up and not reported unhealthy.
    pub fn is_up(&self) -> bool {
        self.running
            && !self.restarting
            && !self.paused
            && self.health.as_deref() != Some("unhealthy")
    }
}

/// `com.docker.compose.*` labels: which service of which file runs it.
#[derive(Debug, Clone, Default)]
pub struct ComposeLabels {
    pub service: Option<String>,
    pub config_files: Vec<String>,
}

/// The live audit: static chain, the container's facts on it, every rule.
pub fn run(options: &AuditOptions, live: &LiveOptions) -> Result<Report, Error> {
    let (mut chain, config) = audit::build_chain_and_config(options)?;
    // Only the modules' texts are read again: to compare with the container's.
    let modules: Vec<InputFile> = chain
        .settings_modules
        .iter()
        .map(|rel| InputFile {
            rel: rel.clone(),
            abs: options.root.join(rel),
        })
        .collect();

    let (inspect, drift, mut notes) = match &live.inspect_file {
        Some(path) => {
            let inspect = read_inspect_file(path, &live.container)?;
            let note = "image drift not checked: --inspect-file gives no daemon to download the settings module from"
                .to_string();
            (inspect, Vec::new(), vec![note])
        }
        None => from_daemon(live, &config, &modules)?,
    };
    let mut facts = ContainerFacts::from_inspect(&inspect);
    drop(inspect);
    let (anchor, anchor_what) = anchor(&facts, &chain);
    facts.anchor = anchor;
    facts.anchor_what = anchor_what;
    facts.drift = drift;
    facts.notes.append(&mut notes);

    attach(&mut chain, facts);
    let findings = rules::run(&chain);
    Ok(Report {
        root: options.root.to_string_lossy().into_owned(),
        repo_root: crate::audit::repo_root(&options.root),
        chain,
        findings,
    })
}

/// Put the container on the chain: its facts, and each key's `live` cell.
pub fn attach(chain: &mut Chain, facts: ContainerFacts) {
    for row in chain.rows.values_mut() {
        row.live = Some(facts.env.get(&row.key).unwrap_or(crate::chain::LiveKey {
            present: false,
            empty: false,
        }));
    }
    chain.container = Some(facts);
}

fn read_inspect_file(path: &Path, container: &str) -> Result<Inspect, DockerError> {
    let fail = |message: String| DockerError::InspectFile {
        path: path.display().to_string(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    inspect::parse(&bytes, container).map_err(fail)
}

/// Inspect the container and compare its settings modules, on a
/// current-thread runtime that lives only for this command.
fn from_daemon(
    live: &LiveOptions,
    config: &Config,
    modules: &[InputFile],
) -> Result<(Inspect, Vec<SettingsDrift>, Vec<String>), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::Other(anyhow::anyhow!(
                "cannot start the Docker client's runtime: {e}"
            ))
        })?;
    let host = docker::resolve_host(live.docker_host.as_deref());
    let result = runtime.block_on(async {
        let client = Client::connect(&host, live.timeout).await?;
        let inspect = client.inspect(&live.container).await?;
        let (drift, notes) = compare_settings(&client, &inspect, config, modules).await;
        Ok::<_, DockerError>((inspect, drift, notes))
    })?;
    Ok(result)
}

/// Download each repository settings module from the container and compare.
/// What cannot be compared becomes a note; only an unreachable daemon stops.
async fn compare_settings(
    client: &Client,
    inspect: &Inspect,
    config: &Config,
    modules: &[InputFile],
) -> (Vec<SettingsDrift>, Vec<String>) {
    let mut drifts = Vec::new();
    let mut notes = Vec::new();
    let plan = plan_paths(
        modules,
        &inspect.config.working_dir,
        config.live.settings_path.as_deref(),
    );
    if modules.is_empty() {
        notes.push("image drift not checked: no settings module (settings.py, settings/*.py, config.py) in the repository".into());
    }
    if let Err(message) = &plan {
        notes.push(message.clone());
    }
    for (module, candidates) in plan.unwrap_or_default() {
        let repo_text = match collect::read_text(module) {
            Ok(text) => text,
            Err(unparsed) => {
                notes.push(format!(
                    "image drift not checked for {}: {}",
                    module.rel, unparsed.message
                ));
                continue;
            }
        };
        let mut found = None;
        for path in &candidates {
            match client
                .download(&inspect.id, path, archive::MAX_SETTINGS_BYTES * 2)
                .await
            {
                Ok(Some(tar)) => {
                    found = Some((
                        path.clone(),
                        archive::single_file_text(&tar, archive::MAX_SETTINGS_BYTES),
                    ));
                    break;
                }
                Ok(None) => continue,
                Err(e) => {
                    notes.push(format!("image drift not checked for {}: {e}", module.rel));
                    found = Some((path.clone(), Err(String::new())));
                    break;
                }
            }
        }
        match found {
            Some((path, Ok(image_text))) => {
                let repo = drift::shape(&module.rel, &repo_text);
                let image = drift::shape(&module.rel, &image_text);
                drifts.push(drift::compare(&module.rel, &path, &repo, &image));
            }
            Some((path, Err(message))) => {
                if !message.is_empty() {
                    notes.push(format!("image drift not checked for {}: {path} in the container: {message}", module.rel));
                }
            }
            None => notes.push(format!(
                "image drift not checked for {}: not found in the container at {} (set [live] settings-path in envtrail.toml)",
                module.rel,
                candidates.join(", ")
            )),
        }
    }
    (drifts, notes)
}

type Plan<'a> = Vec<(&'a InputFile, Vec<String>)>;

/// For each settings module, the container paths to try, in order. With
/// `[live] settings-path`, only the module that path names is compared.
fn plan_paths<'a>(
    modules: &'a [InputFile],
    working_dir: &str,
    configured: Option<&str>,
) -> Result<Plan<'a>, String> {
    if let Some(path) = configured {
        let best = modules
            .iter()
            .map(|m| (common_suffix(&m.rel, path), m))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map(|(_, m)| m)
            .or(if modules.len() == 1 {
                modules.first()
            } else {
                None
            });
        return match best {
            Some(module) => Ok(vec![(module, vec![path.to_owned()])]),
            None => Err(format!(
                "image drift not checked: [live] settings-path {path} matches no settings module of the repository"
            )),
        };
    }
    Ok(modules
        .iter()
        .map(|m| (m, container_paths(&m.rel, working_dir)))
        .collect())
}

/// `WorkingDir` + the repository path, then with leading folders stripped
/// (images often copy `src/` or `backend/` to the working directory), then
/// the same under `/app` when the working directory is elsewhere.
pub fn container_paths(rel: &str, working_dir: &str) -> Vec<String> {
    let mut bases = Vec::new();
    let wd = working_dir.trim_end_matches('/');
    bases.push(if wd.is_empty() {
        String::new()
    } else {
        wd.to_owned()
    });
    if wd != "/app" {
        bases.push("/app".to_owned());
    }
    let parts: Vec<&str> = rel.split('/').collect();
    let mut paths = Vec::new();
    for base in &bases {
        for skip in 0..parts.len() {
            let path = format!("{base}/{}", parts.get(skip..).unwrap_or_default().join("/"));
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}

/// How many trailing path components two paths share.
fn common_suffix(a: &str, b: &str) -> usize {
    a.rsplit('/')
        .zip(b.rsplit('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// Where findings about the whole container point: the compose service that
/// runs it, else the Dockerfile that builds it, else the settings module,
/// else the first workflow. Each is true of the container and says why.
/// Taken from the chain: nothing is read again.
fn anchor(facts: &ContainerFacts, chain: &Chain) -> (Location, String) {
    if let Some(found) = compose_service(facts, &chain.deploy.services) {
        return found;
    }
    if let Some(found) = dockerfile(&chain.deploy.images) {
        return found;
    }
    if let Some(module) = chain.settings_modules.first() {
        return (
            Location::file_start(module.clone()),
            format!(
                "the app's settings {module} (no compose service or Dockerfile in the repository names the container)"
            ),
        );
    }
    let known = known_files(chain);
    if let Some(workflow) = known
        .iter()
        .find(|f| collect::workflow::is_workflow_path(f))
    {
        return (
            Location::file_start(*workflow),
            format!(
                "the workflow {workflow} (no compose file, Dockerfile or settings module in the repository)"
            ),
        );
    }
    match known.first() {
        Some(first) => (
            Location::file_start(*first),
            format!(
                "{first}, the first file envtrail found anything in (nothing in the repository names the container)"
            ),
        ),
        None => (
            Location::file_start("."),
            "the repository root (nothing in it names the container)".into(),
        ),
    }
}

/// The files the chain has a fact in, sorted: the last resort of [`anchor`].
fn known_files(chain: &Chain) -> std::collections::BTreeSet<&str> {
    let rows = chain.rows.values().flat_map(|r| {
        let written = r.written.iter().map(|w| &w.location);
        written.chain(r.read.iter().map(|r| &r.location))
    });
    let secrets = chain.secrets.values().flat_map(|s| s.referenced.iter());
    let said = chain
        .unparsed
        .iter()
        .chain(&chain.notes)
        .map(|u| &u.location);
    rows.chain(secrets)
        .chain(chain.unknown_reads.iter().map(|r| &r.location))
        .chain(chain.opaque.iter().map(|o| &o.location))
        .chain(said)
        .map(|l| l.file.as_str())
        .filter(|f| !f.is_empty())
        .collect()
}

/// The compose service that runs the container: the one Compose's label
/// names, else one named like the container; in the compose file Compose
/// used when its labels say, else the one closest to the root.
fn compose_service(
    facts: &ContainerFacts,
    services: &[ComposeService],
) -> Option<(Location, String)> {
    let labels = &facts.compose;
    let wanted = labels.service.as_deref().unwrap_or(&facts.name);
    let used_by_compose = |file: &str| {
        labels
            .config_files
            .iter()
            .any(|c| reach::basename(c) == reach::basename(file))
    };
    services
        .iter()
        .filter(|s| s.name == wanted)
        .min_by_key(|s| {
            (
                !used_by_compose(&s.file),
                s.file.matches('/').count(),
                &s.file,
                &s.location,
            )
        })
        .map(|s| {
            (
                s.location.clone(),
                format!("the compose service `{}` that runs it ({})", s.name, s.file),
            )
        })
}

/// The Dockerfile closest to the root: its last CMD/ENTRYPOINT (what the
/// container runs), else its first line.
fn dockerfile(images: &[DockerImage]) -> Option<(Location, String)> {
    let image = images
        .iter()
        .min_by_key(|i| (i.file.matches('/').count(), &i.file))?;
    Some((
        image.command.clone(),
        format!("the Dockerfile that builds its image ({})", image.file),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_from_working_dir() {
        assert_eq!(
            container_paths("backend/config/settings.py", "/srv/app"),
            [
                "/srv/app/backend/config/settings.py",
                "/srv/app/config/settings.py",
                "/srv/app/settings.py",
                "/app/backend/config/settings.py",
                "/app/config/settings.py",
                "/app/settings.py",
            ]
        );
        assert_eq!(
            container_paths("settings.py", "/app/"),
            ["/app/settings.py"]
        );
        assert_eq!(
            container_paths("settings.py", ""),
            ["/settings.py", "/app/settings.py"]
        );
    }

    #[test]
    fn configured_path_picks_the_matching_module() {
        let module = |rel: &str| InputFile {
            rel: rel.into(),
            abs: PathBuf::from(rel),
        };
        let modules = [
            module("config/settings/base.py"),
            module("config/settings/prod.py"),
        ];
        let plan = plan_paths(&modules, "/app", Some("/srv/config/settings/prod.py")).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].0.rel, "config/settings/prod.py");
        assert_eq!(plan[0].1, ["/srv/config/settings/prod.py"]);
        assert!(plan_paths(&modules, "/app", Some("/srv/other.py")).is_err());
    }
}

#[cfg(test)]
mod chain_tests {
    //! The live rules on a hand-built chain: what the settings collector
    //! would find, plus a container's env.
    use super::*;
    use crate::chain::LiveKey;
    use crate::facts::{Consumer, DefaultValue, EnvRead, Facts, ReadVia};

    fn image(file: &str, command_row: u32) -> DockerImage {
        DockerImage {
            file: file.into(),
            env: Vec::new(),
            python: true,
            other_runtime: false,
            command: Location::new(file, command_row, 0),
        }
    }

    fn container(name: &str, service: Option<&str>, config_files: &[&str]) -> ContainerFacts {
        ContainerFacts {
            name: name.into(),
            compose: ComposeLabels {
                service: service.map(str::to_owned),
                config_files: config_files.iter().map(|f| (*f).to_owned()).collect(),
            },
            ..ContainerFacts::default()
        }
    }

    /// None of these files exist: the anchor must come from the chain alone.
    #[test]
    fn the_anchor_comes_from_the_chain() {
        let facts = Facts {
            services: vec![
                ComposeService::at("docker-compose.yml", "api", 4),
                ComposeService::at("deploy/prod/compose.yaml", "api", 9),
                ComposeService::at("docker-compose.yml", "worker", 12),
            ],
            images: vec![image("backend/Dockerfile", 7), image("Dockerfile", 3)],
            settings_modules: vec!["config/settings.py".into()],
            ..Facts::default()
        };
        let chain = Chain::build(facts, None);
        let at = |c: &ContainerFacts| {
            let (location, what) = anchor(c, &chain);
            (location.file, location.row, location.column, what)
        };
        // Compose's label names the service and the file it used.
        assert_eq!(
            at(&container(
                "prod-api-1",
                Some("api"),
                &["/srv/deploy/prod/compose.yaml"]
            )),
            (
                "deploy/prod/compose.yaml".into(),
                9,
                2,
                "the compose service `api` that runs it (deploy/prod/compose.yaml)".into()
            )
        );
        // No config file label: the compose file closest to the root.
        assert_eq!(
            at(&container("x-api-1", Some("api"), &[])).0,
            "docker-compose.yml"
        );
        // No labels: the service named like the container.
        assert_eq!(at(&container("worker", None, &[])).1, 12);
        // No service runs it: the root Dockerfile's CMD.
        assert_eq!(
            at(&container("other", None, &[])),
            (
                "Dockerfile".into(),
                3,
                0,
                "the Dockerfile that builds its image (Dockerfile)".into()
            )
        );
        let only_settings = Chain::build(
            Facts {
                settings_modules: vec!["config/settings.py".into()],
                ..Facts::default()
            },
            None,
        );
        let (location, what) = anchor(&container("other", None, &[]), &only_settings);
        assert_eq!(location, Location::file_start("config/settings.py"));
        assert!(
            what.starts_with("the app's settings config/settings.py"),
            "{what}"
        );
    }

    fn read(key: &str, row: u32, required: bool, default: Option<DefaultValue>) -> EnvRead {
        let mut r = EnvRead::new(
            Some(key.into()),
            Location::new("config/settings.py", row, 0),
            ReadVia::DjangoEnviron,
            Consumer::App,
        );
        r.required = required;
        r.has_default = default.is_some();
        r.default = default;
        r
    }

    fn chain_with(env: &[&str]) -> Chain {
        let mut alias = read(
            "AWS_STORAGE_BUCKET_NAME",
            11,
            false,
            Some(DefaultValue::Str(String::new())),
        );
        alias.fallback_of = Some("S3_UPLOAD_BUCKET".into());
        let mut head = read("S3_UPLOAD_BUCKET", 11, false, None);
        head.has_default = true;
        head.chain = vec!["S3_UPLOAD_BUCKET".into(), "AWS_STORAGE_BUCKET_NAME".into()];
        let facts = Facts {
            reads: vec![
                read("DJANGO_SECRET_KEY", 7, true, None),
                read("DATABASE_URL", 8, true, None),
                head,
                alias,
                read("HOSTNAME", 13, true, None),
            ],
            ..Facts::default()
        };
        let mut chain = Chain::build(facts, None);
        let mut keys = EnvKeys::default();
        for entry in env {
            keys.insert_entry(entry);
        }
        attach(
            &mut chain,
            ContainerFacts {
                name: "api".into(),
                status: "running".into(),
                running: true,
                env: keys,
                anchor: Location::new("docker-compose.yml", 1, 2),
                anchor_what: "the compose service `api`".into(),
                ..ContainerFacts::default()
            },
        );
        chain
    }

    fn live_findings(chain: &Chain) -> Vec<(String, Option<String>, u32)> {
        // The static rules fire too (nothing writes these keys); only the live ones matter here.
        rules::run(chain)
            .into_iter()
            .filter(|f| f.rule.as_str().starts_with("live-"))
            .map(|f| (f.rule.as_str().to_owned(), f.key, f.location.line()))
            .collect()
    }

    #[test]
    fn every_key_present_no_finding() {
        let chain = chain_with(&[
            "DJANGO_SECRET_KEY=s",
            "DATABASE_URL=postgres://",
            "S3_UPLOAD_BUCKET=b",
        ]);
        assert_eq!(live_findings(&chain), []);
        assert_eq!(
            chain.rows["DATABASE_URL"].live,
            Some(LiveKey {
                present: true,
                empty: false
            })
        );
        assert_eq!(
            chain.rows["AWS_STORAGE_BUCKET_NAME"].live,
            Some(LiveKey {
                present: false,
                empty: false
            })
        );
    }

    #[test]
    fn missing_required_and_empty_read() {
        let chain = chain_with(&["DJANGO_SECRET_KEY=s", "S3_UPLOAD_BUCKET="]);
        assert_eq!(
            live_findings(&chain),
            [
                ("live-missing".into(), Some("DATABASE_URL".into()), 9),
                ("live-empty".into(), Some("S3_UPLOAD_BUCKET".into()), 12),
            ]
        );
        let empty = rules::run(&chain)
            .into_iter()
            .find(|f| f.rule == rules::RuleId::LiveEmpty)
            .unwrap();
        assert!(
            empty
                .message
                .contains("the default in the code is NOT used"),
            "{}",
            empty.message
        );
        assert_eq!(
            chain.rows["S3_UPLOAD_BUCKET"].live,
            Some(LiveKey {
                present: true,
                empty: true
            })
        );
    }

    #[test]
    fn an_optional_key_absent_from_the_container_is_not_missing() {
        // S3_UPLOAD_BUCKET has a default in the code: its absence is no failure.
        let chain = chain_with(&["DJANGO_SECRET_KEY=s", "DATABASE_URL=x"]);
        assert_eq!(live_findings(&chain), []);
    }

    #[test]
    fn an_empty_alias_counts_only_when_its_head_is_absent() {
        let chain = chain_with(&[
            "DJANGO_SECRET_KEY=s",
            "DATABASE_URL=x",
            "S3_UPLOAD_BUCKET=b",
            "AWS_STORAGE_BUCKET_NAME=",
        ]);
        assert_eq!(live_findings(&chain), []);
        let chain = chain_with(&[
            "DJANGO_SECRET_KEY=s",
            "DATABASE_URL=x",
            "AWS_STORAGE_BUCKET_NAME=",
        ]);
        assert_eq!(
            live_findings(&chain),
            [(
                "live-empty".into(),
                Some("AWS_STORAGE_BUCKET_NAME".into()),
                12
            )]
        );
    }

    #[test]
    fn static_audit_has_no_live_findings() {
        let mut chain = chain_with(&[]);
        chain.container = None;
        assert!(
            live_findings(&chain)
                .iter()
                .all(|(rule, ..)| !rule.starts_with("live-"))
        );
    }
}
