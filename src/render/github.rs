//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,title=<rule-id>::message`), which the runner turns
//! into annotations on the pull request's diff. Gitea Actions reads the same.
//!
//! Escaping follows the runner's own (actions/toolkit `command.ts`): in the
//! data `%`, `\r`, `\n`; in properties also `:` and `,`. Without it a key or
//! path a user controls could end the command early or forge another one.

use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::render::RenderOptions;
use crate::report::Report;

pub fn render(report: &Report, _options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", command(f))?;
    }
    Ok(())
}

/// The workflow command for one finding.
pub fn command(f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut message = f.message.clone();
    for r in &f.related {
        message.push_str(&format!("\n{}: {}", r.location, r.label));
    }
    if let Some(tip) = &f.tip {
        message.push_str(&format!("\ntip: {tip}"));
    }
    format!(
        "::{level} file={},line={},col={},title={}::{}",
        escape_property(&f.location.shown_file()),
        f.location.line(),
        f.location.column + 1,
        escape_property(f.rule.as_str()),
        escape_data(&message)
    )
}

pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;
    use crate::render::testdata;
    use crate::rules::RuleId;

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &RenderOptions::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn stagelog_annotations() {
        insta::assert_snapshot!(rendered(&testdata::stagelog()));
    }

    #[test]
    fn clean_prints_nothing() {
        assert_eq!(rendered(&testdata::clean()), "");
    }

    #[test]
    fn hostile_messages_cannot_break_out() {
        let f = Finding::new(
            RuleId::WrittenUnread,
            Some("K,title=x::y"),
            Location::new("a,b:c%d\r\n::error file=x::forged.yml", 2, 0),
            "100% broken\r\n::error::forged, really: yes",
        );
        let cmd = command(&f);
        assert_eq!(
            cmd,
            "::notice file=a%2Cb%3Ac%25d%0D%0A%3A%3Aerror file=x%3A%3Aforged.yml,line=3,col=1,\
             title=written-unread::100%25 broken%0D%0A::error::forged, really: yes"
        );
        // One physical line: no forged second command.
        assert_eq!(cmd.lines().count(), 1);
        // The data part keeps `:` and `,` as the runner expects.
        assert!(cmd.ends_with("::error::forged, really: yes"));
    }

    #[test]
    fn escaping_round_trips_like_the_runner() {
        // The runner's unescape, applied to our escape, gives the text back.
        let unescape = |s: &str| {
            s.replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%3A", ":")
                .replace("%2C", ",")
                .replace("%25", "%")
        };
        for text in ["%0A literal", "a%3Ab", "::x,y\n\r%%", "ünï €"] {
            assert_eq!(unescape(&escape_property(text)), text);
            assert_eq!(unescape(&escape_data(text)), text);
        }
    }
}
