//! Shell scripts parsed with tree-sitter-bash: the env keys a script writes
//! (to dotenv files, `$GITHUB_ENV`, `docker run -e`, remote hosts) and the
//! keys it reads. Used for workflow `run:` steps, remote scripts sent over
//! ssh or SSM, and the app's shell entrypoints.
//!
//! [`analyze`] is a pure function of the script and a [`ScriptContext`];
//! rows in its [`ScriptFacts`] are relative to the script, and callers move
//! them into the file (`Location::offset_rows`). Workflow expressions are
//! replaced by placeholder words before parsing (see `workflow::expr`), and
//! the context says where each placeholder's value comes from.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tree_sitter::{Node, Parser, Query, QueryCursor, StreamingIterator, Tree};

use crate::collect::workflow::expr::placeholders;
use crate::facts::{Source, WriteVia};

/// Remote scripts nested deeper than this (ssh in ssh in ssh...) are not followed.
const MAX_DEPTH: usize = 4;

/// Scripts whose parentheses (subshells, `$( )`, `$(( ))`) nest deeper than
/// this are not parsed: no real script comes close, and the parser's time
/// grows steeply with the depth (20k nested `$( )` took over a minute).
pub const MAX_NESTING: usize = 256;

/// The row where `script`'s parentheses first nest deeper than
/// [`MAX_NESTING`], if they do. Counts every `(`, quoted or not: a bound,
/// not a parse.
fn too_deep(script: &str) -> Option<u32> {
    let (mut depth, mut row) = (0usize, 0u32);
    for b in script.bytes() {
        match b {
            b'\n' => row += 1,
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(row);
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

struct StatementQuery {
    query: Query,
    command: u32,
    declaration: u32,
    assignment: u32,
    assigned: u32,
    loop_var: u32,
}

struct ReadQuery {
    query: Query,
    expansion: u32,
    name: u32,
}

fn language() -> tree_sitter::Language {
    tree_sitter_bash::LANGUAGE.into()
}

fn capture(query: &Query, name: &str) -> u32 {
    // The queries are compiled into the binary: a missing capture is a bug
    // caught by every test, never something a user's input can cause.
    query
        .capture_index_for_name(name)
        .unwrap_or_else(|| panic!("grammars/bash-*.scm lacks @{name}"))
}

static STATEMENTS: LazyLock<StatementQuery> = LazyLock::new(|| {
    let query = Query::new(
        &language(),
        include_str!("../../grammars/bash-statements.scm"),
    )
    .unwrap_or_else(|e| panic!("grammars/bash-statements.scm: {e}"));
    StatementQuery {
        command: capture(&query, "command"),
        declaration: capture(&query, "declaration"),
        assignment: capture(&query, "assignment"),
        assigned: capture(&query, "assigned"),
        loop_var: capture(&query, "loop_var"),
        query,
    }
});

static READS: LazyLock<ReadQuery> = LazyLock::new(|| {
    let query = Query::new(&language(), include_str!("../../grammars/bash-reads.scm"))
        .unwrap_or_else(|e| panic!("grammars/bash-reads.scm: {e}"));
    ReadQuery {
        expansion: capture(&query, "expansion"),
        name: capture(&query, "name"),
        query,
    }
});

thread_local! {
    /// One parser per thread, reused for every script.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn parse(text: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&language()).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// What the surrounding workflow tells the analyser.
#[derive(Debug, Clone, Default)]
pub struct ScriptContext {
    /// Variables the workflow puts in the script's environment (`env:` maps,
    /// earlier `$GITHUB_ENV` writes), each with its resolved source.
    pub env: HashMap<String, Source>,
    /// The source of each `_ET<n>_` placeholder, by index.
    pub placeholders: Vec<Source>,
    /// The script runs on a deploy host (ssh, SSM), not on the runner.
    pub remote: bool,
    /// The enclosing script's arrays, for a command it hands on (`ssh host
    /// "docker compose ${FILES[*]} up"` expands them before sending).
    pub arrays: HashMap<String, Vec<Vec<String>>>,
}

/// A key written by the script. `sink` is `None` for process environments
/// (`$GITHUB_ENV`, `docker run -e`, `export` on a host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptWrite {
    pub key: String,
    pub row: u32,
    pub column: u32,
    pub via: WriteVia,
    pub source: Source,
    pub sink: Option<String>,
    pub remote: bool,
}

/// What happens to files and environments, in script order: truncations
/// matter, since a `> .env` throws away what earlier lines wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptEvent {
    Write(ScriptWrite),
    /// A dotenv file written from one opaque value.
    Opaque {
        row: u32,
        column: u32,
        source: Source,
        sink: String,
        remote: bool,
    },
    /// The file is emptied (`> F`, `rm -f F`).
    Truncate {
        sink: String,
        remote: bool,
    },
}

/// A `$K` / `${K…}` read of a variable the script does not set itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRead {
    pub name: String,
    pub row: u32,
    pub column: u32,
    /// `${K:?msg}`: the script fails without K.
    pub required: bool,
    /// The default as written when it is a literal (`$K` alone: `""`).
    pub default: Option<String>,
    /// A default exists (literal or not).
    pub has_default: bool,
}

/// `--env-file F` on a docker (compose) command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileUse {
    pub path: String,
    pub row: u32,
    pub column: u32,
    /// `docker run --env-file`: the file's keys reach that container.
    pub docker_run: bool,
    pub remote: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptFacts {
    pub events: Vec<ScriptEvent>,
    pub reads: Vec<ShellRead>,
    pub env_file_uses: Vec<EnvFileUse>,
    /// Local files copied to a host (`scp`, `rsync`), as written.
    pub shipped: Vec<String>,
    /// Local files copied to a host with the name they get there: `scp
    /// docker-compose.prod.yml host:app/docker-compose.yml`.
    pub copies: Vec<(String, String)>,
    /// Commands that start a compose project (`docker compose -f a -f b up`).
    pub compose_runs: Vec<ComposeRun>,
    /// `kubectl create secret|configmap ...`: its words and where it starts,
    /// for the workflow collector to turn into a Kubernetes object.
    pub kubectl: Vec<KubectlCreate>,
    /// `gcloud run deploy --env-vars-file F`: F as written, and where.
    pub env_vars_files: Vec<(String, u32, u32)>,
    /// `sops -d F > .env` on the runner.
    pub decrypts: Vec<Decrypt>,
    /// Syntax errors: (row, message).
    pub errors: Vec<(u32, String)>,
}

/// `docker compose [-f F]... up`, `docker-compose up`, `docker stack deploy -c F`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeRun {
    /// The compose files in order, as written; empty for compose's default.
    pub files: Vec<String>,
    pub row: u32,
    pub column: u32,
    pub remote: bool,
}

/// A `kubectl create secret|configmap` command, as words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubectlCreate {
    pub words: Vec<String>,
    pub row: u32,
    pub column: u32,
}

/// `sops -d FILE > SINK` (or `sops decrypt`) with dotenv output, run on the
/// runner: SINK receives FILE's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypt {
    /// The encrypted file, as written.
    pub file: String,
    pub sink: String,
    pub row: u32,
    pub column: u32,
}

/// sops flags that take a value: the word after them is not the file.
const SOPS_VALUE_FLAGS: &[&str] = &[
    "--input-type",
    "--output-type",
    "--extract",
    "--config",
    "--age",
    "--pgp",
    "--kms",
    "--gcp-kms",
    "--azure-kv",
    "--hc-vault-transit",
    "--encryption-context",
    "--filename-override",
    "--keyservice",
    "--output",
    "--indent",
];

/// Analyse one script. Rows are relative to the script.
pub fn analyze(script: &str, ctx: &ScriptContext) -> ScriptFacts {
    let mut facts = ScriptFacts::default();
    analyze_into(script, ctx, 0, 0, &mut facts);
    facts
        .reads
        .sort_by(|a, b| (a.row, a.column, &a.name).cmp(&(b.row, b.column, &b.name)));
    facts
        .reads
        .dedup_by(|a, b| a.row == b.row && a.name == b.name);
    facts
}

/// Whether `path` names a dotenv file by its name: `.env`, `*.env`, `.env.<suffix>`.
pub fn is_dotenv_name(path: &str) -> bool {
    let name = basename(path);
    name == ".env" || name.ends_with(".env") || name.starts_with(".env.")
}

/// The last component of a path as written.
pub fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

fn analyze_into(
    script: &str,
    ctx: &ScriptContext,
    row_offset: u32,
    depth: usize,
    facts: &mut ScriptFacts,
) {
    if let Some(row) = too_deep(script) {
        facts.errors.push((
            row_offset + row,
            format!("parentheses nested deeper than {MAX_NESTING} levels; not read"),
        ));
        return;
    }
    let Some(tree) = parse(script) else {
        facts
            .errors
            .push((row_offset, "the shell parser gave up".into()));
        return;
    };
    let root = tree.root_node();
    if root.has_error() {
        let error = first_error(root);
        // A missing heredoc end sits past the last line: name the `<<` line.
        let unclosed_heredoc = error
            .filter(|n| n.is_missing() && n.kind() == "heredoc_end")
            .and_then(|n| n.parent());
        let row = unclosed_heredoc
            .or(error)
            .map_or(0, |n| n.start_position().row as u32);
        let last_row = script.lines().count().saturating_sub(1) as u32;
        let message = match unclosed_heredoc {
            Some(_) => {
                "a here-document (<<) is never closed; the script is read as far as it parses"
            }
            None => "shell syntax error; the script is read as far as it parses",
        };
        facts
            .errors
            .push((row_offset + row.min(last_row), message.into()));
    }
    let mut analyzer = Analyzer {
        src: script,
        ctx,
        row_offset,
        depth,
        facts,
        locals: HashMap::new(),
        assigned: HashMap::new(),
        multiline: None,
        opened: HashSet::new(),
        arrays: ctx.arrays.clone(),
    };
    let start = analyzer.facts.events.len();
    analyzer.statements(root);
    analyzer.reads(root);
    if ctx.remote {
        resolve_truncations(&mut facts.events, start);
    }
}

/// Apply the truncations of one remote script to its own writes and drop
/// them: two scripts sent to hosts may well go to different hosts or
/// folders, so a `> .env` in one says nothing about the other's `.env`.
fn resolve_truncations(events: &mut Vec<ScriptEvent>, start: usize) {
    let tail = events.split_off(start.min(events.len()));
    // Tombstones and a per-file index keep this linear in the script's size.
    let mut own: Vec<Option<ScriptEvent>> = Vec::with_capacity(tail.len());
    let mut by_sink: HashMap<String, Vec<usize>> = HashMap::new();
    for event in tail {
        let sink = match &event {
            ScriptEvent::Truncate { sink, .. } => {
                for i in by_sink.remove(sink).unwrap_or_default() {
                    if let Some(slot) = own.get_mut(i) {
                        *slot = None;
                    }
                }
                continue;
            }
            ScriptEvent::Write(w) => w.sink.clone(),
            ScriptEvent::Opaque { sink, .. } => Some(sink.clone()),
        };
        if let Some(sink) = sink {
            by_sink.entry(sink).or_default().push(own.len());
        }
        own.push(Some(event));
    }
    events.extend(own.into_iter().flatten());
}

/// The first ERROR or MISSING node, found by descending only into children
/// that hold one. A loop, not recursion: a script of 100k nested subshells
/// must not exhaust the stack.
fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    loop {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        // has_error holds for an ERROR or MISSING node itself too.
        let next = node.children(&mut cursor).find(|c| c.has_error());
        node = next?;
    }
}

/// Where a command's standard output goes.
struct Dest {
    /// The redirect (or `tee`) node: one truncation per node.
    id: usize,
    path: String,
    append: bool,
    tee: bool,
    /// The output went through a filter (`base64 -d`, `sed`) first.
    transformed: bool,
}

impl Dest {
    /// How a write of `via` to this destination is named: `$GITHUB_ENV` is
    /// the later steps' environment, `tee` its own way of writing a file.
    fn via(&self, via: WriteVia) -> WriteVia {
        if is_github_env(&self.path) {
            WriteVia::GithubEnv
        } else if self.tee {
            WriteVia::DotenvTee
        } else {
            via
        }
    }
}

/// A `$GITHUB_ENV` multi-line value being written (`K<<EOF` … `EOF`).
struct Multiline {
    delim: String,
    event: usize,
    has_source: bool,
}

