//! `unset-defaulted`: the app reads KEY with a default and no stage sets it,
//! so every deployment silently runs on that default.
//!
//! Most defaults in real settings are the value production is meant to run
//! on (`ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8`, `TIME_ZONE = "UTC"`, a
//! feature off): reporting each as a warning buries the few that are a
//! development value in production. The finding keeps its default severity,
//! `warning`, when the default is one production should not run on (incident
//! 1's empty bucket name, a committed secret, `localhost`, `DEBUG=True`), and
//! is a `note` otherwise, its message saying why.

use super::RuleId;
use super::unset::{InjectionSites, chain_note, default_phrase, verdicts_for, with_deploy_story};
use crate::chain::reach::Defaulted;
use crate::chain::verdict::Defaulting;
use crate::chain::{Chain, Verdict};
use crate::facts::{DefaultValue, EnvRead};
use crate::finding::{Confidence, Finding, Severity};

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let sites = InjectionSites::of(chain);
    for (row, kv) in verdicts_for(chain, RuleId::UnsetDefaulted) {
        let read = &kv.read;
        // Where compose substitutes a default, the app gets compose's value,
        // never the code's: judged (and said) on what the container holds.
        let compose_default = match &kv.verdict {
            Verdict::Defaulted {
                default: Defaulting::Compose(d),
                ..
            } => Some(ComposeDefault::of(d)),
            _ => None,
        };
        let judged = match compose_default {
            Some(ComposeDefault::Written) => DefaultRisk::Intended(
                "compose substitutes a default of its own, written for the deploy",
            ),
            Some(ComposeDefault::Empty) => DefaultRisk::of(&row.key, &with_empty_default(read)),
            None => DefaultRisk::of(&row.key, read),
        };
        let mut message = message(&row.key, read, compose_default, judged);
        if let DefaultRisk::Intended(why) = judged {
            message.push_str(&format!(
                " (a note, not a warning: {why}; set {} in the deploy if production needs another value)",
                row.key
            ));
        }
        let mut finding = Finding::new(
            RuleId::UnsetDefaulted,
            Some(&row.key),
            read.location.clone(),
            message,
        );
        if matches!(judged, DefaultRisk::Intended(_)) {
            finding = finding
                .with_severity(Severity::Note)
                .with_confidence(Confidence::Low);
        }
        out.push(with_deploy_story(kv, sites.relate(read, finding)));
    }
}

/// The finding's words; "NO usable value" is said only where it is the
/// consequence.
fn message(
    key: &str,
    read: &EnvRead,
    compose_default: Option<ComposeDefault>,
    judged: DefaultRisk,
) -> String {
    let chain_note = chain_note(read);
    match (compose_default, judged, &read.default) {
        (Some(ComposeDefault::Written), ..) => format!(
            "{key} is set by no stage but a default compose substitutes{chain_note}: deployments silently run on compose's default, not the code's"
        ),
        (Some(ComposeDefault::Empty), judged, _) => format!(
            "{key} is set by no stage but an empty default compose substitutes{chain_note}: the container gets {key}=\"\"{}",
            match judged {
                DefaultRisk::Development => {
                    ", so the app runs with NO usable value whatever the code's default"
                }
                DefaultRisk::Intended(_) => ", whatever the code's default",
            }
        ),
        (None, DefaultRisk::Intended(_), Some(d)) => format!(
            "{key} is read with a default and no stage sets it{chain_note}: deployments silently run on the default; the default is {}",
            d.as_python()
        ),
        (None, ..) => format!(
            "{key} is read with a default and no stage sets it{chain_note}: deployments silently run on the default; {}",
            default_phrase(read)
        ),
    }
}

/// What compose substitutes for a key no stage sets: a default written in the
/// compose file, or (in any of its services) an empty one (`${K:-}`), which
/// sets the key to "" so the code's default never applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ComposeDefault {
    Written,
    Empty,
}

impl ComposeDefault {
    fn of(defaults: &[Defaulted]) -> ComposeDefault {
        match defaults.iter().any(|d| d.default_empty) {
            true => ComposeDefault::Empty,
            false => ComposeDefault::Written,
        }
    }
}

/// The read as the container runs it when compose sets the key to "".
fn with_empty_default(read: &EnvRead) -> EnvRead {
    let mut read = read.clone();
    read.default = Some(DefaultValue::Str(String::new()));
    read
}

/// Whether running production on a read's default is likely a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultRisk {
    /// A development value, or no usable value: a warning.
    Development,
    /// Plausibly the value production is meant to run on; the reason, in words.
    Intended(&'static str),
}

/// Words in a default that name a development host, store or placeholder.
const DEVELOPMENT_MARKERS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "[::1]",
    "sqlite",
    "example.com",
    "example.org",
    "example.net",
    "changeme",
    "change-me",
    "change_me",
    "insecure",
    "dummy",
    "placeholder",
    "your-",
    "your_",
    "xxx",
];

