//! The rules: one module per rule id (`unset-required` lives in
//! `unset_required.rs`), all listed in [`RULES`]. Each rule reads the chain
//! and pushes findings; none of them looks at files.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::chain::Chain;
use crate::finding::{Confidence, Finding, Severity};

mod container_down;
mod documented_unread;
mod env_drift;
mod image_drift;
mod input_unparsed;
mod live_empty;
mod live_env;
mod live_missing;
pub mod near_miss;
mod reach_unknown;
pub use reach_unknown::describe as describe_opaque;
mod restart_policy_missing;
mod secret_undefined;
mod secret_unwritten;
mod undocumented;
pub mod unset;
mod unset_defaulted;
mod unset_required;
mod written_unread;

/// Every rule envtrail knows, written once: the kebab-case name is the
/// rule's id in every output format and never changes (see the contract);
/// the list, the names and the parser are derived from this enum.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ValueEnum,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RuleId {
    UnsetRequired,
    UnsetDefaulted,
    SecretUndefined,
    SecretUnwritten,
    WrittenUnread,
    NearMiss,
    EnvDrift,
    LiveMissing,
    LiveEmpty,
    ImageDrift,
    ContainerDown,
    RestartPolicyMissing,
    InputUnparsed,
    Undocumented,
    DocumentedUnread,
    UnusedIgnore,
    ReachUnknown,
}

impl RuleId {
    /// The rule whose id is `id`.
    pub fn from_id(id: &str) -> Option<RuleId> {
        id.parse().ok()
    }

    /// Every rule, in declaration order (the SARIF rule index).
    pub fn all() -> impl Iterator<Item = RuleId> {
        <RuleId as strum::IntoEnumIterator>::iter()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The rule's check over the chain; `unused-ignore` is reported by the
    /// suppression pass, after every check has run.
    fn check(self) -> Option<Check> {
        Some(match self {
            RuleId::UnsetRequired => unset_required::check,
            RuleId::UnsetDefaulted => unset_defaulted::check,
            RuleId::SecretUndefined => secret_undefined::check,
            RuleId::SecretUnwritten => secret_unwritten::check,
            RuleId::WrittenUnread => written_unread::check,
            RuleId::NearMiss => near_miss::check,
            RuleId::EnvDrift => env_drift::check,
            RuleId::LiveMissing => live_missing::check,
            RuleId::LiveEmpty => live_empty::check,
            RuleId::ImageDrift => image_drift::check,
            RuleId::ContainerDown => container_down::check,
            RuleId::RestartPolicyMissing => restart_policy_missing::check,
            RuleId::InputUnparsed => input_unparsed::check,
            RuleId::Undocumented => undocumented::check,
            RuleId::DocumentedUnread => documented_unread::check,
            RuleId::ReachUnknown => reach_unknown::check,
            RuleId::UnusedIgnore => return None,
        })
    }

    pub fn default_severity(self) -> Severity {
        match self {
            RuleId::UnsetRequired
            | RuleId::SecretUndefined
            | RuleId::SecretUnwritten
            | RuleId::LiveMissing
            | RuleId::ImageDrift
            | RuleId::ContainerDown => Severity::Error,
            RuleId::UnsetDefaulted
            | RuleId::NearMiss
            | RuleId::EnvDrift
            | RuleId::LiveEmpty
            | RuleId::RestartPolicyMissing
            | RuleId::InputUnparsed => Severity::Warning,
            RuleId::WrittenUnread
            | RuleId::Undocumented
            | RuleId::DocumentedUnread
            | RuleId::UnusedIgnore
            | RuleId::ReachUnknown => Severity::Note,
        }
    }

    /// How sure a finding of this rule is, by default: errors are certain;
    /// heuristics and what envtrail cannot see are not.
    pub fn default_confidence(self) -> Confidence {
        match self.default_severity() {
            Severity::Error => Confidence::High,
            _ => match self {
                RuleId::NearMiss | RuleId::EnvDrift | RuleId::RestartPolicyMissing => {
                    Confidence::Medium
                }
                RuleId::ReachUnknown => Confidence::Low,
                _ => Confidence::High,
            },
        }
    }

    /// One line: what the rule finds.
    pub fn summary(self) -> &'static str {
        match self {
            RuleId::UnsetRequired => "The app requires a key that no stage of the chain sets",
            RuleId::UnsetDefaulted => {
                "The app reads a key with a default and no stage sets it: deployments silently run on the default"
            }
            RuleId::SecretUndefined => "A workflow uses a secret the secret store does not hold",
            RuleId::SecretUnwritten => {
                "A secret exists and the app reads its key, but no stage writes it: the value never reaches the app"
            }
            RuleId::WrittenUnread => {
                "A stage writes a key into the app's environment that no code reads"
            }
            RuleId::NearMiss => {
                "A key written and never read is near-identical to a key read and never set"
            }
            RuleId::EnvDrift => "A key is set for one deploy target and missing from another",
            RuleId::LiveMissing => "The app requires a key the running container does not have",
            RuleId::LiveEmpty => {
                "The running container has a key the app reads, with an empty value"
            }
            RuleId::ImageDrift => "The settings inside the container differ from the repository's",
            RuleId::ContainerDown => "The audited container is not running, or is unhealthy",
            RuleId::RestartPolicyMissing => "A long-running compose service has no restart policy",
            RuleId::InputUnparsed => "An input file could not be read or parsed",
            RuleId::Undocumented => {
                "The app requires a key the documented example env file does not list"
            }
            RuleId::DocumentedUnread => "The documented example env file lists a key no code reads",
            RuleId::UnusedIgnore => "An envtrail ignore comment or config entry matches no finding",
            RuleId::ReachUnknown => {
                "The app reads a key that no visible stage sets, and a stage envtrail cannot see may set it"
            }
        }
    }

