//! The env keys a workflow's jobs write for the app: `env:` maps, `run:`
//! scripts (through the shell analyser), ssh deploy actions, and the files
//! they ship to hosts.
//!
//! Scope decisions, so the facts stay explainable:
//! - truncation (`> .env`, `rm -f .env`) is followed in step order within a
//!   job: writes before it to the same file (on the same side: runner or
//!   host) do not count;
//! - a dotenv file is `.env`, `*.env`, `.env.*`, or any file the workflow
//!   passes to `--env-file` (matched by file name);
//! - a file built on the runner and copied with `scp`/`rsync`/
//!   `appleboy/scp-action` in the same job has its writes marked `remote`:
//!   the host is where the file ends up;
//! - `docker run --env-file F` re-writes each key the workflow wrote to F
//!   (via `docker-run-env-file`, at the `docker run` line).

use std::collections::{HashMap, HashSet};

use super::expr::{source_of_value, substitute};
use super::scripts::RepoScripts;
use crate::collect::shell::{
    self, ScriptContext, ScriptEvent, ScriptFacts, basename, is_dotenv_name,
};
use crate::facts::{
    CloudRunEnvFile, ComposeDeploy, Consumer, EnvRead, EnvWrite, Facts, OpaqueEnvFile, OpaqueKind,
    PlatformSign, ReadVia, SecretScope, Source, Unparsed, WriteVia,
};
use crate::location::Location;
use crate::yaml::{Node, Scalar};

/// An `env:` entry: its key's position and where its value comes from.
struct EnvEntry {
    key: String,
    row: u32,
    column: u32,
    source: Source,
}

/// `env:` entries, values resolved against the outer environment
/// (`${{ env.X }}` takes X's source).
fn env_entries(node: Option<&Node>, outer: &HashMap<String, Source>) -> Vec<EnvEntry> {
    let Some(entries) = node.and_then(Node::as_map) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| {
            // `env:` with an empty key (`  :`) names no variable.
            let key = k.as_scalar().filter(|k| !k.value.trim().is_empty())?;
            let source = match v.as_scalar() {
                Some(value) => match source_of_value(&value.value) {
                    Source::Env(name) => outer.get(&name).cloned().unwrap_or(Source::Env(name)),
                    s => s,
                },
                None => Source::Unknown,
            };
            Some(EnvEntry {
                key: key.value.clone(),
                row: key.row,
                column: key.column,
                source,
            })
        })
        .collect()
}

fn push_env_writes(
    rel: &str,
    entries: &[EnvEntry],
    target: Option<&str>,
    via: WriteVia,
    facts: &mut Facts,
) {
    for e in entries {
        facts.writes.push(EnvWrite {
            key: e.key.clone(),
            location: Location::new(rel, e.row, e.column),
            via,
            source: e.source.clone(),
            sink: None,
            target: target.map(str::to_string),
            remote: false,
        });
    }
}

/// A job's `environment:` name, when it is a plain name.
fn environment_name(job: &Node) -> Option<String> {
    job_environment(job).environment().map(str::to_string)
}

/// Whose environment secrets a job sees: `environment: NAME`,
/// `environment: {name: NAME}`, none, or one named by an expression.
pub(super) fn job_environment(job: &Node) -> SecretScope {
    let Some(env) = job.get("environment") else {
        return SecretScope::NoEnvironment;
    };
    let name = env
        .as_str()
        .or_else(|| env.get("name").and_then(Node::as_str));
    match name {
        Some(name) if !name.contains("${{") && !name.trim().is_empty() => {
            SecretScope::Environment(name.to_string())
        }
        _ => SecretScope::Unknown,
    }
}

/// A script event placed in the file.
struct Placed {
    event: ScriptEvent,
    location: Location,
}

