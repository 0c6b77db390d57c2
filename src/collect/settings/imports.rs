//! What a Python file imports: the edges the app's module graph is followed
//! along. Read from the text every file is read for anyway, line by line:
//! most files are never parsed (they mention no env needle), and their
//! imports count as much as a settings module's. A docstring line that
//! looks like an import adds an edge at worst, which only keeps more code
//! the app's.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::facts::PythonImport;

/// The imports of `text`: `import a.b`, `from a.b import c`, `from . import x`,
/// `from .base import *`, and `importlib.import_module("a.b")` with a literal.
// Built once: building a searcher per line cost as much as searching.
static IMPORT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("import"));

pub fn imports(text: &str) -> Vec<PythonImport> {
    if IMPORT.find(text.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut found = Vec::new();
    each_logical_line(text, |statement| {
        for part in statement.split(';') {
            statement_imports(part.trim(), &mut found);
        }
    });
    found
}

/// Visits the logical lines that mention `import`: lines outside
/// triple-quoted strings, comments cut, with bracketed and backslash-continued
/// lines joined. Every file is scanned, most have no import on most lines:
/// a statement is joined into a string only when one of its lines says
/// `import` (the corpus of BENCHMARKS.md spent 10 % of its time here when
/// every line was).
fn each_logical_line(text: &str, mut visit: impl FnMut(&str)) {
    static QUOTES: LazyLock<[Finder<'static>; 2]> =
        LazyLock::new(|| [Finder::new("\"\"\""), Finder::new("'''")]);
    let mut in_string: Option<&Finder> = None;
    let mut depth: i32 = 0;
    // Byte offset of the current statement's first line, and whether any of
    // its lines mentions an import.
    let mut statement: Option<usize> = None;
    let mut mentions_import = false;
    // Where the last line read ends: the statement left open at the end.
    let mut last_end = 0;
    let mut joined = String::new();
    let mut flush = |from: usize, to: usize| {
        joined.clear();
        // `lines` would drop a last empty line that ends the statement.
        for line in text.get(from..to).unwrap_or_default().split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            joined.push(' ');
            joined.push_str(code_part(line).trim_end().trim_end_matches('\\'));
        }
        visit(&joined);
    };
    for raw in text.lines() {
        if let Some(quote) = in_string {
            if quote.find(raw.as_bytes()).is_some() {
                in_string = None;
            }
            continue;
        }
        let offset = raw.as_ptr() as usize - text.as_ptr() as usize;
        let from = *statement.get_or_insert(offset);
        last_end = offset + raw.len();
        let line = code_part(raw);
        let bytes = line.as_bytes();
        if memchr::memchr2(b'"', b'\'', bytes).is_some() {
            for quote in QUOTES.iter() {
                if quote.find_iter(bytes).count() % 2 == 1 {
                    in_string = Some(quote);
                }
            }
        }
        mentions_import |= IMPORT.find(bytes).is_some();
        depth += bytes
            .iter()
            .map(|b| match b {
                b'(' | b'[' | b'{' => 1,
                b')' | b']' | b'}' => -1,
                _ => 0,
            })
            .sum::<i32>();
        let continued = line.trim_end().ends_with('\\');
        if !continued && depth <= 0 || in_string.is_some() {
            if mentions_import {
                flush(from, last_end);
            }
            statement = None;
            mentions_import = false;
            depth = 0;
        }
    }
    if let Some(from) = statement
        && mentions_import
    {
        flush(from, last_end);
    }
}

/// A line's code: what comes before a `#`.
fn code_part(line: &str) -> &str {
    match memchr::memchr(b'#', line.as_bytes()) {
        Some(at) => line.get(..at).unwrap_or_default(),
        None => line,
    }
}

fn statement_imports(statement: &str, out: &mut Vec<PythonImport>) {
    if let Some(rest) = statement.strip_prefix("import ") {
        for name in rest.split(',') {
            let module = first_word(name);
            if is_dotted(module) {
                out.push(PythonImport {
                    module: module.to_string(),
                    names: Vec::new(),
                });
            }
        }
    } else if let Some(rest) = statement.strip_prefix("from ")
        && let Some((module, names)) = rest.split_once(" import")
    {
        let module = module.trim();
        let names: Vec<String> = names
            .split(',')
            .map(|n| {
                first_word(n.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')'))
            })
            .filter(|n| *n == "*" || is_dotted(n))
            .map(str::to_string)
            .collect();
        if is_dotted(module.trim_start_matches('.')) || module.chars().all(|c| c == '.') {
            out.push(PythonImport {
                module: module.to_string(),
                names,
            });
        }
    }
    let mut rest = statement;
    while let Some(at) = rest.find("import_module(") {
        rest = rest.get(at + "import_module(".len()..).unwrap_or_default();
        if let Some(module) = first_string(rest).filter(|m| is_dotted(m.trim_start_matches('.'))) {
            out.push(PythonImport {
                module: module.to_string(),
                names: Vec::new(),
            });
        }
    }
}

