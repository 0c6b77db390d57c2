//! environs: `env = Env(prefix=...)` (or environs' own `env`), `env("K")`,
//! `env.str("K", default)`, and `with env.prefixed("APP_"):` blocks.
//!
//! Its own dimension beside django-environ, though both call the class
//! `Env`: every environs reading method takes the default second, by
//! position or as `default=` (django-environ's `env("K", cast, default)`
//! takes a cast there), and a missing key with no default raises `EnvError`
//! (or fails at `env.seal()` when the instance is not eager). Loading a
//! dotenv file (`env.read_env()`) is found with the other loaders in
//! `dotenv_load.rs`.

use tree_sitter::Node;

use super::analyze::{Analysis, Fallback, Key};
use super::syntax::{Args, Field, FieldExt, string_value, text, unwrap_parens};

/// The methods of `environs.Env` that read a key (environs 14).
pub(super) const METHODS: &[&str] = &[
    "str",
    "int",
    "bool",
    "float",
    "decimal",
    "list",
    "dict",
    "json",
    "datetime",
    "date",
    "time",
    "timedelta",
    "path",
    "log_level",
    "uuid",
    "url",
    "enum",
    "dj_db_url",
    "dj_email_url",
    "dj_cache_url",
];

/// The prefix an instance puts before every key: `Some("")` for none,
/// `None` when it is not a literal (every key read through it is then unknown).
pub type Prefix = Option<String>;

/// Ancestors climbed from a read to find the `with` blocks around it.
const MAX_CLIMB: usize = 512;

/// `Env(prefix="APP_")`: the constructor's prefix.
pub(super) fn constructor_prefix(args: &Args, src: &str) -> Prefix {
    match args.keyword(src, "prefix") {
        None => Some(String::new()),
        Some(p) if unwrap_parens(p).kind() == "none" => Some(String::new()),
        Some(p) => string_value(p, src),
    }
}

impl<'t> Analysis<'t, '_> {
    /// `object(...)` or `object.method(...)` at `call`, when `object` is an
    /// environs instance (or the `as` name of one's `prefixed` block): the
    /// key with every prefix in force, and what a missing key gives.
    pub(super) fn environs_read(
        &self,
        call: Node<'t>,
        object: &str,
        args: &Args<'t>,
    ) -> Option<(Key<'t>, Fallback<'t>)> {
        let prefix = self.environs_prefix(call, object)?;
        let key_node = args.get(self.src, Some(0), "name")?;
        let key = match (self.key(key_node), prefix) {
            (Key::Literal(key), Some(prefix)) => Key::Literal(format!("{prefix}{key}")),
            // A helper's parameter: only without a prefix is the caller's key the key.
            (Key::Name(name), Some(prefix)) if prefix.is_empty() => Key::Name(name),
            _ => Key::Dynamic,
        };
        let fallback = match args.get(self.src, Some(1), "default") {
            Some(default) => Fallback::Expr(default),
            None => Fallback::Fails,
        };
        Some((key, fallback))
    }

    /// The environs instance `name` is bound to: in this file, or imported
    /// from the module that binds it.
    pub(super) fn environs_instance(&self, name: &str) -> Option<Prefix> {
        if let Some((_, prefix)) = self
            .bindings
            .environs_instances
            .iter()
            .rev()
            .find(|(n, _)| n == name)
        {
            return Some(prefix.clone());
        }
        let original = self.bindings.foreign(name)?;
        self.known().environs_instances.get(&original).cloned()
    }

    /// The whole prefix of a read through `object` at `call`: the
    /// instance's, then each enclosing `with <instance>.prefixed("P"):`
    /// from the outermost in (environs concatenates them). `None` when
    /// `object` is no environs instance.
    fn environs_prefix(&self, call: Node<'t>, object: &str) -> Option<Prefix> {
        // Most files bind no instance: no climbing for each of their calls.
        if self.bindings.environs_instances.is_empty() && self.known().environs_instances.is_empty()
        {
            return None;
        }
        let mut instance = object.to_string();
        // Innermost first.
        let mut pieces: Vec<Prefix> = Vec::new();
        let mut node = call;
        for _ in 0..MAX_CLIMB {
            let Some(parent) = node.parent() else { break };
            let in_body = parent.kind() == "with_statement"
                && parent
                    .field(Field::Body)
                    .is_some_and(|b| b.id() == node.id());
            if in_body {
                for (of, alias, piece) in self.prefixed_items(parent).into_iter().rev() {
                    if alias.as_deref() == Some(instance.as_str()) {
                        instance = of;
                        pieces.push(piece);
                    } else if of == instance {
                        pieces.push(piece);
                    }
                }
            }
            node = parent;
        }
        let mut prefix = self.environs_instance(&instance)?;
        for piece in pieces.into_iter().rev() {
            prefix = prefix.zip(piece).map(|(outer, inner)| outer + &inner);
        }
        Some(prefix)
    }

    /// Each `X.prefixed("P")` / `X.prefixed("P") as e` item of a `with`:
    /// (X, e, P), in the order written.
    fn prefixed_items(&self, with: Node<'t>) -> Vec<(String, Option<String>, Prefix)> {
        let mut items = Vec::new();
        let mut cursor = with.walk();
        let clauses: Vec<Node<'t>> = with
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "with_clause")
            .collect();
        for clause in clauses {
            let mut cursor = clause.walk();
            for item in clause.named_children(&mut cursor) {
                let Some(value) = item.field(Field::Value) else {
                    continue;
                };
                let (call, alias) = match value.kind() {
                    "as_pattern" => (
                        super::syntax::first_named(value),
                        value
                            .field(Field::Alias)
                            .and_then(super::syntax::first_named)
                            .filter(|a| a.kind() == "identifier")
                            .map(|a| text(a, self.src).to_string()),
                    ),
                    _ => (Some(value), None),
                };
                if let Some((of, piece)) = call.and_then(|c| self.prefixed_call(c)) {
                    items.push((of, alias, piece));
                }
            }
        }
        items
    }

    /// `X.prefixed("P")`: (X, P).
    fn prefixed_call(&self, call: Node<'t>) -> Option<(String, Prefix)> {
        let call = unwrap_parens(call);
        let callee = call.field(Field::Function)?;
        let object = callee.field(Field::Object)?;
        let attr = callee.field(Field::Attribute)?;
        if call.kind() != "call"
            || object.kind() != "identifier"
            || text(attr, self.src) != "prefixed"
        {
            return None;
        }
        let args = Args::of(call)?;
        let piece = args
            .get(self.src, Some(0), "prefix")
            .and_then(|p| string_value(p, self.src));
        Some((text(object, self.src).to_string(), piece))
    }
}

