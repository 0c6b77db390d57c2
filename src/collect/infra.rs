//! Infrastructure and platform files envtrail does not parse yet (Terraform,
//! ECS task definitions, Cloud Foundry / App Engine / Fly / Render / Heroku
//! manifests, Helm charts, serverless frameworks): each is an opaque stage
//! that may set any key, so a key no visible stage sets is *unknown* rather
//! than missing. Only names and a few marker words are looked at; values are
//! never kept.

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

impl Collector for InfraCollector {
    fn name(&self) -> &'static str {
        "infrastructure"
    }

    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        // Workflows are the workflow collector's; a GitHub folder holds no infrastructure.
        // Manifests envtrail reads key by key are the manifest collector's.
        !rel.starts_with(".github/")
            && !rel.starts_with(".gitea/")
            && candidate(rel).is_some_and(|(kind, _)| {
                !super::manifest::parses(kind, rel) && kind != InfraKind::Helm
            })
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
    Some(OpaqueStage {
        kind: OpaqueKind::Infrastructure { kind },
        location: Location::file_start(file.rel.clone()),
        scope: String::new(),
    })
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
        assert_eq!(candidate("app/settings.py"), None);
        assert_eq!(candidate("README.md"), None);
    }

    #[test]
    fn one_stage_per_kind_and_folder_in_file_order() {
        let files: Vec<InputFile> = [
            "infra/a.tf",
            "infra/b.tf",
            "infra/prod/main.tf",
            "infra/c.tf",
            "infra/fly.toml",
            "main.tf",
            "x.tf",
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
                    "infra/a.tf",
                    "infra/prod/main.tf",
                    "infra/fly.toml",
                    "main.tf"
                ],
                "{threads} threads"
            );
        }
    }
}
