use super::collect_file;
use crate::facts::{Consumer, EnvWrite, Facts, ReadVia, WriteVia};

/// (key, line, via, source, sink, target, remote)
type Row = (
    String,
    u32,
    WriteVia,
    String,
    Option<String>,
    Option<String>,
    bool,
);

fn writes(f: &Facts) -> Vec<Row> {
    f.writes
        .iter()
        .map(|w: &EnvWrite| {
            (
                w.key.clone(),
                w.location.line(),
                w.via,
                w.source.label(),
                w.sink.clone(),
                w.target.clone(),
                w.remote,
            )
        })
        .collect()
}

const DEPLOY: &str = "\
name: deploy
on: push
env:
  REGION: eu-west-1
jobs:
  deploy:
    environment: production
    runs-on: ubuntu-latest
    env:
      TOKEN: ${{ secrets.TOKEN }}
    steps:
      - name: write env
        env:
          DB: ${{ secrets.DATABASE_URL }}
        run: |
          echo \"DATABASE_URL=$DB\" > .env
          echo \"KEY=${{secrets.KEY}}\" >> .env
          curl -H \"Authorization: $TOKEN\" https://example.com
";

#[test]
fn env_maps_and_run_scripts_are_located() {
    let f = collect_file(".github/workflows/deploy.yml", DEPLOY);
    assert!(f.unparsed.is_empty(), "{:?}", f.unparsed);
    let got = writes(&f);
    let prod = Some("production".to_string());
    assert_eq!(
        got,
        [
            (
                "REGION".into(),
                4,
                WriteVia::WorkflowEnv,
                "literal".into(),
                None,
                None,
                false
            ),
            (
                "TOKEN".into(),
                10,
                WriteVia::WorkflowEnv,
                "secrets.TOKEN".into(),
                None,
                prod.clone(),
                false
            ),
            (
                "DB".into(),
                14,
                WriteVia::WorkflowEnv,
                "secrets.DATABASE_URL".into(),
                None,
                prod.clone(),
                false
            ),
            (
                "DATABASE_URL".into(),
                16,
                WriteVia::DotenvEcho,
                "secrets.DATABASE_URL".into(),
                Some(".env".into()),
                prod.clone(),
                false
            ),
            (
                "KEY".into(),
                17,
                WriteVia::DotenvEcho,
                "secrets.KEY".into(),
                Some(".env".into()),
                prod,
                false
            ),
        ]
    );
    let reads: Vec<(&str, u32)> = f
        .reads
        .iter()
        .filter(|r| r.consumer == Consumer::Deploy && r.via == ReadVia::WorkflowScript)
        .map(|r| (r.key.as_deref().unwrap_or(""), r.location.line()))
        .collect();
    assert_eq!(reads, [("DB", 16), ("TOKEN", 18)]);
    let secrets: Vec<(&str, u32)> = f
        .secret_refs
        .iter()
        .map(|s| (s.name.as_str(), s.location.line()))
        .collect();
    assert_eq!(secrets, [("TOKEN", 10), ("DATABASE_URL", 14), ("KEY", 17)]);
}

#[test]
fn target_is_file_and_job_without_environment() {
    let f = collect_file(
        ".gitea/workflows/ci.yaml",
        "on: push\njobs:\n  build:\n    steps:\n      - run: echo A=1 >> .env\n",
    );
    assert_eq!(
        f.writes[0].target.as_deref(),
        Some(".gitea/workflows/ci.yaml#build")
    );
    assert_eq!(f.writes[0].location.line(), 5);
}

#[test]
fn truncation_spans_steps_of_a_job() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: echo OLD=1 >> .env\n      - run: rm -f .env && touch .env\n      - run: echo NEW=1 >> .env\n",
    );
    let keys: Vec<&str> = f.writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["NEW"]);
}

