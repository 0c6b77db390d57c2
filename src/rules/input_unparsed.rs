//! `input-unparsed`: a file could not be read or parsed; the rest of the
//! audit went on without it. A Python file outside the app's code (a test,
//! a one-off script, a vendored copy, by its path and the app's imports) is
//! said as a note: its reads are not audited against the deploy anyway.

use super::RuleId;
use crate::chain::Chain;
use crate::facts::Consumer;
use crate::finding::{Finding, Severity};

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    for unparsed in &chain.unparsed {
        let file = unparsed.location.file.as_str();
        let outside = outside_the_app(chain, file);
        let mut message = format!(
            "{} could not be parsed: {}",
            crate::location::shown(file),
            unparsed.message
        );
        if let Some(what) = outside {
            message.push_str(&format!(
                " (a note: {what} outside the app's code, not audited against the deploy)"
            ));
        }
        let finding = Finding::new(
            RuleId::InputUnparsed,
            None,
            unparsed.location.clone(),
            message,
        );
        out.push(match outside {
            Some(_) => finding.with_severity(Severity::Note),
            None => finding,
        });
    }
}

/// What a Python file is when the app's entry points do not import it and
/// its path says test, script or vendored copy.
fn outside_the_app(chain: &Chain, file: &str) -> Option<&'static str> {
    if !file.ends_with(".py") || chain.app.entry_points.is_empty() || chain.app.files.contains(file)
    {
        return None;
    }
    match Consumer::outside_the_app(file)? {
        Consumer::Test => Some("a test"),
        Consumer::Script => Some("a one-off script"),
        Consumer::Vendored => Some("a vendored or built copy"),
        Consumer::CiHelper => Some("a CI helper script"),
        _ => None,
    }
}
