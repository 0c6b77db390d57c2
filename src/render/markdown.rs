//! `--format markdown`: the pull-request comment. A reviewer reads it in ten
//! seconds: a one-line verdict, the findings by severity with links to their
//! lines, the key x stage matrix folded in `<details>`. The first line is a
//! hidden marker so a workflow can find and update its previous comment.
//!
//! Plain CommonMark + GFM tables + `<details>`: GitHub and Gitea (goldmark)
//! render it alike. Everything a user controls (keys, paths, messages) is
//! escaped, and the comment is cut to GitHub's size limit.

use std::io::{self, Write};

use crate::chain::{Chain, KeyRow, Verdict};
use crate::facts::Stage;
use crate::finding::{Confidence, Finding, Severity};
use crate::location::Location;
use crate::render::targets::{self, FoldedCounts};
use crate::render::{LinkBase, RenderOptions};
use crate::report::Report;

/// The hidden first line a workflow looks for to update its comment.
pub const MARKER: &str = "<!-- envtrail -->";

/// GitHub rejects issue and PR comments longer than this (in characters).
pub const COMMENT_LIMIT: usize = 65_536;

pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render_string(report, options, COMMENT_LIMIT).as_bytes())
}

/// The comment, at most `limit` characters long.
pub fn render_string(report: &Report, options: &RenderOptions, limit: usize) -> String {
    let links = options.links.as_ref();
    let mut head = String::new();
    head.push_str(MARKER);
    head.push('\n');
    head.push_str(&format!("### {}\n", verdict(report, options)));

    // Blocks that may be left out when the comment is too long, in order.
    let mut blocks: Vec<(Option<&Finding>, String)> = Vec::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        blocks.push((
            None,
            format!("\n#### {} ({})\n\n", heading(severity), group.len()),
        ));
        for f in group {
            blocks.push((Some(f), finding_item(f, links)));
        }
    }
    let matrix = matrix(&report.chain, links);

    let mut body = head;
    let full: usize =
        body.chars().count() + blocks.iter().map(|(_, b)| b.chars().count()).sum::<usize>();
    let matrix_len = matrix.as_ref().map_or(0, |m| m.chars().count());
    if full + matrix_len + FOOTER.chars().count() <= limit {
        for (_, block) in &blocks {
            body.push_str(block);
        }
        if let Some(m) = &matrix {
            body.push_str(m);
        }
        body.push_str(FOOTER);
        return body;
    }

    // Too long: keep whole findings while they fit, leaving room for the
    // line that says what was left out.
    const RESERVE: usize = 400;
    let mut used = body.chars().count();
    let mut left_out = 0usize;
    for (finding, block) in &blocks {
        let len = block.chars().count();
        if left_out == 0 && used + len + RESERVE <= limit {
            body.push_str(block);
            used += len;
        } else if finding.is_some() {
            left_out += 1;
        }
    }
    let matrix_note = if matrix.is_some() {
        " and the key × stage matrix"
    } else {
        ""
    };
    let cut = format!(
        "\n> {left_out} finding{}{matrix_note} {} left out: the comment would exceed GitHub's limit of {COMMENT_LIMIT} characters. Run `envtrail check` for the full report.\n",
        if left_out == 1 { "" } else { "s" },
        if left_out == 1 && matrix.is_none() {
            "was"
        } else {
            "were"
        }
    );
    body.push_str(&cut);
    body.push_str(FOOTER);
    // The reserve covers the note and footer; this only guards a tiny limit.
    if body.chars().count() > limit {
        body = body.chars().take(limit).collect();
    }
    body
}

const FOOTER: &str = "\n<sub>envtrail: secrets → workflow → compose → settings → container</sub>\n";

fn verdict(report: &Report, options: &RenderOptions) -> String {
    let s = report.summary();
    if report.findings.is_empty() {
        return format!(
            "✅ envtrail: no drift in {} key{}",
            report.chain.rows.len(),
            plural(report.chain.rows.len())
        );
    }
    let mark = if report.fails(options.fail_on) {
        "❌"
    } else {
        "⚠️"
    };
    format!(
        "{mark} envtrail: {} error{}, {} warning{}, {} note{}",
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.note,
        plural(s.note)
    )
}

fn heading(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Errors",
        Severity::Warning => "Warnings",
        Severity::Note => "Notes",
    }
}

