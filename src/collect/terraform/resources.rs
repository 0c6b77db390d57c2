//! The Terraform resources that run an app with env envtrail reads, one
//! platform app each (per container where a resource has several): ECS
//! task definitions, Lambda functions, Cloud Run services, Azure web apps
//! and container apps, Kubernetes workloads.

use std::path::Path;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::hcl::{self, Locals, TfFile};
use crate::collect::env_tree::{self, Located, Unread};
use crate::collect::{InputFile, ecs};
use crate::facts::{PlatformApp, PlatformEnv, Source, Unparsed, UnseenEnv, WriteVia};
use crate::location::Location;
use crate::platform::Platform;

/// What a resource's reading needs: its file, the module's locals, the
/// repository root (for `file()` and `templatefile()`), and where problems
/// with the files they name go.
pub struct Reading<'a> {
    pub root: &'a Path,
    pub file: &'a TfFile,
    pub locals: &'a Locals<'a>,
    pub unparsed: Vec<Unparsed>,
    /// How the apps start, where the resource says (a Lambda's handler).
    pub entry_points: Vec<crate::facts::EntryPoint>,
}

/// The apps a resource of type `kind` defines; `None` when it is not one
/// envtrail reads.
pub fn apps(kind: &str, label: &str, block: &Block, cx: &mut Reading) -> Option<Vec<PlatformApp>> {
    let body = &block.body;
    let at = cx.file.at(block);
    let apps = match kind {
        "aws_ecs_task_definition" => ecs_task(label, body, cx),
        "aws_lambda_function" => lambda(label, body, at, cx).into_iter().collect(),
        "google_cloud_run_v2_service" => cloud_run(label, body, &["template"], at, cx),
        "google_cloud_run_service" => cloud_run(label, body, &["template", "spec"], at, cx),
        "azurerm_linux_web_app"
        | "azurerm_windows_web_app"
        | "azurerm_app_service"
        | "azurerm_linux_function_app" => vec![azure_web_app(label, body, at, cx)],
        "azurerm_container_app" => container_app(label, body, at, cx),
        k => {
            let noun = kubernetes_noun(k)?;
            kubernetes(noun, label, body, at, cx)
        }
    };
    Some(apps)
}

fn kubernetes_noun(kind: &str) -> Option<&'static str> {
    Some(match kind.strip_suffix("_v1").unwrap_or(kind) {
        "kubernetes_deployment" => "Kubernetes deployment",
        "kubernetes_stateful_set" => "Kubernetes stateful set",
        "kubernetes_daemonset" | "kubernetes_daemon_set" => "Kubernetes daemon set",
        "kubernetes_job" => "Kubernetes job",
        "kubernetes_cron_job" => "Kubernetes cron job",
        "kubernetes_pod" => "Kubernetes pod",
        _ => return None,
    })
}

fn app(noun: &'static str, name: String, at: Location, platform: Option<Platform>) -> PlatformApp {
    PlatformApp {
        via: WriteVia::Terraform,
        noun,
        name,
        location: at,
        image: None,
        platform,
        env: Vec::new(),
        unseen: Vec::new(),
        env_files: Vec::new(),
    }
}

fn unseen(what: impl Into<String>, location: Location) -> UnseenEnv {
    UnseenEnv {
        what: what.into(),
        location,
    }
}