#[cfg(test)]
mod tests {
    use crate::collect::settings::collect_source;
    use crate::facts::{DefaultValue, EnvRead, ReadVia};

    fn reads(src: &str) -> Vec<EnvRead> {
        let facts = collect_source("settings.py", src);
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        facts.reads
    }

    /// (key, required, literal default, non-literal default) of each read.
    fn summary(src: &str) -> Vec<(String, bool, Option<DefaultValue>, bool)> {
        reads(src)
            .into_iter()
            .map(|r| {
                assert_eq!(r.via, ReadVia::Environs, "{r:?}");
                let key = r.key.unwrap_or_else(|| "<dynamic>".into());
                (key, r.required, r.default, r.has_default)
            })
            .collect()
    }

    fn required(key: &str) -> (String, bool, Option<DefaultValue>, bool) {
        (key.into(), true, None, false)
    }

    fn defaulted(key: &str, default: DefaultValue) -> (String, bool, Option<DefaultValue>, bool) {
        (key.into(), false, Some(default), false)
    }

    fn s(value: &str) -> DefaultValue {
        DefaultValue::Str(value.into())
    }

    #[test]
    fn the_default_is_the_second_argument_of_every_method() {
        let src = r#"from environs import Env
env = Env()
env.read_env()
SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", False)
PORT = env.int("PORT", default=8000)
HOSTS = env.list("ALLOWED_HOSTS", ["localhost"], subcast=str)
RATIO = env.float("RATIO", 0.5)
DATABASES = {"default": env.dj_db_url("DATABASE_URL")}
CACHE = env.dj_cache_url("CACHE_URL", "locmem://")
LEVEL = env.log_level("LOG_LEVEL", "INFO")
SENTRY = env.str("SENTRY_DSN", None)
"#;
        assert_eq!(
            summary(src),
            vec![
                required("SECRET_KEY"),
                defaulted("DEBUG", DefaultValue::Bool(false)),
                defaulted("PORT", DefaultValue::Int(8000)),
                ("ALLOWED_HOSTS".into(), false, None, true),
                defaulted("RATIO", DefaultValue::Float(0.5)),
                required("DATABASE_URL"),
                defaulted("CACHE_URL", s("locmem://")),
                defaulted("LOG_LEVEL", s("INFO")),
                defaulted("SENTRY_DSN", DefaultValue::None),
            ]
        );
    }

    #[test]
    fn every_way_to_bind_an_instance() {
        for src in [
            "import environs\nenv = environs.Env()\nA = env.str('K')\n",
            "from environs import Env as E\nsettings_env = E(eager=False)\nA = settings_env('K')\n",
            "from environs import env\nA = env.str('K')\n",
            "from environs import env as E\nA = E.str('K')\n",
            "from environs import *\nA = env.str('K')\n",
            "from environs import FileAwareEnv\nenv = FileAwareEnv()\nA = env.str('K')\n",
        ] {
            assert_eq!(summary(src), vec![required("K")], "{src}");
        }
    }

