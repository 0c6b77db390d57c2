//! One Python file's reads of env keys.
//!
//! One iterative cursor walk gathers what the file binds (imports, the
//! django-environ instance, decouple's `config`, functions, classes) and the
//! candidate nodes (calls, subscripts, `or` chains); the candidates are then
//! judged against those bindings. A query would only be a node-kind filter
//! here: whether `env(...)` is a read depends on what `env` is bound to in
//! this file (or, for helpers and imported instances, in another one).
//!
//! The walk does not descend into a top-level statement that names nothing
//! a read could go through (see `Analysis::may_read`): in most files that is
//! most of the tree, and it keeps the collector close to bare parse time.

use std::collections::HashMap;
use std::sync::LazyLock;

use tree_sitter::{Node, Tree};

use super::guard::{Conditions, Probe, WhenUnset};
use super::syntax::{
    Args, Field, FieldExt, Param, first_error_row, literal, parameters, string_value, text,
    unwrap_parens,
};
use super::{configurations, dynaconf, environs, pydantic};
use crate::facts::{Consumer, DefaultValue, EnvRead, Facts, ReadGuard, ReadVia, Unparsed};
use crate::location::Location;

/// A fallback chain longer than this is cut: no settings file nests deeper.
const MAX_CHAIN: usize = 64;
/// Rounds of "a helper that calls a helper" within one file.
const MAX_HELPER_ROUNDS: usize = 4;

/// django-environ's reading methods: the position of `default` when given
/// positionally, and the key read when the call names none.
const DJANGO_METHODS: &[(&str, usize, Option<&str>)] = &[
    ("str", 1, None),
    ("bool", 1, None),
    ("int", 1, None),
    ("float", 1, None),
    ("json", 1, None),
    ("url", 1, None),
    ("path", 1, None),
    ("bytes", 1, None),
    ("list", 2, None),
    ("tuple", 2, None),
    ("dict", 2, None),
    ("get_value", 2, None),
    ("db_url", 1, Some("DATABASE_URL")),
    ("db", 1, Some("DATABASE_URL")),
    ("cache_url", 1, Some("CACHE_URL")),
    ("cache", 1, Some("CACHE_URL")),
    ("email_url", 1, Some("EMAIL_URL")),
    ("email", 1, Some("EMAIL_URL")),
    ("search_url", 1, Some("SEARCH_URL")),
];

/// A project function whose parameter is the key of an env read.
#[derive(Debug, Clone, PartialEq)]
pub struct Helper {
    pub name: String,
    pub key_position: usize,
    pub key_param: String,
    pub default: HelperDefault,
    /// Other keys it tries, as (prefix, suffix) around the key:
    /// `os.environ.get(name) or os.environ.get(f"APP_{name}")` gives `("APP_", "")`.
    pub key_forms: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HelperDefault {
    /// A missing key makes the helper fail.
    Fails,
    /// Fixed inside the helper: a literal, or `None` for an expression.
    Fixed(Option<DefaultValue>),
    /// Whatever the caller passes for this parameter, else its own default
    /// (`None`: it has none, so a call without it fails).
    Param {
        position: Option<usize>,
        name: String,
        own: Option<Option<DefaultValue>>,
    },
}

/// Keys a django-environ `Env(KEY=(cast, default))` constructor declares a
/// default for: a literal, or `None` for an expression.
pub type Scheme = Vec<(String, Option<DefaultValue>)>;

/// What a file defines that other files may use: helpers, django-environ
/// and environs instances, pydantic settings classes.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub helpers: HashMap<String, Helper>,
    pub env_instances: HashMap<String, Scheme>,
    pub environs_instances: HashMap<String, environs::Prefix>,
    pub dynaconf_instances: HashMap<String, dynaconf::Instance>,
    pub settings_classes: HashMap<String, pydantic::ClassConfig>,
}

impl Knowledge {
    pub fn is_empty(&self) -> bool {
        self.helpers.is_empty()
            && self.env_instances.is_empty()
            && self.environs_instances.is_empty()
            && self.dynaconf_instances.is_empty()
            && self.settings_classes.is_empty()
    }

    /// Add `other`'s definitions; the first definition of a name wins, so
    /// the caller's order (file order) decides.
    pub fn absorb(&mut self, other: Knowledge) {
        for (k, v) in other.helpers {
            self.helpers.entry(k).or_insert(v);
        }
        for (k, v) in other.env_instances {
            self.env_instances.entry(k).or_insert(v);
        }
        for (k, v) in other.environs_instances {
            self.environs_instances.entry(k).or_insert(v);
        }
        for (k, v) in other.dynaconf_instances {
            self.dynaconf_instances.entry(k).or_insert(v);
        }
        for (k, v) in other.settings_classes {
            self.settings_classes.entry(k).or_insert(v);
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.helpers
            .keys()
            .chain(self.env_instances.keys())
            .chain(self.environs_instances.keys())
            .chain(self.dynaconf_instances.keys())
            .chain(self.settings_classes.keys())
            .map(String::as_str)
    }
}

/// One file's result.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub facts: Facts,
    pub exports: Knowledge,
    /// Names this file takes from other modules that may be helpers, env
    /// instances or settings classes: the file is judged again once the
    /// whole repository's definitions are known.
    pub foreign_names: Vec<String>,
}

/// Names bound by imports and assignments, in one file.
#[derive(Default)]
pub(super) struct Bindings<'t> {
    os_modules: Vec<String>,
    os_environ: Vec<String>,
    os_getenv: Vec<String>,
    environ_modules: Vec<String>,
    env_classes: Vec<String>,
    env_instances: Vec<(String, Scheme)>,
    /// `import environs`, `from environs import Env`, `env = Env(prefix=...)`.
    pub(super) environs_modules: Vec<String>,
    pub(super) environs_classes: Vec<String>,
    pub(super) environs_instances: Vec<(String, environs::Prefix)>,
    /// `import dynaconf`, `from dynaconf import Dynaconf`, `settings = Dynaconf(...)`.
    dynaconf_modules: Vec<String>,
    dynaconf_classes: Vec<String>,
    dynaconf_instances: Vec<(String, dynaconf::Instance)>,
    /// django-configurations: `import configurations`, the names bound to
    /// its `values` module, and value classes imported by name (local, original).
    configurations_modules: Vec<String>,
    values_modules: Vec<String>,
    value_classes: Vec<(String, String)>,
    /// `from configurations.values import *`.
    values_star: bool,
    decouple_modules: Vec<String>,
    decouple_config: Vec<String>,
    decouple_classes: Vec<String>,
    pub(super) settings_bases: Vec<String>,
    pub(super) settings_modules: Vec<String>,
    /// `from m import a as b`: b → a, for names from any other module.
    imported: Vec<(String, String)>,
    /// `from m import a as b`: b → m, for the same names.
    imported_from: Vec<(String, String)>,
    /// Names bound by `import m` / `import m as n` / `from pkg import m`.
    modules: Vec<String>,
    star_import: bool,
    functions: Vec<Function<'t>>,
}

