//! The Python modules a command line starts: `gunicorn config.wsgi:application`,
//! `uvicorn app.main:app`, `celery -A proj worker`, `python manage.py runserver`,
//! `python -m app`. Shared by every collector that sees how the app starts
//! (Dockerfile, compose, Kubernetes, Procfile, shell entrypoints).
//! Words only: nothing is run.

use crate::facts::{EntryPoint, EntryVia};
use crate::location::Location;

/// What one command starts: what to show and the modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub command: String,
    pub modules: Vec<String>,
}

/// Servers whose positional argument is the app module (`module:attr`).
const SERVERS: &[&str] = &["gunicorn", "uvicorn", "daphne", "hypercorn", "granian"];

/// Flags of those servers that take no value: the word after one may be the module.
const BOOLEAN_FLAGS: &[&str] = &[
    "--reload",
    "--preload",
    "--daemon",
    "-D",
    "-R",
    "--capture-output",
    "--check-config",
    "--print-config",
    "--reuse-port",
    "--no-sendfile",
    "--enable-stdio-inheritance",
    "--proxy-headers",
    "--no-proxy-headers",
    "--no-access-log",
    "--use-colors",
    "--no-use-colors",
    "--factory",
    "--no-server-header",
    "--no-date-header",
    "--debug",
    "--access-log",
];

/// Entry points of `command` (a shell line or an exec-form list), located at `location`.
pub fn entry_points(command: &str, location: &Location, via: EntryVia) -> Vec<EntryPoint> {
    launches(command)
        .into_iter()
        .map(|l| EntryPoint {
            command: l.command,
            modules: l.modules,
            location: location.clone(),
            via,
        })
        .collect()
}

/// Every launch in a command line: each `&&` / `;` / `|` segment on its own.
pub fn launches(command: &str) -> Vec<Launch> {
    let words = words(command);
    words
        .split(|w| matches!(w.as_str(), "&&" | "||" | ";" | "|" | "&"))
        .filter_map(launch)
        .collect()
}

