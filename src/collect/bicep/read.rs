//! One Bicep template as envtrail reads it: its App Service sites and the
//! expressions holding their app settings, its module calls, and the
//! settings an expression sets, key by key.

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::{BicepFile, ENV_PARAMS, MAX_DEPTH, UNREAD_APP_TYPES, env, to_u32};
use crate::facts::{PlatformEnv, Source, UnseenEnv};
use crate::location::Location;

/// A template's sites, module calls and declarations.
pub struct File<'a> {
    pub rel: &'a str,
    text: &'a str,
    /// `param NAME TYPE [= DEFAULT]`, with the default when there is one.
    params: BTreeMap<String, Option<Node<'a>>>,
    vars: BTreeMap<String, Node<'a>>,
    pub sites: Vec<Site<'a>>,
    pub calls: Vec<Call<'a>>,
    /// Resources that run an app with env envtrail does not read.
    pub opaque: Vec<Location>,
}

/// A `Microsoft.Web/sites` resource and the expressions that hold its app settings.
pub struct Site<'a> {
    pub name: String,
    /// Its symbolic name, which a `parent:` names.
    symbol: String,
    pub at: Location,
    pub settings: Vec<Node<'a>>,
}

/// A `module NAME 'path.bicep' = { params: { ... } }` of a template in the repository.
pub struct Call<'a> {
    pub name: String,
    pub at: Location,
    /// The called template, from the repository root.
    pub path: Option<String>,
    params: Option<Node<'a>>,
    file: &'a str,
}

impl<'a> Call<'a> {
    /// The expression the call passes for `param`.
    pub fn arg(&self, param: &str) -> Option<Node<'a>> {
        property(self.file, self.params?, param)
    }
}

/// The keys a settings expression sets, the parameters it takes them from,
/// and the parts envtrail cannot read key by key.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub env: Vec<PlatformEnv>,
    pub params: Vec<(String, Location)>,
    pub unseen: Vec<UnseenEnv>,
}

impl<'a> File<'a> {
    pub fn read(bicep: &'a BicepFile) -> File<'a> {
        let mut file = File {
            rel: &bicep.rel,
            text: &bicep.text,
            params: BTreeMap::new(),
            vars: BTreeMap::new(),
            sites: Vec::new(),
            calls: Vec::new(),
            opaque: Vec::new(),
        };
        let root = bicep.tree.root_node();
        let mut cursor = root.walk();
        let statements: Vec<Node<'a>> = root.named_children(&mut cursor).collect();
        let mut configs = Vec::new();
        for node in statements {
            match node.kind() {
                "parameter_declaration" => {
                    let name = first_named(node, "identifier").map(|n| file.text(n).to_string());
                    // `param NAME TYPE = DEFAULT`: the default is the last child after `=`.
                    let default =
                        last_named(node).filter(|n| !matches!(n.kind(), "type" | "identifier"));
                    if let Some(name) = name {
                        file.params.insert(name, default);
                    }
                }
                "variable_declaration" => {
                    if let (Some(name), Some(value)) =
                        (first_named(node, "identifier"), last_named(node))
                    {
                        file.vars.insert(file.text(name).to_string(), value);
                    }
                }
                "resource_declaration" => file.resource(node, &mut configs),
                "module_declaration" => file.module(node),
                _ => {}
            }
        }
        // `resource x 'Microsoft.Web/sites/config@…' = { parent: site, name: 'appsettings' }`.
        for (parent, properties) in configs {
            if let Some(site) = file.sites.iter_mut().find(|s| s.symbol == parent) {
                site.settings.push(properties);
            }
        }
        file
    }

    fn text(&self, node: Node) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn at(&self, node: Node) -> Location {
        let p = node.start_position();
        Location::new(self.rel, to_u32(p.row), to_u32(p.column))
    }

    /// A top-level resource: a site, a site's `config` resource, or an app
    /// resource envtrail does not read.
    fn resource(&mut self, node: Node<'a>, configs: &mut Vec<(String, Node<'a>)>) {
        let Some((symbol, kind, body)) = self.declaration(node) else {
            return;
        };
        if UNREAD_APP_TYPES.contains(&kind.as_str()) {
            self.opaque.push(self.at(node));
            return;
        }
        let Some(body) = body else {
            return;
        };
        match kind.as_str() {
            "microsoft.web/sites" => {
                let mut settings = Vec::new();
                if let Some(app_settings) =
                    self.path(body, &["properties", "siteConfig", "appSettings"])
                {
                    settings.push(app_settings);
                }
                settings.extend(self.child_app_settings(body));
                let name = property(self.text, body, "name")
                    .and_then(|n| string_literal(self.text, n))
                    .unwrap_or_else(|| symbol.clone());
                self.sites.push(Site {
                    name,
                    symbol,
                    at: self.at(node),
                    settings,
                });
            }
            "microsoft.web/sites/config" if self.is_app_settings(body) => {
                let parent = property(self.text, body, "parent").map(|p| self.text(p).to_string());
                if let (Some(parent), Some(properties)) =
                    (parent, property(self.text, body, "properties"))
                {
                    configs.push((parent, properties));
                }
            }
            _ => {}
        }
    }