/// What one job did, before the workflow-wide filters.
#[derive(Default)]
struct JobOutput<'s> {
    /// The repository scripts a step may run.
    scripts: Option<&'s RepoScripts>,
    target: String,
    /// `defaults.run.shell` of the job, else of the workflow.
    shell: Option<String>,
    /// The job runs on Windows, whose default shell is pwsh.
    windows: bool,
    placed: Vec<Placed>,
    shipped: Vec<String>,
    env_file_uses: Vec<(shell::EnvFileUse, Location)>,
    /// Files copied to a host, with the name they get there.
    copies: Vec<(String, String)>,
    compose_deploys: Vec<ComposeDeploy>,
}

pub fn collect(rel: &str, root: &Node, scripts: &RepoScripts, facts: &mut Facts) {
    let no_env = HashMap::new();
    let wf_entries = env_entries(root.get("env"), &no_env);
    push_env_writes(rel, &wf_entries, None, WriteVia::WorkflowEnv, facts);
    let wf_env: HashMap<String, Source> =
        wf_entries.into_iter().map(|e| (e.key, e.source)).collect();

    let Some(jobs) = root.get("jobs").and_then(Node::as_map) else {
        return;
    };
    let wf_dir = default_working_directory(root);
    let mut outputs = Vec::new();
    for (job_key, job) in jobs {
        let Some(job_id) = job_key.as_str() else {
            continue;
        };
        if let Some(uses) = job.get("uses").and_then(Node::as_scalar)
            && let Some(stage) = super::opaque::remote_workflow(
                &uses.value,
                Location::new(rel, uses.row, uses.column),
            )
        {
            facts.opaque_stages.push(stage);
        }
        let target = environment_name(job).unwrap_or_else(|| format!("{rel}#{job_id}"));
        let job_at = Location::new(rel, job_key.row(), job_key.column());
        let job_entries = env_entries(job.get("env"), &wf_env);
        push_env_writes(
            rel,
            &job_entries,
            Some(&target),
            WriteVia::WorkflowEnv,
            facts,
        );
        let mut env = wf_env.clone();
        env.extend(job_entries.into_iter().map(|e| (e.key, e.source)));
        let mut out = JobOutput {
            scripts: Some(scripts),
            target,
            ..JobOutput::default()
        };
        out.shell = default_shell(job)
            .or(default_shell(root))
            .map(str::to_string);
        out.windows = runs_on_windows(job);
        let job_dir = default_working_directory(job).or(wf_dir);
        for step in job.get("steps").and_then(Node::as_seq).unwrap_or_default() {
            step_facts(rel, step, job_dir, &mut env, &mut out, facts);
        }
        let mut deploys = compose_deploys_as_copied(&mut out);
        let shape = super::delivery::job_shape(job, rel.starts_with(".github/"), scripts);
        let role = shape.role;
        let delivers = role == super::delivery::JobRole::Delivers;
        for deploy in &mut deploys {
            deploy.delivers = delivers;
        }
        facts.jobs.push(crate::facts::WorkflowJob {
            target: out.target.clone(),
            location: job_at,
            delivers,
            tests: role == super::delivery::JobRole::Tests,
            ships_checkout: shape.ships_checkout,
            compose_on_runner: (!deploys.is_empty()).then(|| deploys.iter().any(|d| !d.remote)),
        });
        facts.compose_deploys.extend(deploys);
        outputs.push(out);
    }
    finish(outputs, facts);
}

/// `defaults.run.shell` of a workflow or job.
fn default_shell(node: &Node) -> Option<&str> {
    node.get("defaults")?.get("run")?.get("shell")?.as_str()
}

/// The labels of a job's `runs-on`: one, a list, or none.
/// A `${{ matrix.NAME }}` label stands for each value the job's
/// `strategy.matrix.NAME` lists (and its `include:` entries give).
pub(super) fn runs_on_labels(job: &Node) -> Vec<&str> {
    let Some(runs_on) = job.get("runs-on") else {
        return Vec::new();
    };
    let labels: Vec<&str> = match runs_on.as_seq() {
        Some(items) => items.iter().filter_map(|n| n.as_str()).collect(),
        None => runs_on.as_str().into_iter().collect(),
    };
    labels
        .into_iter()
        .flat_map(|label| match matrix_values(job, label) {
            Some(values) if !values.is_empty() => values,
            _ => vec![label],
        })
        .collect()
}