/// `aws_ecs_task_definition`: `container_definitions` as `jsonencode(...)`
/// of HCL, a JSON heredoc, or `file()` / `templatefile()` of a JSON file.
fn ecs_task(label: &str, body: &Body, cx: &mut Reading) -> Vec<PlatformApp> {
    let task = hcl::literal_attr(body, "family").unwrap_or_else(|| label.to_string());
    let Some(defs) = hcl::attr(body, "container_definitions") else {
        return Vec::new();
    };
    let containers = match defs {
        Expression::FuncCall(call)
            if matches!(call.name.name.as_str(), "file" | "templatefile") =>
        {
            json_file(call, cx)
        }
        Expression::HeredocTemplate(_) => heredoc_json(defs, cx.file),
        _ => Ok(hcl::tree(defs, cx.file, cx.locals, 0)),
    };
    match containers {
        Ok(tree) => ecs::container_apps(&tree, WriteVia::Terraform, &task),
        Err(Unread { what, at }) => {
            let mut task_app = app(
                "ECS task definition",
                task,
                at.clone(),
                Some(Platform::AwsEcs),
            );
            task_app
                .unseen
                .push(unseen(format!("the container definitions in {what}"), at));
            vec![task_app]
        }
    }
}

/// The JSON file a `file()` or `templatefile()` call reads, relative to the
/// module's folder; what it is in words when envtrail cannot read it.
fn json_file(call: &hcl_edit::expr::FuncCall, cx: &mut Reading) -> Result<Located, Unread> {
    let at = cx.file.at(call);
    let unread = |what: String| Unread {
        what,
        at: at.clone(),
    };
    let written = call.args.iter().next().and_then(hcl::module_path);
    let Some(written) = written else {
        return Err(unread("a file at a computed path".into()));
    };
    let dir = cx.file.rel.rsplit_once('/').map_or("", |(d, _)| d);
    let Some(rel) = crate::collect::compose::join(dir, &written) else {
        return Err(unread(format!("{written}, outside the repository")));
    };
    let abs = cx.root.join(&rel);
    if !abs.is_file() {
        return Err(unread(format!("{rel}, which is not in the repository")));
    }
    let text = crate::collect::read_text(&InputFile {
        rel: rel.clone(),
        abs,
    })
    .map_err(|e| {
        cx.unparsed.push(*e);
        unread(format!("{rel}, which envtrail cannot read"))
    })?;
    env_tree::parse_json(&rel, &text, 0).map_err(|e| {
        // A template's directives may leave JSON only once rendered: not the file's fault.
        if call.name.name.as_str() == "file" {
            cx.unparsed.push(Unparsed {
                location: Location::new(rel.clone(), e.row, 0),
                message: format!("invalid JSON: {}", e.message),
            });
        }
        unread(format!("{rel}, which envtrail cannot read as JSON"))
    })
}

/// A heredoc's JSON, its rows counted in the `.tf` file.
fn heredoc_json(expr: &Expression, file: &TfFile) -> Result<Located, Unread> {
    let at = file.at(expr);
    let unread = || Unread {
        what: "a heredoc that is not JSON".into(),
        at: at.clone(),
    };
    let span = expr.span().ok_or_else(unread)?;
    let raw = file.text.get(span.clone()).ok_or_else(unread)?;
    // `<<EOF` ends the first line; the delimiter is the last one.
    let (_, content) = raw.split_once('\n').ok_or_else(unread)?;
    let content = content.trim_end().rsplit_once('\n').map_or("", |(c, _)| c);
    let (first_row, _) = file
        .lines
        .position(span.start + raw.find('\n').unwrap_or(0) + 1);
    env_tree::parse_json(&file.rel, content, first_row).map_err(|_| unread())
}

/// `aws_lambda_function`: `environment { variables = { K = ... } }`. A
/// function on a runtime other than Python is not the app.
fn lambda(label: &str, body: &Body, at: Location, cx: &mut Reading) -> Option<PlatformApp> {
    if let Some(runtime) = hcl::literal_attr(body, "runtime")
        && !runtime.starts_with("python")
    {
        return None;
    }
    let name = hcl::literal_attr(body, "function_name").unwrap_or_else(|| label.to_string());
    if let Some(entry) = lambda_handler(body, &at) {
        cx.entry_points.push(entry);
    }
    let mut function = app("Lambda function", name, at, Some(Platform::AwsLambda));
    function.image = hcl::literal_attr(body, "image_uri");
    for env in hcl::blocks(body, "environment") {
        if let Some(vars) = hcl::attr(&env.body, "variables") {
            map_env(vars, cx, &mut function);
        }
    }
    for dynamic in hcl::dynamic_blocks(body, "environment") {
        let at = cx.file.at(dynamic);
        function
            .unseen
            .push(unseen("a dynamic environment block", at));
    }
    Some(function)
}

