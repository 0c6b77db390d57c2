//! The command line, as fixed in the contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::chain::StoreKind;
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
    /// Repeatable, one secret store each: FILE is the repository's,
    /// `org=FILE` the organisation's, `env:NAME=FILE` environment NAME's
    /// (`gh secret list --env NAME`), seen only by the jobs whose
    /// `environment:` is NAME. Without it, secret existence is unknown, not
    /// assumed.
    #[arg(long, value_name = "[STORE=]FILE", value_parser = secrets_arg)]
    pub secrets: Vec<SecretsArg>,
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

/// One `--secrets` value: a store and the file (or `-`) holding its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsArg {
    pub store: StoreKind,
    pub path: PathBuf,
}

impl SecretsArg {
    /// A plain `--secrets FILE`: the repository's store.
    pub fn repository(path: PathBuf) -> SecretsArg {
        SecretsArg {
            store: StoreKind::Repository,
            path,
        }
    }
}

/// `FILE` (the repository's store), `repo=FILE`, `org=FILE` or
/// `env:NAME=FILE`. A value that names an existing file is that file,
/// whatever it looks like: `--secrets FILE` meant the repository's store
/// before stores had names, and still does.
fn secrets_arg(value: &str) -> Result<SecretsArg, String> {
    secrets_arg_with(value, |path| path.is_file())
}

/// [`secrets_arg`], with the test of whether a file exists given.
fn secrets_arg_with(
    value: &str,
    is_file: impl Fn(&std::path::Path) -> bool,
) -> Result<SecretsArg, String> {
    let plain = |path: &str| SecretsArg {
        store: StoreKind::Repository,
        path: PathBuf::from(path),
    };
    if value == "-" || is_file(std::path::Path::new(value)) {
        return Ok(plain(value));
    }
    let store_and_file = value
        .strip_prefix("repo=")
        .map(|f| (StoreKind::Repository, f))
        .or_else(|| value.strip_prefix("org=").map(|f| (StoreKind::Organization, f)))
        .map(Ok)
        .or_else(|| {
            let rest = value.strip_prefix("env:")?;
            Some(match rest.split_once('=') {
                Some((name, file)) if !name.trim().is_empty() => {
                    Ok((StoreKind::Environment(name.to_string()), file))
                }
                _ => Err(format!(
                    "`{value}`: an environment's store is env:NAME=FILE (e.g. env:production=prod-secrets.json)"
                )),
            })
        })
        .transpose()?;
    match store_and_file {
        Some((_, "")) => Err(format!("`{value}`: no file after `=`")),
        Some((store, file)) => Ok(SecretsArg {
            store,
            path: PathBuf::from(file),
        }),
        // A missing file is reported when it is read, naming it.
        None => Ok(plain(value)),
    }
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

#[cfg(test)]
mod tests {
    use super::{SecretsArg, StoreKind, secrets_arg, secrets_arg_with};
    use std::path::PathBuf;

    fn arg(store: StoreKind, path: &str) -> SecretsArg {
        SecretsArg {
            store,
            path: PathBuf::from(path),
        }
    }

    #[test]
    fn a_secrets_value_names_its_store() {
        let ok = |v: &str| secrets_arg(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(ok("repo.json"), arg(StoreKind::Repository, "repo.json"));
        assert_eq!(ok("-"), arg(StoreKind::Repository, "-"));
        assert_eq!(ok("repo=r.txt"), arg(StoreKind::Repository, "r.txt"));
        assert_eq!(ok("org=o.txt"), arg(StoreKind::Organization, "o.txt"));
        let production = StoreKind::Environment("production".into());
        assert_eq!(
            ok("env:production=p.json"),
            arg(production.clone(), "p.json")
        );
        assert_eq!(ok("env:production=-"), arg(production, "-"));
        // `=` in the file's name is the file's.
        let odd = StoreKind::Environment("qa".into());
        assert_eq!(ok("env:qa=a=b.txt"), arg(odd, "a=b.txt"));
    }

    #[test]
    fn an_existing_file_is_a_file_whatever_its_name() {
        let exists = |p: &std::path::Path| p == std::path::Path::new("org=names.txt");
        assert_eq!(
            secrets_arg_with("org=names.txt", exists).unwrap(),
            arg(StoreKind::Repository, "org=names.txt")
        );
        assert_eq!(
            secrets_arg_with("org=other.txt", exists).unwrap(),
            arg(StoreKind::Organization, "other.txt")
        );
    }

    #[test]
    fn a_malformed_store_is_refused_with_the_form() {
        let err = secrets_arg("env:=p.json").unwrap_err();
        assert!(err.contains("env:NAME=FILE"), "{err}");
        let err = secrets_arg("env:production").unwrap_err();
        assert!(err.contains("env:NAME=FILE"), "{err}");
        let err = secrets_arg("org=").unwrap_err();
        assert!(err.contains("no file"), "{err}");
    }
}
