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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::app::AppCode;
    use crate::facts::{EntryPoint, EntryVia, Unparsed};
    use crate::location::Location;

    /// The app starts `config.wsgi`, which imports `config/settings.py`.
    fn app() -> AppCode {
        AppCode {
            entry_points: vec![EntryPoint {
                command: "gunicorn config.wsgi".into(),
                modules: vec!["config.wsgi".into()],
                location: Location::new("Dockerfile", 9, 1),
                via: EntryVia::Dockerfile,
            }],
            files: ["config/wsgi.py", "config/settings.py"]
                .into_iter()
                .map(String::from)
                .collect(),
        }
    }

    /// The findings on these unparsed files.
    fn findings(app: AppCode, files: &[&str]) -> Vec<Finding> {
        let chain = Chain {
            unparsed: files
                .iter()
                .map(|f| Unparsed {
                    location: Location::new(*f, 3, 1),
                    message: "invalid syntax".into(),
                })
                .collect(),
            app,
            ..Chain::default()
        };
        let mut out = Vec::new();
        check(&chain, &mut out);
        out
    }

    /// `(file, severity)` of each finding on these unparsed files.
    fn severities(app: AppCode, files: &[&str]) -> Vec<(String, Severity)> {
        findings(app, files)
            .into_iter()
            .map(|f| (f.location.file.to_string(), f.severity))
            .collect()
    }

    #[test]
    fn tests_scripts_vendored_copies_and_ci_helpers_outside_the_app_are_notes() {
        let files = [
            "app/tests/test_views.py",
            "scripts/backfill.py",
            "vendor/lib/six.py",
            ".github/scripts/release.py",
        ];
        let got = severities(app(), &files);
        let want: Vec<_> = files
            .iter()
            .map(|f| (f.to_string(), Severity::Note))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_note_says_what_the_file_is() {
        let out = findings(app(), &[".github/scripts/release.py"]);
        assert!(
            out[0]
                .message
                .contains("(a note: a CI helper script outside"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn a_file_the_app_imports_is_a_warning_whatever_its_path() {
        let mut app = app();
        app.files.insert("app/tests/fixtures.py".into());
        let got = severities(app, &["app/tests/fixtures.py", "config/settings.py"]);
        assert_eq!(
            got,
            [
                ("app/tests/fixtures.py".to_string(), Severity::Warning),
                ("config/settings.py".to_string(), Severity::Warning),
            ]
        );
    }

    #[test]
    fn without_entry_points_every_file_is_a_warning() {
        // Nothing says what the app runs, so nothing is known to be outside it.
        let got = severities(AppCode::default(), &["app/tests/test_views.py"]);
        assert_eq!(
            got,
            [("app/tests/test_views.py".to_string(), Severity::Warning)]
        );
    }

    #[test]
    fn a_file_that_is_not_python_is_a_warning_whatever_its_path() {
        let got = severities(app(), &["tests/docker-compose.yml"]);
        assert_eq!(
            got,
            [("tests/docker-compose.yml".to_string(), Severity::Warning)]
        );
    }
}