/// The word before `as` (or the whole), trimmed.
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or_default()
}

/// `a`, `a.b_c`: a module path (no leading dot).
fn is_dotted(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// The string literal `text` starts with (after spaces): `"a.b", ...` → `a.b`.
fn first_string(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let inner = text.get(1..)?;
    inner.split(quote).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Vec<String>)> {
        imports(text)
            .into_iter()
            .map(|i| (i.module, i.names))
            .collect()
    }

    fn edge(module: &str, names: &[&str]) -> (String, Vec<String>) {
        (
            module.to_string(),
            names.iter().map(|n| n.to_string()).collect(),
        )
    }

    #[test]
    fn plain_from_star_and_relative_imports() {
        let text = "import os, config.base as base\nfrom .base import *\nfrom .. import utils  # comment\nfrom app.core import (\n    models,\n    views as v,\n)\nif x: import  json\n";
        assert_eq!(
            found(text),
            [
                edge("os", &[]),
                edge("config.base", &[]),
                edge(".base", &["*"]),
                edge("..", &["utils"]),
                edge("app.core", &["models", "views"]),
            ]
        );
    }

    #[test]
    fn importlib_literal_only() {
        let text = "import importlib\nmod = importlib.import_module(\"app.settings.prod\")\nother = import_module(name)\nrel = import_module('.tasks', package=__name__)\n";
        assert_eq!(
            found(text),
            [
                edge("importlib", &[]),
                edge("app.settings.prod", &[]),
                edge(".tasks", &[]),
            ]
        );
    }

    #[test]
    fn docstrings_and_continuations() {
        let text = "\"\"\"Docs.\n\nimport not_me\n\"\"\"\nfrom a.b \\\n    import c\n";
        assert_eq!(found(text), [edge("a.b", &["c"])]);
        assert!(found("x = 1\n").is_empty());
    }

    #[test]
    fn a_module_path_is_dotted_identifiers() {
        for yes in ["a", "a.b_c", "_x.y2", "é.b"] {
            assert!(is_dotted(yes), "{yes}");
        }
        for no in ["", "1a", "a..b", ".a", "a-b", "a.2b", "a b"] {
            assert!(!is_dotted(no), "{no}");
        }
    }

    /// The joining before it skipped statements without `import`: every
    /// line, each joined into a string.
    fn every_logical_line(text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut in_string: Option<&str> = None;
        let mut pending = String::new();
        let mut depth: i32 = 0;
        for raw in text.lines() {
            if let Some(quote) = in_string {
                if raw.contains(quote) {
                    in_string = None;
                }
                continue;
            }
            let line = raw.split('#').next().unwrap_or_default();
            for quote in ["\"\"\"", "'''"] {
                if line.matches(quote).count() % 2 == 1 {
                    in_string = Some(quote);
                }
            }
            let continued = line.trim_end().ends_with('\\');
            depth += line.matches(['(', '[', '{']).count() as i32;
            depth -= line.matches([')', ']', '}']).count() as i32;
            pending.push(' ');
            pending.push_str(line.trim_end().trim_end_matches('\\'));
            if !continued && depth <= 0 || in_string.is_some() {
                lines.push(std::mem::take(&mut pending));
                depth = 0;
            }
        }
        lines.push(pending);
        lines
    }

    proptest::proptest! {
        #[test]
        fn the_statements_visited_are_those_of_every_line_that_mention_import(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "import a.b", "from . import (", "x = (", ")", "]", "[", "{", "}", " \\", "\n", "\r\n",
                "\"\"\"", "'''", "# import c", "'s'", "\"import_module('m')\"", ";", "from x import y", "  ", "é",
            ]), 0..40)
        ) {
            let text: String = pieces.concat();
            let mut visited = Vec::new();
            each_logical_line(&text, |line| visited.push(line.to_string()));
            let expected: Vec<String> = every_logical_line(&text)
                .into_iter()
                .filter(|line| line.contains("import"))
                .collect();
            proptest::prop_assert_eq!(visited, expected);
        }
    }
}
