//! `envtrail trace KEY`: one key followed through every stage, each with
//! file:line and how it is set or read, the fallback chains it belongs to,
//! where the chain breaks, and near-miss names that may be the same key
//! spelled differently.

use std::io::{self, Write};

use serde::Serialize;

use crate::chain::{Chain, Verdict};
use crate::facts::{Consumer, Stage};
use crate::location::Location;
use crate::platform;
use crate::report::Report;
use crate::rules::near_miss::shape;

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub stage: Stage,
    pub file: String,
    /// 0 (with an empty file) for the live container.
    pub line: u32,
    /// How the key is set or read here: `dotenv-echo from secrets.X into .env`.
    pub how: String,
}

impl Step {
    fn new(stage: Stage, at: &Location, how: String) -> Step {
        Step {
            stage,
            file: at.shown_file().into_owned(),
            line: at.line(),
            how,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FallbackChain {
    pub keys: Vec<String>,
    pub file: String,
    pub line: u32,
    /// The first key of the chain some stage sets, if any.
    pub satisfied_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearMiss {
    pub key: String,
    pub why: &'static str,
    pub written: bool,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceFinding {
    pub rule: &'static str,
    pub severity: &'static str,
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub schema: &'static str,
    pub key: String,
    /// The secret store holds KEY: `None` without an inventory.
    pub in_inventory: Option<bool>,
    /// The stores that hold KEY (`repository`, `organization`,
    /// `environment:NAME`): `None` without an inventory.
    pub stores: Option<Vec<String>>,
    pub steps: Vec<Step>,
    pub chains: Vec<FallbackChain>,
    /// The chain's verdict on KEY: `set`, `platform`, `defaulted`, `unset`,
    /// `unknown`, or `not-read` when the app does not read it.
    pub reach: &'static str,
    /// Where the value stops travelling, in words; `None` when it arrives.
    pub breaks: Option<String>,
    pub near_misses: Vec<NearMiss>,
    pub findings: Vec<TraceFinding>,
}

pub fn build(report: &Report, key: &str) -> Trace {
    let chain = &report.chain;
    let row = chain.row(key);
    let mut steps = Vec::new();

    if let Some(secret) = chain.secrets.get(key) {
        for at in &secret.referenced {
            steps.push(Step::new(
                Stage::Secret,
                at,
                format!("`secrets.{key}` is used here"),
            ));
        }
    }
    if let Some(row) = row {
        for w in &row.written {
            let mut how = format!("{} from {}", w.via.as_str(), w.source.label());
            if let Some(sink) = &w.sink {
                how.push_str(&format!(" into {sink}"));
            }
            if w.remote {
                how.push_str(" on the deploy host");
            }
            if chain.is_test_write(w) {
                how.push_str(
                    " (a test environment's: it meets that job's reads, not the deploy's)",
                );
            } else if let Some(target) = &w.target {
                how.push_str(&format!(" (target {target})"));
            }
            steps.push(Step::new(w.via.stage(), &w.location, how));
        }
        for r in &row.read {
            let mut how = match r.consumer {
                Consumer::App => format!("read by the app ({})", via_name(r.via)),
                Consumer::Entrypoint => format!("read by the entrypoint ({})", via_name(r.via)),
                Consumer::Deploy => format!("used by deploy tooling ({})", via_name(r.via)),
                Consumer::Library => format!("consumed by a library ({})", via_name(r.via)),
                Consumer::Test => {
                    format!("read by a test, not the deployed app ({})", via_name(r.via))
                }
                Consumer::CiHelper => format!(
                    "read by a CI helper script, with the workflow step's env ({})",
                    via_name(r.via)
                ),
                Consumer::Script => format!(
                    "read by a one-off script the app does not import ({})",
                    via_name(r.via)
                ),
                Consumer::Vendored => format!(
                    "read by a build copy or vendored code, not audited ({})",
                    via_name(r.via)
                ),
            };
            if r.required {
                how.push_str(", required");
            } else if let Some(d) = &r.default {
                how.push_str(&format!(", default {}", d.as_python()));
            } else if r.has_default {
                how.push_str(", default is an expression");
            }
            if let Some(head) = &r.fallback_of {
                how.push_str(&format!(", as the fallback of {head}"));
            }
            steps.push(Step::new(Stage::Settings, &r.location, how));
        }
        if let Some(live) = row.live {
            let state = match (live.present, live.empty) {
                (true, false) => "present in the container",
                (true, true) => "present in the container, EMPTY",
                _ => "MISSING from the container",
            };
            steps.push(Step {
                stage: Stage::Live,
                file: String::new(),
                line: 0,
                how: state.to_string(),
            });
        }
    }
    steps.sort_by(|a, b| (a.stage, &a.file, a.line).cmp(&(b.stage, &b.file, b.line)));

    let chains = fallback_chains(chain, key);
    let breaks = breaks(chain, key);
    let reach = row
        .and_then(|r| verdict_of(chain, r))
        .map_or("not-read", |kv| kv.verdict.as_str());
    let mut near_misses: Vec<NearMiss> = chain
        .rows
        .values()
        .filter_map(|r| {
            shape(key, &r.key).map(|why| NearMiss {
                key: r.key.clone(),
                why,
                written: !r.written.is_empty(),
                read: !r.read.is_empty(),
            })
        })
        .collect();
    if let Some(inv) = &chain.inventory {
        for name in &inv.names {
            if !chain.rows.contains_key(name)
                && let Some(why) = shape(key, name)
            {
                near_misses.push(NearMiss {
                    key: name.clone(),
                    why,
                    written: false,
                    read: false,
                });
            }
        }
    }
    let findings = report
        .findings
        .iter()
        .filter(|f| f.key.as_deref() == Some(key))
        .map(|f| TraceFinding {
            rule: f.rule.as_str(),
            severity: f.severity.as_str(),
            file: f.location.shown_file().into_owned(),
            line: f.location.line(),
            message: f.message.clone(),
        })
        .collect();
    Trace {
        schema: "envtrail-trace/v1",
        key: key.to_string(),
        in_inventory: chain.inventory.as_ref().map(|_| chain.in_inventory(key)),
        stores: chain.inventory.as_ref().map(|inv| {
            inv.stores_holding(key)
                .map(|s| s.kind.label())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        }),
        steps,
        chains,
        reach,
        breaks,
        near_misses,
        findings,
    }
}

fn via_name(via: crate::facts::ReadVia) -> String {
    serde_json::to_value(via)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The chains KEY heads, and those it is an alias in.
fn fallback_chains(chain: &Chain, key: &str) -> Vec<FallbackChain> {
    let mut out: Vec<FallbackChain> = Vec::new();
    for r in chain.rows.values().flat_map(|r| r.read.iter()) {
        if r.chain.len() > 1 && r.fallback_of.is_none() && r.chain.iter().any(|k| k == key) {
            out.push(FallbackChain {
                keys: r.chain.clone(),
                file: r.location.shown_file().into_owned(),
                line: r.location.line(),
                satisfied_by: crate::chain::verdict::satisfied_at(chain, r).map(|(k, _)| k),
            });
        }
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.dedup_by(|a, b| a.keys == b.keys && a.file == b.file && a.line == b.line);
    out
}

/// The verdict KEY's value travels under: its own, or, for a key read only
/// as another's fallback, the verdict on the head of that chain.
fn verdict_of<'a>(
    chain: &'a Chain,
    row: &'a crate::chain::KeyRow,
) -> Option<&'a crate::chain::KeyVerdict> {
    row.verdict.as_ref().or_else(|| {
        row.app_reads()
            .find_map(|r| r.fallback_of.as_deref())
            .and_then(|head| chain.row(head))
            .and_then(|r| r.verdict.as_ref())
    })
}

/// Where the value stops, walking secret → workflow/deploy → settings: the
/// chain's verdict on KEY, in words.
fn breaks(chain: &Chain, key: &str) -> Option<String> {
    let Some(row) = chain.row(key) else {
        return Some(format!("no stage sets or reads {key}"));
    };
    let Some(kv) = verdict_of(chain, row) else {
        if row.read.is_empty() && platform::library_consumer(key).is_none() {
            return Some(format!(
                "{key} is written but no code reads it: it ends at the last stage that writes it"
            ));
        }
        return None;
    };
    let read = kv.read.location.to_string();
    let missing = chain.required_missing_in(row);
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|t| t.name.as_str()).collect();
        return Some(format!(
            "in deploy target {}: no stage writes {key} there, so {read} fails there (it reaches the app in other targets)",
            names.join(", ")
        ));
    }
    let services = chain.required_missing_in_services(row);
    if !services.is_empty() {
        let names: Vec<&str> = services.iter().map(|(_, s)| s.name.as_str()).collect();
        return Some(format!(
            "at compose service {}: it runs {read} without {key} (other services of the app get it)",
            names.join(", ")
        ));
    }
    // Worded from the rule check reports the verdict with: the same judgement.
    let secret = (crate::rules::unset::rule_for(chain, kv)
        == Some(crate::rules::RuleId::SecretUnwritten))
    .then(|| crate::rules::unset::secret_for(chain, &kv.read))
    .flatten();
    match &kv.verdict {
        Verdict::Set { .. } | Verdict::Platform { .. } => None,
        Verdict::Unknown { because, at } => {
            let (stage, _) = crate::rules::describe_opaque(because);
            Some(format!(
                "somewhere envtrail cannot see: no visible stage writes {key}, but {stage} ({at}) may, so whether {read} gets it is unknown"
            ))
        }
        Verdict::Defaulted {
            default: crate::chain::verdict::Defaulting::Branch { at },
            ..
        } if secret.is_none() => Some(format!(
            "no stage writes {key}, and {read} reads it only under the condition at {at}, which does not run without it: the app goes without it, as its code intends"
        )),
        Verdict::Unset { .. } | Verdict::Defaulted { .. } => Some(if let Some(secret) = secret {
            format!(
                "between the secret store and the deploy: secret {secret} exists, but no workflow or compose stage writes {key}, so {read} never gets it"
            )
        } else if chain.inventory.is_some() {
            format!(
                "at the start: the secret store has no {key} and no stage writes it, so {read} never gets it"
            )
        } else {
            format!(
                "no stage writes {key}, so {read} never gets it (give --secrets to know whether a secret holds it)"
            )
        }),
    }
}

pub fn render_text(trace: &Trace, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", trace.key)?;
    match trace.in_inventory {
        Some(true) => {
            let stores = trace.stores.as_deref().unwrap_or_default();
            match stores {
                [only] if only == "repository" => {
                    writeln!(out, "  secret store: holds {}", trace.key)?
                }
                _ => writeln!(
                    out,
                    "  secret store: holds {} ({})",
                    trace.key,
                    stores.join(", ")
                )?,
            }
        }
        Some(false) => writeln!(out, "  secret store: no {}", trace.key)?,
        None => writeln!(out, "  secret store: unknown (no --secrets inventory)")?,
    }
    if trace.steps.is_empty() {
        writeln!(out, "  no stage mentions {}", trace.key)?;
    }
    for step in &trace.steps {
        let stage = serde_json::to_value(step.stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if step.file.is_empty() {
            writeln!(out, "  {stage:<9} {}", step.how)?;
        } else {
            writeln!(
                out,
                "  {stage:<9} {}:{}  {}",
                step.file, step.line, step.how
            )?;
        }
    }
    for c in &trace.chains {
        let state = match &c.satisfied_by {
            Some(k) => format!("satisfied by {k}"),
            None => "none of them is set".to_string(),
        };
        writeln!(
            out,
            "  fallback chain at {}:{}: {} ({state})",
            c.file,
            c.line,
            c.keys.join(" → ")
        )?;
    }
    match (&trace.breaks, trace.reach) {
        (Some(b), "unknown") => writeln!(out, "  ? the value may stop {b}")?,
        (Some(b), _) => writeln!(out, "  ✗ the chain breaks {b}")?,
        (None, _) => writeln!(out, "  ✓ the value reaches the app")?,
    }
    for f in &trace.findings {
        writeln!(
            out,
            "  {}[{}] {}:{}: {}",
            f.severity, f.rule, f.file, f.line, f.message
        )?;
    }
    for n in &trace.near_misses {
        let role = match (n.written, n.read) {
            (true, true) => "written and read",
            (true, false) => "written, never read",
            (false, true) => "read, never written",
            (false, false) => "in the secret store only",
        };
        writeln!(out, "  did you mean {}? ({}; {role})", n.key, n.why)?;
    }
    Ok(())
}

pub fn render_json(trace: &Trace, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, trace)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    fn text(report: &Report, key: &str) -> String {
        let mut out = Vec::new();
        render_text(&build(report, key), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn trace_of_a_missing_injection() {
        insta::assert_snapshot!(text(&testdata::stagelog(), "S3_UPLOAD_BUCKET"));
    }

    #[test]
    fn trace_of_an_alias() {
        insta::assert_snapshot!(text(&testdata::stagelog(), "S3_BUCKET"));
    }

    #[test]
    fn trace_of_a_key_that_arrives() {
        insta::assert_snapshot!(text(&testdata::stagelog(), "SECRET_KEY"));
    }

    #[test]
    fn trace_of_a_typo_suggests_the_near_miss() {
        let t = build(&testdata::stagelog(), "S3_UPLOAD_BUCKETS");
        assert!(t.steps.is_empty());
        assert_eq!(
            t.breaks.as_deref(),
            Some("no stage sets or reads S3_UPLOAD_BUCKETS")
        );
        assert!(
            t.near_misses.iter().any(|n| n.key == "S3_UPLOAD_BUCKET"),
            "{:?}",
            t.near_misses
        );
    }

    #[test]
    fn a_secret_stored_under_an_alias_is_where_trace_says_the_chain_breaks() {
        // `env("SECRET_KEY")` with the fallback DJANGO_SECRET_KEY, which the
        // store holds and no stage writes: check reports secret-unwritten,
        // and trace words the same break.
        let mut read = crate::facts::EnvRead::new(
            Some("SECRET_KEY".into()),
            Location::new("app/settings.py", 2, 0),
            crate::facts::ReadVia::DjangoEnviron,
            Consumer::App,
        );
        read.required = true;
        read.chain.push("DJANGO_SECRET_KEY".into());
        let facts = crate::facts::Facts {
            reads: vec![read],
            jobs: vec![crate::facts::WorkflowJob {
                target: ".github/workflows/deploy.yml#deploy".into(),
                location: Location::new(".github/workflows/deploy.yml", 5, 2),
                delivers: true,
                tests: false,
                ships_checkout: false,
                compose_on_runner: None,
            }],
            ..crate::facts::Facts::default()
        };
        let inventory = crate::chain::Inventory::repository(
            ["DJANGO_SECRET_KEY".to_string()].into_iter().collect(),
            "secrets.json",
        );
        let chain = Chain::build(facts, Some(inventory));
        let findings = crate::rules::run(&chain);
        let report = Report {
            root: ".".into(),
            repo_root: None,
            chain,
            findings,
        };
        let t = build(&report, "SECRET_KEY");
        let rules: Vec<&str> = t.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["secret-unwritten"]);
        assert_eq!(
            t.breaks.as_deref(),
            Some(
                "between the secret store and the deploy: secret DJANGO_SECRET_KEY exists, but no workflow or compose stage writes SECRET_KEY, so app/settings.py:3 never gets it"
            )
        );
    }

    #[test]
    fn the_chain_breaks_between_store_and_deploy() {
        let t = build(&testdata::stagelog(), "S3_UPLOAD_PREFIX");
        assert!(
            t.breaks
                .as_deref()
                .unwrap()
                .starts_with("between the secret store and the deploy")
        );
        assert_eq!(t.findings.len(), 1);
        assert_eq!(t.findings[0].rule, "secret-unwritten");
    }
}