/// `handler = "app.main.handler"`, or an image's
/// `image_config { command = ["src.api.lambda_handler"] }`: the module the
/// function starts (`app.main`, `src.api`).
fn lambda_handler(body: &Body, at: &Location) -> Option<crate::facts::EntryPoint> {
    let handler = hcl::literal_attr(body, "handler").or_else(|| {
        let config = hcl::block_at(body, &["image_config"])?;
        match hcl::attr(&config.body, "command")? {
            hcl_edit::expr::Expression::Array(items) => items.iter().next().and_then(|e| match e {
                hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
                _ => None,
            }),
            _ => None,
        }
    })?;
    let (module, _function) = handler.rsplit_once('.')?;
    Some(crate::facts::EntryPoint {
        command: format!("lambda {handler}"),
        modules: vec![module.to_string()],
        location: at.clone(),
        via: crate::facts::EntryVia::Manifest,
    })
}

/// `K = value` entries of a map expression: each key is set; what is not a
/// map envtrail can read (`var.app_env`, a `for`) is unseen.
fn map_env(expr: &Expression, cx: &Reading, app: &mut PlatformApp) {
    let tree = hcl::tree(expr, cx.file, cx.locals, 0);
    let (entries, unread) = tree.map_entries();
    for e in entries {
        app.env.push(PlatformEnv {
            key: e.key.clone(),
            location: e.at.clone(),
            source: e.value.source(),
        });
    }
    for Unread { what, at } in unread {
        app.unseen.push(unseen(format!("the map {what}"), at));
    }
}

/// `azurerm_*_web_app`, `azurerm_app_service`: `app_settings = { K = ... }`.
fn azure_web_app(label: &str, body: &Body, at: Location, cx: &Reading) -> PlatformApp {
    let name = hcl::literal_attr(body, "name").unwrap_or_else(|| label.to_string());
    let mut web_app = app("Azure web app", name, at, Some(Platform::AppService));
    if let Some(settings) = hcl::attr(body, "app_settings") {
        map_env(settings, cx, &mut web_app);
    }
    web_app
}

/// `azurerm_container_app`: each `template { container { env { ... } } }`,
/// its env blocks read as Cloud Run's (`secret_name` a secret of the app).
fn container_app(label: &str, body: &Body, at: Location, cx: &Reading) -> Vec<PlatformApp> {
    let name = hcl::literal_attr(body, "name").unwrap_or_else(|| label.to_string());
    let noun = "Azure container app";
    let Some(template) = hcl::block_at(body, &["template"]) else {
        return vec![app(noun, name, at, None)];
    };
    let mut apps: Vec<PlatformApp> = hcl::blocks(&template.body, "container")
        .map(|c| {
            let container = hcl::literal_attr(&c.body, "name").unwrap_or_else(|| name.clone());
            let mut run = app(noun, container, cx.file.at(c), None);
            container_env(&c.body, cx, &mut run);
            run
        })
        .collect();
    for dynamic in hcl::dynamic_blocks(&template.body, "container") {
        let mut run = app(noun, name.clone(), at.clone(), None);
        run.unseen
            .push(unseen("a dynamic container block", cx.file.at(dynamic)));
        apps.push(run);
    }
    apps
}

