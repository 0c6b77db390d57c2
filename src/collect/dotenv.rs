//! Dotenv files committed to the repository, parsed with dotenvy: examples
//! (`.env.example`, `.env.sample`, `.env.template`...) document the keys a
//! deploy must provide; real ones (`.env.production`, `.envs/.production/.django`)
//! are a source of keys when a compose `env_file:` names them. Only keys and
//! whether their value is empty are kept, never values.

use super::{Collector, Context, InputFile};
use crate::facts::{DotenvFile, DotenvKey, Facts, Unparsed};
use crate::location::Location;

pub struct DotenvCollector;

/// Words in a dotenv file's name that make it documentation, not configuration.
const EXAMPLE_WORDS: &[&str] = &["example", "sample", "template", "dist", "tmpl", "tpl"];

/// `.env`, `.env.*`, `*.env`, `env.example`, and everything under `.envs/`.
pub fn is_dotenv_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    if rel.starts_with(".envs/") || rel.contains("/.envs/") {
        return !name.ends_with(".md");
    }
    name == ".env"
        || name.starts_with(".env.")
        || (name.ends_with(".env") && name.len() > 4)
        || (name.starts_with("env.") && is_example(&name))
}

pub fn is_example(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    name.split(['.', '-', '_'])
        .any(|part| EXAMPLE_WORDS.contains(&part))
}

impl Collector for DotenvCollector {
    fn name(&self) -> &'static str {
        "dotenv"
    }

    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_dotenv_path(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text)
        })
    }
}

/// The row defining `key`: the last line that assigns it (dotenv: last wins).
fn key_row(text: &str, key: &str) -> u32 {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("export ")
                .map(str::trim_start)
                .unwrap_or(line);
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(row, _)| row as u32)
        .last()
        .unwrap_or(0)
}

pub fn collect_source(rel: &str, text: &str) -> Facts {
    let mut facts = Facts::default();
    let mut keys: Vec<DotenvKey> = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) => {
                let empty = value.is_empty();
                drop(value);
                keys.retain(|k| k.key != key);
                keys.push(DotenvKey {
                    location: Location::new(rel, key_row(text, &key), 0),
                    key,
                    empty,
                });
            }
            Err(dotenvy::Error::LineParse(line, _)) => {
                let row = text
                    .lines()
                    .position(|l| l.contains(line.trim()))
                    .unwrap_or(0) as u32;
                // The line itself may hold a secret: say where, never what.
                facts.unparsed.push(Unparsed {
                    location: Location::new(rel, row, 0),
                    message: format!("not a dotenv line (line {})", row + 1),
                });
            }
            Err(e) => facts.unparsed.push(Unparsed {
                location: Location::file_start(rel),
                message: format!("cannot parse: {e}"),
            }),
        }
    }
    keys.sort_by(|a, b| a.location.cmp(&b.location));
    facts.dotenv_files.push(DotenvFile {
        file: rel.to_string(),
        example: is_example(rel),
        keys,
    });
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_rows_and_emptiness() {
        let facts = collect_source(
            ".env.example",
            "# comment\nSECRET_KEY=\nexport DEBUG=1\n\nDATABASE_URL=\"postgres://u:pw@h/db\"\nDEBUG=0\n",
        );
        let file = &facts.dotenv_files[0];
        assert!(file.example);
        let keys: Vec<(&str, u32, bool)> = file
            .keys
            .iter()
            .map(|k| (k.key.as_str(), k.location.row, k.empty))
            .collect();
        assert_eq!(
            keys,
            [
                ("SECRET_KEY", 1, true),
                ("DATABASE_URL", 4, false),
                ("DEBUG", 5, false)
            ]
        );
        assert!(!format!("{facts:?}").contains("pw@h"));
    }

    #[test]
    fn bad_line_is_unparsed_without_its_content() {
        let facts = collect_source(
            ".env.production",
            "A=1\nnot a line with secret s3cr3t\nB=2\n",
        );
        assert_eq!(facts.unparsed.len(), 1);
        assert_eq!(facts.unparsed[0].location.row, 1);
        assert!(!facts.unparsed[0].message.contains("s3cr3t"));
        assert!(!facts.dotenv_files[0].example);
    }

    #[test]
    fn paths() {
        for p in [
            ".env",
            ".env.example",
            "deploy/.env.production",
            ".envs/.production/.django",
            "prod.env",
            "env.sample",
        ] {
            assert!(is_dotenv_path(p), "{p}");
        }
        for p in ["environment.py", ".envrc", "README.md", "src/env.py"] {
            assert!(!is_dotenv_path(p), "{p}");
        }
        assert!(is_example(".env.sample") && is_example("env.template") && is_example(".env.dist"));
        assert!(!is_example(".env.production") && !is_example(".envs/.production/.django"));
    }
}
