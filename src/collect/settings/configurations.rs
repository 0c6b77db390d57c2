//! django-configurations: each `NAME = values.XValue(...)` in a class body
//! reads `DJANGO_NAME` (configurations 2.x, `values.py`): the prefix is
//! `environ_prefix` (default `DJANGO`, one trailing `_` dropped, none when
//! `None` or empty), the name `environ_name` or the attribute upper-cased;
//! `environ=False` reads nothing. A missing key falls back to the default
//! (the first argument, else `None`) unless `environ_required=True`, or the
//! value is a `SecretValue`.
//!
//! The class whose values run is the one `DJANGO_CONFIGURATION` names.
//! When a file holds two or more leaf configuration classes (`Dev`, `Prod`),
//! each one's reads run only if it is chosen: they carry a guard saying so,
//! and a read that may not run is never required. A base class's reads run
//! whichever is chosen.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::analyze::Analysis;
use super::syntax::{Args, Field, FieldExt, literal, string_value, text, unwrap_parens};
use crate::facts::{Consumer, DefaultValue, EnvRead, ReadGuard, ReadVia};
use crate::location::Location;

/// Value classes that bind to a fixed key outside the `DJANGO_` prefix.
const URL_VALUES: &[(&str, &str)] = &[
    ("DatabaseURLValue", "DATABASE_URL"),
    ("CacheURLValue", "CACHE_URL"),
    ("SearchURLValue", "SEARCH_URL"),
    ("EmailURLValue", "EMAIL_URL"),
];

/// Value classes whose default, when none is given, is an empty container
/// (`[]`, `()`, `{}`, `set()`): a default, but no literal one.
const CONTAINER_VALUES: &[&str] = &[
    "ListValue",
    "TupleValue",
    "SetValue",
    "DictValue",
    "SingleNestedListValue",
    "SingleNestedTupleValue",
    "BackendsValue",
];

/// The prefix when the call names none.
const DEFAULT_PREFIX: &str = "DJANGO";

/// One class-body assignment of a value.
struct ValueRead<'t> {
    /// The class whose body holds it.
    class: Node<'t>,
    read: EnvRead,
}

/// The reads of every `values.XValue(...)` attribute of `classes`.
pub(super) fn value_reads(analysis: &Analysis, classes: &[Node]) -> Vec<EnvRead> {
    if !analysis.bindings.binds_configurations() {
        return Vec::new();
    }
    let found: Vec<ValueRead> = classes
        .iter()
        .flat_map(|class| class_reads(analysis, *class))
        .collect();
    let always = runs_always(analysis.src, classes, &found);
    found
        .into_iter()
        .zip(always)
        .map(|(mut v, always)| {
            if !always {
                v.read.guard = Some(chosen_class_guard(analysis.rel(), v.class));
            }
            v.read
        })
        .collect()
}

fn class_reads<'t>(analysis: &Analysis<'t, '_>, class: Node<'t>) -> Vec<ValueRead<'t>> {
    let Some(body) = class.field(Field::Body) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assignment) = super::syntax::assignment_of(statement) else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.field(Field::Left),
            assignment.field(Field::Right),
        ) else {
            continue;
        };
        let right = unwrap_parens(right);
        if left.kind() != "identifier" || right.kind() != "call" {
            continue;
        }
        let Some(value_class) = right
            .field(Field::Function)
            .and_then(|callee| analysis.value_class(callee))
        else {
            continue;
        };
        if let Some(read) = value_read(analysis, left, right, &value_class) {
            out.push(ValueRead { class, read });
        }
    }
    out
}