    /// Child `resource x 'config' = { name: 'appsettings', properties: … }` of a site.
    fn child_app_settings(&self, body: Node<'a>) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        for prop in named_children(body).filter(|p| p.kind() == "object_property") {
            let Some(child) = first_named(prop, "resource_declaration") else {
                continue;
            };
            let Some((_, kind, Some(child_body))) = self.declaration(child) else {
                continue;
            };
            if matches!(kind.as_str(), "config" | "microsoft.web/sites/config")
                && self.is_app_settings(child_body)
                && let Some(properties) = property(self.text, child_body, "properties")
            {
                out.push(properties);
            }
        }
        out
    }

    fn is_app_settings(&self, body: Node) -> bool {
        property(self.text, body, "name")
            .and_then(|n| string_literal(self.text, n))
            .is_some_and(|n| n.eq_ignore_ascii_case("appsettings"))
    }

    /// `resource|module SYMBOL 'type-or-path' = BODY`: the symbol, the type
    /// (lower case, without its API version) or path, and the body object
    /// (inside `if (...)` or a `for` loop too).
    fn declaration(&self, node: Node<'a>) -> Option<(String, String, Option<Node<'a>>)> {
        let symbol = self.text(first_named(node, "identifier")?).to_string();
        let kind = string_literal(self.text, first_named(node, "string")?)?;
        let kind = kind.split('@').next().unwrap_or("").to_ascii_lowercase();
        let body = last_named(node).and_then(body_object);
        Some((symbol, kind, body))
    }

    /// A module call: of a template in the repository (read where it is
    /// defined), or of a registry module given app settings (opaque).
    fn module(&mut self, node: Node<'a>) {
        let Some(symbol) = first_named(node, "identifier").map(|n| self.text(n).to_string()) else {
            return;
        };
        let Some(path) = first_named(node, "string").and_then(|n| string_literal(self.text, n))
        else {
            return;
        };
        let params = last_named(node)
            .and_then(body_object)
            .and_then(|b| property(self.text, b, "params"));
        let registry =
            path.starts_with("br:") || path.starts_with("br/") || path.starts_with("ts:");
        if registry {
            let gives_env = params.is_some_and(|p| {
                ENV_PARAMS
                    .iter()
                    .any(|k| property(self.text, p, k).is_some())
            });
            if gives_env {
                self.opaque.push(self.at(node));
            }
            return;
        }
        let dir = self.rel.rsplit_once('/').map_or("", |(d, _)| d);
        self.calls.push(Call {
            name: symbol,
            at: self.at(node),
            path: crate::collect::compose::join(dir, &path),
            params,
            file: self.text,
        });
    }

    /// The value at `path` of nested objects.
    fn path(&self, object: Node<'a>, path: &[&str]) -> Option<Node<'a>> {
        path.iter().try_fold(object, |node, key| {
            property(self.text, body_object(node)?, key)
        })
    }

    /// The keys `exprs` set.
    pub fn settings_of(&self, exprs: &[Node<'a>]) -> Settings {
        let mut settings = Settings::default();
        for expr in exprs {
            self.walk(*expr, &mut settings, 0);
        }
        settings
    }

    /// What the template gives `param` when a call does not pass it.
    pub fn param_default(&self, param: &str) -> Settings {
        match self.params.get(param) {
            Some(Some(default)) => self.settings_of(&[*default]),
            _ => Settings::default(),
        }
    }

    fn walk(&self, node: Node<'a>, out: &mut Settings, depth: u8) {
        if depth >= MAX_DEPTH {
            out.unseen
                .push(self.unseen(node, "an expression nested too deeply".into()));
            return;
        }
        let depth = depth + 1;
        match node.kind() {
            "object" => self.object_settings(node, out),
            "array" => self.array_settings(node, out),
            // `union(a, b)`, and a part either branch of `c ? a : b` may give.
            "call_expression" if self.callee(node) == Some("union") => {
                if let Some(args) = node.child_by_field_name("arguments") {
                    named_children(args).for_each(|a| self.walk(a, out, depth));
                }
            }
            "ternary_expression" => {
                for field in ["consequence", "alternative"] {
                    if let Some(branch) = node.child_by_field_name(field) {
                        self.walk(branch, out, depth);
                    }
                }
            }
            "parenthesized_expression" => {
                named_children(node).for_each(|n| self.walk(n, out, depth))
            }
            "null" => {}
            "identifier" => {
                let name = self.text(node);
                if self.params.contains_key(name) {
                    out.params.push((name.to_string(), self.at(node)));
                } else if let Some(value) = self.vars.get(name) {
                    self.walk(*value, out, depth);
                } else {
                    out.unseen.push(self.unseen(node, format!("`{name}`")));
                }
            }
            "member_expression" | "subscript_expression" => {
                let what = format!("`{}`", self.text(node));
                out.unseen.push(self.unseen(node, what));
            }
            "call_expression" => {
                let what = format!("{}(…)", self.callee(node).unwrap_or("a function"));
                out.unseen.push(self.unseen(node, what));
            }
            _ => out.unseen.push(self.unseen(node, "an expression".into())),
        }
    }

    fn callee(&self, call: Node) -> Option<&'a str> {
        call.child_by_field_name("function").map(|f| self.text(f))
    }

    fn unseen(&self, node: Node, what: String) -> UnseenEnv {
        UnseenEnv {
            what: format!("the app settings in {what}"),
            location: self.at(node),
        }
    }

    /// `{ KEY: value, ... }`: each key an env key.
    fn object_settings(&self, node: Node<'a>, out: &mut Settings) {
        for (key, key_node, value) in properties(self.text, node) {
            if crate::collect::shell::is_identifier(&key) {
                out.env
                    .push(env(key, self.at(key_node), source(self.text, value)));
            }
        }
    }

    /// `[ { name: 'KEY', value: v }, ... ]`: each `name` an env key.
    fn array_settings(&self, node: Node<'a>, out: &mut Settings) {
        for item in named_children(node).filter(|n| n.kind() != "decorators") {
            let name = (item.kind() == "object")
                .then(|| property(self.text, item, "name"))
                .flatten();
            let key = name.and_then(|n| string_literal(self.text, n).map(|k| (k, n)));
            match key {
                Some((key, name)) if crate::collect::shell::is_identifier(&key) => {
                    let value = property(self.text, item, "value");
                    let source = value.map_or(Source::Unknown, |v| source(self.text, v));
                    out.env.push(env(key, self.at(name), source));
                }
                Some(_) => {}
                None => out
                    .unseen
                    .push(self.unseen(item, "an entry with a computed name".into())),
            }
        }
    }
}

