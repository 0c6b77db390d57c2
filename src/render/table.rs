//! `--format table`: the key x stage matrix, then the findings with
//! file:line, then a one-line verdict. Colour only when asked (a terminal
//! without `NO_COLOR`, or `--color always`).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style as TableStyle, Width};

use crate::chain::reach::Target;
use crate::chain::{Chain, KeyRow, Verdict};
use crate::facts::{Consumer, Stage};
use crate::finding::{Confidence, Severity};
use crate::render::RenderOptions;
use crate::render::targets::{self, FoldedCounts};
use crate::report::Report;

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
    fn ok(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    fn bad(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    fn warn(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    fn severity(&self, severity: Severity) -> String {
        let style = match severity {
            Severity::Error => AnsiColor::Red.on_default().bold(),
            Severity::Warning => AnsiColor::Yellow.on_default().bold(),
            Severity::Note => AnsiColor::Cyan.on_default().bold(),
        };
        self.paint(style, severity.as_str())
    }
}

/// `file:line`, shortened to the file name when the stage column would
/// otherwise be unreadably wide.
fn short_place(loc: &crate::location::Location) -> String {
    let name = loc.file.rsplit('/').next().unwrap_or(&loc.file);
    format!("{name}:{}", loc.line())
}

fn secret_cell(chain: &Chain, row: &KeyRow, p: &Palette) -> String {
    let from_secret: Vec<&str> = row
        .written
        .iter()
        .filter_map(|w| w.source.secret_name())
        .collect();
    if let Some(name) = from_secret.first() {
        let label = if *name == row.key {
            String::new()
        } else {
            format!(" {name}")
        };
        return match chain.inventory {
            Some(_) if chain.in_inventory(name) => {
                p.ok(&format!("✓{label}{}", store_note(chain, name)))
            }
            Some(_) => p.bad(&format!("✗{label} not in store")),
            None => format!("secrets.{name}"),
        };
    }
    if chain.in_inventory(&row.key) {
        return p.ok(&format!("✓ stored{}", store_note(chain, &row.key)));
    }
    p.dim("–")
}

/// ` (env:production)`: the stores holding `name` when one of them is not
/// the repository's (a plain `--secrets FILE` shows nothing more).
pub(super) fn store_note(chain: &Chain, name: &str) -> String {
    let stores = chain
        .secrets
        .get(name)
        .map(|s| s.stores.as_slice())
        .unwrap_or_default();
    if stores
        .iter()
        .all(|s| *s == crate::chain::StoreKind::Repository)
    {
        return String::new();
    }
    let names: Vec<String> = stores.iter().map(|s| s.short()).collect();
    format!(" ({})", names.join(", "))
}

fn stage_cell(row: &KeyRow, stage: Stage, p: &Palette) -> String {
    let writes: Vec<_> = row.writes_at(stage).collect();
    match writes.as_slice() {
        // Nobody has to write what the platform sets: not a gap, so not red.
        [] if row
            .verdict()
            .is_some_and(|v| matches!(v, Verdict::Platform { .. })) =>
        {
            p.dim("platform")
        }
        [] => p.bad("✗"),
        [one] => p.ok(&format!(
            "✓ {}{}",
            platform_word(one.via),
            short_place(&one.location)
        )),
        [first, rest @ ..] => p.ok(&format!(
            "✓ {}{} +{}",
            platform_word(first.via),
            short_place(&first.location),
            rest.len()
        )),
    }
}

/// A platform stage's name before its place (`app-engine main.yaml:36`):
/// the file alone does not say which platform a workflow line feeds.
/// Compose, image, dotenv and Kubernetes stages go by their files.
fn platform_word(via: crate::facts::WriteVia) -> String {
    use crate::facts::WriteVia as V;
    match via {
        V::Terraform
        | V::EcsTaskDefinition
        | V::CloudFoundry
        | V::Fly
        | V::Render
        | V::AppEngine
        | V::Heroku
        | V::Helm
        | V::Kustomize
        | V::Systemd
        | V::Bicep
        | V::CloudRun => format!("{} ", via.as_str()),
        _ => String::new(),
    }
}

/// The target's verdict on the key, and where it is set there; a key the
/// app does not read has no verdict, only whether it arrives there.
fn target_cell(row: &KeyRow, target: &Target, p: &Palette) -> String {
    match (target.verdict(&row.key), target.keys.get(&row.key)) {
        (Some(Verdict::Set { at, .. }), _) => p.ok(&format!("✓ {}", short_place(at))),
        (Some(v), _) => verdict_word(v, p),
        (None, Some(location)) => p.ok(&format!("✓ {}", short_place(location))),
        // Not read, and not arriving here: what env-drift compares.
        (None, None) => p.bad("✗"),
    }
}

/// The folded targets in one cell: how many set the key, how many expect it
/// and lack it, how many are unknown; `–` when none sets or expects it.
fn folded_cell(row: &KeyRow, folded: &[Target], p: &Palette) -> String {
    let counts = FoldedCounts::of(row, folded);
    let mut parts = Vec::new();
    if counts.set > 0 {
        parts.push(p.ok(&format!("✓ {}", counts.set)));
    }
    if counts.missing > 0 {
        parts.push(p.bad(&format!("✗ {}", counts.missing)));
    }
    if counts.unknown > 0 {
        parts.push(p.warn(&format!("? {}", counts.unknown)));
    }
    if parts.is_empty() {
        return p.dim("–");
    }
    parts.join(" ")
}

fn settings_cell(row: &KeyRow, p: &Palette) -> String {
    let reads: Vec<_> = row.app_reads().collect();
    let Some(read) = row.head_read().or(reads.first().copied()) else {
        let outside = row.read.iter().find_map(|r| match r.consumer {
            Consumer::Test => Some("(tests only)"),
            Consumer::CiHelper => Some("(CI helper)"),
            Consumer::Vendored => Some("(build copy)"),
            _ => None,
        });
        return if let Some(word) = outside {
            p.dim(word)
        } else if row.read.iter().any(|r| r.consumer != Consumer::App) {
            p.dim("(consumed)")
        } else {
            p.dim("✗ unread")
        };
    };
    let mut cell = if read.required && read.guard.is_some() {
        // Required only where its branch runs.
        p.warn("guarded")
    } else if read.required {
        p.bold("required")
    } else if let Some(d) = &read.default {
        p.warn(&format!("default: {}", d.as_python()))
    } else if read.has_default {
        p.warn("default: (expr)")
    } else {
        p.warn("optional")
    };
    if let Some(head) = &read.fallback_of {
        cell = p.dim(&format!("alias of {head}"));
    }
    cell
}

/// The chain's verdict: does the value reach the app?
fn reach_cell(row: &KeyRow, p: &Palette) -> String {
    match row.verdict() {
        Some(v) => verdict_word(v, p),
        None => p.dim("–"),
    }
}

/// One verdict in a cell, the same words in every column.
/// A cell's width on screen: its characters, without ANSI colour codes.
fn shown_width(cell: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for line in cell.lines() {
        let mut w = 0;
        for c in line.chars() {
            match (in_escape, c) {
                (false, '\u{1b}') => in_escape = true,
                (true, 'm') => in_escape = false,
                (true, _) => {}
                (false, _) => w += 1,
            }
        }
        width = width.max(w);
    }
    width
}

/// Each column's width so that the table fits `total` columns of terminal:
/// the widest column but the keys' gives a character at a time, none below
/// [`MIN_COLUMN`] (so on a very narrow terminal it stays wider); the keys
/// are never narrowed. `None` when it already fits.
fn fitted_widths(natural: &[usize], total: usize) -> Option<Vec<usize>> {
    // A cell is its text, a space each side and one border.
    let table = |ws: &[usize]| ws.iter().map(|w| w + 3).sum::<usize>() + 1;
    if table(natural) <= total {
        return None;
    }
    let mut widths = natural.to_vec();
    while table(&widths) > total {
        let (i, w) = widths.iter().enumerate().skip(1).max_by_key(|(_, w)| **w)?;
        if *w <= MIN_COLUMN {
            break;
        }
        widths[i] -= 1;
    }
    Some(widths)
}

/// Narrower than this, a column's words (`deploy.yml:43`) would break.
const MIN_COLUMN: usize = 10;

/// What the cells' marks mean, under the table.
const LEGEND: &str = "✓ set (where) · ✗ not set · ? unknown: a stage envtrail cannot see may set it · default: runs on a default · platform: the platform sets it · – none";

fn verdict_word(verdict: &Verdict, p: &Palette) -> String {
    match verdict {
        Verdict::Set { .. } => p.ok("✓"),
        Verdict::Platform { .. } => p.dim("platform"),
        Verdict::Defaulted { .. } => p.warn("default"),
        Verdict::Unset { .. } => p.bad("✗"),
        Verdict::Unknown { .. } => p.warn("? unknown"),
    }
}

fn live_cell(row: &KeyRow, p: &Palette) -> String {
    match row.live {
        Some(l) if l.present && !l.empty => p.ok("✓"),
        Some(l) if l.present => p.warn("empty"),
        Some(_) => p.bad("✗"),
        None => p.dim("–"),
    }
}

pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = Palette { on: options.color };
    let chain = &report.chain;
    if chain.rows.is_empty() {
        writeln!(out, "No env keys found under {}.", report.root)?;
    } else {
        write_matrix(chain, options, &p, out)?;
    }
    write_notes(chain, &p, out)?;
    for f in &report.findings {
        write_finding(f, &p, out)?;
    }
    write_summary(report, options, &p, out)
}

/// The key × stage matrix, its legend and what folded targets it holds.
fn write_matrix(
    chain: &Chain,
    options: &RenderOptions,
    p: &Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    let has_deploy = chain.has_stage(Stage::Deploy);
    let has_live = chain.rows.values().any(|r| r.live.is_some());
    // One column per deploy target, when there are several to compare; past
    // what fits, the rest folded into one.
    let all_targets = targets::compared(chain);
    let (targets, folded) = targets::fold(all_targets);
    let header = matrix_header(chain, targets, folded.len(), has_live);
    let mut builder = Builder::default();
    let mut natural: Vec<usize> = header.iter().map(|h| shown_width(h)).collect();
    builder.push_record(header);
    for row in chain.rows.values() {
        let mut record = vec![
            row.key.clone(),
            secret_cell(chain, row, p),
            stage_cell(row, Stage::Workflow, p),
        ];
        if has_deploy {
            record.push(stage_cell(row, Stage::Deploy, p));
        }
        record.extend(targets.iter().map(|t| target_cell(row, t, p)));
        if !folded.is_empty() {
            record.push(folded_cell(row, folded, p));
        }
        record.push(settings_cell(row, p));
        record.push(reach_cell(row, p));
        if has_live {
            record.push(live_cell(row, p));
        }
        for (w, cell) in natural.iter_mut().zip(&record) {
            *w = (*w).max(shown_width(cell));
        }
        builder.push_record(record);
    }
    let mut table = builder.build();
    table.with(TableStyle::sharp());
    if let Some(widths) = options.width.and_then(|w| fitted_widths(&natural, w)) {
        for (column, width) in widths.into_iter().enumerate() {
            table.with(
                Modify::new(Columns::new(column..=column))
                    .with(Width::wrap(width).keep_words(true)),
            );
        }
    }
    writeln!(out, "{table}")?;
    writeln!(out, "{}", p.dim(LEGEND))?;
    if !folded.is_empty() {
        writeln!(
            out,
            "{} {} deploy targets: the last {} share one column (✓ set, ✗ missing, ? unknown; --format json names each)",
            p.dim("targets:"),
            all_targets.len(),
            folded.len()
        )?;
    }
    Ok(())
}

/// The matrix's column names: the stages, the targets (the folded ones
/// as one `+N TARGETS`), the settings, the verdict, the live container.
fn matrix_header(chain: &Chain, targets: &[Target], folded: usize, has_live: bool) -> Vec<String> {
    let mut header: Vec<String> = ["KEY", "SECRET", "WORKFLOW"].map(String::from).to_vec();
    if chain.has_stage(Stage::Deploy) {
        // A platform deploys the app: the column is more than compose and images.
        let platform = chain.rows.values().any(|r| {
            r.writes_at(Stage::Deploy)
                .any(|w| !platform_word(w.via).is_empty())
        });
        header.push(if platform { "DEPLOY" } else { "COMPOSE/IMAGE" }.into());
    }
    header.extend(targets.iter().map(|t| t.name.clone()));
    if folded > 0 {
        header.push(format!("+{folded} TARGETS"));
    }
    header.extend(["SETTINGS", "REACHES"].map(String::from));
    if has_live {
        header.push("LIVE".into());
    }
    header
}

/// The lines under the matrix: how the app starts, opaque env files, keys
/// built at run time, notes of the run.
fn write_notes(chain: &Chain, p: &Palette, out: &mut dyn Write) -> io::Result<()> {
    if let Some(line) = entry_points_line(chain) {
        writeln!(out, "{} {line}", p.dim("app:"))?;
    }
    for opaque in &chain.opaque {
        writeln!(
            out,
            "{} {} is written from the opaque value {} ({}): its keys cannot be known",
            p.warn("!"),
            opaque.sink,
            opaque.source.label(),
            opaque.location
        )?;
    }
    if !chain.unknown_reads.is_empty() {
        let places: Vec<String> = chain
            .unknown_reads
            .iter()
            .map(|r| r.location.to_string())
            .collect();
        writeln!(
            out,
            "{} keys built at run time (not audited): {}",
            p.dim("?"),
            places.join(", ")
        )?;
    }
    for note in &chain.notes {
        writeln!(
            out,
            "{} {}: {}",
            p.dim("note:"),
            note.location.shown_file(),
            note.message
        )?;
    }
    Ok(())
}

fn write_finding(f: &crate::finding::Finding, p: &Palette, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    let key = f
        .key
        .as_deref()
        .map(|k| format!(" {k}"))
        .unwrap_or_default();
    let confidence = match f.confidence {
        Confidence::High => String::new(),
        c => p.dim(&format!(" ({} confidence)", c.as_str())),
    };
    writeln!(
        out,
        "{}[{}]{}{confidence}",
        p.severity(f.severity),
        f.rule,
        p.bold(&key)
    )?;
    writeln!(out, "  {} {}", p.dim("-->"), f.location)?;
    writeln!(out, "  {}", f.message)?;
    for r in &f.related {
        writeln!(out, "  {} {}: {}", p.dim("..."), r.location, r.label)?;
    }
    if let Some(tip) = &f.tip {
        writeln!(out, "  {} {tip}", p.dim("tip:"))?;
    }
    Ok(())
}

/// The last line: the verdict and the counts.
fn write_summary(
    report: &Report,
    options: &RenderOptions,
    p: &Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    let chain = &report.chain;
    let s = report.summary();
    writeln!(out)?;
    let verdict = if chain.rows.is_empty() {
        // Nothing read or written is nothing audited, not a clean bill.
        p.warn("nothing to audit:")
    } else if report.findings.is_empty() {
        p.ok("✓ no drift")
    } else if report.fails(options.fail_on) {
        p.bad("✗")
    } else {
        p.warn("!")
    };
    writeln!(
        out,
        "{verdict} {} error{}, {} warning{}, {} note{} in {} key{}",
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.note,
        plural(s.note),
        chain.rows.len(),
        plural(chain.rows.len()),
    )
}

/// At most this many entry points are named under the table.
const MAX_ENTRY_POINTS: usize = 5;

/// `gunicorn config.wsgi (Dockerfile:12), celery -A proj (docker-compose.yml:20)`:
/// how the app starts, as found; `None` when nothing says.
fn entry_points_line(chain: &Chain) -> Option<String> {
    let shown = chain.app.shown();
    if shown.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = shown
        .iter()
        .take(MAX_ENTRY_POINTS)
        .map(|e| format!("{} ({})", e.command, e.location))
        .collect();
    if shown.len() > MAX_ENTRY_POINTS {
        parts.push(format!("and {} more", shown.len() - MAX_ENTRY_POINTS));
    }
    Some(parts.join(", "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    fn rendered(width: Option<usize>) -> String {
        let options = RenderOptions {
            width,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        render(&testdata::stagelog(), &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// On a narrow terminal the table wraps its widest cells at word breaks:
    /// every line of it fits, and every key is still whole on one line.
    #[test]
    fn the_table_fits_a_narrow_terminal_without_cutting_keys() {
        let wide = rendered(None);
        let narrow = rendered(Some(90));
        let table = |text: &str| -> Vec<String> {
            text.lines()
                .take_while(|l| !l.starts_with('✓'))
                .map(str::to_string)
                .collect()
        };
        assert!(
            table(&wide).iter().any(|l| l.chars().count() > 90),
            "the fixture's table is wider than the terminal"
        );
        for line in table(&narrow) {
            assert!(line.chars().count() <= 90, "{line}");
        }
        for row in testdata::stagelog().chain.rows.keys() {
            assert!(
                narrow.lines().any(|l| l.contains(row.as_str())),
                "{row} cut:\n{narrow}"
            );
        }
    }

    #[test]
    fn a_legend_follows_the_table() {
        let text = rendered(None);
        let legend = text.lines().find(|l| l.starts_with("✓ set")).unwrap();
        assert!(legend.contains("? unknown") && legend.contains("platform"));
    }
}
