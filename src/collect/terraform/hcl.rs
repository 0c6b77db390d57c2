//! HCL expressions and blocks as envtrail reads them: an expression becomes
//! a located [`Tree`] (maps, lists, literals; `merge` / `concat` parts;
//! `local.x` of the module resolved when it is written in a `locals` block;
//! anything else computed and named in words), and blocks are looked up by
//! name, `dynamic` ones apart.

use std::collections::HashMap;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, FuncCall, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::Element;

use crate::collect::env_tree::{Entry, LineStarts, Located, Tree};
use crate::location::Location;

/// A parsed `.tf` file.
pub struct TfFile {
    pub rel: String,
    pub text: String,
    pub lines: LineStarts,
    pub body: Body,
}

impl TfFile {
    /// Where a parsed item starts (the file's start when the parser kept no span).
    pub fn at(&self, item: &impl Span) -> Location {
        let offset = item.span().map_or(0, |s| s.start);
        let (row, column) = self.lines.position(offset);
        Location::new(self.rel.clone(), row, column)
    }
}

/// The `locals` of one module folder, by name, with the file each is written in.
pub type Locals<'a> = HashMap<&'a str, (&'a Expression, &'a TfFile)>;

pub fn locals_of<'a>(files: &[&'a TfFile]) -> Locals<'a> {
    let mut locals = Locals::new();
    for file in files {
        for block in file.body.blocks().filter(|b| b.ident.as_str() == "locals") {
            for attr in block.body.attributes() {
                locals.insert(attr.key.as_str(), (&attr.value, *file));
            }
        }
    }
    locals
}

/// How deep `local.x` references are followed (a cycle stops here).
const MAX_LOCAL_DEPTH: u8 = 8;

/// An expression as a located tree, `local.x` resolved through `locals`.
pub fn tree(expr: &Expression, file: &TfFile, locals: &Locals, depth: u8) -> Located {
    let at = file.at(expr);
    let computed = |what: &str| Located::new(Tree::Computed(what.to_string()), at.clone());
    let tree = match expr {
        Expression::Null(_) => Tree::Null,
        Expression::Bool(b) => Tree::Literal(b.value().to_string()),
        Expression::Number(n) => Tree::Literal(n.value().to_string()),
        Expression::String(s) => Tree::Literal(s.value().clone()),
        Expression::StringTemplate(t) => match literal_template(t.iter()) {
            Some(text) => Tree::Literal(text),
            None => return computed("a string template"),
        },
        Expression::HeredocTemplate(h) => match literal_template(h.template.iter()) {
            Some(text) => Tree::Literal(text),
            None => return computed("a heredoc template"),
        },
        Expression::Array(items) => {
            Tree::List(items.iter().map(|e| tree(e, file, locals, depth)).collect())
        }
        Expression::Object(object) => return object_tree(object, at, file, locals, depth),
        Expression::Parenthesis(p) => return tree(p.inner(), file, locals, depth),
        Expression::Traversal(t) => return traversal_tree(t, at, locals, depth),
        Expression::FuncCall(call) => return call_tree(call, at, file, locals, depth),
        Expression::Variable(v) => return computed(v.as_str()),
        Expression::Conditional(_) => return computed("a conditional expression"),
        Expression::ForExpr(_) => return computed("a for expression"),
        Expression::UnaryOp(_) | Expression::BinaryOp(_) => return computed("an expression"),
    };
    Located::new(tree, at)
}

/// The text of a template with no interpolation or directive.
fn literal_template<'a>(mut elements: impl Iterator<Item = &'a Element>) -> Option<String> {
    elements.try_fold(String::new(), |mut text, e| {
        text.push_str(e.as_literal()?.as_str());
        Some(text)
    })
}

/// An object: its keys written as names or strings; keys computed at
/// deploy time make the rest a computed part.
fn object_tree(
    object: &hcl_edit::expr::Object,
    at: Location,
    file: &TfFile,
    locals: &Locals,
    depth: u8,
) -> Located {
    let mut entries = Vec::new();
    let mut computed_keys = None;
    for (key, value) in object.iter() {
        let name = match key {
            ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
            ObjectKey::Expression(Expression::String(s)) => Some(s.value().clone()),
            ObjectKey::Expression(_) => None,
        };
        let Some(name) = name else {
            computed_keys.get_or_insert_with(|| file.at(key));
            continue;
        };
        entries.push(Entry {
            key: name,
            at: file.at(key),
            value: tree(value.expr(), file, locals, depth),
        });
    }
    let map = Located::new(Tree::Map(entries), at.clone());
    match computed_keys {
        None => map,
        Some(key_at) => {
            let keys = Located::new(
                Tree::Computed("a key computed at deploy time".into()),
                key_at,
            );
            Located::new(Tree::Joined(vec![map, keys]), at)
        }
    }
}

