//! `near-miss`: a key written and never read, and a key read and never set,
//! that are near-identical: likely a typo on one side. Four shapes, each seen
//! as a real bug in public repositories:
//! - a small edit: `CELERY_RESULT_BACKEND` / `CELERY_RESULTS_BACKEND`;
//! - a prefix: `DEBUG` / `DJANGO_DEBUG`;
//! - token order: `CONSOLE_LOG_LEVEL` / `LOG_LEVEL_CONSOLE`;
//! - an abbreviation: `DB_PASS` / `DB_PASSWORD`, `DATABASE_*` / `DB_*`.

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

/// Spellings of one word, the canonical one first.
const ABBREVIATIONS: &[&[&str]] = &[
    &["PASSWORD", "PASS", "PASSWD", "PWD", "PW"],
    &["DATABASE", "DB"],
    &["USERNAME", "USER", "USR"],
    &["ENVIRONMENT", "ENV"],
    &["CONNECTION", "CONN"],
    &["CONFIGURATION", "CONFIG", "CONF", "CFG"],
    &["ADDRESS", "ADDR"],
    &["MAXIMUM", "MAX"],
    &["MINIMUM", "MIN"],
    &["MESSAGE", "MSG"],
    &["SECRET", "SECRETS"],
    &["HOSTNAME", "HOST"],
    &["URL", "URI"],
    &["APPLICATION", "APP"],
    &["AUTHENTICATION", "AUTH"],
    &["TOKEN", "TOK"],
    &["DIRECTORY", "DIR"],
    &["TIMEOUT", "TTL"],
];

/// Why two keys are near-identical, or `None` when they are not.
pub fn shape(a: &str, b: &str) -> Option<&'static str> {
    if a == b {
        return None;
    }
    let (ta, tb) = (tokens(a), tokens(b));
    if canonical(&ta) == canonical(&tb) {
        return Some("an abbreviation");
    }
    let (mut sa, mut sb) = (ta.clone(), tb.clone());
    sa.sort_unstable();
    sb.sort_unstable();
    if sa == sb {
        return Some("token order");
    }
    if is_prefixed(&ta, &tb) || is_prefixed(&tb, &ta) {
        return Some("a prefix");
    }
    let shorter = a.len().min(b.len());
    // Short keys differ by one letter all the time (`HOST`/`POST`): demand length.
    let budget = if shorter >= 12 {
        2
    } else if shorter >= 6 {
        1
    } else {
        0
    };
    if budget > 0 && strsim::damerau_levenshtein(a, b) <= budget {
        return Some("a small edit");
    }
    None
}

fn tokens(key: &str) -> Vec<&str> {
    key.split(['_', '-', '.'])
        .filter(|t| !t.is_empty())
        .collect()
}

fn canonical<'a>(tokens: &[&'a str]) -> Vec<&'a str> {
    tokens
        .iter()
        .map(|t| {
            ABBREVIATIONS
                .iter()
                .find(|group| group.iter().any(|g| g.eq_ignore_ascii_case(t)))
                .map(|group| group[0])
                .unwrap_or(t)
        })
        .collect()
}

/// `long` is `short` with one more leading token (`DJANGO_DEBUG` / `DEBUG`),
/// and the shared part is long enough to mean something.
fn is_prefixed(long: &[&str], short: &[&str]) -> bool {
    long.len() == short.len() + 1
        && long[1..] == *short
        && short.iter().map(|t| t.len()).sum::<usize>() >= 4
}

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let written: Vec<_> = chain.written_unread().collect();
    let unset: Vec<_> = chain
        .rows
        .values()
        .filter_map(|row| chain.unsatisfied_reads(row).next().map(|read| (row, read)))
        .collect();
    for (row, read) in unset {
        for w in &written {
            let Some(why) = shape(&w.key, &row.key) else {
                continue;
            };
            let Some(write) = w.written.first() else {
                continue;
            };
            out.push(
                Finding::new(
                    RuleId::NearMiss,
                    Some(&row.key),
                    read.location.clone(),
                    format!(
                        "{} is read and never set, while {} is written and never read ({}): likely a typo",
                        row.key, w.key, why
                    ),
                )
                .with_related(write.location.clone(), format!("{} is written here", w.key))
                .with_tip(format!("rename one of them so both sides say {} or {}", row.key, w.key)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn small_edit() {
        assert_eq!(
            shape("CELERY_RESULTS_BACKEND", "CELERY_RESULT_BACKEND"),
            Some("a small edit")
        );
        assert_eq!(
            shape("DATABASE_URI", "DATABASE_URL"),
            Some("an abbreviation")
        );
        assert_eq!(shape("SENTRY_DNS", "SENTRY_DSN"), Some("a small edit"));
    }

    #[test]
    fn prefix() {
        assert_eq!(shape("DEBUG", "DJANGO_DEBUG"), Some("a prefix"));
        assert_eq!(shape("DJANGO_SECRET_KEY", "SECRET_KEY"), Some("a prefix"));
    }

    #[test]
    fn token_order() {
        assert_eq!(
            shape("CONSOLE_LOG_LEVEL", "LOG_LEVEL_CONSOLE"),
            Some("token order")
        );
    }

    #[test]
    fn abbreviation() {
        assert_eq!(shape("DB_PASS", "DB_PASSWORD"), Some("an abbreviation"));
        assert_eq!(shape("DATABASE_HOST", "DB_HOST"), Some("an abbreviation"));
        assert_eq!(
            shape("POSTGRES_PWD", "POSTGRES_PASSWORD"),
            Some("an abbreviation")
        );
    }

    #[test]
    fn unrelated_keys_do_not_pair() {
        for (a, b) in [
            ("REDIS_URL", "DATABASE_URL"),
            ("SECRET_KEY", "SENTRY_DSN"),
            ("HOST", "PORT"),
            ("API_KEY", "API_URL"),
            ("AWS_REGION", "S3_UPLOAD_BUCKET"),
            ("EMAIL_HOST", "EMAIL_PORT"),
            ("DEBUG", "DEBUG"),
            ("DB", "X_DB"),
        ] {
            assert_eq!(shape(a, b), None, "{a} / {b}");
        }
    }
}