/// Cloud Run: the containers under `template` (v2) or `template.spec` (v1),
/// each with `env { name, value | value_source | value_from }`.
fn cloud_run(
    label: &str,
    body: &Body,
    template: &[&str],
    at: Location,
    cx: &Reading,
) -> Vec<PlatformApp> {
    let service = hcl::literal_attr(body, "name").unwrap_or_else(|| label.to_string());
    let Some(template) = hcl::block_at(body, template) else {
        return vec![app(
            "Cloud Run service",
            service,
            at,
            Some(Platform::CloudRun),
        )];
    };
    let containers: Vec<&Block> = hcl::blocks(&template.body, "containers").collect();
    let mut apps: Vec<PlatformApp> = containers
        .iter()
        .map(|c| {
            let name = match hcl::literal_attr(&c.body, "name") {
                Some(n) if containers.len() > 1 => format!("{service}/{n}"),
                _ => service.clone(),
            };
            let mut run = app(
                "Cloud Run service",
                name,
                cx.file.at(*c),
                Some(Platform::CloudRun),
            );
            container_env(&c.body, cx, &mut run);
            run
        })
        .collect();
    for dynamic in hcl::dynamic_blocks(&template.body, "containers") {
        let mut run = app(
            "Cloud Run service",
            service.clone(),
            at.clone(),
            Some(Platform::CloudRun),
        );
        run.unseen
            .push(unseen("a dynamic containers block", cx.file.at(dynamic)));
        apps.push(run);
    }
    apps
}

/// A container block's `image` and `env` blocks (Cloud Run and the
/// Kubernetes provider spell them alike); `env_from` and `dynamic "env"`
/// are unseen.
fn container_env(body: &Body, cx: &Reading, app: &mut PlatformApp) {
    app.image = hcl::literal_attr(body, "image");
    for env in hcl::blocks(body, "env") {
        let Some(name) = hcl::attr(&env.body, "name") else {
            continue;
        };
        let Some(key) = hcl::literal_attr(&env.body, "name").filter(|k| !k.is_empty()) else {
            let what = "an env block with a computed name";
            app.unseen.push(unseen(what, cx.file.at(name)));
            continue;
        };
        // `value_source` / `value_from`: a secret or config entry, set at deploy.
        // `secret_name` (Container Apps): a secret of the app, set at deploy.
        let source = match hcl::attr(&env.body, "value") {
            Some(value) => hcl::tree(value, cx.file, cx.locals, 0).source(),
            None if env.body.blocks().next().is_some() => Source::Unknown,
            None if hcl::attr(&env.body, "secret_name").is_some() => Source::Unknown,
            None => Source::Literal,
        };
        app.env.push(PlatformEnv {
            key,
            location: cx.file.at(name),
            source,
        });
    }
    for dynamic in hcl::dynamic_blocks(body, "env") {
        dynamic_env(dynamic, cx, app);
    }
    for env_from in hcl::blocks(body, "env_from") {
        app.unseen
            .push(unseen(env_from_what(&env_from.body), cx.file.at(env_from)));
    }
}

/// `dynamic "env" { for_each = local.app_config  content { name = env.key ... } }`:
/// when `for_each` is a map written in the module (see [`hcl::each_items`])
/// and `name` is the item's key, its value, or an attribute of its value,
/// the keys are those the map holds, each where the map names it. Anything
/// else (a variable, a computed key) is unseen.
fn dynamic_env(dynamic: &Block, cx: &Reading, app: &mut PlatformApp) {
    let at = cx.file.at(dynamic);
    let keys = dynamic_env_keys(dynamic, cx);
    let Some((keys, computed)) = keys else {
        app.unseen.push(unseen("a dynamic env block", at));
        return;
    };
    app.env.extend(keys);
    if computed {
        app.unseen
            .push(unseen("a dynamic env block's computed keys", at));
    }
}

