//! What the unset family (`unset-required`, `unset-defaulted`,
//! `secret-unwritten`, `reach-unknown`) shares: which of them reports a
//! verdict (decided here, once), and the wording of a read no stage satisfies.

use super::RuleId;
use crate::chain::reach::{Break, BreakKind, Defaulted, Written, dir_of, is_above};
use crate::chain::verdict::Defaulting;
use crate::chain::{Chain, KeyRow, KeyVerdict, Verdict};
use crate::facts::{Consumer, DefaultValue, EnvRead, ReadVia, Stage};
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

/// What the app falls back to, said louder when it is an empty string or the
/// `None` of `os.getenv` / `environ.get`. `False`, `0` and a `None` written
/// as the default (`env("K", default=None)`) are deliberate values.
pub fn default_phrase(read: &EnvRead) -> String {
    match &read.default {
        Some(DefaultValue::None) if matches!(read.via, ReadVia::OsGetenv | ReadVia::OsEnvironGet) => {
            "the default is None (os.getenv/environ.get without a default returns None): the app runs with NO value"
                .to_string()
        }
        Some(DefaultValue::Str(s)) if s.is_empty() => {
            "the default is \"\": the app runs with NO usable value".to_string()
        }
        Some(d) => format!("the default is {}", d.as_python()),
        None if read.has_default => "the default is an expression in the code".to_string(),
        // No default and not required: the chain could not tell whether its branch runs.
        None => match &read.guard {
            Some(g) => format!(
                "there is no default, but it is read only under the condition at {}, which envtrail cannot settle: where that branch runs, the app fails without it",
                g.location
            ),
            None => "there is no default".to_string(),
        },
    }
}

/// The fix for a key missing from an env file written by the heredoc at
/// `at`: a line of the heredoc's body (an `echo` there would be text).
pub fn heredoc_line_tip(key: &str, secret: &str, at: &Location) -> String {
    format!(
        "add the line `{key}=${{{{ secrets.{secret} }}}}` to the heredoc that writes the env file ({at})"
    )
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
    /// The sites that write their env file with a heredoc: a missing key
    /// goes in as a line of it, not as an `echo` inside it.
    heredocs: Vec<Location>,
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
                    .then(|| dir_of(sink).to_string());
                Some((w.location.clone(), located))
            })
            .collect();
        sites.sort();
        // One site per file: the first line that writes the env file.
        sites.dedup_by(|a, b| a.0.file == b.0.file);
        let heredocs = chain
            .rows
            .values()
            .flat_map(|r| r.written.iter())
            .filter(|w| w.via == crate::facts::WriteVia::DotenvHeredoc)
            .map(|w| w.location.clone())
            .collect();
        InjectionSites { sites, heredocs }
    }

    /// What to add at `site` so that `key` gets the value of secret
    /// `secret`: a line of the heredoc when the site writes its env file
    /// with one, else an `echo` beside the other injection lines.
    pub fn injection_tip(&self, site: &Location, key: &str, secret: &str) -> String {
        match self.heredoc_in(&site.file) {
            Some(at) => heredoc_line_tip(key, secret, at),
            None => format!(
                "add `echo \"{key}=${{{{ secrets.{secret} }}}}\" >> .env` beside the other injection lines in {}",
                site.shown_file()
            ),
        }
    }

    /// The first heredoc that writes an env file in workflow `file`.
    pub fn heredoc_in(&self, file: &str) -> Option<&Location> {
        self.heredocs.iter().filter(|h| h.file == file).min()
    }

    /// Every site, in file order.
    pub fn all(&self) -> impl Iterator<Item = &Location> {
        self.sites.iter().map(|(l, _)| l)
    }

    /// The sites that feed code in `file`: those whose env file lands in its
    /// folder or above (a monorepo's own service first), else the sites
    /// written on a deploy host; at most [`MAX_SITES`].
    pub fn for_file(&self, file: &str) -> Vec<&Location> {
        let dir = dir_of(file);
        let above = |d: &str| is_above(d, dir);
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

/// A one-off script or management command the app's entry points do not
/// import is judged like the app, but whether a deploy runs it is not
/// known: at most a warning, and the message says why.
pub fn script_at_most_warning(read: &EnvRead, mut finding: Finding) -> Finding {
    if read.consumer != Consumer::Script || finding.severity != Severity::Error {
        return finding;
    }
    finding
        .message
        .push_str(" (a one-off script or management command the app's entry points do not import: a warning, not an error)");
    finding.with_severity(Severity::Warning)
}

/// `secret-unwritten` replaces `unset-*` when the store holds a secret for
/// the read's key or one of its aliases.
pub fn secret_for<'a>(chain: &Chain, read: &'a EnvRead) -> Option<&'a str> {
    read.chain
        .iter()
        .map(String::as_str)
        .find(|k| chain.in_inventory(k))
}

