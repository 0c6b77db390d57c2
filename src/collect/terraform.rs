//! Terraform `.tf` files, read per module folder without running
//! Terraform: the resources that run an app (an ECS container, a Lambda
//! function, a Cloud Run service, an Azure web app, a Kubernetes workload)
//! become platform apps with the keys their definition sets; what their
//! env takes from variables, `dynamic` blocks or `for` expressions is
//! unseen env of that app only.
//!
//! What stays an opaque stage of the whole repository (one per folder):
//! resources known to carry app env that envtrail does not read (Elastic
//! Beanstalk, App Runner, Helm releases...), a call of a module from a
//! registry or git with an env-like argument, and a file that does not
//! parse (also an `input-unparsed` finding). A folder of other resources
//! (buckets, IAM, DNS) sets no app env and is no stage at all.
//!
//! HCL is parsed with `hcl-edit`: a typed tree (objects, tuples, function
//! calls, references) with byte spans for every line, pure Rust, and a
//! nesting limit that keeps hostile input from overflowing the stack.

mod hcl;
mod resources;

use std::collections::BTreeMap;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;

use self::hcl::TfFile;
use super::env_tree::LineStarts;
use super::{Collector, Context, InputFile};
use crate::facts::{Facts, InfraKind, Unparsed};
use crate::location::Location;

pub struct TerraformCollector;

impl Collector for TerraformCollector {
    /// `.tf` files outside `.terraform/`, where `terraform init` keeps
    /// downloaded modules (read as the calls that name them).
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        super::infra::is_terraform_file(rel) && !rel.split('/').any(|p| p == ".terraform")
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        let parsed = super::par_map(files, ctx.threads, parse_file);
        let mut facts = Facts::default();
        let mut folders: BTreeMap<&str, Vec<&TfFile>> = BTreeMap::new();
        for (file, outcome) in files.iter().zip(&parsed) {
            match outcome {
                Ok(Ok(tf)) => folders.entry(dir_of(&tf.rel)).or_default().push(tf),
                Ok(Err(unparsed)) => {
                    facts.unparsed.push(unparsed.clone());
                    // A file envtrail cannot read may set anything.
                    facts.opaque_stages.push(super::infra::opaque_stage(
                        InfraKind::Terraform,
                        Location::file_start(file.rel.clone()),
                    ));
                }
                Err(super::Panicked) => facts.unparsed.push(super::internal_error(&file.rel)),
            }
        }
        for files in folders.values() {
            facts.extend(collect_folder(files, &ctx.root));
        }
        facts
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn parse_file(file: &InputFile) -> Result<TfFile, Unparsed> {
    let text = super::read_text(file).map_err(|e| *e)?;
    match hcl_edit::parser::parse_body(&text) {
        Ok(body) => Ok(TfFile {
            rel: file.rel.clone(),
            lines: LineStarts::new(&text),
            text,
            body,
        }),
        Err(e) => Err(Unparsed {
            location: Location::new(
                file.rel.clone(),
                u32::try_from(e.location().line().saturating_sub(1)).unwrap_or(0),
                0,
            ),
            message: format!("invalid HCL: {}", e.message()),
        }),
    }
}

/// The facts of one module folder: its resources' apps, and at most one
/// opaque stage for what envtrail cannot read there.
fn collect_folder(files: &[&TfFile], root: &std::path::Path) -> Facts {
    let locals = hcl::locals_of(files);
    let mut facts = Facts::default();
    let mut opaque_at: Option<Location> = None;
    for file in files {
        let mut cx = resources::Reading {
            root,
            file,
            locals: &locals,
            unparsed: Vec::new(),
            entry_points: Vec::new(),
        };
        for block in file.body.blocks() {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            match (block.ident.as_str(), labels.as_slice()) {
                ("resource", [kind, label]) => {
                    if let Some(apps) = resources::apps(kind, label, block, &mut cx) {
                        facts.platform_apps.extend(apps);
                    } else if UNREAD_APP_RESOURCES.contains(kind) {
                        opaque_at.get_or_insert_with(|| file.at(block));
                    }
                }
                ("module", [_]) if is_remote_module_with_env(block) => {
                    opaque_at.get_or_insert_with(|| file.at(block));
                }
                _ => {}
            }
        }
        facts.unparsed.extend(cx.unparsed);
        facts.entry_points.extend(cx.entry_points);
    }
    if let Some(at) = opaque_at {
        facts
            .opaque_stages
            .push(super::infra::opaque_stage(InfraKind::Terraform, at));
    }
    facts
}

/// Resources that give an app its env in ways envtrail does not read yet.
const UNREAD_APP_RESOURCES: &[&str] = &[
    "aws_elastic_beanstalk_environment",
    "aws_apprunner_service",
    "aws_batch_job_definition",
    "aws_lightsail_container_service_deployment_version",
    "azurerm_container_group",
    "azurerm_function_app",
    "azurerm_windows_function_app",
    "azurerm_linux_web_app_slot",
    "azurerm_windows_web_app_slot",
    "azurerm_app_service_slot",
    "google_app_engine_standard_app_version",
    "google_app_engine_flexible_app_version",
    "google_cloudfunctions_function",
    "google_cloudfunctions2_function",
    "google_cloud_run_v2_job",
    "helm_release",
    "heroku_app",
    "heroku_config",
    "digitalocean_app",
];

/// Module arguments that carry an app's env whatever their value.
const ENV_ARGUMENTS: &[&str] = &[
    "env",
    "environment",
    "env_vars",
    "environment_variables",
    "app_settings",
    "container_definitions",
    "container_environment",
    "task_environment",
    "secrets",
];

/// A module from a registry or git (not a `./` folder, whose files are
/// read like any other) called with an env-like argument.
fn is_remote_module_with_env(block: &Block) -> bool {
    let local = hcl::literal_attr(&block.body, "source")
        .is_some_and(|s| s.starts_with("./") || s.starts_with("../"));
    !local
        && block.body.attributes().any(|a| {
            let key = a.key.as_str();
            ENV_ARGUMENTS.contains(&key) && !names_an_environment(key, &a.value)
        })
}

/// `environment = "prod"`, `env = var.environment`: the name of a deploy
/// environment, which registry modules take as often as an env map.
fn names_an_environment(key: &str, value: &Expression) -> bool {
    if !matches!(key, "env" | "environment") {
        return false;
    }
    match value {
        Expression::String(_) | Expression::StringTemplate(_) => true,
        Expression::Traversal(t) => {
            let text = hcl::traversal_text(t);
            let last = text.rsplit('.').next().unwrap_or("");
            matches!(
                last,
                "env" | "environment" | "stage" | "env_name" | "environment_name" | "name"
            )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