impl Bindings<'_> {
    fn has(list: &[String], name: &str) -> bool {
        list.iter().any(|n| n == name)
    }

    /// A name of this file may be a dynaconf instance: one bound here, or
    /// any name imported from another module (pass 2 tells).
    pub(super) fn may_bind_dynaconf(&self) -> bool {
        !self.dynaconf_instances.is_empty() || !self.imported.is_empty() || self.star_import
    }

    /// Any django-configurations value class can be named in this file.
    pub(super) fn binds_configurations(&self) -> bool {
        !self.configurations_modules.is_empty()
            || !self.values_modules.is_empty()
            || !self.value_classes.is_empty()
            || self.values_star
    }

    /// The original name of a name imported from another module, when it
    /// could be one (a star import could bind anything).
    pub(super) fn foreign(&self, name: &str) -> Option<String> {
        self.imported
            .iter()
            .rev()
            .find(|(local, _)| local == name)
            .map(|(_, original)| original.clone())
            .or_else(|| self.star_import.then(|| name.to_string()))
    }
}

struct Function<'t> {
    name: String,
    params: Vec<Param<'t>>,
    /// `self`/`cls` first: called through an instance, never as a helper.
    is_method: bool,
}

/// What the walk keeps of a node that may be a read.
struct Candidate<'t> {
    node: Node<'t>,
    /// The innermost function around it.
    function: Option<usize>,
}

pub(super) enum Key<'t> {
    Literal(String),
    /// A bare name: a helper's parameter, or a key built elsewhere.
    Name(Node<'t>),
    Dynamic,
}

#[derive(Clone)]
pub(super) enum Fallback<'t> {
    /// A missing key raises.
    Fails,
    /// The default expression as written at the read.
    Expr(Node<'t>),
    /// A known default: `Some` literal, or `None` for an expression.
    Value(Option<DefaultValue>),
}

/// What a candidate reads, before it is placed: its key, how, and what a
/// missing key gives.
type Read<'t> = (Key<'t>, ReadVia, Fallback<'t>);

struct Site<'t> {
    node: Node<'t>,
    key: Key<'t>,
    via: ReadVia,
    fallback: Fallback<'t>,
    function: Option<usize>,
    /// When this read is the first operand of `a or b or c`: the rest.
    or_rest: Vec<Node<'t>>,
}

pub(super) struct Analysis<'t, 'k> {
    pub(super) src: &'t str,
    rel: &'t str,
    pub(super) bindings: Bindings<'t>,
    known: &'k Knowledge,
    candidates: Vec<Candidate<'t>>,
    or_chains: Vec<Vec<Node<'t>>>,
    classes: Vec<Node<'t>>,
    local_helpers: HashMap<String, Helper>,
    foreign_names: Vec<String>,
    /// Functions and classes defined at the top of the file: a helper or a
    /// settings base may be used before the walk reaches its definition.
    top_level_names: Vec<String>,
    /// The module: where branch conditions find the names they test.
    root: Option<Node<'t>>,
}

/// Judge one parsed file. `known` holds what other files define.
pub fn analyze(rel: &str, src: &str, tree: &Tree, known: &Knowledge) -> FileOutcome {
    let mut analysis = Analysis {
        src,
        rel,
        bindings: Bindings::default(),
        known,
        candidates: Vec::new(),
        or_chains: Vec::new(),
        classes: Vec::new(),
        local_helpers: HashMap::new(),
        foreign_names: Vec::new(),
        top_level_names: top_level_names(tree.root_node(), src),
        root: Some(tree.root_node()),
    };
    analysis.bindings.os_modules.push("os".into());
    analysis.walk(tree.root_node());

    let sites = analysis.find_sites();
    let mut facts = Facts::default();
    analysis.emit_reads(&sites, &mut facts);
    let class_nodes = std::mem::take(&mut analysis.classes);
    facts
        .reads
        .extend(configurations::value_reads(&analysis, &class_nodes));
    let classes = pydantic::settings_classes(&mut analysis, &class_nodes);
    for class in &classes {
        facts.reads.extend(class.reads.iter().cloned());
    }
    if let Some(row) = first_error_row(tree.root_node()) {
        facts.unparsed.push(Unparsed {
            location: Location::new(rel, row, 0),
            message: format!(
                "Python syntax error at line {} (reads elsewhere in the file are still reported)",
                row + 1
            ),
        });
    }

    let mut exports = Knowledge {
        helpers: analysis.local_helpers.clone(),
        env_instances: analysis.bindings.env_instances.iter().cloned().collect(),
        environs_instances: analysis
            .bindings
            .environs_instances
            .iter()
            .cloned()
            .collect(),
        dynaconf_instances: analysis
            .bindings
            .dynaconf_instances
            .iter()
            .cloned()
            .collect(),
        settings_classes: HashMap::new(),
    };
    for class in classes {
        exports.settings_classes.insert(class.name, class.config);
    }
    let mut foreign_names = std::mem::take(&mut analysis.foreign_names);
    foreign_names.sort();
    foreign_names.dedup();
    FileOutcome {
        facts,
        exports,
        foreign_names,
    }
}

