//! Small readers of tree-sitter-python nodes: source text, literals as a
//! default would be written, call arguments, parameters. None of them
//! recurses without a bound, so hostile nesting cannot exhaust the stack.

use std::sync::LazyLock;

use tree_sitter::{Node, Parser};

use crate::facts::DefaultValue;

/// More nested parentheses than this around one expression is not a
/// settings file anybody wrote; the expression is then treated as opaque.
const MAX_PAREN_DEPTH: usize = 64;

/// The grammar's fields this collector reads. `child_by_field_name` looks a
/// name up by string comparison on every call; these ids are looked up once.
#[derive(Clone, Copy)]
pub enum Field {
    Alias,
    Argument,
    Arguments,
    Attribute,
    Body,
    Condition,
    Consequence,
    Definition,
    Function,
    Left,
    ModuleName,
    Name,
    Object,
    Operator,
    Parameters,
    Right,
    Superclasses,
    Type,
    Value,
}

const FIELD_NAMES: [&str; 19] = [
    "alias",
    "argument",
    "arguments",
    "attribute",
    "body",
    "condition",
    "consequence",
    "definition",
    "function",
    "left",
    "module_name",
    "name",
    "object",
    "operator",
    "parameters",
    "right",
    "superclasses",
    "type",
    "value",
];

static FIELD_IDS: LazyLock<[u16; 19]> = LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    FIELD_NAMES.map(|name| language.field_id_for_name(name).map_or(0, |id| id.get()))
});

pub trait FieldExt<'t> {
    /// The child in `field`.
    fn field(&self, field: Field) -> Option<Node<'t>>;
}

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, field: Field) -> Option<Node<'t>> {
        let id = FIELD_IDS.get(field as usize).copied().unwrap_or(0);
        (id != 0).then(|| self.child_by_field_id(id)).flatten()
    }
}

/// A parser for Python, one per worker thread.
pub fn python_parser() -> Result<Parser, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("the Python grammar could not be loaded: {e}"))?;
    Ok(parser)
}

pub fn text<'s>(node: Node, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// The first named child that is not a comment.
pub fn first_named(node: Node) -> Option<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .find(|c| c.kind() != "comment")
}

/// The assignment a statement is (`x = …`, `x: T = …` as an expression
/// statement), if it is one.
pub fn assignment_of(statement: Node) -> Option<Node> {
    first_named(statement)
        .filter(|_| statement.kind() == "expression_statement")
        .filter(|a| a.kind() == "assignment")
}