/// The values of the matrix variable `label` names (`${{ matrix.os }}`),
/// when the job's matrix lists them as plain strings.
fn matrix_values<'n>(job: &'n Node, label: &str) -> Option<Vec<&'n str>> {
    let name = label
        .strip_prefix("${{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("matrix.")?;
    let matrix = job.get("strategy")?.get("matrix")?;
    let mut values: Vec<&str> = Vec::new();
    if let Some(listed) = matrix.get(name) {
        for item in listed.as_seq()? {
            values.push(item.as_str()?);
        }
    }
    for entry in matrix
        .get("include")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let Some(value) = entry.get(name) {
            values.push(value.as_str()?);
        }
    }
    Some(values)
}

/// `runs-on` names a Windows runner (a label, or one of a list of labels).
fn runs_on_windows(job: &Node) -> bool {
    runs_on_labels(job)
        .iter()
        .any(|l| l.to_ascii_lowercase().starts_with("windows"))
}

/// `defaults.run.working-directory` of a workflow or job.
fn default_working_directory(node: &Node) -> Option<&str> {
    node.get("defaults")?
        .get("run")?
        .get("working-directory")?
        .as_str()
}

/// A runner-side file path as the repository sees it: relative sinks are
/// relative to the step's working directory (`services/api` + `.env`).
fn in_working_directory(dir: &str, sink: &str) -> String {
    if sink.starts_with(['/', '~', '$']) {
        return sink.to_string();
    }
    crate::collect::compose::join(dir, sink).unwrap_or_else(|| sink.to_string())
}

fn step_facts(
    rel: &str,
    step: &Node,
    default_dir: Option<&str>,
    env: &mut HashMap<String, Source>,
    out: &mut JobOutput,
    facts: &mut Facts,
) {
    let step_entries = env_entries(step.get("env"), env);
    // A `uses:` step's env is the action's alone; a `run:` step's is its script's.
    let step_via = if step.get("uses").is_some() {
        WriteVia::ActionEnv
    } else {
        WriteVia::WorkflowEnv
    };
    push_env_writes(rel, &step_entries, Some(&out.target), step_via, facts);
    let mut step_env = env.clone();
    step_env.extend(
        step_entries
            .iter()
            .map(|e| (e.key.clone(), e.source.clone())),
    );
    // Only keys of `env:` maps count as consumed by the script's reads.
    let mut map_keys: HashSet<String> = step_env.keys().cloned().collect();
    let before = out.placed.len();

    // Only bash and sh scripts are parsed as such: pwsh, cmd and python
    // steps (by the step, the job's or workflow's `defaults.run.shell`, or a
    // Windows runner's default) are not guessed at.
    let shell = step
        .get("shell")
        .and_then(Node::as_str)
        .or(out.shell.as_deref());
    let shell_is_sh = match shell {
        Some(s) => s.contains("bash") || s.starts_with("sh"),
        None => !out.windows,
    };
    if let Some(run) = step.get("run").and_then(Node::as_scalar)
        && shell_is_sh
    {
        let dir = step
            .get("working-directory")
            .and_then(Node::as_str)
            .or(default_dir)
            .filter(|d| !matches!(d.trim(), "" | "." | "./"));
        let deploys_before = out.compose_deploys.len();
        let decrypts_before = facts.sops_decrypts.len();
        let scripts = out.scripts;
        let launched = scripts
            .map(|s| s.launched(&run.value, dir))
            .unwrap_or_default();
        let origins = std::iter::once((Origin::Run { rel, scalar: run }, run.value.as_str()))
            .chain(launched.iter().map(|l| {
                let origin = Origin::File {
                    path: l.path,
                    text: l.text,
                };
                (origin, l.text)
            }));
        for (origin, text) in origins {
            runner_script(&origin, text, dir, &step_env, &map_keys, out, facts);
        }
        if let Some(dir) = dir {
            let since = Since {
                placed: before,
                deploys: deploys_before,
                decrypts: decrypts_before,
            };
            in_working_directory_since(dir, since, out, facts);
        }
    }
    if let Some(uses) = step.get("uses").and_then(Node::as_scalar)
        && let Some(mut stage) =
            super::opaque::deploy_action(&uses.value, Location::new(rel, uses.row, uses.column))
    {
        // Env given to the action itself is not in the manifest it deploys.
        if let OpaqueKind::DeployStep { what } = &mut stage.kind
            && let Some(input) = env_input(step)
        {
            what.push_str(&format!(" with {input}"));
        }
        facts.opaque_stages.push(stage);
    }
    if let Some(uses) = step.get("uses").and_then(Node::as_str) {
        action_facts(rel, step, uses, &step_env, &mut map_keys, out, facts);
    }
    // `$GITHUB_ENV` writes reach the environment of the job's later steps.
    for placed in &out.placed[before..] {
        if let ScriptEvent::Write(w) = &placed.event
            && w.via == WriteVia::GithubEnv
        {
            env.insert(w.key.clone(), w.source.clone());
        }
    }
}

