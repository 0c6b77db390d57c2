//! Which workflow jobs deliver the app: a deploy target is a job that ships
//! it somewhere (ssh / scp to a host, compose up on a self-hosted runner,
//! kubectl / helm, a cloud platform's deploy), not a test, lint, release or
//! bot job. Only jobs that deliver are compared and judged as targets.

use super::opaque;
use crate::yaml::Node;

/// Actions that deliver the app to a host (besides the platform deploy
/// actions [`opaque::is_deploy_action`] knows).
const DELIVERY_ACTIONS: &[&str] = &[
    "appleboy/ssh-action",
    "appleboy/scp-action",
    "burnett01/rsync-deployments",
    "easingthemes/ssh-deploy",
    "garygrossgarten/github-action-ssh",
    "cross-the-world/ssh-scp-ssh-pipelines",
    "azure/k8s-deploy",
    "appleboy/drone-ssh",
];

/// Command words (after `sudo`, at the start of a `&&` / `;` / `|`
/// segment) that deliver the app.
const DELIVERY_COMMANDS: &[&str] = &[
    "ssh",
    "scp",
    "rsync",
    "sshpass",
    "kubectl apply",
    "kubectl set",
    "kubectl rollout",
    "kubectl create",
    "kubectl replace",
    "kustomize build",
    "helm upgrade",
    "helm install",
    "helmfile",
    "gcloud run deploy",
    "gcloud app deploy",
    "gcloud compute ssh",
    "cf push",
    "cf7 push",
    "cf8 push",
    "fly deploy",
    "flyctl deploy",
    "heroku container:release",
    "git push heroku",
    "git push dokku",
    "aws ecs update-service",
    "aws ecs deploy",
    "aws deploy",
    "ecs deploy",
    "eb deploy",
    "serverless deploy",
    "sls deploy",
    "zappa update",
    "zappa deploy",
    "sam deploy",
    "cdk deploy",
    "terraform apply",
    "ansible-playbook",
    "docker stack deploy",
    "render deploy",
];

/// Commands that run the app's tests: a job that brings compose up to run
/// them is a test environment, not a delivery.
const TEST_COMMANDS: &[&str] = &[
    "pytest",
    "python -m pytest",
    "tox",
    "nox",
    "coverage run",
    "python manage.py test",
    "./manage.py test",
    "make test",
    "npm test",
    "npm run test",
];

/// What a job shows of itself.
#[derive(Default)]
struct Seen {
    delivers: bool,
    compose_up: bool,
    runs_tests: bool,
}

/// The job delivers the app. A job calling a reusable workflow is taken to
/// deliver (envtrail cannot see what it does); compose brought up on the
/// runner delivers only when the job runs no tests.
pub fn job_delivers(job: &Node) -> bool {
    if job.get("uses").is_some() {
        return true;
    }
    let mut seen = Seen::default();
    for step in job.get("steps").and_then(Node::as_seq).unwrap_or_default() {
        if let Some(uses) = step.get("uses").and_then(Node::as_str) {
            let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
            seen.delivers |= DELIVERY_ACTIONS.iter().any(|a| action.starts_with(a))
                || opaque::is_deploy_action(&action);
        }
        // The step's script, and commands given to an action as inputs.
        let run = step.get("run").and_then(Node::as_str);
        let inputs = step
            .get("with")
            .and_then(Node::as_map)
            .into_iter()
            .flatten()
            .filter_map(|(_, v)| v.as_str());
        for script in run.into_iter().chain(inputs) {
            see_script(script, &mut seen);
        }
    }
    seen.delivers || (seen.compose_up && !seen.runs_tests)
}

fn see_script(script: &str, seen: &mut Seen) {
    for (_, joined) in opaque::commands(script) {
        let starts = |c: &&str| opaque::is_command(&joined, c);
        seen.delivers |= DELIVERY_COMMANDS.iter().any(starts);
        seen.runs_tests |= TEST_COMMANDS.iter().any(starts);
        let words: Vec<&str> = joined.split(' ').collect();
        let compose = words.first().is_some_and(|w| *w == "docker-compose")
            || words.get(..2) == Some(&["docker", "compose"][..]);
        seen.compose_up |= compose && words.iter().any(|w| matches!(*w, "up" | "run"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(yaml: &str) -> bool {
        let doc = crate::yaml::parse(yaml).expect("yaml");
        job_delivers(&doc.root)
    }

    #[test]
    fn ssh_kubectl_and_platform_deploys_deliver() {
        assert!(job(
            "steps:\n  - uses: appleboy/ssh-action@v1\n    with:\n      script: cd app\n"
        ));
        assert!(job("steps:\n  - run: kubectl apply -f k8s/\n"));
        assert!(job(
            "steps:\n  - run: |\n      echo x\n      sudo ssh host 'docker compose up -d'\n"
        ));
        assert!(job(
            "steps:\n  - uses: google-github-actions/deploy-cloudrun@v2\n"
        ));
        assert!(job("uses: ./.github/workflows/deploy.yml\n"));
    }

    #[test]
    fn tests_lint_and_builds_do_not_deliver() {
        assert!(!job(
            "steps:\n  - uses: actions/checkout@v4\n  - run: pip install -r requirements.txt && pytest\n"
        ));
        assert!(!job(
            "steps:\n  - run: docker compose up -d db\n  - run: python manage.py test\n"
        ));
        assert!(!job("steps:\n  - uses: docker/build-push-action@v6\n"));
        assert!(!job("steps:\n  - run: echo 'ssh is not run here'\n"));
    }

    #[test]
    fn compose_up_on_a_self_hosted_runner_delivers() {
        assert!(job(
            "runs-on: self-hosted\nsteps:\n  - run: docker compose up -d --build\n"
        ));
    }
}
