//! Dotenv files committed to the repository, parsed with dotenvy: examples
//! (`.env.example`, `.env.sample`, `.env.template`...) document the keys a
//! deploy must provide; real ones (`.env.production`, `.envs/.production/.django`)
//! are a source of keys when a compose `env_file:` names them. Only keys and
//! whether their value is empty are kept, never values.

use std::collections::HashMap;

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
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_dotenv_path(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_source(&file.rel, text)
        })
    }
}

/// The row of the last line assigning each key (`KEY=`, `export KEY =`;
/// dotenv: last wins), found in one pass: a file of many keys stays linear.
fn key_rows(text: &str) -> HashMap<&str, u32> {
    let mut rows = HashMap::new();
    for (row, line) in text.lines().enumerate() {
        let line = line.trim_start();
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        if let Some((key, _)) = line.split_once('=') {
            rows.insert(key.trim_end(), row as u32);
        }
    }
    rows
}

/// A line dotenvy refuses that the tools reading env files accept.
#[derive(Debug, PartialEq, Eq)]
enum Lenient<'a> {
    /// `KEY=value with spaces`, `KEY=a\nb`: Docker takes the rest of the
    /// line as the value, python-dotenv too.
    Assignment { key: &'a str, empty: bool },
    /// A bare `KEY`: Docker passes the caller's own value through and
    /// python-dotenv sets nothing. No value comes from the file.
    PassThrough,
}

fn lenient_line(line: &str) -> Option<Lenient<'_>> {
    let line = line
        .strip_prefix("export ")
        .map(str::trim_start)
        .unwrap_or(line);
    let (key, value) = match line.split_once('=') {
        Some((key, value)) => (key.trim_end(), Some(value.trim())),
        None => (line.trim_end(), None),
    };
    let mut chars = key.chars();
    let starts = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return None;
    }
    Some(match value {
        Some(v) => Lenient::Assignment {
            key,
            empty: v.is_empty(),
        },
        None => Lenient::PassThrough,
    })
}

/// A file's keys where the last assignment wins: an earlier one of the
/// same key is dropped, each keeps its own line.
#[derive(Default)]
struct LastWins {
    keys: Vec<Option<DotenvKey>>,
    slot_of: HashMap<String, usize>,
}

impl LastWins {
    fn assign(&mut self, key: DotenvKey) {
        if let Some(old) = self.slot_of.insert(key.key.clone(), self.keys.len())
            && let Some(slot) = self.keys.get_mut(old)
        {
            *slot = None;
        }
        self.keys.push(Some(key));
    }

    /// The keys that stand, in file order.
    fn into_keys(self) -> Vec<DotenvKey> {
        let mut keys: Vec<DotenvKey> = self.keys.into_iter().flatten().collect();
        keys.sort_by(|a, b| a.location.cmp(&b.location));
        keys
    }
}

