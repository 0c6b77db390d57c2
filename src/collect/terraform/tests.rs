use super::*;
use crate::facts::{OpaqueKind, PlatformApp, Source, WriteVia};
use crate::platform::Platform;

/// The collector over `files` written into a fresh root.
fn collect(files: &[(&str, &str)]) -> Facts {
    let dir = tempfile::tempdir().unwrap();
    // Every file is written (templates are read from disk); the walk hands
    // the collector its `.tf` files only.
    let mut inputs = crate::collect::write_inputs(dir.path(), files);
    inputs.retain(|i| i.rel.ends_with(".tf"));
    let ctx = Context {
        root: dir.path().to_path_buf(),
        threads: 1,
        ..Context::default()
    };
    TerraformCollector.collect(&inputs, &ctx)
}

/// An app's env as [`env_of`] spells it.
type EnvLines = (Vec<String>, Vec<String>);

/// `KEY@line:source` of each env entry, and `what@line` of each unseen part.
fn env_of(app: &PlatformApp) -> EnvLines {
    let env = app
        .env
        .iter()
        .map(|e| format!("{}@{}:{}", e.key, e.location.line(), e.source.label()))
        .collect();
    let unseen = app
        .unseen
        .iter()
        .map(|u| format!("{}@{}", u.what, u.location.line()))
        .collect();
    (env, unseen)
}

const ECS: &str = r#"locals {
  common_env = [{ name = "LOG_LEVEL", value = "info" }]
}

resource "aws_ecs_task_definition" "web" {
  family = "web-prod"
  container_definitions = jsonencode([
    {
      name  = "web"
      image = "ghcr.io/acme/web:1.2"
      environment = concat(local.common_env, [
        { name = "DJANGO_DEBUG", value = "false" },
        { name = "DATABASE_HOST", value = aws_db_instance.main.address },
      ])
      secrets = [{ name = "SECRET_KEY", valueFrom = aws_ssm_parameter.secret.arn }]
    },
    {
      name  = "proxy"
      image = var.proxy_image
    },
  ])
}
"#;

#[test]
fn ecs_containers_from_jsonencode() {
    let facts = collect(&[("infra/ecs.tf", ECS)]);
    assert!(facts.unparsed.is_empty() && facts.opaque_stages.is_empty());
    let [web, proxy] = facts.platform_apps.as_slice() else {
        panic!("{:?}", facts.platform_apps)
    };
    assert_eq!((web.name.as_str(), web.location.line()), ("web", 9));
    assert_eq!(web.location.file, "infra/ecs.tf");
    assert_eq!((web.noun, web.via), ("ECS container", WriteVia::Terraform));
    assert_eq!(web.platform, Some(Platform::AwsEcs));
    assert_eq!(web.image.as_deref(), Some("ghcr.io/acme/web:1.2"));
    let (env, unseen) = env_of(web);
    assert_eq!(
        env,
        [
            "LOG_LEVEL@2:literal",
            "DJANGO_DEBUG@12:literal",
            "DATABASE_HOST@13:unknown",
            "SECRET_KEY@15:unknown",
        ]
    );
    assert!(unseen.is_empty(), "{unseen:?}");
    assert_eq!(proxy.image, None, "an image from a variable is not written");
}

