//! The command line, as fixed in the contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::render::Format;

const EXAMPLES: &str = "\
Examples:
  envtrail check                                  audit the repository here
  envtrail check . --secrets secrets.json         ...knowing the secret store (gh secret list --json name)
  envtrail check --format sarif --output envtrail.sarif
  envtrail trace DATABASE_URL                     follow one key through every stage
  envtrail checklist                              the release checklist, as Markdown
  envtrail live --container api                   audit the running container too";

#[derive(Debug, Parser)]
#[command(
    name = "envtrail",
    version,
    about = "Audit configuration drift along secrets -> workflow -> compose -> settings -> container",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Static audit of a repository.
    Check {
        /// The repository's root.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Release checklist for a repository (Markdown, or --format json).
    #[command(mut_arg("format", |a| formats_of(a, CHECKLIST_FORMATS, "table")))]
    Checklist {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The deployed container's name, filled into the post-deploy checks.
        #[arg(long, value_name = "NAME")]
        container: Option<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Static audit plus the env, state and settings of a running container.
    Live {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The container's name or id.
        #[arg(long, value_name = "NAME|ID")]
        container: String,
        /// The Docker Engine API endpoint (default: DOCKER_HOST, else the local socket).
        #[arg(long, value_name = "URL")]
        docker_host: Option<String>,
        /// A saved `docker inspect` JSON, for auditing without a daemon.
        #[arg(long, value_name = "FILE")]
        inspect_file: Option<PathBuf>,
        /// Seconds to wait for the Docker daemon before giving up.
        #[arg(long, value_name = "SECONDS", default_value_t = 5)]
        timeout: u64,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// One key, followed through every stage of the chain.
    #[command(mut_arg("format", |a| formats_of(a, TRACE_FORMATS, "table")))]
    Trace {
        /// The env key.
        key: String,
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Print a shell completion script (e.g. `envtrail completions bash > /etc/bash_completion.d/envtrail`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `envtrail man > envtrail.1`.
    Man,
}

/// `table` stays the default, as for every command (the contract's shared
/// flag): for a checklist it is the Markdown one.
const CHECKLIST_FORMATS: &[(Format, &str)] = &[
    (
        Format::Table,
        "the checklist as Markdown, to read or paste into a release issue",
    ),
    (Format::Markdown, "the same Markdown checklist"),
    (
        Format::Json,
        "the `envtrail-checklist/v1` items, with a status each",
    ),
];

const TRACE_FORMATS: &[(Format, &str)] = &[
    (Format::Table, "the stages as text, for a terminal"),
    (Format::Markdown, "the same text, fenced for a comment"),
    (
        Format::Json,
        "the stages, the verdict and the findings on the key",
    ),
];

/// `--format` of a command that prints only `formats`, with its own words
/// for each: `--help` lists those, and clap refuses any other (exit 2).
fn formats_of(
    arg: clap::Arg,
    formats: &'static [(Format, &'static str)],
    default: &'static str,
) -> clap::Arg {
    use clap::ValueEnum;
    use clap::builder::TypedValueParser;
    let values: Vec<clap::builder::PossibleValue> = formats
        .iter()
        .filter_map(|(f, help)| f.to_possible_value().map(|v| v.help(*help)))
        .collect();
    arg.value_parser(
        clap::builder::PossibleValuesParser::new(values)
            .map(|name| Format::from_str(&name, true).unwrap_or(Format::Table)),
    )
    .default_value(default)
}

impl Command {
    /// The repository folder the command audits, for those that audit one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Command::Check { path, .. }
            | Command::Checklist { path, .. }
            | Command::Live { path, .. }
            | Command::Trace { path, .. } => Some(path),
            Command::Completions { .. } | Command::Man => None,
        }
    }
}

/// Flags shared by every audit command.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The secrets inventory: `gh secret list --json name` output, a JSON
    /// array of names, or one name per line; `-` reads it from stdin.
    /// Repeatable: the names of every file count (repository, environment
    /// and organisation secrets). Without it, secret existence is unknown,
    /// not assumed.
    #[arg(long, value_name = "FILE")]
    pub secrets: Vec<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Config file (default: envtrail.toml at PATH, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only read Python files matching GLOB as the app's code (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = crate::config::glob_arg)]
    pub settings: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// When to colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing; only the exit code tells.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report as SARIF to FILE, whatever --format prints
    /// (one run gives the table or annotations and the code-scanning upload);
    /// written even with --quiet.
    #[arg(long, value_name = "FILE")]
    pub sarif_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
