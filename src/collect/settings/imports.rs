//! What a Python file imports: the edges the app's module graph is followed
//! along. Read from the text every file is read for anyway, line by line:
//! most files are never parsed (they mention no env needle), and their
//! imports count as much as a settings module's. A docstring line that
//! looks like an import adds an edge at worst, which only keeps more code
//! the app's.

use memchr::memmem;

use crate::facts::PythonImport;

/// The imports of `text`: `import a.b`, `from a.b import c`, `from . import x`,
/// `from .base import *`, and `importlib.import_module("a.b")` with a literal.
pub fn imports(text: &str) -> Vec<PythonImport> {
    if memmem::find(text.as_bytes(), b"import").is_none() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for statement in logical_lines(text) {
        for part in statement.split(';') {
            statement_imports(part.trim(), &mut found);
        }
    }
    found
}

/// Lines outside triple-quoted strings, comments cut, with bracketed and
/// backslash-continued lines joined.
fn logical_lines(text: &str) -> Vec<String> {
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
}