fn finding_item(f: &Finding, links: Option<&LinkBase>) -> String {
    let key = f
        .key
        .as_deref()
        .map(|k| format!(" {}", code(k)))
        .unwrap_or_default();
    let confidence = match f.confidence {
        Confidence::High => String::new(),
        c => format!(" _({} confidence)_", c.as_str()),
    };
    let mut item = format!(
        "- **{}**{key}{confidence} at {}  \n  {}\n",
        f.rule,
        place(&f.location, links),
        rich(&f.message)
    );
    for r in &f.related {
        item.push_str(&format!(
            "  - {}: {}\n",
            place(&r.location, links),
            rich(&r.label)
        ));
    }
    if let Some(tip) = &f.tip {
        item.push_str(&format!("  - 💡 {}\n", rich(tip)));
    }
    item
}

/// `file:line`, linked to the line when the repository can be browsed.
fn place(location: &Location, links: Option<&LinkBase>) -> String {
    let text = inline(&location.to_string());
    match links {
        Some(base) => format!("[{text}]({})", base.line_url(location)),
        None => text,
    }
}

fn matrix(chain: &Chain, links: Option<&LinkBase>) -> Option<String> {
    if chain.rows.is_empty() {
        return None;
    }
    let columns = MatrixColumns::of(chain);
    let mut m = format!(
        "\n<details><summary>Key × stage matrix ({} key{})</summary>\n\n",
        chain.rows.len(),
        plural(chain.rows.len())
    );
    m.push_str(&columns.header());
    for row in chain.rows.values() {
        m.push_str(&format!(
            "| {} | {} | {} |",
            code(&row.key),
            secret_cell(chain, row),
            stage_cell(row, Stage::Workflow, links)
        ));
        if columns.deploy {
            m.push_str(&format!(" {} |", stage_cell(row, Stage::Deploy, links)));
        }
        for t in columns.targets {
            m.push_str(&format!(" {} |", target_cell(row, t, links)));
        }
        if !columns.folded.is_empty() {
            m.push_str(&format!(" {} |", folded_cell(row, columns.folded)));
        }
        m.push_str(&format!(" {} |", settings_cell(row, links)));
        m.push_str(&format!(" {} |", reach_cell(row)));
        if columns.live {
            let live = match row.live {
                Some(l) if l.present && !l.empty => "✅",
                Some(l) if l.present => "⚠️ empty",
                Some(_) => "❌",
                None => "–",
            };
            m.push_str(&format!(" {live} |"));
        }
        m.push('\n');
    }
    if !columns.folded.is_empty() {
        m.push_str(&format!(
            "\n{} deploy targets: the last {} share one column (✅ set, ❌ missing, ❔ unknown; `--format json` names each).\n",
            columns.targets.len() + columns.folded.len(),
            columns.folded.len()
        ));
    }
    m.push_str("\n</details>\n");
    Some(m)
}

/// The matrix's optional columns: the deploy stage, one per deploy target
/// when there are several to compare (past what fits, the rest folded into
/// one, as in the table), the live container.
struct MatrixColumns<'a> {
    deploy: bool,
    targets: &'a [crate::chain::reach::Target],
    folded: &'a [crate::chain::reach::Target],
    live: bool,
}

impl<'a> MatrixColumns<'a> {
    fn of(chain: &'a Chain) -> Self {
        let (targets, folded) = targets::fold(targets::compared(chain));
        MatrixColumns {
            deploy: chain.has_stage(Stage::Deploy),
            targets,
            folded,
            live: chain.rows.values().any(|r| r.live.is_some()),
        }
    }

    /// The header row and the alignment row under it.
    fn header(&self) -> String {
        let mut h = String::from("| Key | Secret | Workflow |");
        if self.deploy {
            h.push_str(" Compose/image |");
        }
        for t in self.targets {
            h.push_str(&format!(" {} |", code(&t.name)));
        }
        if !self.folded.is_empty() {
            h.push_str(&format!(" +{} targets |", self.folded.len()));
        }
        h.push_str(" Settings | Reaches |");
        if self.live {
            h.push_str(" Live |");
        }
        let columns = 5
            + self.targets.len()
            + usize::from(!self.folded.is_empty())
            + usize::from(self.deploy)
            + usize::from(self.live);
        h.push_str("\n|");
        h.push_str(&"---|".repeat(columns));
        h.push('\n');
        h
    }
}

/// The folded targets in one cell: how many set the key, how many expect
/// it and lack it, how many are unknown; `–` when none sets or expects it.
fn folded_cell(row: &KeyRow, folded: &[crate::chain::reach::Target]) -> String {
    let counts = FoldedCounts::of(row, folded);
    let parts: Vec<String> = [
        ("✅", counts.set),
        ("❌", counts.missing),
        ("❔", counts.unknown),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(mark, n)| format!("{mark} {n}"))
    .collect();
    if parts.is_empty() {
        "–".to_string()
    } else {
        parts.join(" ")
    }
}

