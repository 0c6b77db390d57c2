//! A small located YAML tree built from yaml-rust2's event parser: every
//! node keeps its start row and column, so each workflow, compose and
//! Kubernetes fact names its line. (serde_yaml keeps no positions and is
//! deprecated.)
//!
//! Aliases are expanded with a budget: an alias bomb ("billion laughs") stops
//! expanding once the tree would exceed [`MAX_EXPANDED_NODES`] and the parse
//! reports it, rather than eating memory or time. `<<` merge keys (compose's
//! `x-common: &common` / `<<: *common`) are resolved while the tree is built,
//! from nodes the budget already paid for, when the caller asks for them.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Nodes an alias may add to the tree, in total, before expansion stops.
pub const MAX_EXPANDED_NODES: usize = 100_000;

/// Collections nested deeper than this make the document unreadable: no
/// real workflow, compose file or manifest comes close, and the tree's
/// recursive walks (and its drop) must never exhaust the stack.
pub const MAX_NESTING: usize = 256;

/// How a scalar was written. Only block scalars map rows one-to-one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub value: String,
    pub style: Style,
    /// 0-based row of the scalar's start (for block scalars: of the first
    /// line of content).
    pub row: u32,
    /// 0-based column of the scalar's start (for block scalars: the indentation).
    pub column: u32,
}

impl Scalar {
    /// A plain `null`, `~`, `Null`, `NULL` or empty scalar; a quoted
    /// `"null"` is a string.
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// The file row and column where line `line` (0-based) of the value
    /// starts. Exact for literal block scalars (the parser marks the first
    /// line of content, after any blank lines the value keeps; every line
    /// has the block's indentation); for other styles the scalar's own row
    /// plus the line count, which is the best a folded value allows.
    pub fn line_position(&self, line: u32) -> (u32, u32) {
        match self.style {
            Style::Literal | Style::Folded => {
                let blank = self.value.bytes().take_while(|&b| b == b'\n').count() as u32;
                (self.row.saturating_sub(blank) + line, self.column)
            }
            _ => (self.row + line, if line == 0 { self.column } else { 0 }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Scalar(Scalar),
    Seq {
        items: Vec<Node>,
        row: u32,
        column: u32,
    },
    Map {
        entries: Vec<(Node, Node)>,
        row: u32,
        column: u32,
    },
    /// An alias whose expansion was cut off by the budget (or an empty stream).
    Truncated {
        row: u32,
        column: u32,
    },
}

impl Node {
    pub fn row(&self) -> u32 {
        match self {
            Node::Scalar(s) => s.row,
            Node::Seq { row, .. } | Node::Map { row, .. } | Node::Truncated { row, .. } => *row,
        }
    }

    pub fn column(&self) -> u32 {
        match self {
            Node::Scalar(s) => s.column,
            Node::Seq { column, .. }
            | Node::Map { column, .. }
            | Node::Truncated { column, .. } => *column,
        }
    }

    /// A null scalar (see [`Scalar::is_null`]).
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match self {
            Node::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match self {
            Node::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The value under a scalar key of a mapping (the last one, as YAML
    /// loaders keep when a key repeats).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value under a scalar key of a mapping.
    pub fn get_entry(&self, key: &str) -> Option<(&Scalar, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find_map(|(k, v)| k.as_scalar().filter(|k| k.value == key).map(|k| (k, v)))
    }

    /// Every scalar in the tree, keys included, in document order.
    pub fn scalars<'a>(&'a self, out: &mut Vec<&'a Scalar>) {
        match self {
            Node::Scalar(s) => out.push(s),
            Node::Seq { items, .. } => items.iter().for_each(|n| n.scalars(out)),
            Node::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                k.scalars(out);
                v.scalars(out);
            }),
            Node::Truncated { .. } => {}
        }
    }

    fn size(&self) -> usize {
        match self {
            Node::Scalar(_) | Node::Truncated { .. } => 1,
            Node::Seq { items, .. } => 1 + items.iter().map(Node::size).sum::<usize>(),
            Node::Map { entries, .. } => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// Why a document could not be turned into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub row: u32,
    pub message: String,
}

/// A parsed document and the problems that did not stop it (alias budget).
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    pub warnings: Vec<YamlError>,
}

/// What a `<<` key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeKeys {
    /// YAML 1.1 merge keys, as compose and Kubernetes honour them: the
    /// mapping (or list of mappings, earlier ones first) under `<<` adds the
    /// keys the mapping does not have itself, after its own.
    Resolve,
    /// `<<` is a key like any other (GitHub Actions has no merge keys).
    Literal,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        row: u32,
        column: u32,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        row: u32,
        column: u32,
        anchor: usize,
    },
}

struct Builder {
    merge_keys: MergeKeys,
    stack: Vec<Frame>,
    /// Each anchored node with its size, so an alias costs O(1) to judge
    /// against the budget however many times it is used.
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Document>,
    /// Nodes aliases added so far, over the whole stream.
    expanded: usize,
    /// The current document's.
    warnings: Vec<YamlError>,
}

fn row_col(mark: &Marker) -> (u32, u32) {
    (mark.line().saturating_sub(1) as u32, mark.col() as u32)
}

impl Builder {
    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                Some(key) => entries.push((key, node)),
                None => *pending_key = Some(node),
            },
            None => self.documents.push(Document {
                root: node,
                warnings: std::mem::take(&mut self.warnings),
            }),
        }
    }
}