/// One script a step runs on the runner (its `run:`, or a repository
/// script that runs): platform commands, what it writes, the Python it runs.
fn runner_script(
    origin: &Origin<'_>,
    text: &str,
    dir: Option<&str>,
    env: &HashMap<String, Source>,
    map_keys: &HashSet<String>,
    out: &mut JobOutput,
    facts: &mut Facts,
) {
    let what = match origin {
        Origin::Run { .. } => "run",
        Origin::File { .. } => "script",
    };
    for (row, what) in super::opaque::deploy_commands(text) {
        facts
            .opaque_stages
            .push(super::opaque::deploy_step(what, origin.locate(row, 0)));
    }
    for (row, platform) in super::opaque::platform_commands(text) {
        facts.platform_signs.push(PlatformSign {
            platform,
            location: origin.locate(row, 0),
        });
    }
    script(origin, env, false, what, map_keys, out, facts);
    ci_scripts(origin, text, dir, facts);
}

/// Where one step's facts start in the job's and the workflow's lists.
struct Since {
    placed: usize,
    deploys: usize,
    decrypts: usize,
}

/// The runner-side paths a step's script wrote, named from its
/// `working-directory`: compose files, decrypted files, sinks.
fn in_working_directory_since(dir: &str, since: Since, out: &mut JobOutput, facts: &mut Facts) {
    for deploy in &mut out.compose_deploys[since.deploys..] {
        for file in &mut deploy.files {
            *file = in_working_directory(dir, file);
        }
    }
    for decrypt in &mut facts.sops_decrypts[since.decrypts..] {
        decrypt.sink = in_working_directory(dir, &decrypt.sink);
        let from_dir = in_working_directory(dir, &decrypt.candidates[0]);
        decrypt.candidates.insert(0, from_dir);
    }
    for placed in &mut out.placed[since.placed..] {
        match &mut placed.event {
            ScriptEvent::Write(w) if !w.remote => {
                if let Some(sink) = &mut w.sink {
                    *sink = in_working_directory(dir, sink);
                }
            }
            ScriptEvent::Opaque { sink, remote, .. } | ScriptEvent::Truncate { sink, remote }
                if !*remote =>
            {
                *sink = in_working_directory(dir, sink);
            }
            _ => {}
        }
    }
}

/// The first `with:` input of a deploy action that gives the app env.
fn env_input(step: &Node) -> Option<String> {
    step.get("with")?
        .as_map()?
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .find(|k| {
            let k = k.to_ascii_lowercase();
            k.contains("env") || k.contains("secret") || k.contains("setting")
        })
        .map(str::to_string)
}