#[test]
fn ssh_action_script_and_envs() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - uses: appleboy/ssh-action@v1\n        env:\n          API: ${{ secrets.API }}\n        with:\n          host: h\n          envs: API\n          script: |\n            cd app\n            echo \"API=$API\" > .env\n            export MODE=prod\n",
    );
    let got: Vec<(String, u32, WriteVia, String, bool)> = writes(&f)
        .into_iter()
        .map(|w| (w.0, w.1, w.2, w.3, w.6))
        .collect();
    assert_eq!(
        got,
        [
            // The action's own env: only `envs:` forwards it to the host.
            (
                "API".into(),
                6,
                WriteVia::ActionEnv,
                "secrets.API".into(),
                false
            ),
            (
                "API".into(),
                12,
                WriteVia::DotenvEcho,
                "secrets.API".into(),
                true
            ),
            (
                "MODE".into(),
                13,
                WriteVia::RemoteExport,
                "literal".into(),
                true
            ),
            (
                "API".into(),
                9,
                WriteVia::SshActionEnvs,
                "secrets.API".into(),
                true
            ),
        ]
    );
}

#[test]
fn shipped_files_and_env_file_runs() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: |\n          echo \"A=${{ secrets.A }}\" > prod.vars\n          scp prod.vars host:/srv/prod.vars\n          ssh host docker run --env-file /srv/prod.vars img\n",
    );
    let got: Vec<(String, u32, WriteVia, bool)> = writes(&f)
        .into_iter()
        .map(|w| (w.0, w.1, w.2, w.6))
        .collect();
    assert_eq!(
        got,
        [
            ("A".into(), 5, WriteVia::DotenvEcho, true),
            ("A".into(), 7, WriteVia::DockerRunEnvFile, true)
        ]
    );
}

#[test]
fn non_dotenv_files_do_not_count() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: echo A=1 > config.ini\n",
    );
    assert!(f.writes.is_empty());
}

#[test]
fn opaque_file() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: echo \"${{ secrets.ENV_FILE }}\" > .env\n",
    );
    assert!(f.writes.is_empty());
    assert_eq!(f.opaque.len(), 1);
    assert_eq!(f.opaque[0].source.label(), "secrets.ENV_FILE");
    assert_eq!(f.opaque[0].location.line(), 4);
}

#[test]
fn bad_input_is_unparsed_not_a_panic() {
    for (text, line) in [
        ("jobs: [\n  a: b\n", 3),
        ("- just\n- a list\n", 1),
        ("plain text\n", 1),
    ] {
        let f = collect_file("w.yml", text);
        assert_eq!(f.unparsed.len(), 1, "{text}: {:?}", f.unparsed);
        assert_eq!(f.unparsed[0].location.line(), line, "{text}");
    }
}

#[test]
fn an_empty_or_commented_out_workflow_is_nothing_to_audit() {
    for text in [
        "",
        "# on: push\n# jobs:\n#   build:\n#     runs-on: ubuntu-latest\n",
    ] {
        let f = collect_file("w.yml", text);
        assert!(
            f.unparsed.is_empty() && f.writes.is_empty(),
            "{text}: {:?}",
            f.unparsed
        );
    }
}