    #[test]
    fn django_environ_and_other_envs_are_not_environs() {
        let src = "import environ\nenv = environ.Env()\nA = env.str('K', 'x')\n";
        assert_eq!(reads(src)[0].via, ReadVia::DjangoEnviron);
        let src = "from gym import Env\nenv = Env()\nA = env.str('K')\nenv.step('K')\n";
        assert!(reads(src).is_empty());
        // Methods environs does not have read nothing.
        let src =
            "from environs import Env\nenv = Env()\nenv.seal()\nenv.dump()\nenv.prefixed('P_')\n";
        assert!(reads(src).is_empty());
    }

    #[test]
    fn prefixes_of_the_constructor_and_of_prefixed_blocks() {
        let src = r#"from environs import Env
env = Env(prefix="APP_")
plain = Env()
A = env.str("NAME")
with plain.prefixed("DB_"):
    HOST = plain.str("HOST", "localhost")
    with plain.prefixed("POOL_") as pool:
        SIZE = pool.int("SIZE", 5)
    PORT = plain.int("PORT")
with env.prefixed("REDIS_") as redis, plain.prefixed("S3_"):
    URL = redis.str("URL")
    BUCKET = plain.str("BUCKET")
OUTSIDE = plain.str("OUTSIDE")
"#;
        assert_eq!(
            summary(src),
            vec![
                required("APP_NAME"),
                defaulted("DB_HOST", s("localhost")),
                defaulted("DB_POOL_SIZE", DefaultValue::Int(5)),
                required("DB_PORT"),
                required("APP_REDIS_URL"),
                required("S3_BUCKET"),
                required("OUTSIDE"),
            ]
        );
    }

    #[test]
    fn a_prefix_of_none_is_no_prefix() {
        let src = "from environs import Env\nenv = Env(prefix=None)\nA = env.str('NAME')\n";
        assert_eq!(summary(src), vec![required("NAME")]);
    }

    #[test]
    fn a_helper_around_an_instance_without_a_prefix_reads_its_callers_key() {
        let helper = |constructor: &str| {
            format!(
                "from environs import Env\nenv = {constructor}\n\ndef setting(name):\n    return env.str(name)\n\nTOKEN = setting('TOKEN')\n"
            )
        };
        let keys = |src: &str| -> Vec<String> {
            reads(src)
                .iter()
                .map(|r| r.key.clone().unwrap_or_else(|| "<dynamic>".into()))
                .collect()
        };
        assert_eq!(keys(&helper("Env()")), ["TOKEN"]);
        // With a prefix the key is not the caller's as written.
        assert!(!keys(&helper("Env(prefix='APP_')")).contains(&"TOKEN".to_string()));
    }

    #[test]
    fn a_prefix_that_is_no_literal_makes_the_key_unknown() {
        let src = "from environs import Env\nenv = Env(prefix=PREFIX)\nA = env.str('NAME')\nwith Env().prefixed('X_'):\n    pass\n";
        assert_eq!(summary(src), vec![("<dynamic>".into(), true, None, false)]);
    }

    #[test]
    fn an_instance_imported_from_another_module() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "app/env.py",
                "from environs import Env\nenv = Env(prefix='SHOP_')\n",
            ),
            (
                "app/settings.py",
                "from .env import env\nTOKEN = env.str('TOKEN')\nPORT = env.int('PORT', 80)\n",
            ),
        ];
        let inputs = crate::collect::write_inputs(dir.path(), &files);
        let facts = crate::collect::settings::collect_files(&inputs, 1);
        let keys: Vec<_> = facts
            .reads
            .iter()
            .map(|r| (r.key.clone().unwrap_or_default(), r.via, r.required))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("SHOP_TOKEN".to_string(), ReadVia::Environs, true),
                ("SHOP_PORT".to_string(), ReadVia::Environs, false),
            ]
        );
    }

    #[test]
    fn read_env_is_a_dotenv_load() {
        let src = "from environs import Env\nenv = Env()\nenv.read_env()\nEnv.read_env('config/.env.prod', recurse=False)\n";
        let facts = collect_source("settings.py", src);
        let loads: Vec<_> = facts
            .dotenv_loads
            .iter()
            .map(|l| (l.location.line(), l.path.as_str()))
            .collect();
        assert_eq!(loads, vec![(3, ".env"), (4, "config/.env.prod")]);
        assert!(facts.reads.is_empty());
    }
}