/// What an action step the collector knows writes: ssh deploy scripts and
/// their forwarded envs, files shipped with scp, env files an action creates.
fn action_facts(
    rel: &str,
    step: &Node,
    uses: &str,
    step_env: &HashMap<String, Source>,
    map_keys: &mut HashSet<String>,
    out: &mut JobOutput,
    facts: &mut Facts,
) {
    let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    let with = step.get("with");
    let with_str = |k: &str| with.and_then(|w| w.get(k)).and_then(Node::as_scalar);
    match action.as_str() {
        "appleboy/ssh-action" => {
            if let Some(s) = with_str("script") {
                remote_script(rel, s, step_env, "with.script", map_keys, out, facts);
            }
            if let Some(envs) = with_str("envs") {
                for name in envs
                    .value
                    .split(',')
                    .map(str::trim)
                    .filter(|n| shell::is_identifier(n))
                {
                    let source = step_env
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| Source::Env(name.to_string()));
                    map_keys.remove(name);
                    out.placed.push(Placed {
                        event: ScriptEvent::Write(shell::ScriptWrite {
                            key: name.to_string(),
                            row: 0,
                            column: 0,
                            via: WriteVia::SshActionEnvs,
                            source,
                            sink: None,
                            remote: true,
                        }),
                        location: Location::new(rel, envs.row, envs.column),
                    });
                }
            }
        }
        "garygrossgarten/github-action-ssh" => {
            if let Some(s) = with_str("command") {
                remote_script(rel, s, step_env, "with.command", map_keys, out, facts);
            }
        }
        "appleboy/scp-action" => {
            if let Some(source) = with_str("source") {
                let sources: Vec<String> = source
                    .value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect();
                // scp-action copies into the `target` folder, names kept.
                out.copies
                    .extend(sources.iter().map(|s| (s.clone(), basename(s).to_string())));
                out.shipped.extend(sources);
            }
        }
        "spicypizza/create-envfile" => create_envfile(rel, with, step_env, out),
        "aws-actions/amazon-ecs-render-task-definition" => {
            render_task_definition(rel, with, &out.target, facts);
        }
        _ => {}
    }
}

/// `aws-actions/amazon-ecs-render-task-definition`: its
/// `environment-variables` and `secrets` inputs (`K=V` lines) add keys to
/// the container of the task definition it renders, for the step's target.
/// A secret's value is an SSM or Secrets Manager reference: its source is
/// unknown whatever the line says.
fn render_task_definition(rel: &str, with: Option<&Node>, target: &str, facts: &mut Facts) {
    for (input, secret) in [("environment-variables", false), ("secrets", true)] {
        let Some(lines) = with.and_then(|w| w.get(input)).and_then(Node::as_scalar) else {
            continue;
        };
        for (row, line) in lines.value.lines().enumerate() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if !shell::is_identifier(key) {
                continue;
            }
            let column = u32::try_from(line.len() - line.trim_start().len()).unwrap_or(0);
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            facts.writes.push(EnvWrite {
                key: key.to_string(),
                location: locate(rel, lines, row, column),
                via: WriteVia::EcsTaskDefinition,
                source: if secret {
                    Source::Unknown
                } else {
                    source_of_value(value)
                },
                sink: None,
                target: Some(target.to_string()),
                remote: false,
            });
        }
    }
}

/// `SpicyPizza/create-envfile`: a fresh env file `directory`/`file_name`
/// (`.env` by default), one key per `envkey_<KEY>:` input. The file is made
/// anew, so what earlier steps wrote to it is gone.
fn create_envfile(
    rel: &str,
    with: Option<&Node>,
    step_env: &HashMap<String, Source>,
    out: &mut JobOutput,
) {
    let input = |k: &str| with.and_then(|w| w.get(k)).and_then(Node::as_str);
    let name = input("file_name").unwrap_or(".env");
    let sink = match input("directory").filter(|d| !d.contains("${{")) {
        Some(dir) => in_working_directory(dir, name),
        None => name.to_string(),
    };
    let at = with.map_or_else(
        || Location::file_start(rel),
        |w| Location::new(rel, w.row(), 0),
    );
    out.placed.push(Placed {
        event: ScriptEvent::Truncate {
            sink: sink.clone(),
            remote: false,
        },
        location: at,
    });
    for e in env_entries(with, step_env) {
        let Some(key) = e
            .key
            .strip_prefix("envkey_")
            .filter(|k| shell::is_identifier(k))
        else {
            continue;
        };
        out.placed.push(Placed {
            event: ScriptEvent::Write(shell::ScriptWrite {
                key: key.to_string(),
                row: 0,
                column: 0,
                via: WriteVia::EnvfileAction,
                source: e.source,
                sink: Some(sink.clone()),
                remote: false,
            }),
            location: Location::new(rel, e.row, e.column),
        });
    }
}

