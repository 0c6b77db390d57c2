//! Workflows (`.github/workflows/*.y*ml`, `.gitea/workflows/*.y*ml`): secret
//! uses, and the env keys the deploy writes for the app.

pub mod expr;

use super::{Collector, Context, InputFile};
use crate::facts::Facts;

pub struct WorkflowCollector;

/// Only files directly in the workflows folder run; `workflows/archive/` does not.
pub fn is_workflow_path(rel: &str) -> bool {
    let Some((dir, name)) = rel.rsplit_once('/') else {
        return false;
    };
    matches!(dir, ".github/workflows" | ".gitea/workflows")
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

impl Collector for WorkflowCollector {
    fn name(&self) -> &'static str {
        "workflow"
    }

    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_workflow_path(rel)
    }

    fn collect(&self, _files: &[InputFile], _ctx: &Context) -> Facts {
        Facts::default()
    }
}
