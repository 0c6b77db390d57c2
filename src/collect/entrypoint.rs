//! Shell entrypoints shipped with the app (`entrypoint.sh`, `start.sh`,
//! `run.sh`): their `$KEY` / `${KEY:-default}` reads consume keys too.

use super::{Collector, Context, InputFile};
use crate::facts::Facts;

pub struct EntrypointCollector;

/// File names that are shell entrypoints by convention.
const ENTRYPOINT_NAMES: &[&str] = &[
    "entrypoint.sh", "docker-entrypoint.sh", "start.sh", "run.sh", "start-server.sh", "boot.sh",
    "start-django.sh", "gunicorn.sh",
];

impl Collector for EntrypointCollector {
    fn name(&self) -> &'static str {
        "entrypoint"
    }

    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        ENTRYPOINT_NAMES.contains(&name)
    }

    fn collect(&self, _files: &[InputFile], _ctx: &Context) -> Facts {
        Facts::default()
    }
}