/// The words of a command: quotes, exec-form brackets and commas removed.
fn words(command: &str) -> Vec<String> {
    let spaced = command
        .replace("&&", " && ")
        .replace("||", " || ")
        .replace(';', " ; ");
    spaced
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '[' | ']' | ',' | '\\'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The launch in one segment: the first word that is a known launcher decides.
fn launch(segment: &[String]) -> Option<Launch> {
    segment.iter().enumerate().find_map(|(i, word)| {
        let name = basename(word);
        let rest = segment.get(i + 1..).unwrap_or_default();
        if SERVERS.contains(&name) {
            server(name, rest)
        } else if name == "celery" {
            celery(rest)
        } else if name == "manage.py" {
            Some(manage(word, rest))
        } else if name.starts_with("python") {
            python(name, rest)
        } else if name == "flask" {
            flag_value(rest, &["--app", "-A"]).map(|m| Launch {
                command: format!("flask --app {m}"),
                modules: vec![strip_attr(&m).to_string()],
            })
        } else if name == "uwsgi" {
            uwsgi(rest)
        } else {
            None
        }
    })
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// `config.wsgi:application` → `config.wsgi`; `app:create_app()` → `app`.
fn strip_attr(module: &str) -> &str {
    module.split(':').next().unwrap_or(module)
}

/// A word that can name a module: `a.b`, `a.b:c`, `a:create_app()`.
fn is_module_word(word: &str) -> bool {
    let module = strip_attr(word);
    module
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && module
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !module.ends_with('.')
}

/// `gunicorn [flags] module:attr`: the positional module, a `module:attr`
/// first; the word after a flag that takes a value is that value.
fn server(name: &str, rest: &[String]) -> Option<Launch> {
    let mut candidates = Vec::new();
    let mut after_value_flag = false;
    for word in rest {
        if word.starts_with('-') {
            after_value_flag = !word.contains('=') && !BOOLEAN_FLAGS.contains(&word.as_str());
            continue;
        }
        if !after_value_flag && is_module_word(word) {
            candidates.push(word.as_str());
        }
        after_value_flag = false;
    }
    let module = candidates
        .iter()
        .find(|w| w.contains(':'))
        .or(candidates.first())?;
    let module = strip_attr(module);
    Some(Launch {
        command: format!("{name} {module}"),
        modules: vec![module.to_string()],
    })
}

/// The value of the first of `flags` in `rest`: `-A proj`, `--app=proj`.
fn flag_value(rest: &[String], flags: &[&str]) -> Option<String> {
    rest.iter().enumerate().find_map(|(i, w)| {
        if let Some((flag, value)) = w.split_once('=')
            && flags.contains(&flag)
        {
            return Some(value.to_string());
        }
        if flags.contains(&w.as_str()) {
            return rest.get(i + 1).cloned();
        }
        // `-Aproj`
        flags
            .iter()
            .filter(|f| f.len() == 2)
            .find_map(|f| w.strip_prefix(f).filter(|v| !v.is_empty()))
            .map(str::to_string)
    })
}

/// `celery -A proj worker`: celery imports `proj.celery` when it exists, else `proj`.
fn celery(rest: &[String]) -> Option<Launch> {
    let app = flag_value(rest, &["-A", "--app"])?;
    let module = strip_attr(&app);
    if !is_module_word(module) {
        return None;
    }
    Some(Launch {
        command: format!("celery -A {module}"),
        modules: vec![module.to_string(), format!("{module}.celery")],
    })
}

/// `python manage.py runserver`, `./manage.py run_worker`: manage.py, and the
/// management command it runs when that is the project's own.
fn manage(word: &str, rest: &[String]) -> Launch {
    let path = word.trim_start_matches("./").to_string();
    let command = rest.iter().find(|w| !w.starts_with('-'));
    let mut modules = vec![path.clone()];
    if let Some(c) = command.filter(|c| is_module_word(c) && !c.contains('.')) {
        modules.push(format!("management/commands/{c}.py"));
    }
    Launch {
        command: match command {
            Some(c) => format!("python {path} {c}"),
            None => format!("python {path}"),
        },
        modules,
    }
}

/// `python -m app`, `python src/main.py`, `python manage.py ...`.
fn python(name: &str, rest: &[String]) -> Option<Launch> {
    let rest_name = name.trim_start_matches("python");
    if !rest_name.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    for (i, word) in rest.iter().enumerate() {
        if word == "-m" {
            let module = rest.get(i + 1)?;
            // `python -m celery -A proj`: the tool's own words say what it starts.
            if SERVERS.contains(&module.as_str()) || matches!(module.as_str(), "celery" | "flask") {
                return None;
            }
            return is_module_word(module).then(|| Launch {
                command: format!("python -m {module}"),
                modules: vec![module.clone()],
            });
        }
        if word == "-c" {
            return None;
        }
        if word.starts_with('-') {
            continue;
        }
        if basename(word) == "manage.py" {
            return Some(manage(word, rest.get(i + 1..).unwrap_or_default()));
        }
        let path = word.trim_start_matches("./");
        return path.ends_with(".py").then(|| Launch {
            command: format!("python {path}"),
            modules: vec![path.to_string()],
        });
    }
    None
}

/// `uwsgi --module config.wsgi` / `--wsgi-file config/wsgi.py`.
fn uwsgi(rest: &[String]) -> Option<Launch> {
    if let Some(module) = flag_value(rest, &["--module", "-w"]) {
        let module = strip_attr(&module).to_string();
        return Some(Launch {
            command: format!("uwsgi --module {module}"),
            modules: vec![module],
        });
    }
    let file = flag_value(rest, &["--wsgi-file"])?;
    Some(Launch {
        command: format!("uwsgi --wsgi-file {file}"),
        modules: vec![file.trim_start_matches("./").to_string()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(command: &str) -> Vec<(String, Vec<String>)> {
        launches(command)
            .into_iter()
            .map(|l| (l.command, l.modules))
            .collect()
    }

    fn one(command: &str, shown: &str, mods: &[&str]) {
        assert_eq!(
            modules(command),
            [(
                shown.to_string(),
                mods.iter().map(|m| m.to_string()).collect::<Vec<_>>()
            )],
            "{command}"
        );
    }

    #[test]
    fn gunicorn_targets_past_flags_and_values() {
        one(
            "gunicorn config.wsgi:application",
            "gunicorn config.wsgi",
            &["config.wsgi"],
        );
        one(
            "gunicorn -b 0.0.0.0:8000 -w 4 -k uvicorn.workers.UvicornWorker --log-level info app.main:app",
            "gunicorn app.main",
            &["app.main"],
        );
        one(
            "gunicorn --reload config.wsgi",
            "gunicorn config.wsgi",
            &["config.wsgi"],
        );
        one(
            r#"["gunicorn", "--bind", "0.0.0.0:8000", "proj.wsgi"]"#,
            "gunicorn proj.wsgi",
            &["proj.wsgi"],
        );
        one(
            "/usr/local/bin/gunicorn 'app:create_app()'",
            "gunicorn app",
            &["app"],
        );
        assert!(modules("gunicorn -c gunicorn.conf.py").is_empty());
    }

    #[test]
    fn uvicorn_daphne_hypercorn_targets() {
        one(
            "uvicorn app.main:app --host 0.0.0.0 --port 8000",
            "uvicorn app.main",
            &["app.main"],
        );
        one(
            "daphne -b 0.0.0.0 -p 8001 config.asgi:application",
            "daphne config.asgi",
            &["config.asgi"],
        );
        one(
            "hypercorn --bind 0.0.0.0:80 main:app",
            "hypercorn main",
            &["main"],
        );
    }

    #[test]
    fn celery_app_flag_in_every_spelling() {
        for command in [
            "celery -A proj worker -l info",
            "celery --app=proj worker",
            "celery --app proj beat",
            "python -m celery -A proj worker",
            "celery -Aproj worker",
        ] {
            one(command, "celery -A proj", &["proj", "proj.celery"]);
        }
        one(
            "celery -A config.celery_app:app worker",
            "celery -A config.celery_app",
            &["config.celery_app", "config.celery_app.celery"],
        );
    }

    #[test]
    fn python_manage_module_and_script() {
        one(
            "python manage.py runserver 0.0.0.0:8000",
            "python manage.py runserver",
            &["manage.py", "management/commands/runserver.py"],
        );
        one("python3 -m app", "python -m app", &["app"]);
        one(
            "python -u src/main.py",
            "python src/main.py",
            &["src/main.py"],
        );
        assert!(modules("python -c 'print(1)'").is_empty());
        assert!(modules("pythonic stuff").is_empty());
    }

    #[test]
    fn every_segment_of_a_shell_line() {
        assert_eq!(
            modules("sh -c \"python manage.py migrate && gunicorn config.wsgi -b :8000\""),
            [
                (
                    "python manage.py migrate".to_string(),
                    vec![
                        "manage.py".to_string(),
                        "management/commands/migrate.py".to_string()
                    ]
                ),
                (
                    "gunicorn config.wsgi".to_string(),
                    vec!["config.wsgi".to_string()]
                ),
            ]
        );
        assert!(modules("nginx -g 'daemon off;'").is_empty());
    }
}