/// Whole tokens of a default (split on anything not alphanumeric) that say
/// it is a development or test value: `uplas_dev_db`, `local`.
const DEVELOPMENT_TOKENS: &[&str] = &["dev", "development", "local", "test", "testing"];

impl DefaultRisk {
    fn of(key: &str, read: &EnvRead) -> DefaultRisk {
        let tokens: Vec<&str> = key.split('_').filter(|t| !t.is_empty()).collect();
        let has_token = |t: &str| tokens.iter().any(|k| k.eq_ignore_ascii_case(t));
        if has_token("TEST") || has_token("TESTS") || has_token("TESTING") {
            return DefaultRisk::Intended("the key is named for tests");
        }
        let Some(default) = &read.default else {
            return match read.has_default {
                true => DefaultRisk::Intended("the default is computed in the code"),
                // No default at all, read under a guard envtrail cannot settle.
                false => DefaultRisk::Development,
            };
        };
        let secret = is_secret_name(key);
        let debug = has_token("DEBUG");
        // `IN_PRODUCTION`, `IS_PROD`: off by default, production runs as development.
        let production_switch = has_token("PRODUCTION") || has_token("PROD");
        match default {
            _ if production_switch && !is_truthy(default) => DefaultRisk::Development,
            DefaultValue::Str(s) if s.is_empty() && is_flag_name(&tokens) => {
                DefaultRisk::Intended("an empty default leaves a feature flag off")
            }
            DefaultValue::Str(s)
                if s.is_empty() && (has_token("PREFIX") || has_token("SUFFIX")) =>
            {
                DefaultRisk::Intended("an empty prefix or suffix is a usable value")
            }
            DefaultValue::Str(s) if s.is_empty() => DefaultRisk::Development,
            DefaultValue::None if secret => DefaultRisk::Development,
            DefaultValue::None => DefaultRisk::Intended(
                "without a value the app leaves the feature it configures off",
            ),
            _ if debug && is_truthy(default) => DefaultRisk::Development,
            DefaultValue::Str(s) if secret || names_development(s) => DefaultRisk::Development,
            // A database or service superuser as the default account.
            DefaultValue::Str(s) if has_token("USER") && s.eq_ignore_ascii_case("root") => {
                DefaultRisk::Development
            }
            DefaultValue::Str(_) => DefaultRisk::Intended("the default is a production-like value"),
            DefaultValue::Bool(_) | DefaultValue::Int(_) | DefaultValue::Float(_) => {
                DefaultRisk::Intended("the default is a plain number or boolean")
            }
        }
    }
}

/// A key that holds a credential: a default for it is a secret committed in
/// the code, and no value at all leaves the app unauthenticated.
fn is_secret_name(key: &str) -> bool {
    let key = key.to_ascii_uppercase();
    ["SECRET", "PASSWORD", "PASSWD", "TOKEN"]
        .iter()
        .any(|t| key.split('_').next_back() == Some(t))
        || [
            "SECRET_KEY",
            "API_KEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
            "CLIENT_SECRET",
        ]
        .iter()
        .any(|suffix| key.ends_with(suffix))
}

/// `ENABLE_X`, `X_ENABLED`, `USE_X`, `DISABLE_X`, `IS_X`: a boolean switch.
fn is_flag_name(tokens: &[&str]) -> bool {
    let is = |t: &&str, names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
    tokens
        .first()
        .is_some_and(|t| is(t, &["ENABLE", "DISABLE", "USE", "IS", "HAS", "ALLOW"]))
        || tokens
            .last()
            .is_some_and(|t| is(t, &["ENABLED", "DISABLED", "ENABLE", "DISABLE"]))
}

fn is_truthy(default: &DefaultValue) -> bool {
    match default {
        DefaultValue::Bool(b) => *b,
        DefaultValue::Int(i) => *i != 0,
        DefaultValue::Str(s) => ["true", "1", "yes", "on", "t", "y"]
            .iter()
            .any(|t| s.trim().eq_ignore_ascii_case(t)),
        DefaultValue::Float(_) | DefaultValue::None => false,
    }
}

