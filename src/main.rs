use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

use envtrail::audit::{self, AuditOptions};
use envtrail::cli::{Cli, ColorChoice, Command, CommonArgs};
use envtrail::commands;
use envtrail::error::Error;
use envtrail::render::{self, Format};
use envtrail::report::Report;

// The allocator, where jemalloc builds (as ruff and uv ship it).
#[cfg(all(
    unix,
    not(any(target_os = "openbsd", target_os = "aix", target_os = "android")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod allocator;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`envtrail check | head`) is not an error.
            if let Error::Output(io) = &err
                && io.kind() == io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("envtrail: error: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    // Every output shows paths from the repository root, whatever PATH is.
    if let Some(path) = cli.command.path()
        && let Some(repo) = envtrail::repository::locate(path)
    {
        envtrail::location::show_paths_from(repo.prefix);
    }
    match cli.command {
        Command::Check { path, common } => {
            let report = audit::run(&AuditOptions::new(&path, &common))?;
            emit(&report, &common)
        }
        Command::Checklist {
            path,
            container,
            common,
        } => {
            let report = audit::run(&AuditOptions::new(&path, &common))?;
            commands::checklist(&report, container.as_deref(), &common)
        }
        Command::Trace { key, path, common } => {
            let report = audit::run(&AuditOptions::new(&path, &common))?;
            commands::trace(&report, &key, &common)
        }
        Command::Completions { shell } => commands::completions(shell),
        Command::Man => commands::man(),
        Command::Live {
            path,
            container,
            docker_host,
            inspect_file,
            timeout,
            common,
        } => {
            let live = envtrail::live::LiveOptions {
                container,
                docker_host,
                inspect_file,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
            };
            let report = envtrail::live::run(&AuditOptions::new(&path, &common), &live)?;
            for note in report
                .chain
                .container
                .iter()
                .flat_map(|c| &c.notes)
                .filter(|_| !common.quiet)
            {
                eprintln!("envtrail: note: {note}");
            }
            emit(&report, &common)
        }
    }
}

/// Render the report where the user asked, and turn it into an exit code.
fn emit(report: &Report, common: &CommonArgs) -> Result<ExitCode, Error> {
    let fail_on = common.fail_on.threshold();
    if !common.quiet {
        let to_terminal = common.output.is_none() && io::stdout().is_terminal();
        let color = match common.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let mut options = commands::render_options(report, color, fail_on);
        // A table for a terminal wraps to its width; for a file or a pipe it does not.
        options.width = to_terminal
            .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
            .flatten();
        let format: Format = common.format;
        commands::write_output(common, |out| render::render(format, report, &options, out))?;
    }
    commands::write_sarif_file(report, common)?;
    Ok(if report.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
