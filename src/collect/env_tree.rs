//! A located tree of the values a platform app's definition is made of,
//! built from JSON (an ECS task definition) or HCL (a Terraform resource):
//! maps, lists and literals with where each sits, and what is computed at
//! deploy time named in words. A tree lives only while its file is read:
//! facts keep keys and whether a value is literal, never the value.
//!
//! The JSON reader checks the text with serde_json (whose messages
//! `input-unparsed` prints), then walks it once more for the positions
//! serde_json does not keep.

use crate::facts::Source;
use crate::location::Location;

/// A value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub tree: Tree,
    pub at: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Map(Vec<Entry>),
    List(Vec<Located>),
    /// A string, number or bool as written.
    Literal(String),
    Null,
    /// Parts joined at deploy time (`merge(a, b)`, `concat(a, b)`): each
    /// part is read as far as it can be.
    Joined(Vec<Located>),
    /// A value computed at deploy time, in words: `var.app_env`, `a for expression`.
    Computed(String),
}

/// One key of a map, with where the key is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub at: Location,
    pub value: Located,
}

/// Part of a map or list that cannot be read entry by entry: what it is
/// (`var.app_env`) and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Unread {
    pub what: String,
    pub at: Location,
}

impl Located {
    pub fn new(tree: Tree, at: Location) -> Located {
        Located { tree, at }
    }

    /// The value of `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Located> {
        match &self.tree {
            Tree::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The text of a literal.
    pub fn literal(&self) -> Option<&str> {
        match &self.tree {
            Tree::Literal(s) => Some(s),
            _ => None,
        }
    }

    /// Where the value of an env entry comes from: written in the file, or
    /// computed (a variable, a resource attribute, a template).
    pub fn source(&self) -> Source {
        match &self.tree {
            Tree::Literal(_) | Tree::Null => Source::Literal,
            _ => Source::Unknown,
        }
    }

    /// What the value is, in words, for a note on a part envtrail cannot read.
    pub fn describe(&self) -> String {
        match &self.tree {
            Tree::Computed(what) => what.clone(),
            Tree::Map(_) => "a map".into(),
            Tree::List(_) => "a list".into(),
            Tree::Joined(_) => "a joined value".into(),
            Tree::Literal(_) | Tree::Null => "a literal".into(),
        }
    }

    /// The entries of a map-valued tree, through `merge(...)` parts, and
    /// the parts that are not maps envtrail can read.
    pub fn map_entries(&self) -> (Vec<&Entry>, Vec<Unread>) {
        let mut entries = Vec::new();
        let mut unread = Vec::new();
        self.walk_map(&mut entries, &mut unread);
        (entries, unread)
    }

    fn walk_map<'a>(&'a self, entries: &mut Vec<&'a Entry>, unread: &mut Vec<Unread>) {
        match &self.tree {
            Tree::Map(list) => entries.extend(list),
            Tree::Joined(parts) => parts.iter().for_each(|p| p.walk_map(entries, unread)),
            Tree::Null => {}
            _ => unread.push(self.unread()),
        }
    }

    /// The items of a list-valued tree, through `concat(...)` parts, and
    /// the parts that are not lists envtrail can read.
    pub fn list_items(&self) -> (Vec<&Located>, Vec<Unread>) {
        let mut items = Vec::new();
        let mut unread = Vec::new();
        self.walk_list(&mut items, &mut unread);
        (items, unread)
    }

    fn walk_list<'a>(&'a self, items: &mut Vec<&'a Located>, unread: &mut Vec<Unread>) {
        match &self.tree {
            Tree::List(list) => items.extend(list),
            Tree::Joined(parts) => parts.iter().for_each(|p| p.walk_list(items, unread)),
            Tree::Null => {}
            _ => unread.push(self.unread()),
        }
    }

    fn unread(&self) -> Unread {
        Unread {
            what: self.describe(),
            at: self.at.clone(),
        }
    }
}

/// 0-based row and column of byte offsets in a text.
pub struct LineStarts(Vec<usize>);

impl LineStarts {
    pub fn new(text: &str) -> LineStarts {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineStarts(starts)
    }