/// `local.x` written in the module's `locals`, else the reference in words.
fn traversal_tree(t: &Traversal, at: Location, locals: &Locals, depth: u8) -> Located {
    if let (Expression::Variable(root), [op]) = (&t.expr, t.operators.as_slice())
        && root.as_str() == "local"
        && let TraversalOperator::GetAttr(name) = op.value()
        && let Some((expr, local_file)) = locals.get(name.as_str())
        && depth < MAX_LOCAL_DEPTH
    {
        return tree(expr, local_file, locals, depth + 1);
    }
    Located::new(Tree::Computed(traversal_text(t)), at)
}

/// `var.app_env`, `aws_ssm_parameter.db.arn`, `local.env["prod"]`: a
/// reference as written, indices elided (they may hold anything).
pub fn traversal_text(t: &Traversal) -> String {
    let mut text = match &t.expr {
        Expression::Variable(v) => v.as_str().to_string(),
        Expression::FuncCall(call) => format!("{}(…)", call.name.name.as_str()),
        _ => "(…)".to_string(),
    };
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(name) => {
                text.push('.');
                text.push_str(name.as_str());
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                text.push_str("[*]");
            }
            TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {
                text.push_str("[…]");
            }
        }
    }
    text
}

/// Functions whose result envtrail can follow: `merge` / `concat` join
/// their arguments; `jsonencode` and the type conversions pass one on.
fn call_tree(call: &FuncCall, at: Location, file: &TfFile, locals: &Locals, depth: u8) -> Located {
    let name = call.name.name.as_str();
    let args: Vec<&Expression> = call.args.iter().collect();
    let expands = call.args.expand_final();
    match (name, args.as_slice()) {
        ("merge" | "concat", _) if !expands => Located::new(
            Tree::Joined(args.iter().map(|a| tree(a, file, locals, depth)).collect()),
            at,
        ),
        ("jsonencode" | "tomap" | "tolist" | "toset" | "flatten" | "compact", [arg])
            if !expands =>
        {
            let mut inner = tree(arg, file, locals, depth);
            inner.at = at;
            inner
        }
        _ => Located::new(Tree::Computed(format!("{name}(…)")), at),
    }
}

/// One item a `for_each` iterates: its key as written (`None` when
/// computed), where the key is, and its value in the file that holds it.
pub struct EachItem<'a> {
    pub key: Option<String>,
    pub at: Location,
    pub value: &'a Expression,
    pub file: &'a TfFile,
}

/// The items of a `for_each` envtrail can enumerate without running
/// Terraform: an object literal, `local.x` naming one, or the filter
/// `{ for k, v in C : k => v if v.ATTR }` over one. A filter only drops
/// items, so an item stays unless its ATTR is literally `false` (an ATTR
/// computed from a variable may hold in some deploys). `None` for anything
/// else (a variable, a map built from a list): its keys are unseen.
pub fn each_items<'a>(
    expr: &'a Expression,
    file: &'a TfFile,
    locals: &Locals<'a>,
    depth: u8,
) -> Option<Vec<EachItem<'a>>> {
    match expr {
        Expression::Object(object) => Some(
            object
                .iter()
                .map(|(key, value)| EachItem {
                    key: match key {
                        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
                        ObjectKey::Expression(Expression::String(s)) => Some(s.value().clone()),
                        ObjectKey::Expression(_) => None,
                    },
                    at: file.at(key),
                    value: value.expr(),
                    file,
                })
                .collect(),
        ),
        Expression::Parenthesis(p) => each_items(p.inner(), file, locals, depth),
        Expression::Traversal(t) if depth < MAX_LOCAL_DEPTH => {
            let name = local_name(t)?;
            let (expr, local_file) = locals.get(name)?;
            each_items(expr, local_file, locals, depth + 1)
        }
        Expression::ForExpr(f) if depth < MAX_LOCAL_DEPTH => {
            let key_var = f.intro.key_var.as_ref()?.as_str();
            let value_var = f.intro.value_var.as_str();
            let passes = |e: &Expression, var: &str| matches!(e, Expression::Variable(v) if v.as_str() == var);
            if f.grouping
                || !f.key_expr.as_ref().is_some_and(|k| passes(k, key_var))
                || !passes(&f.value_expr, value_var)
            {
                return None;
            }
            let mut items = each_items(&f.intro.collection_expr, file, locals, depth + 1)?;
            if let Some(cond) = &f.cond {
                let attr = attr_of_var(&cond.expr, value_var)?;
                items.retain(|item| {
                    let value = tree(item.value, item.file, locals, depth + 1);
                    value.get(attr).and_then(Located::literal) != Some("false")
                });
            }
            Some(items)
        }
        _ => None,
    }
}

/// `x` of `local.x`.
fn local_name(t: &Traversal) -> Option<&str> {
    match (&t.expr, t.operators.as_slice()) {
        (Expression::Variable(root), [op]) if root.as_str() == "local" => match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// `ATTR` of `var.ATTR`, where `var` is the variable named `var`.
pub fn attr_of_var<'e>(expr: &'e Expression, var: &str) -> Option<&'e str> {
    let path = var_path(expr, var)?;
    match path.as_slice() {
        [attr] => Some(attr),
        _ => None,
    }
}