impl<'t> Analysis<'t, '_> {
    pub(super) fn note_foreign(&mut self, name: String) {
        self.foreign_names.push(name);
    }

    pub(super) fn known(&self) -> &Knowledge {
        self.known
    }

    pub(super) fn rel(&self) -> &str {
        self.rel
    }

    /// Pre-order walk with an explicit ancestor stack: no recursion, so a
    /// file of 100k nested parentheses costs memory, not the stack.
    fn walk(&mut self, root: Node<'t>) {
        // (node, innermost function) for each ancestor of the cursor.
        let mut ancestors: Vec<(Node<'t>, Option<usize>)> = Vec::new();
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            let parent = ancestors.last().copied();
            let grandparent = ancestors
                .len()
                .checked_sub(2)
                .and_then(|i| ancestors.get(i))
                .map(|(n, _)| *n);
            let function = parent.and_then(|(_, f)| f);
            // A top-level statement that names nothing a read could go
            // through is not descended into: most of a file, usually.
            let (descend, own_function) = if ancestors.len() == 1 && !self.may_read(node) {
                (false, function)
            } else {
                self.visit(node, parent, grandparent, function)
            };
            if descend && cursor.goto_first_child() {
                ancestors.push((node, own_function));
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                ancestors.pop();
            }
        }
    }

    /// Record what `node` binds or may read; say whether to descend and
    /// which function encloses its children.
    fn visit(
        &mut self,
        node: Node<'t>,
        parent: Option<(Node<'t>, Option<usize>)>,
        grandparent: Option<Node<'t>>,
        function: Option<usize>,
    ) -> (bool, Option<usize>) {
        let mut descend = true;
        let mut own_function = function;
        match walk_kind(node) {
            WalkKind::Skip => descend = false,
            WalkKind::Import => {
                self.import(node);
                descend = false;
            }
            WalkKind::ImportFrom => {
                self.import_from(node);
                descend = false;
            }
            WalkKind::Assignment => self.assignment(node),
            WalkKind::Function => own_function = Some(self.function(node)),
            WalkKind::Class => self.classes.push(node),
            WalkKind::Call => self.candidates.push(Candidate { node, function }),
            WalkKind::Subscript => {
                if !is_write_target(node, parent.map(|(n, _)| n), grandparent) {
                    self.candidates.push(Candidate { node, function });
                }
            }
            WalkKind::Comparison => self.candidates.push(Candidate { node, function }),
            WalkKind::Attribute => {
                if self.may_be_dynaconf_read(node, parent.map(|(n, _)| n)) {
                    self.candidates.push(Candidate { node, function });
                }
            }
            WalkKind::BooleanOperator => {
                let continues_parent = parent.is_some_and(|(p, _)| {
                    is_or(p) && p.field(Field::Left).is_some_and(|l| l.id() == node.id())
                });
                if is_or(node) && !continues_parent {
                    self.or_chains.push(or_operands(node));
                }
            }
            WalkKind::Other => {}
        }
        (descend, own_function)
    }

    /// Whether `statement` could hold a read: it mentions one of the
    /// needles of [`may_read_env`](super::may_read_env), an import, or a name that this file or
    /// another binds to something that reads (an alias, an env instance, a
    /// function, a class). Sound as long as every read form goes through one
    /// of those names; a star import could bind anything, so it turns this off.
    fn may_read(&self, statement: Node) -> bool {
        if self.bindings.star_import {
            return true;
        }
        // A definition's own name is not a use of it: without this, every
        // top-level `def` would name itself and never be skipped.
        let own_name = definition_name(statement).map(|n| n.byte_range());
        let (before, after) = match own_name {
            Some(name) => (
                statement.start_byte()..name.start,
                name.end..statement.end_byte(),
            ),
            None => (statement.byte_range(), 0..0),
        };
        [before, after].into_iter().any(|range| {
            let bytes = self.src.as_bytes().get(range).unwrap_or_default();
            bytes
                .split(|b| !is_word_byte(*b))
                .filter(|w| !w.is_empty())
                .any(|word| {
                    super::is_needle_word(word)
                        || word == b"import"
                        || std::str::from_utf8(word).is_ok_and(|w| self.is_bound_name(w))
                })
        })
    }

    /// What another file defines is named here only through an import, and
    /// `modules` holds every name an import binds that is no known library's
    /// (a star import turns the filter off): no name of `known` is asked.
    fn is_bound_name(&self, word: &str) -> bool {
        let b = &self.bindings;
        [
            &b.os_modules,
            &b.os_environ,
            &b.os_getenv,
            &b.environ_modules,
            &b.env_classes,
            &b.environs_modules,
            &b.environs_classes,
            &b.configurations_modules,
            &b.values_modules,
            &b.dynaconf_modules,
            &b.dynaconf_classes,
            &b.decouple_modules,
            &b.decouple_config,
            &b.decouple_classes,
            &b.settings_bases,
            &b.settings_modules,
            &b.modules,
            &self.top_level_names,
        ]
        .iter()
        .any(|list| Bindings::has(list, word))
            || b.env_instances.iter().any(|(n, _)| n == word)
            || b.environs_instances.iter().any(|(n, _)| n == word)
            || b.value_classes.iter().any(|(n, _)| n == word)
            || b.dynaconf_instances.iter().any(|(n, _)| n == word)
            || (b.values_star && word.ends_with("Value"))
    }

    fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (module, alias) = dotted_and_alias(name, self.src);
            let aliased = alias.is_some();
            let local = alias.unwrap_or_else(|| module.split('.').next().unwrap_or("").to_string());
            let b = &mut self.bindings;
            match module.as_str() {
                "os" => b.os_modules.push(local.clone()),
                "environ" => b.environ_modules.push(local.clone()),
                "environs" => b.environs_modules.push(local.clone()),
                "dynaconf" => b.dynaconf_modules.push(local.clone()),
                "configurations" => b.configurations_modules.push(local.clone()),
                "configurations.values" if aliased => b.values_modules.push(local.clone()),
                m if m.starts_with("configurations.") && !aliased => {
                    b.configurations_modules.push(local.clone())
                }
                "decouple" => b.decouple_modules.push(local.clone()),
                "pydantic_settings" | "pydantic" => b.settings_modules.push(local.clone()),
                _ => {}
            }
            b.modules.push(local);
        }
    }

    fn import_from(&mut self, node: Node<'t>) {
        let module = node
            .field(Field::ModuleName)
            .map(|m| text(m, self.src).to_string())
            .unwrap_or_default();
        let b = &mut self.bindings;
        let mut cursor = node.walk();
        let star = node
            .children(&mut cursor)
            .any(|c| c.kind() == "wildcard_import");
        if star {
            match module.as_str() {
                "os" => {
                    b.os_environ.push("environ".into());
                    b.os_getenv.push("getenv".into());
                }
                "environ" => b.env_classes.push("Env".into()),
                "configurations" => b.values_modules.push("values".into()),
                "dynaconf" => {
                    b.dynaconf_classes
                        .extend(["Dynaconf".into(), "LazySettings".into()]);
                    let global = dynaconf::Instance::global(&dynaconf::module_of(self.rel));
                    b.dynaconf_instances.push(("settings".into(), global));
                }
                "configurations.values" => b.values_star = true,
                "environs" => {
                    b.environs_classes.push("Env".into());
                    b.environs_instances
                        .push(("env".into(), Some(String::new())));
                }
                "decouple" => b.decouple_config.push("config".into()),
                "pydantic_settings" => b.settings_bases.push("BaseSettings".into()),
                _ => b.star_import = true,
            }
        }
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (original, alias) = dotted_and_alias(name, self.src);
            let local = alias.unwrap_or_else(|| original.clone());
            match (module.as_str(), original.as_str()) {
                ("os", "environ") => b.os_environ.push(local),
                ("os", "getenv") => b.os_getenv.push(local),
                ("environ", "Env" | "FileAwareEnv") => b.env_classes.push(local),
                ("environs", "Env" | "FileAwareEnv") => b.environs_classes.push(local),
                // environs' own module-level instance.
                ("environs", "env") => b.environs_instances.push((local, Some(String::new()))),
                ("configurations", "values") => b.values_modules.push(local),
                ("dynaconf", "Dynaconf" | "LazySettings") => b.dynaconf_classes.push(local),
                // dynaconf's own global instance.
                ("dynaconf", "settings") => {
                    let global = dynaconf::Instance::global(&dynaconf::module_of(self.rel));
                    b.dynaconf_instances.push((local, global));
                }
                ("configurations.values", _) => b.value_classes.push((local, original)),
                ("decouple", "config") => b.decouple_config.push(local),
                ("decouple", "AutoConfig" | "Config") => b.decouple_classes.push(local),
                ("pydantic_settings" | "pydantic" | "pydantic.v1", "BaseSettings") => {
                    b.settings_bases.push(local)
                }
                _ => {
                    b.modules.push(local.clone());
                    b.imported_from.push((local.clone(), module.clone()));
                    b.imported.push((local, original));
                }
            }
        }
    }

    /// `env = environ.Env(...)`, `env = environs.Env(...)`, `config = AutoConfig(...)`.
    fn assignment(&mut self, node: Node<'t>) {
        let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right)) else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }
        let right = unwrap_parens(right);
        // `E = os.environ`: `E["K"]` and `E.get("K")` read env too.
        if self.is_os_environ(right) {
            let name = text(left, self.src).to_string();
            self.bindings.os_environ.push(name);
            return;
        }
        if right.kind() != "call" {
            return;
        }
        let Some(callee) = right.field(Field::Function) else {
            return;
        };
        let name = text(left, self.src).to_string();
        if self.is_env_class(callee) {
            let scheme = Args::of(right)
                .map(|args| self.scheme(&args))
                .unwrap_or_default();
            self.bindings.env_instances.push((name, scheme));
        } else if self.is_environs_class(callee) {
            let prefix = Args::of(right).map_or(Some(String::new()), |args| {
                environs::constructor_prefix(&args, self.src)
            });
            self.bindings.environs_instances.push((name, prefix));
        } else if self.is_decouple_class(callee) {
            self.bindings.decouple_config.push(name);
        } else if self.is_dynaconf_class(callee) {
            let instance = Args::of(right)
                .map(|args| dynaconf::constructor(&args, self.src, self.rel))
                .unwrap_or_else(|| dynaconf::Instance::global(&dynaconf::module_of(self.rel)));
            self.bindings.dynaconf_instances.push((name, instance));
        }
    }

    fn is_env_class(&self, callee: Node) -> bool {
        match callee.kind() {
            "identifier" => Bindings::has(&self.bindings.env_classes, text(callee, self.src)),
            "attribute" => {
                let (object, attr) = attribute_parts(callee, self.src);
                object.is_some_and(|o| Bindings::has(&self.bindings.environ_modules, o))
                    && matches!(attr, "Env" | "FileAwareEnv")
            }
            _ => false,
        }
    }

    fn is_environs_class(&self, callee: Node) -> bool {
        match callee.kind() {
            "identifier" => Bindings::has(&self.bindings.environs_classes, text(callee, self.src)),
            "attribute" => {
                let (object, attr) = attribute_parts(callee, self.src);
                object.is_some_and(|o| Bindings::has(&self.bindings.environs_modules, o))
                    && matches!(attr, "Env" | "FileAwareEnv")
            }
            _ => false,
        }
    }

    /// The django-configurations value class `callee` names: `values.Value`,
    /// `configurations.values.Value`, or a name imported from `configurations.values`.
    pub(super) fn value_class(&self, callee: Node) -> Option<String> {
        let b = &self.bindings;
        match callee.kind() {
            "identifier" => {
                let name = text(callee, self.src);
                b.value_classes
                    .iter()
                    .rev()
                    .find(|(local, _)| local == name)
                    .map(|(_, original)| original.clone())
                    .or_else(|| {
                        (b.values_star && name.ends_with("Value")).then(|| name.to_string())
                    })
            }
            "attribute" => {
                let (object, attr) = attribute_node_parts(callee, self.src);
                let object = object?;
                let is_values = match object.kind() {
                    "identifier" => Bindings::has(&b.values_modules, text(object, self.src)),
                    "attribute" => {
                        let (module, values) = attribute_parts(object, self.src);
                        values == "values"
                            && module.is_some_and(|m| Bindings::has(&b.configurations_modules, m))
                    }
                    _ => false,
                };
                is_values.then(|| attr.to_string())
            }
            _ => None,
        }
    }

    fn is_dynaconf_class(&self, callee: Node) -> bool {
        match callee.kind() {
            "identifier" => Bindings::has(&self.bindings.dynaconf_classes, text(callee, self.src)),
            "attribute" => {
                let (object, attr) = attribute_parts(callee, self.src);
                object.is_some_and(|o| Bindings::has(&self.bindings.dynaconf_modules, o))
                    && matches!(attr, "Dynaconf" | "LazySettings")
            }
            _ => false,
        }
    }

    /// The dynaconf instance `name` is bound to: in this file, or imported
    /// from the very module that binds it (`from django.conf import
    /// settings` is another `settings`).
    pub(super) fn dynaconf_instance(&self, name: &str) -> Option<&dynaconf::Instance> {
        let b = &self.bindings;
        if let Some((_, instance)) = b.dynaconf_instances.iter().rev().find(|(n, _)| n == name) {
            return Some(instance);
        }
        let (_, original) = b.imported.iter().rev().find(|(local, _)| local == name)?;
        let (_, module) = b
            .imported_from
            .iter()
            .rev()
            .find(|(local, _)| local == name)?;
        self.known
            .dynaconf_instances
            .get(original)
            .filter(|instance| dynaconf::same_module(module, instance))
    }

    fn is_decouple_class(&self, callee: Node) -> bool {
        match callee.kind() {
            "identifier" => Bindings::has(&self.bindings.decouple_classes, text(callee, self.src)),
            "attribute" => {
                let (object, attr) = attribute_parts(callee, self.src);
                object.is_some_and(|o| Bindings::has(&self.bindings.decouple_modules, o))
                    && matches!(attr, "AutoConfig" | "Config")
            }
            _ => false,
        }
    }

    /// `Env(DEBUG=(bool, False), HOSTS=(list, []))`: keys with a default.
    fn scheme(&self, args: &Args) -> Scheme {
        let mut scheme = Vec::new();
        for (name, value) in &args.keywords {
            let value = unwrap_parens(*value);
            if value.kind() != "tuple" {
                continue; // `KEY=cast` declares no default
            }
            let mut cursor = value.walk();
            let items: Vec<Node> = value
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .collect();
            if let [_, default] = items.as_slice() {
                scheme.push((
                    text(*name, self.src).to_string(),
                    literal(*default, self.src),
                ));
            }
        }
        scheme
    }

    fn function(&mut self, node: Node<'t>) -> usize {
        let name = node
            .field(Field::Name)
            .map(|n| text(n, self.src).to_string())
            .unwrap_or_default();
        let params = parameters(node, self.src);
        let is_method = params
            .first()
            .is_some_and(|p| p.name == "self" || p.name == "cls");
        self.bindings.functions.push(Function {
            name,
            params,
            is_method,
        });
        self.bindings.functions.len() - 1
    }

    /// Judge the candidates; helpers found on the way make calls of them
    /// reads too, so repeat while new helpers appear.
    fn find_sites(&mut self) -> Vec<Site<'t>> {
        let mut sites = Vec::new();
        for _ in 0..MAX_HELPER_ROUNDS {
            self.foreign_names.clear();
            sites = (0..self.candidates.len())
                .filter_map(|i| self.site(i))
                .collect();
            let before = self.local_helpers.len();
            for site in &sites {
                if let Some(helper) = self.helper_from(site) {
                    self.local_helpers
                        .entry(helper.name.clone())
                        .or_insert(helper);
                }
            }
            if self.local_helpers.len() == before {
                break;
            }
        }
        let index: HashMap<usize, usize> = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.node.id(), i))
            .collect();
        // The chain's first read falls back to what follows it; what comes
        // before it is no env (`api_key or os.getenv("A") or os.getenv("B")`).
        for chain in &self.or_chains {
            let first = chain
                .iter()
                .enumerate()
                .find_map(|(at, operand)| Some((at, *index.get(&unwrap_parens(*operand).id())?)));
            if let Some((at, i)) = first
                && let Some(site) = sites.get_mut(i)
            {
                site.or_rest = chain.get(at + 1..).unwrap_or_default().to_vec();
            }
        }
        sites
    }

    fn site(&mut self, candidate: usize) -> Option<Site<'t>> {
        let Candidate { node, function } = *self.candidates.get(candidate)?;
        let (key, via, fallback) = match node.kind() {
            "call" => self.call_read(node)?,
            _ => self.non_call_read(node)?,
        };
        Some(Site {
            node,
            key,
            via,
            fallback,
            function,
            or_rest: Vec::new(),
        })
    }

    /// `"K" in os.environ`, `settings.KEY`, `os.environ["K"]`, `settings["K"]`.
    fn non_call_read(&mut self, node: Node<'t>) -> Option<Read<'t>> {
        match node.kind() {
            "comparison_operator" => {
                let key = self.membership(node)?;
                Some((
                    Key::Literal(key),
                    ReadVia::OsEnvironIn,
                    Fallback::Value(None),
                ))
            }
            "attribute" => {
                let (key, fallback) = self.dynaconf_attribute(node)?;
                Some((key, ReadVia::Dynaconf, fallback))
            }
            "subscript" => {
                let value = node.field(Field::Value)?;
                if let Some((key, fallback)) = self.dynaconf_subscript(node, value) {
                    return Some((key, ReadVia::Dynaconf, fallback));
                }
                if !self.is_os_environ(value) {
                    return None;
                }
                let mut cursor = node.walk();
                let keys: Vec<Node> = node
                    .children_by_field_name("subscript", &mut cursor)
                    .collect();
                let key = match keys.as_slice() {
                    [one] => self.key(*one),
                    _ => Key::Dynamic,
                };
                Some((key, ReadVia::OsEnviron, Fallback::Fails))
            }
            _ => None,
        }
    }

    fn call_read(&mut self, node: Node<'t>) -> Option<Read<'t>> {
        let callee = node.field(Field::Function)?;
        let args = Args::of(node)?;
        match callee.kind() {
            "identifier" => self.function_read(node, text(callee, self.src), &args),
            "attribute" => {
                let (object, attr) = attribute_node_parts(callee, self.src);
                self.method_read(node, object?, attr, &args)
            }
            _ => None,
        }
    }

    /// `getenv("K")`, `config("K")`, `env("K")`, `helper("K")`...
    fn function_read(&mut self, node: Node<'t>, name: &str, args: &Args<'t>) -> Option<Read<'t>> {
        if Bindings::has(&self.bindings.os_getenv, name) {
            return self.getenv_like(args, ReadVia::OsGetenv);
        }
        if Bindings::has(&self.bindings.decouple_config, name) {
            return self.decouple(args);
        }
        if let Some(scheme) = self.env_instance(name) {
            let key = args.get(self.src, Some(0), "var")?;
            let fallback = self.django_fallback(args, 2, key, &scheme);
            return Some((self.key(key), ReadVia::DjangoEnviron, fallback));
        }
        if let Some((key, fallback)) = self.environs_read(node, name, args) {
            return Some((key, ReadVia::Environs, fallback));
        }
        if let Some((key, fallback)) = self.dynaconf_call(name, None, args) {
            return Some((key, ReadVia::Dynaconf, fallback));
        }
        if let Some(helper) = self.helper(name) {
            return self.wrapper(args, &helper);
        }
        if !args.positional.is_empty()
            && let Some(original) = self.bindings.foreign(name)
        {
            self.foreign_names.push(original);
        }
        None
    }

    /// `os.environ.get("K")`, `os.getenv("K")`, `env.str("K")`, `settings.get("K")`...
    fn method_read(
        &mut self,
        node: Node<'t>,
        object_node: Node<'t>,
        attr: &str,
        args: &Args<'t>,
    ) -> Option<Read<'t>> {
        if self.is_os_environ(object_node) {
            return match attr {
                "get" => self.getenv_like(args, ReadVia::OsEnvironGet),
                "setdefault" => self.getenv_like(args, ReadVia::OsEnvironSetdefault),
                // Unlike `get`, `pop` raises without a default.
                "pop" => {
                    let key = args.get(self.src, Some(0), "key")?;
                    let fallback = args
                        .get(self.src, Some(1), "default")
                        .map_or(Fallback::Fails, Fallback::Expr);
                    Some((self.key(key), ReadVia::OsEnvironPop, fallback))
                }
                _ => None,
            };
        }
        if object_node.kind() != "identifier" {
            return None;
        }
        let object = text(object_node, self.src);
        if attr == "getenv" && Bindings::has(&self.bindings.os_modules, object) {
            return self.getenv_like(args, ReadVia::OsGetenv);
        }
        if attr == "config" && Bindings::has(&self.bindings.decouple_modules, object) {
            return self.decouple(args);
        }
        if let Some(read) = self.django_method_read(object, attr, args) {
            return Some(read);
        }
        if environs::METHODS.contains(&attr)
            && let Some((key, fallback)) = self.environs_read(node, object, args)
        {
            return Some((key, ReadVia::Environs, fallback));
        }
        if let Some((key, fallback)) = self.dynaconf_call(object, Some(attr), args) {
            return Some((key, ReadVia::Dynaconf, fallback));
        }
        if Bindings::has(&self.bindings.modules, object)
            && let Some(helper) = self.known.helpers.get(attr).cloned()
        {
            return self.wrapper(args, &helper);
        }
        if let Some(original) = self.bindings.foreign(object)
            && self.env_instance(object).is_none()
            && self.environs_instance(object).is_none()
            && self.dynaconf_instance(object).is_none()
        {
            self.foreign_names.push(original);
        }
        if Bindings::has(&self.bindings.modules, object) && !args.positional.is_empty() {
            self.foreign_names.push(attr.to_string());
        }
        None
    }

    /// `env.str("K")`, `env.db()` of a django-environ instance.
    fn django_method_read(&self, object: &str, attr: &str, args: &Args<'t>) -> Option<Read<'t>> {
        let &(_, default_position, implicit) =
            DJANGO_METHODS.iter().find(|(m, _, _)| *m == attr)?;
        let scheme = self.env_instance(object)?;
        let key = match (args.get(self.src, Some(0), "var"), implicit) {
            (Some(key), _) => self.key(key),
            (None, Some(implicit)) => Key::Literal(implicit.to_string()),
            (None, None) => return None,
        };
        let fallback = match &key {
            Key::Literal(k) => self.django_fallback_for(args, default_position, k, &scheme),
            _ => self.django_fallback_for(args, default_position, "", &scheme),
        };
        Some((key, ReadVia::DjangoEnviron, fallback))
    }

    /// `os.getenv("K", d)` and its kin: `None` without a default.
    fn getenv_like(&self, args: &Args<'t>, via: ReadVia) -> Option<Read<'t>> {
        let key = args.get(self.src, Some(0), "key")?;
        let fallback = match args.get(self.src, Some(1), "default") {
            Some(d) => Fallback::Expr(d),
            None => Fallback::Value(Some(DefaultValue::None)),
        };
        Some((self.key(key), via, fallback))
    }

    fn decouple(&self, args: &Args<'t>) -> Option<Read<'t>> {
        let key = args.get(self.src, Some(0), "option")?;
        let fallback = match args.get(self.src, Some(1), "default") {
            Some(d) => Fallback::Expr(d),
            None => Fallback::Fails,
        };
        Some((self.key(key), ReadVia::Decouple, fallback))
    }

    fn wrapper(&self, args: &Args<'t>, helper: &Helper) -> Option<Read<'t>> {
        let key = args.get(self.src, Some(helper.key_position), &helper.key_param)?;
        let fallback = match &helper.default {
            HelperDefault::Fails => Fallback::Fails,
            HelperDefault::Fixed(v) => Fallback::Value(v.clone()),
            HelperDefault::Param {
                position,
                name,
                own,
            } => match args.get(self.src, *position, name) {
                Some(arg) => Fallback::Expr(arg),
                None => match own {
                    Some(v) => Fallback::Value(v.clone()),
                    None => Fallback::Fails,
                },
            },
        };
        Some((self.key(key), ReadVia::Wrapper, fallback))
    }

    fn django_fallback(
        &self,
        args: &Args<'t>,
        position: usize,
        key: Node<'t>,
        scheme: &Scheme,
    ) -> Fallback<'t> {
        let key = string_value(key, self.src).unwrap_or_default();
        self.django_fallback_for(args, position, &key, scheme)
    }

    /// An explicit default, else the constructor's, else the read fails.
    fn django_fallback_for(
        &self,
        args: &Args<'t>,
        position: usize,
        key: &str,
        scheme: &Scheme,
    ) -> Fallback<'t> {
        if let Some(d) = args.get(self.src, Some(position), "default") {
            return Fallback::Expr(d);
        }
        match scheme.iter().find(|(k, _)| k == key) {
            Some((_, default)) => Fallback::Value(default.clone()),
            None => Fallback::Fails,
        }
    }

    /// The scheme of the django-environ instance `name` is bound to: in this
    /// file, or imported from the module that binds it.
    fn env_instance(&self, name: &str) -> Option<Scheme> {
        if let Some((_, scheme)) = self
            .bindings
            .env_instances
            .iter()
            .rev()
            .find(|(n, _)| n == name)
        {
            return Some(scheme.clone());
        }
        let original = self.bindings.foreign(name)?;
        self.known.env_instances.get(&original).cloned()
    }

    /// `site` builds its key from the parameter of a helper defined by
    /// another read of the same function, as one of that helper's key forms.
    fn is_helper_key_form(&self, site: &Site<'t>, sites: &[Site<'t>]) -> bool {
        let Some(function) = site.function else {
            return false;
        };
        let read = text(site.node, self.src);
        sites
            .iter()
            .filter(|s| s.function == Some(function) && matches!(s.key, Key::Name(_)))
            .filter_map(|s| self.helper_from(s))
            .any(|h| !h.key_forms.is_empty() && read.contains(&format!("{{{}}}", h.key_param)))
    }

    /// The other keys the helper a wrapper read calls tries for `key`.
    fn wrapper_key_forms(&self, site: &Site<'t>, key: &str) -> Vec<String> {
        if site.via != ReadVia::Wrapper {
            return Vec::new();
        }
        let Some(helper) = site
            .node
            .child_by_field_name("function")
            .and_then(|f| self.helper(text(f, self.src)))
        else {
            return Vec::new();
        };
        helper
            .key_forms
            .iter()
            .map(|(prefix, suffix)| format!("{prefix}{key}{suffix}"))
            .collect()
    }

    fn helper(&self, name: &str) -> Option<Helper> {
        if let Some(helper) = self.local_helpers.get(name) {
            return Some(helper.clone());
        }
        let original = self.bindings.foreign(name)?;
        self.known.helpers.get(&original).cloned()
    }

    /// `"K" in os.environ` / `"K" not in os.environ`: the key K, a literal.
    fn membership(&self, node: Node<'t>) -> Option<String> {
        let mut cursor = node.walk();
        let operands: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        let [left, right] = operands.as_slice() else {
            return None;
        };
        let operator = self.src.get(left.end_byte()..right.start_byte())?;
        let operator: Vec<&str> = operator.split_whitespace().collect();
        if !matches!(operator.as_slice(), ["in"] | ["not", "in"]) {
            return None;
        }
        if !self.is_os_environ(unwrap_parens(*right)) {
            return None;
        }
        string_value(*left, self.src)
    }

    /// `os.environ`, `o.environ` (`import os as o`), or `environ` from `from os import environ`.
    fn is_os_environ(&self, node: Node) -> bool {
        match node.kind() {
            "identifier" => Bindings::has(&self.bindings.os_environ, text(node, self.src)),
            "attribute" => {
                let (object, attr) = attribute_parts(node, self.src);
                attr == "environ"
                    && object.is_some_and(|o| Bindings::has(&self.bindings.os_modules, o))
            }
            _ => false,
        }
    }

    pub(super) fn key(&self, node: Node<'t>) -> Key<'t> {
        let node = unwrap_parens(node);
        if let Some(key) = string_value(node, self.src) {
            return Key::Literal(key);
        }
        if node.kind() == "identifier" {
            return Key::Name(node);
        }
        Key::Dynamic
    }

    /// The parameter of the enclosing function a name-keyed read uses.
    fn key_param(&self, site: &Site<'t>) -> Option<(&Function<'t>, &Param<'t>)> {
        let Key::Name(name) = site.key else {
            return None;
        };
        let function = self.bindings.functions.get(site.function?)?;
        let name = text(name, self.src);
        let param = function.params.iter().find(|p| p.name == name)?;
        Some((function, param))
    }

    /// A read keyed by a parameter makes its function a helper.
    fn helper_from(&self, site: &Site<'t>) -> Option<Helper> {
        let (function, param) = self.key_param(site)?;
        if function.is_method || function.name.is_empty() {
            return None;
        }
        let param_default = |p: &Param| HelperDefault::Param {
            position: p.position,
            name: p.name.clone(),
            own: p.default.map(|d| literal(d, self.src)),
        };
        // `if key not in os.environ: return default` before the read: the
        // helper falls back, whatever the read itself does.
        let fallback = match site.fallback {
            Fallback::Fails => missing_key_guard(site.node, &param.name, self.src)
                .map_or(Fallback::Fails, Fallback::Expr),
            ref other => other.clone(),
        };
        // `value = os.getenv(name)` then `if not value: raise ...`.
        let fallback = match fallback {
            Fallback::Value(Some(DefaultValue::None)) if raises_when_empty(site.node, self.src) => {
                Fallback::Fails
            }
            other => other,
        };
        let default = match fallback {
            Fallback::Fails => HelperDefault::Fails,
            // `v = os.getenv(name); return v if v is not None else default`
            Fallback::Value(Some(DefaultValue::None)) => {
                match function.params.iter().find(|p| p.name == "default") {
                    Some(p) => param_default(p),
                    None => HelperDefault::Fixed(Some(DefaultValue::None)),
                }
            }
            Fallback::Value(v) => HelperDefault::Fixed(v),
            Fallback::Expr(expr) => {
                let expr = unwrap_parens(expr);
                let named = (expr.kind() == "identifier")
                    .then(|| {
                        function
                            .params
                            .iter()
                            .find(|p| p.name == text(expr, self.src))
                    })
                    .flatten();
                match named {
                    Some(p) => param_default(p),
                    None => HelperDefault::Fixed(literal(expr, self.src)),
                }
            }
        };
        let key_forms = enclosing_function(site.node)
            .map(|f| key_forms(text(f, self.src), &param.name))
            .unwrap_or_default();
        Some(Helper {
            name: function.name.clone(),
            key_position: param.position?,
            key_param: param.name.clone(),
            default,
            key_forms,
        })
    }

    fn emit_reads(&self, sites: &[Site<'t>], facts: &mut Facts) {
        let index: HashMap<usize, usize> = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.node.id(), i))
            .collect();
        let settled: Vec<Settled> = sites
            .iter()
            .map(|site| settle(site, sites, &index, self.src))
            .collect();
        let is_environ = |node: Node<'t>| self.is_os_environ(node);
        let conditions = Conditions::new(
            self.src,
            self.rel,
            self.probes(sites, &settled),
            &is_environ,
            self.root,
        );
        let mut heads: Vec<Option<String>> = vec![None; sites.len()];
        for ((i, site), settled) in sites.iter().enumerate().zip(settled) {
            let key = match &site.key {
                Key::Literal(k) => Some(k.clone()),
                // The key is the helper's parameter: its callers are the reads.
                Key::Name(_) if self.helper_from(site).is_some() => continue,
                // `os.getenv(f"APP_{name}")` in that helper: a key form of it.
                Key::Dynamic if self.is_helper_key_form(site, sites) => continue,
                _ => None,
            };
            let start = site.node.start_position();
            let mut read = EnvRead::new(
                key.clone(),
                Location::new(self.rel, start.row as u32, start.column as u32),
                site.via,
                Consumer::App,
            );
            let enclosing = conditions.enclosing(site.node);
            // `try: ... except KeyError:` is the read's fallback.
            read.required = settled.required && !enclosing.caught;
            read.default = settled.default;
            read.has_default = settled.has_default || (settled.required && enclosing.caught);
            read.guard = enclosing.guard;
            if site.via == ReadVia::Dynaconf {
                self.dynaconf_judgement(site.node, &mut read);
            }
            if site.via == ReadVia::OsEnvironIn
                && let Some(key) = &key
            {
                // Neither required nor defaulted: the value is never used.
                read.has_default = false;
                read.guard = Some(own_test(read.guard.take(), &read.location, key));
            }
            read.fallback_of = heads.get(i).cloned().flatten();
            if let Some(key) = &key {
                read.chain = std::iter::once(key.clone())
                    .chain(settled.aliases)
                    .chain(self.wrapper_key_forms(site, key))
                    .collect();
                let head = read.fallback_of.clone().unwrap_or_else(|| key.clone());
                for nested in settled.nested {
                    if let Some(slot) = heads.get_mut(nested)
                        && slot.is_none()
                    {
                        *slot = Some(head.clone());
                    }
                }
            }
            facts.reads.push(read);
        }
    }

    /// Each read as a branch condition sees it, by node id.
    fn probes(&self, sites: &[Site<'t>], settled: &[Settled]) -> HashMap<usize, Probe> {
        sites
            .iter()
            .zip(settled)
            .map(|(site, settled)| {
                let when_unset = match (&settled.default, settled.required) {
                    (_, true) => WhenUnset::Fails,
                    (Some(v), false) => WhenUnset::Value(v.clone()),
                    (None, false) => WhenUnset::Unknown,
                };
                let probe = Probe {
                    key: match &site.key {
                        Key::Literal(k) => Some(k.clone()),
                        _ => None,
                    },
                    when_unset,
                    plain: self.returns_raw_string(site),
                };
                (site.node.id(), probe)
            })
            .collect()
    }

    /// The read returns the value as written (no cast): set means truthy.
    fn returns_raw_string(&self, site: &Site<'t>) -> bool {
        let callee = site.node.field(Field::Function);
        match site.via {
            ReadVia::OsEnviron | ReadVia::OsEnvironGet | ReadVia::OsGetenv => true,
            ReadVia::OsEnvironSetdefault | ReadVia::OsEnvironPop => true,
            ReadVia::DjangoEnviron => callee.is_some_and(|c| {
                c.kind() == "identifier" || attribute_node_parts(c, self.src).1 == "str"
            }),
            ReadVia::Decouple => {
                Args::of(site.node).is_some_and(|args| args.keyword(self.src, "cast").is_none())
            }
            ReadVia::Environs => callee.is_some_and(|c| {
                c.kind() == "identifier" || attribute_node_parts(c, self.src).1 == "str"
            }),
            _ => false,
        }
    }
}

/// A membership test looks at K without using its value: it "runs" only
/// where K is set, so an unset K is no finding and a written K is read.
fn own_test(enclosing: Option<ReadGuard>, at: &Location, key: &str) -> ReadGuard {
    let mut guard = enclosing.unwrap_or_else(|| ReadGuard {
        location: at.clone(),
        ..ReadGuard::default()
    });
    guard.set.push(key.to_string());
    guard
}

/// What the walk does with a node, by its kind.
#[derive(Clone, Copy)]
enum WalkKind {
    Other,
    /// Comments and `from __future__`: nothing below is code that reads env.
    Skip,
    Import,
    ImportFrom,
    Assignment,
    Function,
    Class,
    Call,
    Subscript,
    /// `"K" in os.environ`.
    Comparison,
    /// `settings.KEY` of a dynaconf instance.
    Attribute,
    BooleanOperator,
}

/// The walk visits every node: a table indexed by kind id spares it a
/// string comparison (and `kind()`'s UTF-8 check) per node.
static WALK_KINDS: LazyLock<Vec<WalkKind>> = LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    (0..language.node_kind_count())
        .map(|id| {
            let id = id as u16;
            if !language.node_kind_is_named(id) {
                return WalkKind::Other;
            }
            match language.node_kind_for_id(id).unwrap_or("") {
                "comment" | "future_import_statement" => WalkKind::Skip,
                "import_statement" => WalkKind::Import,
                "import_from_statement" => WalkKind::ImportFrom,
                "assignment" => WalkKind::Assignment,
                "function_definition" => WalkKind::Function,
                "class_definition" => WalkKind::Class,
                "call" => WalkKind::Call,
                "subscript" => WalkKind::Subscript,
                "comparison_operator" => WalkKind::Comparison,
                "attribute" => WalkKind::Attribute,
                "boolean_operator" => WalkKind::BooleanOperator,
                _ => WalkKind::Other,
            }
        })
        .collect()
});

