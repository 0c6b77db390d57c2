//! Which workflow jobs deliver the app: a deploy target is a job that ships
//! it somewhere (ssh / scp to a host, compose up on a self-hosted runner,
//! kubectl / helm, a cloud platform's deploy), not a test, lint, release or
//! bot job. Only jobs that deliver are compared and judged as targets.

use super::opaque;
use super::scripts::RepoScripts;
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
    // Commands run on the deploy hosts (incident 1: SSM restarts compose there).
    "aws ssm send-command",
    "gcloud compute instances update-container",
    "az vm run-command",
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
    ships_checkout: bool,
    compose_up: bool,
    runs_tests: bool,
}

/// What a job is to the deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRole {
    /// It ships the app somewhere.
    Delivers,
    /// It runs the app's tests on the runner: a test environment, whose
    /// reads its own env and files meet; never a deploy target.
    Tests,
    /// Anything else (a build, a lint, a deploy envtrail cannot recognise).
    Other,
}

/// A job's role, and whether what it deploys is built from its checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobShape {
    pub role: JobRole,
    /// `docker build`, `docker/build-push-action`, `gcloud builds submit`,
    /// `gcloud run deploy --source`, or a platform upload of the checkout
    /// (`gcloud app deploy`, `cf push`, `fly deploy`): what runs holds the
    /// checkout, and no file the repository ignores.
    pub ships_checkout: bool,
}

/// Actions that build an image from the checkout, or upload it to a platform.
const IMAGE_BUILD_ACTIONS: &[&str] = &[
    "docker/build-push-action",
    "redhat-actions/buildah-build",
    "google-github-actions/deploy-appengine",
    "superfly/flyctl-actions",
];

/// Commands that build an image from the checkout.
const IMAGE_BUILD_COMMANDS: &[&str] = &[
    "docker build",
    "docker buildx build",
    "docker image build",
    "podman build",
    "buildah bud",
    "gcloud builds submit",
    // Platforms that build what runs from the uploaded checkout.
    "gcloud app deploy",
    "cf push",
    "cf7 push",
    "cf8 push",
    "fly deploy",
    "flyctl deploy",
];

/// The job's role and image build. It delivers the app when it ships it somewhere; a job
/// calling a reusable workflow is taken to deliver (envtrail cannot see
/// what it does); compose brought up on the
/// runner delivers only when the job runs no tests, and never on a
/// GitHub-hosted runner (`github_hosted`: the workflow is GitHub's), which is
/// thrown away when the job ends: what it starts there serves only the job.
/// Gitea runner labels (`ubuntu-latest` included) name whatever the
/// runner's owner mapped them to, a host among them.
pub fn job_shape(job: &Node, github_hosted: bool, scripts: &RepoScripts) -> JobShape {
    if job.get("uses").is_some() {
        return JobShape {
            role: JobRole::Delivers,
            ships_checkout: false,
        };
    }
    let mut seen = Seen::default();
    for step in job.get("steps").and_then(Node::as_seq).unwrap_or_default() {
        if let Some(uses) = step.get("uses").and_then(Node::as_str) {
            let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
            seen.delivers |= DELIVERY_ACTIONS.iter().any(|a| action.starts_with(a))
                || opaque::is_deploy_action(&action);
            seen.ships_checkout |= IMAGE_BUILD_ACTIONS.iter().any(|a| action.starts_with(a));
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
        // A repository script the step runs is part of its script (an
        // action's inputs name files to upload, not commands to run).
        for launched in run
            .into_iter()
            .flat_map(|run| scripts.launched(run, step_dir(job, step)))
        {
            see_script(launched.text, &mut seen);
        }
    }
    let ephemeral = github_hosted && runs_on_github_hosted(job);
    let role = if seen.delivers || (seen.compose_up && !seen.runs_tests && !ephemeral) {
        JobRole::Delivers
    } else if seen.runs_tests {
        JobRole::Tests
    } else {
        JobRole::Other
    };
    JobShape {
        role,
        ships_checkout: seen.ships_checkout,
    }
}

/// The working directory a step's script runs in: its own, else the job's.
fn step_dir<'n>(job: &'n Node, step: &'n Node) -> Option<&'n str> {
    let default = |n: &'n Node| {
        n.get("defaults")?
            .get("run")?
            .get("working-directory")?
            .as_str()
    };
    step.get("working-directory")
        .and_then(Node::as_str)
        .or_else(|| default(job))
}

/// `runs-on` names only GitHub-hosted images (`ubuntu-latest`,
/// `windows-2022`, `macos-14`); an expression or a custom label may be a
/// self-hosted machine.
fn runs_on_github_hosted(job: &Node) -> bool {
    let labels = super::jobs::runs_on_labels(job);
    !labels.is_empty()
        && labels.iter().all(|l| {
            let l = l.to_ascii_lowercase();
            ["ubuntu-", "windows-", "macos-"]
                .iter()
                .any(|p| l.starts_with(p))
        })
}

