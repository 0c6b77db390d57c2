//! dynaconf: `settings = Dynaconf(envvar_prefix="MYAPP", ...)` (or
//! `LazySettings`, or dynaconf's own `settings`), read as `settings.KEY`,
//! `settings["KEY"]`, `settings.get("KEY", default)`, `settings("KEY")`,
//! `settings.as_int("KEY")`: each reads the env key `MYAPP_KEY` (prefix
//! `DYNACONF` by default, none with `envvar_prefix=False`; keys upper-cased,
//! `a.b` nested as `A__B`).
//!
//! Conservative on purpose: a value may also come from the instance's
//! settings files (`settings.toml`...), which envtrail does not read, so a
//! read is never required, except a key a `Validator("K", must_exist=True)`
//! of the constructor checks when the instance names no settings file; with
//! settings files, every read has a default envtrail cannot quote.
//! `django.conf.settings` through dynaconf's Django extension is not followed.

use tree_sitter::Node;

use super::analyze::{Analysis, Fallback, Key};
use super::syntax::{Args, Field, FieldExt, literal, string_value, text, unwrap_parens};
use crate::facts::{DefaultValue, EnvRead};

/// The prefix when the constructor names none.
const DEFAULT_PREFIX: &str = "DYNACONF";

/// Attributes of a dynaconf instance that are its API, not settings.
pub(super) const API: &[&str] = &[
    "get",
    "get_fresh",
    "get_environ",
    "exists",
    "as_bool",
    "as_int",
    "as_float",
    "as_json",
    "set",
    "setenv",
    "setdefault",
    "update",
    "unset",
    "validators",
    "configure",
    "configured",
    "from_env",
    "using_env",
    "to_dict",
    "as_dict",
    "keys",
    "items",
    "values",
    "store",
    "reload",
    "load_file",
    "populate_obj",
    "current_env",
    "current_namespace",
    "settings_module",
    "loaded_by_loaders",
    "dynaconf",
    "fresh",
    "flag",
];

/// Methods that read the key given first: `get` and the casting getters.
pub(super) const GETTERS: &[&str] = &[
    "get",
    "get_fresh",
    "as_bool",
    "as_int",
    "as_float",
    "as_json",
];

/// What a dynaconf instance says about the keys read through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `None` when the prefix is not a literal: every key is then unknown.
    pub prefix: Option<String>,
    /// It names settings files: a key may be set there instead.
    pub files: bool,
    /// Keys a `Validator(..., must_exist=True)` of the constructor checks.
    pub validated: Vec<String>,
    /// The module that binds it, as imports name it (`config` for
    /// `app/config.py`): an import of the name from elsewhere is another object.
    pub module: String,
}

impl Instance {
    /// dynaconf's own `from dynaconf import settings`.
    pub fn global(module: &str) -> Instance {
        Instance {
            prefix: Some(DEFAULT_PREFIX.into()),
            files: true,
            validated: Vec::new(),
            module: module.into(),
        }
    }

    /// The env key of setting `name` (`db.host` → `MYAPP_DB__HOST`).
    pub fn env_key(&self, name: &str) -> Option<String> {
        let prefix = self.prefix.as_deref()?;
        let name = name.replace('.', "__").to_ascii_uppercase();
        Some(if prefix.is_empty() {
            name
        } else {
            format!("{}_{name}", prefix.trim_end_matches('_'))
        })
    }

    pub fn is_validated(&self, key: &str) -> bool {
        self.validated.iter().any(|k| k == key)
    }
}

/// The instance `Dynaconf(...)` / `LazySettings(...)` builds, in `rel`.
pub(super) fn constructor(args: &Args, src: &str, rel: &str) -> Instance {
    let prefix = match args
        .keyword(src, "envvar_prefix")
        .or_else(|| args.keyword(src, "ENVVAR_PREFIX_FOR_DYNACONF"))
    {
        None => Some(DEFAULT_PREFIX.to_string()),
        Some(given) => match literal(given, src) {
            Some(DefaultValue::Bool(false)) => Some(String::new()),
            Some(DefaultValue::None) => Some(DEFAULT_PREFIX.to_string()),
            Some(DefaultValue::Str(prefix)) => Some(prefix),
            _ => None,
        },
    };
    let files = [
        "settings_files",
        "settings_file",
        "SETTINGS_FILE_FOR_DYNACONF",
        "preload",
    ]
    .iter()
    .any(|k| args.keyword(src, k).is_some());
    let mut instance = Instance {
        prefix,
        files,
        validated: Vec::new(),
        module: module_of(rel),
    };
    if let Some(list) = args.keyword(src, "validators") {
        let validated = validated_names(list, src)
            .into_iter()
            .filter_map(|name| instance.env_key(&name))
            .collect();
        instance.validated = validated;
    }
    instance
}