/// The keys of a dynamic env block, and whether some item's key is computed.
fn dynamic_env_keys(dynamic: &Block, cx: &Reading) -> Option<(Vec<PlatformEnv>, bool)> {
    let label = dynamic.labels.first().map(|l| l.as_str().to_string())?;
    let iterator = hcl::attr(&dynamic.body, "iterator")
        .and_then(|e| match e {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            _ => None,
        })
        .unwrap_or(label);
    let items = hcl::each_items(hcl::attr(&dynamic.body, "for_each")?, cx.file, cx.locals, 0)?;
    let content = hcl::blocks(&dynamic.body, "content").next()?;
    let name = hcl::var_path(hcl::attr(&content.body, "name")?, &iterator)?;
    let value = hcl::attr(&content.body, "value").and_then(|v| hcl::var_path(v, &iterator));
    let mut keys = Vec::new();
    let mut computed = false;
    for item in &items {
        let tree = hcl::tree(item.value, item.file, cx.locals, 0);
        let (key, location) = match name.as_slice() {
            ["key"] => (item.key.clone(), item.at.clone()),
            ["value"] => (tree.literal().map(str::to_string), tree.at.clone()),
            ["value", attr] => match tree.get(attr) {
                Some(v) => (v.literal().map(str::to_string), v.at.clone()),
                None => (None, tree.at.clone()),
            },
            _ => return None,
        };
        let Some(key) = key.filter(|k| crate::collect::shell::is_identifier(k)) else {
            computed = true;
            continue;
        };
        // `value = env.value`: the map's value; a secret or anything else is set at deploy.
        let source = match value.as_deref() {
            Some(["value"]) => tree.source(),
            _ => Source::Unknown,
        };
        keys.push(PlatformEnv {
            key,
            location,
            source,
        });
    }
    Some((keys, computed))
}

/// `env_from { config_map_ref { name = "x" } }` in words.
fn env_from_what(body: &Body) -> String {
    for (block, noun) in [("config_map_ref", "config map"), ("secret_ref", "secret")] {
        if let Some(r) = hcl::blocks(body, block).next() {
            return match hcl::literal_attr(&r.body, "name") {
                Some(name) => format!("the env_from {noun} {name}"),
                None => format!("an env_from {noun}"),
            };
        }
    }
    "an env_from block".into()
}

/// How deep container blocks are looked for under a workload's `spec`
/// (a cron job's sit at `spec.job_template.spec.template.spec`).
const MAX_CONTAINER_DEPTH: u8 = 6;

/// Kubernetes provider workloads: each `container` block under `spec`.
fn kubernetes(
    noun: &'static str,
    label: &str,
    body: &Body,
    at: Location,
    cx: &Reading,
) -> Vec<PlatformApp> {
    let workload = hcl::block_at(body, &["metadata"])
        .and_then(|m| hcl::literal_attr(&m.body, "name"))
        .unwrap_or_else(|| label.to_string());
    let mut containers = Vec::new();
    let mut dynamic = Vec::new();
    for spec in hcl::blocks(body, "spec") {
        find_containers(&spec.body, 0, &mut containers, &mut dynamic);
    }
    let mut apps: Vec<PlatformApp> = containers
        .iter()
        .map(|c| {
            let name = hcl::literal_attr(&c.body, "name").unwrap_or_else(|| workload.clone());
            let mut container = app(noun, name, cx.file.at(*c), None);
            container_env(&c.body, cx, &mut container);
            container
        })
        .collect();
    for d in dynamic {
        let mut container = app(noun, workload.clone(), at.clone(), None);
        container
            .unseen
            .push(unseen("a dynamic container block", cx.file.at(d)));
        apps.push(container);
    }
    apps
}

fn find_containers<'a>(
    body: &'a Body,
    depth: u8,
    containers: &mut Vec<&'a Block>,
    dynamic: &mut Vec<&'a Block>,
) {
    if depth > MAX_CONTAINER_DEPTH {
        return;
    }
    containers.extend(hcl::blocks(body, "container"));
    dynamic.extend(hcl::dynamic_blocks(body, "container"));
    for block in body
        .blocks()
        .filter(|b| !matches!(b.ident.as_str(), "container" | "init_container" | "dynamic"))
    {
        find_containers(&block.body, depth + 1, containers, dynamic);
    }
}