/// The value a function returns when `param` is not in the environment, from
/// an early `if param not in os.environ: return VALUE` in its body (the
/// statement before the read, at the function's top level).
fn missing_key_guard<'t>(read: Node<'t>, param: &str, src: &str) -> Option<Node<'t>> {
    let mut node = read;
    let function = loop {
        node = node.parent()?;
        if node.kind() == "function_definition" {
            break node;
        }
    };
    let body = function.field(Field::Body)?;
    let mut cursor = body.walk();
    let statements: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|st| {
        if st.kind() != "if_statement" || st.start_byte() > read.start_byte() {
            return None;
        }
        let condition = text(st.field(Field::Condition)?, src)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let guards = [
            format!("{param} not in os.environ"),
            format!("{param} not in environ"),
        ];
        if !guards.contains(&condition) {
            return None;
        }
        let consequence = st.field(Field::Consequence)?;
        let first = super::syntax::first_named(consequence)?;
        (first.kind() == "return_statement").then(|| super::syntax::first_named(first))?
    })
}

/// The read's value is assigned to a name (`value = os.getenv(name)`) and
/// a later statement of the same function raises when it is empty or
/// `None` (`if not value: raise …`, `if value is None: raise …`): a
/// missing key makes the function fail.
fn raises_when_empty(read: Node, src: &str) -> bool {
    let Some(assignment) = read.parent().filter(|p| p.kind() == "assignment") else {
        return false;
    };
    let Some(name) = assignment.field(Field::Left).map(|l| text(l, src)) else {
        return false;
    };
    let Some(body) = enclosing_function(read).and_then(|f| f.field(Field::Body)) else {
        return false;
    };
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    statements.into_iter().any(|st| {
        if st.kind() != "if_statement" || st.start_byte() < assignment.end_byte() {
            return false;
        }
        let Some(condition) = st.field(Field::Condition).map(|c| text(c, src)) else {
            return false;
        };
        let condition = condition.split_whitespace().collect::<Vec<_>>().join(" ");
        let tests_empty = [format!("not {name}"), format!("{name} is None")].contains(&condition);
        let raises = st
            .field(Field::Consequence)
            .and_then(super::syntax::first_named)
            .is_some_and(|first| first.kind() == "raise_statement");
        tests_empty && raises
    })
}