#[test]
fn alias_bomb_becomes_unparsed() {
    let mut text = String::from("a0: &a0 [\"${{ secrets.X }}\", x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let f = collect_file("w.yml", &text);
    assert!(f.unparsed.iter().any(|u| u.message.contains("aliases")));
}

#[test]
fn every_job_of_a_workflow_of_many_jobs_is_read() {
    // Counted, not timed: speed is a benchmark's question, not a test's.
    // 500 jobs exercise the same path as a file near the size cap.
    let mut text = String::from("jobs:\n");
    let job = "    steps:\n      - env:\n          A: ${{ secrets.A }}\n        run: |\n          echo \"A=$A\" >> .env\n          echo \"B=${{ secrets.B }}\" >> .env\n";
    let jobs = 500;
    for i in 0..jobs {
        text.push_str(&format!("  job{i}:\n{job}"));
    }
    let f = collect_file("w.yml", &text);
    // Per job: the step's env A, and the two lines written to `.env`.
    assert_eq!(f.writes.len(), jobs * 3);
    assert!(f.unparsed.is_empty(), "{:?}", f.unparsed);
}

#[test]
fn env_expressions_consume_env_keys() {
    let f = collect_file(
        "w.yml",
        "env:\n  TOKEN: ${{ secrets.TOKEN }}\njobs:\n  a:\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          password: ${{ env.TOKEN }}\n          username: ${{ env.NOT_A_MAP_KEY }}\n",
    );
    let reads: Vec<(&str, u32)> = f
        .reads
        .iter()
        .map(|r| (r.key.as_deref().unwrap_or(""), r.location.line()))
        .collect();
    assert_eq!(reads, [("TOKEN", 8)]);
}

#[test]
fn unparseable_script_is_unparsed_and_the_rest_goes_on() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: |\n          echo A=1 >> .env\n          if then fi ((\n      - run: echo B=1 >> .env\n",
    );
    assert_eq!(f.unparsed.len(), 1, "{:?}", f.unparsed);
    assert!(f.unparsed[0].message.starts_with("run: shell syntax error"));
    assert!(
        (5..=7).contains(&f.unparsed[0].location.line()),
        "{:?}",
        f.unparsed[0]
    );
    let keys: Vec<&str> = f.writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["A", "B"]);
}

/// (files, line, remote) of each compose deploy.
fn compose_deploys(f: &Facts) -> Vec<(Vec<String>, u32, bool)> {
    f.compose_deploys
        .iter()
        .map(|d| (d.files.clone(), d.location.line(), d.remote))
        .collect()
}

#[test]
fn compose_deploys_in_run_and_ssh_scripts_with_their_files() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: docker compose -f compose.yml -f compose.deploy.yml up -d\n        working-directory: deploy\n      - uses: appleboy/ssh-action@v1\n        with:\n          script: |\n            cd /srv/app\n            docker-compose -f docker-compose.prod.yml up -d\n",
    );
    assert_eq!(
        compose_deploys(&f),
        [
            (
                vec![
                    "deploy/compose.yml".into(),
                    "deploy/compose.deploy.yml".into()
                ],
                4,
                false
            ),
            (vec!["docker-compose.prod.yml".into()], 10, true),
        ]
    );
}

#[test]
fn a_file_copied_to_the_host_under_the_default_name_is_the_deploys_file() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: scp infra/docker-compose.prod.yml host:/srv/app/docker-compose.yml\n      - uses: appleboy/ssh-action@v1\n        with:\n          script: |\n            cd /srv/app\n            docker compose up -d\n",
    );
    assert_eq!(
        compose_deploys(&f),
        [(vec!["infra/docker-compose.prod.yml".into()], 9, true)]
    );
    // Copied by scp-action, then renamed on the host to the override compose reads.
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - uses: appleboy/scp-action@v0.1.7\n        with:\n          source: docker-compose.yml,deploy/docker-compose.prod.yml\n          target: /srv/app\n      - uses: appleboy/ssh-action@v1\n        with:\n          script: |\n            cd /srv/app\n            mv docker-compose.prod.yml docker-compose.override.yml\n            docker compose up -d\n",
    );
    assert_eq!(
        compose_deploys(&f),
        [(
            vec![
                "docker-compose.yml".into(),
                "deploy/docker-compose.prod.yml".into()
            ],
            13,
            true
        )]
    );
}
#[test]
fn create_envfile_action_writes_its_envkey_inputs_to_a_fresh_file() {
    let wf = "\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"OLD=1\" > .env
      - uses: SpicyPizza/create-envfile@v2.0
        with:
          envkey_SECRET_KEY: ${{ secrets.SECRET_KEY }}
          envkey_POSTGRES_PORT: 5432
          some_other_input: x
          directory: config/envs
          file_name: dev_env
      - uses: SpicyPizza/create-envfile@v2
        with:
          envkey_DEBUG: ${{ vars.DEBUG }}
";
    let f = collect_file(".github/workflows/test.yml", wf);
    let got: Vec<(String, u32, WriteVia, String, Option<String>)> = writes(&f)
        .into_iter()
        .map(|w| (w.0, w.1, w.2, w.3, w.4))
        .collect();
    let dev_env = Some("config/envs/dev_env".to_string());
    assert_eq!(
        got,
        [
            (
                "SECRET_KEY".to_string(),
                9,
                WriteVia::EnvfileAction,
                "secrets.SECRET_KEY".to_string(),
                dev_env.clone()
            ),
            (
                "POSTGRES_PORT".to_string(),
                10,
                WriteVia::EnvfileAction,
                "literal".to_string(),
                dev_env
            ),
            (
                "DEBUG".to_string(),
                16,
                WriteVia::EnvfileAction,
                "vars.DEBUG".to_string(),
                Some(".env".to_string())
            ),
        ]
    );
}