struct Analyzer<'s, 'f> {
    src: &'s str,
    ctx: &'s ScriptContext,
    row_offset: u32,
    depth: usize,
    facts: &'f mut ScriptFacts,
    /// The script's own variables and where their values come from.
    locals: HashMap<String, Source>,
    /// Variable → the byte from which it is the script's own.
    assigned: HashMap<String, usize>,
    multiline: Option<Multiline>,
    /// Redirects already opened: `{ a; b; } > F` empties F once, not per command.
    opened: HashSet<usize>,
    /// The script's arrays (`FILES=(-f a.yml -f b.yml)`, `FILES+=(...)`):
    /// each assignment one alternative, since branches (`case "$ENV"`)
    /// usually assign the same array differently and envtrail does not
    /// decide which branch runs.
    arrays: HashMap<String, Vec<Vec<String>>>,
}

enum Statement {
    Command,
    Declaration,
    Assignment,
}

impl<'s> Analyzer<'s, '_> {
    fn text(&self, node: Node<'_>) -> &'s str {
        node.utf8_text(self.src.as_bytes()).unwrap_or("")
    }

    fn row(&self, node: Node<'_>) -> u32 {
        self.row_offset + node.start_position().row as u32
    }

    /// `name` is the script's own variable from byte `from` on.
    fn assign(&mut self, name: String, from: usize) {
        let entry = self.assigned.entry(name).or_insert(from);
        *entry = (*entry).min(from);
    }

    fn statements(&mut self, root: Node<'_>) {
        let q = &*STATEMENTS;
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&q.query, root, self.src.as_bytes());
        let mut found: Vec<(usize, Statement, Node<'_>)> = Vec::new();
        while let Some(m) = matches.next() {
            for cap in m.captures {
                let node = cap.node;
                if cap.index == q.command {
                    found.push((node.start_byte(), Statement::Command, node));
                } else if cap.index == q.declaration {
                    found.push((node.start_byte(), Statement::Declaration, node));
                } else if cap.index == q.assignment {
                    found.push((node.start_byte(), Statement::Assignment, node));
                } else if cap.index == q.assigned {
                    let name = self.text(node).to_string();
                    let from = node.parent().map_or(node.end_byte(), |a| a.end_byte());
                    self.assign(name, from);
                } else if cap.index == q.loop_var {
                    self.assign(self.text(node).to_string(), node.start_byte());
                }
            }
        }
        found.sort_by_key(|(start, _, _)| *start);
        for (_, kind, node) in found {
            match kind {
                Statement::Command => self.command(node),
                Statement::Declaration => self.declaration(node),
                Statement::Assignment => self.assignment(node),
            }
        }
    }

    fn assignment(&mut self, node: Node<'_>) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        if let Some(array) = node
            .child_by_field_name("value")
            .filter(|v| v.kind() == "array")
        {
            let appends = self.src[name.end_byte()..array.start_byte()].contains('+');
            self.array(self.text(name).to_string(), array, appends);
            return;
        }
        let value = node
            .child_by_field_name("value")
            .map_or("", |v| self.text(v));
        let source = self.value_source(&unquote(value));
        self.locals.insert(self.text(name).to_string(), source);
    }

    /// `NAME=(a b)` adds an alternative value of NAME; `NAME+=(c)` appends
    /// to every alternative so far.
    fn array(&mut self, name: String, array: Node<'_>, appends: bool) {
        const MAX_ALTERNATIVES: usize = 8;
        let mut cursor = array.walk();
        let words: Vec<String> = array
            .named_children(&mut cursor)
            .filter(|w| w.kind() != "comment")
            .map(|w| unquote(self.text(w)))
            .collect();
        let conditional = is_conditional(array);
        let alternatives = self.arrays.entry(name).or_default();
        match (appends, conditional) {
            (false, false) => *alternatives = vec![words],
            (false, true) => {
                if !alternatives.contains(&words) && alternatives.len() < MAX_ALTERNATIVES {
                    alternatives.push(words);
                }
            }
            (true, false) if !alternatives.is_empty() => {
                for alternative in alternatives.iter_mut() {
                    alternative.extend(words.iter().cloned());
                }
            }
            // `if [ -f gpu.yml ]; then FILES+=(-f gpu.yml); fi`: with and without.
            (true, true) if !alternatives.is_empty() => {
                let extended: Vec<Vec<String>> = alternatives
                    .iter()
                    .map(|a| a.iter().chain(&words).cloned().collect())
                    .collect();
                for alternative in extended {
                    if alternatives.len() < MAX_ALTERNATIVES {
                        alternatives.push(alternative);
                    }
                }
            }
            // `if [ -f gpu.yml ]; then FILES+=(-f gpu.yml); fi` with no
            // FILES before: the command runs without the words or with them.
            (true, true) => {
                alternatives.push(Vec::new());
                alternatives.push(words);
            }
            (true, false) => alternatives.push(words),
        }
    }

    /// The words a command's arguments stand for, one list per alternative
    /// of the arrays they expand (`"${FILES[@]}"`, `${FILES[*]}`); the
    /// words as written when they expand none.
    fn expanded_words(&self, words: &[String]) -> Vec<Vec<String>> {
        let mut lists = vec![Vec::new()];
        for word in words {
            let expanded = array_expansion(word).and_then(|name| self.arrays.get(name));
            match expanded {
                Some(alternatives) if !alternatives.is_empty() => {
                    lists = lists
                        .iter()
                        .flat_map(|list| {
                            alternatives.iter().map(move |alternative| {
                                let mut list = list.clone();
                                list.extend(alternative.iter().cloned());
                                list
                            })
                        })
                        .take(16)
                        .collect();
                }
                _ => {
                    for list in &mut lists {
                        list.push(word.clone());
                    }
                }
            }
        }
        lists
    }

    /// `export K=V` on a deploy host puts K in the environment of what the
    /// script starts there.
    fn declaration(&mut self, node: Node<'_>) {
        if !self.ctx.remote || !self.text(node).starts_with("export") {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() != "variable_assignment" {
                continue;
            }
            let Some(name) = child.child_by_field_name("name") else {
                continue;
            };
            let value = child
                .child_by_field_name("value")
                .map_or("", |v| self.text(v));
            let source = self.value_source(&unquote(value));
            self.push_write(
                self.text(name).to_string(),
                child,
                WriteVia::RemoteExport,
                source,
                None,
            );
        }
    }

    fn push_write(
        &mut self,
        key: String,
        at: Node<'_>,
        via: WriteVia,
        source: Source,
        sink: Option<String>,
    ) {
        let pos = at.start_position();
        self.facts.events.push(ScriptEvent::Write(ScriptWrite {
            key,
            row: self.row_offset + pos.row as u32,
            column: pos.column as u32,
            via,
            source,
            sink,
            remote: self.ctx.remote,
        }));
    }

    fn command(&mut self, node: Node<'_>) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = unquote(self.text(name_node));
        let name = basename(&name).to_string();
        let mut cursor = node.walk();
        let mut args: Vec<Node<'_>> = node
            .children_by_field_name("argument", &mut cursor)
            .collect();
        let mut name = name;
        if name == "sudo" {
            // `sudo -E docker run …`: the command is the first non-flag word.
            let Some(at) = args.iter().position(|a| !self.text(*a).starts_with('-')) else {
                return;
            };
            name = basename(&unquote(self.text(args[at]))).to_string();
            args.drain(..=at);
        }
        match name.as_str() {
            "echo" => self.echo(node, &args),
            "printf" => self.printf(node, &args),
            "cat" => self.cat(node, &args),
            "rm" => {
                for arg in &args {
                    let path = unquote(self.text(*arg));
                    if !path.starts_with('-') {
                        self.facts.events.push(ScriptEvent::Truncate {
                            sink: path,
                            remote: self.ctx.remote,
                        });
                    }
                }
            }
            "ssh" => self.ssh(node, &args),
            "aws" => self.ssm(&args),
            "docker" | "docker-compose" | "podman" => self.docker(&name, node, &args),
            "gcloud" => self.gcloud(node, &args),
            "fly" | "flyctl" | "heroku" | "cf" | "cf7" | "cf8" => {
                self.platform_cli(&name, node, &args)
            }
            "helm" => self.helm(node, &args),
            "sops" => self.sops(node, &args),
            "kubectl" => {
                let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
                if words.first().is_some_and(|w| w == "create") {
                    let pos = node.start_position();
                    self.facts.kubectl.push(KubectlCreate {
                        words,
                        row: self.row_offset + pos.row as u32,
                        column: pos.column as u32,
                    });
                }
            }
            "scp" | "rsync" => self.ship(&args),
            "mv" | "cp" if self.ctx.remote => {
                // A rename on the host: the compose file it becomes.
                let words: Vec<String> = args
                    .iter()
                    .map(|a| unquote(self.text(*a)))
                    .filter(|w| !w.starts_with('-'))
                    .collect();
                if let [source, dest] = words.as_slice()
                    && crate::collect::compose::is_compose_name(basename(dest))
                {
                    self.facts
                        .copies
                        .push((source.clone(), basename(dest).to_string()));
                }
            }
            "read" => {
                for arg in &args {
                    let var = self.text(*arg);
                    if !var.starts_with('-') {
                        self.assign(var.to_string(), node.end_byte());
                    }
                }
            }
            _ => {
                // Any other command writing a file with `>` empties it; what
                // it writes is unknown.
                if let Some(dest) = self.destination(node) {
                    self.begin_write(&dest);
                }
            }
        }
    }

    /// Where `cmd`'s output goes: a redirect on it or on an enclosing group,
    /// or a `tee` later in its pipeline.
    fn destination(&self, cmd: Node<'_>) -> Option<Dest> {
        let mut node = cmd;
        let mut transformed = false;
        loop {
            let parent = node.parent()?;
            match parent.kind() {
                "redirected_statement" => {
                    if parent.child_by_field_name("body").map(|b| b.id()) == Some(node.id()) {
                        if let Some(mut dest) = self.file_redirect(parent) {
                            dest.transformed = transformed;
                            return Some(dest);
                        }
                        if let Some(dest) = self.heredoc_pipe(parent, transformed) {
                            return Some(dest);
                        }
                    }
                    node = parent;
                }
                "pipeline" => {
                    let mut cursor = parent.walk();
                    let elems: Vec<Node<'_>> = parent
                        .named_children(&mut cursor)
                        .filter(|n| n.kind() != "comment")
                        .collect();
                    let idx = elems.iter().position(|e| e.id() == node.id())?;
                    let Some(next) = elems.get(idx + 1).copied() else {
                        node = parent;
                        continue;
                    };
                    // tree-sitter-bash hangs a redirect on the whole pipeline
                    // before it (`a | tee F > /dev/null`), so `next` is a
                    // plain command, never a redirected statement.
                    if self.command_name(next).as_deref() == Some("tee") {
                        return self.tee_dest(next, transformed);
                    }
                    transformed = true;
                    node = next;
                }
                "command_substitution" | "process_substitution" | "program" => return None,
                _ => node = parent,
            }
        }
    }

    /// `cat <<EOF | tee F`: tree-sitter-bash hangs the pipeline after a
    /// heredoc start inside the heredoc redirect.
    fn heredoc_pipe(&self, stmt: Node<'_>, transformed: bool) -> Option<Dest> {
        let mut cursor = stmt.walk();
        let redirects: Vec<Node<'_>> = stmt
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        let pipeline = redirects
            .into_iter()
            .filter(|r| r.kind() == "heredoc_redirect")
            .find_map(|r| {
                let mut c = r.walk();
                r.named_children(&mut c).find(|n| n.kind() == "pipeline")
            })?;
        let mut c = pipeline.walk();
        let elems: Vec<Node<'_>> = pipeline
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .collect();
        let first = *elems.first()?;
        let first_cmd = if first.kind() == "redirected_statement" {
            first.child_by_field_name("body").unwrap_or(first)
        } else {
            first
        };
        if self.command_name(first_cmd).as_deref() == Some("tee") {
            return self.tee_dest(first_cmd, transformed);
        }
        // A filter first (`| base64 -d > F`): the last element's redirect.
        let last = *elems.last()?;
        let mut dest = (last.kind() == "redirected_statement")
            .then(|| self.file_redirect(last))
            .flatten()?;
        dest.transformed = true;
        Some(dest)
    }

    fn command_name(&self, node: Node<'_>) -> Option<String> {
        if node.kind() != "command" {
            return None;
        }
        let name = unquote(self.text(node.child_by_field_name("name")?));
        if name == "sudo" {
            let mut cursor = node.walk();
            let first = node
                .children_by_field_name("argument", &mut cursor)
                .map(|a| unquote(self.text(a)))
                .find(|a| !a.starts_with('-'))?;
            return Some(basename(&first).to_string());
        }
        Some(basename(&name).to_string())
    }

    fn tee_dest(&self, tee: Node<'_>, transformed: bool) -> Option<Dest> {
        let mut cursor = tee.walk();
        let mut append = false;
        let mut past_name = self.text(tee.child_by_field_name("name")?) != "sudo";
        for arg in tee.children_by_field_name("argument", &mut cursor) {
            let text = unquote(self.text(arg));
            if !past_name {
                past_name = basename(&text) == "tee";
            } else if text == "-a" || text == "--append" {
                append = true;
            } else if !text.starts_with('-') {
                return Some(Dest {
                    id: tee.id(),
                    path: text,
                    append,
                    tee: true,
                    transformed,
                });
            }
        }
        None
    }

    /// The stdout file redirect of a redirected statement (`>`, `>>`, `&>`).
    fn file_redirect(&self, stmt: Node<'_>) -> Option<Dest> {
        let mut cursor = stmt.walk();
        let redirects: Vec<Node<'_>> = stmt
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        for redirect in redirects {
            let file = match redirect.kind() {
                "file_redirect" => Some(redirect),
                "heredoc_redirect" => {
                    let mut c = redirect.walk();
                    redirect
                        .named_children(&mut c)
                        .find(|n| n.kind() == "file_redirect")
                }
                _ => None,
            };
            let Some(file) = file else { continue };
            let mut c = file.walk();
            let mut op = "";
            let mut fd_ok = true;
            for child in file.children(&mut c) {
                if child.kind() == "file_descriptor" {
                    fd_ok = self.text(child) == "1";
                } else if !child.is_named() {
                    op = self.text(child);
                }
            }
            let append = match op {
                ">>" | "&>>" => true,
                ">" | ">|" | "&>" => false,
                _ => continue,
            };
            if !fd_ok {
                continue;
            }
            let Some(dest) = file.child_by_field_name("destination") else {
                continue;
            };
            return Some(Dest {
                id: file.id(),
                path: unquote(self.text(dest)),
                append,
                tee: false,
                transformed: false,
            });
        }
        None
    }

    fn echo(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        let Some(dest) = self.destination(node) else {
            return;
        };
        let mut content_args = args
            .iter()
            .skip_while(|a| {
                let t = self.text(**a);
                t.len() > 1
                    && t.starts_with('-')
                    && t[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
            })
            .peekable();
        let Some(first) = content_args.peek().copied() else {
            self.begin_write(&dest);
            return;
        };
        let content: Vec<String> = content_args.map(|a| unquote(self.text(*a))).collect();
        let content = content.join(" ");
        self.write_content(&dest, &content, *first, WriteVia::DotenvEcho);
    }

    fn printf(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        let Some(dest) = self.destination(node) else {
            return;
        };
        let Some((format_node, values)) = args.split_first() else {
            self.begin_write(&dest);
            return;
        };
        let format = unquote(self.text(*format_node));
        let values: Vec<String> = values.iter().map(|v| unquote(self.text(*v))).collect();
        if !format.contains('=') {
            // `printf '%s\n' "A=1" "B=2"` / `printf '%s' "$ENV_FILE"`: the
            // arguments are the content.
            let content = values.join("\n");
            let at = args.get(1).copied().unwrap_or(*format_node);
            self.write_content(&dest, &content, at, WriteVia::DotenvPrintf);
            return;
        }
        self.begin_write(&dest);
        let sink = self.sink(&dest);
        let mut next_value = 0;
        for line in format.split('\n').flat_map(|l| l.split("\\n")) {
            let specs = conversions(line);
            let line_values: Vec<&str> = (0..specs)
                .filter_map(|i| values.get(next_value + i).map(String::as_str))
                .collect();
            next_value += specs;
            let Some((key, rest)) = split_key(line) else {
                continue;
            };
            // A line with a conversion has it after the `=` (no key holds
            // a `%`): its first value is the key's.
            let source = match line_values.first() {
                Some(value) => self.value_source(value),
                None => self.value_source(rest),
            };
            self.push_write(
                key.to_string(),
                *format_node,
                dest.via(WriteVia::DotenvPrintf),
                source,
                sink.clone(),
            );
        }
    }

    fn cat(&mut self, node: Node<'_>, _args: &[Node<'_>]) {
        let Some(dest) = self.destination(node) else {
            return;
        };
        let Some(body) = self.heredoc_body(node) else {
            // `cat a b > .env`: content unknown.
            self.begin_write(&dest);
            return;
        };
        let content = self.heredoc_text(body);
        self.write_content(&dest, &content, body, WriteVia::DotenvHeredoc);
    }

    /// The heredoc fed to a command, if any.
    fn heredoc_body<'t>(&self, cmd: Node<'t>) -> Option<Node<'t>> {
        let parent = cmd
            .parent()
            .filter(|p| p.kind() == "redirected_statement")?;
        let mut cursor = parent.walk();
        let redirects: Vec<Node<'t>> = parent
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        redirects
            .into_iter()
            .filter(|r| r.kind() == "heredoc_redirect")
            .find_map(|r| {
                let mut c = r.walk();
                r.named_children(&mut c)
                    .find(|n| n.kind() == "heredoc_body")
            })
    }

    fn heredoc_text(&self, body: Node<'_>) -> String {
        strip_heredoc_tabs(self.text(body), self.is_dash_heredoc(body))
    }

    fn begin_write(&mut self, dest: &Dest) {
        if !self.opened.insert(dest.id) {
            return;
        }
        if !dest.append && !is_github_env(&dest.path) {
            self.facts.events.push(ScriptEvent::Truncate {
                sink: dest.path.clone(),
                remote: self.ctx.remote,
            });
        }
    }

    /// The sink of a file write: `None` for `$GITHUB_ENV`.
    fn sink(&self, dest: &Dest) -> Option<String> {
        (!is_github_env(&dest.path)).then(|| dest.path.clone())
    }

    /// `KEY=VALUE` lines written to `dest`, starting at `at`'s row.
    fn write_content(&mut self, dest: &Dest, content: &str, at: Node<'_>, via: WriteVia) {
        self.begin_write(dest);
        let github_env = is_github_env(&dest.path);
        let via = dest.via(via);
        let sink = self.sink(dest);
        let base = at.start_position();
        let mut wrote_key = false;
        let mut other: Vec<&str> = Vec::new();
        // `echo "  KEY: value" >> app.yaml`: env appended to a YAML manifest.
        let split: fn(&str) -> Option<(&str, &str)> = if is_yaml_name(&dest.path) {
            split_yaml_key
        } else {
            split_key
        };
        for (i, line) in content.split('\n').enumerate() {
            let row = self.row_offset + base.row as u32 + i as u32;
            let column = if i == 0 { base.column as u32 } else { 0 };
            for piece in line.split("\\n") {
                let piece = piece.trim();
                if piece.is_empty() || piece.starts_with('#') {
                    continue;
                }
                if let Some(m) = self.multiline.as_mut().filter(|_| github_env) {
                    if piece == m.delim {
                        self.multiline = None;
                    } else if !m.has_source {
                        m.has_source = true;
                        let event = m.event;
                        let source = self.value_source(piece);
                        if let Some(ScriptEvent::Write(w)) = self.facts.events.get_mut(event) {
                            w.source = source;
                        }
                    }
                    continue;
                }
                if github_env && let Some((key, delim)) = split_multiline(piece) {
                    self.multiline = Some(Multiline {
                        delim: delim.to_string(),
                        event: self.facts.events.len(),
                        has_source: false,
                    });
                    self.facts.events.push(ScriptEvent::Write(ScriptWrite {
                        key: key.to_string(),
                        row,
                        column,
                        via,
                        source: Source::Unknown,
                        sink: None,
                        remote: self.ctx.remote,
                    }));
                    continue;
                }
                match split(piece) {
                    Some((key, value)) => {
                        let source = self.value_source(value);
                        self.facts.events.push(ScriptEvent::Write(ScriptWrite {
                            key: key.to_string(),
                            row,
                            column,
                            via,
                            source,
                            sink: sink.clone(),
                            remote: self.ctx.remote,
                        }));
                        wrote_key = true;
                    }
                    None => other.push(piece),
                }
            }
        }
        // One lone value and no keys: the file's keys live inside that value
        // ($GITHUB_ENV holds no file, and its multiline keys are keys).
        if !wrote_key
            && !github_env
            && let [value] = other.as_slice()
            && let Some(source) = self.lone_value_source(value)
        {
            self.facts.events.push(ScriptEvent::Opaque {
                row: self.row_offset + base.row as u32,
                column: base.column as u32,
                source,
                sink: dest.path.clone(),
                remote: self.ctx.remote,
            });
        }
    }

    /// The source of a word that is a single expression or variable.
    fn lone_value_source(&self, value: &str) -> Option<Source> {
        let value = value.trim().trim_matches('"');
        let ph = placeholders(value);
        if ph.len() == 1
            && value
                .trim_end_matches('_')
                .starts_with(crate::collect::workflow::expr::PLACEHOLDER_PREFIX)
        {
            return Some(self.placeholder_source(ph[0]));
        }
        let name = value.strip_prefix('$')?;
        let name = name
            .strip_prefix('{')
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(name);
        is_identifier(name).then(|| self.var_source(name))
    }

    fn placeholder_source(&self, n: usize) -> Source {
        match self.ctx.placeholders.get(n) {
            Some(Source::Env(name)) => self.var_source(name),
            Some(s) => s.clone(),
            None => Source::Unknown,
        }
    }

    fn var_source(&self, name: &str) -> Source {
        self.locals
            .get(name)
            .or_else(|| self.ctx.env.get(name))
            .cloned()
            .unwrap_or_else(|| Source::Env(name.to_string()))
    }

    /// Where a written value comes from; never keeps the value.
    fn value_source(&self, value: &str) -> Source {
        let value = value.trim();
        if let Some(&n) = placeholders(value).first() {
            return self.placeholder_source(n);
        }
        if value.contains("$(") || value.contains('`') {
            return Source::Unknown;
        }
        match first_variable(value) {
            Some(name) => self.var_source(name),
            None => Source::Literal,
        }
    }

    fn ssh(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        const WITH_VALUE: &str = "bcDEeFIiJLlmOopQRSWw";
        let mut i = 0;
        let mut host_seen = false;
        let mut command: Vec<Node<'_>> = Vec::new();
        while i < args.len() {
            let text = self.text(args[i]);
            if !host_seen {
                if let Some(flag) = text.strip_prefix('-') {
                    if flag.len() == 1 && WITH_VALUE.contains(flag) {
                        i += 1;
                    }
                } else {
                    host_seen = true;
                }
            } else {
                command.push(args[i]);
            }
            i += 1;
        }
        let remote = ScriptContext {
            remote: true,
            arrays: self.arrays.clone(),
            ..self.ctx.clone()
        };
        if let Some(first) = command.first() {
            let inner: Vec<String> = command.iter().map(|a| unquote(self.text(*a))).collect();
            analyze_into(
                &inner.join(" "),
                &remote,
                self.row(*first),
                self.depth + 1,
                self.facts,
            );
        }
        if let Some(parent) = node.parent().filter(|p| p.kind() == "redirected_statement") {
            let mut cursor = parent.walk();
            let bodies: Vec<Node<'_>> = parent
                .children_by_field_name("redirect", &mut cursor)
                .filter(|r| r.kind() == "heredoc_redirect")
                .filter_map(|r| {
                    let mut c = r.walk();
                    r.named_children(&mut c)
                        .find(|n| n.kind() == "heredoc_body")
                })
                .collect();
            for body in bodies {
                let text = strip_heredoc_tabs(self.text(body), self.is_dash_heredoc(body));
                analyze_into(&text, &remote, self.row(body), self.depth + 1, self.facts);
            }
        }
    }

    fn is_dash_heredoc(&self, body: Node<'_>) -> bool {
        body.parent()
            .is_some_and(|r| self.text(r).starts_with("<<-"))
    }

    /// `aws ssm send-command --parameters commands=[…]`: each command string
    /// is shell run on the instance.
    fn ssm(&mut self, args: &[Node<'_>]) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        if !(words.iter().any(|w| w == "ssm") && words.iter().any(|w| w == "send-command")) {
            return;
        }
        for (i, word) in words.iter().enumerate() {
            let (value, node) = if word == "--parameters" {
                match (words.get(i + 1), args.get(i + 1)) {
                    (Some(v), Some(n)) => (v.as_str(), *n),
                    _ => continue,
                }
            } else if let Some(v) = word.strip_prefix("--parameters=") {
                (v, args[i])
            } else {
                continue;
            };
            let Some(script) = ssm_commands_script(value) else {
                continue;
            };
            let remote = ScriptContext {
                remote: true,
                arrays: self.arrays.clone(),
                ..self.ctx.clone()
            };
            analyze_into(&script, &remote, self.row(node), self.depth + 1, self.facts);
        }
    }

    /// `sops -d FILE > .env`: the file written holds FILE's keys. What any
    /// other sops command writes (YAML, JSON, one `--extract`ed value) is
    /// unknown, as for any command.
    fn sops(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        let Some(dest) = self.destination(node) else {
            return;
        };
        self.begin_write(&dest);
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        if self.ctx.remote
            || dest.append
            || dest.transformed
            || is_github_env(&dest.path)
            || !refs
                .iter()
                .any(|w| matches!(*w, "-d" | "--decrypt" | "decrypt"))
            || !flag_values(&refs, &["--extract"]).is_empty()
        {
            return;
        }
        let mut file = None;
        let mut previous = "";
        for word in &refs {
            let takes_value = SOPS_VALUE_FLAGS.contains(&previous);
            if !word.starts_with('-') && !takes_value && *word != "decrypt" {
                file = Some(*word);
            }
            previous = word;
        }
        let Some(file) = file else {
            return;
        };
        // sops writes what it reads unless told otherwise, and infers the
        // type from the file's extension.
        let output = flag_values(&refs, &["--output-type"])
            .first()
            .or(flag_values(&refs, &["--input-type"]).first())
            .copied()
            .unwrap_or(if file.ends_with(".env") { "dotenv" } else { "" });
        if output != "dotenv" {
            return;
        }
        let pos = node.start_position();
        self.facts.decrypts.push(Decrypt {
            file: file.to_string(),
            sink: dest.path.clone(),
            row: self.row_offset + pos.row as u32,
            column: pos.column as u32,
        });
    }

    /// `gcloud run deploy` / `gcloud run services update`: the env it sets
    /// on the Cloud Run service (a deploy stage of its own).
    fn gcloud(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        let sub: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.starts_with('-'))
            .take(3)
            .collect();
        if !matches!(
            sub.as_slice(),
            ["run", "deploy", ..] | ["run", "services", "update"]
        ) {
            return;
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        if let Some(file) = flag_values(&refs, &["--env-vars-file"]).first() {
            let pos = node.start_position();
            self.facts.env_vars_files.push((
                file.to_string(),
                self.row_offset + pos.row as u32,
                pos.column as u32,
            ));
        }
        for (key, source) in
            crate::collect::kubernetes::cloud_run_env_args(&refs, |v| self.value_source(v))
        {
            if is_identifier(&key) {
                self.push_write(key, node, WriteVia::CloudRun, source, None);
            }
        }
    }

    /// `fly secrets set K=V …`, `heroku config:set K=V …`, `cf set-env APP K V`:
    /// keys a platform's CLI sets on the app, each with its value's source.
    fn platform_cli(&mut self, name: &str, node: Node<'_>, args: &[Node<'_>]) {
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        let plain: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.starts_with('-'))
            .collect();
        let (via, pairs): (WriteVia, Vec<(&str, &str)>) = match (name, plain.as_slice()) {
            ("fly" | "flyctl", ["secrets", "set", rest @ ..]) => (
                WriteVia::Fly,
                rest.iter().filter_map(|w| w.split_once('=')).collect(),
            ),
            ("heroku", ["config:set", rest @ ..]) => (
                WriteVia::Heroku,
                rest.iter().filter_map(|w| w.split_once('=')).collect(),
            ),
            ("cf" | "cf7" | "cf8", ["set-env", _app, key, value, ..]) => {
                (WriteVia::CloudFoundry, vec![(*key, *value)])
            }
            _ => return,
        };
        for (key, value) in pairs {
            if is_identifier(key) {
                let source = self.value_source(value);
                self.push_write(key.to_string(), node, via, source, None);
            }
        }
    }

    /// `helm upgrade|install … --set env.K=V,extraEnv.K2=V2`: a value set
    /// under an env map of the chart's values is a key of the app's env.
    fn helm(&mut self, node: Node<'_>, args: &[Node<'_>]) {
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        if !words
            .first()
            .is_some_and(|w| w == "upgrade" || w == "install")
        {
            return;
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        for arg in flag_values(&refs, &["--set", "--set-string"]) {
            for (key, value) in helm_env_sets(arg) {
                let source = self.value_source(&value);
                self.push_write(key, node, WriteVia::Helm, source, None);
            }
        }
    }

    fn docker(&mut self, name: &str, node: Node<'_>, args: &[Node<'_>]) {
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        for expanded in self.expanded_words(&words) {
            if let Some(files) = compose_up_files(name, &expanded) {
                let pos = node.start_position();
                self.facts.compose_runs.push(ComposeRun {
                    files,
                    row: self.row_offset + pos.row as u32,
                    column: pos.column as u32,
                    remote: self.ctx.remote,
                });
            }
        }
        let sub: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.starts_with('-'))
            .take(2)
            .collect();
        let is_run = name != "docker-compose"
            && matches!(
                sub.as_slice(),
                ["run" | "create", ..] | ["container", "run" | "create", ..]
            );
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_str();
            let node = args[i];
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (word, None),
            };
            // `-eKEY=V`, and `-e=KEY=V` as Docker's flag parser reads it.
            let (flag, inline) = match flag.strip_prefix("-e").filter(|rest| !rest.is_empty()) {
                Some(rest) => (
                    "-e",
                    Some(rest.strip_prefix('=').unwrap_or(rest).to_string()),
                ),
                None => (flag, inline),
            };
            let value = |i: usize| inline.clone().or_else(|| words.get(i + 1).cloned());
            let value_node = if inline.is_some() {
                node
            } else {
                args.get(i + 1).copied().unwrap_or(node)
            };
            match flag {
                "-e" | "--env" if is_run => {
                    if let Some(v) = value(i) {
                        let (key, source) = match v.split_once('=') {
                            Some((k, val)) => (k.to_string(), self.value_source(val)),
                            None => (v.clone(), Source::Env(v.clone())),
                        };
                        if is_identifier(&key) {
                            self.push_write(key, value_node, WriteVia::DockerRunEnv, source, None);
                        }
                    }
                    i += usize::from(inline.is_none());
                }
                "--env-file" => {
                    if let Some(path) = value(i) {
                        let pos = value_node.start_position();
                        self.facts.env_file_uses.push(EnvFileUse {
                            path,
                            row: self.row_offset + pos.row as u32,
                            column: pos.column as u32,
                            docker_run: is_run,
                            remote: self.ctx.remote,
                        });
                    }
                    i += usize::from(inline.is_none());
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn ship(&mut self, args: &[Node<'_>]) {
        const WITH_VALUE: &[&str] = &["-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J", "-e"];
        let words: Vec<String> = args.iter().map(|a| unquote(self.text(*a))).collect();
        let mut skip = false;
        let mut sources = Vec::new();
        for word in &words {
            if skip {
                skip = false;
                continue;
            }
            if word.starts_with('-') {
                skip = WITH_VALUE.contains(&word.as_str());
                continue;
            }
            if !word.contains(':') {
                sources.push(word.clone());
            }
        }
        // The last word is where the copies go: `host:dir/` or `host:dir/name`.
        if let Some((_, dest)) = words.last().and_then(|w| w.split_once(':')) {
            for source in &sources {
                let into_folder = dest.is_empty() || dest.ends_with('/') || sources.len() > 1;
                let name = if into_folder {
                    basename(source)
                } else {
                    basename(dest)
                };
                self.facts.copies.push((source.clone(), name.to_string()));
            }
        }
        self.facts.shipped.extend(sources);
    }

    fn reads(&mut self, root: Node<'_>) {
        let q = &*READS;
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&q.query, root, self.src.as_bytes());
        let mut found = Vec::new();
        while let Some(m) = matches.next() {
            let expansion = m
                .captures
                .iter()
                .find(|c| c.index == q.expansion)
                .map(|c| c.node);
            let name = m
                .captures
                .iter()
                .find(|c| c.index == q.name)
                .map(|c| c.node);
            if let (Some(expansion), Some(name)) = (expansion, name) {
                found.push((expansion, name));
            }
        }
        for (expansion, name_node) in found {
            let name = self.text(name_node);
            if !is_identifier(name) || SHELL_VARIABLES.contains(&name) {
                continue;
            }
            let at = expansion.start_byte();
            if self.assigned.get(name).is_some_and(|from| *from <= at) {
                continue;
            }
            let text = self.text(expansion);
            let (required, default, has_default) = expansion_default(text, name);
            let pos = expansion.start_position();
            self.facts.reads.push(ShellRead {
                name: name.to_string(),
                row: self.row_offset + pos.row as u32,
                column: pos.column as u32,
                required,
                default,
                has_default,
            });
        }
    }
}

/// Variables the shell itself sets: never env keys of the app.
const SHELL_VARIABLES: &[&str] = &[
    "HOME",
    "PWD",
    "OLDPWD",
    "PATH",
    "USER",
    "HOSTNAME",
    "SHELL",
    "IFS",
    "RANDOM",
    "LINENO",
    "SECONDS",
    "PPID",
    "UID",
    "EUID",
    "BASH_SOURCE",
    "BASH_VERSION",
    "FUNCNAME",
    "PIPESTATUS",
    "REPLY",
    "OPTARG",
    "OPTIND",
];

/// The files of a compose command that starts the project (`up`, `stack
/// deploy`), in order; `None` for any other command (`build`, `run`, `down`).
fn compose_up_files(name: &str, words: &[String]) -> Option<Vec<String>> {
    let mut rest = words.iter().map(String::as_str).peekable();
    let stack = match name {
        "docker-compose" => false,
        _ => match rest.next()? {
            "compose" => false,
            "stack" => true,
            _ => return None,
        },
    };
    let mut files = Vec::new();
    let mut found = false;
    while let Some(word) = rest.next() {
        let (flag, inline) = match word.split_once('=') {
            // `--file=a.yml`, and `-f=a.yml` as Docker's flag parser reads it.
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (word, None),
        };
        let is_file = if stack {
            matches!(flag, "-c" | "--compose-file")
        } else {
            matches!(flag, "-f" | "--file")
        };
        if is_file {
            if let Some(file) = inline.or_else(|| rest.next()) {
                files.push(file.to_string());
            }
            continue;
        }
        if flag.starts_with('-') {
            // Global flags that take a value: skip it, it is not the subcommand.
            if inline.is_none()
                && matches!(
                    flag,
                    "-p" | "--project-name"
                        | "--env-file"
                        | "--profile"
                        | "--project-directory"
                        | "--context"
                )
            {
                rest.next();
            }
            continue;
        }
        if stack {
            // `docker stack deploy -c a.yml NAME`: the files follow the subcommand.
            found |= flag == "deploy";
            continue;
        }
        found = flag == "up";
        break;
    }
    found.then_some(files)
}

/// `node` runs only on some paths through the script: inside an `if`, a
/// `case` branch, a loop, or after `&&` / `||`. A function body is not
/// counted as such: it is written to be called.
fn is_conditional(node: Node<'_>) -> bool {
    let mut at = node.parent();
    while let Some(n) = at {
        match n.kind() {
            "if_statement"
            | "elif_clause"
            | "else_clause"
            | "case_item"
            | "while_statement"
            | "for_statement"
            | "c_style_for_statement"
            | "list" => return true,
            "function_definition" | "program" => return false,
            _ => at = n.parent(),
        }
    }
    false
}

/// The array a word expands whole: `${NAME[@]}` or `${NAME[*]}` (quoted or not).
fn array_expansion(word: &str) -> Option<&str> {
    let inner = word.strip_prefix("${")?.strip_suffix('}')?;
    let name = inner
        .strip_suffix("[@]")
        .or_else(|| inner.strip_suffix("[*]"))?;
    is_identifier(name).then_some(name)
}

fn is_github_env(path: &str) -> bool {
    matches!(path, "$GITHUB_ENV" | "${GITHUB_ENV}")
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `KEY=rest` (an optional `export ` before it).
fn split_key(line: &str) -> Option<(&str, &str)> {
    let line = line
        .trim()
        .strip_prefix("export ")
        .unwrap_or(line.trim())
        .trim_start();
    let (key, rest) = line.split_once('=')?;
    is_identifier(key).then_some((key, rest))
}

fn is_yaml_name(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// `KEY: value`, a line of a YAML mapping (quotes around the value are the
/// value's own: the source is read from what is inside them).
fn split_yaml_key(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.trim().split_once(':')?;
    let value = rest.strip_prefix(' ')?.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    is_identifier(key).then_some((key, value))
}

/// The values of `--flag V` / `--flag=V` among a command's words, for any
/// of `flags`, in order; a word taken as a value is not read as a flag.
fn flag_values<'w>(words: &[&'w str], flags: &[&str]) -> Vec<&'w str> {
    let mut values = Vec::new();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (*word, None),
        };
        if flags.contains(&flag)
            && let Some(value) = inline.or_else(|| rest.next().copied())
        {
            values.push(value);
        }
    }
    values
}

