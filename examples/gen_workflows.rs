//! `cargo run --release --example gen_workflows -- N OUTDIR`: write the
//! workflow-heavy repository of N workflows into OUTDIR (see `benches/support/workflows.rs`).

use std::process::ExitCode;

#[path = "../benches/support/gen_args.rs"]
mod gen_args;
#[path = "../benches/support/workflows.rs"]
mod workflows;

fn main() -> ExitCode {
    let (n, out) = match gen_args::parse("gen_workflows", "workflow files") {
        Ok(args) => args,
        Err(code) => return code,
    };
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
