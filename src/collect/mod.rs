//! Collectors: one module per stage of the chain, each turning files into
//! located [`Facts`]. They are listed in [`collectors`]; the walk hands each
//! one the files it wants.
//!
//! Speed: the walk is parallel and sorts its result, so the report is the
//! same at any thread count; collectors run side by side on one thread pool
//! and spread their own files over it with [`par_map`] / [`par_map_init`]
//! (or [`collect_each`]), which keep file order and turn a panic on one file
//! into that file's `input-unparsed` fact.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::config::{Config, Globs};
use crate::facts::{Facts, Unparsed};
use crate::location::Location;
use crate::progress::Progress;

pub mod bicep;
pub mod compose;
pub mod compose_merge;
pub mod dockerfile;
pub mod dotenv;
pub mod ecs;
pub mod entrypoint;
pub mod env_tree;
pub mod helm;
pub mod infra;
pub mod inventory;
pub mod kubernetes;
pub mod launch;
pub mod manifest;
pub mod procfile;
pub mod settings;
pub mod shell;
pub mod systemd;
pub mod terraform;
pub mod workflow;

/// Files over this size are skipped with a note: no real settings module or
/// workflow is this big, and parsing one would only slow every push down.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A file of the audited repository.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Relative to the root, `/`-separated: what findings print.
    pub rel: String,
    pub abs: PathBuf,
}

/// What every collector may consult.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub root: PathBuf,
    pub config: Config,
    /// `--settings GLOB` and the config's `settings`: narrows the Python files read.
    pub settings_globs: Globs,
    /// 0 = one per core.
    pub threads: usize,
}

/// A stage's collector.
pub trait Collector: Sync {
    /// Whether `rel` (relative, `/`-separated) is one of this collector's files.
    fn wants(&self, rel: &str, ctx: &Context) -> bool;
    /// Turn the wanted files into facts. A file that cannot be read or parsed
    /// becomes an `Unparsed` fact; it never stops the others.
    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts;
}

/// The collectors, in chain order.
pub fn collectors() -> Vec<Box<dyn Collector>> {
    vec![
        Box::new(workflow::WorkflowCollector),
        Box::new(settings::SettingsCollector),
        Box::new(entrypoint::EntrypointCollector),
        Box::new(compose::ComposeCollector),
        Box::new(dockerfile::DockerfileCollector),
        Box::new(dotenv::DotenvCollector),
        Box::new(kubernetes::KubernetesCollector),
        Box::new(terraform::TerraformCollector),
        Box::new(bicep::BicepCollector),
        Box::new(ecs::EcsTaskDefinitionCollector),
        Box::new(infra::InfraCollector),
        Box::new(manifest::ManifestCollector),
        Box::new(helm::HelmCollector),
        Box::new(systemd::SystemdCollector),
        Box::new(procfile::ProcfileCollector),
    ]
}

/// Directories that never hold the app's configuration: VCS data,
/// virtualenvs, caches and build output.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "venv",
    ".venv",
    "virtualenv",
    ".virtualenv",
    "env.d",
    ".tox",
    ".nox",
    "__pycache__",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
    "__pypackages__",
    ".hg",
    ".svn",
];

/// What the walk found: each collector's files, sorted by path, and notes
/// on what was skipped.
#[derive(Debug, Default)]
pub struct Walked {
    /// `files[i]` are the files `collectors()[i]` wants.
    pub files: Vec<Vec<InputFile>>,
    pub notes: Vec<Unparsed>,
}

impl Walked {
    pub fn total(&self) -> usize {
        self.files.iter().map(Vec::len).sum()
    }
}

