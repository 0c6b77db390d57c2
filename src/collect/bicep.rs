//! Azure Bicep templates, read without running bicep or az: each App
//! Service site (`Microsoft.Web/sites`) is a platform app whose env is the
//! app settings the template writes: `siteConfig.appSettings` (an array of
//! `{ name: 'K', value: v }` or an object), a child `config` resource named
//! `appsettings`, and, where those name a parameter of a module, the object
//! each `module` call passes for it (`params: { appSettings: { K: v } }`:
//! one app per call, as `azd provision` deploys it). `union(...)` joins
//! parts; a `cond ? {…} : {}` part may set its keys. Values are never kept,
//! only whether they are written in the file.
//!
//! What stays an opaque stage: a file that does not parse (also an
//! `input-unparsed` finding), resources known to carry app env that are not
//! read (Container Apps, slots, container groups), and a module from a
//! registry given app settings. A template of other resources (databases,
//! role assignments) sets no app env and is no stage at all.
//!
//! Parsed with `tree-sitter-bicep`, the grammar the tree-sitter-grammars
//! organisation keeps (the same runtime envtrail uses for bash and Python).

use tree_sitter::{Node, Parser, Tree};

use super::{Collector, Context, InputFile};
use crate::facts::{
    Facts, InfraKind, PlatformApp, PlatformEnv, Source, Unparsed, UnseenEnv, WriteVia,
};
use crate::location::Location;
use crate::platform::Platform;

pub struct BicepCollector;

impl Collector for BicepCollector {
    fn wants(&self, rel: &str, _ctx: &Context) -> bool {
        is_bicep_file(rel) && !rel.starts_with(".github/")
    }

    fn collect(&self, files: &[InputFile], ctx: &Context) -> Facts {
        let parsed = super::par_map(files, ctx.threads, parse_file);
        let mut facts = Facts::default();
        let mut read = Vec::new();
        for (file, outcome) in files.iter().zip(parsed) {
            match outcome {
                Ok(Ok(bicep)) => read.push(bicep),
                Ok(Err(unparsed)) => {
                    facts.unparsed.push(unparsed);
                    // A template envtrail cannot read may set anything.
                    facts.opaque_stages.push(super::infra::opaque_stage(
                        InfraKind::Bicep,
                        Location::file_start(file.rel.clone()),
                    ));
                }
                Err(super::Panicked) => facts.unparsed.push(super::internal_error(&file.rel)),
            }
        }
        facts.extend(Templates::new(&read).facts());
        facts
    }
}

pub fn is_bicep_file(rel: &str) -> bool {
    rel.to_ascii_lowercase().ends_with(".bicep")
}

/// A parsed template.
struct BicepFile {
    rel: String,
    text: String,
    tree: Tree,
}

fn parse_file(file: &InputFile) -> Result<BicepFile, Unparsed> {
    let text = super::read_text(file).map_err(|e| *e)?;
    let mut parser = Parser::new();
    let tree = parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .ok()
        .and_then(|()| parser.parse(&text, None));
    let Some(tree) = tree else {
        return Err(Unparsed {
            location: Location::file_start(file.rel.clone()),
            message: "the Bicep parser gave up on this file".into(),
        });
    };
    if let Some(error) = first_error(tree.root_node()) {
        return Err(Unparsed {
            location: Location::new(file.rel.clone(), to_u32(error.start_position().row), 0),
            message: "invalid Bicep (or syntax newer than envtrail's Bicep grammar)".into(),
        });
    }
    Ok(BicepFile {
        rel: file.rel.clone(),
        text,
        tree,
    })
}