/// The one place that decides which rule of the unset family reports a
/// verdict: `reach-unknown` for what envtrail cannot see, `secret-unwritten`
/// when the store holds the secret, else `unset-required` / `unset-defaulted`.
pub fn rule_for(chain: &Chain, kv: &KeyVerdict) -> Option<RuleId> {
    match &kv.verdict {
        Verdict::Set { .. } | Verdict::Platform { .. } => None,
        Verdict::Unknown { .. } => Some(RuleId::ReachUnknown),
        // A branch that does not run needs nothing; that the stored secret
        // is never written is certain only when nothing unseen may write it.
        Verdict::Defaulted {
            default: Defaulting::Branch { .. },
            ..
        } if crate::chain::verdict::unseen_upstream(chain, &kv.read).is_some() => None,
        _ if secret_for(chain, &kv.read).is_some() => Some(RuleId::SecretUnwritten),
        // The branch that reads it does not run without it: nothing is missing.
        Verdict::Defaulted {
            default: Defaulting::Branch { .. },
            ..
        } => None,
        Verdict::Unset { .. } => Some(RuleId::UnsetRequired),
        Verdict::Defaulted { .. } => Some(RuleId::UnsetDefaulted),
    }
}

/// The verdicts `rule` reports, with their rows.
pub fn verdicts_for(chain: &Chain, rule: RuleId) -> impl Iterator<Item = (&KeyRow, &KeyVerdict)> {
    chain.rows.values().filter_map(move |row| {
        let kv = row.verdict.as_ref()?;
        (rule_for(chain, kv) == Some(rule)).then_some((row, kv))
    })
}

/// The breaks and compose defaults behind an unset verdict.
fn story(verdict: &Verdict) -> (&[Break], &[Defaulted]) {
    match verdict {
        Verdict::Unset { breaks } => (breaks, &[]),
        Verdict::Defaulted {
            default: Defaulting::Compose(d),
            breaks,
        } => (breaks, d),
        Verdict::Defaulted { breaks, .. } => (breaks, &[]),
        _ => (&[], &[]),
    }
}

/// Where an upstream write that does not get through was written, in words.
fn written_phrase(written: &Written) -> String {
    match written {
        Written::ToFile { sink, at } => format!("written to {sink} by {at}"),
        Written::Exported { at } => format!("exported by {at}"),
    }
}

/// One break, in words, with the label of each place it points back to.
pub fn break_phrase(key: &str, b: &Break) -> (String, &'static str) {
    let at = &b.location;
    match &b.kind {
        BreakKind::PassthroughUnset { service } => (
            format!(
                "service `{service}` passes {key} from the host ({at}) but no stage sets it there"
            ),
            "",
        ),
        BreakKind::RequiredInterpolationUnset { service, host_key } => (
            format!(
                "service `{service}` requires host key {host_key} (`${{{host_key}:?…}}`, {at}) and no stage sets it: `docker compose up` refuses to start"
            ),
            "",
        ),
        BreakKind::EmptyInterpolation { service, host_key } => (
            format!(
                "service `{service}` takes {key} from host key {host_key} ({at}) and no stage sets {host_key}: compose passes an empty value"
            ),
            "",
        ),
        BreakKind::EnvFileMismatch {
            service,
            env_files,
            written,
        } => (
            format!(
                "{key} is {}, but service `{service}` takes env_file {} ({at}): the file the deploy writes is not the one compose reads",
                written_phrase(written),
                env_files.join(", ")
            ),
            "is written here",
        ),
        BreakKind::EnvironmentOmits {
            service,
            list_at,
            written,
        } => (
            format!(
                "{key} is {}, but service `{service}` passes only its `environment:` list ({list_at}), which omits {key}",
                written_phrase(written)
            ),
            "is written here",
        ),
        BreakKind::NotPassed { service, written } => (
            format!(
                "{key} is {}, but service `{service}` ({at}) has neither an env_file nor an environment entry that passes it",
                written_phrase(written)
            ),
            "is written here",
        ),
        BreakKind::ObjectLacksKey {
            container,
            object_kind,
            object,
            object_key,
        } => (
            format!(
                "container `{container}` takes {key} from {object_kind} {object}/{object_key} ({at}), which has no key {object_key}"
            ),
            "is defined here",
        ),
    }
}

