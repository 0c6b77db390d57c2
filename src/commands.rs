//! The commands besides `check`, each a function `main` calls: build the
//! model, render it where the user asked, turn it into an exit code.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::checklist;
use crate::cli::{Cli, CommonArgs};
use crate::error::Error;
use std::path::PathBuf;

use crate::finding::Severity;
use crate::render::{self, Format, LinkBase, RenderOptions};
use crate::report::Report;
use crate::trace;

/// Run `write` on the output the user chose (`--output FILE` or stdout),
/// or not at all with `--quiet`.
pub fn write_output(
    common: &CommonArgs,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    if common.quiet {
        return Ok(());
    }
    match &common.output {
        Some(path) => {
            let named = |source: io::Error| Error::OutputFile {
                path: path.clone(),
                source,
            };
            let mut file = io::BufWriter::new(std::fs::File::create(path).map_err(named)?);
            write(&mut file).map_err(named)?;
            file.flush().map_err(named)?;
        }
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// What renderers need from the environment, read here so they stay pure:
/// links to lines when running in GitHub or Gitea Actions, and the root to
/// quote source lines from.
pub fn render_options(report: &Report, color: bool, fail_on: Option<Severity>) -> RenderOptions {
    let var = |name: &str| std::env::var(name).ok();
    let (server, repository, sha) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_SHA"),
    );
    let links = if var("GITEA_ACTIONS").as_deref() == Some("true") {
        LinkBase::from_gitea(server.as_deref(), repository.as_deref(), sha.as_deref())
    } else {
        LinkBase::from_github(server.as_deref(), repository.as_deref(), sha.as_deref())
    };
    RenderOptions {
        color,
        fail_on,
        links,
        source_root: Some(PathBuf::from(&report.root)),
        width: None,
    }
}

/// `--sarif-file FILE`: the report as SARIF, beside whatever else was
/// printed (and even with `--quiet`: it is a file the user asked for).
pub fn write_sarif_file(report: &Report, common: &CommonArgs) -> Result<(), Error> {
    if let Some(path) = &common.sarif_file {
        let options = render_options(report, false, common.fail_on.threshold());
        let named = |source: io::Error| Error::OutputFile {
            path: path.clone(),
            source,
        };
        let mut file = io::BufWriter::new(std::fs::File::create(path).map_err(named)?);
        render::render(Format::Sarif, report, &options, &mut file).map_err(named)?;
        file.flush().map_err(named)?;
    }
    Ok(())
}

fn unsupported(command: &str, format: Format, supported: &str) -> Error {
    let name = clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    Error::Other(anyhow::anyhow!(
        "`envtrail {command}` prints {supported}, not --format {name}"
    ))
}

fn exit_code(fails: bool) -> ExitCode {
    if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `envtrail checklist`: Markdown (also for the default `table`) or JSON.
/// Exits 1 like `check` when a finding is at or above `--fail-on`.
pub fn checklist(
    report: &Report,
    container: Option<&str>,
    common: &CommonArgs,
) -> Result<ExitCode, Error> {
    let list = checklist::build(report, container);
    match common.format {
        Format::Table | Format::Markdown => {
            write_output(common, |out| checklist::render_markdown(&list, out))?
        }
        Format::Json => write_output(common, |out| checklist::render_json(&list, out))?,
        other => return Err(unsupported("checklist", other, "markdown or json")),
    }
    write_sarif_file(report, common)?;
    Ok(exit_code(report.fails(common.fail_on.threshold())))
}

/// `envtrail trace KEY`: text (table), the text fenced for Markdown, or
/// JSON. Exits 1 when a finding on KEY is at or above `--fail-on`.
pub fn trace(report: &Report, key: &str, common: &CommonArgs) -> Result<ExitCode, Error> {
    let t = trace::build(report, key);
    match common.format {
        Format::Table => write_output(common, |out| trace::render_text(&t, out))?,
        Format::Markdown => write_output(common, |out| {
            writeln!(out, "```text")?;
            trace::render_text(&t, out)?;
            writeln!(out, "```")
        })?,
        Format::Json => write_output(common, |out| trace::render_json(&t, out))?,
        other => return Err(unsupported("trace", other, "table, markdown or json")),
    }
    write_sarif_file(report, common)?;
    let threshold = common.fail_on.threshold();
    let fails = threshold.is_some_and(|min| {
        report
            .findings
            .iter()
            .any(|f| f.key.as_deref() == Some(key) && f.severity >= min)
    });
    Ok(exit_code(fails))
}

/// `envtrail completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Error> {
    let mut cmd = Cli::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "envtrail", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `envtrail man`: the roff man page, on stdout (never coloured).
pub fn man() -> Result<ExitCode, Error> {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = io::stdout().lock();
    page.render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
