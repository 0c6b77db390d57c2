//! A small located YAML tree on yaml-rust2's event parser: every node keeps
//! the 0-based row and column where it starts, so compose and Kubernetes
//! findings point at real lines. Anchors and aliases are resolved (compose
//! files lean on `x-common: &common` / `<<: *common`); merge keys are honoured
//! by [`Node::get`] and [`Node::entries`].

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written; `plain` is false for quoted and block scalars,
    /// so `"null"` stays a string while a bare `null` / `~` / nothing is null.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 0-based.
    pub row: u32,
    /// 0-based.
    pub column: u32,
}

impl Node {
    /// The scalar's text, for any scalar (null included, as "").
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain `null`, `~`, `Null` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The mapping's entries with `<<` merges applied (own keys win), in
    /// source order; empty for anything but a mapping.
    pub fn entries(&self) -> Vec<(&Node, &Node)> {
        let Value::Map(pairs) = &self.value else {
            return Vec::new();
        };
        let mut own: Vec<(&Node, &Node)> = Vec::new();
        let mut merged: Vec<(&Node, &Node)> = Vec::new();
        for (k, v) in pairs {
            if k.as_str() == Some("<<") {
                let sources: Vec<&Node> = match &v.value {
                    Value::Seq(items) => items.iter().collect(),
                    _ => vec![v],
                };
                for source in sources {
                    merged.extend(source.entries());
                }
            } else {
                own.push((k, v));
            }
        }
        for (k, v) in merged {
            if !own.iter().any(|(ok, _)| ok.as_str() == k.as_str()) {
                own.push((k, v));
            }
        }
        own
    }

    /// The value under `key` in a mapping (merges included).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// A parse error: 0-based row, and the parser's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub row: u32,
    pub message: String,
}

/// Nodes aliases may add to the tree, in total: past this, the file is an
/// alias bomb ("billion laughs") and is not read.
pub const MAX_EXPANDED_NODES: usize = crate::yaml::MAX_EXPANDED_NODES;

/// Parse every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder::default();
    crate::yaml::drive(text, &mut builder).map_err(|e| YamlError {
        row: e.row,
        message: e.message,
    })?;
    if let Some(row) = builder.too_deep {
        return Err(YamlError {
            row,
            message: format!(
                "nested deeper than {} levels; not read",
                crate::yaml::MAX_NESTING
            ),
        });
    }
    if let Some(row) = builder.over_budget {
        return Err(YamlError {
            row,
            message: format!("aliases expand to over {MAX_EXPANDED_NODES} nodes; not read"),
        });
    }
    Ok(builder.docs)
}

