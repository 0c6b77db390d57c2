//! systemd units that run the app (`ExecStart=` starts its Python modules):
//! `Environment=` assignments are keys set, `EnvironmentFile=` files are
//! env files on the host (seen when the deploy writes them). Drop-ins on the
//! host (`systemctl edit`) may add env envtrail cannot see, so a key a unit
//! lacks is unknown, never missing.

use super::{Collector, Context, InputFile};
use crate::facts::{EntryVia, Facts, PlatformApp, PlatformEnv, Source, UnseenEnv, WriteVia};
use crate::location::Location;

pub struct SystemdCollector;

impl Collector for SystemdCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        rel.ends_with(".service")
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| unit_facts(&file.rel, text))
    }
}

/// One `Key=Value` line of the `[Service]` section, continuation lines joined.
struct Directive {
    key: String,
    value: String,
    location: Location,
}

fn service_directives(rel: &str, text: &str) -> Vec<Directive> {
    let mut out: Vec<Directive> = Vec::new();
    let mut section = String::new();
    let mut continued = false;
    for (row, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if continued {
            if let Some(last) = out.last_mut() {
                last.value.push(' ');
                last.value.push_str(trimmed.trim_end_matches('\\'));
            }
            continued = trimmed.ends_with('\\');
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).to_string();
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        continued = value.ends_with('\\');
        if section == "Service" {
            out.push(Directive {
                key: key.trim().to_string(),
                value: value.trim().trim_end_matches('\\').to_string(),
                location: Location::new(rel, row as u32, 0),
            });
        }
    }
    out
}

/// The unit as a platform app, when it starts the app's Python code.
fn unit_facts(rel: &str, text: &str) -> Facts {
    let directives = service_directives(rel, text);
    let mut entry_points = Vec::new();
    let mut runs_python = false;
    for d in directives.iter().filter(|d| d.key == "ExecStart") {
        // `-`, `@`, `+`, `!`, `:` prefixes change how systemd runs it, not what.
        let command = d.value.trim_start_matches(['-', '@', '+', '!', ':']);
        entry_points.extend(super::launch::entry_points(
            command,
            &d.location,
            EntryVia::Script,
        ));
        runs_python |= command.contains("python");
    }
    if entry_points.is_empty() && !runs_python {
        return Facts::default();
    }
    let stem = rel.rsplit('/').next().unwrap_or(rel);
    let name = stem.strip_suffix(".service").unwrap_or(stem);
    let location = directives
        .iter()
        .find(|d| d.key == "ExecStart")
        .map_or_else(|| Location::file_start(rel), |d| d.location.clone());
    let mut app = PlatformApp {
        via: WriteVia::Systemd,
        noun: "systemd service",
        name: name.to_string(),
        location: location.clone(),
        image: None,
        platform: None,
        env: Vec::new(),
        unseen: vec![UnseenEnv {
            what: "drop-ins on the host (`systemctl edit`)".into(),
            location,
        }],
        env_files: Vec::new(),
    };
    for d in &directives {
        match d.key.as_str() {
            "Environment" => {
                app.env
                    .extend(assignments(&d.value).into_iter().map(|key| PlatformEnv {
                        key,
                        location: d.location.clone(),
                        source: Source::Literal,
                    }))
            }
            "EnvironmentFile" => {
                // `-` makes a missing file no error; the file is the same.
                let path = d.value.trim_start_matches('-').trim().to_string();
                if !path.is_empty() {
                    app.env_files.push((path, d.location.clone()));
                }
            }
            _ => {}
        }
    }
    Facts {
        platform_apps: vec![app],
        entry_points,
        ..Facts::default()
    }
}

/// The keys of `Environment="A=1" "B=two words" C=3`.
fn assignments(value: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (word, tail) = match rest.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            },
            None => rest.split_at(rest.find(' ').unwrap_or(rest.len())),
        };
        if let Some((key, _)) = word.split_once('=')
            && crate::collect::shell::is_identifier(key)
        {
            keys.push(key.to_string());
        }
        rest = tail.trim_start();
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: &str = "[Unit]\nDescription=Shop\n\n[Service]\nUser=shop\nWorkingDirectory=/srv/shop\nEnvironmentFile=-/srv/shop/.env\nEnvironment=\"DJANGO_SETTINGS_MODULE=shop.settings\" \"WEB_CONCURRENCY=3\"\nEnvironment=PYTHONUNBUFFERED=1 LOG_LEVEL=info\nExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi \\\n    --bind 127.0.0.1:8000\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n";

    #[test]
    fn a_unit_running_the_app_is_a_platform_app() {
        let facts = unit_facts("deploy/shop.service", UNIT);
        let app = &facts.platform_apps[0];
        assert_eq!((app.name.as_str(), app.location.line()), ("shop", 10));
        let keys: Vec<(&str, u32)> = app
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.location.line()))
            .collect();
        assert_eq!(
            keys,
            [
                ("DJANGO_SETTINGS_MODULE", 8),
                ("WEB_CONCURRENCY", 8),
                ("PYTHONUNBUFFERED", 9),
                ("LOG_LEVEL", 9)
            ]
        );
        assert_eq!(app.env_files[0].0, "/srv/shop/.env");
        assert_eq!(app.env_files[0].1.line(), 7);
        assert_eq!(facts.entry_points[0].modules, ["shop.wsgi"]);
    }

    #[test]
    fn units_of_other_programs_are_not_the_app() {
        let runner = "[Service]\nExecStart=/home/runner/actions-runner/run.sh\nEnvironment=RUNNER_ALLOW_RUNASROOT=1\n";
        assert!(
            unit_facts("scripts/github-runner.service", runner)
                .platform_apps
                .is_empty()
        );
    }

    proptest::proptest! {
        /// Whatever a unit holds, reading it never panics.
        #[test]
        fn any_unit_text_is_read_without_panicking(text in "(\\[Service\\]\n|ExecStart=[-@+!:]{0,2}[a-z /.]{0,20}\n|Environment=[\"A-Z= ]{0,20}\n|EnvironmentFile=-?[/a-z.]{0,10}\n|\\\\\n|[#;a-z=]{0,10}\n){0,10}") {
            let _ = unit_facts("a.service", &text);
            let _ = assignments(&text);
        }
    }

    #[test]
    fn environment_assignments_with_quotes_and_spaces() {
        assert_eq!(
            assignments("\"A=1\" \"B=two words\" C=3 bad-key=4"),
            ["A", "B", "C"]
        );
        assert_eq!(assignments("\"UNCLOSED=1"), ["UNCLOSED"]);
        assert!(assignments("").is_empty());
    }
}