#[test]
fn scripts_of_windows_runners_and_pwsh_defaults_are_not_parsed_as_bash() {
    let write = "    steps:\n      - run: echo \"API=${{ secrets.API }}\" >> .env\n";
    let keys = |f: &Facts| -> Vec<String> { f.writes.iter().map(|w| w.key.clone()).collect() };
    // A Windows runner's default shell is pwsh.
    let f = collect_file(
        "w.yml",
        &format!("jobs:\n  a:\n    runs-on: windows-latest\n{write}"),
    );
    assert!(keys(&f).is_empty(), "{:?}", keys(&f));
    // The workflow's defaults say pwsh.
    let f = collect_file(
        "w.yml",
        &format!(
            "defaults:\n  run:\n    shell: pwsh\njobs:\n  a:\n    runs-on: ubuntu-latest\n{write}"
        ),
    );
    assert!(keys(&f).is_empty(), "{:?}", keys(&f));
    // The job asks for bash on Windows: parsed.
    let f = collect_file(
        "w.yml",
        &format!(
            "jobs:\n  a:\n    runs-on: [self-hosted, windows]\n    defaults:\n      run:\n        shell: bash\n{write}"
        ),
    );
    assert_eq!(keys(&f), ["API"]);
    // Linux, no shell named: bash.
    let f = collect_file(
        "w.yml",
        &format!("jobs:\n  a:\n    runs-on: ubuntu-latest\n{write}"),
    );
    assert_eq!(keys(&f), ["API"]);
}

#[test]
fn ecs_render_step_inputs_are_the_containers_keys() {
    let wf = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/amazon-ecs-render-task-definition@v1\n        with:\n          task-definition: task-definition.json\n          container-name: web\n          environment-variables: |\n            LOG_LEVEL=info\n            DB_HOST=${{ secrets.DB_HOST }}\n            not a pair\n          secrets: |\n            API_KEY=arn:aws:ssm:eu-west-1:1:parameter/api-key\n";
    let facts = collect_file(".github/workflows/deploy.yml", wf);
    let target = Some(".github/workflows/deploy.yml#deploy".to_string());
    let row = |key: &str, line: u32, source: &str| {
        (
            key.to_string(),
            line,
            WriteVia::EcsTaskDefinition,
            source.to_string(),
            None,
            target.clone(),
            false,
        )
    };
    assert_eq!(
        writes(&facts),
        [
            row("LOG_LEVEL", 10, "literal"),
            row("DB_HOST", 11, "secrets.DB_HOST"),
            row("API_KEY", 14, "unknown"),
        ]
    );
    assert!(facts.jobs[0].delivers, "the render step deploys");
}