    /// Anchor of the rule's documentation in the README.
    pub fn docs_anchor(self) -> String {
        format!("#{}", self.as_str())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A static rule: reads the chain, pushes findings.
pub type Check = fn(&Chain, &mut Vec<Finding>);

/// Run every rule over the chain; findings come back in the contract's
/// order (sorted, so the order the checks run in does not show).
pub fn run(chain: &Chain) -> Vec<Finding> {
    let mut findings = Vec::new();
    for check in RuleId::all().filter_map(RuleId::check) {
        check(chain, &mut findings);
    }
    certain_errors_only(&mut findings);
    sort(&mut findings);
    findings
}

/// Errors are certain: a finding that is not of high confidence is never
/// an error, whatever the rule asked for.
pub fn certain_errors_only(findings: &mut [Finding]) {
    for f in findings {
        if f.severity == Severity::Error && f.confidence != Confidence::High {
            f.severity = Severity::Warning;
        }
    }
}

pub fn sort(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
}

/// At most this many names (of targets, services) in a finding's message:
/// the rest are counted, so a message stays short however many there are.
const MAX_NAMED: usize = 3;

/// `a, b, c and 12 more`: the first `MAX_NAMED` of `count` names, the rest
/// counted.
pub(crate) fn names_capped<'a>(names: impl Iterator<Item = &'a str>, count: usize) -> String {
    let shown = names.take(MAX_NAMED).collect::<Vec<_>>().join(", ");
    if count > MAX_NAMED {
        format!("{shown} and {} more", count - MAX_NAMED)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;

    #[test]
    fn an_error_that_is_not_certain_is_lowered_to_a_warning() {
        let at = Location::new("settings.py", 3, 1);
        let error = |confidence| {
            Finding::new(RuleId::UnsetRequired, Some("K"), at.clone(), "m")
                .with_confidence(confidence)
        };
        let mut findings = vec![
            error(Confidence::High),
            error(Confidence::Medium),
            error(Confidence::Low),
            Finding::new(RuleId::NearMiss, Some("K"), at.clone(), "m")
                .with_confidence(Confidence::Low),
        ];
        certain_errors_only(&mut findings);
        let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(
            severities,
            [
                Severity::Error,
                Severity::Warning,
                Severity::Warning,
                Severity::Warning
            ]
        );
    }

    #[test]
    fn a_rules_docs_anchor_is_its_id() {
        assert_eq!(RuleId::UnsetRequired.docs_anchor(), "#unset-required");
        assert_eq!(RuleId::NearMiss.docs_anchor(), "#near-miss");
    }

    #[test]
    fn names_up_to_the_cap_are_all_listed() {
        assert_eq!(
            super::names_capped(["a", "b", "c"].into_iter(), 3),
            "a, b, c"
        );
    }

    #[test]
    fn names_past_the_cap_are_counted() {
        let names = ["a", "b", "c", "d", "e"];
        assert_eq!(
            super::names_capped(names.into_iter(), 5),
            "a, b, c and 2 more"
        );
    }

    use super::RuleId;

    #[test]
    fn every_rule_id_round_trips_through_its_name() {
        for rule in RuleId::all() {
            assert_eq!(RuleId::from_id(rule.as_str()), Some(rule));
            assert_eq!(
                serde_json::to_value(rule).ok(),
                Some(serde_json::Value::from(rule.as_str()))
            );
        }
        assert_eq!(RuleId::all().count(), 17);
        assert_eq!(RuleId::from_id("unset_required"), None);
    }
}
