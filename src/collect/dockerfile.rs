//! Dockerfiles (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`): the `ENV` keys
//! the final image carries (both `ENV K=V K2=V2` and `ENV K V`; values from
//! an `ARG` count as set), and whether the image runs Python. Values are
//! never kept.

use std::collections::BTreeMap;

use super::{Collector, Context, InputFile};
use crate::facts::{DockerImage, EntryPoint, EntryVia, Facts, ImageEnv, Source};
use crate::location::Location;

pub struct DockerfileCollector;

/// Words in a `RUN`/`CMD`/`ENTRYPOINT` that mean the image runs Python.
const PYTHON_MARKERS: &[&str] = &[
    "pip install",
    "poetry",
    "uv sync",
    "uv pip",
    "pipenv",
    "gunicorn",
    "uvicorn",
    "manage.py",
    "python",
];

/// Base images of other languages' runtimes and of web servers.
const OTHER_RUNTIMES: &[&str] = &[
    "node",
    "nginx",
    "httpd",
    "caddy",
    "golang",
    "ruby",
    "openjdk",
    "eclipse-temurin",
    "php",
    "rust",
    "deno",
    "bun",
];

/// `base` (lower case, as written after `FROM`) is one of [`OTHER_RUNTIMES`].
fn is_other_runtime(base: &str) -> bool {
    let repo = base.rsplit('/').next().unwrap_or(base);
    let repo = repo.split([':', '@']).next().unwrap_or(repo);
    OTHER_RUNTIMES.contains(&repo)
}

pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || (lower.ends_with(".dockerfile") && lower.len() > ".dockerfile".len())
}

impl Collector for DockerfileCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_dockerfile_name(rel.rsplit('/').next().unwrap_or(rel))
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| Facts {
            images: vec![parse(&file.rel, text)],
            entry_points: entry_points(&file.rel, text),
            ..Facts::default()
        })
    }
}

/// What a container of the image starts: the last `ENTRYPOINT` followed by
/// the last `CMD` (its arguments), at the later of the two lines.
pub fn entry_points(rel: &str, text: &str) -> Vec<EntryPoint> {
    let mut entrypoint: Option<(u32, String)> = None;
    let mut cmd: Option<(u32, String)> = None;
    for (row, line) in instructions(text) {
        let (instr, rest) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        match instr.to_ascii_uppercase().as_str() {
            "ENTRYPOINT" => entrypoint = Some((row, rest.trim().to_string())),
            "CMD" => cmd = Some((row, rest.trim().to_string())),
            _ => {}
        }
    }
    let (row, command) = match (entrypoint, cmd) {
        (Some((e_row, e)), Some((c_row, c))) => (e_row.max(c_row), format!("{e} {c}")),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => return Vec::new(),
    };
    super::launch::entry_points(&command, &Location::new(rel, row, 0), EntryVia::Dockerfile)
}

/// Instructions with their continuation lines joined, each with the row it starts on.
fn instructions(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (row, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if current.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        match &mut current {
            Some((_, acc)) => {
                if !trimmed.starts_with('#') {
                    acc.push(' ');
                    acc.push_str(body);
                }
            }
            None => current = Some((row as u32, body.to_string())),
        }
        if !continues && let Some(done) = current.take() {
            out.push(done);
        }
    }
    out.extend(current);
    out
}

/// Split like a shell would, keeping quotes' content together: enough for `ENV`.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The keys of an `ENV` (`K=V K2=V2` or `K V`), each with whether its value
/// comes from a variable.
fn env_pairs(rest: &str) -> Vec<(String, bool)> {
    let ws = words(rest);
    if ws.first().is_some_and(|w| w.contains('=')) {
        ws.iter()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_string(), v.contains('$')))
            .collect()
    } else {
        ws.first()
            .map(|k| (k.clone(), ws.iter().skip(1).any(|w| w.contains('$'))))
            .into_iter()
            .collect()
    }
}