/// Say where the chain breaks (at compose, Kubernetes...) and what default
/// compose substitutes, with the places as related locations.
pub fn with_deploy_story(kv: &KeyVerdict, mut finding: Finding) -> Finding {
    let (breaks, defaults) = story(&kv.verdict);
    let mut notes = Vec::new();
    for b in breaks {
        let key = kv.read.key.as_deref().unwrap_or("");
        let (phrase, label) = break_phrase(key, b);
        notes.push(phrase);
        finding = finding.with_related(b.location.clone(), "the chain breaks here");
        for location in &b.related {
            let what = match &b.kind {
                BreakKind::ObjectLacksKey {
                    object_kind,
                    object,
                    ..
                } => format!("{object_kind} {object}"),
                _ => key.to_string(),
            };
            finding = finding.with_related(location.clone(), format!("{what} {label}"));
        }
    }
    for d in defaults {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Consumer;

    fn phrase(via: ReadVia, default: DefaultValue) -> String {
        let mut read = EnvRead::new(
            Some("K".into()),
            Location::new("app/settings.py", 1, 0),
            via,
            Consumer::App,
        );
        read.default = Some(default);
        default_phrase(&read)
    }

    #[test]
    fn a_default_that_is_not_a_literal_is_said_to_be_an_expression() {
        let mut read = EnvRead::new(
            Some("K".into()),
            Location::new("app/settings.py", 1, 0),
            ReadVia::OsGetenv,
            Consumer::App,
        );
        read.has_default = true;
        assert_eq!(
            default_phrase(&read),
            "the default is an expression in the code"
        );
    }

    fn workflow_write(file: &str, sink: &str, remote: bool) -> crate::facts::EnvWrite {
        crate::facts::EnvWrite {
            key: "K".into(),
            location: Location::new(file, 9, 0),
            via: crate::facts::WriteVia::DotenvEcho,
            source: crate::facts::Source::Secret("K".into()),
            sink: Some(sink.into()),
            target: None,
            remote,
        }
    }

    /// A `.env` written on a deploy host is not in the repository's folder
    /// of the same name: the code beside a runner-side `.env` is fed by that
    /// one, and only it is named.
    #[test]
    fn a_remote_env_file_is_not_a_site_in_the_repositorys_folders() {
        let facts = crate::facts::Facts {
            writes: vec![
                workflow_write(".github/workflows/api.yml", "services/api/.env", false),
                workflow_write(".github/workflows/host.yml", ".env", true),
            ],
            ..Default::default()
        };
        let chain = Chain::build(facts, None);
        let sites = InjectionSites::of(&chain);
        let files: Vec<&str> = sites
            .for_file("services/api/api/settings.py")
            .iter()
            .map(|l| l.file.as_str())
            .collect();
        assert_eq!(files, [".github/workflows/api.yml"]);
    }

    /// Only an error is lowered, and only for a one-off script's read.
    #[test]
    fn a_scripts_error_is_lowered_to_a_warning_and_nothing_else_changes() {
        let read = |consumer| {
            EnvRead::new(
                Some("K".into()),
                Location::new("scripts/seed.py", 1, 0),
                ReadVia::OsEnviron,
                consumer,
            )
        };
        let finding = |severity| {
            Finding::new(
                RuleId::UnsetRequired,
                Some("K"),
                Location::new("scripts/seed.py", 1, 0),
                "m",
            )
            .with_severity(severity)
        };
        let lowered = script_at_most_warning(&read(Consumer::Script), finding(Severity::Error));
        assert_eq!(lowered.severity, Severity::Warning);
        assert!(
            lowered.message.ends_with("a warning, not an error)"),
            "{}",
            lowered.message
        );
        for severity in [Severity::Warning, Severity::Note] {
            let kept = script_at_most_warning(&read(Consumer::Script), finding(severity));
            assert_eq!((kept.severity, kept.message.as_str()), (severity, "m"));
        }
        let app = script_at_most_warning(&read(Consumer::App), finding(Severity::Error));
        assert_eq!((app.severity, app.message.as_str()), (Severity::Error, "m"));
    }

    #[test]
    fn only_empty_strings_and_getenvs_none_are_said_to_leave_no_value() {
        let loud = |p: &str| p.contains("NO usable value") || p.contains("NO value");
        assert!(loud(&phrase(
            ReadVia::OsGetenv,
            DefaultValue::Str(String::new())
        )));
        assert!(loud(&phrase(ReadVia::OsGetenv, DefaultValue::None)));
        assert!(loud(&phrase(ReadVia::OsEnvironGet, DefaultValue::None)));
        // DEBUG=False, WORKERS=0, default=None: deliberate values.
        let debug = phrase(ReadVia::DjangoEnviron, DefaultValue::Bool(false));
        assert_eq!(debug, "the default is False");
        assert!(!loud(&phrase(ReadVia::OsGetenv, DefaultValue::Int(0))));
        assert!(!loud(&phrase(ReadVia::DjangoEnviron, DefaultValue::None)));
        assert!(!loud(&phrase(
            ReadVia::OsGetenv,
            DefaultValue::Str("8000".into())
        )));
    }
}
