//! `cargo run --release --example gen_workflows -- N OUTDIR`: write the
//! workflow-heavy repository of N workflows into OUTDIR (see `benches/support/workflows.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../benches/support/workflows.rs"]
mod workflows;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!(
            "usage: gen_workflows N OUTDIR   (N workflow files; OUTDIR must be empty or missing)"
        );
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    if std::fs::read_dir(&out).is_ok_and(|mut entries| entries.next().is_some()) {
        eprintln!(
            "gen_workflows: {} is not empty; refusing to write into it",
            out.display()
        );
        return ExitCode::from(2);
    }
    match workflows::generate(&out, n) {
        Ok(done) => {
            println!(
                "{} workflows, {} files, {} bytes in {}",
                done.workflows,
                done.files,
                done.bytes,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_workflows: {}: {err}", out.display());
            ExitCode::FAILURE
        }
    }
}