#[test]
fn ecs_containers_from_files_templates_and_heredocs() {
    let tf = r#"resource "aws_ecs_task_definition" "a" {
  container_definitions = file("${path.module}/defs/a.json")
}
resource "aws_ecs_task_definition" "b" {
  container_definitions = templatefile("b.json.tpl", { cpu = 256 })
}
resource "aws_ecs_task_definition" "c" {
  container_definitions = <<-EOF
    [
      {"name": "c", "environment": [{"name": "C_KEY", "value": "${var.c}"}]}
    ]
  EOF
}
resource "aws_ecs_task_definition" "d" {
  container_definitions = file("missing.json")
}
resource "aws_ecs_task_definition" "e" {
  container_definitions = var.containers
}
"#;
    let a =
        "[\n  {\"name\": \"a\", \"environment\": [{\"name\": \"A_KEY\", \"value\": \"1\"}]}\n]\n";
    let b = "[{\n  \"name\": \"b\", \"cpu\": ${cpu},\n  \"secrets\": [{\"name\": \"B_KEY\", \"valueFrom\": \"${arn}\"}]\n}]\n";
    let facts = collect(&[
        ("infra/main.tf", tf),
        ("infra/defs/a.json", a),
        ("infra/b.json.tpl", b),
    ]);
    assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
    let by_name = |n: &str| {
        facts
            .platform_apps
            .iter()
            .find(|a| a.name == n)
            .unwrap_or_else(|| panic!("{n}: {:?}", facts.platform_apps))
    };
    let a = by_name("a");
    assert_eq!(a.env[0].location.file, "infra/defs/a.json");
    assert_eq!(env_of(a).0, ["A_KEY@2:literal"]);
    assert_eq!(env_of(by_name("b")).0, ["B_KEY@3:unknown"]);
    assert_eq!(env_of(by_name("c")).0, ["C_KEY@10:unknown"]);
    let d = by_name("d");
    assert_eq!(d.noun, "ECS task definition");
    assert_eq!(
        env_of(d).1,
        ["the container definitions in infra/missing.json, which is not in the repository@15"]
    );
    assert_eq!(
        env_of(by_name("e")).1,
        ["the container definitions from var.containers@18"]
    );
}

#[test]
fn a_broken_json_file_is_unparsed_and_unseen() {
    let tf = "resource \"aws_ecs_task_definition\" \"a\" {\n  container_definitions = file(\"a.json\")\n}\n";
    let facts = collect(&[("main.tf", tf), ("a.json", "[{\"name\": }]")]);
    assert_eq!(facts.unparsed.len(), 1);
    assert_eq!(facts.unparsed[0].location.file, "a.json");
    assert_eq!(facts.platform_apps[0].unseen.len(), 1);
}

#[test]
fn lambda_env_maps_known_and_unseen() {
    let tf = r#"locals {
  shared = { SENTRY_DSN = var.sentry }
}
resource "aws_lambda_function" "api" {
  function_name = "api"
  runtime       = "python3.12"
  environment {
    variables = merge(local.shared, var.app_env, {
      DJANGO_SETTINGS_MODULE = "app.settings"
    })
  }
}
resource "aws_lambda_function" "edge" {
  runtime = "nodejs20.x"
  environment {
    variables = { NODE_ENV = "production" }
  }
}
"#;
    let facts = collect(&[("lambda.tf", tf)]);
    let [api] = facts.platform_apps.as_slice() else {
        panic!("a Node function is not the app: {:?}", facts.platform_apps)
    };
    assert_eq!((api.noun, api.name.as_str()), ("Lambda function", "api"));
    assert_eq!(api.platform, Some(Platform::AwsLambda));
    let (env, unseen) = env_of(api);
    assert_eq!(
        env,
        ["SENTRY_DSN@2:unknown", "DJANGO_SETTINGS_MODULE@9:literal"]
    );
    assert_eq!(unseen, ["the map var.app_env@8"]);
}

/// The handler a Lambda starts is an entry point: the module before the
/// function's name, from `handler` or an image's `image_config.command`.
#[test]
fn lambda_handlers_are_entry_points() {
    let tf = r#"resource "aws_lambda_function" "zip" {
  runtime = "python3.12"
  handler = "app.main.handler"
}
resource "aws_lambda_function" "image" {
  package_type = "Image"
  image_config {
    command = ["src.api.lambda_handler"]
  }
}
"#;
    let facts = collect(&[("lambda.tf", tf)]);
    let starts: Vec<(&str, &str, u32)> = facts
        .entry_points
        .iter()
        .map(|e| (e.command.as_str(), e.modules[0].as_str(), e.location.line()))
        .collect();
    assert_eq!(
        starts,
        [
            ("lambda app.main.handler", "app.main", 1),
            ("lambda src.api.lambda_handler", "src.api", 5)
        ]
    );
}

