//! The result of an audit: the chain and the findings on it. Every renderer
//! reads this and nothing else.

use crate::chain::Chain;
use crate::finding::{Finding, Severity};

#[derive(Debug, Clone)]
pub struct Report {
    /// PATH as the user gave it.
    pub root: String,
    /// The git work tree enclosing PATH (absolute), when there is one:
    /// outputs show paths from it.
    pub repo_root: Option<String>,
    pub chain: Chain,
    /// In the contract's order.
    pub findings: Vec<Finding>,
}

/// Finding counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.findings {
            match f.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Note => s.note += 1,
            }
        }
        s
    }

    /// Whether any finding is at or above `fail_on` (`None` = never fail).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        fail_on.is_some_and(|min| self.findings.iter().any(|f| f.severity >= min))
    }
}
