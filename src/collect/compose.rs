//! Compose files (`compose.y*ml`, `docker-compose*.y*ml`, `*.compose.y*ml`,
//! templates such as `staging_pull_compose.template.yaml`): per service, the
//! keys it passes to its container (`environment:`, `env_file:`), what it is
//! built from, its restart policy and what it waits for. Interpolations that
//! feed compose itself (image tags, ports, volumes...) are reads by deploy
//! tooling: they consume the key without it reaching the app.
//!
//! Which service runs the app is decided later, by the chain, which knows
//! where the settings reads are; this collector only records the evidence.

use std::path::Path;

use super::{Collector, Context, InputFile};
use crate::facts::{
    ComposeEnv, ComposeEnvFile, ComposeInclude, ComposeService, ComposeValue, Consumer, EnvRead,
    Facts, Interpolation, InterpolationKind, ReadVia, ServiceCommand,
};
use crate::location::Location;
use crate::yaml::{self, MergeKeys, Node};

pub struct ComposeCollector;

/// The files `docker compose up` reads in its folder without `-f`: the first
/// base found, then its override.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// Whether a file name is a compose file: `compose.yml`, `docker-compose.prod.yaml`,
/// `app.compose.yml`, `staging_pull_compose.template.yaml`...
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yml") || lower.ends_with(".yaml")) && lower.contains("compose")
}

impl Collector for ComposeCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        is_compose_name(name) && !super::workflow::is_workflow_path(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text, Some(&ctx.root))
        })
    }
}

/// The facts of one compose file. `root` (when given) lets the collector look
/// into build contexts for a Python app; tests pass `None`.
pub fn collect_source(rel: &str, text: &str, root: Option<&Path>) -> Facts {
    let docs = match yaml::parse_stream(text, MergeKeys::Resolve) {
        Ok(docs) => docs,
        Err(e) => {
            return Facts::unparsed(
                Location::new(rel, e.row, 0),
                format!("invalid YAML: {}", e.message),
            );
        }
    };
    let mut facts = Facts::default();
    let Some(first) = docs.first() else {
        return facts;
    };
    facts.unparsed.extend(super::yaml_warnings(rel, first));
    let doc = &first.root;
    let compose_dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    if let Some(include) = doc.get("include") {
        facts.compose_includes.push(ComposeInclude {
            file: rel.to_string(),
            location: loc(rel, include),
            paths: included_paths(compose_dir, include),
        });
    }
    let Some(services) = doc.get("services") else {
        // A YAML file named like compose that is not one (a tool's config): not ours.
        return facts;
    };
    for (name_node, service) in services.as_map().unwrap_or_default() {
        let Some(name) = name_node.as_str() else {
            continue;
        };
        if service.as_map().is_none() {
            facts.unparsed.push(crate::facts::Unparsed {
                location: loc(rel, name_node),
                message: format!("service `{name}` is not a mapping"),
            });
            continue;
        }
        facts.services.push(service_facts(
            rel,
            compose_dir,
            name,
            name_node,
            service,
            root,
        ));
        facts
            .entry_points
            .extend(service_entry_points(rel, service));
        for (key, value) in service.as_map().unwrap_or_default() {
            if matches!(key.as_str(), Some("environment")) {
                continue;
            }
            deploy_reads(rel, value, &mut facts.reads);
        }
    }
    for (key, value) in doc.as_map().unwrap_or_default() {
        if key.as_str() != Some("services") {
            deploy_reads(rel, value, &mut facts.reads);
        }
    }
    facts
}

/// The files an `include:` names, resolved against the compose file's
/// folder: `- a.yml`, `- path: a.yml`, `- path: [a.yml, b.yml]`.
fn included_paths(dir: &str, include: &Node) -> Vec<String> {
    let mut paths = Vec::new();
    for item in include.as_seq().unwrap_or_default() {
        let named: Vec<&str> = match item.get("path") {
            Some(path) => match path.as_seq() {
                Some(items) => items.iter().filter_map(Node::as_str).collect(),
                None => path.as_str().into_iter().collect(),
            },
            None => item.as_str().into_iter().collect(),
        };
        paths.extend(
            named
                .into_iter()
                .filter(|p| !p.contains('$'))
                .filter_map(|p| join(dir, p)),
        );
    }
    paths
}

fn loc(rel: &str, node: &Node) -> Location {
    Location::new(rel, node.row(), node.column())
}