#[test]
fn cloud_run_azure_and_kubernetes() {
    let tf = r#"resource "google_cloud_run_v2_service" "api" {
  name = "api"
  template {
    containers {
      image = "gcr.io/p/api"
      env {
        name  = "DEBUG"
        value = "0"
      }
      env {
        name = "DB_PASSWORD"
        value_source {
          secret_key_ref {
            secret = "db"
          }
        }
      }
      dynamic "env" {
        for_each = var.extra
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
}
resource "google_cloud_run_service" "old" {
  name = "old"
  template {
    spec {
      containers {
        env {
          name  = "OLD_KEY"
          value = var.old
        }
      }
    }
  }
}
resource "azurerm_linux_web_app" "site" {
  name         = "site"
  app_settings = { WEBSITES_PORT = "8000", SECRET_KEY = var.secret }
}
resource "kubernetes_deployment_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    template {
      spec {
        container {
          name  = "django"
          image = "acme/web"
          env {
            name  = "REDIS_URL"
            value = "redis://redis:6379"
          }
          env_from {
            secret_ref {
              name = "web-env"
            }
          }
        }
      }
    }
  }
}
"#;
    let facts = collect(&[("gcp.tf", tf)]);
    let apps: Vec<(&str, &str, EnvLines)> = facts
        .platform_apps
        .iter()
        .map(|a| (a.noun, a.name.as_str(), env_of(a)))
        .collect();
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        apps,
        [
            (
                "Cloud Run service",
                "api",
                (
                    owned(&["DEBUG@7:literal", "DB_PASSWORD@11:unknown"]),
                    owned(&["a dynamic env block@18"])
                )
            ),
            (
                "Cloud Run service",
                "old",
                (owned(&["OLD_KEY@34:unknown"]), vec![])
            ),
            (
                "Azure web app",
                "site",
                (
                    owned(&["WEBSITES_PORT@43:literal", "SECRET_KEY@43:unknown"]),
                    vec![]
                )
            ),
            (
                "Kubernetes deployment",
                "django",
                (
                    owned(&["REDIS_URL@56:literal"]),
                    owned(&["the env_from secret web-env@59"])
                )
            ),
        ]
    );
    assert_eq!(facts.platform_apps[3].platform, None);
    assert_eq!(facts.platform_apps[3].image.as_deref(), Some("acme/web"));
}

#[test]
fn container_app_dynamic_env_over_a_local_map() {
    let locals = r#"locals {
  app_secrets = {
    "django-secret-key" = { env_name = "DJANGO_SECRET_KEY", exists = true },
    "analytics-key"     = { env_name = "ANALYTICS_KEY", exists = !var.is_dev },
    "legacy-key"        = { env_name = "LEGACY_KEY", exists = false },
    (var.db_secret)     = { env_name = "DB_PASSWORD", exists = true },
  }
  app_config = {
    "REQUESTS_TIMEOUT" = "5",
    "POSTGRES_HOST"    = var.postgres_fqdn,
  }
}
"#;
    let app = r#"resource "azurerm_container_app" "web" {
  name = "web"
  template {
    container {
      name  = "web"
      image = "acr.io/benefits:1"
      env {
        name        = "SENTRY_DSN"
        secret_name = "sentry-dsn"
      }
      dynamic "env" {
        for_each = { for k, v in local.app_secrets : k => v if v.exists }
        content {
          name        = env.value.env_name
          secret_name = env.key
        }
      }
      dynamic "env" {
        for_each = local.app_config
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = var.extra_env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }
}
"#;
    let facts = collect(&[("infra/locals.tf", locals), ("infra/app.tf", app)]);
    let [web] = facts.platform_apps.as_slice() else {
        panic!("one app: {:?}", facts.platform_apps);
    };
    assert_eq!(
        (web.noun, web.name.as_str()),
        ("Azure container app", "web")
    );
    let (env, unseen) = env_of(web);
    assert_eq!(
        env,
        [
            "SENTRY_DSN@8:unknown",
            // The filter keeps what may exist; `exists = false` never does.
            "DJANGO_SECRET_KEY@3:unknown",
            "ANALYTICS_KEY@4:unknown",
            "DB_PASSWORD@6:unknown",
            "REQUESTS_TIMEOUT@9:literal",
            "POSTGRES_HOST@10:unknown",
        ]
    );
    assert_eq!(unseen, ["a dynamic env block@25"]);
    assert!(facts.opaque_stages.is_empty(), "{:?}", facts.opaque_stages);
}