pub fn parse(rel: &str, text: &str) -> DockerImage {
    let mut stages: BTreeMap<String, Vec<ImageEnv>> = BTreeMap::new();
    let mut env: Vec<ImageEnv> = Vec::new();
    let mut python = false;
    let mut last_base = String::new();
    let mut stage_name: Option<String> = None;
    let mut command_row = 0;
    for (row, line) in instructions(text) {
        let (instr, rest) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let rest = rest.trim();
        let lower = rest.to_ascii_lowercase();
        let instr = instr.to_ascii_uppercase();
        if matches!(instr.as_str(), "CMD" | "ENTRYPOINT") {
            command_row = row;
        }
        match instr.as_str() {
            "FROM" => {
                if let Some(name) = stage_name.take() {
                    stages.insert(name, std::mem::take(&mut env));
                }
                let args: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|a| !a.starts_with("--"))
                    .collect();
                let base = args
                    .first()
                    .map(|b| b.to_ascii_lowercase())
                    .unwrap_or_default();
                // A stage built on an earlier stage keeps its env; any other base starts clean.
                env = stages.get(&base).cloned().unwrap_or_default();
                if base.starts_with("python") || base.contains("/python") {
                    python = true;
                }
                last_base = base.clone();
                if let [_, as_kw, name, ..] = args.as_slice()
                    && as_kw.eq_ignore_ascii_case("as")
                {
                    stage_name = Some(name.to_ascii_lowercase());
                }
            }
            "ENV" => {
                let location = Location::new(rel, row, 0);
                for (key, from_var) in env_pairs(rest) {
                    if key.is_empty() {
                        continue;
                    }
                    env.retain(|e| e.key != key);
                    env.push(ImageEnv {
                        key,
                        location: location.clone(),
                        source: if from_var {
                            Source::Unknown
                        } else {
                            Source::Literal
                        },
                    });
                }
            }
            "RUN" | "CMD" | "ENTRYPOINT" if PYTHON_MARKERS.iter().any(|m| lower.contains(m)) => {
                python = true
            }
            _ => {}
        }
    }
    DockerImage {
        file: rel.to_string(),
        other_runtime: !python && is_other_runtime(&last_base),
        env,
        python,
        command: Location::new(rel, command_row, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(image: &DockerImage) -> Vec<(&str, u32)> {
        image
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.location.row))
            .collect()
    }

    /// The collector reads every Dockerfile of the tree (`Dockerfile`,
    /// `Dockerfile.prod`, `web.dockerfile`) for its image and what it starts.
    #[test]
    fn the_collector_reads_each_dockerfile_for_its_env_and_entry_point() {
        let ctx = Context::default();
        for (rel, wanted) in [
            ("Dockerfile", true),
            ("deploy/Dockerfile.prod", true),
            ("web.dockerfile", true),
            (".dockerfile", false),
            ("Dockerfiles/readme", false),
        ] {
            assert_eq!(DockerfileCollector.wants(rel, &ctx), wanted, "{rel}");
        }
        let text = "FROM python:3.12\nENV MODE=prod\nCMD [\"gunicorn\", \"config.wsgi\"]\n";
        let facts = crate::collect::collect_tree(&[("Dockerfile", text)]);
        let env: Vec<&str> = facts.images[0].env.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(env, ["MODE"]);
        let starts: Vec<(&str, u32)> = facts
            .entry_points
            .iter()
            .map(|e| (e.command.as_str(), e.location.line()))
            .collect();
        assert_eq!(starts, [("gunicorn config.wsgi", 3)]);
    }

    /// Quoted values keep their spaces; a comment ending in `\` continues
    /// nothing.
    #[test]
    fn env_values_in_quotes_and_comments_ending_in_a_backslash() {
        let keys = |text: &str| -> Vec<String> {
            parse("Dockerfile", text)
                .env
                .into_iter()
                .map(|e| e.key)
                .collect()
        };
        assert_eq!(
            keys("FROM python:3.12\nENV A=\"one two\" B='x y' C=3\n"),
            ["A", "B", "C"]
        );
        assert_eq!(
            keys("FROM python:3.12\n# see the next line \\\nENV A=1\n"),
            ["A"]
        );
    }

    /// The last `ENTRYPOINT` runs with the last `CMD` as its arguments, at
    /// the later line of the two; either alone is the command.
    #[test]
    fn entrypoint_and_cmd_make_one_command() {
        let starts = |text: &str| -> Vec<(String, u32)> {
            entry_points("Dockerfile", text)
                .into_iter()
                .map(|e| (e.command, e.location.line()))
                .collect()
        };
        let both = "FROM python:3.12\nCMD [\"config.wsgi\"]\nENTRYPOINT [\"gunicorn\"]\n";
        assert_eq!(starts(both), [("gunicorn config.wsgi".to_string(), 3)]);
        let entrypoint = "FROM python:3.12\nENTRYPOINT gunicorn config.wsgi\n";
        assert_eq!(
            starts(entrypoint),
            [("gunicorn config.wsgi".to_string(), 2)]
        );
        assert!(starts("FROM python:3.12\nRUN pip install x\n").is_empty());
    }

    #[test]
    fn both_env_syntaxes_and_args() {
        let image = parse(
            "Dockerfile",
            "FROM python:3.12-slim\nARG DJANGO_ENV=production\nENV DJANGO_ENV=$DJANGO_ENV \\\n    PYTHONUNBUFFERED=1 LABEL=\"a b\"\nENV PORT 8000\n# ENV NOT_ME=1\nCMD [\"gunicorn\"]\n",
        );
        assert_eq!(
            keys(&image),
            [
                ("DJANGO_ENV", 2),
                ("PYTHONUNBUFFERED", 2),
                ("LABEL", 2),
                ("PORT", 4)
            ]
        );
        assert_eq!(image.env[0].source, Source::Unknown);
        assert_eq!(image.env[1].source, Source::Literal);
        assert!(image.python);
    }

    #[test]
    fn only_the_final_stage_counts() {
        let image = parse(
            "Dockerfile",
            "FROM node:20 AS assets\nENV NODE_ENV=production\nFROM python:3.12 AS base\nENV A=1\nFROM base\nENV B=2\n",
        );
        assert_eq!(keys(&image), [("A", 3), ("B", 5)]);
    }

    #[test]
    fn the_last_cmd_or_entrypoint_else_the_first_line() {
        let image = parse(
            "Dockerfile",
            "# syntax=docker/dockerfile:1\nFROM python:3.12\nENTRYPOINT [\"/entry.sh\"]\n# CMD [\"not-me\"]\ncmd gunicorn \\\n  app:wsgi\nRUN echo CMD\n",
        );
        assert_eq!(image.command, Location::new("Dockerfile", 4, 0));
        let none = parse("api/Dockerfile", "FROM python:3.12\nRUN pip install x\n");
        assert_eq!(none.command, Location::new("api/Dockerfile", 0, 0));
    }

    #[test]
    fn not_python() {
        assert!(!parse("Dockerfile", "FROM nginx:1\nENV X=1\n").python);
        // A RUN or CMD makes the image Python only by what it runs.
        assert!(
            !parse(
                "Dockerfile",
                "FROM node:20\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
            )
            .python
        );
        // A Python base, by its name or a registry path ending in it.
        for base in ["python:3.12", "docker.io/library/python:3.12-slim"] {
            assert!(
                parse("Dockerfile", &format!("FROM {base}\n")).python,
                "{base}"
            );
        }
        assert!(
            parse(
                "node.Dockerfile",
                "FROM docker.io/cimg/node:current-browsers\n"
            )
            .other_runtime
        );
        // Python installed on a node base, or an unknown base: not another runtime.
        assert!(
            !parse(
                "Dockerfile",
                "FROM node:20\nRUN apt-get install -y python3\n"
            )
            .other_runtime
        );
        assert!(
            !parse(
                "Dockerfile",
                "FROM ghcr.io/acme/base:1\nCMD [\"/start.sh\"]\n"
            )
            .other_runtime
        );
    }

    #[test]
    fn values_are_never_kept() {
        let image = parse("Dockerfile", "FROM python\nENV TOKEN=hunter2\n");
        assert!(!format!("{image:?}").contains("hunter2"));
    }

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "dockerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [".dockerfile", "Dockerfiles", "docker-compose.yml"] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
