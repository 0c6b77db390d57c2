//! `secret-unwritten`: the secret exists, the app reads its key, and no stage
//! writes the key: a value in the secret store is not a value the container
//! reads. Replaces `unset-*` for that key.

use super::RuleId;
use super::unset::{
    InjectionSites, chain_note, script_at_most_warning, secret_for, verdicts_for, with_deploy_story,
};
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let sites = InjectionSites::of(chain);
    for (row, kv) in verdicts_for(chain, RuleId::SecretUnwritten) {
        let read = &kv.read;
        let Some(secret) = secret_for(chain, read) else {
            continue;
        };
        let inventory = chain
            .inventory
            .as_ref()
            .map_or_else(|| "the inventory".to_string(), |i| i.files_holding(secret));
        let mut finding = Finding::new(
            RuleId::SecretUnwritten,
            Some(&row.key),
            read.location.clone(),
            format!(
                "secret {secret} exists ({inventory}) and {} reads {}{}, but no stage writes {}: the value never reaches the app",
                read.location.shown_file(),
                row.key,
                chain_note(read),
                row.key
            ),
        );
        if let Some(site) = sites.for_file(&read.location.file).first() {
            finding = finding.with_tip(sites.injection_tip(site, &row.key, secret));
        }
        out.push(script_at_most_warning(
            read,
            with_deploy_story(kv, sites.relate(read, finding)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::chain::{Chain, Inventory};
    use crate::facts::{
        Consumer, EnvRead, EnvWrite, Facts, OpaqueKind, OpaqueStage, ReadGuard, ReadVia, Source,
        WorkflowJob, WriteVia,
    };
    use crate::finding::Severity;
    use crate::location::Location;
    use crate::rules::{self, RuleId};

    const WF: &str = ".github/workflows/deploy.yml";

    /// `if "LOCAL_TOKEN" not in os.environ: API_TOKEN = os.environ["API_TOKEN"]`
    /// with LOCAL_TOKEN written by the delivering job, API_TOKEN in the store
    /// and written by no stage: the branch visibly does not run.
    fn guarded_secret_read(unseen: bool) -> Facts {
        let mut read = EnvRead::new(
            Some("API_TOKEN".into()),
            Location::new("app/settings.py", 4, 4),
            ReadVia::OsEnviron,
            Consumer::App,
        );
        read.required = true;
        read.guard = Some(ReadGuard {
            location: Location::new("app/settings.py", 3, 0),
            set: Vec::new(),
            unset: vec!["LOCAL_TOKEN".into()],
            other: false,
        });
        let mut facts = Facts {
            reads: vec![read],
            writes: vec![EnvWrite {
                key: "LOCAL_TOKEN".into(),
                location: Location::new(WF, 9, 6),
                via: WriteVia::WorkflowEnv,
                source: Source::Literal,
                sink: None,
                target: None,
                remote: false,
            }],
            jobs: vec![WorkflowJob {
                target: format!("{WF}#deploy"),
                location: Location::new(WF, 5, 2),
                delivers: true,
                tests: false,
                ships_checkout: false,
                compose_on_runner: None,
            }],
            ..Facts::default()
        };
        if unseen {
            facts.opaque_stages.push(OpaqueStage {
                kind: OpaqueKind::RemoteWorkflow {
                    uses: "org/deploy/.github/workflows/deploy.yml@v1".into(),
                },
                location: Location::new(WF, 12, 6),
                scope: String::new(),
            });
        }
        facts
    }

    fn store(names: &[&str]) -> Option<Inventory> {
        Some(Inventory::repository(
            names.iter().map(|n| n.to_string()).collect(),
            "secrets.json",
        ))
    }

    fn rules_on(facts: Facts, inventory: Option<Inventory>, key: &str) -> Vec<(RuleId, Severity)> {
        let chain = Chain::build(facts, inventory);
        rules::run(&chain)
            .into_iter()
            .filter(|f| f.key.as_deref() == Some(key))
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    #[test]
    fn a_stored_secret_no_visible_stage_writes_is_an_error_even_in_a_branch_that_does_not_run() {
        assert_eq!(
            rules_on(
                guarded_secret_read(false),
                store(&["API_TOKEN"]),
                "API_TOKEN"
            ),
            [(RuleId::SecretUnwritten, Severity::Error)]
        );
    }

    #[test]
    fn a_branch_that_does_not_run_with_an_unseen_stage_upstream_is_no_error() {
        // An unseen stage may write API_TOKEN, so "no stage writes it" is
        // not certain (the `verdict` fuzz target's invariant), and the
        // branch that reads it does not run anyway.
        assert_eq!(
            rules_on(
                guarded_secret_read(true),
                store(&["API_TOKEN"]),
                "API_TOKEN"
            ),
            []
        );
    }
}