fn opaque_lines(facts: &Facts) -> Vec<String> {
    facts
        .opaque_stages
        .iter()
        .map(|o| {
            assert!(matches!(
                o.kind,
                OpaqueKind::Infrastructure {
                    kind: InfraKind::Terraform
                }
            ));
            format!("{}:{}", o.location.file, o.location.line())
        })
        .collect()
}

#[test]
fn what_stays_opaque_and_what_is_no_stage() {
    let storage = "resource \"aws_s3_bucket\" \"media\" {\n  bucket = \"media\"\n}\nmodule \"vpc\" {\n  source      = \"terraform-aws-modules/vpc/aws\"\n  environment = \"prod\"\n  env         = var.environment\n}\n";
    assert!(
        collect(&[("infra/storage.tf", storage)])
            .opaque_stages
            .is_empty()
    );
    let helm = "resource \"aws_s3_bucket\" \"b\" {}\n\nresource \"helm_release\" \"app\" {\n  chart = \"app\"\n}\n";
    assert_eq!(
        opaque_lines(&collect(&[("k8s/helm.tf", helm)])),
        ["k8s/helm.tf:3"]
    );
    let module = "module \"app\" {\n  source = \"git::https://example.com/ecs.git\"\n  environment = { DEBUG = \"0\" }\n}\nmodule \"local\" {\n  source = \"./modules/app\"\n  env_vars = var.env\n}\n";
    assert_eq!(
        opaque_lines(&collect(&[("main.tf", module)])),
        ["main.tf:1"]
    );
    let broken = collect(&[("bad.tf", "resource \"x\" {\n  a = \n}\n")]);
    assert_eq!(opaque_lines(&broken), ["bad.tf:1"]);
    assert_eq!(broken.unparsed.len(), 1);
    assert!(
        broken.unparsed[0].message.starts_with("invalid HCL"),
        "{:?}",
        broken.unparsed
    );
}

#[test]
fn local_modules_are_read_in_their_own_folder() {
    let module = "variable \"env\" {}\nresource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = var.env\n  }\n}\n";
    let facts = collect(&[
        (
            "main.tf",
            "module \"app\" {\n  source = \"./modules/app\"\n  env = { A = \"1\" }\n}\n",
        ),
        ("modules/app/main.tf", module),
    ]);
    assert!(facts.opaque_stages.is_empty());
    let (env, unseen) = env_of(&facts.platform_apps[0]);
    assert!(env.is_empty());
    assert_eq!(unseen, ["the map var.env@4"]);
    assert_eq!(facts.platform_apps[0].env.len(), 0);
    assert_eq!(Source::Unknown.label(), "unknown");
}

#[test]
fn hostile_input_is_unparsed_not_a_crash() {
    let deep = format!("x = {}{}\n", "[".repeat(5000), "]".repeat(5000));
    let facts = collect(&[("deep.tf", &deep)]);
    assert_eq!(facts.unparsed.len(), 1);
    let odd = "resource \"aws_ecs_task_definition\" \"x\" {\n  container_definitions = jsonencode([1, \"a\", null, { name = 3 }])\n}\n";
    let facts = collect(&[("odd.tf", odd)]);
    assert!(facts.unparsed.is_empty());
    assert_eq!(facts.platform_apps.len(), 4);
}

proptest::proptest! {
    /// Whatever a `.tf` file holds, reading it ends in facts (an unparsed
    /// note for broken HCL), never a panic.
    #[test]
    fn any_terraform_text_is_read_without_panicking(
        text in "(resource \"aws_lambda_function\" \"a\" \\{\n|resource \"aws_ecs_task_definition\" \"t\" \\{\n|  container_definitions = jsonencode\\(\\[\\{ name = \"w\", environment = \\[\\{ name = \"K\", value = var.x \\}\\] \\}\\]\\)\n|  environment \\{ variables = \\{ [A-Z]{1,3} = \"v\" \\} \\}\n|  handler = \"[a-z.]{0,8}\"\n|  dynamic \"env\" \\{\n|\\}\n|locals \\{ a = \\{ B = 1 \\} \\}\n|[a-z_ =\"{}\\[\\]()$.]{0,20}\n){0,10}",
    ) {
        let _ = collect(&[("main.tf", &text)]);
    }
}
