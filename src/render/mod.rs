//! Renderers: one per output format, each `fn render(report, options, writer)`.
//! None of them prints directly, so tests render into a `Vec<u8>`.

use std::io::{self, Write};

use clap::ValueEnum;

use crate::report::Report;

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;
pub mod targets;
#[cfg(test)]
pub mod testdata;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The key x stage matrix and the findings, for a terminal.
    Table,
    /// The `envtrail/v1` report (docs/formats.md).
    Json,
    /// A pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colour (the table only).
    pub color: bool,
    /// The fail-on threshold, so the table's last line can say what fails the run.
    pub fail_on: Option<crate::finding::Severity>,
    /// Where files of the audited repository can be browsed (the Markdown
    /// comment links to their lines). Filled by `main` from `GITHUB_*`:
    /// renderers never read the environment, so tests stay pure.
    pub links: Option<LinkBase>,
    /// The audited root on disk, for renderers that quote a source line
    /// (SARIF fingerprints). `None` in tests that have no files.
    pub source_root: Option<std::path::PathBuf>,
    /// The terminal's width in columns, when the table goes to one: the
    /// table wraps its widest cells to fit. `None`: as wide as it is.
    pub width: Option<usize>,
}

/// `{server}/{repository}/blob/{sha}` (Gitea: `src/commit/{sha}`): the base
/// of links to a file's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkBase {
    pub blob_url: String,
}

impl LinkBase {
    /// From `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA`
    /// (Gitea Actions sets the same three); `None` unless all are non-empty.
    pub fn from_github(
        server: Option<&str>,
        repository: Option<&str>,
        sha: Option<&str>,
    ) -> Option<LinkBase> {
        Self::build(server, repository, sha, "blob")
    }

    /// Gitea shows a file at a commit under `src/commit/{sha}`, not `blob/{sha}`.
    pub fn from_gitea(
        server: Option<&str>,
        repository: Option<&str>,
        sha: Option<&str>,
    ) -> Option<LinkBase> {
        Self::build(server, repository, sha, "src/commit")
    }

    fn build(
        server: Option<&str>,
        repository: Option<&str>,
        sha: Option<&str>,
        view: &str,
    ) -> Option<LinkBase> {
        let (server, repository, sha) = (server?.trim(), repository?.trim(), sha?.trim());
        if server.is_empty() || repository.is_empty() || sha.is_empty() {
            return None;
        }
        Some(LinkBase {
            blob_url: format!("{}/{repository}/{view}/{sha}", server.trim_end_matches('/')),
        })
    }

    /// The URL of `location`'s line, the path percent-encoded.
    pub fn line_url(&self, location: &crate::location::Location) -> String {
        let path = percent_encoded(&location.shown_file(), b"/-_.~");
        format!("{}/{path}#L{}", self.blob_url, location.line())
    }
}

pub fn render(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, options, out),
        Format::Sarif => sarif::render(report, options, out),
        Format::Github => github::render(report, options, out),
    }
}

/// `text` with every byte but ASCII letters, digits and `keep` written as
/// `%XX`: a path inside a URL.
pub fn percent_encoded(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
