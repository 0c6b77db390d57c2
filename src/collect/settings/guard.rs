//! The branches a read sits under: which env keys their conditions test
//! (`if "K" in os.environ:`, `if os.getenv("K"):`, `if DEBUG:` with
//! `DEBUG = env.bool("DEBUG")`), and whether a `try` around the read
//! catches its `KeyError`. Judging what that means for the app is the
//! chain's work; this only says what the code tests.

use std::collections::HashMap;

use tree_sitter::Node;

use super::syntax::{Field, FieldExt, literal, string_value, text, unwrap_parens};
use crate::facts::{DefaultValue, ReadGuard};
use crate::location::Location;

/// Deeper `not`/`and`/`or` nesting than this in one condition is opaque.
const MAX_CONDITION_DEPTH: usize = 32;
/// Enclosing nodes climbed from a read, at most.
const MAX_CLIMB: usize = 512;

/// What one read in a condition gives when its key is unset.
#[derive(Debug, Clone)]
pub(super) enum WhenUnset {
    /// The read raises.
    Fails,
    /// A literal default.
    Value(DefaultValue),
    /// A default envtrail cannot evaluate.
    Unknown,
}

/// A read as a condition sees it.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    pub key: Option<String>,
    pub when_unset: WhenUnset,
    /// The read returns the raw string (no cast): set means truthy.
    pub plain: bool,
}

/// What a condition needs of the env: it holds only if every key of `set`
/// is set and every key of `unset` is not; when `exact`, that is also
/// enough for it to hold.
#[derive(Debug, Clone, Default, PartialEq)]
struct Test {
    set: Vec<String>,
    unset: Vec<String>,
    exact: bool,
}

impl Test {
    /// A condition envtrail cannot tie to env keys.
    fn other() -> Test {
        Test::default()
    }

    fn key_set(key: String, exact: bool) -> Test {
        Test {
            set: vec![key],
            unset: Vec::new(),
            exact,
        }
    }

    /// `not` of a test: known only for an exact test of one key.
    fn negated(self) -> Test {
        if !self.exact || self.set.len() + self.unset.len() != 1 {
            return Test::other();
        }
        Test {
            set: self.unset,
            unset: self.set,
            exact: true,
        }
    }

    /// Both tests hold.
    fn and(mut self, other: Test) -> Test {
        self.set.extend(other.set);
        self.unset.extend(other.unset);
        self.exact &= other.exact;
        self
    }
}

/// What the branches around a read say.
#[derive(Debug, Default)]
pub(super) struct Enclosing {
    pub guard: Option<ReadGuard>,
    /// A `try` around the read catches a missing key: the read falls back.
    pub caught: bool,
}

/// The conditions of one file, judged against its reads.
pub(super) struct Conditions<'a, 't> {
    src: &'a str,
    rel: &'a str,
    /// Reads by node id.
    probes: HashMap<usize, Probe>,
    is_environ: &'a dyn Fn(Node<'t>) -> bool,
    /// Top-level `NAME = <test>` assignments, in file order: (name, byte, test).
    derived: Vec<(String, usize, Test)>,
}