/// The Python files a `run:` script executes (`python scripts/notify.py`):
/// their reads are the step's, not the deployed app's.
fn ci_scripts(origin: &Origin<'_>, text: &str, dir: Option<&str>, facts: &mut Facts) {
    for (row, line) in text.lines().enumerate() {
        for launch in crate::collect::launch::launches(line) {
            for module in launch.modules.iter().filter(|m| m.ends_with(".py")) {
                let path = match dir {
                    Some(d) => in_working_directory(d, module),
                    None => module.clone(),
                };
                let row = u32::try_from(row).unwrap_or(u32::MAX);
                facts.ci_scripts.push(crate::facts::CiScript {
                    path,
                    location: origin.locate(row, 0),
                });
            }
        }
    }
}

/// Where a script's rows are: a workflow scalar, or a repository script
/// a step runs.
enum Origin<'a> {
    Run { rel: &'a str, scalar: &'a Scalar },
    File { path: &'a str, text: &'a str },
}

impl Origin<'_> {
    fn locate(&self, row: u32, column: u32) -> Location {
        match self {
            Origin::Run { rel, scalar } => locate(rel, scalar, row, column),
            Origin::File { path, .. } => Location::new(*path, row, column),
        }
    }

    /// The text the shell analyser reads: a workflow's `${{ … }}`
    /// expressions become placeholders; a script file has none.
    fn analysed_text(&self) -> (String, Vec<Source>) {
        match self {
            Origin::Run { scalar, .. } => substitute(&scalar.value),
            Origin::File { text, .. } => (text.to_string(), Vec::new()),
        }
    }
}

/// A script an ssh action runs on the host, and the repository scripts it
/// runs there (the host's checkout of the same files).
fn remote_script(
    rel: &str,
    scalar: &Scalar,
    env: &HashMap<String, Source>,
    what: &str,
    map_keys: &HashSet<String>,
    out: &mut JobOutput,
    facts: &mut Facts,
) {
    let scripts = out.scripts;
    let launched = scripts
        .map(|s| s.launched(&scalar.value, None))
        .unwrap_or_default();
    script(
        &Origin::Run { rel, scalar },
        env,
        true,
        what,
        map_keys,
        out,
        facts,
    );
    for l in &launched {
        let origin = Origin::File {
            path: l.path,
            text: l.text,
        };
        script(&origin, env, true, "script", map_keys, out, facts);
    }
}

/// The file position of a script's row and column (a line's start is the
/// block's indentation, or the scalar's own column on its first line).
fn locate(rel: &str, scalar: &Scalar, row: u32, column: u32) -> Location {
    let (file_row, start) = scalar.line_position(row);
    Location::new(rel, file_row, start + column)
}