/// A mapping's entries with its `<<` entries replaced by the keys they
/// merge in that it lacks. The merged mappings were resolved when they were
/// built, so merges of merges come out right.
fn resolve_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |key: &Node| key.as_str() == Some("<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged = Vec::new();
    for (key, value) in entries {
        if !is_merge(&key) {
            own.push((key, value));
            continue;
        }
        match value {
            Node::Map { entries, .. } => merged.extend(entries),
            Node::Seq { items, .. } => {
                for item in items {
                    if let Node::Map { entries, .. } = item {
                        merged.extend(entries);
                    }
                }
            }
            Node::Scalar(_) | Node::Truncated { .. } => {}
        }
    }
    // A set, not a scan of `own`: a huge mapping must not make this quadratic.
    let mut present: HashSet<Option<String>> = own
        .iter()
        .map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    for (key, value) in merged {
        if present.insert(key.as_str().map(str::to_string)) {
            own.push((key, value));
        }
    }
    own
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let (row, column) = row_col(&mark);
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                let style = match style {
                    TScalarStyle::SingleQuoted => Style::SingleQuoted,
                    TScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    TScalarStyle::Literal => Style::Literal,
                    TScalarStyle::Folded => Style::Folded,
                    TScalarStyle::Plain => Style::Plain,
                };
                self.push_node(
                    Node::Scalar(Scalar {
                        value,
                        style,
                        row,
                        column,
                    }),
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                items: Vec::new(),
                row,
                column,
                anchor,
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                pending_key: None,
                row,
                column,
                anchor,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        row,
                        column,
                        anchor,
                    }) => (Node::Seq { items, row, column }, anchor),
                    Some(Frame::Map {
                        entries,
                        row,
                        column,
                        anchor,
                        ..
                    }) => {
                        let entries = match self.merge_keys {
                            MergeKeys::Resolve => resolve_merge_keys(entries),
                            MergeKeys::Literal => entries,
                        };
                        (
                            Node::Map {
                                entries,
                                row,
                                column,
                            },
                            anchor,
                        )
                    }
                    None => return,
                };
                self.push_node(node, anchor);
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some((target, size)) => {
                        let size = *size;
                        if self.expanded + size > MAX_EXPANDED_NODES {
                            if self.warnings.is_empty() {
                                self.warnings.push(YamlError {
                                    row,
                                    message: format!(
                                        "aliases expand to over {MAX_EXPANDED_NODES} nodes; the rest is not expanded"
                                    ),
                                });
                            }
                            Node::Truncated { row, column }
                        } else {
                            self.expanded += size;
                            target.clone()
                        }
                    }
                    None => Node::Truncated { row, column },
                };
                self.push_node(node, 0);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Parse the first document of `text` into a located tree, `<<` as a plain