/// Which environment's secrets each `secrets.NAME` use sees: its job's
/// `environment:` (a name, or `{name: …}`), none, or unknown (outside any
/// job, or an environment named by an expression).
#[test]
fn each_secret_use_knows_the_environment_of_its_job() {
    use crate::facts::SecretScope;
    let wf = "env:\n  TOP: ${{ secrets.TOP }}\njobs:\n  test:\n    steps:\n      - run: echo ${{ secrets.A }}\n  prod:\n    environment: production\n    steps:\n      - run: echo ${{ secrets.B }}\n        if: secrets.C != ''\n  stage:\n    environment:\n      name: staging\n      url: https://staging.example.com\n    steps:\n      - run: echo ${{ secrets.D }}\n  matrix:\n    environment: ${{ matrix.env }}\n    steps:\n      - run: echo ${{ secrets.E }}\n";
    let f = collect_file(".github/workflows/deploy.yml", wf);
    let scopes: Vec<(&str, SecretScope)> = f
        .secret_refs
        .iter()
        .map(|s| (s.name.as_str(), s.scope.clone()))
        .collect();
    let env = |n: &str| SecretScope::Environment(n.to_string());
    assert_eq!(
        scopes,
        [
            ("TOP", SecretScope::Unknown),
            ("A", SecretScope::NoEnvironment),
            ("B", env("production")),
            ("C", env("production")),
            ("D", env("staging")),
            ("E", SecretScope::Unknown),
        ]
    );
}

#[test]
fn an_env_entry_with_an_empty_key_is_no_write() {
    // Found by the workflow fuzz target: a write of an empty key.
    let text = "name: deploy\non: push\nenv:\n  :\n    runs-on: ubuntu-latest\n  \"\": x\n  REGION: eu\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      :\n      TOKEN: ${{ secrets.TOKEN }}\n    steps:\n      - run: echo\n";
    let f = collect_file(".github/workflows/deploy.yml", text);
    let keys: Vec<&str> = f.writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["REGION", "TOKEN"]);
}

#[test]
fn the_collector_reads_workflows_with_the_scripts_their_steps_run() {
    use crate::collect::{Collector, Context};
    let ctx = Context::default();
    for rel in [
        ".github/workflows/deploy.yml",
        ".gitea/workflows/ci.yaml",
        "scripts/deploy.sh",
    ] {
        assert!(super::WorkflowCollector.wants(rel, &ctx), "{rel}");
    }
    for rel in [
        ".github/workflows/archive/old.yml",
        ".github/workflows/README.md",
        "deploy.yml",
        "ci/workflows/deploy.yml",
    ] {
        assert!(!super::WorkflowCollector.wants(rel, &ctx), "{rel}");
    }
    let dir = tempfile::tempdir().unwrap();
    let files = crate::collect::write_inputs(
        dir.path(),
        &[
            (
                ".github/workflows/deploy.yml",
                "jobs:\n  deploy:\n    steps:\n      - run: ./scripts/write-env.sh\n",
            ),
            (
                "scripts/write-env.sh",
                "echo \"API_KEY=${API_KEY}\" >> .env\n",
            ),
        ],
    );
    let facts = super::WorkflowCollector.collect(&files, &ctx);
    // The script is read as the step runs it, not as a workflow of its own.
    let written: Vec<(&str, &str)> = facts
        .writes
        .iter()
        .map(|w| (w.key.as_str(), w.location.file.as_str()))
        .collect();
    assert_eq!(written, [("API_KEY", "scripts/write-env.sh")]);
    assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
}

/// A reusable workflow's `on.workflow_call.secrets` are declarations, each
/// at its own line; a use of one is not.
#[test]
fn a_reusable_workflow_declares_its_secrets() {
    let wf = "on:\n  workflow_call:\n    secrets:\n      TOKEN:\n        required: true\n      KEY:\njobs:\n  deploy:\n    steps:\n      - run: echo ${{ secrets.TOKEN }}\n";
    let f = collect_file(".github/workflows/deploy.yml", wf);
    let refs: Vec<(&str, bool, u32, u32)> = f
        .secret_refs
        .iter()
        .map(|s| {
            let at = &s.location;
            (s.name.as_str(), s.declaration, at.line(), at.column)
        })
        .collect();
    // The use stands at its `${{` (0-based column 18), after `echo `.
    assert_eq!(
        refs,
        [
            ("TOKEN", false, 10, 18),
            ("TOKEN", true, 4, 6),
            ("KEY", true, 6, 6)
        ]
    );
}

/// (key, line, column) of each write.
fn placed(f: &Facts) -> Vec<(&str, u32, u32)> {
    f.writes
        .iter()
        .map(|w| (w.key.as_str(), w.location.line(), w.location.column))
        .collect()
}