#[allow(clippy::too_many_arguments)]
fn script(
    origin: &Origin<'_>,
    env: &HashMap<String, Source>,
    remote: bool,
    what: &str,
    map_keys: &HashSet<String>,
    out: &mut JobOutput,
    facts: &mut Facts,
) {
    let (text, placeholders) = origin.analysed_text();
    let ctx = ScriptContext {
        env: env.clone(),
        placeholders,
        remote,
        arrays: HashMap::new(),
    };
    let ScriptFacts {
        events,
        reads,
        env_file_uses,
        shipped,
        copies,
        compose_runs,
        errors,
        kubectl,
        env_vars_files,
        decrypts,
    } = shell::analyze(&text, &ctx);
    for d in decrypts {
        facts.sops_decrypts.push(crate::facts::SopsDecrypt {
            candidates: vec![d.file],
            sink: d.sink,
            location: origin.locate(d.row, d.column),
            target: out.target.clone(),
        });
    }
    for (path, row, column) in env_vars_files {
        facts.cloud_run_env_files.push(CloudRunEnvFile {
            path,
            location: origin.locate(row, column),
            target: out.target.clone(),
        });
    }
    out.copies.extend(copies);
    out.compose_deploys
        .extend(compose_runs.into_iter().map(|run| ComposeDeploy {
            location: origin.locate(run.row, run.column),
            files: run.files,
            remote: run.remote,
            // Settled once the whole job is seen.
            delivers: true,
        }));
    for k in kubectl {
        let words: Vec<&str> = k.words.iter().map(String::as_str).collect();
        let location = origin.locate(k.row, k.column);
        if let Some(object) = crate::collect::kubernetes::kubectl_env_object(
            &words,
            location,
            Some(out.target.clone()),
        ) {
            facts.kube_objects.push(object);
        }
    }
    for (row, message) in errors {
        facts.unparsed.push(Unparsed {
            location: origin.locate(row, 0),
            message: format!("{what}: {message}"),
        });
    }
    for event in events {
        let location = match &event {
            ScriptEvent::Write(w) => origin.locate(w.row, w.column),
            ScriptEvent::Opaque { row, column, .. } => origin.locate(*row, *column),
            // A truncation is never reported: `finish` never reads its location.
            ScriptEvent::Truncate { .. } => origin.locate(0, 0),
        };
        out.placed.push(Placed { event, location });
    }
    for read in reads {
        if map_keys.contains(&read.name) {
            facts.reads.push(EnvRead::new(
                Some(read.name.clone()),
                origin.locate(read.row, read.column),
                ReadVia::WorkflowScript,
                Consumer::Deploy,
            ));
        }
    }
    for u in env_file_uses {
        let location = origin.locate(u.row, u.column);
        out.env_file_uses.push((u, location));
    }
    out.shipped.extend(shipped);
}

/// The job's compose deploys, with the files a host runs replaced by the
/// repository files copied there under that name (`scp
/// docker-compose.prod.yml host:app/docker-compose.yml`, then `docker compose
/// up` on the host). A copy made on the host (`mv a.yml docker-compose.yml`)
/// is followed back too.
fn compose_deploys_as_copied(out: &mut JobOutput) -> Vec<ComposeDeploy> {
    let copied_as = |name: &str| -> Option<String> {
        let mut source = out
            .copies
            .iter()
            .rev()
            .find(|(_, as_name)| as_name == name)
            .map(|(source, _)| source.clone())?;
        // One more step back: a host-side rename of a file shipped earlier.
        if let Some((earlier, _)) = out
            .copies
            .iter()
            .find(|(s, as_name)| *as_name == basename(&source) && *s != source)
        {
            source = earlier.clone();
        }
        Some(source)
    };
    let mut deploys = std::mem::take(&mut out.compose_deploys);
    for deploy in deploys.iter_mut().filter(|d| d.remote) {
        if deploy.files.is_empty() {
            let copied: Vec<String> = crate::collect::compose::DEFAULT_FILES
                .iter()
                .filter_map(|name| copied_as(name))
                .collect();
            deploy.files = copied;
        } else {
            for file in &mut deploy.files {
                if let Some(source) = copied_as(basename(file)) {
                    *file = source;
                }
            }
        }
    }
    deploys
}

/// A write or opaque file that survived so far (opaque: written on a host?).
enum Kept {
    Write(EnvWrite),
    Opaque(OpaqueEnvFile, bool),
}

/// A path as a comparison key: `./.env` and `.env` are the same file.
fn norm(path: &str) -> &str {
    path.trim_start_matches("./")
}