/// The env keys of one `--set` argument (`env.K=V,app.env.K2=V2`): values
/// set directly under an env-like map of the chart's values.
fn helm_env_sets(arg: &str) -> Vec<(String, String)> {
    arg.split(',')
        .filter_map(|pair| {
            let (path, value) = pair.split_once('=')?;
            let (parent, key) = path.rsplit_once('.')?;
            let map = parent.rsplit('.').next().unwrap_or(parent);
            let env_like =
                ["env", "envVars", "extraEnv", "environment", "extraEnvVars"].contains(&map);
            (env_like && is_identifier(key)).then(|| (key.to_string(), value.to_string()))
        })
        .collect()
}

/// `KEY<<DELIM`, the `$GITHUB_ENV` multi-line form.
fn split_multiline(line: &str) -> Option<(&str, &str)> {
    let (key, delim) = line.split_once("<<")?;
    (is_identifier(key) && !delim.is_empty() && !delim.contains(char::is_whitespace))
        .then_some((key, delim))
}

/// The `%` conversions of a printf format line (`%%` is not one).
fn conversions(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if bytes.get(i + 1) == Some(&b'%') {
                i += 2;
                continue;
            }
            n += 1;
        }
        i += 1;
    }
    n
}

/// The first `$NAME` / `${NAME…}` in a value.
fn first_variable(value: &str) -> Option<&str> {
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let after = after.strip_prefix('{').unwrap_or(after);
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let name = &after[..len];
        if is_identifier(name) {
            return Some(name);
        }
        rest = after;
    }
    None
}