/// The attribute names after the variable `var` (`each.value.name`:
/// `["value", "name"]` for `each`); `None` when `expr` is not such a path.
pub fn var_path<'e>(expr: &'e Expression, var: &str) -> Option<Vec<&'e str>> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    if !matches!(&t.expr, Expression::Variable(v) if v.as_str() == var) {
        return None;
    }
    t.operators
        .iter()
        .map(|op| match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
        .collect()
}

/// The attribute `key` of a body.
pub fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.get_attribute(key).map(|a| &a.value)
}

/// The literal text of attribute `key`, when it is one.
pub fn literal_attr(body: &Body, key: &str) -> Option<String> {
    match attr(body, key)? {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) => literal_template(t.iter()),
        _ => None,
    }
}

/// The blocks named `ident` of a body (not `dynamic` ones).
pub fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.ident.as_str() == ident)
}

/// The first block of each name along `path`.
pub fn block_at<'a>(body: &'a Body, path: &[&str]) -> Option<&'a Block> {
    let (first, rest) = path.split_first()?;
    let block = body.blocks().find(|b| b.ident.as_str() == *first)?;
    if rest.is_empty() {
        Some(block)
    } else {
        block_at(&block.body, rest)
    }
}

/// `dynamic "ident" { ... }` blocks of a body: generated at deploy time.
pub fn dynamic_blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| {
        b.ident.as_str() == "dynamic" && b.labels.first().is_some_and(|l| l.as_str() == ident)
    })
}

/// A path argument of `file()` / `templatefile()`, with `path.module` (and
/// `path.root`, `path.cwd`, as Terraform runs from the module) as `.`.
pub fn module_path(expr: &Expression) -> Option<String> {
    let elements: Vec<&Element> = match expr {
        Expression::String(s) => return Some(s.value().clone()),
        Expression::StringTemplate(t) => t.iter().collect(),
        _ => return None,
    };
    let mut path = String::new();
    for element in elements {
        match element {
            Element::Literal(text) => path.push_str(text.as_str()),
            Element::Interpolation(i) => match &i.expr {
                Expression::Traversal(t)
                    if matches!(
                        traversal_text(t).as_str(),
                        "path.module" | "path.root" | "path.cwd"
                    ) =>
                {
                    path.push('.');
                }
                _ => return None,
            },
            Element::Directive(_) => return None,
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn parse(rel: &str, text: &str) -> TfFile {
        TfFile {
            rel: rel.to_string(),
            text: text.to_string(),
            lines: LineStarts::new(text),
            body: hcl_edit::parser::parse_body(text).expect("valid HCL"),
        }
    }

    fn value_of(file: &TfFile, key: &str) -> Located {
        let locals = locals_of(&[file]);
        tree(attr(&file.body, key).unwrap(), file, &locals, 0)
    }

    #[test]
    fn literals_references_and_joins() {
        let file = parse(
            "m/main.tf",
            "locals {\n  base = { A = \"1\" }\n}\nx = merge(local.base, var.extra, { B = 2 })\ny = \"${var.a}-b\"\nz = { for k, v in var.m : k => v }\n",
        );
        let x = value_of(&file, "x");
        let (entries, unread) = x.map_entries();
        let keys: Vec<(&str, u32)> = entries.iter().map(|e| (e.key.as_str(), e.at.row)).collect();
        assert_eq!(keys, [("A", 1), ("B", 3)]);
        assert_eq!(unread.len(), 1);
        assert_eq!(unread[0].what, "var.extra");
        assert_eq!(
            value_of(&file, "y").tree,
            Tree::Computed("a string template".into())
        );
        assert_eq!(
            value_of(&file, "z").tree,
            Tree::Computed("a for expression".into())
        );
    }

    #[test]
    fn a_local_cycle_ends() {
        let file = parse(
            "main.tf",
            "locals {\n  a = local.b\n  b = local.a\n}\nx = local.a\n",
        );
        assert!(matches!(value_of(&file, "x").tree, Tree::Computed(_)));
    }

    #[test]
    fn computed_object_keys_are_a_computed_part() {
        let file = parse("main.tf", "x = { (var.k) = 1, \"B\" = 2 }\n");
        let x = value_of(&file, "x");
        let (entries, unread) = x.map_entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(unread[0].what, "a key computed at deploy time");
    }

    #[test]
    fn module_paths() {
        let file = parse(
            "main.tf",
            "a = \"${path.module}/task.json\"\nb = \"x.json\"\nc = \"${var.dir}/x.json\"\n",
        );
        assert_eq!(
            module_path(attr(&file.body, "a").unwrap()).as_deref(),
            Some("./task.json")
        );
        assert_eq!(
            module_path(attr(&file.body, "b").unwrap()).as_deref(),
            Some("x.json")
        );
        assert_eq!(module_path(attr(&file.body, "c").unwrap()), None);
    }
}