fn service_facts(
    rel: &str,
    dir: &str,
    name: &str,
    name_node: &Node,
    service: &Node,
    root: Option<&Path>,
) -> ComposeService {
    let mut environment = Vec::new();
    if let Some(env) = service.get("environment") {
        match env {
            Node::Map { entries, .. } => {
                for (k, v) in entries {
                    let Some(key) = k.as_str().filter(|k| !k.is_empty()) else {
                        continue;
                    };
                    let value = if v.is_null() {
                        ComposeValue::Passthrough
                    } else {
                        parse_value(v.as_str().unwrap_or("x"))
                    };
                    environment.push(ComposeEnv {
                        key: key.to_string(),
                        location: loc(rel, k),
                        value,
                    });
                }
            }
            Node::Seq { items, .. } => {
                for item in items {
                    let Some(entry) = item.as_str() else {
                        continue;
                    };
                    let (key, value) = match entry.split_once('=') {
                        Some((k, v)) => (k.trim(), parse_value(v)),
                        None => (entry.trim(), ComposeValue::Passthrough),
                    };
                    if key.is_empty() {
                        continue;
                    }
                    environment.push(ComposeEnv {
                        key: key.to_string(),
                        location: loc(rel, item),
                        value,
                    });
                }
            }
            Node::Scalar(_) | Node::Truncated { .. } => {}
        }
    }
    let mut env_files = Vec::new();
    if let Some(ef) = service.get("env_file") {
        let items: Vec<&Node> = match ef.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![ef],
        };
        for item in items {
            let (path, required) = if item.as_map().is_some() {
                let path = item.get("path").and_then(Node::as_str).unwrap_or("");
                let required = item.get("required").and_then(Node::as_str) != Some("false");
                (path, required)
            } else {
                (item.as_str().unwrap_or(""), true)
            };
            if !path.is_empty() {
                env_files.push(ComposeEnvFile {
                    path: path.to_string(),
                    location: loc(rel, item),
                    required,
                });
            }
        }
    }
    let (mut build_context, mut dockerfile) = (None, None);
    if let Some(build) = service.get("build") {
        let (context, file) = if build.as_map().is_some() {
            (
                build.get("context").and_then(Node::as_str).unwrap_or("."),
                build.get("dockerfile").and_then(Node::as_str),
            )
        } else {
            (build.as_str().unwrap_or("."), None)
        };
        if !context.contains('$') && !context.contains("://") && !context.starts_with("git@") {
            let ctx_dir = join(dir, context);
            if let Some(ctx_dir) = ctx_dir {
                let file = file.unwrap_or("Dockerfile");
                if !file.contains('$') {
                    dockerfile = join(&ctx_dir, file);
                }
                build_context = Some(ctx_dir);
            }
        }
    }
    let image = service
        .get("image")
        .and_then(Node::as_str)
        .map(str::to_string);
    let restart = service.get("restart").is_some()
        || service
            .get("deploy")
            .and_then(|d| d.get("restart_policy"))
            .is_some();
    let mut depends_on = Vec::new();
    if let Some(deps) = service.get("depends_on") {
        match deps {
            Node::Seq { items, .. } => {
                for item in items {
                    if let Some(n) = item.as_str() {
                        depends_on.push((n.to_string(), "service_started".to_string()));
                    }
                }
            }
            Node::Map { entries, .. } => {
                for (k, v) in entries {
                    if let Some(n) = k.as_str() {
                        let condition = v
                            .get("condition")
                            .and_then(Node::as_str)
                            .unwrap_or("service_started");
                        depends_on.push((n.to_string(), condition.to_string()));
                    }
                }
            }
            Node::Scalar(_) | Node::Truncated { .. } => {}
        }
    }
    let command_nodes: Vec<&Node> = ["entrypoint", "command"]
        .iter()
        .filter_map(|k| service.get(k))
        .collect();
    let command_text = command_nodes
        .iter()
        .flat_map(|n| scalars(n))
        .collect::<Vec<_>>()
        .join(" ");
    // `command:` alone may be the arguments an entrypoint script runs last
    // (`entrypoint: setup` + `command: exit 0`): it decides as well.
    let command_only = service
        .get("command")
        .map(|n| scalars(n).join(" "))
        .unwrap_or_default();
    let command = command_nodes.last().map(|node| ServiceCommand {
        location: loc(rel, node),
        runs_python: command_runs_python(&command_text),
        oneshot: command_is_oneshot(&command_text)
            || (!command_only.is_empty() && command_is_oneshot(&command_only)),
    });
    let is_true = |k: &str| {
        service
            .get(k)
            .and_then(Node::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    let dev = command_is_dev(&command_text)
        || image.as_deref().is_some_and(image_is_dev)
        // A terminal kept open for a person to attach to.
        || (is_true("stdin_open") && is_true("tty"))
        || service.get("develop").is_some()
        || dockerfile.iter().any(|d| path_is_dev(d))
        || env_files.iter().any(|f| path_is_dev(&f.path));
    let runs_python = command_runs_python(&command_text)
        || match (root, &build_context) {
            (Some(root), Some(ctx)) => has_python_app(&root.join(ctx), 0),
            _ => false,
        };
    ComposeService {
        file: rel.to_string(),
        name: name.to_string(),
        location: loc(rel, name_node),
        environment,
        env_files,
        build_context,
        dockerfile,
        image,
        restart,
        depends_on,
        runs_python,
        command,
        profiled: service.get("profiles").is_some(),
        dev,
        deployed: false,
    }
}

/// A command that runs to completion: its last step copies, migrates,
/// collects static files, echoes or exits, and nothing in it serves.
pub fn command_is_oneshot(command: &str) -> bool {
    const SERVES: &[&str] = &[
        "gunicorn",
        "uvicorn",
        "daphne",
        "hypercorn",
        "granian",
        "uwsgi",
        "runserver",
        "celery",
        "nginx",
        "supervisord",
        "tail -f",
        "sleep infinity",
        "flask run",
    ];
    const STEPS: &[&str] = &[
        "migrate",
        "collectstatic",
        "loaddata",
        "createsuperuser",
        "compilemessages",
        "alembic upgrade",
        "npm run build",
        "yarn build",
        "pnpm build",
    ];
    const FIRST_WORDS: &[&str] = &[
        "cp", "rsync", "echo", "exit", "true", "mv", "chmod", "chown", "mkdir", "ln", "tar",
        "touch", "mc",
    ];
    let lower = command.to_ascii_lowercase();
    if lower.trim().is_empty() || SERVES.iter().any(|m| lower.contains(m)) {
        return false;
    }
    let last = lower
        .split("&&")
        .flat_map(|part| part.split([';', '\n', '|']))
        .map(|part| part.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\''))
        .filter(|part| !part.is_empty())
        .last()
        .unwrap_or("");
    let last = ["sh -c", "bash -c", "/bin/sh -c", "/bin/bash -c"]
        .iter()
        .find_map(|shell| last.strip_prefix(shell))
        .unwrap_or(last)
        .trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    let first = last.split_whitespace().next().unwrap_or("");
    let first = first.rsplit('/').next().unwrap_or(first);
    FIRST_WORDS.contains(&first) || STEPS.iter().any(|m| last.contains(m))
}