/// The parallel walk, on `ctx.threads` threads: `.gitignore` is honoured
/// (with or without a `.git` folder), hidden folders such as `.github` are
/// kept, virtualenvs and build output are skipped, symlinks are not followed
/// (so a symlink loop cannot trap it). Each file is offered to every
/// collector; a wanted file over [`MAX_FILE_BYTES`] is dropped with a note.
/// Only wanted files are stat-ed, so a large tree of unrelated files costs
/// one directory read each.
pub fn walk_for(ctx: &Context, collectors: &[Box<dyn Collector>]) -> Walked {
    let root = ctx.root.as_path();
    let sink: Mutex<Walked> = Mutex::new(Walked {
        files: collectors.iter().map(|_| Vec::new()).collect(),
        notes: Vec::new(),
    });
    // Ignore files that cannot be read safely: at the root, no ignore file
    // is honoured; below it, the folder is skipped (as an ignore file could
    // have skipped it anyway), each with a note.
    let root_blocked = blocking_ignore_file(root);
    let blocked_dirs: std::sync::Arc<Mutex<Vec<PathBuf>>> = Default::default();
    let blocked = std::sync::Arc::clone(&blocked_dirs);
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(root_blocked.is_none())
        .ignore(root_blocked.is_none())
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .threads(effective_threads(ctx.threads))
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !is_dir || entry.depth() == 0 {
                return true;
            }
            if is_skipped_dir(entry.path()) {
                return false;
            }
            if root_blocked.is_none() && blocking_ignore_file(entry.path()).is_some() {
                blocked
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(entry.path().to_path_buf());
                return false;
            }
            true
        })
        .build_parallel();
    let mut builder = VisitorBuilder {
        ctx,
        collectors,
        sink: &sink,
    };
    walker.visit(&mut builder);
    let mut walked = sink
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(name) = root_blocked {
        walked.notes.push(Unparsed {
            location: Location::file_start(name),
            message: "not a regular file (a FIFO or device would block the walk); no ignore file is honoured".into(),
        });
    }
    let blocked = std::mem::take(
        &mut *blocked_dirs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    for dir in blocked {
        let rel = rel_string(dir.strip_prefix(root).unwrap_or(&dir));
        walked.notes.push(Unparsed {
            location: Location::file_start(rel),
            message: "skipped: its .gitignore or .ignore is not a regular file (a FIFO or device would block the walk)".into(),
        });
    }
    for files in &mut walked.files {
        files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    }
    walked.notes.sort_by(|a, b| a.location.cmp(&b.location));
    walked
}

struct VisitorBuilder<'a> {
    ctx: &'a Context,
    collectors: &'a [Box<dyn Collector>],
    sink: &'a Mutex<Walked>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for VisitorBuilder<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Visitor {
            ctx: self.ctx,
            collectors: self.collectors,
            sink: self.sink,
            found: Walked {
                files: self.collectors.iter().map(|_| Vec::new()).collect(),
                notes: Vec::new(),
            },
        })
    }
}

/// One walker thread: gathers locally, hands its share over once when done.
struct Visitor<'a> {
    ctx: &'a Context,
    collectors: &'a [Box<dyn Collector>],
    sink: &'a Mutex<Walked>,
    found: Walked,
}

impl ignore::ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
        let root = self.ctx.root.as_path();
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                self.found.notes.push(walk_error_note(root, &err));
                return ignore::WalkState::Continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return ignore::WalkState::Continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            return ignore::WalkState::Continue;
        };
        let rel = rel_string(rel);
        let wanted: Vec<usize> = self
            .collectors
            .iter()
            .enumerate()
            .filter(|(_, c)| c.wants(&rel, self.ctx))
            .map(|(i, _)| i)
            .collect();
        if wanted.is_empty() {
            return ignore::WalkState::Continue;
        }
        if let Ok(meta) = entry.metadata()
            && meta.len() > MAX_FILE_BYTES
        {
            self.found.notes.push(Unparsed {
                location: Location::new(rel, 0, 0),
                message: format!(
                    "{} bytes is over the {} MiB cap; skipped",
                    meta.len(),
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            });
            return ignore::WalkState::Continue;
        }
        let file = InputFile {
            rel,
            abs: entry.into_path(),
        };
        for i in wanted {
            if let Some(files) = self.found.files.get_mut(i) {
                files.push(file.clone());
            }
        }
        ignore::WalkState::Continue
    }
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        let found = std::mem::take(&mut self.found);
        let mut sink = self
            .sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (all, mine) in sink.files.iter_mut().zip(found.files) {
            all.extend(mine);
        }
        sink.notes.extend(found.notes);
    }
}

/// An unreadable directory or entry: a note naming it, relative to the root.
fn walk_error_note(root: &Path, err: &ignore::Error) -> Unparsed {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    let rel = path_of(err)
        .map(|p| rel_string(p.strip_prefix(root).unwrap_or(p)))
        .unwrap_or_default();
    Unparsed {
        location: Location::new(rel, 0, 0),
        message: format!("skipped: {err}"),
    }
}

