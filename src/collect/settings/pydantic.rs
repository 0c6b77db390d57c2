//! pydantic-settings: each annotated field of a `BaseSettings` class (or of
//! a project class deriving from one) is a read of its env key. With
//! `env_nested_delimiter="__"`, a field typed by a `BaseModel` of the same
//! file is read field by field (`DB__HOST`), or whole as JSON (`DB`).

use tree_sitter::Node;

use super::analyze::Analysis;
use super::syntax::{
    Args, Field, FieldExt, first_named, literal, string_value, text, unwrap_parens,
};
use crate::facts::{Consumer, DefaultValue, EnvRead, ReadVia};
use crate::location::Location;

/// Rounds of "a class deriving from a settings class defined further down".
const MAX_BASE_ROUNDS: usize = 4;
/// Models nested in models followed, at most (`A__B__C__D`).
const MAX_NESTING: usize = 4;

/// How a settings class names env keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassConfig {
    pub prefix: String,
    pub case_sensitive: bool,
    /// `env_nested_delimiter`: how a nested model's fields are named.
    pub nested_delimiter: Option<String>,
}

impl ClassConfig {
    /// Env matching is case-insensitive unless `case_sensitive=True`: the
    /// key is reported as deployments spell it, upper-cased.
    fn key(&self, name: &str) -> String {
        self.spell(&format!("{}{name}", self.prefix))
    }

    fn spell(&self, key: &str) -> String {
        if self.case_sensitive {
            key.to_string()
        } else {
            key.to_ascii_uppercase()
        }
    }
}

pub struct SettingsClass {
    pub name: String,
    pub config: ClassConfig,
    pub reads: Vec<EnvRead>,
}

/// The settings classes among `classes` and the reads their fields make.
pub(super) fn settings_classes<'t>(
    analysis: &mut Analysis<'t, '_>,
    classes: &[Node<'t>],
) -> Vec<SettingsClass> {
    let models = models(analysis.src, classes);
    let mut found: Vec<SettingsClass> = Vec::new();
    let mut done = vec![false; classes.len()];
    for _ in 0..MAX_BASE_ROUNDS {
        let mut progress = false;
        for (i, class) in classes.iter().enumerate() {
            if done.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some(inherited) = settings_base(analysis, *class, &found) {
                found.push(read_class(analysis, *class, inherited, &models));
                if let Some(slot) = done.get_mut(i) {
                    *slot = true;
                }
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    // A class deriving from an imported name may be a settings class
    // defined in another file: judge this file again once that is known.
    for (i, class) in classes.iter().enumerate() {
        if done.get(i).copied().unwrap_or(true) {
            continue;
        }
        for base in bases(*class) {
            if base.kind() == "identifier"
                && let Some(original) = analysis.bindings.foreign(text(base, analysis.src))
            {
                analysis.note_foreign(original);
            }
        }
    }
    found
}

fn bases(class: Node) -> Vec<Node> {
    let Some(list) = class.field(Field::Superclasses) else {
        return Vec::new();
    };
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .filter(|c| matches!(c.kind(), "identifier" | "attribute"))
        .collect()
}

/// The config a class inherits when one of its bases is a settings class.
fn settings_base(analysis: &Analysis, class: Node, found: &[SettingsClass]) -> Option<ClassConfig> {
    let src = analysis.src;
    for base in bases(class) {
        if base.kind() == "attribute" {
            let object = base
                .field(Field::Object)
                .filter(|o| o.kind() == "identifier");
            let attr = base.field(Field::Attribute).map(|a| text(a, src));
            if attr == Some("BaseSettings")
                && object.is_some_and(|o| {
                    analysis
                        .bindings
                        .settings_modules
                        .iter()
                        .any(|m| m == text(o, src))
                })
            {
                return Some(ClassConfig::default());
            }
            continue;
        }
        let name = text(base, src);
        if analysis.bindings.settings_bases.iter().any(|b| b == name) {
            return Some(ClassConfig::default());
        }
        if let Some(local) = found.iter().rev().find(|c| c.name == name) {
            return Some(local.config.clone());
        }
        if let Some(original) = analysis.bindings.foreign(name)
            && let Some(config) = analysis.known().settings_classes.get(&original)
        {
            return Some(config.clone());
        }
    }
    None
}

/// A class of the file deriving from pydantic's `BaseModel`, by name.
type Models<'t> = Vec<(String, Node<'t>)>;

fn models<'t>(src: &str, classes: &[Node<'t>]) -> Models<'t> {
    classes
        .iter()
        .filter(|class| {
            bases(**class).iter().any(|base| {
                let name = match base.kind() {
                    "attribute" => base.field(Field::Attribute).map_or("", |a| text(a, src)),
                    _ => text(*base, src),
                };
                name == "BaseModel"
            })
        })
        .filter_map(|class| Some((text(class.field(Field::Name)?, src).to_string(), *class)))
        .collect()
}

