//! Workflows (`.github/workflows/*.y*ml`, `.gitea/workflows/*.y*ml`): secret
//! uses, and the env keys the deploy writes for the app.
//!
//! Each file is parsed into a located YAML tree (`crate::yaml`), so every
//! fact names its line; `run:` scripts go through the shell analyser
//! (`collect::shell`) with their `${{ … }}` expressions replaced by
//! placeholders whose sources are known.

mod delivery;
pub mod expr;
mod jobs;
mod opaque;
mod scripts;
mod secrets;

pub use scripts::RepoScripts;

use super::{Collector, Context, InputFile};
use crate::facts::{Consumer, EnvRead, Facts, ReadVia, Unparsed, WriteVia};
use crate::location::Location;

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
    /// Workflows, and the shell scripts their steps may run.
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_workflow_path(rel) || rel.ends_with(".sh")
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        let (workflows, shell_scripts): (Vec<InputFile>, Vec<InputFile>) = files
            .iter()
            .cloned()
            .partition(|f| is_workflow_path(&f.rel));
        let scripts = RepoScripts::new(&shell_scripts);
        super::collect_each(&workflows, ctx.threads, |file, text| {
            collect_file_with(&file.rel, text, &scripts)
        })
    }
}

/// The facts of one workflow file. `rel` names it in locations.
pub fn collect_file(rel: &str, text: &str) -> Facts {
    collect_file_with(rel, text, &RepoScripts::default())
}

/// The facts of one workflow file whose steps may run the repository's
/// `scripts`.
pub fn collect_file_with(rel: &str, text: &str, scripts: &RepoScripts) -> Facts {
    let doc = match crate::yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            return Facts::unparsed(
                Location::new(rel, e.row, 0),
                format!("not valid YAML: {}", e.message),
            );
        }
    };
    let mut facts = Facts::default();
    facts.unparsed.extend(super::yaml_warnings(rel, &doc));
    if doc.root.as_map().is_none() {
        // No document at all (an empty file, a workflow commented out to
        // disable it): nothing runs, so nothing is left unread.
        if text.trim().is_empty() || matches!(doc.root, crate::yaml::Node::Truncated { .. }) {
            return facts;
        }
        facts.unparsed.push(Unparsed {
            location: Location::new(rel, doc.root.row(), 0),
            message: "not a workflow: the top level is not a mapping".into(),
        });
        return facts;
    }
    secrets::collect(rel, &doc.root, &mut facts);
    jobs::collect(rel, &doc.root, scripts, &mut facts);
    env_expression_reads(rel, &doc.root, &mut facts);
    facts
}

/// `${{ env.X }}` where X is a key of one of the file's `env:` maps: the
/// deploy consumes X (a registry password handed to an action...), so it is
/// not written-unread.
fn env_expression_reads(rel: &str, root: &crate::yaml::Node, facts: &mut Facts) {
    let env_keys: std::collections::HashSet<String> = facts
        .writes
        .iter()
        .filter(|w| matches!(w.via, WriteVia::WorkflowEnv | WriteVia::ActionEnv))
        .map(|w| w.key.clone())
        .collect();
    if env_keys.is_empty() {
        return;
    }
    let mut scalars = Vec::new();
    root.scalars(&mut scalars);
    for scalar in scalars {
        for e in expr::expressions(&scalar.value) {
            for (context, name) in expr::context_refs(e.inner) {
                if context == "env" && env_keys.contains(&name) {
                    facts.reads.push(EnvRead::new(
                        Some(name),
                        secrets::position(rel, scalar, e.start),
                        ReadVia::WorkflowScript,
                        Consumer::Deploy,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
