//! `reach-unknown`: the app reads KEY, no visible stage sets it, and a stage
//! envtrail cannot see lies upstream. Whether KEY is set is unknown: this is
//! said as a note naming the stage and what would make it visible, never as
//! an error (an error is for what is certain). Replaces `unset-*` and
//! `secret-unwritten` for that key.

use super::RuleId;
use super::unset::{break_phrase, verdicts_for};
use crate::chain::{Chain, Verdict};
use crate::facts::{InfraKind, OpaqueKind};
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    for (row, kv) in verdicts_for(chain, RuleId::ReachUnknown) {
        let Verdict::Unknown { because, at } = &kv.verdict else {
            continue;
        };
        let (stage, visible) = describe(because);
        let mut message = format!(
            "{} reads {}{} and no stage envtrail sees sets it, but {stage} ({at}) may: whether it reaches the app is unknown",
            kv.read.location.shown_file(),
            row.key,
            if kv.read.required { " (required)" } else { "" },
        );
        // What is certain still is said: a write the deploy makes that does
        // not get through (`.env` written, `.env.docker` read).
        let breaks: Vec<_> = kv
            .read
            .chain
            .iter()
            .filter_map(|k| chain.deploy.breaks.get(k).map(|b| (k, b)))
            .flat_map(|(k, bs)| bs.iter().map(move |b| (k, b)))
            .collect();
        let mut related = Vec::new();
        for (key, b) in breaks {
            let (phrase, _) = break_phrase(key, b);
            message.push_str(&format!("; what is visible does not get through: {phrase}"));
            related.push(b.location.clone());
        }
        let mut finding = Finding::new(
            RuleId::ReachUnknown,
            Some(&row.key),
            kv.read.location.clone(),
            message,
        )
        .with_related(at.clone(), "a stage envtrail cannot see")
        .with_tip(visible);
        for location in related {
            finding = finding.with_related(location, "the chain breaks here");
        }
        out.push(finding);
    }
}

/// The opaque stage in words, and what would make it visible.
pub fn describe(kind: &OpaqueKind) -> (String, String) {
    let env_files = |path: &str| {
        format!(
            "list the keys it holds in envtrail.toml: `[env-files]` `\"{path}\" = [\"KEY\", …]` (names only, never values)"
        )
    };
    match kind {
        OpaqueKind::HostEnvFile { path } => (
            format!("the env file {path}, which is not in the repository and which no workflow writes (it lives on the deploy host)"),
            env_files(path),
        ),
        OpaqueKind::WholeFileSecret { sink, source } => (
            format!("{sink}, written whole from the opaque value {}", source.label()),
            env_files(sink),
        ),
        OpaqueKind::ExternalSecretStore { what } => (
            format!("{what}, which the repository does not define (an external secret store, a sealed secret, or created by hand)"),
            format!("commit the manifest of {what} with its keys (values may stay out), or say the keys it holds with `[env-files]` in envtrail.toml"),
        ),
        OpaqueKind::RemoteWorkflow { uses } => (
            format!("the reusable workflow {uses} from another repository"),
            "envtrail reads only this repository: write the key in this repository's workflow, or audit that repository too".to_string(),
        ),
        OpaqueKind::PlatformEnv { app, what } => (
            format!("{what} of the {app}, whose keys envtrail cannot read one by one"),
            format!("the key may be set there; to make it visible, set it by name in the definition of the {app} (a value, a variable or a secret-store entry)"),
        ),
        // A Procfile or heroku.yml starts the app; its config vars live in Heroku.
        OpaqueKind::Infrastructure {
            kind: InfraKind::Heroku,
        } => (
            "the config vars of the Heroku app (set in its dashboard or with `heroku config:set`, outside the repository)".to_string(),
            "the key may be set there; to make it visible, declare it in app.json `env` or set it with `heroku config:set` in the deploy workflow, both of which envtrail reads".to_string(),
        ),
        OpaqueKind::Infrastructure { kind } => (
            format!("{}, which envtrail does not parse yet", kind.as_str()),
            "the key may be set there; envtrail reads workflows, compose, Dockerfiles, dotenv files, Kubernetes, Helm and Kustomize, Terraform `.tf`, Bicep, ECS task definitions, systemd units and the manifests of Cloud Foundry, App Engine, Fly, Render and Heroku (`app.json`)".to_string(),
        ),
        // A platform's secret store: the keys a workflow's command names are read.
        OpaqueKind::DeployStep { what }
            if matches!(
                what.as_str(),
                "fly secrets" | "flyctl secrets" | "heroku config:set" | "cf set-env"
            ) =>
        {
            (
                format!("the platform's own store `{what}` writes to (envtrail reads the keys the workflow names, not those set there by hand)"),
                format!("to make the key visible, set it in the workflow's `{what}` command"),
            )
        }
        OpaqueKind::DeployStep { what } => (
            format!("the deploy step `{what}`, whose env envtrail does not read"),
            format!("envtrail does not read what `{what}` sets: to make the key visible, set it where envtrail reads (the workflow's env, compose, a Kubernetes manifest)"),
        ),
        OpaqueKind::AppDotenv { path, .. } => (
            format!("the app's own loading of {path}, a file envtrail does not see"),
            env_files(path),
        ),
        OpaqueKind::UndeployedCode { dir } => (
            format!("the deploy of the code in {}, which envtrail does not see (the compose projects the workflow starts have no service envtrail can tie to that code)", if dir.is_empty() { "the repository root" } else { dir }),
            "name the compose service that runs it in envtrail.toml `app-service`, or give that service a `build:` (or the image a compose service builds)".to_string(),
        ),
        OpaqueKind::UnseenDeploy => (
            "the deploy, which envtrail does not see (no workflow job delivers the app, and no compose service, Kubernetes workload or platform manifest in the repository runs its code)".to_string(),
            "name the jobs that deploy the app in envtrail.toml `deploy-targets`, or the compose service that runs it in `app-service`; a deploy by Terraform, Helm or a platform envtrail does not parse yet stays unknown".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_store_and_a_deploy_step_are_told_apart() {
        let step = |what: &str| {
            describe(&OpaqueKind::DeployStep {
                what: what.to_string(),
            })
            .0
        };
        assert!(step("fly secrets").contains("the platform's own store `fly secrets`"));
        assert!(step("cf set-env").contains("the platform's own store"));
        let action = step("azure/webapps-deploy");
        assert!(
            action.contains(
                "the deploy step `azure/webapps-deploy`, whose env envtrail does not read"
            ),
            "{action}"
        );
    }

    #[test]
    fn herokus_config_vars_are_named_as_such_and_other_infrastructure_as_unparsed() {
        let infra = |kind: InfraKind| describe(&OpaqueKind::Infrastructure { kind });
        let (stage, tip) = infra(InfraKind::Heroku);
        assert!(
            stage.starts_with("the config vars of the Heroku app"),
            "{stage}"
        );
        assert!(!stage.contains("does not parse"), "{stage}");
        assert!(
            tip.contains("app.json `env`") && tip.contains("heroku config:set"),
            "{tip}"
        );
        let (stage, _) = infra(InfraKind::Pulumi);
        assert_eq!(stage, "Pulumi, which envtrail does not parse yet");
    }
}
