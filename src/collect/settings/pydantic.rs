//! pydantic-settings: each annotated field of a `BaseSettings` class (or of
//! a project class deriving from one) is a read of its env key.

use tree_sitter::Node;

use super::analyze::Analysis;
use super::syntax::{
    Args, Field, FieldExt, first_named, literal, string_value, text, unwrap_parens,
};
use crate::facts::{Consumer, DefaultValue, EnvRead, ReadVia};
use crate::location::Location;

/// Rounds of "a class deriving from a settings class defined further down".
const MAX_BASE_ROUNDS: usize = 4;

/// How a settings class names env keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassConfig {
    pub prefix: String,
    pub case_sensitive: bool,
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
    let mut found: Vec<SettingsClass> = Vec::new();
    let mut done = vec![false; classes.len()];
    for _ in 0..MAX_BASE_ROUNDS {
        let mut progress = false;
        for (i, class) in classes.iter().enumerate() {
            if done.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some(inherited) = settings_base(analysis, *class, &found) {
                found.push(read_class(analysis, *class, inherited));
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

fn read_class(analysis: &Analysis, class: Node, inherited: ClassConfig) -> SettingsClass {
    let src = analysis.src;
    let name = class
        .field(Field::Name)
        .map(|n| text(n, src).to_string())
        .unwrap_or_default();
    let mut config = inherited;
    let mut fields = Vec::new();
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
                    let field = text(left, src);
                    if field == "model_config" {
                        if let Some(value) = assignment.field(Field::Right) {
                            model_config(unwrap_parens(value), src, &mut config);
                        }
                    } else if let Some(annotation) = assignment.field(Field::Type)
                        && !field.starts_with('_')
                        && !text(annotation, src).contains("ClassVar")
                    {
                        fields.push((left, assignment.field(Field::Right)));
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
    let reads = fields
        .into_iter()
        .map(|(left, value)| field_read(analysis, &config, left, value))
        .collect();
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
    let src = analysis.src;
    let mut key = config.key(text(left, src));
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
            if let Some(alias) = alias {
                // An alias is the whole env name: no prefix.
                key = config.spell(&alias);
            }
            match args {
                Some(a) => match a.get(src, Some(0), "default") {
                    Some(d) if unwrap_parens(d).kind() == "ellipsis" => FieldDefault::Required,
                    Some(d) => FieldDefault::Expr(d),
                    None if a.keyword(src, "default_factory").is_some() => FieldDefault::NonLiteral,
                    None => FieldDefault::Required,
                },
                None => FieldDefault::Required,
            }
        }
        Some(v) => FieldDefault::Expr(v),
    };
    let start = left.start_position();
    let mut read = EnvRead::new(
        Some(key),
        Location::new(analysis.rel(), start.row as u32, start.column as u32),
        ReadVia::PydanticSettings,
        Consumer::App,
    );
    match default {
        FieldDefault::Required => read.required = true,
        FieldDefault::Expr(d) => match literal(d, src) {
            Some(v) => read.default = Some(v),
            None => read.has_default = true,
        },
        FieldDefault::NonLiteral => read.has_default = true,
    }
    read
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