/// A plain `run:` line starts at the scalar's column; a block's lines at
/// its indentation.
#[test]
fn script_writes_stand_at_their_column_in_the_file() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: true && echo A=1 >> .env\n      - run: |\n          true\n            echo B=2 >> .env\n",
    );
    // 0-based columns of the keys: after `      - run: true && echo `, and
    // after the block's 10 spaces, the line's own 2 and `echo `.
    assert_eq!(placed(&f), [("A", 4, 26), ("B", 7, 17)]);
}

/// `KEY=value` lines of `amazon-ecs-render-task-definition` inputs stand at
/// their key, indentation skipped.
#[test]
fn task_definition_keys_stand_at_their_column() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - uses: aws-actions/amazon-ecs-render-task-definition@v1\n        with:\n          environment-variables: |\n            MODE=prod\n              DEBUG=0\n",
    );
    assert_eq!(placed(&f), [("MODE", 7, 12), ("DEBUG", 8, 14)]);
}

/// `defaults.run.working-directory` (the job's, else the workflow's) is
/// where a `run:` step writes its files.
#[test]
fn a_default_working_directory_places_the_files_a_step_writes() {
    let sinks = |wf: &str| -> Vec<Option<String>> {
        collect_file("w.yml", wf)
            .writes
            .into_iter()
            .map(|w| w.sink)
            .collect()
    };
    let step = "    steps:\n      - run: echo A=1 >> .env\n";
    assert_eq!(
        sinks(&format!(
            "defaults:\n  run:\n    working-directory: web\njobs:\n  a:\n{step}"
        )),
        [Some("web/.env".to_string())]
    );
    assert_eq!(
        sinks(&format!(
            "defaults:\n  run:\n    working-directory: web\njobs:\n  a:\n    defaults:\n      run:\n        working-directory: api\n{step}"
        )),
        [Some("api/.env".to_string())]
    );
    assert_eq!(
        sinks(&format!("jobs:\n  a:\n{step}")),
        [Some(".env".to_string())]
    );
}

/// A whole-file secret written on the runner is in the step's
/// `working-directory`; one written over ssh is on the host, where the
/// runner's directory means nothing.
#[test]
fn the_working_directory_places_runner_files_only() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - working-directory: app\n        run: |\n          echo \"${{ secrets.ENV }}\" > .env\n          ssh host \"echo '${{ secrets.HOST_ENV }}' > .env\"\n",
    );
    let sinks: Vec<&str> = f.opaque.iter().map(|o| o.sink.as_str()).collect();
    assert_eq!(sinks, ["app/.env", ".env"]);
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - working-directory: app\n        run: |\n          echo A=1 >> .env\n          ssh host \"echo B=2 >> .env\"\n",
    );
    let sinks: Vec<(&str, Option<&str>)> = f
        .writes
        .iter()
        .map(|w| (w.key.as_str(), w.sink.as_deref()))
        .collect();
    assert_eq!(sinks, [("A", Some("app/.env")), ("B", Some(".env"))]);
}

/// A `$GITHUB_ENV` line is in the env of the job's later steps; a write to
/// `.env` is not.
#[test]
fn github_env_writes_reach_later_steps_and_dotenv_writes_do_not() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: |\n          echo \"TOKEN=${{ secrets.T }}\" >> $GITHUB_ENV\n          echo \"MODE=${{ vars.M }}\" >> .env\n      - run: |\n          echo \"APP_TOKEN=$TOKEN\" >> .env\n          echo \"APP_MODE=$MODE\" >> .env\n",
    );
    let sources: Vec<(String, String)> = writes(&f)
        .into_iter()
        .filter(|w| w.0.starts_with("APP_"))
        .map(|w| (w.0, w.3))
        .collect();
    assert_eq!(
        sources,
        [
            ("APP_TOKEN".to_string(), "secrets.T".to_string()),
            ("APP_MODE".to_string(), "env.MODE".to_string())
        ]
    );
}

