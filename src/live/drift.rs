//! Image drift: the settings module inside the container against the
//! repository's. Both sides are read by the same code: the keys they read
//! (the settings collector) and the settings they define (module-level
//! UPPER_CASE assignments, found here with tree-sitter-python).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use tree_sitter::{Node, Parser, Query, QueryCursor, StreamingIterator};

use crate::facts::Consumer;
use crate::location::Location;

/// What one settings module says, each name with where it first appears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsShape {
    pub reads: BTreeMap<String, Location>,
    pub defined: BTreeMap<String, Location>,
}

/// The repository's settings module against the container's copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsDrift {
    /// The repository's file, relative to the root.
    pub repo_file: String,
    /// Where it was found in the container.
    pub container_path: String,
    /// Keys the repository reads and the image does not, with the repository's line.
    pub reads_missing: Vec<(String, Location)>,
    /// Keys the image reads and the repository does not.
    pub reads_extra: Vec<String>,
    /// Settings the repository defines and the image does not.
    pub defined_missing: Vec<(String, Location)>,
    /// Settings the image defines and the repository does not.
    pub defined_extra: Vec<String>,
}

impl SettingsDrift {
    pub fn is_empty(&self) -> bool {
        self.reads_missing.is_empty()
            && self.reads_extra.is_empty()
            && self.defined_missing.is_empty()
            && self.defined_extra.is_empty()
    }

    /// Where to point: the first thing the image lacks, in the repository's
    /// file; else the top of that file.
    pub fn location(&self) -> Location {
        self.defined_missing
            .iter()
            .chain(&self.reads_missing)
            .map(|(_, loc)| loc.clone())
            .min()
            .unwrap_or_else(|| Location::file_start(self.repo_file.clone()))
    }
}

/// Compare the two shapes of one module.
pub fn compare(
    repo_file: &str,
    container_path: &str,
    repo: &SettingsShape,
    image: &SettingsShape,
) -> SettingsDrift {
    let missing = |a: &BTreeMap<String, Location>, b: &BTreeMap<String, Location>| {
        a.iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(k, l)| (k.clone(), l.clone()))
            .collect::<Vec<_>>()
    };
    let extra = |a: &BTreeMap<String, Location>, b: &BTreeMap<String, Location>| {
        b.keys()
            .filter(|k| !a.contains_key(*k))
            .cloned()
            .collect::<Vec<_>>()
    };
    SettingsDrift {
        repo_file: repo_file.to_owned(),
        container_path: container_path.to_owned(),
        reads_missing: missing(&repo.reads, &image.reads),
        reads_extra: extra(&repo.reads, &image.reads),
        defined_missing: missing(&repo.defined, &image.defined),
        defined_extra: extra(&repo.defined, &image.defined),
    }
}

/// The shape of one Python source; `rel` names it in locations.
pub fn shape(rel: &str, text: &str) -> SettingsShape {
    let mut shape = SettingsShape::default();
    for read in crate::collect::settings::collect_source(rel, text).reads {
        if read.consumer != Consumer::App {
            continue;
        }
        if let Some(key) = read.key {
            shape.reads.entry(key).or_insert(read.location);
        }
    }
    shape.defined = top_level_settings(rel, text);
    shape
}

struct TopLevelQuery {
    query: Query,
    name: u32,
}

static TOP_LEVEL: LazyLock<Option<TopLevelQuery>> = LazyLock::new(|| {
    let language = tree_sitter::Language::from(tree_sitter_python::LANGUAGE);
    let query = Query::new(
        &language,
        include_str!("../../grammars/python-top-level-assignments.scm"),
    )
    .ok()?;
    let name = query.capture_index_for_name("name")?;
    Some(TopLevelQuery { query, name })
});

/// UPPER_CASE names assigned at module level (Django's rule for what a
/// setting is), with the first assignment's location.
pub fn top_level_settings(rel: &str, text: &str) -> BTreeMap<String, Location> {
    let mut found = BTreeMap::new();
    let Some(top) = TOP_LEVEL.as_ref() else {
        return found;
    };
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return found;
    }
    let Some(tree) = parser.parse(text, None) else {
        return found;
    };
    let scopes = scope_ranges(tree.root_node());
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&top.query, tree.root_node(), text.as_bytes());
    while let Some(m) = matches.next() {
        for capture in m.captures.iter().filter(|c| c.index == top.name) {
            let node = capture.node;
            let Ok(name) = node.utf8_text(text.as_bytes()) else {
                continue;
            };
            if !is_setting_name(name) || in_scope(&scopes, node.start_byte()) {
                continue;
            }
            let pos = node.start_position();
            found
                .entry(name.to_owned())
                .or_insert_with(|| Location::new(rel, pos.row as u32, pos.column as u32));
        }
    }
    found
}