/// The model a field's annotation names: `Db`, `Optional[Db]`, `Db | None`.
fn model_of<'t>(annotation: Option<Node>, src: &str, models: &Models<'t>) -> Option<Node<'t>> {
    let written: String = text(annotation?, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let name = written
        .strip_prefix("Optional[")
        .and_then(|w| w.strip_suffix(']'))
        .or_else(|| written.strip_suffix("|None"))
        .unwrap_or(&written);
    models
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, node)| *node)
}

/// The annotated fields of a class body: (name node, value, annotation).
fn annotated_fields<'t>(class: Node<'t>, src: &str) -> Vec<(Node<'t>, Option<Node<'t>>, Node<'t>)> {
    let mut fields = Vec::new();
    let Some(body) = class.field(Field::Body) else {
        return fields;
    };
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assignment) = super::syntax::assignment_of(statement) else {
            continue;
        };
        let Some(left) = assignment
            .field(Field::Left)
            .filter(|l| l.kind() == "identifier")
        else {
            continue;
        };
        let name = text(left, src);
        if let Some(annotation) = assignment.field(Field::Type)
            && name != "model_config"
            && !name.starts_with('_')
            && !text(annotation, src).contains("ClassVar")
        {
            fields.push((left, assignment.field(Field::Right), annotation));
        }
    }
    fields
}

fn read_class(
    analysis: &Analysis,
    class: Node,
    inherited: ClassConfig,
    models: &Models,
) -> SettingsClass {
    let src = analysis.src;
    let name = class
        .field(Field::Name)
        .map(|n| text(n, src).to_string())
        .unwrap_or_default();
    let mut config = inherited;
    if let Some(body) = class.field(Field::Body) {
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            match statement.kind() {
                "expression_statement" => {
                    let Some(assignment) =
                        first_named(statement).filter(|a| a.kind() == "assignment")
                    else {
                        continue;
                    };
                    let Some(left) = assignment
                        .field(Field::Left)
                        .filter(|l| l.kind() == "identifier")
                    else {
                        continue;
                    };
                    if text(left, src) == "model_config"
                        && let Some(value) = assignment.field(Field::Right)
                    {
                        model_config(unwrap_parens(value), src, &mut config);
                    }
                }
                "class_definition"
                    if statement
                        .field(Field::Name)
                        .is_some_and(|n| text(n, src) == "Config") =>
                {
                    inner_config(statement, src, &mut config);
                }
                _ => {}
            }
        }
    }
    let mut reads = Vec::new();
    for (left, value, annotation) in annotated_fields(class, src) {
        match (
            &config.nested_delimiter,
            model_of(Some(annotation), src, models),
        ) {
            (Some(delimiter), Some(model)) => {
                let nesting = Nesting {
                    config: &config,
                    delimiter,
                    models,
                };
                reads.extend(nesting.reads(analysis, left, value, model));
            }
            _ => reads.push(field_read(analysis, &config, left, value)),
        }
    }
    SettingsClass {
        name,
        config,
        reads,
    }
}

/// `model_config = SettingsConfigDict(env_prefix="APP_", case_sensitive=True)`.
fn model_config(value: Node, src: &str, config: &mut ClassConfig) {
    if value.kind() != "call" {
        return;
    }
    let Some(args) = Args::of(value) else { return };
    if let Some(prefix) = args
        .keyword(src, "env_prefix")
        .and_then(|p| string_value(p, src))
    {
        config.prefix = prefix;
    }
    if let Some(DefaultValue::Bool(b)) = args
        .keyword(src, "case_sensitive")
        .and_then(|c| literal(c, src))
    {
        config.case_sensitive = b;
    }
    if let Some(delimiter) = args.keyword(src, "env_nested_delimiter") {
        config.nested_delimiter = string_value(delimiter, src).filter(|d| !d.is_empty());
    }
}