/// The names each `Validator("A", "B", must_exist=True)` of a list checks.
fn validated_names(list: Node, src: &str) -> Vec<String> {
    let list = unwrap_parens(list);
    if !matches!(list.kind(), "list" | "tuple") {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut cursor = list.walk();
    for item in list.named_children(&mut cursor) {
        let is_validator = item.kind() == "call"
            && item
                .field(Field::Function)
                .is_some_and(|f| text(f, src).rsplit('.').next() == Some("Validator"));
        let Some(args) = Args::of(item).filter(|_| is_validator) else {
            continue;
        };
        let must = ["must_exist", "required"].iter().any(|k| {
            args.keyword(src, k)
                .and_then(|v| literal(v, src))
                .is_some_and(|v| v == DefaultValue::Bool(true))
        });
        // A default (or a condition) lets the key be missing.
        let lenient = ["default", "when", "env"]
            .iter()
            .any(|k| args.keyword(src, k).is_some());
        if must && !lenient {
            names.extend(args.positional.iter().filter_map(|n| string_value(*n, src)));
        }
    }
    names
}

/// How imports name the module of file `rel`: `app/config.py` → `config`,
/// `app/conf/__init__.py` → `conf`.
pub(super) fn module_of(rel: &str) -> String {
    let path = rel.strip_suffix(".py").unwrap_or(rel);
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or("");
    if last == "__init__" {
        parts.next().unwrap_or("").to_string()
    } else {
        last.to_string()
    }
}

/// `from <module> import name`: whether `module` is the one of `instance`.
pub(super) fn same_module(module: &str, instance: &Instance) -> bool {
    module.rsplit('.').next() == Some(instance.module.as_str())
}

impl<'t> Analysis<'t, '_> {
    /// Whether the walk keeps attribute `node` as a candidate: `X.NAME` on
    /// a name that may be a dynaconf instance (bound here, or imported:
    /// pass 2 knows), neither called nor assigned to.
    pub(super) fn may_be_dynaconf_read(&self, node: Node<'t>, parent: Option<Node<'t>>) -> bool {
        // The walk meets every attribute: most files can rule them all out at once.
        if !self.bindings.may_bind_dynaconf() {
            return false;
        }
        let Some(object) = node
            .field(Field::Object)
            .filter(|o| o.kind() == "identifier")
        else {
            return false;
        };
        let called_or_written = parent.is_some_and(|p| {
            let is = |field| p.field(field).is_some_and(|n| n.id() == node.id());
            match p.kind() {
                "call" => is(Field::Function),
                "assignment" | "augmented_assignment" => is(Field::Left),
                "delete_statement" => true,
                _ => false,
            }
        });
        let name = text(object, self.src);
        !called_or_written
            && (self.dynaconf_instance(name).is_some() || self.bindings.foreign(name).is_some())
    }

    /// `settings.KEY`.
    pub(super) fn dynaconf_attribute(&mut self, node: Node<'t>) -> Option<(Key<'t>, Fallback<'t>)> {
        let object = text(node.field(Field::Object)?, self.src);
        let attr = text(node.field(Field::Attribute)?, self.src);
        let Some(instance) = self.dynaconf_instance(object) else {
            // Perhaps an instance another module binds: judged again in pass 2.
            if let Some(original) = self.bindings.foreign(object) {
                self.note_foreign(original);
            }
            return None;
        };
        if API.contains(&attr) || attr.starts_with('_') {
            return None;
        }
        let key = instance.env_key(attr).map_or(Key::Dynamic, Key::Literal);
        Some((key, Fallback::Value(None)))
    }

    /// `settings["KEY"]`.
    pub(super) fn dynaconf_subscript(
        &self,
        node: Node<'t>,
        value: Node<'t>,
    ) -> Option<(Key<'t>, Fallback<'t>)> {
        let object = Some(value).filter(|v| v.kind() == "identifier")?;
        let instance = self.dynaconf_instance(text(object, self.src))?;
        let mut cursor = node.walk();
        let keys: Vec<Node> = node
            .children_by_field_name("subscript", &mut cursor)
            .collect();
        let key = match keys.as_slice() {
            [one] => self.dynaconf_key(instance, *one),
            _ => Key::Dynamic,
        };
        Some((key, Fallback::Value(None)))
    }

    /// `settings("KEY", default)`, `settings.get("KEY", default)`, `settings.as_int("KEY")`.
    pub(super) fn dynaconf_call(
        &self,
        object: &str,
        method: Option<&str>,
        args: &Args<'t>,
    ) -> Option<(Key<'t>, Fallback<'t>)> {
        let instance = self.dynaconf_instance(object)?;
        let takes_default = match method {
            None | Some("get" | "get_fresh") => true,
            Some(getter) if GETTERS.contains(&getter) => false,
            Some(_) => return None,
        };
        let key = self.dynaconf_key(instance, args.get(self.src, Some(0), "key")?);
        let fallback = match args
            .get(self.src, Some(1), "default")
            .filter(|_| takes_default)
        {
            Some(default) => Fallback::Expr(default),
            // `get` gives None; a missing key may also be in a settings file.
            None if takes_default => Fallback::Value(Some(DefaultValue::None)),
            None => Fallback::Value(None),
        };
        Some((key, fallback))
    }

    fn dynaconf_key(&self, instance: &Instance, node: Node<'t>) -> Key<'t> {
        match self.key(node) {
            Key::Literal(name) => instance.env_key(&name).map_or(Key::Dynamic, Key::Literal),
            _ => Key::Dynamic,
        }
    }

    /// What a missing key does, from what the instance says: required only
    /// when a validator demands it and no settings file could hold it.
    pub(super) fn dynaconf_judgement(&self, node: Node<'t>, read: &mut EnvRead) {
        let object = match node.kind() {
            "attribute" => node.field(Field::Object),
            "subscript" => node.field(Field::Value),
            _ => node.field(Field::Function).and_then(|f| match f.kind() {
                "attribute" => f.field(Field::Object),
                _ => Some(f),
            }),
        };
        let Some(instance) = object.and_then(|o| self.dynaconf_instance(text(o, self.src))) else {
            return;
        };
        let validated = read.key.as_ref().is_some_and(|k| instance.is_validated(k));
        read.required = false;
        if instance.files {
            read.has_default = read.default.is_none();
        } else if validated {
            read.required = true;
            read.default = None;
            read.has_default = false;
        } else if read.default.is_none() {
            read.has_default = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::collect::settings::collect_source;
    use crate::facts::{DefaultValue, EnvRead, ReadVia};

    fn reads(src: &str) -> Vec<EnvRead> {
        let facts = collect_source("config.py", src);
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        facts.reads
    }

    /// (key, required, literal default, non-literal default) of each read.
    type Summary = (String, bool, Option<DefaultValue>, bool);

    fn summary(src: &str) -> Vec<Summary> {
        reads(src)
            .into_iter()
            .map(|r| {
                assert_eq!(r.via, ReadVia::Dynaconf, "{r:?}");
                let key = r.key.unwrap_or_else(|| "<dynamic>".into());
                (key, r.required, r.default, r.has_default)
            })
            .collect()
    }

    fn row(key: &str, required: bool, default: Option<DefaultValue>, other: bool) -> Summary {
        (key.into(), required, default, other)
    }

    #[test]
    fn every_read_form_with_a_prefix() {
        let src = r#"from dynaconf import Dynaconf, Validator
settings = Dynaconf(
    envvar_prefix="MYAPP",
    validators=[Validator("DATABASE_URL", "SECRET_KEY", must_exist=True), Validator("PORT", must_exist=True, default=80)],
)
A = settings.DATABASE_URL
B = settings["SECRET_KEY"]
C = settings.get("timeout", 30)
D = settings.get("db.host", default="localhost")
E = settings.as_bool("DEBUG")
F = settings("NAME", "shop")
G = settings.PORT
H = settings.redis.url
settings.validators.validate()
settings.WRITTEN = 1
if settings.exists("FLAG"):
    pass
"#;
        assert_eq!(
            summary(src),
            vec![
                row("MYAPP_DATABASE_URL", true, None, false),
                row("MYAPP_SECRET_KEY", true, None, false),
                row("MYAPP_TIMEOUT", false, Some(DefaultValue::Int(30)), false),
                row(
                    "MYAPP_DB__HOST",
                    false,
                    Some(DefaultValue::Str("localhost".into())),
                    false
                ),
                row("MYAPP_DEBUG", false, None, false),
                row(
                    "MYAPP_NAME",
                    false,
                    Some(DefaultValue::Str("shop".into())),
                    false
                ),
                row("MYAPP_PORT", false, None, false),
                row("MYAPP_REDIS", false, None, false),
            ]
        );
    }

    #[test]
    fn only_a_validator_call_makes_a_key_required() {
        let src = "from dynaconf import Dynaconf, Validator\nfrom checks import Check\nsettings = Dynaconf(envvar_prefix='APP', validators=[Validator('TOKEN', must_exist=True), Check('OTHER', must_exist=True)])\nA = settings.TOKEN\nB = settings.OTHER\n";
        assert_eq!(
            summary(src),
            vec![
                row("APP_TOKEN", true, None, false),
                row("APP_OTHER", false, None, false),
            ]
        );
    }

    #[test]
    fn a_called_or_deleted_attribute_is_no_read() {
        let src = "from dynaconf import Dynaconf\nsettings = Dynaconf(envvar_prefix='APP')\nsettings.setenv('production')\nsettings.REFRESH_HOOK()\ndel settings.SCRATCH\nA = settings.TOKEN\n";
        assert_eq!(summary(src), vec![row("APP_TOKEN", false, None, false)]);
    }

    #[test]
    fn get_without_a_default_gives_none_and_a_cast_getter_no_default() {
        let src = "from dynaconf import Dynaconf\nsettings = Dynaconf(envvar_prefix='APP')\nA = settings.get('TIMEOUT')\nB = settings.as_int('WORKERS')\n";
        assert_eq!(
            summary(src),
            vec![
                row("APP_TIMEOUT", false, Some(DefaultValue::None), false),
                row("APP_WORKERS", false, None, false),
            ]
        );
    }

    #[test]
    fn settings_files_may_hold_any_key() {
        let src = "from dynaconf import Dynaconf, Validator\nsettings = Dynaconf(settings_files=['settings.toml'], validators=[Validator('TOKEN', must_exist=True)])\nA = settings.TOKEN\nB = settings.get('X', 'd')\n";
        assert_eq!(
            summary(src),
            vec![
                row("DYNACONF_TOKEN", false, None, true),
                row(
                    "DYNACONF_X",
                    false,
                    Some(DefaultValue::Str("d".into())),
                    false
                ),
            ]
        );
    }

    #[test]
    fn prefixes_and_bindings() {
        for (src, key) in [
            (
                "import dynaconf\ns = dynaconf.Dynaconf(envvar_prefix=False)\nA = s.K\n",
                "K",
            ),
            (
                "from dynaconf import LazySettings\ns = LazySettings(ENVVAR_PREFIX_FOR_DYNACONF='APP_')\nA = s.k\n",
                "APP_K",
            ),
            (
                "from dynaconf import settings\nA = settings.K\n",
                "DYNACONF_K",
            ),
            (
                "from dynaconf import Dynaconf\ns = Dynaconf(envvar_prefix=None)\nA = s.K\n",
                "DYNACONF_K",
            ),
        ] {
            let keys: Vec<_> = reads(src).into_iter().filter_map(|r| r.key).collect();
            assert_eq!(keys, vec![key], "{src}");
        }
        let src = "from dynaconf import Dynaconf\ns = Dynaconf(envvar_prefix=P)\nA = s.K\n";
        assert_eq!(summary(src), vec![row("<dynamic>", false, None, false)]);
        // Other objects' attributes are not dynaconf reads.
        let src = "from django.conf import settings\nA = settings.DEBUG\nimport os\nB = os.path.join('a')\n";
        assert!(reads(src).is_empty());
    }

    #[test]
    fn an_instance_imported_from_its_module_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "app/config.py",
                "from dynaconf import Dynaconf\nsettings = Dynaconf(envvar_prefix='SHOP')\n",
            ),
            (
                "app/main.py",
                "from app.config import settings\nTOKEN = settings.TOKEN\n",
            ),
            (
                "web/views.py",
                "from django.conf import settings\nX = settings.DEBUG\n",
            ),
        ];
        let inputs = crate::collect::write_inputs(dir.path(), &files);
        let facts = crate::collect::settings::collect_files(&inputs, 1);
        let keys: Vec<_> = facts
            .reads
            .iter()
            .map(|r| {
                (
                    r.location.file.to_string(),
                    r.key.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![("app/main.py".to_string(), "SHOP_TOKEN".to_string())]
        );
    }

    #[test]
    fn module_names_as_imports_spell_them() {
        assert_eq!(super::module_of("app/config.py"), "config");
        assert_eq!(super::module_of("app/conf/__init__.py"), "conf");
        assert_eq!(super::module_of("settings.py"), "settings");
    }
}
