//! ECS task definitions: JSON files with `containerDefinitions` (what
//! `aws ecs register-task-definition` and the render action take), and the
//! container definitions Terraform's `aws_ecs_task_definition` holds. Each
//! container is a platform app: its `environment` and `secrets` names are
//! keys it sets (a secret's value comes from SSM or Secrets Manager, so its
//! source is unknown); `environmentFiles` are S3 files envtrail cannot see.

use super::env_tree::{self, Located, Tree, Unread};
use super::{Collector, Context, InputFile};
use crate::facts::{Facts, InfraKind, PlatformApp, PlatformEnv, Source, UnseenEnv, WriteVia};
use crate::location::Location;
use crate::platform::Platform;

pub struct EcsTaskDefinitionCollector;

impl Collector for EcsTaskDefinitionCollector {
    /// The files the infrastructure collector would call task definitions,
    /// `.github/` included: the render action's file often sits there.
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        super::infra::is_ecs_task_definition_name(rel)
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        super::collect_each(files, ctx.threads, |file, text| {
            collect_file(&file.rel, text)
        })
    }
}

/// The apps of one task-definition file; nothing when it is not one.
pub fn collect_file(rel: &str, text: &str) -> Facts {
    let mut facts = Facts::default();
    if !text.contains("\"containerDefinitions\"") {
        return facts;
    }
    let unreadable = |facts: &mut Facts| {
        facts.opaque_stages.push(super::infra::opaque_stage(
            InfraKind::EcsTaskDefinition,
            Location::file_start(rel),
        ));
    };
    let tree = match env_tree::parse_json(rel, text, 0) {
        Ok(tree) => tree,
        Err(e) => {
            facts = Facts::unparsed(
                Location::new(rel, e.row, 0),
                format!("invalid JSON: {}", e.message),
            );
            unreadable(&mut facts);
            return facts;
        }
    };
    // `aws ecs describe-task-definition` wraps the definition.
    let definition = tree.get("taskDefinition").unwrap_or(&tree);
    let Some(containers) = definition.get("containerDefinitions") else {
        // The marker sits somewhere envtrail does not look: still unseen.
        unreadable(&mut facts);
        return facts;
    };
    let stem = rel.rsplit('/').next().unwrap_or(rel);
    let family = definition
        .get("family")
        .and_then(Located::literal)
        .unwrap_or(stem);
    facts.platform_apps = container_apps(containers, WriteVia::EcsTaskDefinition, family);
    facts
}

/// One app per container of `containers` (a task definition's container
/// definitions, of task `task`); what cannot be read container by container
/// is one app named after the task, whose env is all unseen.
pub fn container_apps(containers: &Located, via: WriteVia, task: &str) -> Vec<PlatformApp> {
    let (items, unread) = containers.list_items();
    let mut apps: Vec<PlatformApp> = items
        .iter()
        .enumerate()
        .map(|(i, c)| container_app(c, via, task, i))
        .collect();
    if !unread.is_empty() {
        let mut app = new_app(via, "ECS task definition", task, containers.at.clone());
        app.unseen = unread
            .into_iter()
            .map(|u| unseen(format!("the container definitions from {}", u.what), u.at))
            .collect();
        apps.push(app);
    }
    apps
}

fn new_app(via: WriteVia, noun: &'static str, name: &str, location: Location) -> PlatformApp {
    PlatformApp {
        via,
        noun,
        name: name.to_string(),
        location,
        image: None,
        platform: Some(Platform::AwsEcs),
        env: Vec::new(),
        unseen: Vec::new(),
        env_files: Vec::new(),
    }
}

fn unseen(what: String, location: Location) -> UnseenEnv {
    UnseenEnv { what, location }
}

/// One container definition: its name, image, and env.
fn container_app(container: &Located, via: WriteVia, task: &str, index: usize) -> PlatformApp {
    let name_node = container.get("name");
    let name = name_node
        .and_then(Located::literal)
        .map_or_else(|| format!("{task}[{index}]"), str::to_string);
    let location = name_node.map_or_else(|| container.at.clone(), |n| n.at.clone());
    let mut app = new_app(via, "ECS container", &name, location);
    if !matches!(container.tree, Tree::Map(_)) {
        app.unseen.push(unseen(
            format!("the container definition {}", container.describe()),
            container.at.clone(),
        ));
        return app;
    }
    app.image = container
        .get("image")
        .and_then(Located::literal)
        .map(str::to_string);
    for (field, secret) in [("environment", false), ("secrets", true)] {
        if let Some(list) = container.get(field) {
            name_value_env(list, field, secret, &mut app);
        }
    }
    if let Some(files) = container.get("environmentFiles") {
        env_files(files, &mut app);
    }
    app
}

