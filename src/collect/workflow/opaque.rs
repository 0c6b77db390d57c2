//! Workflow stages that set the app's env where envtrail cannot read it: a
//! reusable workflow from another repository, a platform deploy action, or a
//! platform CLI in a `run:` script (`cf push`, `heroku config:set`,
//! `terraform apply`, `helm upgrade`...). Each becomes an opaque stage, so
//! the keys it may set are unknown rather than missing.

use crate::facts::{OpaqueKind, OpaqueStage};
use crate::location::Location;
use crate::platform::Platform;

/// Actions that deliver the app with env envtrail does not read.
const DEPLOY_ACTIONS: &[&str] = &[
    "aws-actions/amazon-ecs-render-task-definition",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "aws-actions/aws-cloudformation-github-deploy",
    "azure/webapps-deploy",
    "azure/appservice-settings",
    "azure/functions-action",
    "azure/container-apps-deploy-action",
    "azure/aci-deploy",
    "azure/arm-deploy",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-appengine",
    "google-github-actions/deploy-cloud-functions",
    "akhileshns/heroku-deploy",
    "superfly/flyctl-actions",
    "citizen-of-planet-earth/cf-cli-action",
    "cloud-gov/cg-cli-tools",
    "einaregilsson/beanstalk-deploy",
    "serverless/github-action",
    "hashicorp/tfc-workflows-github",
    "deliverybot/helm",
    "bitovi/github-actions-deploy-docker-to-ec2",
    "pulumi/actions",
    "dokku/github-action",
    "render-examples/deploy-to-render",
    "johnbeynon/render-deploy-action",
];

/// Command prefixes (words, after `sudo`) that set env on a platform or
/// fetch it from a secret store.
const DEPLOY_COMMANDS: &[&str] = &[
    "cf push",
    "cf set-env",
    "cf7 push",
    "cf8 push",
    "heroku config:set",
    "fly secrets",
    "flyctl secrets",
    "fly deploy",
    "flyctl deploy",
    "helm upgrade",
    "helm install",
    "helmfile",
    "terraform apply",
    "terragrunt apply",
    "tofu apply",
    "az webapp config appsettings",
    "az functionapp config appsettings",
    "az containerapp",
    "aws ecs register-task-definition",
    "aws lambda update-function-configuration",
    "aws ssm get-parameters-by-path",
    "aws cloudformation deploy",
    "serverless deploy",
    "sls deploy",
    "zappa update",
    "zappa deploy",
    "eb deploy",
    "eb setenv",
    "sam deploy",
    "copilot",
    "pulumi up",
    "cdk deploy",
    "gcloud app deploy",
    "gcloud run services update",
    "gcloud functions deploy",
    "doppler",
    "infisical",
    "chamber",
    "op inject",
    "sops",
    "vault kv get",
    "vault read",
    "kubectl apply -k",
    "kustomize build",
    "render deploy",
];

/// A job's `uses:` that names a workflow in another repository.
pub fn remote_workflow(uses: &str, location: Location) -> Option<OpaqueStage> {
    let is_remote = !uses.starts_with("./") && uses.contains('/') && uses.contains('@');
    is_remote.then(|| OpaqueStage {
        kind: OpaqueKind::RemoteWorkflow {
            uses: uses.to_string(),
        },
        location,
        scope: String::new(),
    })
}

/// A step's `uses:` that is a platform deploy action.
pub fn deploy_action(uses: &str, location: Location) -> Option<OpaqueStage> {
    let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    DEPLOY_ACTIONS
        .contains(&action.as_str())
        .then(|| OpaqueStage {
            kind: OpaqueKind::DeployStep { what: action },
            location,
            scope: String::new(),
        })
}

/// `action` (lower case, without `@ref`) is a platform's deploy action.
pub fn is_deploy_action(action: &str) -> bool {
    DEPLOY_ACTIONS.contains(&action)
}

/// A platform command found in a `run:` script (see [`deploy_commands`]).
pub fn deploy_step(what: &str, location: Location) -> OpaqueStage {
    OpaqueStage {
        kind: OpaqueKind::DeployStep {
            what: what.to_string(),
        },
        location,
        scope: String::new(),
    }
}

