//! The env a deploy host gives compose: what the workflow writes, by the
//! file it lands in or exported, for one target.

use std::collections::{BTreeSet, HashMap};

use super::{basename, dir_of, is_above, is_direct};
use crate::facts::{DotenvFile, EnvWrite, Source, Stage};
use crate::location::Location;

/// The env a deploy host gives compose for one target.
pub(super) struct HostEnv<'a> {
    /// Written on the runner to a path inside the repository
    /// (`services/api/.env`): matched by that path only, so in a monorepo
    /// each compose file gets its own service's `.env`.
    located: HashMap<String, Vec<&'a EnvWrite>>,
    /// Written on a deploy host, or to an absolute path: the host's tree is
    /// not the repository's, so matched by the file's name (`.env`).
    by_name: HashMap<&'a str, Vec<&'a EnvWrite>>,
    /// Exported into the process environment.
    exported: HashMap<&'a str, &'a EnvWrite>,
}

impl<'a> HostEnv<'a> {
    /// The host env of `target` (every write's, without one). With
    /// `runner_env` false the target starts compose only on deploy hosts:
    /// what the runner's own env holds (`env:` maps, `$GITHUB_ENV`) never
    /// reaches it.
    pub(super) fn new(writes: &'a [EnvWrite], target: Option<&str>, runner_env: bool) -> Self {
        Self::excluding(writes, target, runner_env, &BTreeSet::new())
    }

    /// The same, without the writes of the `tests` targets: what a CI job
    /// sets for its own tests reaches no deploy.
    pub(super) fn excluding(
        writes: &'a [EnvWrite],
        target: Option<&str>,
        runner_env: bool,
        tests: &BTreeSet<&str>,
    ) -> Self {
        let applies = |t: &Option<String>| match t.as_deref() {
            Some(t) if tests.contains(t) => false,
            Some(t) => target.is_none_or(|target| t == target),
            None => true,
        };
        let reaches_host = |w: &EnvWrite| runner_env || w.remote || w.sink.is_some();
        let mut env = HostEnv {
            located: HashMap::new(),
            by_name: HashMap::new(),
            exported: HashMap::new(),
        };
        for w in writes
            .iter()
            .filter(|w| w.via.stage() == Stage::Workflow && applies(&w.target) && reaches_host(w))
        {
            match &w.sink {
                Some(sink) => match repo_path(w, sink) {
                    Some(path) => env.located.entry(path).or_default().push(w),
                    None => env.by_name.entry(basename(sink)).or_default().push(w),
                },
                // An action step's env stays in that action's process.
                None if !is_direct(w.via) && !w.via.is_action_input() => {
                    env.exported.entry(w.key.as_str()).or_insert(w);
                }
                None => {}
            }
        }
        env
    }

    /// The writes to `path` as a file in folder `dir` of the repository
    /// (a compose file's folder) names it.
    pub(super) fn file_writes(
        &self,
        dir: &str,
        path: &str,
    ) -> impl Iterator<Item = &'a EnvWrite> + '_ {
        let located = crate::collect::compose::join(dir, path)
            .and_then(|p| self.located.get(&p))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let by_name = self
            .by_name
            .get(basename(path))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        located.iter().chain(by_name).copied()
    }

    /// The workflow line that gives compose in folder `dir` host key `key`:
    /// exported, or written to the project's `.env`.
    pub(super) fn origin(&self, dir: &str, key: &str) -> Option<Location> {
        self.exported
            .get(key)
            .copied()
            .or_else(|| self.file_writes(dir, ".env").find(|w| w.key == key))
            .map(|w| w.location.clone())
    }

    /// Every write that could be meant for compose in folder `dir`: exported
    /// keys, host-side files, and runner files in `dir` or a folder above it
    /// (another service's folder in a monorepo is not this service's).
    pub(super) fn upstream_of(&self, dir: &'a str) -> impl Iterator<Item = &'a EnvWrite> + '_ {
        self.located
            .iter()
            .filter(move |(path, _)| is_above(dir_of(path), dir))
            .flat_map(|(_, ws)| ws.iter().copied())
            .chain(self.by_name.values().flat_map(|ws| ws.iter().copied()))
            .chain(self.exported.values().copied())
    }

    /// envtrail sees the `.env` compose in `dir` reads: committed, or written
    /// by the deploy. Without it the host's env is opaque, not empty.
    pub(super) fn sees_dotenv(&self, dir: &str, project_dotenv: Option<&DotenvFile>) -> bool {
        project_dotenv.is_some() || self.file_writes(dir, ".env").next().is_some()
    }

    pub(super) fn has(
        &self,
        dir: &str,
        key: &str,
        project_dotenv: Option<&DotenvFile>,
    ) -> Option<Source> {
        if let Some(w) = self.exported.get(key) {
            return Some(w.source.clone());
        }
        if let Some(w) = self.file_writes(dir, ".env").find(|w| w.key == key) {
            return Some(w.source.clone());
        }
        project_dotenv
            .and_then(|f| f.keys.iter().find(|k| k.key == key))
            .map(|_| Source::Literal)
    }
}

/// The repository path a runner-side write lands in, when it has one: a
/// relative sink written on the runner (`working-directory` already applied
/// by the workflow collector). Remote and absolute sinks have none.
fn repo_path(w: &EnvWrite, sink: &str) -> Option<String> {
    if w.remote || sink.starts_with(['/', '~', '$']) {
        return None;
    }
    crate::collect::compose::join("", sink)
}
