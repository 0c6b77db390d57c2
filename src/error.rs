//! Errors that stop the audit (exit code 2). Per-file problems never get
//! here: they become `input-unparsed` findings and the audit goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such directory", .0.display())]
    PathMissing(PathBuf),
    #[error("{}: a file, not a folder", .0.display())]
    PathIsFile(PathBuf),
    #[error("config: {0}")]
    Config(String),
    #[error("secrets inventory {}: {message}", .path.display())]
    Inventory { path: PathBuf, message: String },
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot write {}: {source}", .path.display())]
    OutputFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(#[from] anyhow::Error),
    #[error("{0}")]
    Docker(#[from] crate::live::docker::DockerError),
}

impl Error {
    /// One line telling the user what to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::PathMissing(_) | Error::PathIsFile(_) => Some(
                "give the repository's root folder (the one holding .github/, compose and the settings): envtrail check PATH",
            ),
            Error::Config(_) => Some("every field of envtrail.toml is documented in the README"),
            Error::Inventory { .. } => Some(
                "--secrets takes `gh secret list --json name` output, a JSON array of names, or one name per line",
            ),
            Error::OutputFile { .. } => {
                Some("--output names a file in a folder that exists and is writable")
            }
            Error::Output(_) | Error::Other(_) => None,
            Error::Docker(e) => Some(e.hint()),
        }
    }
}