/// `((x))` → `x`, a bounded number of times.
pub fn unwrap_parens(mut node: Node) -> Node {
    for _ in 0..MAX_PAREN_DEPTH {
        if node.kind() != "parenthesized_expression" {
            break;
        }
        match first_named(node) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The value of a plain string literal (`"a"`, `'a' "b"`, an f-string
/// without fields); `None` for bytes, f-strings with fields, anything else.
pub fn string_value(node: Node, src: &str) -> Option<String> {
    let node = unwrap_parens(node);
    match node.kind() {
        "string" => single_string(node, src),
        "concatenated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                if part.kind() != "comment" {
                    out.push_str(&single_string(part, src)?);
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn single_string(node: Node, src: &str) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut raw = false;
    let mut format = false;
    let mut out = String::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => {
                let prefix = text(child, src)
                    .trim_end_matches(['"', '\''])
                    .to_ascii_lowercase();
                if prefix.contains('b') {
                    return None;
                }
                raw = prefix.contains('r');
                format = prefix.contains('f') || prefix.contains('t');
            }
            "string_content" => {
                let content = text(child, src);
                if raw {
                    out.push_str(content);
                } else {
                    unescape(content, &mut out);
                }
            }
            "interpolation" => return None,
            _ => {}
        }
    }
    if format {
        out = out.replace("{{", "{").replace("}}", "}");
    }
    Some(out)
}

/// The common escapes; an unknown one stays as written, as Python keeps it.
fn unescape(content: &str, out: &mut String) {
    let mut chars = content.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
}

/// A default as the contract reports it: strings, ints, floats, booleans,
/// `None`, and negated numbers. Anything else is not a literal.
pub fn literal(node: Node, src: &str) -> Option<DefaultValue> {
    let node = unwrap_parens(node);
    match node.kind() {
        "string" | "concatenated_string" => string_value(node, src).map(DefaultValue::Str),
        "integer" => int_value(text(node, src)).map(DefaultValue::Int),
        "float" => float_value(text(node, src)).map(DefaultValue::Float),
        "true" => Some(DefaultValue::Bool(true)),
        "false" => Some(DefaultValue::Bool(false)),
        "none" => Some(DefaultValue::None),
        "unary_operator" if node.field(Field::Operator).is_some_and(|o| o.kind() == "-") => {
            let argument = unwrap_parens(node.field(Field::Argument)?);
            match argument.kind() {
                "integer" => int_value(text(argument, src))
                    .and_then(i64::checked_neg)
                    .map(DefaultValue::Int),
                "float" => float_value(text(argument, src)).map(|f| DefaultValue::Float(-f)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn int_value(written: &str) -> Option<i64> {
    let digits: String = written
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let radix = |prefix: &str, radix: u32| {
        digits
            .strip_prefix(prefix)
            .and_then(|d| i64::from_str_radix(d, radix).ok())
    };
    if digits.starts_with("0x") {
        radix("0x", 16)
    } else if digits.starts_with("0o") {
        radix("0o", 8)
    } else if digits.starts_with("0b") {
        radix("0b", 2)
    } else {
        digits.parse().ok()
    }
}

fn float_value(written: &str) -> Option<f64> {
    let digits: String = written.chars().filter(|c| *c != '_').collect();
    if digits.ends_with(['j', 'J']) {
        return None; // complex
    }
    digits.parse().ok()
}

/// The arguments of a call, split as Python binds them.
pub struct Args<'t> {
    pub positional: Vec<Node<'t>>,
    /// `(name, value)` of each `name=value`.
    pub keywords: Vec<(Node<'t>, Node<'t>)>,
}

impl<'t> Args<'t> {
    /// `None` for `f(x for x in y)`.
    pub fn of(call: Node<'t>) -> Option<Args<'t>> {
        let list = call.field(Field::Arguments)?;
        if list.kind() != "argument_list" {
            return None;
        }
        let mut args = Args {
            positional: Vec::new(),
            keywords: Vec::new(),
        };
        // `*a` shifts every later position: no positional after it is placed.
        // Keywords still bind by name.
        let mut placed = true;
        let mut cursor = list.walk();
        for arg in list.named_children(&mut cursor) {
            match arg.kind() {
                "comment" => {}
                "keyword_argument" => {
                    if let (Some(name), Some(value)) =
                        (arg.field(Field::Name), arg.field(Field::Value))
                    {
                        args.keywords.push((name, value));
                    }
                }
                "list_splat" => placed = false,
                "dictionary_splat" => {}
                _ if placed => args.positional.push(arg),
                _ => {}
            }
        }
        Some(args)
    }

    /// The argument bound to parameter `keyword`, given by name or at `index`.
    pub fn get(&self, src: &str, index: Option<usize>, keyword: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(name, _)| text(*name, src) == keyword)
            .map(|(_, value)| *value)
            .or_else(|| index.and_then(|i| self.positional.get(i).copied()))
    }

    pub fn keyword(&self, src: &str, keyword: &str) -> Option<Node<'t>> {
        self.get(src, None, keyword)
    }
}

/// A parameter of a `def`.
pub struct Param<'t> {
    pub name: String,
    /// Its place among positional parameters; `None` after `*` or `*args`.
    pub position: Option<usize>,
    pub default: Option<Node<'t>>,
}

pub fn parameters<'t>(function: Node<'t>, src: &str) -> Vec<Param<'t>> {
    let mut params = Vec::new();
    let Some(list) = function.field(Field::Parameters) else {
        return params;
    };
    let mut next_position = Some(0usize);
    let mut cursor = list.walk();
    for param in list.named_children(&mut cursor) {
        // What a typed parameter (`b: int`, `*args: str`) types.
        let typed = match param.kind() {
            "typed_parameter" => first_named(param),
            _ => Some(param),
        };
        // `*`, `*args` and `**kw`, typed or not, end the positions.
        if typed.is_some_and(|n| {
            matches!(
                n.kind(),
                "list_splat_pattern" | "dictionary_splat_pattern" | "keyword_separator"
            )
        }) {
            next_position = None;
            continue;
        }
        let (name, default) = match param.kind() {
            "identifier" => (Some(param), None),
            "default_parameter" | "typed_default_parameter" => (
                param
                    .field(Field::Name)
                    .filter(|n| n.kind() == "identifier"),
                param.field(Field::Value),
            ),
            "typed_parameter" => (typed.filter(|n| n.kind() == "identifier"), None),
            _ => continue,
        };
        let Some(name) = name else {
            next_position = next_position.map(|p| p + 1);
            continue;
        };
        params.push(Param {
            name: text(name, src).to_string(),
            position: next_position,
            default,
        });
        next_position = next_position.map(|p| p + 1);
    }
    params
}

/// The first syntax error of a tree: the row of its first ERROR or MISSING
/// node, found by descending only into subtrees that hold one.
pub fn first_error_row(root: Node) -> Option<u32> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    loop {
        if node.is_error() || node.is_missing() {
            return Some(node.start_position().row as u32);
        }
        let mut cursor = node.walk();
        let next = node.children(&mut cursor).find(|c| c.has_error());
        match next {
            Some(child) => node = child,
            None => return Some(node.start_position().row as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_expression(src: &str, parser: &mut Parser) -> Option<DefaultValue> {
        let tree = parser.parse(src, None).unwrap();
        let statement = tree.root_node().named_child(0).unwrap();
        let assignment = statement.named_child(0).unwrap();
        literal(assignment.field(Field::Right).unwrap(), src)
    }

    #[test]
    fn literals_as_written() {
        let mut parser = python_parser().unwrap();
        let mut lit = |s: &str| first_expression(s, &mut parser);
        assert_eq!(lit("x = ''"), Some(DefaultValue::Str(String::new())));
        assert_eq!(lit("x = 'a\\tb'"), Some(DefaultValue::Str("a\tb".into())));
        assert_eq!(lit("x = r'a\\tb'"), Some(DefaultValue::Str("a\\tb".into())));
        assert_eq!(lit("x = 'a' \"b\""), Some(DefaultValue::Str("ab".into())));
        assert_eq!(lit("x = f'plain'"), Some(DefaultValue::Str("plain".into())));
        assert_eq!(lit("x = f'{y}'"), None);
        assert_eq!(lit("x = b'bytes'"), None);
        assert_eq!(lit("x = 8_000"), Some(DefaultValue::Int(8000)));
        assert_eq!(lit("x = 0x10"), Some(DefaultValue::Int(16)));
        assert_eq!(lit("x = -3"), Some(DefaultValue::Int(-3)));
        assert_eq!(lit("x = 99999999999999999999999"), None);
        assert_eq!(lit("x = 1.5"), Some(DefaultValue::Float(1.5)));
        assert_eq!(lit("x = (True)"), Some(DefaultValue::Bool(true)));
        assert_eq!(lit("x = False"), Some(DefaultValue::Bool(false)));
        assert_eq!(lit("x = None"), Some(DefaultValue::None));
        assert_eq!(lit("x = [1]"), None);
        assert_eq!(lit("x = y"), None);
    }

    #[test]
    fn escapes_are_read_as_python_reads_them() {
        let mut parser = python_parser().unwrap();
        let mut lit = |s: &str| match first_expression(s, &mut parser) {
            Some(DefaultValue::Str(s)) => s,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(lit("x = 'a\\nb'"), "a\nb");
        assert_eq!(lit("x = 'a\\rb'"), "a\rb");
        assert_eq!(lit("x = 'a\\0b'"), "a\0b");
        assert_eq!(lit("x = 'a\\\\b'"), "a\\b");
        assert_eq!(lit("x = 'it\\'s'"), "it's");
        assert_eq!(lit("x = \"say \\\"hi\\\"\""), "say \"hi\"");
        // A backslash before a line break joins the lines.
        assert_eq!(lit("x = 'a\\\nb'"), "ab");
        // An escape Python does not know keeps its backslash.
        assert_eq!(lit("x = 'a\\db'"), "a\\db");
        // Doubled braces are one brace in an f-string, two elsewhere.
        assert_eq!(lit("x = f'{{a}}'"), "{a}");
        assert_eq!(lit("x = '{{a}}'"), "{{a}}");
        assert_eq!(lit("x = R'a\\tb'"), "a\\tb");
        // A comment between the parts of a concatenation is no part.
        assert_eq!(lit("x = ('a'  # first\n     'b')"), "ab");
        assert_eq!(lit("x = (  # why\n    'c')"), "c");
    }

    #[test]
    fn numbers_as_written() {
        let mut parser = python_parser().unwrap();
        let mut lit = |s: &str| first_expression(s, &mut parser);
        assert_eq!(lit("x = 0o17"), Some(DefaultValue::Int(15)));
        assert_eq!(lit("x = 0b101"), Some(DefaultValue::Int(5)));
        assert_eq!(lit("x = 0X1F"), Some(DefaultValue::Int(31)));
        assert_eq!(lit("x = 1_000.5"), Some(DefaultValue::Float(1000.5)));
        assert_eq!(lit("x = -2.5"), Some(DefaultValue::Float(-2.5)));
        assert_eq!(lit("x = -(3)"), Some(DefaultValue::Int(-3)));
        // Complex numbers, `+3` and `-y` are no default the contract writes.
        assert_eq!(lit("x = 2j"), None);
        assert_eq!(lit("x = -2j"), None);
        assert_eq!(lit("x = +3"), None);
        assert_eq!(lit("x = -y"), None);
        assert_eq!(lit("x = ~3"), None);
    }

    fn call_args<'t>(tree: &'t tree_sitter::Tree) -> Option<Args<'t>> {
        let statement = tree.root_node().named_child(0).unwrap();
        Args::of(statement.named_child(0).unwrap())
    }

    #[test]
    fn arguments_bind_as_python_binds_them() {
        let mut parser = python_parser().unwrap();
        let src = "f('a',  # key\n  *rest, 'b', flag=True, **extra, default='d')\n";
        let tree = parser.parse(src, None).unwrap();
        let args = call_args(&tree).unwrap();
        let texts = |nodes: &[Node]| nodes.iter().map(|n| text(*n, src)).collect::<Vec<_>>();
        // Nothing after `*rest` has a known position; comments are no argument.
        assert_eq!(texts(&args.positional), ["'a'"]);
        let names: Vec<_> = args.keywords.iter().map(|(n, _)| text(*n, src)).collect();
        assert_eq!(names, ["flag", "default"]);
        let got = |index, keyword| args.get(src, index, keyword).map(|n| text(n, src));
        assert_eq!(got(Some(0), "key"), Some("'a'"));
        assert_eq!(got(Some(1), "default"), Some("'d'"));
        assert_eq!(got(Some(1), "missing"), None);
        assert_eq!(got(None, "key"), None);
        assert_eq!(
            args.keyword(src, "flag").map(|n| text(n, src)),
            Some("True")
        );
        // `**kw` is no positional argument.
        let src = "f('a', **extra)\n";
        let tree = parser.parse(src, None).unwrap();
        let args = call_args(&tree).unwrap();
        assert_eq!(texts(&args.positional), ["'a'"]);
        // A generator argument binds no parameter.
        let src = "f(x for x in y)\n";
        let tree = parser.parse(src, None).unwrap();
        assert!(call_args(&tree).is_none());
    }

    #[test]
    fn typed_star_parameters_end_the_positions_too() {
        let mut parser = python_parser().unwrap();
        let src = "def f(key, /, *args: str, default: str = '', **kw: int): pass\n";
        let tree = parser.parse(src, None).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let summary: Vec<_> = parameters(function, src)
            .iter()
            .map(|p| (p.name.clone(), p.position))
            .collect();
        assert_eq!(
            summary,
            [("key".to_string(), Some(0)), ("default".to_string(), None)]
        );
    }

    #[test]
    fn the_first_syntax_error_is_found_by_its_row() {
        let mut parser = python_parser().unwrap();
        let mut row = |src: &str| first_error_row(parser.parse(src, None).unwrap().root_node());
        assert_eq!(row("x = 1\ny = 2\n"), None);
        // An ERROR node: a token the grammar cannot place.
        assert_eq!(row("x = 1\ny = 2\nz = = 3\n"), Some(2));
        // A MISSING node: the parser inserted the `)` that was not written.
        assert_eq!(row("a = 1\nb = 2\nc = 3\nd = f(1\n"), Some(3));
    }

    #[test]
    fn every_field_is_in_the_grammar() {
        for (name, id) in FIELD_NAMES.iter().zip(FIELD_IDS.iter()) {
            assert_ne!(*id, 0, "{name}");
        }
    }

    #[test]
    fn parameters_keep_positions() {
        let mut parser = python_parser().unwrap();
        let src = "def f(a, b: int, c='x', *, d=1, **kw): pass\n";
        let tree = parser.parse(src, None).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let params = parameters(function, src);
        let summary: Vec<_> = params
            .iter()
            .map(|p| (p.name.as_str(), p.position, p.default.is_some()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Some(0), false),
                ("b", Some(1), false),
                ("c", Some(2), true),
                ("d", None, true)
            ]
        );
    }
}
