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