fn secret_cell(chain: &Chain, row: &KeyRow) -> String {
    let name = row.written.iter().find_map(|w| w.source.secret_name());
    match (name, chain.inventory.is_some()) {
        (Some(n), true) if chain.in_inventory(n) => format!(
            "✅ {}{}",
            code(&format!("secrets.{n}")),
            super::table::store_note(chain, n)
        ),
        (Some(n), true) => format!("❌ {} not in store", code(&format!("secrets.{n}"))),
        (Some(n), false) => code(&format!("secrets.{n}")),
        (None, _) if chain.in_inventory(&row.key) => {
            format!("✅ stored{}", super::table::store_note(chain, &row.key))
        }
        (None, _) => "–".to_string(),
    }
}

/// The chain's verdict: does the value reach the app?
fn reach_cell(row: &KeyRow) -> &'static str {
    row.verdict().map_or("–", verdict_word)
}

/// The target's verdict on the key, and where it is set there; a key the
/// app does not read has no verdict, only whether it arrives there.
fn target_cell(
    row: &KeyRow,
    target: &crate::chain::reach::Target,
    links: Option<&LinkBase>,
) -> String {
    match (target.verdict(&row.key), target.keys.get(&row.key)) {
        (Some(Verdict::Set { at, .. }), _) => format!("✅ {}", place(at, links)),
        (Some(v), _) => verdict_word(v).to_string(),
        (None, Some(location)) => format!("✅ {}", place(location, links)),
        // Not read, and not arriving here: what env-drift compares.
        (None, None) => "❌".to_string(),
    }
}

/// One verdict in a cell, the same words in every column.
fn verdict_word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Set { .. } => "✅",
        Verdict::Platform { .. } => "platform",
        Verdict::Defaulted { .. } => "⚠️ default",
        Verdict::Unset { .. } => "❌",
        Verdict::Unknown { .. } => "❔ unknown",
    }
}

fn stage_cell(row: &KeyRow, stage: Stage, links: Option<&LinkBase>) -> String {
    let writes: Vec<_> = row.writes_at(stage).collect();
    match writes.as_slice() {
        // Nobody has to write what the platform sets: not a gap.
        [] if row
            .verdict()
            .is_some_and(|v| matches!(v, Verdict::Platform { .. })) =>
        {
            "platform".to_string()
        }
        [] => "❌".to_string(),
        [one] => format!("✅ {}", place(&one.location, links)),
        [first, rest @ ..] => format!("✅ {} +{}", place(&first.location, links), rest.len()),
    }
}

fn settings_cell(row: &KeyRow, links: Option<&LinkBase>) -> String {
    let Some(read) = row.head_read().or_else(|| row.app_reads().next()) else {
        return if row.read.is_empty() {
            "unread".into()
        } else {
            "(consumed)".into()
        };
    };
    let how = if let Some(head) = &read.fallback_of {
        format!("alias of {}", code(head))
    } else if read.required && read.guard.is_some() {
        "required where its branch runs".to_string()
    } else if read.required {
        "required".to_string()
    } else if let Some(d) = &read.default {
        format!("default {}", code(&d.as_python()))
    } else if read.has_default {
        "default (expr)".to_string()
    } else {
        "optional".to_string()
    };
    format!("{how} · {}", place(&read.location, links))
}

/// Text safe in a Markdown paragraph or table cell: one line, no HTML, no
/// emphasis, links or code spans a user's key or message could open.
pub fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' | '\t' => out.push(' '),
            // Between two letters or digits `_` can neither open nor close
            // emphasis (CommonMark), so `AWS_REGION` stays readable in the raw text.
            '_' if i > 0
                && chars.get(i - 1).is_some_and(|p| p.is_alphanumeric())
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) =>
            {
                out.push('_')
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Like [`inline`], but text between a pair of backticks becomes a code
/// span (messages and tips quote commands that way). Unbalanced backticks:
/// all escaped. Outside tables only: `|` is literal in a code span here.
pub fn rich(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return inline(text);
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&inline(part));
        } else if !part.trim().is_empty() {
            let part: String = part
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            out.push('`');
            out.push_str(&part);
            out.push('`');
        }
    }
    out
}