/// `[{ name = "K", value = ... }]` / `[{"name": "K", "valueFrom": ...}]`:
/// a secret's value comes from a secret store, so its source is unknown.
fn name_value_env(list: &Located, field: &str, secret: bool, app: &mut PlatformApp) {
    let (items, unread) = list.list_items();
    for item in items {
        let Some(name) = item.get("name") else {
            let what = format!("an entry of {field} ({})", item.describe());
            app.unseen.push(unseen(what, item.at.clone()));
            continue;
        };
        let Some(key) = name.literal().filter(|k| !k.is_empty()) else {
            let what = format!("an entry of {field} with a computed name");
            app.unseen.push(unseen(what, name.at.clone()));
            continue;
        };
        let source = match (secret, item.get("value")) {
            (false, Some(value)) => value.source(),
            _ => Source::Unknown,
        };
        app.env.push(PlatformEnv {
            key: key.to_string(),
            location: name.at.clone(),
            source,
        });
    }
    for Unread { what, at } in unread {
        app.unseen
            .push(unseen(format!("the {field} list from {what}"), at));
    }
}

/// `environmentFiles`: S3 objects whose keys envtrail cannot see.
fn env_files(files: &Located, app: &mut PlatformApp) {
    let (items, unread) = files.list_items();
    for item in items {
        let what = match item.get("value").and_then(Located::literal) {
            Some(arn) => format!("the S3 env file {arn}"),
            None => "an S3 env file".to_string(),
        };
        app.unseen.push(unseen(what, item.at.clone()));
    }
    for Unread { what, at } in unread {
        app.unseen
            .push(unseen(format!("the env files from {what}"), at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = r#"{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "123.dkr.ecr.us-east-1.amazonaws.com/web:latest",
      "environment": [
        {"name": "DJANGO_DEBUG", "value": "false"},
        {"name": "ALLOWED_HOSTS", "value": "${HOSTS}"}
      ],
      "secrets": [
        {"name": "SECRET_KEY", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/web/secret"}
      ],
      "environmentFiles": [{"value": "arn:aws:s3:::cfg/web.env", "type": "s3"}]
    },
    {"name": "nginx", "image": "nginx:1.27"}
  ]
}
"#;

    #[test]
    fn containers_with_environment_secrets_and_env_files() {
        let facts = collect_file(".aws/task-definition.json", TASK);
        assert!(facts.unparsed.is_empty() && facts.opaque_stages.is_empty());
        let [web, nginx] = facts.platform_apps.as_slice() else {
            panic!("{:?}", facts.platform_apps)
        };
        assert_eq!((web.name.as_str(), web.location.line()), ("web", 5));
        assert_eq!(web.noun, "ECS container");
        assert_eq!(web.via, WriteVia::EcsTaskDefinition);
        assert_eq!(web.platform, Some(Platform::AwsEcs));
        assert_eq!(
            web.image.as_deref(),
            Some("123.dkr.ecr.us-east-1.amazonaws.com/web:latest")
        );
        let env: Vec<(&str, u32, Source)> = web
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.location.line(), e.source.clone()))
            .collect();
        assert_eq!(
            env,
            [
                ("DJANGO_DEBUG", 8, Source::Literal),
                ("ALLOWED_HOSTS", 9, Source::Unknown),
                ("SECRET_KEY", 12, Source::Unknown),
            ]
        );
        assert_eq!(web.unseen.len(), 1);
        assert_eq!(
            web.unseen[0].what,
            "the S3 env file arn:aws:s3:::cfg/web.env"
        );
        assert_eq!(web.unseen[0].location.line(), 14);
        assert_eq!(nginx.image.as_deref(), Some("nginx:1.27"));
        assert!(nginx.env.is_empty());
    }

    #[test]
    fn other_json_and_broken_task_definitions() {
        assert!(
            collect_file("container.json", "{\"a\": 1}")
                .platform_apps
                .is_empty()
        );
        let broken = collect_file(
            "task.json",
            "{\n\"containerDefinitions\": [\n  {\"name\": }\n]}",
        );
        assert_eq!(broken.unparsed.len(), 1);
        assert_eq!(broken.unparsed[0].location.line(), 3);
        assert_eq!(broken.opaque_stages.len(), 1);
        // The marker elsewhere (a CloudFormation-like wrapper): still unseen.
        let nested = collect_file("ecs.json", "{\"x\": {\"containerDefinitions\": []}}");
        assert_eq!(nested.opaque_stages.len(), 1);
        let described = collect_file(
            "task.json",
            "{\"taskDefinition\": {\"containerDefinitions\": [{\"name\": \"api\"}]}}",
        );
        assert_eq!(described.platform_apps[0].name, "api");
    }

    #[test]
    fn computed_lists_are_unseen() {
        let text = "{\"containerDefinitions\": [{\"name\": \"w\", \"environment\": ${env}}]}";
        let facts = collect_file("task.json.tpl.json", text);
        let app = &facts.platform_apps[0];
        assert!(app.env.is_empty());
        assert_eq!(
            app.unseen[0].what,
            "the environment list from a template expression"
        );
    }
}