fn names_development(default: &str) -> bool {
    let lower = default.to_ascii_lowercase();
    DEVELOPMENT_MARKERS.iter().any(|m| lower.contains(m))
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| DEVELOPMENT_TOKENS.contains(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Consumer, ReadVia};
    use crate::location::Location;

    fn read(default: Option<DefaultValue>) -> EnvRead {
        EnvRead {
            key: Some("K".into()),
            location: Location::new("settings.py", 1, 1),
            via: ReadVia::OsGetenv,
            consumer: Consumer::App,
            required: false,
            has_default: default.is_some(),
            default,
            chain: vec!["K".into()],
            fallback_of: None,
            guard: None,
        }
    }

    fn risk(key: &str, default: DefaultValue) -> DefaultRisk {
        DefaultRisk::of(key, &read(Some(default)))
    }

    fn s(v: &str) -> DefaultValue {
        DefaultValue::Str(v.into())
    }

    #[test]
    fn an_empty_string_default_is_a_development_value() {
        // Incident 1: the app booted with an empty bucket name.
        assert_eq!(risk("S3_UPLOAD_BUCKET", s("")), DefaultRisk::Development);
    }

    #[test]
    fn an_empty_feature_flag_is_intended() {
        assert!(matches!(
            risk("ENABLE_TELEMETRY", s("")),
            DefaultRisk::Intended(_)
        ));
        assert!(matches!(
            risk("SENTRY_ENABLED", s("")),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn an_empty_prefix_is_intended() {
        assert!(matches!(
            risk("PAPERLESS_REDIS_PREFIX", s("")),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn development_hosts_stores_and_placeholders_are_development_values() {
        for (key, v) in [
            ("DATABASE_URL", "sqlite:///db.sqlite3"),
            ("ALLOWED_HOSTS", "localhost,127.0.0.1"),
            ("DB_NAME", "uplas_dev_db"),
            ("DB_USER", "root"),
            ("DEFAULT_FROM_EMAIL", "noreply@example.com"),
        ] {
            assert_eq!(risk(key, s(v)), DefaultRisk::Development, "{key}={v}");
        }
    }

    #[test]
    fn a_committed_secret_default_is_a_development_value() {
        assert_eq!(
            risk("DJANGO_SECRET_KEY", s("django-insecure-x")),
            DefaultRisk::Development
        );
        assert_eq!(
            risk("STRIPE_API_KEY", s("sk_live")),
            DefaultRisk::Development
        );
        assert_eq!(
            risk("STRIPE_SECRET_KEY", DefaultValue::None),
            DefaultRisk::Development
        );
    }

    #[test]
    fn debug_on_by_default_is_a_development_value() {
        assert_eq!(risk("DEBUG", s("True")), DefaultRisk::Development);
        assert_eq!(
            risk("DJANGO_DEBUG", DefaultValue::Bool(true)),
            DefaultRisk::Development
        );
        assert!(matches!(
            risk("DEBUG", DefaultValue::Bool(false)),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn a_production_switch_off_by_default_is_a_development_value() {
        assert_eq!(risk("IN_PRODUCTION", s("0")), DefaultRisk::Development);
        assert_eq!(
            risk("IS_PRODUCTION", DefaultValue::Bool(false)),
            DefaultRisk::Development
        );
        assert_eq!(risk("IS_PROD", s("")), DefaultRisk::Development);
        assert!(matches!(
            risk("IN_PRODUCTION", s("1")),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn production_like_defaults_are_intended() {
        for (key, v) in [
            ("API_V1_STR", s("/api/v1")),
            ("TIME_ZONE", s("UTC")),
            ("DB_ENGINE", s("django.db.backends.postgresql")),
            ("EMAIL_RESET_TOKEN_EXPIRE_HOURS", DefaultValue::Int(48)),
            ("SMTP_SSL", DefaultValue::Bool(false)),
            ("STATSD_HOST", DefaultValue::None),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", s("http://jaeger:4317")),
        ] {
            assert!(
                matches!(risk(key, v.clone()), DefaultRisk::Intended(_)),
                "{key}={v:?}"
            );
        }
    }

    #[test]
    fn a_key_named_for_tests_is_intended_whatever_its_default() {
        assert!(matches!(
            risk("EMAIL_TEST_USER", s("test@example.com")),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn each_tests_word_names_a_key_for_tests() {
        for key in ["STRIPE_TEST_KEY", "STRIPE_TESTS_KEY", "STRIPE_TESTING_KEY"] {
            assert_eq!(
                risk(key, s("sk_live_x")),
                DefaultRisk::Intended("the key is named for tests"),
                "{key}"
            );
        }
    }

    #[test]
    fn only_root_as_a_users_default_is_a_development_value() {
        assert_eq!(risk("DB_USER", s("root")), DefaultRisk::Development);
        assert!(matches!(
            risk("DB_USER", s("shop")),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn a_debug_switch_on_by_default_is_development_and_off_is_not() {
        assert_eq!(
            risk("DEBUG", DefaultValue::Int(1)),
            DefaultRisk::Development
        );
        assert!(matches!(
            risk("DEBUG", DefaultValue::Int(0)),
            DefaultRisk::Intended(_)
        ));
    }

    #[test]
    fn a_computed_default_is_intended_and_a_guarded_read_without_one_is_not() {
        let mut computed = read(None);
        computed.has_default = true;
        assert!(matches!(
            DefaultRisk::of("K", &computed),
            DefaultRisk::Intended(_)
        ));
        assert_eq!(DefaultRisk::of("K", &read(None)), DefaultRisk::Development);
    }
}