fn see_script(script: &str, seen: &mut Seen) {
    for (_, joined) in opaque::commands(script) {
        let starts = |c: &&str| opaque::is_command(&joined, c);
        seen.delivers |= DELIVERY_COMMANDS.iter().any(starts);
        seen.runs_tests |= TEST_COMMANDS.iter().any(starts);
        seen.ships_checkout |= IMAGE_BUILD_COMMANDS.iter().any(starts)
            || (opaque::is_command(&joined, "gcloud run deploy") && joined.contains("--source"));
        let words: Vec<&str> = joined.split(' ').collect();
        let compose = words.first().is_some_and(|w| *w == "docker-compose")
            || words.get(..2) == Some(&["docker", "compose"][..]);
        // `compose run` starts a one-off container, not the stack.
        seen.compose_up |= compose && words.contains(&"up");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The role of each job in `jobs`, in a repository whose only script is
    /// `script` (at that path), which deploys over ssh.
    fn roles_with_deploy_script(script: &str, jobs: &[&str]) -> Vec<JobRole> {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = crate::collect::write_inputs(
            dir.path(),
            &[(script, "ssh host 'docker compose up -d'\n")],
        );
        let scripts = RepoScripts::new(&files);
        jobs.iter()
            .map(|yaml| {
                let doc = crate::yaml::parse(yaml).expect("yaml");
                job_shape(&doc.root, true, &scripts).role
            })
            .collect()
    }

    #[test]
    fn a_script_the_step_runs_is_part_of_the_job_and_an_upload_list_is_not() {
        let roles = roles_with_deploy_script(
            "scripts/deploy.sh",
            &[
                "steps:\n  - run: ./scripts/deploy.sh production\n",
                "steps:\n  - uses: actions/upload-artifact@v4\n    with:\n      path: |\n        ./scripts/deploy.sh\n",
            ],
        );
        assert_eq!(roles, [JobRole::Delivers, JobRole::Other]);
    }

    #[test]
    fn a_matrix_of_github_hosted_runners_is_github_hosted() {
        let hosted = |yaml: &str| {
            let doc = crate::yaml::parse(yaml).expect("yaml");
            runs_on_github_hosted(&doc.root)
        };
        assert!(hosted(
            "runs-on: ${{ matrix.os }}\nstrategy:\n  matrix:\n    os: [ubuntu-latest, macos-14]\n"
        ));
        assert!(!hosted(
            "runs-on: ${{ matrix.os }}\nstrategy:\n  matrix:\n    os: [ubuntu-latest]\n    include:\n      - os: my-server\n"
        ));
        assert!(!hosted("runs-on: ${{ matrix.os }}\n"));
    }

    fn job_role(job: &Node, github_hosted: bool) -> JobRole {
        job_shape(job, github_hosted, &RepoScripts::default()).role
    }

    fn job(yaml: &str) -> bool {
        let doc = crate::yaml::parse(yaml).expect("yaml");
        job_role(&doc.root, true) == JobRole::Delivers
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
    fn image_builds_are_seen_in_actions_and_scripts() {
        let shape = |yaml: &str| {
            let doc = crate::yaml::parse(yaml).expect("yaml");
            job_shape(&doc.root, true, &RepoScripts::default())
        };
        assert!(shape("steps:\n  - uses: docker/build-push-action@v6\n").ships_checkout);
        let deploy = shape(
            "steps:\n  - run: |\n      docker build -t $IMAGE .\n      gcloud run deploy api --image $IMAGE\n",
        );
        assert_eq!(
            (deploy.role, deploy.ships_checkout),
            (JobRole::Delivers, true)
        );
        assert!(shape("steps:\n  - run: gcloud run deploy api --source .\n").ships_checkout);
        assert!(!shape("steps:\n  - run: gcloud run deploy api --image x\n").ships_checkout);
    }

    #[test]
    fn commands_sent_to_hosts_deliver() {
        assert!(job(
            "steps:\n  - run: |\n      aws ssm send-command --document-name AWS-RunShellScript \\\n        --parameters 'commands=[\"docker-compose up -d\"]'\n"
        ));
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
    fn compose_up_on_a_github_hosted_runner_serves_only_the_job() {
        let yaml = "runs-on: ubuntu-latest\nsteps:\n  - run: docker compose up -d client\n  - uses: treosh/lighthouse-ci-action@12\n";
        assert!(!job(yaml));
        // A Gitea runner's `ubuntu-latest` may be a host the owner mapped it to.
        let doc = crate::yaml::parse(yaml).expect("yaml");
        assert_eq!(job_role(&doc.root, false), JobRole::Delivers);
    }

    #[test]
    fn a_job_running_the_tests_is_a_test_environment() {
        let doc = crate::yaml::parse(
            "runs-on: ubuntu-latest\nsteps:\n  - env:\n      SECRET_KEY: dummy\n    run: coverage run manage.py test\n",
        )
        .expect("yaml");
        assert_eq!(job_role(&doc.root, true), JobRole::Tests);
        let doc =
            crate::yaml::parse("steps:\n  - uses: docker/build-push-action@v6\n").expect("yaml");
        assert_eq!(job_role(&doc.root, true), JobRole::Other);
    }

    #[test]
    fn compose_run_is_a_one_off_not_a_delivery() {
        assert!(!job(
            "runs-on: self-hosted\nsteps:\n  - run: docker compose run node npm install\n"
        ));
    }

    #[test]
    fn compose_up_on_a_self_hosted_runner_delivers() {
        assert!(job(
            "runs-on: self-hosted\nsteps:\n  - run: docker compose up -d --build\n"
        ));
        assert!(job(
            "runs-on: self-hosted\nsteps:\n  - run: docker-compose up -d\n"
        ));
        // `up` alone is no compose command.
        assert!(!job("runs-on: self-hosted\nsteps:\n  - run: make up\n"));
    }

    /// `./deploy.sh` run in `working-directory: deploy` (the step's, or the
    /// job's `defaults.run`) is `deploy/deploy.sh`.
    #[test]
    fn a_script_is_found_from_the_working_directory() {
        let roles = roles_with_deploy_script(
            "deploy/deploy.sh",
            &[
                "steps:\n  - run: ./deploy.sh\n    working-directory: deploy\n",
                "defaults:\n  run:\n    working-directory: deploy\nsteps:\n  - run: ./deploy.sh\n",
                "steps:\n  - run: ./deploy.sh\n",
            ],
        );
        assert_eq!(
            roles,
            [JobRole::Delivers, JobRole::Delivers, JobRole::Other]
        );
    }
}