/// pydantic v1's `class Config: env_prefix = "APP_"`.
fn inner_config(class: Node, src: &str, config: &mut ClassConfig) {
    let Some(body) = class.field(Field::Body) else {
        return;
    };
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assignment) = first_named(statement).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.field(Field::Left),
            assignment.field(Field::Right),
        ) else {
            continue;
        };
        match (text(left, src), literal(right, src)) {
            ("env_prefix", Some(DefaultValue::Str(prefix))) => config.prefix = prefix,
            ("case_sensitive", Some(DefaultValue::Bool(b))) => config.case_sensitive = b,
            ("env_nested_delimiter", Some(DefaultValue::Str(d))) if !d.is_empty() => {
                config.nested_delimiter = Some(d)
            }
            _ => {}
        }
    }
}

enum FieldDefault<'t> {
    Required,
    Expr(Node<'t>),
    NonLiteral,
}

fn field_read(
    analysis: &Analysis,
    config: &ClassConfig,
    left: Node,
    value: Option<Node>,
) -> EnvRead {
    let (alias, default) = field_spec(analysis.src, value);
    let key = match alias {
        // An alias is the whole env name: no prefix.
        Some(alias) => config.spell(&alias),
        None => config.key(text(left, analysis.src)),
    };
    make_read(analysis, key, left, default)
}

/// A field's alias (`Field(alias=...)`) and default, from its value.
fn field_spec<'t>(src: &str, value: Option<Node<'t>>) -> (Option<String>, FieldDefault<'t>) {
    let default = match value.map(unwrap_parens) {
        None => FieldDefault::Required,
        Some(v) if v.kind() == "ellipsis" => FieldDefault::Required,
        Some(v) if v.kind() == "call" && is_field(v, src) => {
            let args = Args::of(v);
            let alias = args.as_ref().and_then(|a| {
                ["validation_alias", "alias", "env"]
                    .iter()
                    .find_map(|k| a.keyword(src, k).and_then(|n| string_value(n, src)))
            });
            let default = match args {
                Some(a) => match a.get(src, Some(0), "default") {
                    Some(d) if unwrap_parens(d).kind() == "ellipsis" => FieldDefault::Required,
                    Some(d) => FieldDefault::Expr(d),
                    None if a.keyword(src, "default_factory").is_some() => FieldDefault::NonLiteral,
                    None => FieldDefault::Required,
                },
                None => FieldDefault::Required,
            };
            return (alias, default);
        }
        Some(v) => FieldDefault::Expr(v),
    };
    (None, default)
}

fn make_read(analysis: &Analysis, key: String, at: Node, default: FieldDefault) -> EnvRead {
    let start = at.start_position();
    let mut read = EnvRead::new(
        Some(key),
        Location::new(analysis.rel(), start.row as u32, start.column as u32),
        ReadVia::PydanticSettings,
        Consumer::App,
    );
    match default {
        FieldDefault::Required => read.required = true,
        FieldDefault::Expr(d) => match literal(d, analysis.src) {
            Some(v) => read.default = Some(v),
            None => read.has_default = true,
        },
        FieldDefault::NonLiteral => read.has_default = true,
    }
    read
}

/// The reads of a nested model: its leaf fields, each heading a chain, and
/// the (sub)models' own keys, read whole as JSON.
#[derive(Default)]
struct Found {
    leaves: Vec<EnvRead>,
    wholes: Vec<EnvRead>,
}

/// How a settings class names the fields of its nested models.
struct Nesting<'a, 't> {
    config: &'a ClassConfig,
    delimiter: &'a str,
    models: &'a Models<'t>,
}

impl Nesting<'_, '_> {
    /// `db: Db` with `Db.host`: `DB__HOST` is read, and `DB` whole as JSON.
    /// Each leaf field heads a chain ending in the keys of the models
    /// around it; the models' own keys are reads nested in those chains.
    fn reads(
        &self,
        analysis: &Analysis,
        left: Node,
        value: Option<Node>,
        model: Node,
    ) -> Vec<EnvRead> {
        let mut whole = field_read(analysis, self.config, left, value);
        let Some(base) = whole.key.clone() else {
            return vec![whole];
        };
        let mut found = Found::default();
        let defaulted = !whole.required;
        self.model_reads(analysis, &[base], defaulted, model, 0, &mut found);
        let Some(head) = found.leaves.first().and_then(|r| r.key.clone()) else {
            return vec![whole];
        };
        // Set field by field, the whole model is not needed.
        whole.required = false;
        found.wholes.insert(0, whole);
        for read in &mut found.wholes {
            read.fallback_of = Some(head.clone());
        }
        found.leaves.extend(found.wholes);
        found.leaves
    }