/// A command only a development stack runs: an auto-reloading server, a
/// container kept idle for a shell, a dev Procfile.
fn command_is_dev(command: &str) -> bool {
    const DEV: &[&str] = &[
        "--reload",
        "runserver",
        "watchmedo",
        "sleep infinity",
        "tail -f /dev/null",
        "procfile.dev",
        "--debug",
        "npm run dev",
        "yarn dev",
        "start-dev",
    ];
    let lower = command.to_ascii_lowercase();
    DEV.iter().any(|m| lower.contains(m))
}

/// An image only a development or test stack runs: a local AWS emulator, a
/// mail catcher, a browser driver, a security scanner.
fn image_is_dev(image: &str) -> bool {
    const DEV: &[&str] = &[
        "localstack",
        "mailhog",
        "mailpit",
        "mailcatcher",
        "smtp4dev",
        "selenium",
        "playwright",
        "cypress",
        "zaproxy",
        "zap-stable",
    ];
    let name = image.rsplit('/').next().unwrap_or(image);
    let name = name
        .split([':', '@'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let path = image.to_ascii_lowercase();
    DEV.iter()
        .any(|d| name.starts_with(d) || path.split('/').any(|part| part == *d))
}

/// A path of a development or test setup, by a word of its name or of its
/// folders: `e2e/docker-compose.yml`, `docker-compose.ci.yml`,
/// `docker/dev/Dockerfile`, `.env.local`, `.devcontainer/compose.yml`.
/// Example and sample stacks are not: users deploy them as they are.
pub fn path_is_dev(path: &str) -> bool {
    const WORDS: &[&str] = &[
        "dev",
        "develop",
        "development",
        "devcontainer",
        "local",
        "test",
        "tests",
        "testing",
        "ci",
        "e2e",
        "contrib",
    ];
    path.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| WORDS.contains(&word))
}

/// What a service's container starts: `entrypoint:` then `command:`, at
/// the `command:` line (or the `entrypoint:` one when there is no command).
fn service_entry_points(rel: &str, service: &Node) -> Vec<crate::facts::EntryPoint> {
    let parts: Vec<&Node> = ["entrypoint", "command"]
        .iter()
        .filter_map(|k| service.get(k))
        .collect();
    let Some(at) = parts.last() else {
        return Vec::new();
    };
    let command = parts
        .iter()
        .flat_map(|n| scalars(n))
        .collect::<Vec<_>>()
        .join(" ");
    super::launch::entry_points(&command, &loc(rel, at), crate::facts::EntryVia::Compose)
}

fn scalars(node: &Node) -> Vec<String> {
    match node {
        Node::Scalar(s) => vec![s.value.clone()],
        Node::Seq { items, .. } => items.iter().flat_map(scalars).collect(),
        Node::Map { entries, .. } => entries.iter().flat_map(|(_, v)| scalars(v)).collect(),
        Node::Truncated { .. } => Vec::new(),
    }
}

/// A command that starts the Python app, or one of its workers.
pub fn command_runs_python(command: &str) -> bool {
    const MARKERS: &[&str] = &[
        "gunicorn",
        "uvicorn",
        "daphne",
        "hypercorn",
        "granian",
        "uwsgi",
        "manage.py",
        "celery",
        "django",
        "python",
        "flask",
        "fastapi",
    ];
    let lower = command.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// A folder holding a Python web app: `manage.py`, a settings module or a
/// WSGI/ASGI entry point, within three levels.
fn has_python_app(dir: &Path, depth: u32) -> bool {
    const SKIP: &[&str] = &[
        "node_modules",
        ".git",
        "venv",
        ".venv",
        "__pycache__",
        "site-packages",
    ];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_file()
            && matches!(
                name.as_str(),
                "manage.py" | "settings.py" | "wsgi.py" | "asgi.py"
            )
        {
            return true;
        }
        if kind.is_dir() && !SKIP.contains(&name.as_str()) {
            if name == "settings" && entry.path().join("__init__.py").is_file() {
                return true;
            }
            subdirs.push(entry.path());
        }
    }
    depth < 3 && subdirs.iter().any(|d| has_python_app(d, depth + 1))
}

/// The path under a folder a variable names (`$PROJECT_ROOT/docker/prod.yml`,
/// `${APP_DIR}/compose.yml`): the repository or the host folder it is
/// checked out in, so the rest is matched as a repository path.
pub fn under_variable(file: &str) -> Option<&str> {
    let rest = file.strip_prefix('$')?;
    let (name, rest) = match rest.strip_prefix('{') {
        Some(braced) => braced.split_once('}')?,
        None => rest.split_once('/')?,
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    (crate::collect::shell::is_identifier(name) && !rest.is_empty()).then_some(rest)
}

/// `dir` joined with `path` and normalised (`a/../b` → `b`); `None` when it
/// leaves the root or is absolute.
pub fn join(dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// Every interpolation in `node` becomes a read by deploy tooling.
fn deploy_reads(rel: &str, node: &Node, out: &mut Vec<EnvRead>) {
    match node {
        Node::Scalar(s) => {
            let ComposeValue::Interpolated { refs, .. } = parse_value(&s.value) else {
                return;
            };
            for r in refs {
                let mut read = EnvRead::new(
                    Some(r.key.clone()),
                    loc(rel, node),
                    ReadVia::ComposeInterpolation,
                    Consumer::Deploy,
                );
                match r.kind {
                    InterpolationKind::Required { .. } => read.required = true,
                    InterpolationKind::Default { .. } => read.has_default = true,
                    InterpolationKind::Plain | InterpolationKind::Alternative => {}
                }
                out.push(read);
            }
        }
        Node::Seq { items, .. } => items.iter().for_each(|i| deploy_reads(rel, i, out)),
        Node::Map { entries, .. } => {
            for (k, v) in entries {
                deploy_reads(rel, k, out);
                deploy_reads(rel, v, out);
            }
        }
        Node::Truncated { .. } => {}
    }
}

/// What a compose value is made of: the host keys it interpolates (with
/// their form), whether literal text surrounds them. `$$` is a literal `$`.
pub fn parse_value(value: &str) -> ComposeValue {
    let mut refs = Vec::new();
    let mut has_text = false;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            has_text = true;
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => {
                has_text = true;
                i += 2;
            }
            Some(b'{') => {
                let Some(len) = closing_brace(&bytes[i + 2..]) else {
                    // Unterminated: compose rejects it; keep it as text.
                    has_text = true;
                    break;
                };
                let inner = &value[i + 2..i + 2 + len];
                if let Some(r) = parse_braced(inner) {
                    refs.push(r);
                }
                i += 2 + len + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                refs.push(Interpolation {
                    key: value[start..end].to_string(),
                    kind: InterpolationKind::Plain,
                });
                i = end;
            }
            _ => {
                has_text = true;
                i += 1;
            }
        }
    }
    if refs.is_empty() {
        ComposeValue::Literal {
            empty: value.is_empty(),
        }
    } else {
        ComposeValue::Interpolated { refs, has_text }
    }
}

/// The length up to the `}` closing a `${`, nesting included.
fn closing_brace(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `NAME`, `NAME:-d`, `NAME-d`, `NAME:?e`, `NAME?e`, `NAME:+v`, `NAME+v`.
fn parse_braced(inner: &str) -> Option<Interpolation> {
    let end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let key = &inner[..end];
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = &inner[end..];
    let (if_empty, op) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let kind = match op.chars().next() {
        None => InterpolationKind::Plain,
        Some('-') => InterpolationKind::Default {
            if_empty,
            default_empty: op.len() == 1,
        },
        Some('?') => InterpolationKind::Required { if_empty },
        Some('+') => InterpolationKind::Alternative,
        Some(_) => return None,
    };
    Some(Interpolation {
        key: key.to_string(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_files_are_named_so_outside_the_workflow_folders() {
        let ctx = Context::default();
        for (rel, wanted) in [
            ("docker-compose.yml", true),
            ("deploy/app.compose.yaml", true),
            ("Compose.Prod.YML", true),
            (".github/workflows/compose.yml", false),
            (".gitea/workflows/docker-compose.yaml", false),
            ("compose.json", false),
            ("deploy/config.yml", false),
        ] {
            assert_eq!(ComposeCollector.wants(rel, &ctx), wanted, "{rel}");
        }
    }

    #[test]
    fn the_collector_reads_each_compose_file_of_the_tree() {
        let service =
            |name: &str| format!("services:\n  {name}:\n    environment:\n      - MODE=prod\n");
        let facts = crate::collect::collect_tree(&[
            ("docker-compose.yml", &service("web")),
            ("deploy/compose.prod.yml", &service("worker")),
        ]);
        let mut services: Vec<(&str, &str)> = facts
            .services
            .iter()
            .map(|s| (s.file.as_str(), s.name.as_str()))
            .collect();
        services.sort();
        assert_eq!(
            services,
            [
                ("deploy/compose.prod.yml", "worker"),
                ("docker-compose.yml", "web")
            ]
        );
    }

    /// A build context that is a variable, a URL or a git remote is not a
    /// folder of the repository: no Dockerfile is looked for.
    #[test]
    fn only_a_local_build_context_names_a_dockerfile() {
        let build = |context: &str| {
            let text = format!("services:\n  web:\n    build: {context}\n");
            let facts = collect_source("compose.yml", &text, None);
            let web = &facts.services[0];
            (web.build_context.clone(), web.dockerfile.clone())
        };
        assert_eq!(
            build("./app"),
            (Some("app".to_string()), Some("app/Dockerfile".to_string()))
        );
        for remote in [
            "${CONTEXT}",
            "https://github.com/org/app.git",
            "git@github.com:org/app.git",
        ] {
            assert_eq!(build(remote), (None, None), "{remote}");
        }
    }

    /// A one-off service: its entrypoint and command together say so, or
    /// its `command:` alone (the arguments an entrypoint script runs last).
    #[test]
    fn a_service_is_a_one_off_by_its_whole_command_or_its_command_alone() {
        let oneshot = |keys: &str| {
            let text = format!("services:\n  job:\n{keys}");
            let facts = collect_source("compose.yml", &text, None);
            facts.services[0].command.as_ref().map(|c| c.oneshot)
        };
        assert_eq!(
            oneshot("    entrypoint: python manage.py migrate\n"),
            Some(true)
        );
        assert_eq!(
            oneshot("    entrypoint: /entry.sh\n    command: exit 0\n"),
            Some(true)
        );
        assert_eq!(oneshot("    command: gunicorn app.wsgi\n"), Some(false));
        assert_eq!(oneshot("    image: web\n"), None);
    }

    /// Each sign of a development service makes it one alone; a terminal
    /// needs both `stdin_open` and `tty`.
    #[test]
    fn each_dev_sign_alone_makes_a_dev_service() {
        let dev = |keys: &str| {
            let text = format!("services:\n  s:\n{keys}");
            collect_source("compose.yml", &text, None).services[0].dev
        };
        for keys in [
            "    command: python manage.py runserver 0.0.0.0:8000\n",
            "    image: mailhog/mailhog\n",
            "    image: selenium-standalone-chrome:4\n",
            "    image: cypress/included:13\n",
            "    stdin_open: true\n    tty: true\n",
            "    develop:\n      watch: []\n",
            "    build:\n      context: .\n      dockerfile: Dockerfile.dev\n",
            "    env_file: .env.local\n",
        ] {
            assert!(dev(keys), "{keys}");
        }
        for keys in [
            "    image: web\n",
            "    stdin_open: true\n",
            "    tty: true\n",
            "    build: .\n    env_file: .env\n",
        ] {
            assert!(!dev(keys), "{keys}");
        }
    }

    /// A service runs Python by its command, or by a Django app in its
    /// build context (looked for only with the repository root at hand).
    #[test]
    fn a_service_runs_python_by_its_command_or_its_build_context() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("api")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("web")).expect("mkdir");
        std::fs::write(dir.path().join("api/manage.py"), "").expect("write");
        let text = "services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n  worker:\n    image: w\n    command: python worker.py\n";
        let runs = |root: Option<&Path>| -> Vec<bool> {
            collect_source("compose.yml", text, root)
                .services
                .iter()
                .map(|s| s.runs_python)
                .collect()
        };
        assert_eq!(runs(Some(dir.path())), [true, false, true]);
        assert_eq!(runs(None), [false, false, true]);
    }

    /// A Django app in a build context: `manage.py`, `settings.py`,
    /// `wsgi.py`, `asgi.py` or a `settings` package, up to three folders
    /// down, outside dependency and virtualenv folders.
    #[test]
    fn a_python_app_is_found_a_few_folders_into_the_build_context() {
        let app = |files: &[&str]| {
            let dir = tempfile::tempdir().expect("tempdir");
            for file in files {
                let path = dir.path().join(file);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, "").expect("write");
            }
            has_python_app(dir.path(), 0)
        };
        assert!(app(&["src/proj/settings/__init__.py"]));
        assert!(app(&["a/b/c/wsgi.py"]));
        assert!(!app(&["a/b/c/d/wsgi.py"]), "four folders down");
        assert!(
            !app(&["src/settings/base.yaml"]),
            "a settings folder, no package"
        );
        assert!(!app(&[
            "node_modules/pkg/manage.py",
            ".venv/lib/settings.py"
        ]));
        assert!(!app(&["package.json", "index.js"]));
    }

    /// What a service starts is its entrypoint then its command, at the
    /// `command:` line.
    #[test]
    fn a_service_starts_its_entrypoint_with_its_command() {
        let text = "services:\n  web:\n    entrypoint: [gunicorn]\n    command: config.wsgi\n  db:\n    image: postgres\n";
        let starts: Vec<(String, u32)> = collect_source("compose.yml", text, None)
            .entry_points
            .into_iter()
            .map(|e| (e.command, e.location.line()))
            .collect();
        assert_eq!(starts, [("gunicorn config.wsgi".to_string(), 4)]);
    }

    /// `$DIR/x.yml` and `${DIR}/x.yml` are `x.yml` under the folder a
    /// variable names; no path after it, or no variable's name, is none.
    #[test]
    fn a_path_under_a_variable_folder() {
        assert_eq!(
            under_variable("$ROOT/docker/prod.yml"),
            Some("docker/prod.yml")
        );
        assert_eq!(
            under_variable("${APP_DIR}/compose.yml"),
            Some("compose.yml")
        );
        for none in [
            "${APP_DIR}/",
            "${A-B}/compose.yml",
            "docker/prod.yml",
            "$ROOT",
        ] {
            assert_eq!(under_variable(none), None, "{none}");
        }
    }

    /// `include:` lists files as strings or `path:` (one or a list), from
    /// the including file's folder; a path with a variable is not guessed.
    #[test]
    fn included_files_resolve_from_the_including_folder() {
        let text = "include:\n  - a.yml\n  - path: ../b.yml\n  - path: [c.yml, d/e.yml]\n  - ${X}.yml\nservices: {}\n";
        let facts = collect_source("deploy/compose.yml", text, None);
        let paths: Vec<&str> = facts.compose_includes[0]
            .paths
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            paths,
            ["deploy/a.yml", "b.yml", "deploy/c.yml", "deploy/d/e.yml"]
        );
        // At the list, the line after `include:`.
        assert_eq!(facts.compose_includes[0].location.line(), 2);
    }

    fn refs(value: &str) -> Vec<(String, InterpolationKind)> {
        match parse_value(value) {
            ComposeValue::Interpolated { refs, .. } => {
                refs.into_iter().map(|r| (r.key, r.kind)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// A braced reference ends at its `}`: nothing of it is left as text.
    #[test]
    fn a_braced_reference_is_not_text() {
        let interpolated = |value: &str| match parse_value(value) {
            ComposeValue::Interpolated { refs, has_text } => {
                let keys: Vec<String> = refs.into_iter().map(|r| r.key).collect();
                Some((keys, has_text))
            }
            _ => None,
        };
        assert_eq!(interpolated("${A}"), Some((vec!["A".to_string()], false)));
        assert_eq!(
            interpolated("${A}${BC}"),
            Some((vec!["A".to_string(), "BC".to_string()], false))
        );
        assert_eq!(interpolated("${A}x"), Some((vec!["A".to_string()], true)));
        // A name starting with a digit is no variable: the value is text.
        assert_eq!(interpolated("${1A}"), None);
        // A nested reference in a default: the outer one ends at its own `}`.
        assert_eq!(
            interpolated("${A:-${B}}").map(|(keys, text)| (keys[0].clone(), text)),
            Some(("A".to_string(), false))
        );
    }

    #[test]
    fn every_interpolation_form() {
        use InterpolationKind::*;
        assert_eq!(refs("${K}"), [("K".into(), Plain)]);
        assert_eq!(refs("$K"), [("K".into(), Plain)]);
        assert_eq!(
            refs("${K:-x}"),
            [(
                "K".into(),
                Default {
                    if_empty: true,
                    default_empty: false
                }
            )]
        );
        assert_eq!(
            refs("${K:-}"),
            [(
                "K".into(),
                Default {
                    if_empty: true,
                    default_empty: true
                }
            )]
        );
        assert_eq!(
            refs("${K-x}"),
            [(
                "K".into(),
                Default {
                    if_empty: false,
                    default_empty: false
                }
            )]
        );
        assert_eq!(
            refs("${K:?err}"),
            [("K".into(), Required { if_empty: true })]
        );
        assert_eq!(
            refs("${K?err}"),
            [("K".into(), Required { if_empty: false })]
        );
        assert_eq!(refs("${K:+on}"), [("K".into(), Alternative)]);
        assert_eq!(refs("${K+on}"), [("K".into(), Alternative)]);
        assert_eq!(
            refs("${A:-${B}}"),
            [(
                "A".into(),
                Default {
                    if_empty: true,
                    default_empty: false
                }
            )]
        );
        assert_eq!(
            refs("postgres://${U}:$P@db/x"),
            [("U".into(), Plain), ("P".into(), Plain)]
        );
    }

    #[test]
    fn dollar_escapes_are_literal() {
        assert_eq!(
            parse_value("$$HOME"),
            ComposeValue::Literal { empty: false }
        );
        assert_eq!(parse_value("a$$b"), ComposeValue::Literal { empty: false });
        assert_eq!(parse_value(""), ComposeValue::Literal { empty: true });
        assert_eq!(
            parse_value("cost $5"),
            ComposeValue::Literal { empty: false }
        );
        match parse_value("pre-${K}") {
            ComposeValue::Interpolated { has_text, .. } => assert!(has_text),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names() {
        for n in [
            "compose.yml",
            "compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "app.compose.yml",
            "staging_pull_compose.template.yaml",
        ] {
            assert!(is_compose_name(n), "{n}");
        }
        for n in ["deploy.yml", "compose.json", "settings.py"] {
            assert!(!is_compose_name(n), "{n}");
        }
    }

    #[test]
    fn join_paths() {
        assert_eq!(
            join("deploy", "../.env.docker").as_deref(),
            Some(".env.docker")
        );
        assert_eq!(join("", "./backend").as_deref(), Some("backend"));
        assert_eq!(join("", ".").as_deref(), Some("."));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("a", "/abs"), None);
    }

    const COMPOSE: &str = r#"x-env: &common
  TZ: UTC
services:
  web:
    build:
      context: ./backend
      dockerfile: docker/Dockerfile
    image: "registry.example.com/app:${TAG:-latest}"
    command: gunicorn config.wsgi
    ports: ["${PORT}:8000"]
    environment:
      <<: *common
      DATABASE_URL: postgres://u:secretpw@db/app
      EMAIL_HOST:
      SECRET_KEY: ${DJANGO_SECRET_KEY}
      DEBUG: ${DEBUG:-false}
      EMPTY: ""
    env_file:
      - .env
      - path: ./extra.env
        required: false
    depends_on:
      migrate:
        condition: service_completed_successfully
      db:
        condition: service_healthy
  worker:
    image: app
    env_file: ../.env.docker
    restart: unless-stopped
    environment:
      - EMAIL_HOST
      - SECRET_KEY=${DJANGO_SECRET_KEY:?set it}
      - 'A=$$notref'
  migrate:
    image: app
    depends_on: [db]
    deploy:
      restart_policy:
        condition: on-failure
"#;

    #[test]
    fn services_entries_and_files() {
        let facts = collect_source("deploy/compose.yml", COMPOSE, None);
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        let web = &facts.services[0];
        assert_eq!(web.name, "web");
        assert_eq!(web.location.row, 3);
        assert_eq!(web.build_context.as_deref(), Some("deploy/backend"));
        assert_eq!(
            web.dockerfile.as_deref(),
            Some("deploy/backend/docker/Dockerfile")
        );
        assert!(web.runs_python);
        assert!(!web.restart);
        let env: Vec<(&str, u32, &ComposeValue)> = web
            .environment
            .iter()
            .map(|e| (e.key.as_str(), e.location.row, &e.value))
            .collect();
        assert_eq!(env[0].0, "DATABASE_URL");
        assert_eq!(env[0].2, &ComposeValue::Literal { empty: false });
        assert_eq!(env[1], ("EMAIL_HOST", 13, &ComposeValue::Passthrough));
        assert_eq!(env[4].2, &ComposeValue::Literal { empty: true });
        assert_eq!(env[5].0, "TZ", "merged keys come after the service's own");
        assert_eq!(web.env_files.len(), 2);
        assert_eq!(web.env_files[0].path, ".env");
        assert!(web.env_files[0].required);
        assert_eq!(web.env_files[1].path, "./extra.env");
        assert!(!web.env_files[1].required);
        assert_eq!(web.env_files[1].location.row, 19);
        assert_eq!(
            web.depends_on,
            [
                (
                    "migrate".to_string(),
                    "service_completed_successfully".to_string()
                ),
                ("db".to_string(), "service_healthy".to_string())
            ]
        );
        let worker = &facts.services[1];
        assert!(worker.restart);
        assert!(!worker.runs_python);
        assert_eq!(worker.env_files[0].path, "../.env.docker");
        assert_eq!(worker.environment[0].value, ComposeValue::Passthrough);
        assert_eq!(worker.environment[0].location.row, 31);
        assert_eq!(
            worker.environment[2].value,
            ComposeValue::Literal { empty: false }
        );
        let migrate = &facts.services[2];
        assert!(migrate.restart, "deploy.restart_policy counts");
        assert_eq!(
            migrate.depends_on,
            [("db".to_string(), "service_started".to_string())]
        );
    }

    #[test]
    fn compose_level_interpolations_are_deploy_reads() {
        let facts = collect_source("compose.yml", COMPOSE, None);
        let reads: Vec<(&str, u32)> = facts
            .reads
            .iter()
            .map(|r| (r.key.as_deref().unwrap_or(""), r.location.row))
            .collect();
        assert_eq!(reads, [("TAG", 7), ("PORT", 9)]);
        assert!(facts.reads.iter().all(|r| r.consumer == Consumer::Deploy));
        assert!(facts.reads[0].has_default);
    }

    #[test]
    fn values_are_never_kept() {
        let facts = collect_source("compose.yml", COMPOSE, None);
        assert!(!format!("{facts:?}").contains("secretpw"));
    }

    #[test]
    fn alias_bomb_is_unparsed_not_an_explosion() {
        let mut text = crate::yaml::alias_bomb("x-a");
        text.push_str("services:\n  web:\n    image: app\n    environment:\n      <<: {A: 1}\n");
        let facts = collect_source("compose.yml", &text, None);
        assert_eq!(facts.unparsed.len(), 1, "{:?}", facts.unparsed);
        assert!(facts.unparsed[0].message.contains("aliases expand"));
        assert_eq!(facts.services[0].environment[0].key, "A");
    }

    #[test]
    fn one_shot_commands_run_to_completion_and_servers_do_not() {
        for command in [
            "python manage.py migrate",
            "sh -c \"python manage.py collectstatic --noinput && exit 0\"",
            "cp -r out/. /frontend_static/",
            "exit 0",
            "echo \"Build complete\"",
            "/bin/sh -c \"mc alias set local http://minio:9000 a b; mc mb local/bucket; exit 0;\"",
            "sh -c \"exit 0\"",
        ] {
            assert!(command_is_oneshot(command), "{command}");
        }
        for command in [
            "sh -c \"python manage.py migrate && gunicorn config.wsgi\"",
            "celery -A app worker",
            // A server anywhere in it: it serves, whatever runs last.
            "celery -A app worker; echo done",
            "npx playwright test",
            "",
        ] {
            assert!(!command_is_oneshot(command), "{command}");
        }
    }

    #[test]
    fn dev_paths_by_any_word_of_the_path() {
        for path in [
            "e2e/docker-compose.yml",
            "docker-compose.ci.yml",
            ".devcontainer/compose.yml",
            "contrib/compose.yml",
            ".env.local",
            "docker/dev/Dockerfile",
        ] {
            assert!(path_is_dev(path), "{path}");
        }
        for path in [
            "docker-compose.yml",
            "deploy/compose.prod.yml",
            "devops/compose.yml",
            "staging_pull_compose.template.yaml",
            "docs/examples/compose/compose.yaml",
        ] {
            assert!(!path_is_dev(path), "{path}");
        }
    }

    #[test]
    fn bad_yaml_and_non_compose() {
        let facts = collect_source("compose.yml", "services:\n  web: [\n", None);
        assert_eq!(facts.unparsed.len(), 1);
        let facts = collect_source("compose.yml", "version: 1\nname: x\n", None);
        assert!(facts.services.is_empty() && facts.unparsed.is_empty());
    }
}
