//! Shell entrypoints shipped with the app (`entrypoint.sh`, `start.sh`,
//! `run.sh`): their `$KEY` / `${KEY:-default}` reads consume keys too, and
//! the commands they run (`exec gunicorn config.wsgi`) are how the app starts.

use super::shell::{self, ScriptContext};
use super::{Collector, Context, InputFile};
use crate::facts::{Consumer, DefaultValue, EntryVia, EnvRead, Facts, ReadVia, Unparsed};
use crate::location::Location;

pub struct EntrypointCollector;

/// File names that are shell entrypoints by convention.
const ENTRYPOINT_NAMES: &[&str] = &[
    "entrypoint.sh",
    "docker-entrypoint.sh",
    "start.sh",
    "run.sh",
    "start-server.sh",
    "boot.sh",
    "start-django.sh",
    "gunicorn.sh",
];

impl Collector for EntrypointCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        ENTRYPOINT_NAMES.contains(&name)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text)
        })
    }
}

/// The env reads of one entrypoint script: every variable it reads and does
/// not set itself (loop variables, positional and shell parameters skipped).
pub fn collect_source(rel: &str, text: &str) -> Facts {
    let script = shell::analyze(text, &ScriptContext::default());
    let mut facts = Facts::default();
    for (row, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let at = Location::new(rel, u32::try_from(row).unwrap_or(u32::MAX), 0);
        facts
            .entry_points
            .extend(super::launch::entry_points(line, &at, EntryVia::Script));
    }
    for (row, message) in script.errors {
        facts.unparsed.push(Unparsed {
            location: Location::new(rel, row, 0),
            message,
        });
    }
    for r in script.reads {
        let mut read = EnvRead::new(
            Some(r.name),
            Location::new(rel, r.row, r.column),
            ReadVia::Shell,
            Consumer::Entrypoint,
        );
        read.required = r.required;
        read.has_default = r.has_default;
        read.default = r.default.map(DefaultValue::Str);
        facts.reads.push(read);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_with_defaults_and_requirements() {
        let f = collect_source(
            "docker/entrypoint.sh",
            "#!/bin/sh\nset -e\n: \"${DJANGO_SETTINGS_MODULE:?set it}\"\nPORT=\"${PORT:-8000}\"\nif [ \"$RUN_MIGRATIONS\" = 1 ]; then python manage.py migrate; fi\nexec gunicorn -b 0.0.0.0:$PORT -w ${WEB_CONCURRENCY=2} \"$@\"\n",
        );
        let got: Vec<(&str, u32, bool, Option<DefaultValue>, bool)> = f
            .reads
            .iter()
            .map(|r| {
                (
                    r.key.as_deref().unwrap_or(""),
                    r.location.line(),
                    r.required,
                    r.default.clone(),
                    r.has_default,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("DJANGO_SETTINGS_MODULE", 3, true, None, false),
                (
                    "PORT",
                    4,
                    false,
                    Some(DefaultValue::Str("8000".into())),
                    true
                ),
                (
                    "RUN_MIGRATIONS",
                    5,
                    false,
                    Some(DefaultValue::Str(String::new())),
                    false
                ),
                (
                    "WEB_CONCURRENCY",
                    6,
                    false,
                    Some(DefaultValue::Str("2".into())),
                    true
                ),
            ]
        );
        assert!(
            f.reads
                .iter()
                .all(|r| r.consumer == Consumer::Entrypoint && r.via == ReadVia::Shell)
        );
    }
}
