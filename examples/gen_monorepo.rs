//! `cargo run --release --example gen_monorepo -- N OUTDIR`: write the
//! benchmark monorepo of N services into OUTDIR (see `benches/support/monorepo.rs`).

use std::process::ExitCode;

#[path = "../benches/support/gen_args.rs"]
mod gen_args;
#[path = "../benches/support/monorepo.rs"]
mod monorepo;

fn main() -> ExitCode {
    let (n, out) = match gen_args::parse("gen_monorepo", "services") {
        Ok(args) => args,
        Err(code) => return code,
    };
    match monorepo::generate(&out, n) {
        Ok(done) => {
            println!(
                "{} services, {} files ({} Python), {} bytes in {}",
                done.services,
                done.files,
                done.python_files,
                done.bytes,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_monorepo: {}: {err}", out.display());
            ExitCode::FAILURE
        }
    }
}