/// The name of an ignore file in `dir` the walker would read that is not a
/// regular file once links are followed: a FIFO blocks its reader forever,
/// `/dev/zero` never ends.
fn blocking_ignore_file(dir: &Path) -> Option<&'static str> {
    [".gitignore", ".ignore"]
        .into_iter()
        .find(|name| fs::metadata(dir.join(name)).is_ok_and(|m| !m.is_file() && !m.is_dir()))
}

fn is_skipped_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // A virtualenv under any name carries this marker.
    SKIPPED_DIRS.contains(&name)
        || name.ends_with(".egg-info")
        || path.join("pyvenv.cfg").is_file()
        || (name == "build" && is_setuptools_build(path))
        // Cargo's output tags itself; a Python package named `target`
        // (ansible-test has one) is code.
        || (name == "target" && path.join("CACHEDIR.TAG").is_file())
}

/// `build/` as setuptools leaves it (`build/lib`, `build/bdist.linux-x86_64`,
/// `build/temp.*`): a copy of the sources, read twice otherwise. A folder
/// merely named `build` (a service, a Django app) is kept.
fn is_setuptools_build(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name == "lib"
                || name.starts_with("lib.")
                || name.starts_with("bdist.")
                || name.starts_with("temp.")
        })
    })
}

/// `a/b/c` whatever the platform separator.
pub fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The number of worker threads `requested` means: 0 = one per core.
pub fn effective_threads(requested: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Run every collector over the walked files.
pub fn collect_all(ctx: &Context) -> Facts {
    collect_all_reporting(ctx, &Progress::hidden())
}

/// [`collect_all`], advancing `progress` as files are done. Collectors run
/// side by side on the run's one thread pool (each on its own files, in
/// chain order in the result), so a slow stage does not wait for a fast
/// one; a collector with no files is never called, so its grammar and
/// queries are never built.
pub fn collect_all_reporting(ctx: &Context, progress: &Progress) -> Facts {
    let collectors = collectors();
    progress.walking();
    let walked = walk_for(ctx, &collectors);
    progress.collecting(walked.total() as u64);
    let _ticking = progress.activate();
    let jobs: Vec<(&dyn Collector, &[InputFile])> = collectors
        .iter()
        .zip(&walked.files)
        .filter(|(_, files)| !files.is_empty())
        .map(|(c, files)| (c.as_ref(), files.as_slice()))
        .collect();
    let done = AtomicUsize::new(0);
    let run = |(collector, files): &(&dyn Collector, &[InputFile])| {
        // A panic outside the per-file work loses the whole stage: each of
        // its files says so.
        let facts =
            catch_panic(|| collector.collect(files, ctx)).unwrap_or_else(|Panicked| Facts {
                unparsed: files.iter().map(|f| internal_error(&f.rel)).collect(),
                ..Facts::default()
            });
        // Collectors that do not tick per file still move the bar per stage.
        let done = done.fetch_add(files.len(), Ordering::Relaxed) + files.len();
        progress.at_least(done as u64);
        facts
    };
    // Never more threads than files: `--threads 2000` on a small repository
    // starts as many threads as there is work for.
    let threads = effective_threads(ctx.threads).min(walked.total().max(1));
    let mut results: Vec<Facts> = vec![Facts {
        notes: walked.notes,
        ..Facts::default()
    }];
    results.extend(in_pool(threads, || {
        jobs.par_iter().map(run).collect::<Vec<_>>()
    }));
    let mut facts = Facts::concat(results);
    compose_merge::collect_named(&ctx.root, &mut facts);
    progress.finish();
    facts
}

/// Read each file and turn its text into facts with `collect`, in parallel,
/// the facts joined in file order; a file that cannot be read, or whose
/// `collect` panicked, becomes an `Unparsed` fact. The loop every
/// one-file-at-a-time collector shares.
pub fn collect_each(
    files: &[InputFile],
    threads: usize,
    collect: impl Fn(&InputFile, &str) -> Facts + Sync + Send,
) -> Facts {
    let outcomes = par_map(files, threads, |file| match read_text(file) {
        Ok(text) => collect(file, &text),
        Err(unparsed) => Facts {
            unparsed: vec![*unparsed],
            ..Facts::default()
        },
    });
    let parts = files.iter().zip(outcomes).map(|(file, outcome)| {
        outcome.unwrap_or_else(|Panicked| Facts {
            unparsed: vec![internal_error(&file.rel)],
            ..Facts::default()
        })
    });
    Facts::concat(parts.collect())
}

/// A panic caught while working on one item: a bug, never the end of the
/// audit. The item's file becomes [`internal_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

/// What a file whose collector panicked says.
pub fn internal_error(rel: &str) -> Unparsed {
    Unparsed {
        location: Location::file_start(rel),
        message: "internal error while reading this file; it was skipped".into(),
    }
}

fn catch_panic<T>(work: impl FnOnce() -> T) -> Result<T, Panicked> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|_| Panicked)
}