    /// The 0-based row and byte column of `offset`.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let row = self.0.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.0.get(row).copied().unwrap_or(0);
        (to_u32(row), to_u32(offset.saturating_sub(start)))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Why a JSON text could not be read: serde_json's message and its 0-based row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub row: u32,
    pub message: String,
}

/// A JSON text as a located tree, its rows counted from `first_row` of
/// file `rel` (a heredoc starts below its resource). A template's
/// `${...}` and `%{...}` (Terraform `templatefile`, envsubst) are taken as
/// computed values, so a placeholder outside a string does not make it
/// unreadable.
pub fn parse_json(rel: &str, text: &str, first_row: u32) -> Result<Located, JsonError> {
    let filled;
    let text = if text.contains("${") || text.contains("%{") {
        filled = fill_template(text);
        filled.as_str()
    } else {
        text
    };
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(JsonError {
            row: to_u32(e.line().saturating_sub(1)) + first_row,
            message: e.to_string(),
        });
    }
    let mut reader = JsonReader {
        rel,
        bytes: text.as_bytes(),
        text,
        pos: 0,
        lines: LineStarts::new(text),
        first_row,
    };
    reader.value(0).ok_or_else(|| JsonError {
        row: first_row,
        message: "JSON nested too deeply".into(),
    })
}

/// What a template placeholder becomes inside a JSON string: a marker
/// [`JsonReader`] reads as a computed value.
const PLACEHOLDER: &str = "${}";

/// `text` with every `${...}` replaced by [`PLACEHOLDER`] (quoted when it
/// stands outside a JSON string) and every `%{...}` directive dropped; the
/// newlines inside them are kept, so rows do not move.
fn fill_template(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let opens = matches!(b, b'$' | b'%') && bytes.get(i + 1) == Some(&b'{');
        let escaped = i > 0 && bytes[i - 1] == b'$';
        if opens && !escaped {
            let end = template_end(bytes, i + 2);
            let inner = text.get(i..end).unwrap_or("");
            if b == b'$' {
                out.push_str(if in_string { PLACEHOLDER } else { "\"${}\"" });
            }
            out.extend(inner.chars().filter(|c| *c == '\n'));
            i = end;
            continue;
        }
        if in_string && b == b'\\' {
            out.push_str(text.get(i..(i + 2).min(bytes.len())).unwrap_or(""));
            i += 2;
            continue;
        }
        if b == b'"' {
            in_string = !in_string;
        }
        let next = (i + 1..=bytes.len())
            .find(|&j| text.is_char_boundary(j))
            .unwrap_or(bytes.len());
        out.push_str(text.get(i..next).unwrap_or(""));
        i = next;
    }
    out
}

/// The offset just past the `}` closing a template sequence whose body
/// starts at `from`: braces nest, and HCL strings inside are skipped.
fn template_end(bytes: &[u8], from: usize) -> usize {
    let mut depth = 1usize;
    let mut in_string = false;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'{' if !in_string => depth += 1,
            b'}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Deeper than serde_json's own limit is never reached on a text it accepted.
const MAX_DEPTH: usize = 256;

/// A second pass over JSON that serde_json accepted, keeping positions.
struct JsonReader<'a> {
    rel: &'a str,
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    lines: LineStarts,
    first_row: u32,
}

