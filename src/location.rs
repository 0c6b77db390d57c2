//! Where a fact was found. Rows are 0-based inside envtrail and become 1-based
//! only in renderers (SARIF, JSON, annotations), so arithmetic on them never
//! has to remember which convention a value is in.

use std::borrow::{Borrow, Cow};
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

/// The audited root's path inside its repository (`fixtures/stagelog/`), set
/// once by the command line before anything is rendered: every output shows
/// paths from the repository root, so annotations, SARIF and links resolve
/// whatever PATH was. Facts keep root-relative paths (collectors, the chain
/// and source quoting read files by them).
static SHOWN_FROM_REPOSITORY: OnceLock<String> = OnceLock::new();

/// Show every path with `prefix` (the audited root inside its repository,
/// `/`-separated, ending in `/`, or empty) in front. The first call wins.
pub fn show_paths_from(prefix: String) {
    let _ = SHOWN_FROM_REPOSITORY.set(prefix);
}

/// `path` (relative to the audited root) as outputs show it: from the
/// repository root.
pub fn shown(path: &str) -> Cow<'_, str> {
    match SHOWN_FROM_REPOSITORY.get() {
        Some(prefix) if !prefix.is_empty() && !path.is_empty() => {
            Cow::Owned(format!("{prefix}{path}"))
        }
        _ => Cow::Borrowed(path),
    }
}

/// A repository-relative path, interned: every fact found in one file
/// shares one allocation of its name. A 1000-service monorepo holds a few
/// hundred thousand located facts over a few thousand files, and a `String`
/// per fact was a large share of the audit's peak memory.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FilePath(Arc<str>);

/// Every path handed out so far, so that equal paths share one `Arc`.
/// Never emptied: a run audits one repository, whose file names live as
/// long as its facts.
static INTERNED: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();

impl FilePath {
    pub fn new(path: &str) -> Self {
        let set = INTERNED.get_or_init(Default::default);
        let mut set = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match set.get(path) {
            Some(shared) => FilePath(Arc::clone(shared)),
            None => {
                let shared: Arc<str> = Arc::from(path);
                set.insert(Arc::clone(&shared));
                FilePath(shared)
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for FilePath {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FilePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for FilePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for FilePath {
    fn from(path: &str) -> Self {
        FilePath::new(path)
    }
}

impl From<&String> for FilePath {
    fn from(path: &String) -> Self {
        FilePath::new(path)
    }
}

impl From<String> for FilePath {
    fn from(path: String) -> Self {
        FilePath::new(&path)
    }
}

impl From<&FilePath> for FilePath {
    fn from(path: &FilePath) -> Self {
        path.clone()
    }
}

impl From<FilePath> for String {
    fn from(path: FilePath) -> Self {
        path.0.to_string()
    }
}

impl PartialEq<str> for FilePath {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FilePath {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FilePath {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl serde::Serialize for FilePath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A place in a file of the audited repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Path relative to the audited root, with `/` separators.
    pub file: FilePath,
    /// 0-based row.
    pub row: u32,
    /// 0-based column in bytes.
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<FilePath>, row: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            row,
            column,
        }
    }

    /// The start of a file: for facts about the whole file.
    pub fn file_start(file: impl Into<FilePath>) -> Self {
        Location::new(file, 0, 0)
    }

    /// The file as outputs show it: from the repository root.
    pub fn shown_file(&self) -> Cow<'_, str> {
        shown(&self.file)
    }

    /// 1-based line, as editors, SARIF and the JSON report count.
    pub fn line(&self) -> u32 {
        self.row + 1
    }

    /// The same file, `rows` further down: for facts found inside an embedded
    /// script whose rows are counted from the start of the script.
    pub fn offset_rows(&self, rows: u32, column: u32) -> Self {
        Location {
            file: self.file.clone(),
            row: self.row + rows,
            column: if rows == 0 {
                self.column + column
            } else {
                column
            },
        }
    }
}

/// Where each line of a text starts: byte offsets (from parsers that give
/// spans, or from a search) turned into rows and columns.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The location of byte `offset` of the text in `file`.
    pub fn location(&self, file: &str, offset: usize) -> Location {
        let row = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let column = offset.saturating_sub(self.starts.get(row).copied().unwrap_or(0));
        Location::new(file, row as u32, column as u32)
    }

    /// Where a JSON object key `"key":` is first written, else the file's start.
    pub fn json_key(&self, file: &str, key: &str) -> Location {
        let quoted = format!("\"{key}\"");
        let found = self
            .text
            .match_indices(&quoted)
            .find(|(i, _)| self.text[i + quoted.len()..].trim_start().starts_with(':'));
        match found {
            Some((i, _)) => self.location(file, i),
            None => Location::file_start(file),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.shown_file(), self.line())
    }
}