/// `NAME = XValue(default, environ_name=..., ...)`: the read it makes, if any.
fn value_read(analysis: &Analysis, left: Node, call: Node, value_class: &str) -> Option<EnvRead> {
    let src = analysis.src;
    let args = Args::of(call)?;
    let keyword = |name: &str| args.keyword(src, name).map(|v| literal(v, src));
    let secret = value_class == "SecretValue";
    if !secret && keyword("environ") == Some(Some(DefaultValue::Bool(false))) {
        return None;
    }
    let url_name = URL_VALUES
        .iter()
        .find(|(class, _)| *class == value_class)
        .map(|(_, key)| *key);
    let attribute = text(left, src).to_ascii_uppercase();
    let name = match args.keyword(src, "environ_name") {
        Some(given) => string_value(given, src),
        None => Some(url_name.map_or(attribute, str::to_string)),
    };
    let prefix = match args.keyword(src, "environ_prefix") {
        Some(given) if unwrap_parens(given).kind() == "none" => Some(String::new()),
        Some(given) => string_value(given, src),
        None if url_name.is_some() => Some(String::new()),
        None => Some(DEFAULT_PREFIX.to_string()),
    };
    let key = name.zip(prefix).map(|(name, prefix)| {
        let prefix = prefix.strip_suffix('_').unwrap_or(&prefix);
        if prefix.is_empty() {
            name
        } else {
            format!("{prefix}_{name}")
        }
    });
    let start = left.start_position();
    let mut read = EnvRead::new(
        key,
        Location::new(analysis.rel(), start.row as u32, start.column as u32),
        ReadVia::DjangoConfigurations,
        Consumer::App,
    );
    let required = keyword("environ_required") == Some(Some(DefaultValue::Bool(true)));
    match args.get(src, Some(0), "default") {
        _ if secret || required => read.required = true,
        Some(default) => match literal(default, src) {
            Some(v) => read.default = Some(v),
            None => read.has_default = true,
        },
        None if url_name.is_some() || CONTAINER_VALUES.contains(&value_class) => {
            read.has_default = true;
        }
        None => read.default = Some(DefaultValue::None),
    }
    Some(read)
}

/// Rounds of "a class deriving from a configuration class" followed.
const MAX_DEPTH: usize = 8;

