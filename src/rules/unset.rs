//! What `unset-required`, `unset-defaulted` and `secret-unwritten` share: the
//! wording of a read that no stage satisfies, and the opaque env files that
//! could satisfy it after all.

use crate::chain::Chain;
use crate::facts::{DefaultValue, EnvRead, ReadVia};
use crate::finding::{Finding, Severity};

/// `"(fallback chain: A → B → C; none is set)"`, or "" for a plain read.
pub fn chain_note(read: &EnvRead) -> String {
    if read.chain.len() > 1 {
        format!(" (fallback chain {}; none of them is set)", read.chain.join(" → "))
    } else {
        String::new()
    }
}

/// What the app falls back to, said louder when it is empty, `None` or `False`.
pub fn default_phrase(read: &EnvRead) -> String {
    match &read.default {
        Some(DefaultValue::None) if matches!(read.via, ReadVia::OsGetenv | ReadVia::OsEnvironGet) => {
            "the default is None (os.getenv/environ.get without a default returns None): the app runs with NO value"
                .to_string()
        }
        Some(d) if d.is_empty_like() => format!("the default is {}: the app runs with NO usable value", d.as_python()),
        Some(d) => format!("the default is {}", d.as_python()),
        None if read.has_default => "the default is an expression in the code".to_string(),
        None => "there is no default".to_string(),
    }
}

/// Where a missing injection belongs: the files that already write env for the app.
pub fn injection_sites(chain: &Chain) -> Vec<crate::location::Location> {
    let mut sites: Vec<_> = chain
        .rows
        .values()
        .flat_map(|r| r.written.iter())
        .filter(|w| w.sink.is_some())
        .map(|w| w.location.clone())
        .collect();
    sites.sort();
    // One site per file: the first line that writes the env file.
    sites.dedup_by(|a, b| a.file == b.file);
    sites
}

/// An opaque env file could hold any key: the finding drops to `note` and
/// says which file, instead of claiming an error nobody can prove.
pub fn lower_for_opaque(chain: &Chain, mut finding: Finding) -> Finding {
    if let Some(opaque) = chain.opaque.first() {
        finding.severity = Severity::Note;
        finding.message.push_str(&format!(
            "; lowered to note: {} is written from the opaque value {} and could hold it",
            opaque.sink,
            opaque.source.label()
        ));
        finding = finding.with_related(opaque.location.clone(), "opaque env file written here");
    }
    finding
}

/// `secret-unwritten` replaces `unset-*` when the store holds a secret for
/// the read's key or one of its aliases.
pub fn secret_for<'a>(chain: &Chain, read: &'a EnvRead) -> Option<&'a str> {
    read.chain.iter().map(String::as_str).find(|k| chain.in_inventory(k))
}
