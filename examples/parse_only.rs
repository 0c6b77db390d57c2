//! The parse-only baseline of the benchmarks:
//! `cargo run --release --example parse_only -- DIR [--threads N]`
//! reads and parses with tree-sitter-python every file envtrail's settings
//! collector would read under DIR (same walk, same skips, same size cap),
//! on N threads (0 = one per core), one parser per thread, and prints how
//! many it parsed. envtrail's own time is judged against this one.

use std::path::PathBuf;
use std::process::ExitCode;

use envtrail::collect::{self, Collector, Context};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut threads = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => return usage(),
            },
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ => return usage(),
        }
    }
    let Some(root) = dir else { return usage() };
    let ctx = Context {
        root,
        threads,
        ..Context::default()
    };
    let settings: [Box<dyn Collector>; 1] = [Box::new(collect::settings::SettingsCollector)];
    let walked = collect::walk_for(&ctx, &settings);
    let files = walked.files.into_iter().next().unwrap_or_default();
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let parsed: Vec<Option<(usize, bool)>> = collect::par_map_init(
        &files,
        threads,
        || {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language).ok().map(|()| parser)
        },
        |parser, file| {
            let source = std::fs::read(&file.abs).ok()?;
            let tree = parser.as_mut()?.parse(&source, None)?;
            Some((source.len(), tree.root_node().has_error()))
        },
    )
    .into_iter()
    .map(|parsed| parsed.ok().flatten())
    .collect();
    let ok = parsed.iter().flatten().count();
    let bytes: usize = parsed.iter().flatten().map(|(len, _)| len).sum();
    let with_errors = parsed.iter().flatten().filter(|(_, err)| *err).count();
    println!(
        "parsed {ok} of {} files ({bytes} bytes, {with_errors} with syntax errors) on {} threads",
        files.len(),
        collect::effective_threads(threads)
    );
    if ok == files.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: parse_only DIR [--threads N]");
    ExitCode::from(2)
}