/// (required, literal default, has default) of `${K…}` / `$K`.
fn expansion_default(text: &str, name: &str) -> (bool, Option<String>, bool) {
    let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) else {
        return (false, Some(String::new()), false);
    };
    let Some(op_and_word) = inner.strip_prefix(name) else {
        // `${#K}`, `${!K}`: a read with no default.
        return (false, Some(String::new()), false);
    };
    for (op, required) in [
        (":-", false),
        (":=", false),
        (":?", true),
        ("-", false),
        ("=", false),
        ("?", true),
    ] {
        if let Some(word) = op_and_word.strip_prefix(op) {
            if required {
                return (true, None, false);
            }
            let word = unquote(word);
            return if word.contains('$') || word.contains('`') {
                (false, None, true)
            } else {
                (false, Some(word), true)
            };
        }
    }
    (false, Some(String::new()), false)
}

fn strip_heredoc_tabs(text: &str, dash: bool) -> String {
    if !dash {
        return text.to_string();
    }
    text.split('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Remove shell quoting from a word as written: `'…'` kept literally,
/// `"…"` with `\"`, `\\`, `\$`, `` \` `` unescaped, backslashes outside
/// quotes dropped. Expansions stay as written. Newlines are kept, so rows
/// counted in the result match the source.
pub fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.peek() {
                Some(&n @ ('"' | '\\' | '$' | '`')) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            (None, '\\') => {
                if let Some(n) = chars.next()
                    && n != '\n'
                {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// The `commands` of an SSM `--parameters` value (`commands=[…]`,
/// `{"commands":[…]}`), laid out as one script whose rows match the rows of
/// the value: each command starts on the row its string starts on.
fn ssm_commands_script(value: &str) -> Option<String> {
    let at = value.find("commands")?;
    let open = at + value[at..].find('[')?;
    let mut script = String::new();
    let mut row = 0usize;
    let mut script_row = 0usize;
    let bytes = value.as_bytes();
    // From the `[` itself: it matches no arm below.
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => row += 1,
            b']' => break,
            b'"' => {
                let (command, end) = json_string(value, i + 1);
                // A command on the row the last one ended on follows it
                // after `;`: a newline would push every later row down, past
                // the end of the script (found by the shell fuzz target).
                if !script.is_empty() {
                    if script_row < row {
                        script.push('\n');
                        script_row += 1;
                    } else {
                        script.push_str("; ");
                    }
                }
                while script_row < row {
                    script.push('\n');
                    script_row += 1;
                }
                script_row += command.matches('\n').count();
                script.push_str(&command);
                row += value[i..end].matches('\n').count();
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Some(script)
}

/// A JSON string's contents from `start` (after the quote), and the byte
/// after its closing quote. `\n` stays a two-character escape so rows do not
/// move; `echo -e` lines are split on it anyway.
fn json_string(text: &str, start: usize) -> (String, usize) {
    let mut out = String::new();
    let mut chars = text[start..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, start + i + 1),
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, '/')) => out.push('/'),
                Some((_, 't')) => out.push('\t'),
                Some((_, n)) => {
                    out.push('\\');
                    out.push(n);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    (out, text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::workflow::expr::substitute;

    /// Analyse a workflow-style script: expressions become placeholders.
    fn run(script: &str, env: &[(&str, Source)]) -> ScriptFacts {
        let (text, placeholders) = substitute(script);
        let ctx = ScriptContext {
            env: env
                .iter()
                .map(|(k, s)| (k.to_string(), s.clone()))
                .collect(),
            placeholders,
            remote: false,
            arrays: HashMap::new(),
        };
        analyze(&text, &ctx)
    }

    fn writes(facts: &ScriptFacts) -> Vec<(String, String, u32, WriteVia, Option<String>, bool)> {
        facts
            .events
            .iter()
            .filter_map(|e| match e {
                ScriptEvent::Write(w) => Some((
                    w.key.clone(),
                    w.source.label(),
                    w.row,
                    w.via,
                    w.sink.clone(),
                    w.remote,
                )),
                _ => None,
            })
            .collect()
    }

    fn keys(facts: &ScriptFacts) -> Vec<(String, String)> {
        writes(facts).into_iter().map(|w| (w.0, w.1)).collect()
    }

    fn key_names(facts: &ScriptFacts) -> Vec<String> {
        writes(facts).into_iter().map(|w| w.0).collect()
    }

    /// A script nested `depth` deep that starts on row `row_offset` of its host's.
    fn analyze_at(script: &str, row_offset: u32, depth: usize) -> ScriptFacts {
        let mut facts = ScriptFacts::default();
        analyze_into(
            script,
            &ScriptContext::default(),
            row_offset,
            depth,
            &mut facts,
        );
        facts
    }

    /// The context of a script run on a deploy host.
    fn on_host() -> ScriptContext {
        ScriptContext {
            remote: true,
            ..ScriptContext::default()
        }
    }

    fn secret(n: &str) -> Source {
        Source::Secret(n.into())
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn echo_appends_and_truncates() {
        let f = run(
            "echo \"A=${{ secrets.A }}\" > .env\necho B=${{secrets.B}} >> .env\necho -e \"\\nC=x\" >> app.env",
            &[],
        );
        let w = writes(&f);
        assert_eq!(
            keys(&f),
            kv(&[("A", "secrets.A"), ("B", "secrets.B"), ("C", "literal")])
        );
        assert_eq!(
            (w[1].2, w[1].3, w[1].4.as_deref()),
            (1, WriteVia::DotenvEcho, Some(".env"))
        );
        assert_eq!(
            f.events[0],
            ScriptEvent::Truncate {
                sink: ".env".into(),
                remote: false
            }
        );
    }

    #[test]
    fn key_and_secret_names_differ() {
        let f = run(
            "echo \"DJANGO_SECRET_KEY=${{ secrets.DEV_DJANGO_SECRET_KEY }}\" >> .env",
            &[],
        );
        assert_eq!(
            keys(&f),
            kv(&[("DJANGO_SECRET_KEY", "secrets.DEV_DJANGO_SECRET_KEY")])
        );
    }

    #[test]
    fn variables_resolve_through_env_and_locals() {
        let f = run(
            "X=${{ secrets.LOCAL }}\necho \"A=$VAR\" >> .env && echo \"B=$X\" >> .env\necho \"C=$(date)\" >> .env\necho \"D=$OTHER\" >> .env",
            &[("VAR", secret("S"))],
        );
        assert_eq!(
            keys(&f),
            kv(&[
                ("A", "secrets.S"),
                ("B", "secrets.LOCAL"),
                ("C", "unknown"),
                ("D", "env.OTHER")
            ])
        );
    }

    #[test]
    fn printf_maps_each_key_to_its_argument() {
        let f = run(
            "printf \"A=%s\\nB=%s\\nC=lit\\n\" \"$A\" \"${{ secrets.B }}\" > .env",
            &[("A", secret("SA"))],
        );
        assert_eq!(
            keys(&f),
            kv(&[("A", "secrets.SA"), ("B", "secrets.B"), ("C", "literal")])
        );
        assert!(writes(&f).iter().all(|w| w.3 == WriteVia::DotenvPrintf));
        assert!(writes(&f).iter().all(|w| w.4.as_deref() == Some(".env")));
        // Two conversions on a line: the next line's value is the third argument.
        let f = run(
            "printf 'A=%s-%s\\nB=%s\\n' \"${{ secrets.X }}\" y \"${{ secrets.B }}\" >> \"$GITHUB_ENV\"",
            &[],
        );
        assert_eq!(keys(&f), kv(&[("A", "secrets.X"), ("B", "secrets.B")]));
        assert!(
            writes(&f)
                .iter()
                .all(|w| w.3 == WriteVia::GithubEnv && w.4.is_none())
        );
        // Through tee, the file is written the tee way.
        let f = run("printf 'A=%s\\n' x | tee -a .env", &[]);
        assert_eq!(writes(&f)[0].3, WriteVia::DotenvTee);
    }

    #[test]
    fn tee_heredoc_and_groups() {
        let f = run(
            "echo \"A=1\" | tee -a .env\ncat <<EOF > .env.prod\nB=${{ secrets.B }}\nEOF\ncat > .env <<-'EOF'\n\tC=$C\n\tEOF\n{ echo D=1; echo E=2; } >> x.env\n",
            &[],
        );
        let w = writes(&f);
        let got: Vec<(&str, u32, WriteVia)> = w.iter().map(|w| (w.0.as_str(), w.2, w.3)).collect();
        assert_eq!(
            got,
            [
                ("A", 0, WriteVia::DotenvTee),
                ("B", 2, WriteVia::DotenvHeredoc),
                ("C", 5, WriteVia::DotenvHeredoc),
                ("D", 7, WriteVia::DotenvEcho),
                ("E", 7, WriteVia::DotenvEcho),
            ]
        );
        assert_eq!(w[1].1, "secrets.B");
    }

    #[test]
    fn heredoc_piped_into_sudo_tee() {
        let f = run(
            "cat <<EOF | sudo tee /srv/app/.env > /dev/null\nA=${{ secrets.A }}\nB=2\nEOF\n",
            &[],
        );
        let w = writes(&f);
        let got: Vec<(&str, &str, u32, WriteVia, Option<&str>)> = w
            .iter()
            .map(|w| (w.0.as_str(), w.1.as_str(), w.2, w.3, w.4.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "A",
                    "secrets.A",
                    1,
                    WriteVia::DotenvTee,
                    Some("/srv/app/.env")
                ),
                (
                    "B",
                    "literal",
                    2,
                    WriteVia::DotenvTee,
                    Some("/srv/app/.env")
                ),
            ]
        );
    }

    #[test]
    fn github_env_single_and_multiline() {
        let f = run(
            "echo \"A=${{ vars.A }}\" >> $GITHUB_ENV\necho \"B<<EOF\" >> \"$GITHUB_ENV\"\necho \"${{ secrets.B }}\" >> \"$GITHUB_ENV\"\necho EOF >> \"$GITHUB_ENV\"",
            &[],
        );
        let w = writes(&f);
        assert_eq!(keys(&f), kv(&[("A", "vars.A"), ("B", "secrets.B")]));
        assert!(
            w.iter()
                .all(|w| w.3 == WriteVia::GithubEnv && w.4.is_none())
        );
    }

    #[test]
    fn opaque_env_files() {
        for script in [
            "echo \"${{ secrets.ENV_FILE }}\" > .env",
            "echo \"$ENV_FILE\" | base64 -d > .env",
            "printf '%s' \"${{ secrets.ENV_FILE }}\" > .env",
            "cat <<EOF > .env\n${{ secrets.ENV_FILE }}\nEOF",
        ] {
            let f = run(script, &[("ENV_FILE", secret("ENV_FILE"))]);
            assert!(writes(&f).is_empty(), "{script}");
            let opaque: Vec<&ScriptEvent> = f
                .events
                .iter()
                .filter(|e| matches!(e, ScriptEvent::Opaque { .. }))
                .collect();
            assert!(
                matches!(opaque.as_slice(), [ScriptEvent::Opaque { source: Source::Secret(s), sink, .. }] if s == "ENV_FILE" && sink == ".env"),
                "{script}: {:?}",
                f.events
            );
        }
        let opaque_rows = |script: &str| -> Vec<u32> {
            run(script, &[])
                .events
                .iter()
                .filter_map(|e| match e {
                    ScriptEvent::Opaque { row, .. } => Some(*row),
                    _ => None,
                })
                .collect()
        };
        // On the line it is written.
        assert_eq!(
            opaque_rows("echo start\necho \"${{ secrets.ENV_FILE }}\" > .env"),
            [1]
        );
        // A file with keys of its own, or a value inside other text, is no
        // file held whole in one value.
        assert!(opaque_rows("echo -e \"A=1\\n${{ secrets.ENV_FILE }}\" > .env").is_empty());
        assert!(opaque_rows("echo \"Hello ${{ github.actor }}\" > greeting.txt").is_empty());
    }

    #[test]
    fn the_first_line_of_a_write_keeps_its_column_and_the_next_start_at_zero() {
        let f = run("  echo \"A=1\nB=2\" >> .env\n", &[]);
        let at: Vec<(u32, u32)> = f
            .events
            .iter()
            .filter_map(|e| match e {
                ScriptEvent::Write(w) => Some((w.row, w.column)),
                _ => None,
            })
            .collect();
        assert_eq!(at, [(0, 7), (1, 0)]);
    }

    #[test]
    fn ssh_strings_and_heredocs_are_remote() {
        let f = run(
            "ssh -i key user@host 'cd app && echo \"A=1\" >> .env'\nssh host \"echo \\\"B=${{ secrets.B }}\\\" >> .env\"\nssh host <<'EOF'\n  export C=${{ secrets.C }}\nEOF\n",
            &[],
        );
        let w = writes(&f);
        let got: Vec<(&str, u32, WriteVia, bool)> =
            w.iter().map(|w| (w.0.as_str(), w.2, w.3, w.5)).collect();
        assert_eq!(
            got,
            [
                ("A", 0, WriteVia::DotenvEcho, true),
                ("B", 1, WriteVia::DotenvEcho, true),
                ("C", 3, WriteVia::RemoteExport, true)
            ]
        );
        assert_eq!(w[2].1, "secrets.C");
    }

    #[test]
    fn ssm_commands_rows_point_at_their_lines() {
        let script = "aws ssm send-command --instance-ids \"${{ secrets.EC2_INSTANCE_ID }}\" --document-name \"AWS-RunShellScript\" \\\n  --parameters commands='[\n    \"cd /home/ubuntu/app\",\n    \"echo \\\"DATABASE_URL=${{ secrets.DATABASE_URL }}\\\" > .env\",\n    \"echo \\\"SECRET_KEY=${{ secrets.SECRET_KEY }}\\\" >> .env\",\n    \"docker-compose pull && docker-compose up -d\"\n  ]'\n";
        let f = run(script, &[]);
        let w = writes(&f);
        let got: Vec<(&str, &str, u32, bool)> = w
            .iter()
            .map(|w| (w.0.as_str(), w.1.as_str(), w.2, w.5))
            .collect();
        assert_eq!(
            got,
            [
                ("DATABASE_URL", "secrets.DATABASE_URL", 3, true),
                ("SECRET_KEY", "secrets.SECRET_KEY", 4, true)
            ]
        );

        let variant = "aws ssm send-command --parameters 'commands=[\"echo A=${{ secrets.A }} > /app/.env\",\"echo B=1 >> /app/.env\"]'";
        assert_eq!(
            keys(&run(variant, &[])),
            kv(&[("A", "secrets.A"), ("B", "literal")])
        );
        let json = "aws ssm send-command --parameters '{\"commands\":[\"echo A=1 > .env\"]}'";
        assert_eq!(keys(&run(json, &[])), kv(&[("A", "literal")]));
        // The value on the line after `--parameters`: its rows count from there.
        let split =
            "aws ssm send-command \\\n  --parameters \\\n  'commands=[\"echo A=1 >> .env\"]'\n";
        assert_eq!(writes(&run(split, &[]))[0].2, 2);
        // Only `ssm send-command` sends commands.
        for other in [
            "aws ssm describe-instance-information --parameters 'commands=[\"echo A=1 >> .env\"]'",
            "aws ecs send-command --parameters 'commands=[\"echo A=1 >> .env\"]'",
        ] {
            assert!(writes(&run(other, &[])).is_empty(), "{other}");
        }
        // The runner expands the command's arrays before sending it.
        let arrays = "FILES=(-f a.yml)\naws ssm send-command --parameters \"commands=[\\\"docker compose ${FILES[*]} up -d\\\"]\"\n";
        assert_eq!(files(arrays), [vec!["a.yml".to_string()]]);
    }

    #[test]
    fn ssm_commands_sharing_a_row_keep_every_row_inside_the_script() {
        // Two commands on one row, then one per row: each write keeps the
        // row its string is on (the fuzz target's crash put them past the end).
        let script = "aws ssm send-command --parameters 'commands=[\"echo A=1 > .env\", \"echo B=1 >> .env\",\n\"echo C=1 >> .env\"]'";
        let f = run(script, &[]);
        let written = writes(&f);
        let rows: Vec<(&str, u32)> = written.iter().map(|w| (w.0.as_str(), w.2)).collect();
        assert_eq!(rows, [("A", 0), ("B", 0), ("C", 1)]);
        // The fuzz input itself: a stray quote that opens another string.
        let crash = "aws ssm send-command --document-name \"AWS-RunShellScript\" \\\n  --parameters commands='[\n    \"cd /app\",\n    \"echo \\\"DATABASE_URL=1\\\" > .\"AWS\" \\\n  --parameters commands='[\n    \"echo \\\"X=1\\\" > .env\",\n    \"env\",\n  '\n";
        let lines = crash.lines().count() as u32;
        let f = run(crash, &[]);
        assert!(f.reads.iter().all(|r| r.row <= lines), "{:?}", f.reads);
        assert!(writes(&f).iter().all(|w| w.2 <= lines), "{:?}", writes(&f));
    }

    #[test]
    fn deeply_nested_substitutions_are_refused_and_real_nesting_is_read() {
        let deep = format!("echo {}x{}\n", "$(".repeat(20_000), ")".repeat(20_000));
        let f = run(&deep, &[]);
        assert_eq!(f.errors.len(), 1);
        assert!(f.errors[0].1.contains("nested deeper"), "{:?}", f.errors);
        // Real nesting is read as usual.
        let fine = format!(
            "echo \"K={}x{}\" >> .env\n",
            "$(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        assert!(run(&fine, &[]).errors.is_empty());
        assert_eq!(keys(&run(&fine, &[])).len(), 1);
    }

    #[test]
    fn gcloud_run_deploy_env() {
        let f = run(
            "gcloud run deploy api --image x --region eu \\\n  --set-env-vars DEBUG=false,DB_URL=${{ secrets.DB_URL }} \\\n  --update-secrets SECRET_KEY=django-key:latest",
            &[],
        );
        assert_eq!(
            keys(&f),
            kv(&[
                ("DEBUG", "literal"),
                ("DB_URL", "secrets.DB_URL"),
                ("SECRET_KEY", "unknown")
            ])
        );
        assert!(
            writes(&f)
                .iter()
                .all(|w| w.3 == WriteVia::CloudRun && w.4.is_none())
        );
        assert!(writes(&run("gcloud run services list", &[])).is_empty());
        // An env file handed to the service is recorded where the command stands.
        assert_eq!(
            run(
                "echo deploying\n  gcloud run deploy api --env-vars-file=env.yaml\n",
                &[]
            )
            .env_vars_files,
            [("env.yaml".to_string(), 1, 2)]
        );
    }

    #[test]
    fn platform_clis_set_keys() {
        let f = run(
            "flyctl secrets set SECRET_KEY=${{ secrets.SECRET_KEY }} DEBUG=false --stage\nheroku config:set MAILGUN_KEY=${{ secrets.MAILGUN }} -a notes\ncf set-env registrar DJANGO_SECRET_KEY \"$KEY\"\nfly secrets list\n",
            &[("KEY", Source::Secret("DJANGO_KEY".into()))],
        );
        assert_eq!(
            keys(&f),
            kv(&[
                ("SECRET_KEY", "secrets.SECRET_KEY"),
                ("DEBUG", "literal"),
                ("MAILGUN_KEY", "secrets.MAILGUN"),
                ("DJANGO_SECRET_KEY", "secrets.DJANGO_KEY"),
            ])
        );
        let vias: Vec<WriteVia> = writes(&f).iter().map(|w| w.3).collect();
        assert_eq!(
            vias,
            [
                WriteVia::Fly,
                WriteVia::Fly,
                WriteVia::Heroku,
                WriteVia::CloudFoundry
            ]
        );
    }

    #[test]
    fn helm_set_under_an_env_map_sets_a_key() {
        let f = run(
            "helm upgrade --install shop charts/shop --set image.tag=$SHA --set env.STRIPE_API_KEY=${{ secrets.STRIPE }},app.extraEnv.LOG_LEVEL=info --set-string=env.DEBUG=false\nhelm template charts/shop --set env.NOPE=1\n",
            &[],
        );
        assert_eq!(
            keys(&f),
            kv(&[
                ("STRIPE_API_KEY", "secrets.STRIPE"),
                ("LOG_LEVEL", "literal"),
                ("DEBUG", "literal"),
            ])
        );
        assert!(writes(&f).iter().all(|w| w.3 == WriteVia::Helm));
    }

    #[test]
    fn kubectl_create_is_handed_on() {
        let f = run(
            "kubectl create secret generic api-env --from-env-file=.env --dry-run=client -o yaml | kubectl apply -f -",
            &[],
        );
        assert_eq!(f.kubectl.len(), 1);
        assert_eq!(f.kubectl[0].words[..3], ["create", "secret", "generic"]);
        assert!(run("kubectl apply -f k8s/", &[]).kubectl.is_empty());
        // Its row is the script's line, shifted to where the script starts.
        let facts = analyze_at(
            "echo start\n\nkubectl create secret generic app --from-env-file=.env\n",
            4,
            0,
        );
        assert_eq!(facts.kubectl[0].row, 6);
    }

    #[test]
    fn docker_run_env_flags() {
        let f = run(
            "docker run -e A=1 -e B --env C=${{ secrets.C }} --env-file ./prod.env img",
            &[],
        );
        let w = writes(&f);
        assert_eq!(
            keys(&f),
            kv(&[("A", "literal"), ("B", "env.B"), ("C", "secrets.C")])
        );
        assert!(w.iter().all(|w| w.3 == WriteVia::DockerRunEnv));
        assert_eq!(f.env_file_uses.len(), 1);
        assert!(f.env_file_uses[0].docker_run);
        assert_eq!(f.env_file_uses[0].path, "./prod.env");
        // Values joined to their flag, and one on a line of its own.
        let f = run(
            "docker run -eA=1 -e=B=2 --env=C=3 \\\n  -e \\\n  D=4 img",
            &[],
        );
        assert_eq!(
            writes(&f)
                .iter()
                .map(|w| (w.0.as_str(), w.1.as_str(), w.2))
                .collect::<Vec<_>>(),
            [
                ("A", "literal", 0),
                ("B", "literal", 0),
                ("C", "literal", 0),
                ("D", "literal", 2)
            ]
        );
        // `docker exec` sets the env of one command, not the container's.
        assert!(writes(&run("docker exec -e E=1 app env", &[])).is_empty());
        let compose = run("docker compose --env-file .env.deploy up -d", &[]);
        assert!(writes(&compose).is_empty());
        assert_eq!(compose.env_file_uses[0].path, ".env.deploy");
        assert!(!compose.env_file_uses[0].docker_run);
    }

    #[test]
    fn rm_truncates_and_scp_ships() {
        let f = run(
            "rm -f .env && touch .env\nscp -i k .env user@host:/app/.env",
            &[],
        );
        assert_eq!(
            f.events,
            [ScriptEvent::Truncate {
                sink: ".env".into(),
                remote: false
            }]
        );
        assert_eq!(f.shipped, [".env"]);
        let f = run(
            "rsync -avz -e ssh ./deploy/.env.prod user@host:/srv/app/",
            &[],
        );
        assert_eq!(f.shipped, ["./deploy/.env.prod"]);
    }

    #[test]
    fn sops_decrypting_a_dotenv_file_into_one_is_recorded() {
        let f = analyze(
            "cd /srv\nsops --input-type dotenv --output-type dotenv -d .env.sops > .env\nsops decrypt secrets/prod.env > app.env\nsops -d secrets.yaml > values.yaml\nsops -d --extract '[\"KEY\"]' prod.env > key.txt\nsops -d prod.env >> .env\n",
            &ScriptContext::default(),
        );
        let got: Vec<(&str, &str, u32)> = f
            .decrypts
            .iter()
            .map(|d| (d.file.as_str(), d.sink.as_str(), d.row))
            .collect();
        // YAML output, one extracted value, and an append are no dotenv file
        // sops wrote whole.
        assert_eq!(
            got,
            [(".env.sops", ".env", 1), ("secrets/prod.env", "app.env", 2)]
        );
        // Nor is output filtered on its way, or the later steps' env.
        let f = analyze(
            "sops -d .env.sops | sed 's/^/export /' > .env\nsops -d --output-type dotenv .env.sops > \"$GITHUB_ENV\"\n",
            &ScriptContext::default(),
        );
        assert!(f.decrypts.is_empty(), "{:?}", f.decrypts);
        // The file is the word no flag takes, wherever it stands.
        let f = analyze(
            "sops -d prod.env.sops --output-type dotenv > .env\nsops decrypt --input-type dotenv staging.env.sops > app.env\n",
            &ScriptContext::default(),
        );
        let files: Vec<&str> = f.decrypts.iter().map(|d| d.file.as_str()).collect();
        assert_eq!(files, ["prod.env.sops", "staging.env.sops"]);
        // On a host, what the host holds is out of view: nothing recorded.
        let remote = analyze("sops -d .env.sops > .env\n", &on_host());
        assert!(remote.decrypts.is_empty());
    }

    #[test]
    fn entrypoint_reads() {
        let f = analyze(
            "#!/bin/sh\nPORT=${PORT:-8000}\necho $PORT ${DB:?need db} ${MODE-dev} $1 $HOME\nfor f in a b; do echo $f; done\nexec gunicorn --bind 0.0.0.0:$PORT ${WORKERS}\n",
            &ScriptContext::default(),
        );
        let got: Vec<(&str, u32, bool, Option<&str>)> = f
            .reads
            .iter()
            .map(|r| (r.name.as_str(), r.row, r.required, r.default.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("PORT", 1, false, Some("8000")),
                ("DB", 2, true, None),
                ("MODE", 2, false, Some("dev")),
                ("WORKERS", 4, false, Some(""))
            ]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // Found by the hostile catalogue: the first syntax error was looked
        // for recursively, one stack frame per level of nesting.
        let depth = 100_000;
        for script in [
            "(".repeat(depth),
            "$(".repeat(depth),
            format!("{}echo A=1 >> .env{}", "(".repeat(depth), ")".repeat(depth)),
        ] {
            let f = analyze(&script, &ScriptContext::default());
            assert!(f.errors.len() <= 1);
        }
    }

    #[test]
    fn syntax_errors_are_reported_not_fatal() {
        let f = run("echo \"A=1\" >> .env\nif then fi ((\n", &[]);
        assert!(!f.errors.is_empty());
        assert_eq!(keys(&f), kv(&[("A", "literal")]));
    }

    /// The files of each compose run the script starts, in order.
    fn files(script: &str) -> Vec<Vec<String>> {
        run(script, &[])
            .compose_runs
            .into_iter()
            .map(|r| r.files)
            .collect()
    }

    #[test]
    fn compose_up_names_its_files_and_other_subcommands_do_not() {
        assert_eq!(
            files("docker compose -f base.yml --file=prod.yml -p app up -d --build"),
            [vec!["base.yml".to_string(), "prod.yml".to_string()]]
        );
        assert_eq!(files("sudo docker-compose up -d"), [Vec::<String>::new()]);
        assert_eq!(
            files("docker stack deploy -c stack.yml app"),
            [vec!["stack.yml".to_string()]]
        );
        assert!(
            files("docker compose -f a.yml build && docker compose -f a.yml run --rm web migrate")
                .is_empty()
        );
    }

    #[test]
    fn compose_files_from_arrays_give_one_run_per_branch() {
        let script = r#"
case "$1" in
  production)
    FILES=(-f "$ROOT/docker/base.yml" -f "$ROOT/docker/prod.yml") ;;
  *)
    FILES=(
      "-f" "$ROOT/docker/base.yml"  # the shared services
      "-f" "$ROOT/docker/staging.yml"
    ) ;;
esac
if [ "$GPU" = true ]; then FILES+=(-f docker/gpu.yml); fi
docker compose --env-file .env "${FILES[@]}" up -d
ssh host "cd /srv && docker compose ${FILES[*]} up -d"
"#;
        let list = |files: &[&str]| files.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        let (prod, staging) = (
            list(&["$ROOT/docker/base.yml", "$ROOT/docker/prod.yml"]),
            list(&["$ROOT/docker/base.yml", "$ROOT/docker/staging.yml"]),
        );
        let gpu = |files: &[String]| [files, &list(&["docker/gpu.yml"])].concat();
        // The `if` may or may not add the GPU file: each branch, with and without.
        let every = [prod.clone(), staging.clone(), gpu(&prod), gpu(&staging)];
        let runs = files(script);
        assert_eq!(runs[..4], every, "on the runner");
        assert_eq!(runs[4..], every, "inside the ssh command");
        // Unconditional assignments replace and append.
        assert_eq!(
            files(
                "FILES=(-f a.yml)\nFILES=(-f b.yml)\nFILES+=(-f c.yml)\ndocker compose \"${FILES[@]}\" up"
            ),
            [list(&["b.yml", "c.yml"])]
        );
        // An array the command does not expand changes nothing.
        assert_eq!(
            files("FILES=(-f a.yml)\ndocker compose -f b.yml up"),
            [vec!["b.yml".to_string()]]
        );
        assert_eq!(array_expansion("${FILES[@]}"), Some("FILES"));
        assert_eq!(array_expansion("${FILES[0]}"), None);
    }

    #[test]
    fn appends_to_an_array_never_assigned_start_it() {
        // Unconditional: the words alone; conditional: without them or with them.
        assert_eq!(
            files("FILES+=(-f c.yml)\ndocker compose \"${FILES[@]}\" up"),
            [vec!["c.yml".to_string()]]
        );
        assert_eq!(
            files(
                "if [ -n \"$GPU\" ]; then FILES+=(-f gpu.yml); fi\ndocker compose \"${FILES[@]}\" up"
            ),
            [Vec::new(), vec!["gpu.yml".to_string()]]
        );
    }

    #[test]
    fn conditional_arrays_keep_each_value_once_and_at_most_eight() {
        // The same value in two branches is one run, not two.
        let twice = "if [ \"$1\" = a ]; then FILES=(-f a.yml); else FILES=(-f a.yml); fi\ndocker compose \"${FILES[@]}\" up";
        assert_eq!(files(twice), [vec!["a.yml".to_string()]]);
        // Ten branches of a `case`: the first eight.
        let branches: String = (0..10)
            .map(|i| format!("  b{i}) FILES=(-f f{i}.yml) ;;\n"))
            .collect();
        let case = format!("case \"$1\" in\n{branches}esac\ndocker compose \"${{FILES[@]}}\" up");
        let runs = files(&case);
        assert_eq!(runs.len(), 8, "{runs:?}");
        assert_eq!(runs[7], vec!["f7.yml".to_string()]);
        // Conditional appends to eight alternatives add none past the eighth.
        let appended = format!(
            "case \"$1\" in\n{}esac\nif [ -n \"$X\" ]; then FILES+=(-f x.yml); fi\ndocker compose \"${{FILES[@]}}\" up",
            (0..5)
                .map(|i| format!("  b{i}) FILES=(-f f{i}.yml) ;;\n"))
                .collect::<String>()
        );
        let runs = files(&appended);
        assert_eq!(runs.len(), 8, "{runs:?}");
        assert_eq!(runs[5], vec!["f0.yml".to_string(), "x.yml".to_string()]);
        assert_eq!(runs[7], vec!["f2.yml".to_string(), "x.yml".to_string()]);
    }

    #[test]
    fn only_export_on_a_host_writes_the_environment() {
        let host_writes = |script: &str| {
            writes(&analyze(script, &on_host()))
                .into_iter()
                .map(|w| (w.0, w.3))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            host_writes("export A=1\ndeclare B=2\nreadonly C=3\nlocal D=4\n"),
            [("A".to_string(), WriteVia::RemoteExport)]
        );
        // On the runner, `export` sets the step's shell, nothing downstream.
        assert!(writes(&run("export A=1\n", &[])).is_empty());
    }

    #[test]
    fn the_same_read_is_kept_once_per_line() {
        let rows = |script: &str| {
            run(script, &[])
                .reads
                .iter()
                .map(|r| (r.name.clone(), r.row))
                .collect::<Vec<_>>()
        };
        assert_eq!(rows("echo $A $A\n"), [("A".to_string(), 0)]);
        assert_eq!(
            rows("echo $A\necho $A\n"),
            [("A".to_string(), 0), ("A".to_string(), 1)]
        );
    }

    #[test]
    fn dotenv_names() {
        for name in [".env", "prod.env", "deploy/.env.production", ".env.local/"] {
            assert!(is_dotenv_name(name), "{name}");
        }
        for name in ["env", "environment.yml", "deploy/env.txt", ".envrc"] {
            assert!(!is_dotenv_name(name), "{name}");
        }
    }

    #[test]
    fn nesting_is_bounded_at_its_limit_and_counted_per_line() {
        let nested = |depth: usize| format!("{}x{}", "(".repeat(depth), ")".repeat(depth));
        // Exactly the limit is read; one more is refused.
        assert!(too_deep(&nested(MAX_NESTING)).is_none());
        assert_eq!(too_deep(&nested(MAX_NESTING + 1)), Some(0));
        // Closed parentheses free their level: many in a row are no nesting.
        assert!(too_deep(&"$(true) ".repeat(MAX_NESTING * 2)).is_none());
        // The row is the line where the limit is passed.
        let late = format!("echo a\necho b\n\necho {}\n", nested(MAX_NESTING + 1));
        assert_eq!(too_deep(&late), Some(3));
        // A nested script's rows are offset by where it starts.
        let facts = analyze_at(&late, 10, 0);
        assert_eq!(facts.errors.len(), 1);
        assert_eq!(facts.errors[0].0, 13, "{:?}", facts.errors);
    }

    #[test]
    fn a_syntax_error_is_named_on_its_line() {
        let errors = |script: &str, offset: u32| analyze_at(script, offset, 0).errors;
        let broken = "echo A=1 >> .env\necho ok\n)\necho B=2 >> .env\n";
        let got = errors(broken, 0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, 2, "{got:?}");
        assert!(got[0].1.starts_with("shell syntax error"), "{got:?}");
        assert_eq!(errors(broken, 7)[0].0, 9);
        // A missing keyword is a syntax error, not an unclosed heredoc.
        let got = errors("echo a\nif true; then echo\n", 0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].1.starts_with("shell syntax error"), "{got:?}");
        // An unclosed heredoc is named on its `<<` line, not past the end.
        let heredoc = "echo start\ncat <<EOF > .env\nA=1\nB=2\n";
        let got = errors(heredoc, 0);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, 1, "{got:?}");
        assert!(got[0].1.contains("never closed"), "{got:?}");
        assert_eq!(errors(heredoc, 5)[0].0, 6);
    }

    #[test]
    fn a_rename_is_a_compose_copy_on_the_host_only() {
        let script = "mv docker-compose.prod.yml docker-compose.yml\n";
        assert_eq!(
            analyze(script, &on_host()).copies,
            [(
                "docker-compose.prod.yml".to_string(),
                "docker-compose.yml".to_string()
            )]
        );
        // On the runner the checkout is renamed, not what a host runs.
        assert!(run(script, &[]).copies.is_empty());
    }

    #[test]
    fn read_assigns_its_variables_from_there_on() {
        let reads: Vec<(String, u32)> = run("echo $A\nread -r A B\necho $A $B $C\n", &[])
            .reads
            .into_iter()
            .map(|r| (r.name, r.row))
            .collect();
        assert_eq!(reads, [("A".to_string(), 0), ("C".to_string(), 2)]);
    }

    #[test]
    fn tee_with_its_output_redirected_truncates_that_file() {
        // `tee` copies its input to its stdout too: `> .env` empties .env.
        let f = run("echo A=1 >> .env\necho B=2 | tee app.env > .env\n", &[]);
        let truncated: Vec<&str> = f
            .events
            .iter()
            .filter_map(|e| match e {
                ScriptEvent::Truncate { sink, .. } => Some(sink.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(truncated, ["app.env", ".env"]);
        assert_eq!(
            writes(&f)
                .iter()
                .map(|w| (w.0.as_str(), w.4.as_deref()))
                .collect::<Vec<_>>(),
            [("A", Some(".env")), ("B", Some("app.env"))]
        );
    }

    #[test]
    fn a_command_inside_a_substitution_writes_into_the_value_not_the_file() {
        // The inner printf's `B=1` is part of A's value, not a line of .env.
        let f = run(
            "echo \"A=$(printf 'B=%s' 1)\" >> .env\ncat <(echo C=1) > out.txt\n",
            &[],
        );
        assert_eq!(key_names(&f), ["A"]);
    }

    #[test]
    fn echo_skips_its_own_flags_and_nothing_else() {
        let keys_of = |script: &str| key_names(&run(script, &[]));
        assert_eq!(
            keys_of("echo -n A=1 >> .env\necho -nE B=2 >> .env\n"),
            ["A", "B"]
        );
        // `-` and `e` are words echo prints: the line is `- A=1`, `e A=1`.
        assert!(keys_of("echo - A=1 >> .env\necho e A=1 >> .env\n").is_empty());
        assert!(keys_of("echo -x A=1 >> .env\n").is_empty());
    }

    #[test]
    fn tee_behind_a_pipe_or_a_heredoc_writes_even_with_its_output_discarded() {
        let f = run(
            "echo A=1 | sudo tee -a .env > /dev/null\ncat <<EOF | sudo tee --append .env > /dev/null\nB=2\nEOF\n",
            &[],
        );
        assert_eq!(
            writes(&f)
                .iter()
                .map(|w| (w.0.as_str(), w.3, w.4.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("A", WriteVia::DotenvTee, Some(".env")),
                ("B", WriteVia::DotenvTee, Some(".env"))
            ]
        );
        // `-a` and `--append` keep what .env held: only /dev/null is emptied.
        assert!(f.events.iter().all(|e| !matches!(
            e,
            ScriptEvent::Truncate { sink, .. } if sink == ".env"
        )));
    }

    #[test]
    fn only_stdout_redirects_write_the_file() {
        let keys_of = |script: &str| key_names(&run(script, &[]));
        assert_eq!(keys_of("echo A=1 1>> .env\n"), ["A"]);
        assert!(keys_of("echo A=1 2>> .env\n").is_empty());
    }

    #[test]
    fn ssh_options_with_values_are_skipped_to_find_the_host() {
        for script in [
            "ssh -p 2222 deploy@host \"echo A=1 >> .env\"",
            "ssh -t -i key.pem deploy@host \"echo A=1 >> .env\"",
            "ssh -tt -o StrictHostKeyChecking=no deploy@host \"echo A=1 >> .env\"",
        ] {
            let w = writes(&run(script, &[]));
            assert_eq!(
                w.iter().map(|w| (w.0.as_str(), w.5)).collect::<Vec<_>>(),
                [("A", true)],
                "{script}"
            );
        }
    }

    #[test]
    fn remote_scripts_are_followed_to_a_bounded_depth() {
        let keys_at = |script: &str, depth: usize| key_names(&analyze_at(script, 0, depth));
        // One level below the limit: the host's own script is read, a script
        // it sends on is not.
        let depth = MAX_DEPTH - 1;
        assert_eq!(keys_at("ssh a \"echo A=1 >> .env\"", depth), ["A"]);
        assert!(keys_at("ssh a \"ssh b 'echo A=1 >> .env'\"", depth).is_empty());
        assert!(keys_at("ssh a <<'EOF'\nssh b 'echo B=1 >> .env'\nEOF\n", depth).is_empty());
        let ssm =
            "aws ssm send-command --parameters 'commands=[\"ssh b \\\"echo C=1 >> .env\\\"\"]'";
        assert!(keys_at(ssm, depth).is_empty());
        assert_eq!(keys_at(ssm, depth - 1), ["C"]);
    }

    #[test]
    fn only_a_dash_heredoc_sent_to_a_host_loses_its_leading_tabs() {
        let columns = |script: &str| -> Vec<u32> {
            run(script, &[])
                .events
                .iter()
                .filter_map(|e| match e {
                    ScriptEvent::Write(w) => Some(w.column),
                    _ => None,
                })
                .collect()
        };
        // `<<-` strips the tabs: the write starts at the line's start.
        assert_eq!(
            columns("ssh host <<-OUT\n\techo start\n\t\techo A=1 >> .env\n\tOUT\n"),
            [5]
        );
        // `<<` keeps them: the write starts after the tab.
        assert_eq!(
            columns("ssh host <<'OUT'\necho start\n\techo B=2 >> .env\nOUT\n"),
            [6]
        );
    }

    #[test]
    fn compose_flags_with_values_joined_or_apart_and_which_stack_commands_run() {
        assert_eq!(
            files("docker compose -f=a.yml --file=b.yml --project-name=app -p app up -d"),
            [vec!["a.yml".to_string(), "b.yml".to_string()]]
        );
        assert!(files("docker stack rm app").is_empty());
        assert_eq!(
            files("docker stack deploy --compose-file=stack.yml app"),
            [vec!["stack.yml".to_string()]]
        );
    }

    #[test]
    fn a_function_body_runs_as_written_even_when_defined_under_an_if() {
        let script = "FILES=(-f a.yml)\nif [ -n \"$CI\" ]; then\n  extra() {\n    FILES+=(-f b.yml)\n  }\nfi\ndocker compose \"${FILES[@]}\" up -d\n";
        assert_eq!(
            files(script),
            [vec!["a.yml".to_string(), "b.yml".to_string()]]
        );
    }

    #[test]
    fn copies_into_a_folder_keep_their_names() {
        let copies = |script: &str| -> Vec<(String, String)> { run(script, &[]).copies };
        assert_eq!(
            copies("scp docker-compose.prod.yml u@h:"),
            kv(&[("docker-compose.prod.yml", "docker-compose.prod.yml")])
        );
        assert_eq!(
            copies("scp a.yml b.yml u@h:/srv"),
            kv(&[("a.yml", "a.yml"), ("b.yml", "b.yml")])
        );
        assert_eq!(
            copies("scp a.yml u@h:/srv/x.yml"),
            kv(&[("a.yml", "x.yml")])
        );
    }

    #[test]
    fn lines_appended_to_yaml_are_key_colon_value() {
        let f = run(
            "echo \"  API_URL: \\\"${{ vars.API_URL }}\\\"\" >> app.yaml\necho \"DEBUG: false\" >> env.yml\necho \"A=1\" >> app.yaml\necho \"URL:x\" >> app.yaml\necho \"B: 2\" >> .env\n",
            &[],
        );
        assert_eq!(
            writes(&f)
                .iter()
                .map(|w| (w.0.as_str(), w.1.as_str(), w.4.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("API_URL", "vars.API_URL", Some("app.yaml")),
                ("DEBUG", "literal", Some("env.yml"))
            ]
        );
    }

    #[test]
    fn printf_skips_escaped_percents_when_matching_values_to_keys() {
        let f = run(
            "printf 'RATE=100%%\\nLONG_KEY=%%-%s\\nB=%s\\n' \"${{ secrets.L }}\" \"${{ secrets.B }}\" >> .env",
            &[],
        );
        assert_eq!(
            keys(&f),
            kv(&[
                ("RATE", "literal"),
                ("LONG_KEY", "secrets.L"),
                ("B", "secrets.B")
            ])
        );
    }

    #[test]
    fn multiline_github_env_lines_need_a_key_and_a_one_word_delimiter() {
        assert_eq!(split_multiline("CERT<<EOF"), Some(("CERT", "EOF")));
        for line in ["CERT<<", "CERT<<END OF", "not-a-key<<EOF", "<<EOF"] {
            assert_eq!(split_multiline(line), None, "{line}");
        }
    }

    #[test]
    fn ssm_commands_end_at_their_list() {
        let json = "aws ssm send-command --parameters '{\"commands\":[\"echo A=1 >> .env\"],\"comment\":[\"echo B=1 >> .env\"]}'";
        assert_eq!(keys(&run(json, &[])), kv(&[("A", "literal")]));
        // A command string spanning lines: the next one starts where it ends.
        let multiline = "aws ssm send-command --parameters 'commands=[\"echo A=1 >> .env\necho B=2 >> .env\", \"echo C=3 >> .env\"]'";
        let rows: Vec<(String, u32)> = writes(&run(multiline, &[]))
            .into_iter()
            .map(|w| (w.0, w.2))
            .collect();
        assert_eq!(
            rows,
            [
                ("A".to_string(), 0),
                ("B".to_string(), 1),
                ("C".to_string(), 1)
            ]
        );
    }

    #[test]
    fn defaults_of_expansions_are_literal_only_without_expansions_inside() {
        let defaults: Vec<(String, Option<String>, bool)> = run(
            "echo ${A:-$(date)} ${B:-`date`} ${C:-x} ${D:?needed}\n",
            &[],
        )
        .reads
        .into_iter()
        .map(|r| (r.name, r.default, r.has_default))
        .collect();
        assert_eq!(
            defaults,
            [
                ("A".to_string(), None, true),
                ("B".to_string(), None, true),
                ("C".to_string(), Some("x".to_string()), true),
                ("D".to_string(), None, false)
            ]
        );
    }

    #[test]
    fn a_value_names_its_first_variable_underscores_and_all() {
        let f = run(
            "echo \"A=postgres://$DB_USER@db\" >> .env\n",
            &[("DB_USER", secret("DB_USER"))],
        );
        assert_eq!(keys(&f), kv(&[("A", "secrets.DB_USER")]));
    }

    #[test]
    fn unquote_drops_line_continuations_and_keeps_escaped_characters() {
        assert_eq!(unquote("a\\\nb"), "ab");
        assert_eq!(unquote("\\$X"), "$X");
        assert_eq!(unquote("\"a\\\"b\""), "a\"b");
    }

    #[test]
    fn copies_keep_the_name_they_get_on_the_host() {
        let f = run(
            "scp -i key.pem docker-compose.prod.yml u@h:/srv/app/docker-compose.yml\nrsync -a a.yml b.yml u@h:/srv/",
            &[],
        );
        let copies: Vec<(&str, &str)> = f
            .copies
            .iter()
            .map(|(s, n)| (s.as_str(), n.as_str()))
            .collect();
        assert_eq!(
            copies,
            [
                ("docker-compose.prod.yml", "docker-compose.yml"),
                ("a.yml", "a.yml"),
                ("b.yml", "b.yml")
            ]
        );
    }
}

#[cfg(test)]
mod scale_tests {
    use super::*;

    #[test]
    fn every_line_of_a_long_script_is_analysed() {
        // Counted, not timed: speed is a benchmark's question, not a test's.
        // The size only has to exercise many keys, sinks and truncations.
        let n: usize = 3_000;
        let mut script = String::new();
        for i in 0..n {
            script.push_str(&format!(
                "X{i}=$V{i}\necho \"K{i}=$X{i} $R{i}\" >> f{}.env\n",
                i % 7
            ));
            if i % 1000 == 0 {
                script.push_str("echo A=1 > other.env\n");
            }
        }
        let f = analyze(&script, &ScriptContext::default());
        let count = |facts: &ScriptFacts, truncate: bool| {
            facts
                .events
                .iter()
                .filter(|e| matches!(e, ScriptEvent::Truncate { .. }) == truncate)
                .count()
        };
        // One write per `echo`, and per `> other.env` a truncation and a write.
        let every_1000 = n.div_ceil(1000);
        assert_eq!(count(&f, false), n + every_1000);
        assert_eq!(count(&f, true), every_1000);
        // `$V{i}` and `$R{i}` are read; `$X{i}` is the script's own.
        assert_eq!(f.reads.len(), 2 * n);
        assert!(f.reads.iter().all(|r| r.name.starts_with(['V', 'R'])));
        // Remote scripts resolve their own truncations.
        let remote = ScriptContext {
            remote: true,
            ..ScriptContext::default()
        };
        let f = analyze(&script, &remote);
        assert!(
            f.events
                .iter()
                .all(|e| !matches!(e, ScriptEvent::Truncate { .. }))
        );
    }
}
