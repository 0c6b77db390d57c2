use super::*;
use crate::collect::compose::collect_source;
use crate::location::Location;

fn deploy(files: &[&str], remote: bool) -> ComposeDeploy {
    ComposeDeploy {
        location: Location::new(".github/workflows/deploy.yml", 9, 12),
        files: files.iter().map(|f| f.to_string()).collect(),
        remote,
        delivers: true,
    }
}

fn facts_of(files: &[(&str, &str)], deploys: Vec<ComposeDeploy>) -> Facts {
    let mut facts = Facts::default();
    for (rel, text) in files {
        facts.extend(collect_source(rel, text, None));
    }
    facts.compose_deploys = deploys;
    facts
}

const BASE: &str =
    "services:\n  web:\n    build: .\n    env_file: .env\n    environment:\n      DEBUG: \"1\"\n";
const PROD: &str = "services:\n  web:\n    restart: always\n    env_file: .env.prod\n    environment:\n      DEBUG: \"0\"\n      SENTRY_DSN: ${SENTRY_DSN}\n  proxy:\n    image: nginx\n";

#[test]
fn overlay_fields_merge_into_the_base_service_with_their_own_locations() {
    let mut facts = facts_of(
        &[
            ("docker-compose.yml", BASE),
            ("docker-compose.prod.yml", PROD),
        ],
        vec![deploy(
            &["docker-compose.yml", "./docker-compose.prod.yml"],
            false,
        )],
    );
    merge_deployed(&mut facts);
    let files: Vec<(&str, &str)> = facts
        .services
        .iter()
        .map(|s| (s.file.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(
        files,
        [
            ("docker-compose.yml", "web"),
            ("docker-compose.yml", "proxy")
        ]
    );
    let web = &facts.services[0];
    assert!(web.restart && web.deployed && web.build_context.is_some());
    let env: Vec<(&str, &str, u32)> = web
        .environment
        .iter()
        .map(|e| (e.key.as_str(), e.location.file.as_str(), e.location.row))
        .collect();
    assert_eq!(
        env,
        [
            ("DEBUG", "docker-compose.prod.yml", 5),
            ("SENTRY_DSN", "docker-compose.prod.yml", 6)
        ]
    );
    let env_files: Vec<&str> = web.env_files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(env_files, [".env", ".env.prod"]);
    // A service only the overlay defines joins the project, where it was written.
    assert_eq!(facts.services[1].location.file, "docker-compose.prod.yml");
}

#[test]
fn without_a_deploy_nothing_is_merged_or_deployed() {
    let mut facts = facts_of(
        &[
            ("docker-compose.yml", BASE),
            ("docker-compose.prod.yml", PROD),
        ],
        Vec::new(),
    );
    merge_deployed(&mut facts);
    assert_eq!(facts.services.len(), 3);
    assert!(facts.services.iter().all(|s| !s.deployed));
}

#[test]
fn plain_up_reads_the_default_file_and_its_override() {
    let mut facts = facts_of(
        &[
            ("docker-compose.yml", BASE),
            ("docker-compose.override.yml", PROD),
        ],
        vec![deploy(&[], true)],
    );
    merge_deployed(&mut facts);
    assert!(
        facts
            .services
            .iter()
            .all(|s| s.deployed && s.file == "docker-compose.yml")
    );
    assert!(facts.services[0].restart);
}

#[test]
fn host_paths_resolve_by_name_and_unknown_files_resolve_to_nothing() {
    let known: BTreeSet<&str> = ["deploy/docker-compose.prod.yml", "docker-compose.yml"].into();
    assert_eq!(
        resolve(&deploy(&["/srv/app/docker-compose.prod.yml"], true), &known),
        ["deploy/docker-compose.prod.yml"]
    );
    assert!(
        resolve(
            &deploy(&["docker-compose.yml", "missing.yml"], false),
            &known
        )
        .is_empty()
    );
    // An override alone still starts from the base beside it.
    let known: BTreeSet<&str> = ["docker-compose.yml", "docker-compose.override.yml"].into();
    assert_eq!(
        resolve(&deploy(&["docker-compose.override.yml"], true), &known),
        ["docker-compose.yml", "docker-compose.override.yml"]
    );
}

#[test]
fn paths_under_a_variable_folder_resolve_as_repository_paths() {
    let known: BTreeSet<&str> = [
        "docker/base/docker-compose.yml",
        "docker/environments/production/docker-compose.yml",
    ]
    .into();
    let files = [
        "$PROJECT_ROOT/docker/base/docker-compose.yml",
        "${TARGET_DIR}/docker/environments/production/docker-compose.yml",
    ];
    assert_eq!(
        resolve(&deploy(&files, false), &known),
        [
            "docker/base/docker-compose.yml",
            "docker/environments/production/docker-compose.yml"
        ]
    );
    // A variable alone names no file.
    assert!(resolve(&deploy(&["$COMPOSE_FILE"], false), &known).is_empty());
}

#[test]
fn an_overlay_command_replaces_the_base_command() {
    let base = "services:\n  web:\n    build: .\n    command: python manage.py runserver\n";
    let prod = "services:\n  web:\n    command: gunicorn app.wsgi\n";
    let mut facts = facts_of(
        &[("compose.yml", base), ("compose.prod.yml", prod)],
        vec![deploy(&["compose.yml", "compose.prod.yml"], false)],
    );
    merge_deployed(&mut facts);
    let web = &facts.services[0];
    assert!(!web.dev, "the deployed command is gunicorn");
    assert_eq!(
        web.command.as_ref().map(|c| c.location.file.as_str()),
        Some("compose.prod.yml")
    );
}

#[test]
fn a_base_started_with_several_overlays_is_judged_with_the_first_not_for_development() {
    let mut facts = facts_of(
        &[
            (
                "docker/base.yml",
                "services:\n  api:\n    image: acme/api\n",
            ),
            (
                "docker/dev/compose.yml",
                "services:\n  api:\n    environment:\n      - DEBUG=1\n",
            ),
            (
                "docker/prod/compose.yml",
                "services:\n  api:\n    restart: always\n",
            ),
        ],
        vec![
            deploy(&["docker/base.yml", "docker/dev/compose.yml"], false),
            deploy(&["docker/base.yml", "docker/prod/compose.yml"], false),
        ],
    );
    merge_deployed(&mut facts);
    let api = facts
        .services
        .iter()
        .find(|s| s.file == "docker/base.yml")
        .expect("the base's api");
    assert!(api.restart, "the production overlay was merged");
    assert!(api.environment.is_empty(), "the development one was not");
    assert!(
        facts
            .services
            .iter()
            .any(|s| s.file == "docker/dev/compose.yml"),
        "the development file, not merged, keeps its own services"
    );
}

#[test]
fn image_only_services_adopt_the_build_of_the_same_image_resolved_from_the_project_folder() {
    let mut facts = facts_of(
        &[
            (
                "docker/base/compose.yml",
                "services:\n  api:\n    image: ghcr.io/acme/api:${TAG:-latest}\n",
            ),
            (
                "docker/environments/dev/compose.yml",
                "services:\n  api:\n    image: ghcr.io/acme/api:${TAG:-dev}\n    build: ../../services/api\n",
            ),
        ],
        vec![deploy(
            &[
                "docker/base/compose.yml",
                "docker/environments/dev/compose.yml",
            ],
            false,
        )],
    );
    facts.images.push(crate::facts::DockerImage {
        file: "services/api/Dockerfile".into(),
        env: Vec::new(),
        python: true,
        other_runtime: false,
        command: Location::file_start("services/api/Dockerfile"),
    });
    adopt_image_builds(&mut facts);
    let base = facts
        .services
        .iter()
        .find(|s| s.file == "docker/base/compose.yml")
        .expect("base api");
    // From the dev file's own folder the build is docker/services/api,
    // which holds nothing; from the project's folder it is services/api.
    assert_eq!(base.build_context.as_deref(), Some("services/api"));

    // A build folder that holds nothing envtrail read is no evidence.
    let mut facts = facts_of(
        &[
            ("a.yml", "services:\n  api:\n    image: acme/api\n"),
            (
                "b.yml",
                "services:\n  api:\n    image: acme/api:dev\n    build: nowhere\n",
            ),
        ],
        Vec::new(),
    );
    adopt_image_builds(&mut facts);
    let a = facts
        .services
        .iter()
        .find(|s| s.file == "a.yml")
        .expect("a");
    assert_eq!(a.build_context, None);
}

#[test]
fn paths_rebase_from_one_folder_to_another() {
    assert_eq!(
        rebase(
            "docker/services/api",
            "docker/environments/dev",
            "docker/base"
        )
        .as_deref(),
        Some("services/api")
    );
    assert_eq!(rebase("a/b/app", "a/b", "c").as_deref(), Some("c/app"));
    assert_eq!(
        image_repository("ghcr.io/acme/api:${TAG:-dev}"),
        "ghcr.io/acme/api"
    );
    assert_eq!(
        image_repository("registry:5000/acme/api@sha256:ab"),
        "registry:5000/acme/api"
    );
}