pub fn collect_source(rel: &str, text: &str) -> Facts {
    let mut facts = Facts::default();
    let rows = key_rows(text);
    let lines: Vec<&str> = text.lines().collect();
    // dotenvy reports bad lines in order: each is looked for from the line
    // after the previous one, so many bad lines stay linear.
    let mut cursor = 0;
    let mut keys = LastWins::default();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) => {
                let empty = value.is_empty();
                drop(value);
                keys.assign(DotenvKey {
                    location: Location::new(rel, rows.get(key.as_str()).copied().unwrap_or(0), 0),
                    key,
                    empty,
                });
            }
            Err(dotenvy::Error::LineParse(line, _)) => {
                let needle = line.trim();
                let found = lines
                    .get(cursor..)
                    .unwrap_or_default()
                    .iter()
                    .position(|l| l.contains(needle))
                    .map(|i| i + cursor);
                let row = found.unwrap_or(cursor.min(lines.len().saturating_sub(1)));
                if let Some(found) = found {
                    cursor = found + 1;
                }
                let whole = found
                    .and_then(|r| lines.get(r))
                    .map_or(needle, |l| l.trim());
                match lenient_line(whole) {
                    // Docker's `--env-file` and python-dotenv read this line.
                    Some(Lenient::Assignment { key, empty }) => keys.assign(DotenvKey {
                        location: Location::new(rel, row as u32, 0),
                        key: key.to_string(),
                        empty,
                    }),
                    Some(Lenient::PassThrough) => {}
                    // The line itself may hold a secret: say where, never what.
                    None => facts.unparsed.push(Unparsed {
                        location: Location::new(rel, row as u32, 0),
                        message: format!("not a dotenv line (line {})", row + 1),
                    }),
                }
            }
            Err(e) => facts.unparsed.push(Unparsed {
                location: Location::file_start(rel),
                message: format!("cannot parse: {e}"),
            }),
        }
    }
    let mut keys = keys.into_keys();
    // A sops-encrypted file ends with sops's own metadata entries: not env.
    if keys
        .iter()
        .any(|k| k.key == "sops_mac" || k.key == "sops_version")
    {
        keys.retain(|k| !k.key.starts_with("sops_"));
    }
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
    fn lines_docker_and_python_dotenv_accept_are_keys_not_errors() {
        let facts = collect_source(
            ".env.sample",
            "A=1\nSYSTEM_MESSAGE=You are an AI assistant\nENVIRONMENT_NAME\nsops_enc=-----BEGIN AGE-----\\nYWdl\\n\nB=2\n",
        );
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        let keys: Vec<(&str, u32, bool)> = facts.dotenv_files[0]
            .keys
            .iter()
            .map(|k| (k.key.as_str(), k.location.row, k.empty))
            .collect();
        // A bare name passes the caller's value through: the file sets nothing.
        assert_eq!(
            keys,
            [
                ("A", 0, false),
                ("SYSTEM_MESSAGE", 1, false),
                ("sops_enc", 3, false),
                ("B", 4, false)
            ]
        );
    }

    #[test]
    fn a_sops_encrypted_file_keeps_its_keys_not_its_metadata() {
        let facts = collect_source(
            ".env.sops",
            "DATABASE_URL=ENC[AES256_GCM,data:Zm9v,iv:aXY=,tag:dGFn,type:str]\nsops_mac=ENC[AES256_GCM,data:bWFj,type:str]\nsops_version=3.9.1\n",
        );
        let keys: Vec<&str> = facts.dotenv_files[0]
            .keys
            .iter()
            .map(|k| k.key.as_str())
            .collect();
        assert_eq!(keys, ["DATABASE_URL"]);
    }

    #[test]
    fn a_line_no_env_file_reader_accepts_is_still_unparsed() {
        let facts = collect_source(".env", "A=1\n<<<<<<< HEAD\nB=2\n");
        assert_eq!(facts.unparsed.len(), 1, "{:?}", facts.unparsed);
        assert_eq!(facts.unparsed[0].location.row, 1);
    }

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

    /// A line the strict reader rejects is still a key when Docker and
    /// python-dotenv read it as one: a name of letters, digits, `_`, `.`
    /// and `-`, not starting with a digit.
    #[test]
    fn lenient_keys_start_with_a_letter_or_an_underscore() {
        let facts = collect_source(".env", "_MY-KEY=1\n9-BAD=2\nmy.key=\n");
        let keys: Vec<(&str, bool)> = facts.dotenv_files[0]
            .keys
            .iter()
            .map(|k| (k.key.as_str(), k.empty))
            .collect();
        assert_eq!(keys, [("_MY-KEY", false), ("my.key", true)]);
        let rows: Vec<u32> = facts.unparsed.iter().map(|u| u.location.row).collect();
        assert_eq!(rows, [1]);
    }

    #[test]
    fn repeated_bad_lines_each_name_their_own_line() {
        let facts = collect_source(".env", "A=1\nbad line\nB=2\nbad line\n");
        let rows: Vec<u32> = facts.unparsed.iter().map(|u| u.location.row).collect();
        assert_eq!(rows, [1, 3]);
    }

    #[test]
    fn each_of_50k_keys_and_bad_lines_keeps_its_own_row() {
        // 50k keys and 50k bad lines, each kept at its own row. (A lookup
        // per key or per bad line over the whole text, as the reader once
        // did, takes 10^9 steps: a benchmark's concern; no time is asserted.)
        let mut text = String::new();
        for i in 0..50_000 {
            text.push_str(&format!("KEY_{i}=v\nnot a line {i}\n"));
        }
        text.push_str("KEY_7=again\n");
        let facts = collect_source(".env", &text);
        assert_eq!(facts.unparsed.len(), 50_000);
        assert_eq!(facts.unparsed[49_999].location.row, 99_999);
        let keys = &facts.dotenv_files[0].keys;
        assert_eq!(keys.len(), 50_000);
        let seven = keys.iter().find(|k| k.key == "KEY_7").unwrap();
        assert_eq!(seven.location.row, 100_000);
    }

    /// The collector reads every dotenv file of the tree, and no other file.
    #[test]
    fn the_collector_reads_each_dotenv_file_of_the_tree() {
        let ctx = Context::default();
        assert!(DotenvCollector.wants("deploy/prod.env", &ctx));
        assert!(!DotenvCollector.wants("notes.txt", &ctx));
        let facts = crate::collect::collect_tree(&[
            (".env", "A=1\n"),
            ("deploy/prod.env", "B=2\n"),
            ("notes.txt", "C=3\n"),
        ]);
        let mut files: Vec<(&str, Vec<&str>)> = facts
            .dotenv_files
            .iter()
            .map(|f| {
                let keys = f.keys.iter().map(|k| k.key.as_str()).collect();
                (f.file.as_str(), keys)
            })
            .collect();
        files.sort();
        assert_eq!(files, [(".env", vec!["A"]), ("deploy/prod.env", vec!["B"])]);
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