#[cfg(test)]
pub(super) fn key_forms_for_tests(body: &str, param: &str) -> Vec<(String, String)> {
    key_forms(body, param)
}

/// The `def` a node sits in.
fn enclosing_function(node: Node) -> Option<Node> {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "function_definition" {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

/// The (prefix, suffix) of each f-string key an env read in `body` builds
/// around parameter `param`: `os.getenv(f"SMARTER_{name}")`.
fn key_forms(body: &str, param: &str) -> Vec<(String, String)> {
    let hole = format!("{{{param}}}");
    let mut forms = Vec::new();
    for call in ["getenv(", "environ.get(", "environ["] {
        for (at, _) in body.match_indices(call) {
            let arg = body[at + call.len()..].trim_start();
            let Some(quoted) = arg.strip_prefix("f\"").or_else(|| arg.strip_prefix("f'")) else {
                continue;
            };
            let Some(end) = quoted.find(['"', '\'']) else {
                continue;
            };
            let Some((prefix, suffix)) = quoted[..end].split_once(&hole) else {
                continue;
            };
            let word = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if word(prefix) && word(suffix) && !(prefix.is_empty() && suffix.is_empty()) {
                forms.push((prefix.to_string(), suffix.to_string()));
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

fn walk_kind(node: Node) -> WalkKind {
    WALK_KINDS
        .get(usize::from(node.kind_id()))
        .copied()
        .unwrap_or(WalkKind::Other)
}

/// Where a read's value comes from when its key is unset.
struct Settled {
    aliases: Vec<String>,
    nested: Vec<usize>,
    required: bool,
    default: Option<DefaultValue>,
    has_default: bool,
}

/// Follow a read's fallbacks (`default=env("B", ...)`, `or os.getenv("B")`)
/// to the end: the aliases on the way and what is left when none is set.
fn settle<'t>(
    site: &Site<'t>,
    sites: &[Site<'t>],
    index: &HashMap<usize, usize>,
    src: &str,
) -> Settled {
    let mut settled = Settled {
        aliases: Vec::new(),
        nested: Vec::new(),
        required: false,
        default: None,
        has_default: false,
    };
    let mut fallback = site.fallback.clone();
    let mut or_rest = site.or_rest.as_slice();
    for _ in 0..MAX_CHAIN {
        let end = match fallback {
            Fallback::Expr(expr) => {
                let expr = unwrap_parens(expr);
                if let Some(&i) = index.get(&expr.id())
                    && let Some(inner) = sites.get(i)
                {
                    if let Key::Literal(k) = &inner.key {
                        settled.aliases.push(k.clone());
                    }
                    settled.nested.push(i);
                    fallback = inner.fallback.clone();
                    continue;
                }
                Fallback::Value(literal(expr, src))
            }
            other => other,
        };
        // `a or b`: b is used when a's value is falsy.
        let falsy = match &end {
            Fallback::Value(Some(v)) => v.is_empty_like() || *v == DefaultValue::Int(0),
            _ => false,
        };
        if falsy && let Some((next, rest)) = or_rest.split_first() {
            fallback = Fallback::Expr(*next);
            or_rest = rest;
            continue;
        }
        match end {
            Fallback::Fails => settled.required = true,
            Fallback::Value(Some(v)) => settled.default = Some(v),
            Fallback::Value(None) | Fallback::Expr(_) => settled.has_default = true,
        }
        return settled;
    }
    settled.has_default = true; // cut: an expression as far as we know
    settled
}

fn top_level_names(root: Node, src: &str) -> Vec<String> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter_map(definition_name)
        .map(|name| text(name, src).to_string())
        .collect()
}

/// The name node of a `def` or `class` statement, decorated or not.
fn definition_name(statement: Node) -> Option<Node> {
    let definition = match statement.kind() {
        "decorated_definition" => statement.field(Field::Definition)?,
        "function_definition" | "class_definition" => statement,
        _ => return None,
    };
    definition.field(Field::Name)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// `os.environ["K"] = v`, `del os.environ["K"]`, `a, os.environ["K"] = ...`.
fn is_write_target(node: Node, parent: Option<Node>, grandparent: Option<Node>) -> bool {
    let Some(parent) = parent else { return false };
    match parent.kind() {
        "assignment" => parent
            .field(Field::Left)
            .is_some_and(|l| l.id() == node.id()),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "delete_statement" => true,
        "expression_list" => grandparent.is_some_and(|g| g.kind() == "delete_statement"),
        _ => false,
    }
}

fn is_or(node: Node) -> bool {
    node.kind() == "boolean_operator"
        && node
            .field(Field::Operator)
            .is_some_and(|o| o.kind() == "or")
}

/// `a or b or c` parses as `(a or b) or c`: walk down the left spine.
fn or_operands(top: Node) -> Vec<Node> {
    let mut rights = Vec::new();
    let mut node = top;
    while is_or(node) {
        let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right)) else {
            return Vec::new();
        };
        rights.push(right);
        node = left;
    }
    rights.push(node);
    rights.reverse();
    rights
}

/// `o.attr` → (`Some("o")`, `"attr"`); the object is `None` unless it is a plain name.
fn attribute_parts<'s>(node: Node, src: &'s str) -> (Option<&'s str>, &'s str) {
    let (object, attr) = attribute_node_parts(node, src);
    (
        object
            .filter(|o| o.kind() == "identifier")
            .map(|o| text(o, src)),
        attr,
    )
}

fn attribute_node_parts<'t, 's>(node: Node<'t>, src: &'s str) -> (Option<Node<'t>>, &'s str) {
    let object = node.field(Field::Object);
    let attr = node
        .field(Field::Attribute)
        .map(|a| text(a, src))
        .unwrap_or("");
    (object, attr)
}

/// `a.b` / `a.b as c` of an import: (`a.b`, `Some("c")`).
fn dotted_and_alias(node: Node, src: &str) -> (String, Option<String>) {
    if node.kind() == "aliased_import" {
        let name = node.field(Field::Name).map(|n| text(n, src)).unwrap_or("");
        let alias = node.field(Field::Alias).map(|a| text(a, src).to_string());
        (name.to_string(), alias)
    } else {
        (text(node, src).to_string(), None)
    }
}
