//! The text of single lines of the audited repository's files, read on
//! demand and cached per file: for SARIF fingerprints and ignore comments,
//! which need a handful of lines, never a second parse.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::collect::{InputFile, read_text};

#[derive(Debug, Default)]
pub struct SourceLines {
    root: PathBuf,
    files: HashMap<String, Option<Vec<String>>>,
}

impl SourceLines {
    pub fn new(root: &Path) -> Self {
        SourceLines {
            root: root.to_path_buf(),
            files: HashMap::new(),
        }
    }

    /// Line `row` (0-based) of `file` (relative to the root, `/`-separated),
    /// or `None` when the file cannot be read as text or is shorter.
    pub fn line(&mut self, file: &str, row: u32) -> Option<&str> {
        self.lines(file)?.get(row as usize).map(String::as_str)
    }

    /// Every line of `file`, read once.
    pub fn lines(&mut self, file: &str) -> Option<&[String]> {
        if !self.files.contains_key(file) {
            let text = self.read(file);
            self.files.insert(
                file.to_string(),
                text.map(|t| t.lines().map(str::to_string).collect()),
            );
        }
        self.files.get(file)?.as_deref()
    }

    /// The whole text of `file`, read now and not kept: for a caller that
    /// scans every file once (ignore comments), where a cache would hold
    /// the whole repository's text at the same time.
    pub fn read(&self, file: &str) -> Option<String> {
        let rel = Path::new(file);
        // Findings name files under the root; anything else is not ours to open.
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        read_text(&InputFile {
            rel: file.to_string(),
            abs: self.root.join(rel),
        })
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_refuses_paths_outside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::write(
            dir.path().join("config/settings.py"),
            "A = 1\r\nB = env('B')\n",
        )
        .unwrap();
        let mut lines = SourceLines::new(dir.path());
        assert_eq!(lines.line("config/settings.py", 1), Some("B = env('B')"));
        assert_eq!(lines.line("config/settings.py", 0), Some("A = 1"));
        assert_eq!(lines.line("config/settings.py", 9), None);
        assert_eq!(lines.line("missing.py", 0), None);
        assert_eq!(lines.line("../etc/passwd", 0), None);
        assert_eq!(lines.line("/etc/passwd", 0), None);
    }
}