impl<'a, 't> Conditions<'a, 't> {
    pub(super) fn new(
        src: &'a str,
        rel: &'a str,
        probes: HashMap<usize, Probe>,
        is_environ: &'a dyn Fn(Node<'t>) -> bool,
        root: Option<Node<'t>>,
    ) -> Self {
        let mut conditions = Conditions {
            src,
            rel,
            probes,
            is_environ,
            derived: Vec::new(),
        };
        if let Some(root) = root {
            conditions.derive_names(root);
        }
        conditions
    }

    /// `DEBUG = env.bool("DEBUG", default=False)`: a later `if DEBUG:` tests DEBUG.
    fn derive_names(&mut self, root: Node<'t>) {
        let mut cursor = root.walk();
        let statements: Vec<Node<'t>> = root.named_children(&mut cursor).collect();
        for statement in statements {
            let Some(assignment) = super::syntax::assignment_of(statement) else {
                continue;
            };
            let (Some(left), Some(right)) = (
                assignment.field(Field::Left),
                assignment.field(Field::Right),
            ) else {
                continue;
            };
            if left.kind() != "identifier" {
                continue;
            }
            let test = self.test(right, false, 0);
            let name = text(left, self.src).to_string();
            self.derived.push((name, assignment.start_byte(), test));
        }
    }

    /// The branches and `try` blocks between `read` and the module.
    pub(super) fn enclosing(&self, read: Node<'t>) -> Enclosing {
        let mut out = Enclosing::default();
        let mut test: Option<Test> = None;
        let mut innermost: Option<Node<'t>> = None;
        let mut node = read;
        for _ in 0..MAX_CLIMB {
            let Some(parent) = node.parent() else { break };
            if let Some((condition, found)) = self.branch_test(node, parent) {
                innermost.get_or_insert(condition);
                test = Some(match test {
                    Some(t) => t.and(found),
                    None => found,
                });
            }
            if parent.kind() == "try_statement"
                && parent
                    .field(Field::Body)
                    .is_some_and(|b| b.id() == node.id())
                && catches_missing_key(parent, self.src)
            {
                out.caught = true;
            }
            node = parent;
        }
        out.guard = test.zip(innermost).map(|(t, at)| {
            let start = at.start_position();
            ReadGuard {
                location: Location::new(self.rel, start.row as u32, start.column as u32),
                set: t.set,
                unset: t.unset,
                other: !t.exact,
            }
        });
        out
    }

    /// When `child` is a branch of `parent` that runs under a condition:
    /// the node to locate it by and what it tests.
    fn branch_test(&self, child: Node<'t>, parent: Node<'t>) -> Option<(Node<'t>, Test)> {
        let is = |field: Field| parent.field(field).is_some_and(|n| n.id() == child.id());
        match parent.kind() {
            "if_statement" if is(Field::Consequence) => {
                let condition = parent.field(Field::Condition)?;
                Some((condition, self.test(condition, false, 0)))
            }
            "elif_clause" => {
                let condition = parent.field(Field::Condition)?;
                let earlier = self.earlier_failed(parent.parent()?, parent);
                if is(Field::Consequence) {
                    Some((condition, earlier.and(self.test(condition, false, 0))))
                } else if condition.id() == child.id() {
                    // The condition runs only once the earlier ones failed.
                    Some((condition, earlier))
                } else {
                    None
                }
            }
            "else_clause" if is(Field::Body) => {
                let statement = parent.parent()?;
                let test = match statement.kind() {
                    "if_statement" => self.earlier_failed(statement, parent),
                    // `for ... else`, `while ... else`, `try ... else`.
                    _ => return None,
                };
                Some((statement.field(Field::Condition)?, test))
            }
            // The handler, and the exception it names, run only on an exception.
            "except_clause" => Some((parent, Test::other())),
            "conditional_expression" => {
                let mut cursor = parent.walk();
                let parts: Vec<Node<'t>> = parent.named_children(&mut cursor).collect();
                let [value, condition, alternative] = parts.as_slice() else {
                    return None;
                };
                if child.id() == value.id() {
                    Some((*condition, self.test(*condition, false, 0)))
                } else if child.id() == alternative.id() {
                    Some((*condition, self.test(*condition, true, 0)))
                } else {
                    None
                }
            }
            "block" => self.early_return(child, parent),
            _ => None,
        }
    }

    /// The `if` and `elif` conditions of `statement` before `clause` all fail.
    fn earlier_failed(&self, statement: Node<'t>, clause: Node<'t>) -> Test {
        let mut test = match statement.field(Field::Condition) {
            Some(c) => self.test(c, true, 0),
            None => return Test::other(),
        };
        let mut cursor = statement.walk();
        for sibling in statement.named_children(&mut cursor) {
            if sibling.start_byte() >= clause.start_byte() {
                break;
            }
            if sibling.kind() == "elif_clause"
                && let Some(c) = sibling.field(Field::Condition)
            {
                test = test.and(self.test(c, true, 0));
            }
        }
        test
    }

    /// `if "K" not in os.environ: return None` earlier in the function's
    /// block: what follows runs only when that condition fails. (A `raise`
    /// is no such guard: the app fails there, the read is as good as required.)
    fn early_return(&self, statement: Node<'t>, block: Node<'t>) -> Option<(Node<'t>, Test)> {
        if block.parent()?.kind() != "function_definition" {
            return None;
        }
        let mut cursor = block.walk();
        let mut found: Option<(Node<'t>, Test)> = None;
        for earlier in block.named_children(&mut cursor) {
            if earlier.start_byte() >= statement.start_byte() {
                break;
            }
            let Some(condition) = earlier
                .field(Field::Condition)
                .filter(|_| earlier.kind() == "if_statement" && returns_at_once(earlier))
            else {
                continue;
            };
            let test = self.test(condition, true, 0);
            found = Some(match found {
                Some((_, t)) => (condition, t.and(test)),
                None => (condition, test),
            });
        }
        found
    }

    /// What `condition` (or its negation) needs of the env.
    fn test(&self, condition: Node<'t>, negated: bool, depth: usize) -> Test {
        if depth > MAX_CONDITION_DEPTH {
            return Test::other();
        }
        let node = unwrap_parens(condition);
        match node.kind() {
            "not_operator" => match node.field(Field::Argument) {
                Some(inner) => self.test(inner, !negated, depth + 1),
                None => Test::other(),
            },
            "boolean_operator" => {
                let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right))
                else {
                    return Test::other();
                };
                let is_and = node
                    .field(Field::Operator)
                    .is_some_and(|o| o.kind() == "and");
                // `a and b` holds / `a or b` fails: both sides do.
                if is_and == negated {
                    return Test::other();
                }
                self.test(left, negated, depth + 1)
                    .and(self.test(right, negated, depth + 1))
            }
            "named_expression" => match node.field(Field::Value) {
                Some(value) => self.test(value, negated, depth + 1),
                None => Test::other(),
            },
            "comparison_operator" => self.comparison(node, negated),
            _ => {
                let test = self.truthy(node);
                if negated { test.negated() } else { test }
            }
        }
    }

    /// A read, or a name derived from one, used as a truth value.
    fn truthy(&self, node: Node<'t>) -> Test {
        if node.kind() == "identifier" {
            let name = text(node, self.src);
            return self
                .derived
                .iter()
                .rev()
                .find(|(n, at, _)| n == name && *at < node.start_byte())
                .map_or_else(Test::other, |(_, _, t)| t.clone());
        }
        let Some(probe) = self.probes.get(&node.id()) else {
            return Test::other();
        };
        let Some(key) = probe.key.clone() else {
            return Test::other();
        };
        match &probe.when_unset {
            // Unset, it raises: the branch never runs without the key.
            WhenUnset::Fails => Test::key_set(key, probe.plain),
            WhenUnset::Value(v) if v.is_empty_like() || *v == DefaultValue::Int(0) => {
                Test::key_set(key, probe.plain)
            }
            _ => Test::other(),
        }
    }

    /// `"K" in os.environ`, `os.getenv("K") == "x"`, `os.getenv("K") is not None`.
    fn comparison(&self, node: Node<'t>, negated: bool) -> Test {
        let mut cursor = node.walk();
        let operands: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        let [left, right] = operands.as_slice() else {
            return Test::other();
        };
        let operator = self
            .src
            .get(left.end_byte()..right.start_byte())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let test = match operator.as_str() {
            "in" | "not in" if (self.is_environ)(unwrap_parens(*right)) => {
                match string_value(*left, self.src) {
                    Some(key) => Test::key_set(key, true),
                    None => return Test::other(),
                }
            }
            "is not" | "is" if unwrap_parens(*right).kind() == "none" => {
                match self.probes.get(&unwrap_parens(*left).id()) {
                    Some(Probe {
                        key: Some(key),
                        when_unset: WhenUnset::Value(DefaultValue::None),
                        ..
                    }) => Test::key_set(key.clone(), true),
                    _ => return Test::other(),
                }
            }
            "==" | "!=" => {
                let equal = (operator == "==") != negated;
                return if equal {
                    self.equals(*left, *right)
                } else {
                    Test::other()
                };
            }
            _ => return Test::other(),
        };
        // `not in` and `is` hold when the key is unset.
        let inverted = matches!(operator.as_str(), "not in" | "is");
        if inverted != negated {
            test.negated()
        } else {
            test
        }
    }

    /// `read == "literal"` (either way round): holds only when the key is
    /// set, unless the default is that literal.
    fn equals(&self, left: Node<'t>, right: Node<'t>) -> Test {
        let (probe, value) = match (
            self.probes.get(&unwrap_parens(left).id()),
            self.probes.get(&unwrap_parens(right).id()),
        ) {
            (Some(p), None) => (p, right),
            (None, Some(p)) => (p, left),
            _ => return self.derived_equals(left, right),
        };
        let (Some(key), Some(compared)) = (probe.key.clone(), literal(value, self.src)) else {
            return Test::other();
        };
        match &probe.when_unset {
            WhenUnset::Fails => Test::key_set(key, false),
            WhenUnset::Value(v) if *v != compared => Test::key_set(key, false),
            _ => Test::other(),
        }
    }

    /// `ENVIRONMENT == "dev"` with `ENVIRONMENT = os.getenv("ENVIRONMENT")`.
    fn derived_equals(&self, left: Node<'t>, right: Node<'t>) -> Test {
        let (name, value) = match (unwrap_parens(left).kind(), unwrap_parens(right).kind()) {
            ("identifier", _) => (unwrap_parens(left), right),
            (_, "identifier") => (unwrap_parens(right), left),
            _ => return Test::other(),
        };
        if literal(value, self.src).is_none() {
            return Test::other();
        }
        // The name must be the read itself, not a test made of it.
        let source = self.derived_source(name);
        match source {
            Some(test) if test.exact && test.set.len() == 1 && test.unset.is_empty() => Test {
                exact: false,
                ..test
            },
            _ => Test::other(),
        }
    }

    fn derived_source(&self, name: Node<'t>) -> Option<Test> {
        let text = text(name, self.src);
        self.derived
            .iter()
            .rev()
            .find(|(n, at, _)| n == text && *at < name.start_byte())
            .map(|(_, _, t)| t.clone())
    }
}

