//! Where a fact was found. Rows are 0-based inside envtrail and become 1-based
//! only in renderers (SARIF, JSON, annotations), so arithmetic on them never
//! has to remember which convention a value is in.

use std::fmt;

/// A place in a file of the audited repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Path relative to the audited root, with `/` separators.
    pub file: String,
    /// 0-based row.
    pub row: u32,
    /// 0-based column in bytes.
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<String>, row: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            row,
            column,
        }
    }

    /// The start of a file: for facts about the whole file.
    pub fn file_start(file: impl Into<String>) -> Self {
        Location::new(file, 0, 0)
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

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line())
    }
}
