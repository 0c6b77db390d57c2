//! Renderers: one per output format, each `fn render(report, options, writer)`.
//! None of them prints directly, so tests render into a `Vec<u8>`.

use std::io::{self, Write};

use clap::ValueEnum;

use crate::report::Report;

pub mod json;
pub mod table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The key x stage matrix and the findings, for a terminal.
    Table,
    /// The `envtrail/v1` report (see the contract).
    Json,
    /// A pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colour (the table only).
    pub color: bool,
    /// The fail-on threshold, so the table's last line can say what fails the run.
    pub fail_on: Option<crate::finding::Severity>,
}

pub fn render(format: Format, report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Markdown | Format::Sarif | Format::Github => {
            // Until their renderers land, machine formats fall back to JSON
            // rather than printing nothing.
            json::render(report, out)
        }
    }
}