/// The first error or missing node, walked without recursion: a hostile
/// file nests as deep as it likes.
fn first_error(root: Node) -> Option<Node> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    loop {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        let next = node.children(&mut cursor).find(|c| c.has_error());
        match next {
            Some(child) => node = child,
            None => return Some(node),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Resource types that give an app its env in ways envtrail does not read.
const UNREAD_APP_TYPES: &[&str] = &[
    "microsoft.app/containerapps",
    "microsoft.app/jobs",
    "microsoft.web/sites/slots",
    "microsoft.containerinstance/containergroups",
];

/// Parameters a registry module may take app settings through.
const ENV_PARAMS: &[&str] = &[
    "appSettings",
    "appSettingsKeyValuePairs",
    "env",
    "environmentVariables",
    "settings",
];

/// How deep settings expressions are followed (`var` references, nested
/// `union(...)` and ternaries): a `var` cycle or a hostile nesting stops here.
const MAX_DEPTH: u8 = 32;

mod read;

use read::{Call, File, Settings, Site};

/// Every template of the repository, read once: their sites, and the
/// module calls that may feed them.
struct Templates<'a> {
    files: Vec<File<'a>>,
}

impl<'a> Templates<'a> {
    fn new(parsed: &'a [BicepFile]) -> Templates<'a> {
        Templates {
            files: parsed.iter().map(File::read).collect(),
        }
    }

    fn facts(&self) -> Facts {
        let mut facts = Facts::default();
        for file in &self.files {
            facts.opaque_stages.extend(
                file.opaque
                    .iter()
                    .map(|at| super::infra::opaque_stage(InfraKind::Bicep, at.clone())),
            );
            for site in &file.sites {
                facts.platform_apps.extend(self.apps_of(file, site));
            }
        }
        facts
    }

    /// The calls, from any template, of the module `rel`.
    fn callers(&self, rel: &str) -> Vec<(&File<'a>, &Call<'a>)> {
        self.files
            .iter()
            .flat_map(|f| f.calls.iter().map(move |c| (f, c)))
            .filter(|(_, c)| c.path.as_deref() == Some(rel))
            .collect()
    }

    /// One app per call of the site's template when its settings name a
    /// parameter (each call gives it its own), else the site itself.
    fn apps_of(&self, file: &File<'a>, site: &Site<'a>) -> Vec<PlatformApp> {
        let own = file.settings_of(&site.settings);
        let callers = self.callers(file.rel);
        if own.params.is_empty() || callers.is_empty() {
            let mut app = web_app(site.name.clone(), site.at.clone());
            add(&mut app, own, file.rel);
            return vec![app];
        }
        callers
            .into_iter()
            .map(|(caller, call)| {
                let mut app = web_app(call.name.clone(), call.at.clone());
                let mut settings = own.clone();
                let params = std::mem::take(&mut settings.params);
                add(&mut app, settings, file.rel);
                for (param, _) in params {
                    let (given, rel) = match call.arg(&param) {
                        Some(arg) => (caller.settings_of(&[arg]), caller.rel),
                        // Not passed: the parameter's default, if it has one.
                        None => (file.param_default(&param), file.rel),
                    };
                    add(&mut app, given, rel);
                }
                app
            })
            .collect()
    }
}

fn web_app(name: String, location: Location) -> PlatformApp {
    PlatformApp {
        via: WriteVia::Bicep,
        noun: "Azure web app",
        name,
        location,
        image: None,
        platform: Some(Platform::AppService),
        env: Vec::new(),
        unseen: Vec::new(),
        env_files: Vec::new(),
    }
}

/// `settings` into `app`: its keys (the first of each name), what it
/// cannot read, and the parameters left, unseen (their value is given
/// where `rel` is deployed: a parameters file or the deploy command).
fn add(app: &mut PlatformApp, settings: Settings, rel: &str) {
    for e in settings.env {
        if !app.env.iter().any(|k| k.key == e.key) {
            app.env.push(e);
        }
    }
    app.unseen.extend(settings.unseen);
    for (param, at) in settings.params {
        app.unseen.push(UnseenEnv {
            what: format!("the parameter {param} of {rel}, given where it is deployed"),
            location: at,
        });
    }
}

/// What the keys a settings expression sets are, where, and from what.
fn env(key: String, location: Location, source: Source) -> PlatformEnv {
    PlatformEnv {
        key,
        location,
        source,
    }
}

#[cfg(test)]
mod tests;