fn named_children<'t>(node: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    (0..node.named_child_count()).filter_map(move |i| node.named_child(i))
}

fn first_named<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    named_children(node).find(|n| n.kind() == kind)
}

fn last_named(node: Node) -> Option<Node> {
    node.named_child(node.named_child_count().checked_sub(1)?)
}

/// The object a declaration's body is: itself, inside `if (...)`, or a
/// `for` loop's body.
fn body_object(node: Node) -> Option<Node> {
    let mut node = node;
    // `[for a in x: [for b in y: {…}]]` nests; a hostile file as deep as it likes.
    for _ in 0..MAX_DEPTH {
        match node.kind() {
            "object" => return Some(node),
            "if_statement" => return first_named(node, "object"),
            "for_statement" => node = node.child_by_field_name("body")?,
            _ => return None,
        }
    }
    None
}

/// An object's properties: the key as written, its node, its value.
fn properties<'t>(text: &str, object: Node<'t>) -> Vec<(String, Node<'t>, Node<'t>)> {
    named_children(object)
        .filter(|p| p.kind() == "object_property")
        .filter_map(|p| {
            let key = p.named_child(0)?;
            let value = last_named(p).filter(|v| v.id() != key.id())?;
            let name = match key.kind() {
                "string" => string_literal(text, key)?,
                _ => text
                    .get(key.byte_range())?
                    .trim_end_matches('?')
                    .to_string(),
            };
            Some((name, key, value))
        })
        .collect()
}

/// The value of `key` in an object.
fn property<'t>(text: &str, object: Node<'t>, key: &str) -> Option<Node<'t>> {
    properties(text, object)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, _, v)| v)
}

/// The text of a string with no interpolation.
fn string_literal(text: &str, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut out = String::new();
    for part in named_children(node) {
        match part.kind() {
            "string_content" => out.push_str(text.get(part.byte_range())?),
            "escape_sequence" => {
                out.push_str(text.get(part.byte_range())?.trim_start_matches('\\'))
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Written in the file (a string with no interpolation, a number, a
/// boolean, null), or computed at deploy time.
fn source(text: &str, value: Node) -> Source {
    match value.kind() {
        "number" | "boolean" | "null" => Source::Literal,
        "string" if string_literal(text, value).is_some() => Source::Literal,
        _ => Source::Unknown,
    }
}