fn is_setting_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The byte ranges of every function, class and lambda, in order of start,
/// each end raised to the furthest end so far: found in one walk, so
/// whether a name is at module level costs a binary search however deep the
/// nesting (`Node::parent` walks down from the root: asking it of every
/// ancestor of every name is cubic in the depth).
fn scope_ranges(root: Node) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if matches!(
            node.kind(),
            "function_definition" | "class_definition" | "lambda" | "decorated_definition"
        ) {
            ranges.push((node.start_byte(), node.end_byte()));
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    let mut furthest = 0;
    for range in &mut ranges {
        furthest = furthest.max(range.1);
        range.1 = furthest;
    }
    ranges
}

/// Whether `byte` lies inside a function, class or lambda (tree nodes nest,
/// so the ranges holding it are exactly its scope ancestors).
fn in_scope(ranges: &[(usize, usize)], byte: usize) -> bool {
    let before = ranges.partition_point(|&(start, _)| start <= byte);
    before > 0 && ranges.get(before - 1).is_some_and(|&(_, end)| end > byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "\
import os
import environ

env = environ.Env()
BASE_DIR = '/app'
DEBUG: bool = False
STATIC_URL = '/static/'
STATIC_ROOT = os.path.join(BASE_DIR, 'static')
A1, B_2 = 1, 2
if DEBUG:
    INTERNAL_IPS = ['127.0.0.1']
try:
    from .local import *
except ImportError:
    LOCAL = False

def helper():
    INSIDE = 1
    return INSIDE

class Conf:
    FIELD = 2
";

    #[test]
    fn module_level_upper_case_names() {
        let defined = top_level_settings("config/settings.py", REPO);
        let names: Vec<&str> = defined.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "A1",
                "BASE_DIR",
                "B_2",
                "DEBUG",
                "INTERNAL_IPS",
                "LOCAL",
                "STATIC_ROOT",
                "STATIC_URL"
            ]
        );
        assert_eq!(
            defined["STATIC_ROOT"],
            Location::new("config/settings.py", 7, 0)
        );
    }

    #[test]
    fn broken_python_still_yields_what_parses() {
        let defined = top_level_settings("s.py", "SECRET_KEY = 'x'\ndef (:\nALLOWED_HOSTS = []\n");
        assert!(defined.contains_key("SECRET_KEY"));
    }

    fn shape_of(reads: &[(&str, u32)], defined: &[(&str, u32)]) -> SettingsShape {
        let map = |items: &[(&str, u32)]| {
            items
                .iter()
                .map(|(k, row)| (k.to_string(), Location::new("config/settings.py", *row, 0)))
                .collect()
        };
        SettingsShape {
            reads: map(reads),
            defined: map(defined),
        }
    }

    #[test]
    fn settings_in_1500_nested_blocks_are_all_found() {
        // 1500 nested `if` blocks, each assigning a setting: walking each
        // name's ancestors one `parent()` at a time (itself a walk down
        // from the root) would be cubic in the depth.
        let depth = 1500;
        let mut text = String::new();
        for d in 0..depth {
            text.push_str(&format!(
                "{}if X:\n{}S_{d} = 1\n",
                " ".repeat(d),
                " ".repeat(d + 1)
            ));
        }
        text.push_str("def f():\n    INSIDE = 1\n");
        let found = top_level_settings("settings.py", &text);
        assert_eq!(found.len(), depth);
        assert!(!found.contains_key("INSIDE"));
    }

    #[test]
    fn compare_names_both_sides() {
        let repo = shape_of(
            &[("DATABASE_URL", 3), ("S3_UPLOAD_BUCKET", 9)],
            &[("STATIC_ROOT", 7), ("DEBUG", 2)],
        );
        let image = shape_of(
            &[("DATABASE_URL", 3), ("LEGACY_KEY", 4)],
            &[("DEBUG", 2), ("OLD_SETTING", 5)],
        );
        let drift = compare(
            "config/settings.py",
            "/app/config/settings.py",
            &repo,
            &image,
        );
        assert_eq!(
            drift.reads_missing,
            [(
                "S3_UPLOAD_BUCKET".to_string(),
                Location::new("config/settings.py", 9, 0)
            )]
        );
        assert_eq!(drift.reads_extra, ["LEGACY_KEY"]);
        assert_eq!(drift.defined_missing[0].0, "STATIC_ROOT");
        assert_eq!(drift.defined_extra, ["OLD_SETTING"]);
        // The first thing the image lacks, in the repository's file.
        assert_eq!(drift.location().row, 7);
        assert!(!drift.is_empty());
    }

    #[test]
    fn same_shapes_do_not_drift() {
        let repo = shape_of(&[("DATABASE_URL", 3)], &[("STATIC_ROOT", 7)]);
        let drift = compare(
            "config/settings.py",
            "/app/config/settings.py",
            &repo,
            &repo.clone(),
        );
        assert!(drift.is_empty());
        assert_eq!(drift.location(), Location::file_start("config/settings.py"));
    }

    #[test]
    fn shape_takes_definitions_from_source() {
        let s = shape("settings.py", "STATIC_ROOT = '/s'\n");
        assert!(s.defined.contains_key("STATIC_ROOT"));
    }
}