impl JsonReader<'_> {
    fn here(&self) -> Location {
        let (row, column) = self.lines.position(self.pos);
        Location::new(self.rel, row.saturating_add(self.first_row), column)
    }

    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Located> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let at = self.here();
        let tree =
            match self.bytes.get(self.pos)? {
                b'{' => Tree::Map(self.object(depth)?),
                b'[' => Tree::List(self.array(depth)?),
                b'"' => {
                    let s = self.string()?;
                    if s.contains(PLACEHOLDER) {
                        Tree::Computed("a template expression".into())
                    } else {
                        Tree::Literal(s)
                    }
                }
                _ => {
                    let start = self.pos;
                    while self.bytes.get(self.pos).is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace()
                    }) {
                        self.pos += 1;
                    }
                    match self.text.get(start..self.pos)? {
                        "null" => Tree::Null,
                        token => Tree::Literal(token.to_string()),
                    }
                }
            };
        Some(Located::new(tree, at))
    }

    fn object(&mut self, depth: usize) -> Option<Vec<Entry>> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            match self.bytes.get(self.pos)? {
                b'}' => {
                    self.pos += 1;
                    return Some(entries);
                }
                b',' => self.pos += 1,
                _ => {
                    let at = self.here();
                    let key = self.string()?;
                    self.skip_ws();
                    self.pos += 1; // the `:`
                    let value = self.value(depth + 1)?;
                    entries.push(Entry { key, at, value });
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Vec<Located>> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.bytes.get(self.pos)? {
                b']' => {
                    self.pos += 1;
                    return Some(items);
                }
                b',' => self.pos += 1,
                _ => items.push(self.value(depth + 1)?),
            }
        }
    }

    /// The string starting at the cursor, unescaped by serde_json.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => return serde_json::from_str(self.text.get(start..self.pos)?).ok(),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_rows_and_columns() {
        let text = "{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": null}\n}\n";
        let tree = parse_json("t.json", text, 10).unwrap();
        let a = tree.get("a").unwrap();
        assert_eq!((a.at.row, a.at.column), (11, 7));
        let (items, unread) = a.list_items();
        assert!(unread.is_empty());
        assert_eq!(items[1].literal(), Some("x"));
        assert_eq!(items[0].literal(), Some("1"));
        let Tree::Map(b) = &tree.get("b").unwrap().tree else {
            panic!("b is a map")
        };
        assert_eq!((b[0].key.as_str(), b[0].at.row), ("c", 12));
        assert_eq!(b[0].value.tree, Tree::Null);
    }

    #[test]
    fn template_placeholders_are_computed_values() {
        let text = "[\n  {\"cpu\": ${cpu},\n   \"v\": \"${lookup(var.m, \"k\")}-x\",\n   %{ if x }\"w\": 1,%{ endif }\n   \"n\": \"$${literal}\"}\n]";
        let tree = parse_json("t.tpl", text, 0).unwrap();
        let (items, _) = tree.list_items();
        let c = items[0];
        assert_eq!(c.get("cpu").unwrap().source(), Source::Unknown);
        assert_eq!(c.get("v").unwrap().source(), Source::Unknown);
        assert_eq!(c.get("w").unwrap().at.row, 3);
        assert_eq!(c.get("n").unwrap().at.row, 4);
    }

    #[test]
    fn invalid_json_names_its_row() {
        let err = parse_json("t.json", "{\n  \"a\": 1,\n  oops\n}", 0).unwrap_err();
        assert_eq!(err.row, 2);
        assert!(!err.message.is_empty());
        assert!(parse_json("t.json", "", 0).is_err());
        assert!(parse_json("t.json", "[[[[", 0).is_err());
    }

    #[test]
    fn unicode_and_escapes_do_not_trip_the_reader() {
        let text = "{\"é\": \"a\\\"b\", \"k\": [\"ü\", {}]}";
        let tree = parse_json("t.json", text, 0).unwrap();
        assert_eq!(tree.get("é").unwrap().literal(), Some("a\"b"));
        assert!(tree.get("k").is_some());
        let filled = fill_template("{\"é\": \"${x}ü\"}");
        assert_eq!(filled, "{\"é\": \"${}ü\"}");
    }

    #[test]
    fn merged_maps_and_lists_keep_their_readable_parts() {
        let at = Location::file_start("x.tf");
        let lit = |s: &str| Located::new(Tree::Literal(s.into()), at.clone());
        let map = Located::new(
            Tree::Map(vec![Entry {
                key: "A".into(),
                at: at.clone(),
                value: lit("1"),
            }]),
            at.clone(),
        );
        let var = Located::new(Tree::Computed("var.b".into()), at.clone());
        let joined = Located::new(Tree::Joined(vec![map, var]), at.clone());
        let (entries, unread) = joined.map_entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(unread[0].what, "var.b");
        let (items, unread) = joined.list_items();
        assert!(items.is_empty());
        assert_eq!(unread.len(), 2);
    }

    #[test]
    fn line_starts() {
        let lines = LineStarts::new("ab\ncd\n");
        assert_eq!(lines.position(0), (0, 0));
        assert_eq!(lines.position(3), (1, 0));
        assert_eq!(lines.position(4), (1, 1));
        assert_eq!(lines.position(99), (2, 93));
    }
}