/// For each read, whether its class runs whichever configuration is
/// chosen: every leaf class (one no other derives from) of the file's
/// configuration classes is that class or derives from it. Hash lookups
/// by name throughout: a generated file of thousands of classes stays linear.
fn runs_always(src: &str, classes: &[Node], found: &[ValueRead]) -> Vec<bool> {
    let name_of = |class: Node| class.field(Field::Name).map_or("", |n| text(n, src));
    let bases: Vec<Vec<&str>> = classes
        .iter()
        .map(|class| {
            let Some(list) = class.field(Field::Superclasses) else {
                return Vec::new();
            };
            let mut cursor = list.walk();
            list.named_children(&mut cursor)
                .filter(|b| b.kind() == "identifier")
                .map(|b| text(b, src))
                .collect()
        })
        .collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, class) in classes.iter().enumerate() {
        by_name.entry(name_of(*class)).or_default().push(i);
    }
    // The classes holding values, and those deriving from one.
    let holders: HashSet<usize> = found.iter().map(|v| v.class.id()).collect();
    let mut configured: Vec<bool> = classes.iter().map(|c| holders.contains(&c.id())).collect();
    for _ in 0..MAX_DEPTH {
        let mut grew = false;
        for (i, class_bases) in bases.iter().enumerate() {
            let derives = class_bases.iter().any(|b| {
                by_name
                    .get(b)
                    .is_some_and(|ids| ids.iter().any(|&j| configured.get(j) == Some(&true)))
            });
            if derives && let Some(slot) = configured.get_mut(i).filter(|slot| !**slot) {
                *slot = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let is_configured = |i: &usize| configured.get(*i) == Some(&true);
    let based: HashSet<&str> = (0..classes.len())
        .filter(is_configured)
        .flat_map(|i| bases.get(i).into_iter().flatten().copied())
        .collect();
    let leaves: Vec<usize> = (0..classes.len())
        .filter(is_configured)
        .filter(|&i| classes.get(i).is_some_and(|c| !based.contains(name_of(*c))))
        .collect();
    // How many leaves each class is, or is an ancestor of.
    let mut leaves_below: HashMap<usize, usize> = HashMap::new();
    for &leaf in &leaves {
        let mut seen: HashSet<usize> = HashSet::from([leaf]);
        let mut frontier = vec![leaf];
        for _ in 0..MAX_DEPTH {
            frontier = frontier
                .iter()
                .flat_map(|&i| bases.get(i).into_iter().flatten())
                .flat_map(|b| by_name.get(b).into_iter().flatten().copied())
                .filter(|j| is_configured(j) && seen.insert(*j))
                .collect();
        }
        for i in seen {
            if let Some(class) = classes.get(i) {
                *leaves_below.entry(class.id()).or_default() += 1;
            }
        }
    }
    found
        .iter()
        .map(|v| leaves_below.get(&v.class.id()).copied().unwrap_or(0) == leaves.len())
        .collect()
}

/// The class of a read runs only when `DJANGO_CONFIGURATION` chooses it.
fn chosen_class_guard(rel: &str, class: Node) -> ReadGuard {
    let at = class.field(Field::Name).unwrap_or(class).start_position();
    ReadGuard {
        location: Location::new(rel, at.row as u32, at.column as u32),
        set: Vec::new(),
        unset: Vec::new(),
        other: true,
    }
}

#[cfg(test)]
mod tests {
    use crate::collect::settings::collect_source;
    use crate::facts::{DefaultValue, EnvRead, ReadVia};

    fn reads(src: &str) -> Vec<EnvRead> {
        let facts = collect_source("settings.py", src);
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        let reads: Vec<EnvRead> = facts
            .reads
            .into_iter()
            .filter(|r| r.via == ReadVia::DjangoConfigurations)
            .collect();
        reads
    }

    /// (key, required, literal default, non-literal default, guarded).
    type Summary = (String, bool, Option<DefaultValue>, bool, bool);

    fn summary(src: &str) -> Vec<Summary> {
        reads(src)
            .into_iter()
            .map(|r| {
                let key = r.key.unwrap_or_else(|| "<dynamic>".into());
                (key, r.required, r.default, r.has_default, r.guard.is_some())
            })
            .collect()
    }

    fn row(key: &str, required: bool, default: Option<DefaultValue>, other: bool) -> Summary {
        (key.into(), required, default, other, false)
    }

    #[test]
    fn keys_defaults_and_requirements() {
        let src = r#"from configurations import Configuration, values

class Prod(Configuration):
    DEBUG = values.BooleanValue(False)
    SECRET_KEY = values.SecretValue()
    TIME_ZONE = values.Value("UTC")
    ADMIN_EMAIL = values.EmailValue()
    WORKERS = values.IntegerValue(default=4)
    ALLOWED_HOSTS = values.ListValue(["localhost"])
    INTERNAL_IPS = values.ListValue()
    DATABASES = values.DatabaseURLValue("sqlite:///db.sqlite3")
    CACHES = values.CacheURLValue()
    STRIPE_KEY = values.Value(environ_required=True)
    SENTRY_DSN = values.Value(None, environ_name="SENTRY_DSN", environ_prefix=None)
    REGION = values.Value("eu", environ_prefix="AWS_")
    BUCKET = values.Value(environ_name="S3_BUCKET", environ_prefix="MYAPP")
    STATIC_ROOT = values.Value("/static", environ=False)
    not_a_value = compute()
"#;
        assert_eq!(
            summary(src),
            vec![
                row(
                    "DJANGO_DEBUG",
                    false,
                    Some(DefaultValue::Bool(false)),
                    false
                ),
                row("DJANGO_SECRET_KEY", true, None, false),
                row(
                    "DJANGO_TIME_ZONE",
                    false,
                    Some(DefaultValue::Str("UTC".into())),
                    false
                ),
                row("DJANGO_ADMIN_EMAIL", false, Some(DefaultValue::None), false),
                row("DJANGO_WORKERS", false, Some(DefaultValue::Int(4)), false),
                row("DJANGO_ALLOWED_HOSTS", false, None, true),
                row("DJANGO_INTERNAL_IPS", false, None, true),
                row(
                    "DATABASE_URL",
                    false,
                    Some(DefaultValue::Str("sqlite:///db.sqlite3".into())),
                    false
                ),
                row("CACHE_URL", false, None, true),
                row("DJANGO_STRIPE_KEY", true, None, false),
                row("SENTRY_DSN", false, Some(DefaultValue::None), false),
                row(
                    "AWS_REGION",
                    false,
                    Some(DefaultValue::Str("eu".into())),
                    false
                ),
                row("MYAPP_S3_BUCKET", false, Some(DefaultValue::None), false),
            ]
        );
    }

    #[test]
    fn every_way_to_import_the_value_classes() {
        for src in [
            "from configurations import values\nclass C:\n    X = values.Value('d')\n",
            "import configurations\nclass C:\n    X = configurations.values.Value('d')\n",
            "import configurations.values as v\nclass C:\n    X = v.Value('d')\n",
            "import configurations.values\nclass C:\n    X = configurations.values.Value('d')\n",
            "from configurations.values import Value as V\nclass C:\n    X = V('d')\n",
            "from configurations.values import *\nclass C:\n    X = Value('d')\n",
        ] {
            let keys: Vec<_> = reads(src).into_iter().filter_map(|r| r.key).collect();
            assert_eq!(keys, vec!["DJANGO_X"], "{src}");
        }
        // Without `from configurations.values import *`, a name ending in
        // `Value` is not one of its classes; with it, only such names are.
        let src = "from configurations import Configuration, values\nclass C(Configuration):\n    X = MyValue('d')\n";
        assert!(reads(src).is_empty());
        let src = "from configurations import Configuration\nfrom configurations.values import *\nclass C(Configuration):\n    X = make('d')\n";
        assert!(reads(src).is_empty());
        // Another library's `values` is not configurations'.
        let src = "from myproject import values\nclass C:\n    X = values.Value('d')\n";
        assert!(reads(src).is_empty());
        let src = "from configurations import values\nX = values.Value('d')\nclass C:\n    Y = values.Value\n";
        assert!(reads(src).is_empty(), "only calls in a class body read");
    }

    #[test]
    fn thousands_of_configuration_classes_stay_linear() {
        let mut src = String::from(
            "from configurations import Configuration, values\nclass Base(Configuration):\n    A = values.SecretValue()\n",
        );
        for i in 0..5000 {
            src.push_str(&format!(
                "class C{i}(Base):\n    K{i} = values.Value('x')\n"
            ));
        }
        let all = reads(&src);
        assert_eq!(all.len(), 5001);
        assert!(all[0].guard.is_none(), "the base runs whichever is chosen");
        assert!(all[1..].iter().all(|r| r.guard.is_some()));
    }

    #[test]
    fn a_name_that_is_no_literal_makes_the_key_unknown() {
        let src = "from configurations import values\nclass C:\n    X = values.Value(environ_name=NAME)\n    Y = values.Value(environ_prefix=P)\n";
        let keys: Vec<_> = reads(src).into_iter().map(|r| r.key).collect();
        assert_eq!(keys, vec![None, None]);
    }

    #[test]
    fn only_a_value_bound_to_one_name_is_read() {
        // Unpacked, the value is never a class attribute: nothing reads env.
        let src = "from configurations import Configuration, values\n\nclass Prod(Configuration):\n    HOST, PORT = values.TupleValue(('localhost', '80'))\n    TIME_ZONE = values.Value('UTC')\n";
        let keys: Vec<_> = reads(src).into_iter().map(|r| r.key).collect();
        assert_eq!(keys, vec![Some("DJANGO_TIME_ZONE".to_string())]);
    }

    #[test]
    fn only_one_of_several_leaf_classes_runs() {
        let src = r#"from configurations import Configuration, values

class Base(Configuration):
    SECRET_KEY = values.SecretValue()

class Dev(Base):
    DEBUG = values.BooleanValue(True)

class Prod(Base):
    SENTRY_DSN = values.SecretValue()
"#;
        assert_eq!(
            summary(src),
            vec![
                ("DJANGO_SECRET_KEY".into(), true, None, false, false),
                (
                    "DJANGO_DEBUG".into(),
                    false,
                    Some(DefaultValue::Bool(true)),
                    false,
                    true
                ),
                ("DJANGO_SENTRY_DSN".into(), true, None, false, true),
            ]
        );
        let guard = reads(src)[2].guard.clone().unwrap();
        assert_eq!((guard.location.line(), guard.other), (9, true));
        // One leaf: it is the configuration, its reads as written.
        let src = "from configurations import Configuration, values\nclass Base(Configuration):\n    A = values.SecretValue()\nclass Prod(Base):\n    B = values.SecretValue()\n";
        assert!(reads(src).iter().all(|r| r.required && r.guard.is_none()));
        // A subclass without values of its own still makes its base a base.
        let src = "from configurations import Configuration, values\nclass Dev(Configuration):\n    A = values.SecretValue()\nclass Prod(Configuration):\n    B = values.SecretValue()\nclass Staging(Prod):\n    pass\n";
        let guarded: Vec<_> = reads(src).iter().map(|r| r.guard.is_some()).collect();
        assert_eq!(guarded, vec![true, true]);
    }

    #[test]
    fn a_leaf_without_values_counts_and_a_class_of_other_bases_does_not() {
        // Dev is a configuration by its base alone; Tools derives from no
        // configuration: the leaves are Prod and Dev.
        let src = "from configurations import Configuration, values\n\n\
class Base(Configuration):\n    SECRET_KEY = values.SecretValue()\n\n\
class Prod(Base):\n    SENTRY_DSN = values.SecretValue()\n\n\
class Dev(Base):\n    pass\n\n\
class Mixin:\n    pass\n\n\
class Tools(Mixin):\n    pass\n";
        let guarded: Vec<_> = reads(src)
            .iter()
            .map(|r| (r.key.clone().unwrap_or_default(), r.guard.is_some()))
            .collect();
        assert_eq!(
            guarded,
            [
                ("DJANGO_SECRET_KEY".to_string(), false),
                ("DJANGO_SENTRY_DSN".to_string(), true)
            ]
        );
    }
}
