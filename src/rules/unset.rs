//! What `unset-required`, `unset-defaulted` and `secret-unwritten` share: the
//! wording of a read that no stage satisfies, and the opaque env files that
//! could satisfy it after all.

use crate::chain::Chain;
use crate::facts::{DefaultValue, EnvRead, ReadVia, Stage};
use crate::finding::{Finding, Severity};
use crate::location::Location;

/// `"(fallback chain: A → B → C; none is set)"`, or "" for a plain read.
pub fn chain_note(read: &EnvRead) -> String {
    if read.chain.len() > 1 {
        format!(
            " (fallback chain {}; none of them is set)",
            read.chain.join(" → ")
        )
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

/// At most this many injection sites are named per finding: in a monorepo
/// every service's workflow writes an env file, and naming them all helps
/// nobody (and costs memory per finding).
const MAX_SITES: usize = 3;

/// Where a missing injection belongs: the workflow lines that already write
/// an env file for the app, one per workflow file. Computed once per rule.
pub struct InjectionSites {
    /// Each site with the repository folder its env file lands in, when the
    /// file is written on the runner inside the repository.
    sites: Vec<(Location, Option<String>)>,
}

impl InjectionSites {
    pub fn of(chain: &Chain) -> InjectionSites {
        let mut sites: Vec<(Location, Option<String>)> = chain
            .rows
            .values()
            .flat_map(|r| r.written.iter())
            // The workflow's own writes: where a missing injection line belongs.
            .filter(|w| w.via.stage() == Stage::Workflow)
            .filter_map(|w| {
                let sink = w.sink.as_deref()?;
                let located = (!w.remote && !sink.starts_with(['/', '~', '$']))
                    .then(|| sink.rsplit_once('/').map_or("", |(d, _)| d).to_string());
                Some((w.location.clone(), located))
            })
            .collect();
        sites.sort();
        // One site per file: the first line that writes the env file.
        sites.dedup_by(|a, b| a.0.file == b.0.file);
        InjectionSites { sites }
    }

    /// Every site, in file order.
    pub fn all(&self) -> impl Iterator<Item = &Location> {
        self.sites.iter().map(|(l, _)| l)
    }

    /// The sites that feed code in `file`: those whose env file lands in its
    /// folder or above (a monorepo's own service first), else the sites
    /// written on a deploy host; at most [`MAX_SITES`].
    pub fn for_file(&self, file: &str) -> Vec<&Location> {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        let above = |d: &str| {
            d.is_empty() || d == dir || dir.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
        };
        let near: Vec<&Location> = self
            .sites
            .iter()
            .filter(|(_, d)| d.as_deref().is_some_and(above))
            .map(|(l, _)| l)
            .collect();
        let chosen = if near.is_empty() {
            self.sites
                .iter()
                .filter(|(_, d)| d.is_none())
                .map(|(l, _)| l)
                .collect()
        } else {
            near
        };
        chosen.into_iter().take(MAX_SITES).collect()
    }

    /// Name the sites that feed `read`'s file on `finding`.
    pub fn relate(&self, read: &EnvRead, mut finding: Finding) -> Finding {
        for site in self.for_file(&read.location.file) {
            finding = finding.with_related(site.clone(), "the deploy writes the app's env here");
        }
        finding
    }
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
    read.chain
        .iter()
        .map(String::as_str)
        .find(|k| chain.in_inventory(k))
}

/// The compose defaults a read falls back to when nothing sets its key
/// (`${K:-default}`): the deploy silently runs on compose's default.
pub fn compose_defaults<'a>(
    chain: &'a Chain,
    read: &EnvRead,
) -> Vec<&'a crate::chain::reach::Defaulted> {
    read.chain
        .iter()
        .filter_map(|k| chain.deploy.defaulted.get(k))
        .flatten()
        .collect()
}

/// Say where the chain breaks (at compose, Kubernetes...) and what default
/// compose substitutes, with the places as related locations.
pub fn with_deploy_story(chain: &Chain, read: &EnvRead, mut finding: Finding) -> Finding {
    let mut notes = Vec::new();
    for key in &read.chain {
        for b in chain.deploy.breaks.get(key).into_iter().flatten() {
            notes.push(b.message.clone());
            finding = finding.with_related(b.location.clone(), "the chain breaks here");
            for (location, label) in &b.related {
                finding = finding.with_related(location.clone(), label.clone());
            }
        }
    }
    for d in compose_defaults(chain, read) {
        notes.push(format!(
            "compose substitutes its own default for host key {} ({}){}",
            d.host_key,
            d.location,
            if d.default_empty {
                ", an EMPTY value"
            } else {
                ""
            }
        ));
        finding = finding.with_related(d.location.clone(), "compose default");
    }
    notes.dedup();
    if !notes.is_empty() {
        finding.message.push_str("; ");
        finding.message.push_str(&notes.join("; "));
    }
    finding
}
