//! The command line both generators share: `N OUTDIR`, OUTDIR empty or missing.

use std::path::PathBuf;
use std::process::ExitCode;

/// `N` and `OUTDIR` from the arguments, or the exit code after saying why
/// (`what` is what N counts, for the usage line).
pub fn parse(tool: &str, what: &str) -> Result<(usize, PathBuf), ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: {tool} N OUTDIR   (N {what}; OUTDIR must be empty or missing)");
        return Err(ExitCode::from(2));
    };
    let out = PathBuf::from(out);
    if std::fs::read_dir(&out).is_ok_and(|mut entries| entries.next().is_some()) {
        eprintln!(
            "{tool}: {} is not empty; refusing to write into it",
            out.display()
        );
        return Err(ExitCode::from(2));
    }
    Ok((n, out))
}
