//! `cargo run --release --example gen_monorepo -- N OUTDIR`: write the
//! benchmark monorepo of N services into OUTDIR (see `benches/support/monorepo.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../benches/support/monorepo.rs"]
mod monorepo;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: gen_monorepo N OUTDIR   (N services; OUTDIR must be empty or missing)");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    if std::fs::read_dir(&out).is_ok_and(|mut entries| entries.next().is_some()) {
        eprintln!(
            "gen_monorepo: {} is not empty; refusing to write into it",
            out.display()
        );
        return ExitCode::from(2);
    }
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