    /// The reads of `model`'s fields under `keys` (its own key first, then
    /// those of the models around it).
    fn model_reads(
        &self,
        analysis: &Analysis,
        keys: &[String],
        defaulted: bool,
        model: Node,
        depth: usize,
        found: &mut Found,
    ) {
        let src = analysis.src;
        let Some(base) = keys.first() else { return };
        for (left, value, annotation) in annotated_fields(model, src) {
            let key = self
                .config
                .spell(&format!("{base}{}{}", self.delimiter, text(left, src)));
            let (_, default) = field_spec(src, value);
            let mut read = make_read(analysis, key.clone(), left, default);
            // The model around has a default: its fields need no env.
            if defaulted && read.required {
                read.required = false;
                read.has_default = true;
            }
            let inner = model_of(Some(annotation), src, self.models);
            match inner.filter(|_| depth + 1 < MAX_NESTING) {
                Some(inner) => {
                    let inner_defaulted = defaulted || !read.required;
                    read.required = false;
                    let mut inner_keys = vec![key];
                    inner_keys.extend(keys.iter().cloned());
                    self.model_reads(
                        analysis,
                        &inner_keys,
                        inner_defaulted,
                        inner,
                        depth + 1,
                        found,
                    );
                    found.wholes.push(read);
                }
                None => {
                    read.chain.extend(keys.iter().cloned());
                    found.leaves.push(read);
                }
            }
        }
    }
}