/// key (a workflow: only the first document of a stream is one). An empty
/// stream gives a [`Node::Truncated`] root.
pub fn parse(text: &str) -> Result<Document, YamlError> {
    let mut docs = parse_stream(text, MergeKeys::Literal)?.into_iter();
    let mut first = docs.next().unwrap_or(Document {
        root: Node::Truncated { row: 0, column: 0 },
        warnings: Vec::new(),
    });
    // A later document's alias bomb still cost the parse: say so, once.
    if first.warnings.is_empty() {
        first.warnings.extend(docs.flat_map(|d| d.warnings).take(1));
    }
    Ok(first)
}

/// Parse every document of a YAML stream into located trees.
pub fn parse_stream(text: &str, merge_keys: MergeKeys) -> Result<Vec<Document>, YamlError> {
    let mut builder = Builder {
        merge_keys,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        expanded: 0,
        warnings: Vec::new(),
    };
    drive(text, &mut builder)?;
    Ok(builder.documents)
}

/// Feed every event of `text` to `receiver`, in a loop: yaml-rust2's own
/// `load` recurses once per level of nesting, so one line of 200k `- `
/// would overflow the stack. Collections nested deeper than [`MAX_NESTING`]
/// stop the parse with an error.
pub fn drive(text: &str, receiver: &mut impl MarkedEventReceiver) -> Result<(), YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            row: e.marker().line().saturating_sub(1) as u32,
            message: e.info().to_string(),
        })?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(YamlError {
                        row: row_col(&mark).0,
                        message: format!("nested deeper than {MAX_NESTING} levels; not read"),
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        let end = event == Event::StreamEnd;
        receiver.on_event(event, mark);
        if end {
            return Ok(());
        }
    }
}

