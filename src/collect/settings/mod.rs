//! The app's reads of env keys in Python code, found with tree-sitter-python.
//!
//! Two passes over the repository's Python files, each file in parallel:
//! pass 1 parses every file that could read env and finds its reads and
//! what it defines for other modules (wrapper helpers, the django-environ
//! instance, pydantic settings classes); pass 2 judges again only the files
//! that use such a name defined elsewhere. Most repositories need no pass 2.

mod analyze;
mod configurations;
mod dotenv_load;
mod dynaconf;
mod environs;
mod guard;
pub mod imports;
pub mod modules;
mod pydantic;
mod syntax;

use memchr::memmem;
use tree_sitter::Parser;

use self::analyze::{FileOutcome, Knowledge, analyze};
use super::{
    Collector, Context, InputFile, Panicked, in_pool, par_map_init, par_map_init_again, read_text,
};
use crate::facts::{
    Consumer, EnvRead, EnvWrite, Facts, PythonFile, ReadVia, Source, Unparsed, WriteVia,
};
use crate::location::Location;

pub struct SettingsCollector;

impl Collector for SettingsCollector {
    fn wants(&self, rel: &str, ctx: &Context) -> bool {
        rel.ends_with(".py")
            && !rel.split('/').any(|part| part == "migrations")
            && (ctx.settings_globs.is_empty() || ctx.settings_globs.is_match(rel))
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        collect_files(files, ctx.threads)
    }
}

/// The reads in one Python source. `rel` names the file in locations. Used
/// for the repository's files and, by `live`, for the settings module
/// downloaded from the container, so both are judged by the same parser.
pub fn collect_source(rel: &str, text: &str) -> Facts {
    let mut parser = match syntax::python_parser() {
        Ok(parser) => parser,
        Err(message) => return Facts::unparsed(Location::file_start(rel), message),
    };
    match parse_and_analyze(&mut parser, rel, text, &Knowledge::default()) {
        Ok(outcome) => outcome.facts,
        Err(unparsed) => Facts {
            unparsed: vec![unparsed],
            ..Facts::default()
        },
    }
}

/// Identifiers without which Python code cannot read env in any form this
/// collector knows, each with the bytes one of which must follow it (after
/// spaces) when it is not enough alone: a file where none occurs is not
/// parsed. Whole identifiers only — `environment` and `get_app_config` are
/// everywhere — and `env` / `config` only as calls or attribute bases
/// (`env("K")`, `env.str("K")`, `config("K")`): as plain names they are
/// common variables, and every read through them is such a call.
const WORD_NEEDLES: &[(&str, &[u8])] = &[
    ("environ", b""),
    ("environs", b""),
    ("configurations", b""),
    ("dynaconf", b""),
    ("Dynaconf", b""),
    ("LazySettings", b""),
    ("getenv", b""),
    ("Env", b""),
    ("env", b"(."),
    ("config", b"("),
];

/// Needles that may sit inside a longer name: a settings class can derive
/// from a project base such as `AppBaseSettings`.
const SUBSTRING_NEEDLES: &[&str] = &["BaseSettings", "decouple"];

fn may_read_env(bytes: &[u8]) -> bool {
    SUBSTRING_NEEDLES
        .iter()
        .any(|n| memmem::find(bytes, n.as_bytes()).is_some())
        || WORD_NEEDLES
            .iter()
            .any(|(n, followed_by)| has_word(bytes, n.as_bytes(), followed_by))
}

/// Whether one identifier (already split out of a statement) is, or holds,
/// a needle: the per-statement check of [`analyze`] after the file passed.
fn is_needle_word(word: &[u8]) -> bool {
    WORD_NEEDLES.iter().any(|(n, _)| word == n.as_bytes())
        || SUBSTRING_NEEDLES
            .iter()
            .any(|n| word.windows(n.len()).any(|w| w == n.as_bytes()))
}