/// The env input a deploy action is given is named in its opaque stage.
#[test]
fn a_deploy_action_names_the_input_that_gives_it_env() {
    let what = |with: &str| -> Vec<String> {
        let wf = format!(
            "jobs:\n  a:\n    steps:\n      - uses: google-github-actions/deploy-cloudrun@v2\n        with:\n          service: web\n{with}"
        );
        collect_file("w.yml", &wf)
            .opaque_stages
            .into_iter()
            .map(|s| match s.kind {
                crate::facts::OpaqueKind::DeployStep { what } => what,
                other => format!("{other:?}"),
            })
            .collect()
    };
    let action = "google-github-actions/deploy-cloudrun";
    assert_eq!(what(""), [action]);
    for input in ["env_vars", "secrets", "app_settings"] {
        assert_eq!(
            what(&format!("          {input}: x\n")),
            [format!("{action} with {input}")]
        );
    }
}

#[test]
fn an_ssh_action_command_is_a_remote_script() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - uses: garygrossgarten/github-action-ssh@release\n        with:\n          host: h\n          command: echo A=1 >> .env\n",
    );
    let got: Vec<(String, bool)> = writes(&f).into_iter().map(|w| (w.0, w.6)).collect();
    assert_eq!(got, [("A".to_string(), true)]);
}

/// `python scripts/notify.py` in a step: a CI script, found from the step's
/// working directory.
#[test]
fn python_files_a_step_runs_are_ci_scripts() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  a:\n    steps:\n      - run: python scripts/notify.py\n      - working-directory: tools\n        run: |\n          echo start\n          python check.py --strict\n",
    );
    let found: Vec<(&str, u32)> = f
        .ci_scripts
        .iter()
        .map(|c| (c.path.as_str(), c.location.line()))
        .collect();
    assert_eq!(found, [("scripts/notify.py", 4), ("tools/check.py", 8)]);
}

/// Each job says whether it runs the tests and whether the compose stack it
/// starts runs on the runner.
#[test]
fn a_job_knows_its_tests_and_where_its_compose_stack_runs() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n  local:\n    runs-on: self-hosted\n    steps:\n      - run: docker compose up -d\n  remote:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ssh host 'docker compose up -d'\n  none:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    );
    let jobs: Vec<(bool, Option<bool>)> = f
        .jobs
        .iter()
        .map(|j| (j.tests, j.compose_on_runner))
        .collect();
    assert_eq!(
        jobs,
        [
            (true, None),
            (false, Some(true)),
            (false, Some(false)),
            (false, None)
        ]
    );
}

/// A `runs-on` list is GitHub-hosted only if every label is: a matrix
/// label with no values left is an unknown machine.
#[test]
fn a_matrix_label_without_values_stays_unknown() {
    let job = |runs_on: &str| {
        let wf = format!(
            "jobs:\n  a:\n    runs-on: {runs_on}\n    strategy:\n      matrix:\n        extra: []\n    steps:\n      - run: docker compose up -d\n"
        );
        collect_file(".github/workflows/w.yml", &wf).jobs[0].delivers
    };
    // Compose up on a GitHub-hosted runner serves only the job.
    assert!(!job("[ubuntu-latest]"));
    assert!(job("[ubuntu-latest, \"${{ matrix.extra }}\"]"));
}

/// `docker run --env-file .env` gives the container the keys written to
/// `.env` by the same job or an earlier one, and no other file's.
#[test]
fn docker_run_env_file_takes_the_keys_of_that_file_only() {
    let f = collect_file(
        "w.yml",
        "jobs:\n  build:\n    steps:\n      - run: |\n          echo A=1 >> .env\n          echo B=2 >> other.env\n  deploy:\n    steps:\n      - run: |\n          echo C=3 >> .env\n          docker run --env-file .env img\n",
    );
    let docker_run: Vec<&str> = f
        .writes
        .iter()
        .filter(|w| w.via == WriteVia::DockerRunEnvFile)
        .map(|w| w.key.as_str())
        .collect();
    assert_eq!(docker_run, ["C", "A"]);
}