/// A "billion laughs": keys `{prefix}0` to `{prefix}9`, each a list of ten
/// aliases to the one before, 10^10 scalars if fully expanded.
#[cfg(test)]
pub(crate) fn alias_bomb(prefix: &str) -> String {
    let mut text = format!("{prefix}0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let aliases: Vec<String> = (0..10).map(|_| format!("*a{}", i - 1)).collect();
        let aliases = aliases.join(", ");
        text.push_str(&format!("{prefix}{i}: &a{i} [{aliases}]\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_rows() {
        let doc = parse("a: 1\nb:\n  c: \"x\"\n").unwrap();
        let c = doc
            .root
            .get("b")
            .unwrap()
            .get("c")
            .unwrap()
            .as_scalar()
            .unwrap();
        assert_eq!(
            (c.row, c.value.as_str(), c.style),
            (2, "x", Style::DoubleQuoted)
        );
        let (k, _) = doc.root.get_entry("b").unwrap();
        assert_eq!((k.row, k.column), (1, 0));
    }

    #[test]
    fn literal_block_rows_map_to_file_rows() {
        let text = "steps:\n  - run: |\n      echo a\n\n      echo b\n";
        let doc = parse(text).unwrap();
        let run = doc.root.get("steps").unwrap().as_seq().unwrap()[0]
            .get("run")
            .unwrap();
        let s = run.as_scalar().unwrap();
        assert_eq!(s.style, Style::Literal);
        assert_eq!(s.value, "echo a\n\necho b\n");
        assert_eq!(s.line_position(0), (2, 6));
        assert_eq!(s.line_position(2), (4, 6));
        let doc = parse("run: |\n\n\n  echo a\n").unwrap();
        let s = doc.root.get("run").unwrap().as_scalar().unwrap();
        assert_eq!(s.line_position(2), (3, 2));
    }

    #[test]
    fn comments_never_reach_the_tree() {
        let doc = parse("a: 1\n# b: 2\n").unwrap();
        assert!(doc.root.get("b").is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a: 1\nb: [\n").unwrap_err();
        assert!(err.row >= 1, "{err:?}");
    }

    #[test]
    fn alias_bomb_is_capped() {
        let text = alias_bomb("a");
        let doc = parse(&text).unwrap();
        assert_eq!(doc.warnings.len(), 1);
        assert!(doc.root.size() < 3 * MAX_EXPANDED_NODES);
    }

    fn stream(text: &str) -> Vec<Node> {
        parse_stream(text, MergeKeys::Resolve)
            .unwrap()
            .into_iter()
            .map(|d| d.root)
            .collect()
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_map()
            .unwrap()
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .collect()
    }

    #[test]
    fn merge_keys_own_keys_win_and_come_first() {
        let docs = stream(
            "x-env: &env\n  A: 1\n  B: 2\nservices:\n  web:\n    <<: *env\n    B: 3\n    C: ~\n",
        );
        let web = docs[0].get("services").and_then(|s| s.get("web")).unwrap();
        assert_eq!(web.row(), 5);
        assert_eq!(keys(web), ["B", "C", "A"]);
        assert_eq!(web.get("B").unwrap().as_str(), Some("3"));
        assert!(web.get("C").unwrap().is_null());
        assert_eq!(
            web.get("A").unwrap().row(),
            1,
            "a merged value keeps its row"
        );
    }

    #[test]
    fn merge_key_lists_and_merges_of_merges() {
        let docs = stream(
            "a: &a {X: a, Y: a}\nb: &b {<<: *a, Y: b, Z: b}\nc:\n  <<: [*b, {X: c, W: c}]\n",
        );
        let c = docs[0].get("c").unwrap();
        assert_eq!(keys(c), ["Y", "Z", "X", "W"]);
        assert_eq!(
            c.get("X").unwrap().as_str(),
            Some("a"),
            "earlier sources win"
        );
        assert_eq!(c.get("Y").unwrap().as_str(), Some("b"));
    }

    #[test]
    fn merge_keys_are_plain_keys_unless_asked() {
        let doc = parse("a: &a {X: 1}\nb:\n  <<: *a\n").unwrap();
        let b = doc.root.get("b").unwrap();
        assert_eq!(keys(b), ["<<"]);
        assert!(b.get("X").is_none());
    }

    #[test]
    fn quoted_null_is_a_string() {
        let docs = stream("a: 'null'\nb: null\nc:\nd: ~\n");
        assert!(!docs[0].get("a").unwrap().is_null());
        assert!(docs[0].get("b").unwrap().is_null());
        assert!(docs[0].get("c").unwrap().is_null());
        assert!(docs[0].get("d").unwrap().is_null());
    }

    #[test]
    fn several_documents() {
        let docs = stream("a: 1\n---\nb: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("b").unwrap().row(), 2);
        assert!(stream("").is_empty());
        assert!(matches!(parse("").unwrap().root, Node::Truncated { .. }));
    }

    #[test]
    fn merge_bomb_is_capped() {
        let mut text = String::from(
            "a0: &a0 {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n",
        );
        for i in 1..10 {
            let p = i - 1;
            let list: Vec<String> = (0..10).map(|j| format!("m{j}: {{<<: *a{p}}}")).collect();
            text.push_str(&format!("a{i}: &a{i} {{{}}}\n", list.join(", ")));
        }
        let docs = parse_stream(&text, MergeKeys::Resolve).unwrap();
        assert_eq!(docs[0].warnings.len(), 1);
        assert!(docs[0].root.size() < 3 * MAX_EXPANDED_NODES);
    }

    #[test]
    fn aliases_resolve_within_budget() {
        let doc = parse("x: &e\n  A: 1\ny: *e\n").unwrap();
        assert_eq!(
            doc.root.get("y").unwrap().get("A").unwrap().as_str(),
            Some("1")
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        // 200k block sequences on one line: a tree that deep would overflow
        // the stack when walked or dropped.
        let text = format!("{}x\n", "- ".repeat(200_000));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err:?}");
        let nested = format!("{}x\n", "- ".repeat(MAX_NESTING - 1));
        assert!(parse(&nested).is_ok());
    }

    #[test]
    fn an_alias_flood_costs_one_step_per_alias() {
        // One anchor of 50k nodes used 200k times: judging each alias by
        // walking its target would take 10^10 steps (a hung test, not a
        // timing assertion, is how a regression shows).
        let big = vec!["x"; 50_000].join(", ");
        let refs = vec!["*a"; 200_000].join(", ");
        let text = format!("a: &a [{big}]\nb: [{refs}]\n");
        let doc = parse(&text).unwrap();
        assert_eq!(doc.warnings.len(), 1);
    }
}