/// Run `work` on the run's thread pool: `threads` workers (0 = one per
/// core, see [`effective_threads`]). Already on a pool (the collectors run
/// inside the one [`collect_all`] builds), it stays there.
pub fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        return work();
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(effective_threads(threads))
        .thread_name(|i| format!("envtrail-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        // No threads to be had: rayon's global pool, or this thread.
        Err(_) => work(),
    }
}

/// `f` over `items` on the run's pool (see [`in_pool`]; `threads` sizes it
/// when there is none yet), results in input order whatever the
/// scheduling; an item whose `f` panicked gives `Err(Panicked)` and the
/// others go on. Each item done ticks the progress bar.
pub fn par_map<I: Sync, T: Send>(
    items: &[I],
    threads: usize,
    f: impl Fn(&I) -> T + Sync + Send,
) -> Vec<Result<T, Panicked>> {
    par_map_init(items, threads, || (), |(), item| f(item))
}

/// [`par_map`] with state built by `init` (a tree-sitter `Parser`, a
/// reusable buffer) for a run of items on one thread, never once per item:
/// `f` gets it mutably. After a panic the state is built afresh.
pub fn par_map_init<I: Sync, S, T: Send>(
    items: &[I],
    threads: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &I) -> T + Sync + Send,
) -> Vec<Result<T, Panicked>> {
    map_in_pool(items, threads, true, init, f)
}

/// [`par_map_init`] without ticking the progress bar: a second look at
/// items already counted.
pub fn par_map_init_again<I: Sync, S, T: Send>(
    items: &[I],
    threads: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &I) -> T + Sync + Send,
) -> Vec<Result<T, Panicked>> {
    map_in_pool(items, threads, false, init, f)
}

fn map_in_pool<I: Sync, S, T: Send>(
    items: &[I],
    threads: usize,
    ticking: bool,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &I) -> T + Sync + Send,
) -> Vec<Result<T, Panicked>> {
    let tick = ticking.then(crate::progress::ticker);
    in_pool(threads, || {
        // Runs of at least this many items share one state: at most 16 per
        // worker, still small enough that one big file holds up little.
        let min_len = items
            .len()
            .div_ceil(rayon::current_num_threads().saturating_mul(16).max(1))
            .max(1);
        items
            .par_iter()
            .with_min_len(min_len)
            .map_init(&init, |state, item| {
                let out = catch_panic(|| f(state, item));
                if out.is_err() {
                    *state = init();
                }
                if let Some(tick) = &tick {
                    tick.tick();
                }
                out
            })
            .collect()
    })
}

/// The problems a YAML document parsed past (an alias bomb cut short), as
/// `input-unparsed` facts of `rel`.
pub fn yaml_warnings<'a>(
    rel: &'a str,
    doc: &'a crate::yaml::Document,
) -> impl Iterator<Item = Unparsed> + 'a {
    doc.warnings.iter().map(move |w| Unparsed {
        location: Location::new(rel, w.row, 0),
        message: w.message.clone(),
    })
}

