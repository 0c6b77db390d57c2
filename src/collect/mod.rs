//! Collectors: one module per stage of the chain, each turning files into
//! located [`Facts`]. They are listed in [`collectors`]; the walk hands each
//! one the files it wants.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::facts::Facts;
use crate::location::Location;

pub mod compose;
pub mod dockerfile;
pub mod dotenv;
pub mod entrypoint;
pub mod inventory;
pub mod kubernetes;
pub mod settings;
pub mod shell;
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
    /// `--settings GLOB`: narrows the Python files read.
    pub settings_globs: Vec<String>,
    /// 0 = one per core.
    pub threads: usize,
}

/// A stage's collector.
pub trait Collector: Sync {
    fn name(&self) -> &'static str;
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
    ]
}

/// Directories that never hold the app's configuration.
const SKIPPED_DIRS: &[&str] = &[
    ".git", "node_modules", "venv", ".venv", "virtualenv", ".virtualenv", "env.d", ".tox", ".nox",
    "__pycache__", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", "target",
];

/// Every file under the root that is not ignored: `.gitignore` is honoured
/// (with or without a `.git` folder), hidden folders such as `.github` are
/// kept, symlinks are not followed.
pub fn walk(root: &Path) -> Vec<InputFile> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && entry.depth() > 0 && is_skipped_dir(entry.path()))
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        files.push(InputFile {
            rel: rel_string(rel),
            abs: entry.path().to_path_buf(),
        });
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

fn is_skipped_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // A virtualenv under any name carries this marker.
    SKIPPED_DIRS.contains(&name) || path.join("pyvenv.cfg").is_file()
}

/// `a/b/c` whatever the platform separator.
pub fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Run every collector over the walked files.
pub fn collect_all(ctx: &Context) -> Facts {
    let files = walk(&ctx.root);
    let mut facts = Facts::default();
    for collector in collectors() {
        let wanted: Vec<InputFile> = files.iter().filter(|f| collector.wants(&f.rel, ctx)).cloned().collect();
        if !wanted.is_empty() {
            facts.extend(collector.collect(&wanted, ctx));
        }
    }
    facts
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
            format!("{} bytes is over the {} MiB cap; skipped", meta.len(), MAX_FILE_BYTES / 1024 / 1024),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let text = read_text(&InputFile { rel: "a.py".into(), abs: path }).unwrap();
        assert_eq!(text, "X = 1\n");
    }
}