/// Apply truncations per job, keep dotenv sinks, mark shipped files remote,
/// and expand `docker run --env-file`.
fn finish(outputs: Vec<JobOutput>, facts: &mut Facts) {
    let env_files: HashSet<String> = outputs
        .iter()
        .flat_map(|o| {
            o.env_file_uses
                .iter()
                .map(|(u, _)| basename(&u.path).to_string())
        })
        .collect();
    let counts = |sink: &str| {
        is_dotenv_name(sink)
            || env_files.contains(basename(sink))
            || crate::collect::manifest::takes_appended_env(sink)
    };
    let mut kept_files: Vec<EnvWrite> = Vec::new();
    for out in outputs {
        // Tombstones and a per-file index keep truncation linear.
        let mut slots: Vec<Option<Kept>> = Vec::new();
        let mut by_sink: HashMap<(bool, String), Vec<usize>> = HashMap::new();
        for Placed { event, location } in out.placed {
            let kept = match event {
                ScriptEvent::Truncate { sink, remote } => {
                    for i in by_sink
                        .remove(&(remote, norm(&sink).to_string()))
                        .unwrap_or_default()
                    {
                        if let Some(slot) = slots.get_mut(i) {
                            *slot = None;
                        }
                    }
                    continue;
                }
                ScriptEvent::Write(w) => {
                    // An env-file action's file is an env file whatever its name.
                    if w.via != WriteVia::EnvfileAction
                        && w.sink.as_deref().is_some_and(|s| !counts(s))
                    {
                        continue;
                    }
                    Kept::Write(EnvWrite {
                        key: w.key,
                        location,
                        via: w.via,
                        source: w.source,
                        sink: w.sink,
                        target: Some(out.target.clone()),
                        remote: w.remote,
                    })
                }
                ScriptEvent::Opaque {
                    source,
                    sink,
                    remote,
                    ..
                } => {
                    if !counts(&sink) {
                        continue;
                    }
                    Kept::Opaque(
                        OpaqueEnvFile {
                            location,
                            source,
                            sink,
                            target: Some(out.target.clone()),
                        },
                        remote,
                    )
                }
            };
            let key = match &kept {
                Kept::Write(w) => w.sink.as_deref().map(|s| (w.remote, norm(s).to_string())),
                Kept::Opaque(o, remote) => Some((*remote, norm(&o.sink).to_string())),
            };
            if let Some(key) = key {
                by_sink.entry(key).or_default().push(slots.len());
            }
            slots.push(Some(kept));
        }
        let mut writes: Vec<EnvWrite> = Vec::new();
        let mut opaque: Vec<OpaqueEnvFile> = Vec::new();
        for kept in slots.into_iter().flatten() {
            match kept {
                Kept::Write(w) => writes.push(w),
                Kept::Opaque(o, _) => opaque.push(o),
            }
        }
        let shipped: HashSet<&str> = out.shipped.iter().map(|s| basename(s)).collect();
        for w in &mut writes {
            if w.sink
                .as_deref()
                .is_some_and(|s| shipped.contains(basename(s)))
            {
                w.remote = true;
            }
        }
        for (use_, location) in &out.env_file_uses {
            if !use_.docker_run {
                continue;
            }
            let file = basename(&use_.path);
            let from_file: Vec<EnvWrite> = writes
                .iter()
                .chain(kept_files.iter())
                .filter(|w| {
                    w.via != WriteVia::DockerRunEnvFile
                        && w.sink.as_deref().is_some_and(|s| basename(s) == file)
                })
                .map(|w| EnvWrite {
                    key: w.key.clone(),
                    location: location.clone(),
                    via: WriteVia::DockerRunEnvFile,
                    source: w.source.clone(),
                    sink: Some(use_.path.clone()),
                    target: Some(out.target.clone()),
                    remote: use_.remote,
                })
                .collect();
            writes.extend(from_file);
        }
        kept_files.extend(
            writes
                .iter()
                .filter(|w| w.sink.is_some() && w.via != WriteVia::DockerRunEnvFile)
                .cloned(),
        );
        facts.writes.extend(writes);
        facts.opaque.extend(opaque);
    }
}
