//! The one finding model every renderer reads.

use clap::ValueEnum;
use serde::Serialize;

use crate::location::Location;
use crate::rules::RuleId;

/// Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How sure envtrail is that a finding is real. An `error` is always `high`
/// (errors are certain); heuristics (near-miss, drift between targets) are
/// `medium`; a finding about what envtrail cannot see is `low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// SARIF `rank` (0–100): how likely the result is a real problem.
    pub fn sarif_rank(self) -> f64 {
        match self {
            Confidence::Low => 20.0,
            Confidence::Medium => 60.0,
            Confidence::High => 95.0,
        }
    }
}

/// A second place that explains a finding: the workflow that should write
/// the key the settings read, the alias that would satisfy it...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub confidence: Confidence,
    /// `None` for findings that concern no single key.
    pub key: Option<String>,
    pub message: String,
    /// Required: a finding that cannot be pointed at cannot become a PR annotation.
    pub location: Location,
    pub related: Vec<Related>,
    pub tip: Option<String>,
}

impl Finding {
    /// A finding at the rule's default severity.
    pub fn new(
        rule: RuleId,
        key: Option<&str>,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: rule.default_severity(),
            confidence: rule.default_confidence(),
            key: key.map(str::to_owned),
            message: message.into(),
            location,
            related: Vec::new(),
            tip: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn with_related(mut self, location: Location, label: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            label: label.into(),
        });
        self
    }

    pub fn with_tip(mut self, tip: impl Into<String>) -> Self {
        self.tip = Some(tip.into());
        self
    }

    /// The contract's order: severity (highest first), then key, file, line.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            self.key.as_deref().unwrap_or(""),
            self.location.file.as_str(),
            self.location.row,
            self.location.column,
            self.rule,
            self.message.as_str(),
        )
    }
}
