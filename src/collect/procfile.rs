//! `Procfile` (Heroku, Dokku, honcho): each `name: command` line is how a
//! process of the app starts.

use super::{Collector, Context, InputFile};
use crate::facts::{EntryVia, Facts};
use crate::location::Location;

pub struct ProcfileCollector;

impl Collector for ProcfileCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name == "Procfile" || name.starts_with("Procfile.")
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text)
        })
    }
}

/// The entry points of one Procfile: every process line's command.
pub fn collect_source(rel: &str, text: &str) -> Facts {
    let mut facts = Facts::default();
    for (row, line) in text.lines().enumerate() {
        let Some((name, command)) = line.split_once(':') else {
            continue;
        };
        if name.trim_start().starts_with('#') || name.contains(char::is_whitespace) {
            continue;
        }
        let at = Location::new(rel, u32::try_from(row).unwrap_or(u32::MAX), 0);
        facts.entry_points.extend(super::launch::entry_points(
            command,
            &at,
            EntryVia::Procfile,
        ));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_process_line() {
        let facts = collect_source(
            "Procfile",
            "# comment: gunicorn not.me\nweb: gunicorn config.wsgi --log-file -\nworker: celery -A proj worker\nrelease: python manage.py migrate\n",
        );
        let got: Vec<(&str, u32)> = facts
            .entry_points
            .iter()
            .map(|e| (e.command.as_str(), e.location.line()))
            .collect();
        assert_eq!(
            got,
            [
                ("gunicorn config.wsgi", 2),
                ("celery -A proj", 3),
                ("python manage.py migrate", 4)
            ]
        );
    }
}
