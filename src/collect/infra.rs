//! Infrastructure and platform files envtrail does not parse yet (Terraform
//! JSON, Cloud Foundry / App Engine / Fly / Render / Heroku manifests, Helm
//! charts, serverless frameworks): each is an opaque stage that may set any
//! key, so a key no visible stage sets is *unknown* rather than missing.
//! Only names and a few marker words are looked at; values are never kept.
//! Terraform `.tf` files, ECS task definitions and Bicep templates have
//! collectors of their own (`terraform`, `ecs`, `bicep`), which fall back on
//! [`opaque_stage`] for what they cannot read.

use std::collections::BTreeSet;

use super::{Collector, Context, InputFile};
use crate::facts::{Facts, InfraKind, OpaqueKind, OpaqueStage};
use crate::location::Location;

pub struct InfraCollector;

/// What a file's name alone may make it, and the marker its text must hold
/// to be that (`None`: the name is enough).
pub fn candidate(rel: &str) -> Option<(InfraKind, Option<&'static [&'static str]>)> {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    let kind = match name.as_str() {
        n if n.ends_with(".tf") || n.ends_with(".tf.json") => (InfraKind::Terraform, None),
        "fly.toml" => (InfraKind::Fly, None),
        "render.yaml" | "render.yml" => (InfraKind::Render, None),
        "chart.yaml" => (InfraKind::Helm, None),
        "zappa_settings.json" | "zappa_settings.yaml" => (InfraKind::Zappa, None),
        "serverless.yml" | "serverless.yaml" => (InfraKind::Serverless, None),
        "pulumi.yaml" => (InfraKind::Pulumi, None),
        "procfile" | "heroku.yml" => (InfraKind::Heroku, None),
        "app.json" => (InfraKind::Heroku, Some(&["\"env\"", "\"buildpacks\""][..])),
        "app.yaml" | "app.yml" => (InfraKind::AppEngine, Some(&["runtime:"][..])),
        n if n.ends_with(".bicep") => (InfraKind::Bicep, None),
        n if n.starts_with("manifest") && (n.ends_with(".yml") || n.ends_with(".yaml")) => {
            (InfraKind::CloudFoundry, Some(&["applications:"][..]))
        }
        n if n.ends_with(".json") && ["task", "ecs", "container"].iter().any(|w| n.contains(w)) => {
            (
                InfraKind::EcsTaskDefinition,
                Some(&["\"containerDefinitions\""][..]),
            )
        }
        n if (n.ends_with(".yml") || n.ends_with(".yaml") || n.ends_with(".template"))
            && ["template", "cloudformation", "cfn", "stack", "sam"]
                .iter()
                .any(|w| n.contains(w)) =>
        {
            (
                InfraKind::CloudFormation,
                Some(&["AWSTemplateFormatVersion", "AWS::Serverless"][..]),
            )
        }
        n if n.ends_with(".config") && rel.contains(".ebextensions/") => {
            (InfraKind::ElasticBeanstalk, None)
        }
        _ => return None,
    };
    Some(kind)
}

/// A file name the ECS task-definition collector reads (its text must still
/// hold `"containerDefinitions"`).
pub fn is_ecs_task_definition_name(rel: &str) -> bool {
    candidate(rel).is_some_and(|(kind, _)| kind == InfraKind::EcsTaskDefinition)
}

/// `.tf` files are the Terraform collector's; `.tf.json` stays opaque here.
pub fn is_terraform_file(rel: &str) -> bool {
    rel.to_ascii_lowercase().ends_with(".tf")
}

/// The opaque stage of an infrastructure file envtrail cannot read: it may
/// set any key anywhere in the repository.
pub fn opaque_stage(kind: InfraKind, location: Location) -> OpaqueStage {
    OpaqueStage {
        kind: OpaqueKind::Infrastructure { kind },
        location,
        scope: String::new(),
    }
}