/// A code span when the text is plainly safe in one, escaped text otherwise
/// (a backtick cannot be escaped inside a code span).
pub fn code(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-.:/@=+,'\"$(){}".contains(c));
    if safe {
        format!("`{text}`")
    } else {
        inline(text)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    fn options() -> RenderOptions {
        RenderOptions {
            fail_on: Some(Severity::Error),
            ..RenderOptions::default()
        }
    }

    fn with_links() -> RenderOptions {
        RenderOptions {
            links: LinkBase::from_github(
                Some("https://github.com"),
                Some("stagelog/api"),
                Some("0123abc"),
            ),
            ..options()
        }
    }

    #[test]
    fn stagelog_comment() {
        insta::assert_snapshot!(render_string(
            &testdata::stagelog(),
            &options(),
            COMMENT_LIMIT
        ));
    }

    #[test]
    fn stagelog_comment_with_links() {
        insta::assert_snapshot!(render_string(
            &testdata::stagelog(),
            &with_links(),
            COMMENT_LIMIT
        ));
    }

    #[test]
    fn clean_comment() {
        insta::assert_snapshot!(render_string(
            &testdata::clean(),
            &with_links(),
            COMMENT_LIMIT
        ));
    }

    #[test]
    fn the_marker_is_the_first_line() {
        let text = render_string(&testdata::stagelog(), &options(), COMMENT_LIMIT);
        assert_eq!(text.lines().next(), Some(MARKER));
    }

    #[test]
    fn long_reports_are_cut_to_the_limit_with_a_note() {
        let mut report = testdata::stagelog();
        let template = report.findings[0].clone();
        for i in 0..3000 {
            let mut f = template.clone();
            f.key = Some(format!("KEY_{i:05}"));
            f.message = format!("{} {}", f.message, "x".repeat(40));
            report.findings.push(f);
        }
        let text = render_string(&report, &options(), COMMENT_LIMIT);
        assert!(
            text.chars().count() <= COMMENT_LIMIT,
            "{}",
            text.chars().count()
        );
        assert!(text.starts_with(MARKER));
        assert!(
            text.contains("findings and the key × stage matrix were left out"),
            "{}",
            &text[text.len() - 500..]
        );
        assert!(!text.contains("<details>"));
        // Whole findings only: the last kept item is complete.
        let kept = text.matches("\n- **").count();
        let left: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("> "))
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(kept + left, report.findings.len());
    }

    #[test]
    fn small_limits_are_respected() {
        let text = render_string(&testdata::stagelog(), &options(), 700);
        assert!(text.chars().count() <= 700);
        assert!(text.contains("left out"));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut report = testdata::stagelog();
        report.findings[0].key = Some("A|B`<script>".into());
        report.findings[0].message =
            "line one\nline two | </details> [x](http://evil) *bold* `code`".into();
        report.findings[0].location.file = "dir with space/a|b.py".into();
        let text = render_string(&report, &with_links(), COMMENT_LIMIT);
        assert!(!text.contains("<script>"));
        assert!(!text.contains("line one\nline two"));
        assert!(
            text.contains(
                "line one line two \\| &lt;/details&gt; \\[x\\](http://evil) \\*bold\\* `code`"
            ),
            "{text}"
        );
        assert!(text.contains("A\\|B\\`&lt;script&gt;"), "{text}");
        assert!(
            text.contains("/blob/0123abc/dir%20with%20space/a%7Cb.py#L"),
            "{text}"
        );
        // Only the matrix opens a <details> block.
        assert_eq!(text.matches("<details>").count(), 1);
        assert_eq!(text.matches("</details>").count(), 1);
    }

    #[test]
    fn escaping_keeps_keys_readable_and_closes_every_door() {
        assert_eq!(inline("AWS_REGION"), "AWS_REGION");
        assert_eq!(inline("_x_ *y* a__b"), "\\_x\\_ \\*y\\* a\\_\\_b");
        assert_eq!(
            inline("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(rich("run `a > b | c` now"), "run `a > b | c` now");
        assert_eq!(rich("odd ` tick"), "odd \\` tick");
        assert_eq!(code("A|B"), "A\\|B");
    }

    #[test]
    fn links_need_all_three_variables() {
        assert!(LinkBase::from_github(Some("https://github.com"), None, Some("abc")).is_none());
        assert!(LinkBase::from_github(Some(""), Some("o/r"), Some("abc")).is_none());
        let base =
            LinkBase::from_github(Some("https://github.com/"), Some("o/r"), Some("abc")).unwrap();
        assert_eq!(
            base.line_url(&Location::new(testdata::SETTINGS, 84, 0)),
            "https://github.com/o/r/blob/abc/config/settings.py#L85"
        );
        let base =
            LinkBase::from_gitea(Some("https://gitea.example.com"), Some("o/r"), Some("abc"))
                .unwrap();
        assert_eq!(
            base.line_url(&Location::new(testdata::SETTINGS, 84, 0)),
            "https://gitea.example.com/o/r/src/commit/abc/config/settings.py#L85"
        );
    }
}
