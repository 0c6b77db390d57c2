//! The app loading a dotenv file itself: `load_dotenv(...)`, django-environ's
//! and environs' `read_env(...)`, `read_dotenv(...)`, dynaconf's
//! `Dynaconf(load_dotenv=True)`, and pydantic-settings'
//! `env_file=` (in `SettingsConfigDict(...)` or a `Config` class). Each is a
//! stage of the chain: the chain decides whether envtrail sees the file it
//! loads (committed, or written by the deploy) or not (then it is opaque).

use tree_sitter::{Node, Tree};

use super::syntax::{Args, Field, FieldExt, string_value, text};
use crate::facts::DotenvLoad;
use crate::location::Location;

/// Functions that load a dotenv file into `os.environ`.
const LOADERS: &[&str] = &["load_dotenv", "read_dotenv", "read_env"];

/// Bounded walk: settings files are shallow; hostile nesting stops here.
const MAX_DEPTH: usize = 200;

/// Every form above names one of these: a file without them loads nothing,
/// and is not walked again (a second walk of every parsed tree).
const NEEDLES: &[&str] = &["dotenv", "read_env", "env_file"];

pub fn find(rel: &str, src: &str, tree: &Tree) -> Vec<DotenvLoad> {
    if !NEEDLES
        .iter()
        .any(|needle| memchr::memmem::find(src.as_bytes(), needle.as_bytes()).is_some())
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    visit(rel, src, tree.root_node(), 0, &mut out);
    out.dedup();
    out
}

fn visit(rel: &str, src: &str, node: Node, depth: usize, out: &mut Vec<DotenvLoad>) {
    if depth > MAX_DEPTH {
        return;
    }
    match node.kind() {
        "call" => call(rel, src, node, out),
        // `env_file = ".env"` in a pydantic `class Config:`.
        "assignment" => {
            if let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right))
                && text(left, src) == "env_file"
            {
                push_paths(rel, src, node, right, out);
            }
        }
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        visit(rel, src, child, depth + 1, out);
    }
}

fn call(rel: &str, src: &str, node: Node, out: &mut Vec<DotenvLoad>) {
    let Some(function) = node.field(Field::Function) else {
        return;
    };
    let name = text(function, src).rsplit('.').next().unwrap_or("");
    let Some(args) = Args::of(node) else {
        return;
    };
    if LOADERS.contains(&name) {
        let path_arg = args
            .keyword(src, "dotenv_path")
            .or_else(|| args.keyword(src, "env_file"))
            .or_else(|| args.keyword(src, "path"))
            .or_else(|| args.positional.first().copied());
        let path = path_arg
            .and_then(|a| last_string(a, src, 0))
            .unwrap_or_else(|| ".env".to_string());
        out.push(DotenvLoad {
            location: located(rel, node),
            path,
        });
    } else if matches!(name, "Dynaconf" | "LazySettings")
        && args
            .keyword(src, "load_dotenv")
            .is_some_and(|v| text(v, src) == "True")
    {
        // dynaconf's `load_dotenv=True` loads `.env` (or `dotenv_path`).
        let path = args
            .keyword(src, "dotenv_path")
            .and_then(|a| last_string(a, src, 0))
            .unwrap_or_else(|| ".env".to_string());
        out.push(DotenvLoad {
            location: located(rel, node),
            path,
        });
    } else if let Some(value) = args.keyword(src, "env_file") {
        push_paths(rel, src, node, value, out);
    }
}

/// Each path a pydantic `env_file` value names (`".env"`, `(".env", ".env.prod")`).
fn push_paths(rel: &str, src: &str, at: Node, value: Node, out: &mut Vec<DotenvLoad>) {
    if text(value, src) == "None" {
        return;
    }
    let mut paths = Vec::new();
    if matches!(value.kind(), "tuple" | "list") {
        let mut cursor = value.walk();
        for item in value.named_children(&mut cursor) {
            paths.extend(last_string(item, src, 0));
        }
    } else {
        paths.extend(last_string(value, src, 0));
    }
    if paths.is_empty() {
        paths.push(".env".to_string());
    }
    for path in paths {
        out.push(DotenvLoad {
            location: located(rel, at),
            path,
        });
    }
}

/// The last string literal in an expression: `BASE_DIR / ".env"` and
/// `os.path.join(BASE_DIR, ".env.prod")` name the file by it.
fn last_string(node: Node, src: &str, depth: usize) -> Option<String> {
    if depth > 32 {
        return None;
    }
    if let Some(s) = string_value(node, src) {
        return Some(s);
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    children
        .into_iter()
        .rev()
        .find_map(|c| last_string(c, src, depth + 1))
}

fn located(rel: &str, node: Node) -> Location {
    let p = node.start_position();
    Location::new(rel, p.row as u32, p.column as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loads(src: &str) -> Vec<String> {
        let mut parser = super::super::syntax::python_parser().unwrap();
        let tree = parser.parse(src, None).unwrap();
        find("settings.py", src, &tree)
            .into_iter()
            .map(|l| format!("{}:{}", l.location.line(), l.path))
            .collect()
    }

    #[test]
    fn every_loading_form() {
        let src = r#"
from dotenv import load_dotenv
import environ
load_dotenv()
load_dotenv(os.path.join(BASE_DIR, ".env.prod"))
environ.Env.read_env(BASE_DIR / ".env")
class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=(".env", ".env.local"))
    class Config:
        env_file = "app.env"
class Other(BaseSettings):
    model_config = SettingsConfigDict(env_file=None)
"#;
        assert_eq!(
            loads(src),
            [
                "4:.env",
                "5:.env.prod",
                "6:.env",
                "8:.env",
                "8:.env.local",
                "10:app.env"
            ]
        );
    }

    #[test]
    fn dynaconf_loads_a_dotenv_when_asked() {
        let src = "a = Dynaconf(load_dotenv=True)\nb = Dynaconf(load_dotenv=True, dotenv_path='conf/.env.prod')\nc = Dynaconf(load_dotenv=False)\nd = Dynaconf()\n";
        assert_eq!(loads(src), ["1:.env", "2:conf/.env.prod"]);
    }

    #[test]
    fn a_load_nested_deeper_than_the_walk_goes_is_not_seen() {
        // module > expression_statement > N parentheses > call: the call
        // sits at depth N + 2.
        let nested = |parens: usize| {
            format!(
                "{}load_dotenv(){}\n",
                "(".repeat(parens),
                ")".repeat(parens)
            )
        };
        assert_eq!(loads(&nested(MAX_DEPTH - 2)), ["1:.env"]);
        assert!(loads(&nested(MAX_DEPTH - 1)).is_empty());
    }

    #[test]
    fn a_path_nested_past_the_limit_is_the_default_env_file() {
        // Each `join(` is two levels: the call and its argument list.
        let nested = |calls: usize| {
            format!(
                "load_dotenv({}'.env.prod'{})\n",
                "join(BASE, ".repeat(calls),
                ")".repeat(calls)
            )
        };
        assert_eq!(loads(&nested(16)), ["1:.env.prod"]);
        assert_eq!(loads(&nested(17)), ["1:.env"]);
    }

    #[test]
    fn other_calls_are_not_loads() {
        assert!(loads("x = dotenv_values('.env')\nos.getenv('A')\n").is_empty());
    }
}