impl Node {
    /// Nodes in the tree, this one included.
    fn size(&self) -> usize {
        match &self.value {
            Value::Scalar { .. } => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(pairs) => {
                1 + pairs
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

enum Open {
    Seq(Node),
    /// The mapping, and the key waiting for its value.
    Map(Node, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Open, usize)>,
    docs: Vec<Node>,
    /// Each anchored node with its size, so an alias costs O(1) to judge.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes added by aliases so far.
    expanded: usize,
    /// The row of the first alias past the budget: the file is not read.
    over_budget: Option<u32>,
    /// Collections being skipped past `MAX_NESTING`, and where the first began.
    skipped: usize,
    too_deep: Option<u32>,
}

impl Builder {
    fn place(&mut self, node: Node, anchor: usize) {
        if anchor > 0 && self.over_budget.is_none() {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some((Open::Seq(seq), _)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some((Open::Map(map, pending), _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Value::Map(pairs) = &mut map.value {
                        pairs.push((key, node));
                    }
                }
            },
        }
    }
}

fn located(value: Value, mark: Marker) -> Node {
    Node {
        value,
        row: mark.line().saturating_sub(1) as u32,
        column: mark.col() as u32,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.skipped > 0 {
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skipped += 1,
                Event::SequenceEnd | Event::MappingEnd => self.skipped -= 1,
                _ => {}
            }
            return;
        }
        if matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..))
            && self.stack.len() >= crate::yaml::MAX_NESTING
        {
            self.too_deep
                .get_or_insert(mark.line().saturating_sub(1) as u32);
            self.skipped = 1;
            return;
        }
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                self.place(located(Value::Scalar { text, plain }, mark), anchor);
            }
            Event::SequenceStart(anchor, _) => self
                .stack
                .push((Open::Seq(located(Value::Seq(Vec::new()), mark)), anchor)),
            Event::MappingStart(anchor, _) => self.stack.push((
                Open::Map(located(Value::Map(Vec::new()), mark), None),
                anchor,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((open, anchor)) = self.stack.pop() {
                    let node = match open {
                        Open::Seq(n) | Open::Map(n, _) => n,
                    };
                    self.place(node, anchor);
                }
            }
            Event::Alias(id) => {
                let empty = || {
                    located(
                        Value::Scalar {
                            text: String::new(),
                            plain: true,
                        },
                        mark,
                    )
                };
                let node = match self.anchors.get(&id) {
                    // Once over budget, nothing more is expanded: the
                    // result is thrown away anyway.
                    Some(_) if self.over_budget.is_some() => empty(),
                    Some((_, size)) if self.expanded + size > MAX_EXPANDED_NODES => {
                        self.over_budget = Some(mark.line().saturating_sub(1) as u32);
                        empty()
                    }
                    Some((target, size)) => {
                        self.expanded += size;
                        target.clone()
                    }
                    None => empty(),
                };
                self.place(node, 0);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_merges() {
        let doc =
            "x-env: &env\n  A: 1\n  B: 2\nservices:\n  web:\n    <<: *env\n    B: 3\n    C: ~\n";
        let root = &parse(doc).unwrap()[0];
        let web = root.get("services").and_then(|s| s.get("web")).unwrap();
        assert_eq!(web.row, 5);
        let keys: Vec<_> = web
            .entries()
            .iter()
            .map(|(k, _)| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["B", "C", "A"]);
        assert_eq!(web.get("B").unwrap().as_str(), Some("3"));
        assert!(web.get("C").unwrap().is_null());
        assert_eq!(web.get("A").unwrap().row, 1);
    }

    #[test]
    fn quoted_null_is_a_string() {
        let root = &parse("a: 'null'\nb: null\nc:\n").unwrap()[0];
        assert!(!root.get("a").unwrap().is_null());
        assert!(root.get("b").unwrap().is_null());
        assert!(root.get("c").unwrap().is_null());
    }

    #[test]
    fn errors_carry_a_row() {
        let err = parse("a: 1\nb: [\n").unwrap_err();
        assert!(err.row >= 1, "{err:?}");
    }

    #[test]
    fn alias_bombs_are_not_read() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            let refs = vec![format!("*a{p}"); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
        assert!(err.row >= 4, "{err:?}");
        // Within the budget, aliases resolve.
        let root = &parse("x: &e\n  A: 1\ny: *e\n").unwrap()[0];
        assert_eq!(root.get("y").unwrap().get("A").unwrap().as_str(), Some("1"));
    }

    #[test]
    fn an_alias_flood_costs_one_step_per_alias() {
        // One anchor of 50k nodes used 200k times: judging each alias by
        // walking its target would take 10^10 steps.
        let big = vec!["x"; 50_000].join(", ");
        let refs = vec!["*a"; 200_000].join(", ");
        let text = format!("a: &a [{big}]\nb: [{refs}]\n");
        let start = std::time::Instant::now();
        assert!(parse(&text).is_err());
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        let text = format!("{}x\n", "- ".repeat(200_000));
        assert!(parse(&text).unwrap_err().message.contains("nested deeper"));
        let text = format!("a: {}{}\n", "{b: ".repeat(50_000), "}".repeat(50_000));
        assert!(parse(&text).is_err());
    }

    #[test]
    fn several_documents() {
        assert_eq!(parse("a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }
}