fn is_field(call: Node, src: &str) -> bool {
    call.field(Field::Function).is_some_and(|f| match f.kind() {
        "identifier" => text(f, src) == "Field",
        "attribute" => f
            .field(Field::Attribute)
            .is_some_and(|a| text(a, src) == "Field"),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::collect::settings::{collect_files, collect_source};

    fn keys_of(facts: &crate::facts::Facts) -> Vec<String> {
        let mut keys: Vec<String> = facts.reads.iter().filter_map(|r| r.key.clone()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn a_base_named_through_the_settings_module_is_a_settings_base_and_nothing_else_is() {
        let src = "import pydantic\nimport pydantic_settings\nimport other\n\n\
class Settings(pydantic_settings.BaseSettings):\n    api_key: str\n\n\
class Source(pydantic_settings.PydanticBaseSettingsSource):\n    source_key: str\n\n\
class Elsewhere(other.BaseSettings):\n    elsewhere_key: str\n\n\
class Model(pydantic.BaseModel):\n    model_key: str\n";
        assert_eq!(
            keys_of(&collect_source("app/settings.py", src)),
            ["API_KEY"]
        );
    }

    #[test]
    fn a_class_of_another_base_is_no_settings_class_and_a_module_qualified_model_nests() {
        let src = "import pydantic\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\
class Helper:\n    pass\n\n\
class Plain(Helper):\n    plain_key: str\n\n\
class Db(pydantic.BaseModel):\n    host: str\n\n\
class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_nested_delimiter=\"__\")\n    db: Db\n";
        assert_eq!(
            keys_of(&collect_source("app/settings.py", src)),
            ["DB", "DB__HOST"]
        );
    }

    #[test]
    fn only_an_inner_class_named_config_configures_the_class() {
        let src = "from pydantic_settings import BaseSettings\n\n\
class Settings(BaseSettings):\n    class Defaults:\n        env_prefix = \"IGNORED_\"\n\n    api_key: str\n\n\
class Legacy(BaseSettings):\n    class Config:\n        env_prefix = \"OLD_\"\n\n    token: str\n";
        assert_eq!(
            keys_of(&collect_source("app/settings.py", src)),
            ["API_KEY", "OLD_TOKEN"]
        );
    }

    #[test]
    fn a_v1_config_nests_models_only_with_a_delimiter_that_is_not_empty() {
        let src = |delimiter: &str| {
            format!(
                "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings\n\n\
class Db(BaseModel):\n    host: str\n\n\
class Settings(BaseSettings):\n    class Config:\n        env_nested_delimiter = \"{delimiter}\"\n\n    db: Db\n"
            )
        };
        assert_eq!(
            keys_of(&collect_source("app/settings.py", &src("__"))),
            ["DB", "DB__HOST"]
        );
        assert_eq!(
            keys_of(&collect_source("app/settings.py", &src(""))),
            ["DB"]
        );
    }

    #[test]
    fn an_ellipsis_is_required_and_a_call_other_than_field_is_a_default() {
        let src = "from pydantic_settings import BaseSettings\n\n\
class Settings(BaseSettings):\n    token: str = ...\n    hosts: list = list()\n";
        assert_eq!(
            required_keys(src),
            [("HOSTS".to_string(), false), ("TOKEN".to_string(), true)]
        );
    }

    fn required_keys(src: &str) -> Vec<(String, bool)> {
        let mut keys: Vec<(String, bool)> = collect_source("app/settings.py", src)
            .reads
            .iter()
            .map(|r| (r.key.clone().unwrap_or_default(), r.required))
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn a_field_named_through_the_pydantic_module_gives_its_alias() {
        let src = "import pydantic\nfrom pydantic_settings import BaseSettings\n\n\
class Settings(BaseSettings):\n    token: str = pydantic.Field(alias=\"API_TOKEN\")\n    other: str = pydantic.Secret(alias=\"NOT_AN_ALIAS\")\n";
        assert_eq!(
            required_keys(src),
            [
                ("API_TOKEN".to_string(), true),
                ("OTHER".to_string(), false)
            ]
        );
    }

    #[test]
    fn a_nested_models_fields_are_required_only_where_every_model_around_is() {
        let src = "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\
class Pool(BaseModel):\n    size: int\n\n\
class Db(BaseModel):\n    host: str\n    primary: Pool\n    spare: Pool = Pool(size=1)\n\n\
class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_nested_delimiter=\"__\")\n    db: Db\n    replica: Db = Db(host=\"replica\")\n";
        let required: Vec<String> = required_keys(src)
            .into_iter()
            .filter(|(_, required)| *required)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(required, ["DB__HOST", "DB__PRIMARY__SIZE"]);
    }

    #[test]
    fn models_nest_four_deep_at_most() {
        let src = "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\
class M5(BaseModel):\n    leaf: str\n\n\
class M4(BaseModel):\n    leaf: str\n    next: M5\n\n\
class M3(BaseModel):\n    leaf: str\n    next: M4\n\n\
class M2(BaseModel):\n    leaf: str\n    next: M3\n\n\
class M1(BaseModel):\n    leaf: str\n    next: M2\n\n\
class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_nested_delimiter=\"__\")\n    m: M1\n";
        let keys: Vec<String> = required_keys(src).into_iter().map(|(k, _)| k).collect();
        // Four models deep, the fifth is read whole, not field by field.
        assert_eq!(
            keys,
            [
                "M",
                "M__LEAF",
                "M__NEXT",
                "M__NEXT__LEAF",
                "M__NEXT__NEXT",
                "M__NEXT__NEXT__LEAF",
                "M__NEXT__NEXT__NEXT",
                "M__NEXT__NEXT__NEXT__LEAF",
                "M__NEXT__NEXT__NEXT__NEXT",
            ]
        );
    }

    #[test]
    fn a_class_inside_a_function_may_derive_from_a_settings_class_defined_after_it() {
        // The function runs once the module is loaded, when its base exists.
        let src = "from pydantic_settings import BaseSettings\n\n\
def worker_settings():\n    class WorkerSettings(AppSettings):\n        queue_url: str\n    return WorkerSettings()\n\n\
class AppSettings(BaseSettings):\n    secret_key: str\n";
        assert_eq!(
            keys_of(&collect_source("app/settings.py", src)),
            ["QUEUE_URL", "SECRET_KEY"]
        );
    }

    #[test]
    fn a_class_deriving_from_a_settings_class_of_another_module_is_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = [
            (
                "app/base.py",
                "from pydantic_settings import BaseSettings\n\nclass AppSettings(BaseSettings):\n    secret_key: str\n",
            ),
            (
                "app/settings.py",
                // It reads env itself, so the first pass judges it already.
                "import os\nfrom app.base import AppSettings\n\nDEBUG = os.environ.get('DEBUG')\n\nclass WorkerSettings(AppSettings):\n    queue_url: str\n",
            ),
        ];
        let inputs = crate::collect::write_inputs(dir.path(), &files);
        assert_eq!(
            keys_of(&collect_files(&inputs, 1)),
            ["DEBUG", "QUEUE_URL", "SECRET_KEY"]
        );
    }
}