/// The `if` body starts with a `return`: the function stops there.
fn returns_at_once(statement: Node) -> bool {
    statement.field(Field::Consequence).is_some_and(|body| {
        super::syntax::first_named(body).is_some_and(|s| s.kind() == "return_statement")
    }) && {
        let mut cursor = statement.walk();
        !statement
            .named_children(&mut cursor)
            .any(|c| matches!(c.kind(), "elif_clause" | "else_clause"))
    }
}

/// A handler of `try_statement` catches a missing key (`KeyError`,
/// `LookupError`, `Exception`, a bare `except:`) and does not raise again.
fn catches_missing_key(try_statement: Node, src: &str) -> bool {
    let mut cursor = try_statement.walk();
    try_statement
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "except_clause")
        .any(|handler| {
            let mut inner = handler.walk();
            let parts: Vec<Node> = handler.named_children(&mut inner).collect();
            let Some(body) = parts.iter().rev().find(|p| p.kind() == "block") else {
                return false;
            };
            let caught = parts
                .iter()
                .filter(|p| p.kind() != "block" && p.kind() != "comment")
                .map(|p| text(*p, src))
                .collect::<Vec<_>>()
                .join(" ");
            let names_it = caught.is_empty()
                || caught
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|w| {
                        matches!(
                            w,
                            "KeyError" | "LookupError" | "Exception" | "BaseException"
                        )
                    });
            let mut body_cursor = body.walk();
            let raises = body
                .named_children(&mut body_cursor)
                .filter(|s| s.kind() != "comment")
                .last()
                .is_some_and(|s| s.kind() == "raise_statement");
            names_it && !raises
        })
}