/// `needle` occurs in `bytes` with no identifier character on either side
/// and, when `followed_by` is not empty, one of its bytes next after spaces.
fn has_word(bytes: &[u8], needle: &[u8], followed_by: &[u8]) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memmem::find_iter(bytes, needle).any(|at| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let rest = bytes.get(at + needle.len()..).unwrap_or_default();
        let next = rest.iter().copied().find(|b| !matches!(b, b' ' | b'\t'));
        !before.is_some_and(|&b| ident(b))
            && !next.is_some_and(ident)
            && (followed_by.is_empty() || next.is_some_and(|b| followed_by.contains(&b)))
    })
}

/// What pass 1 made of a file.
enum Pass1 {
    Unreadable(Box<Unparsed>),
    /// Mentions none of the needles of [`may_read_env`].
    Skipped,
    Analyzed(Box<FileOutcome>),
}

/// Every file's reads, in a deterministic order whatever the thread count.
/// Both passes run on the run's thread pool (or one of `threads` workers).
pub fn collect_files(files: &[InputFile], threads: usize) -> Facts {
    in_pool(threads, || collect_in_pool(files, threads))
}

fn collect_in_pool(files: &[InputFile], threads: usize) -> Facts {
    let empty = Knowledge::default();
    // Each file's text is read once: its reads, the settings modules it
    // names and what it imports.
    let outcomes = par_map_init(files, threads, syntax::python_parser, |parser, file| {
        let text = match read_text(file) {
            Ok(text) => text,
            Err(unparsed) => return (Pass1::Unreadable(unparsed), Vec::new(), None),
        };
        let named = modules::django_module_candidates(&file.rel, &text);
        let imported = PythonFile {
            file: file.rel.clone(),
            imports: imports::imports(&text),
        };
        (
            first_pass(parser, file, &text, &empty),
            named,
            Some(imported),
        )
    });
    let mut named = Vec::new();
    let mut python_files = Vec::new();
    let mut outcomes: Vec<Pass1> = files
        .iter()
        .zip(outcomes)
        .map(|(file, outcome)| {
            let (pass1, names, imported) =
                outcome.unwrap_or_else(|Panicked| (panicked(file), Vec::new(), None));
            named.extend(names);
            python_files.extend(imported);
            pass1
        })
        .collect();

    let mut knowledge = Knowledge::default();
    for outcome in &outcomes {
        if let Pass1::Analyzed(outcome) = outcome {
            knowledge.absorb(outcome.exports.clone());
        }
    }
    if !knowledge.is_empty() {
        second_pass(files, threads, &knowledge, &mut outcomes);
    }

    let parts = outcomes.into_iter().filter_map(|outcome| match outcome {
        Pass1::Unreadable(unparsed) => Some(Facts {
            unparsed: vec![*unparsed],
            ..Facts::default()
        }),
        Pass1::Skipped => None,
        Pass1::Analyzed(outcome) => Some(outcome.facts),
    });
    let mut facts = Facts::concat(parts.collect());
    facts.reads.sort_by(|a, b| a.location.cmp(&b.location));
    facts.unparsed.sort_by(|a, b| a.location.cmp(&b.location));
    facts.settings_modules = modules::settings_modules(files, named);
    facts.entry_points = modules::django_entry_points(files);
    facts.python_files = python_files;
    facts
}

/// Pass 1 on one file's text: skipped unless it may read env, else parsed.
fn first_pass(
    parser: &mut Result<Parser, String>,
    file: &InputFile,
    text: &str,
    empty: &Knowledge,
) -> Pass1 {
    if !may_read_env(text.as_bytes()) {
        return Pass1::Skipped;
    }
    match parser {
        Ok(parser) => match parse_and_analyze(parser, &file.rel, text, empty) {
            Ok(outcome) => Pass1::Analyzed(Box::new(outcome)),
            Err(unparsed) => Pass1::Unreadable(Box::new(unparsed)),
        },
        Err(message) => Pass1::Unreadable(Box::new(Unparsed {
            location: Location::file_start(&file.rel),
            message: message.clone(),
        })),
    }
}