/// Each command of a `run:` script, as its words joined by one space (after
/// `sudo` and `K=v` prefixes; one per `&&`, `;` or `|` segment), with its
/// 0-based line in the script.
pub(super) fn commands(script: &str) -> impl Iterator<Item = (u32, String)> + '_ {
    script.lines().enumerate().flat_map(|(row, line)| {
        line.split(['&', ';', '|']).map(move |segment| {
            let words: Vec<&str> = segment
                .split_whitespace()
                .skip_while(|w| *w == "sudo" || w.contains('='))
                .collect();
            (row as u32, words.join(" "))
        })
    })
}

/// The command `joined` (as [`commands`] gives it) is `command`, or starts
/// with it followed by arguments.
pub(super) fn is_command(joined: &str, command: &str) -> bool {
    joined == command
        || joined
            .strip_prefix(command)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// The platform command a line of a `run:` script starts, if any; with its
/// 0-based line in the script.
pub fn deploy_commands(script: &str) -> Vec<(u32, &'static str)> {
    let mut found = Vec::new();
    for (row, joined) in commands(script) {
        if let Some(cmd) = DEPLOY_COMMANDS.iter().find(|c| is_command(&joined, c)) {
            found.push((row, *cmd));
        }
        // `gcloud run deploy --env-vars-file F`: the file's keys are not read.
        if joined.starts_with("gcloud run deploy") && joined.contains("--env-vars-file") {
            found.push((row, "gcloud run deploy --env-vars-file"));
        }
    }
    found.dedup();
    found
}

/// Commands that deploy to a platform without being a stage envtrail cannot
/// see (`gcloud run deploy --image ...`, `git push heroku main`): the keys
/// the platform sets in every container are set.
pub fn platform_commands(script: &str) -> Vec<(u32, Platform)> {
    let mut found: Vec<(u32, Platform)> = commands(script)
        .filter(|(_, c)| {
            [
                "gcloud run ",
                "gcloud beta run ",
                "gcloud app deploy",
                "git push heroku",
            ]
            .iter()
            .any(|p| c.starts_with(p))
        })
        .filter_map(|(row, c)| Some((row, Platform::of_deploy_step(&c.replace("beta ", ""))?)))
        .collect();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_commands_in_scripts() {
        let script = "echo hi\nsudo cf push app -f manifest.yml\nX=1 heroku config:set A=b && true\nhelm upgrade --install web ./chart\n";
        let found: Vec<_> = deploy_commands(script)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(found, ["cf push", "heroku config:set", "helm upgrade"]);
        assert!(deploy_commands("echo cf push is great").is_empty());
        assert_eq!(
            platform_commands("docker push x\ngcloud run deploy web --image x && echo ok\n"),
            [(1, Platform::CloudRun)]
        );
        assert!(platform_commands("gcloud auth login").is_empty());
        assert_eq!(
            deploy_commands("gcloud run deploy web --env-vars-file env.yaml")[0].1,
            "gcloud run deploy --env-vars-file"
        );
        // Without the file flag `gcloud run deploy` is a platform deploy, not
        // an opaque stage.
        assert!(deploy_commands("gcloud run deploy web --image x").is_empty());
    }

    #[test]
    fn remote_and_local_reusable_workflows() {
        let at = Location::file_start(".github/workflows/ci.yml");
        assert!(remote_workflow("org/infra/.github/workflows/deploy.yml@v2", at.clone()).is_some());
        assert!(remote_workflow("./.github/workflows/deploy.yml", at.clone()).is_none());
        // A remote workflow is `owner/repo/path@ref`: without the ref or
        // the path it is none.
        assert!(remote_workflow("org/infra/.github/workflows/deploy.yml", at.clone()).is_none());
        assert!(remote_workflow("deploy.yml@v2", at.clone()).is_none());
        assert!(
            deploy_action(
                "aws-actions/amazon-ecs-render-task-definition@v1",
                at.clone()
            )
            .is_some()
        );
        assert!(deploy_action("actions/checkout@v4", at).is_none());
    }
}