/// Read a file as UTF-8 text, or say why not in the words `input-unparsed`
/// will print: not a regular file (a FIFO must not block the audit), too
/// big, binary, or invalid UTF-8 (with the line of the first bad byte).
pub fn read_text(file: &InputFile) -> Result<String, Box<crate::facts::Unparsed>> {
    let fail = |row: u32, message: String| {
        Box::new(crate::facts::Unparsed {
            location: Location::new(file.rel.clone(), row, 0),
            message,
        })
    };
    let meta = fs::metadata(&file.abs).map_err(|e| fail(0, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail(0, "not a regular file; skipped".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(
            0,
            format!(
                "{} bytes is over the {} MiB cap; skipped",
                meta.len(),
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(&file.abs)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(0, format!("cannot read: {e}")))?;
    if let Some(nul) = memchr::memchr(0, &bytes[..bytes.len().min(8192)]) {
        let row = memchr::memchr_iter(b'\n', &bytes[..nul]).count() as u32;
        return Err(fail(row, "binary file (NUL byte); skipped".into()));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.replace_range(..3, "");
            }
            Ok(text)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let row = memchr::memchr_iter(b'\n', &e.as_bytes()[..valid]).count() as u32;
            Err(fail(row, format!("invalid UTF-8 at line {}", row + 1)))
        }
    }
}

/// `files` written below `root`, as the walk would hand them to a collector.
#[cfg(test)]
pub(crate) fn write_inputs(root: &Path, files: &[(&str, &str)]) -> Vec<InputFile> {
    files
        .iter()
        .map(|(rel, text)| {
            let abs = root.join(rel);
            std::fs::create_dir_all(abs.parent().expect("a file has a folder"))
                .expect("the test's folder is writable");
            std::fs::write(&abs, text).expect("the test's file is writable");
            InputFile {
                rel: rel.to_string(),
                abs,
            }
        })
        .collect()
}

/// The facts of a whole tree of `files` (path, text) in a fresh folder:
/// what the walk and every collector make of them together.
#[cfg(test)]
pub(crate) fn collect_tree(files: &[(&str, &str)]) -> Facts {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write_inputs(dir.path(), files);
    collect_all(&Context {
        root: dir.path().to_path_buf(),
        ..Context::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_input_order_at_any_thread_count() {
        let items: Vec<u64> = (0..1000).collect();
        let expect: Vec<Result<u64, Panicked>> = items.iter().map(|i| Ok(i * i)).collect();
        for threads in [0, 1, 2, 7, 2000] {
            assert_eq!(
                par_map(&items, threads, |i| i * i),
                expect,
                "{threads} threads"
            );
        }
        assert!(par_map(&Vec::<u64>::new(), 4, |i| *i).is_empty());
    }

    #[test]
    fn par_map_init_reuses_state_across_items() {
        let inits = AtomicUsize::new(0);
        let items: Vec<usize> = (0..1000).collect();
        let out = par_map_init(
            &items,
            3,
            || {
                inits.fetch_add(1, Ordering::Relaxed);
                Vec::<usize>::new()
            },
            |seen, i| {
                seen.push(*i);
                *i + 1
            },
        );
        assert_eq!(out, (1..=1000).map(Ok).collect::<Vec<_>>());
        let inits = inits.load(Ordering::Relaxed);
        assert!((1..=3 * 16).contains(&inits), "{inits} inits");
    }

    #[test]
    fn a_panic_is_that_items_error_and_the_rest_goes_on() {
        let items: Vec<u32> = (0..50).collect();
        for threads in [1, 3] {
            let out = par_map(&items, threads, |&i| {
                assert!(i % 10 != 7, "planted panic");
                i
            });
            let expect: Vec<Result<u32, Panicked>> = items
                .iter()
                .map(|&i| if i % 10 == 7 { Err(Panicked) } else { Ok(i) })
                .collect();
            assert_eq!(out, expect, "{threads} threads");
        }
    }

    #[test]
    fn collect_each_turns_a_panic_into_that_files_unparsed_fact() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<InputFile> = ["a.env", "b.env", "c.env"]
            .iter()
            .map(|rel| {
                write(dir.path(), rel, b"X=1\n");
                InputFile {
                    rel: rel.to_string(),
                    abs: dir.path().join(rel),
                }
            })
            .collect();
        for threads in [1, 2] {
            let facts = collect_each(&files, threads, |file, _| {
                assert!(file.rel != "b.env", "planted panic");
                Facts::unparsed(Location::file_start(&file.rel), "seen".to_string())
            });
            let got: Vec<(&str, &str)> = facts
                .unparsed
                .iter()
                .map(|u| (u.location.file.as_str(), u.message.as_str()))
                .collect();
            assert_eq!(
                got,
                [
                    ("a.env", "seen"),
                    (
                        "b.env",
                        "internal error while reading this file; it was skipped"
                    ),
                    ("c.env", "seen"),
                ],
                "{threads} threads"
            );
        }
    }

    /// Wants every `.py` and `.yml` file.
    struct PyAndYaml;
    impl Collector for PyAndYaml {
        fn wants(&self, rel: &str, _ctx: &Context) -> bool {
            rel.ends_with(".py") || rel.ends_with(".yml")
        }
        fn collect(&self, _files: &[InputFile], _ctx: &Context) -> Facts {
            Facts::default()
        }
    }

    fn write(root: &Path, rel: &str, bytes: &[u8]) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn walked(root: &Path, threads: usize) -> (Vec<String>, Vec<String>) {
        let ctx = Context {
            root: root.to_path_buf(),
            threads,
            ..Context::default()
        };
        let collectors: [Box<dyn Collector>; 1] = [Box::new(PyAndYaml)];
        let walked = walk_for(&ctx, &collectors);
        let files = walked.files[0].iter().map(|f| f.rel.clone()).collect();
        let notes = walked
            .notes
            .iter()
            .map(|n| format!("{}: {}", n.location.file, n.message))
            .collect();
        (files, notes)
    }

    #[test]
    fn walk_skips_ignored_venvs_build_output_and_big_files_sorted_at_any_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", b"generated/\n");
        write(root, "generated/settings.py", b"");
        write(root, "app/settings.py", b"");
        write(root, "app/notes.txt", b"");
        write(root, ".github/workflows/deploy.yml", b"");
        write(root, "envs/prod/pyvenv.cfg", b"home = /usr/bin\n");
        write(root, "envs/prod/lib/x.py", b"");
        write(root, ".venv/lib/y.py", b"");
        write(root, "build/lib/app/settings.py", b"");
        write(root, "services/build/settings.py", b"");
        write(root, "pkg.egg-info/z.py", b"");
        write(
            root,
            "target/CACHEDIR.TAG",
            b"Signature: 8a477f597d28d172789f06886806bc55\n",
        );
        write(root, "target/debug/build.py", b"");
        write(root, "tools/target/probe.py", b"");
        let big = fs::File::create(root.join("app/huge.py")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        for i in 0..40 {
            write(root, &format!("many/m{i:02}.py"), b"");
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("app/loop")).unwrap();

        let (files, notes) = walked(root, 1);
        let mut expect = vec![
            ".github/workflows/deploy.yml".to_string(),
            "app/settings.py".to_string(),
            "services/build/settings.py".to_string(),
            "tools/target/probe.py".to_string(),
        ];
        expect.extend((0..40).map(|i| format!("many/m{i:02}.py")));
        expect.sort();
        assert_eq!(files, expect);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("app/huge.py: ") && notes[0].contains("cap"),
            "{notes:?}"
        );
        for threads in [0, 2, 4] {
            assert_eq!(
                walked(root, threads),
                (files.clone(), notes.clone()),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn collect_all_notes_the_big_file() {
        let dir = tempfile::tempdir().unwrap();
        let big = fs::File::create(dir.path().join("settings.py")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        let facts = collect_all(&Context {
            root: dir.path().to_path_buf(),
            ..Context::default()
        });
        assert_eq!(facts.notes.len(), 1);
        assert_eq!(facts.notes[0].location.file, "settings.py");
        assert!(facts.unparsed.is_empty());
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.py");
        fs::write(&path, b"A = 1\nB = '\xff'\n").unwrap();
        let err = read_text(&InputFile {
            rel: "settings.py".into(),
            abs: path,
        })
        .unwrap_err();
        assert_eq!(err.location.row, 1);
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn binary_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.py");
        fs::write(&path, b"\x7fELF\x00\x01").unwrap();
        let err = read_text(&InputFile {
            rel: "settings.py".into(),
            abs: path,
        })
        .unwrap_err();
        assert!(err.message.contains("binary"));
    }

    #[test]
    fn bom_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "\u{feff}X = 1\n").unwrap();
        let text = read_text(&InputFile {
            rel: "a.py".into(),
            abs: path,
        })
        .unwrap();
        assert_eq!(text, "X = 1\n");
    }
}