/// Judge again the files that use a name another file defines: analysed
/// files that import one, and skipped files that mention one a pass-1
/// needle would not have caught (`def setting(name): ...`).
fn second_pass(files: &[InputFile], threads: usize, knowledge: &Knowledge, outcomes: &mut [Pass1]) {
    // Names another module binds to a read that the needles would not let
    // through: the skipped files must be searched for them.
    let unseen_names: Vec<&str> = knowledge
        .names()
        .filter(|n| !is_needle_word(n.as_bytes()))
        .collect();
    let redo: Vec<(usize, &InputFile)> = outcomes
        .iter()
        .zip(files)
        .enumerate()
        .filter(|(_, (outcome, _))| match outcome {
            Pass1::Analyzed(o) => o
                .foreign_names
                .iter()
                .any(|n| knowledge.names().any(|k| k == n)),
            Pass1::Skipped => !unseen_names.is_empty(),
            Pass1::Unreadable(_) => false,
        })
        .map(|(i, (_, file))| (i, file))
        .collect();
    if redo.is_empty() {
        return;
    }
    let redone = par_map_init_again(
        &redo,
        threads,
        syntax::python_parser,
        |parser, &(_, file)| {
            let text = read_text(file).ok()?;
            let bytes = text.as_bytes();
            if !may_read_env(bytes)
                && !unseen_names
                    .iter()
                    .any(|n| has_word(bytes, n.as_bytes(), b""))
            {
                return None;
            }
            let parser = parser.as_mut().ok()?;
            Some(
                match parse_and_analyze(parser, &file.rel, &text, knowledge) {
                    Ok(outcome) => Pass1::Analyzed(Box::new(outcome)),
                    Err(unparsed) => Pass1::Unreadable(Box::new(unparsed)),
                },
            )
        },
    );
    for (&(i, file), result) in redo.iter().zip(redone) {
        let result = match result {
            Ok(Some(result)) => result,
            Ok(None) => continue,
            Err(Panicked) => panicked(file),
        };
        if let Some(slot) = outcomes.get_mut(i) {
            *slot = result;
        }
    }
}

fn parse_and_analyze(
    parser: &mut Parser,
    rel: &str,
    text: &str,
    known: &Knowledge,
) -> Result<FileOutcome, Unparsed> {
    let tree = parser.parse(text, None).ok_or_else(|| Unparsed {
        location: Location::file_start(rel),
        message: "tree-sitter-python could not parse the file".into(),
    })?;
    let mut outcome = analyze(rel, text, &tree, known);
    outcome.facts.dotenv_loads = dotenv_load::find(rel, text, &tree);
    let writes = setdefault_writes(&outcome.facts.reads);
    outcome.facts.writes.extend(writes);
    Ok(outcome)
}

/// `os.environ.setdefault("K", "v")` reads K and, when it is unset, sets it
/// for the rest of the process: a write at the settings stage (with the
/// literal value, or one from an expression envtrail does not follow).
fn setdefault_writes(reads: &[EnvRead]) -> Vec<EnvWrite> {
    reads
        .iter()
        .filter(|r| r.via == ReadVia::OsEnvironSetdefault && r.consumer == Consumer::App)
        .filter_map(|r| {
            Some(EnvWrite {
                key: r.key.clone()?,
                location: r.location.clone(),
                via: WriteVia::PythonSetdefault,
                source: match r.default {
                    Some(_) => Source::Literal,
                    None => Source::Unknown,
                },
                sink: None,
                target: None,
                remote: false,
            })
        })
        .collect()
}

/// A file whose judging panicked: skipped, with the internal error.
fn panicked(file: &InputFile) -> Pass1 {
    Pass1::Unreadable(Box::new(super::internal_error(&file.rel)))
}

#[cfg(test)]
mod tests;