impl Collector for InfraCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        // Workflows are the workflow collector's; a GitHub folder holds no infrastructure.
        // Task definitions, `.tf` files, Helm charts and the manifests envtrail
        // reads key by key have their own collectors.
        !rel.starts_with(".github/")
            && !rel.starts_with(".gitea/")
            && candidate(rel).is_some_and(|(kind, _)| {
                !super::manifest::parses(kind, rel) && kind != InfraKind::Helm
            })
            && !is_ecs_task_definition_name(rel)
            && !is_terraform_file(rel)
            && !super::bicep::is_bicep_file(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        let mut facts = Facts::default();
        let mut seen: BTreeSet<(OpaqueKind, Option<String>)> = BTreeSet::new();
        let stages = super::par_map(files, ctx.threads, stage_of);
        for (file, stage) in files.iter().zip(stages) {
            let stage = match stage {
                Ok(Some(stage)) => stage,
                Ok(None) => continue,
                Err(super::Panicked) => {
                    facts.unparsed.push(super::internal_error(&file.rel));
                    continue;
                }
            };
            // One stage per kind and folder is enough to say what is unseen.
            let dir = stage
                .location
                .file
                .rsplit_once('/')
                .map(|(d, _)| d.to_string());
            if seen.insert((stage.kind.clone(), dir)) {
                facts.opaque_stages.push(stage);
            }
        }
        facts
    }
}

fn stage_of(file: &InputFile) -> Option<OpaqueStage> {
    let (kind, markers) = candidate(&file.rel)?;
    if let Some(markers) = markers {
        // Marker files are small manifests; an unreadable one is simply not one.
        let text = super::read_text(file).ok()?;
        if !markers.iter().any(|m| text.contains(m)) {
            return None;
        }
    }
    Some(opaque_stage(kind, Location::file_start(file.rel.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_markers() {
        assert_eq!(
            candidate("infra/main.tf").map(|c| c.0),
            Some(InfraKind::Terraform)
        );
        assert_eq!(candidate("fly.toml").map(|c| c.0), Some(InfraKind::Fly));
        assert_eq!(
            candidate("deploy/manifest.yml").map(|c| c.0),
            Some(InfraKind::CloudFoundry)
        );
        assert!(candidate("deploy/manifest.yml").unwrap().1.is_some());
        assert_eq!(
            candidate("ecs/task-definition.json").map(|c| c.0),
            Some(InfraKind::EcsTaskDefinition)
        );
        assert!(is_ecs_task_definition_name("ecs/task-definition.json"));
        assert!(is_terraform_file("infra/main.tf"));
        assert!(!is_terraform_file("infra/main.tf.json"));
        let ctx = Context::default();
        assert!(!InfraCollector.wants("infra/main.tf", &ctx));
        assert!(InfraCollector.wants("infra/main.tf.json", &ctx));
        assert!(!InfraCollector.wants("ecs/task-definition.json", &ctx));
        assert_eq!(candidate("app/settings.py"), None);
        assert_eq!(candidate("README.md"), None);
    }

    #[test]
    fn one_stage_per_kind_and_folder_in_file_order() {
        let files: Vec<InputFile> = [
            "infra/a.bicep",
            "infra/b.bicep",
            "infra/prod/main.bicep",
            "infra/c.bicep",
            "infra/fly.toml",
            "main.bicep",
            "x.bicep",
        ]
        .iter()
        .map(|rel| InputFile {
            rel: rel.to_string(),
            abs: rel.into(),
        })
        .collect();
        for threads in [1, 3] {
            let ctx = Context {
                threads,
                ..Context::default()
            };
            let facts = InfraCollector.collect(&files, &ctx);
            let kept: Vec<&str> = facts
                .opaque_stages
                .iter()
                .map(|s| s.location.file.as_str())
                .collect();
            assert_eq!(
                kept,
                [
                    "infra/a.bicep",
                    "infra/prod/main.bicep",
                    "infra/fly.toml",
                    "main.bicep"
                ],
                "{threads} threads"
            );
        }
    }
}
