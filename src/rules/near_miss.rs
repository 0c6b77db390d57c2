//! `near-miss`: a key written and never read, and a key read and never set,
//! that are near-identical: likely a typo on one side. Four shapes, each seen
//! as a real bug in public repositories:
//! - a small edit: `CELERY_RESULT_BACKEND` / `CELERY_RESULTS_BACKEND`;
//! - a prefix: `DEBUG` / `DJANGO_DEBUG`;
//! - token order: `CONSOLE_LOG_LEVEL` / `LOG_LEVEL_CONSOLE`;
//! - an abbreviation: `DB_PASS` / `DB_PASSWORD`, `DATABASE_*` / `DB_*`;
//! - an environment's name: `GS_PROD_BUCKET_NAME` / `GS_BUCKET_NAME`, the
//!   deploy writing the name its secret store uses and the app reading the
//!   plain one;
//! - a word left out of a long key: `RESOLVE_SPEAKER_MAX_WORD_DURATION` /
//!   `RESOLVE_SPEAKER_IDENTITIES_MAX_WORD_DURATION`, values written under
//!   the name a settings field had before it was renamed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;
use crate::location::Location;

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

/// Words that name a deploy environment inside a key (`STRIPE_PROD_SECRET_KEY`).
const ENVIRONMENTS: &[&str] = &[
    "PROD",
    "PRODUCTION",
    "PRD",
    "STAGING",
    "STAGE",
    "STG",
    "PREPROD",
    "DEV",
    "DEVELOPMENT",
    "TEST",
    "TESTING",
    "QA",
    "UAT",
    "LIVE",
    "SANDBOX",
];

fn is_environment(token: &str) -> bool {
    ENVIRONMENTS.iter().any(|e| e.eq_ignore_ascii_case(token))
}

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
    if is_environment_qualified(&ta, &tb) || is_environment_qualified(&tb, &ta) {
        return Some("an environment's name");
    }
    if is_word_left_out(&ta, &tb) || is_word_left_out(&tb, &ta) {
        return Some("a word left out");
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
    // `a != b`, so a budget of 0 admits nothing.
    if strsim::damerau_levenshtein(a, b) <= budget {
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

/// `long` is `short` with one environment word added anywhere
/// (`DJANGO_PROD_SECRET_KEY` / `DJANGO_SECRET_KEY`), and the shared part is
/// more than one word: `PROD_URL` / `URL` is too little to go on.
fn is_environment_qualified(long: &[&str], short: &[&str]) -> bool {
    long.len() == short.len() + 1
        && short.len() >= 2
        && (0..long.len()).any(|i| {
            is_environment(long[i]) && long[..i] == short[..i] && long[i + 1..] == short[i..]
        })
}

/// How many words two keys must share before one more word anywhere but
/// first makes them near: `GS_MEDIA_BUCKET_NAME` / `GS_BUCKET_NAME` are two
/// buckets, `IS_LASUITE_DOCS_INTEGRATION_ENABLED` / `IS_DOCS_INTEGRATION_ENABLED`
/// one flag.
const LEFT_OUT_SHARED: usize = 4;

/// `long` is `short` with one more word past its first (the first is
/// [`is_prefixed`]'s), and they share at least [`LEFT_OUT_SHARED`] words.
/// A trailing `FILE` is Docker's secrets convention (`K_FILE` names the
/// file holding `K`), not a typo.
fn is_word_left_out(long: &[&str], short: &[&str]) -> bool {
    long.len() == short.len() + 1
        && short.len() >= LEFT_OUT_SHARED
        && long.last() != Some(&"FILE")
        && (1..long.len()).any(|i| long[..i] == short[..i] && long[i + 1..] == short[i..])
}

/// A long key's forms with one word past the first left out: where
/// [`is_word_left_out`]'s pairs are found by hash.
fn left_out_forms(tokens: &[&str]) -> Vec<String> {
    if tokens.len() <= LEFT_OUT_SHARED {
        return Vec::new();
    }
    (1..tokens.len())
        .map(|i| {
            let mut kept = tokens.to_vec();
            kept.remove(i);
            kept.join(SEP)
        })
        .collect()
}

/// The key's tokens without its environment words, when it has any: two keys
/// one environment word apart share this form (or one's form is the other's
/// tokens).
fn unqualified(tokens: &[&str]) -> Option<String> {
    let kept: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| !is_environment(t))
        .collect();
    (kept.len() < tokens.len()).then(|| kept.join(SEP))
}

/// A key's spellings, computed once: the pairing below looks most pairs up
/// by hash and runs the edit distance only past cheap filters, so a
/// monorepo with thousands of keys is not compared pair by pair.
struct Spelled<'a> {
    key: &'a str,
    /// Tokens joined by a separator no key contains.
    full: String,
    canonical: String,
    sorted: String,
    /// Every token but the first: `DJANGO_DEBUG` → `DEBUG`.
    tail: Option<String>,
    /// Without environment words: `GS_PROD_BUCKET_NAME` → `GS_BUCKET_NAME`.
    unqualified: Option<String>,
    /// A long key with one word past the first left out, each way.
    left_out: Vec<String>,
    /// Byte counts by the low six bits: one edit changes them by at most 2.
    histogram: [u8; 64],
}

const SEP: &str = "\u{1f}";

impl<'a> Spelled<'a> {
    fn new(key: &'a str) -> Self {
        let t = tokens(key);
        let mut sorted = t.clone();
        sorted.sort_unstable();
        let mut histogram = [0u8; 64];
        for b in key.bytes() {
            let slot = &mut histogram[usize::from(b & 63)];
            *slot = slot.saturating_add(1);
        }
        Spelled {
            key,
            full: t.join(SEP),
            canonical: canonical(&t).join(SEP),
            sorted: sorted.join(SEP),
            tail: (t.len() > 1).then(|| t[1..].join(SEP)),
            unqualified: unqualified(&t),
            left_out: left_out_forms(&t),
            histogram,
        }
    }

    /// Whether a small edit could turn one key into the other: the length
    /// and the byte counts must be within two edits.
    fn may_be_small_edit(&self, other: &Spelled) -> bool {
        self.key.len().abs_diff(other.key.len()) <= 2
            && self
                .histogram
                .iter()
                .zip(&other.histogram)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .sum::<u32>()
                <= 4
    }
}

/// The (read, written) index pairs worth asking [`shape`] about: a superset
/// of the pairs it accepts, found by hash for three shapes and behind the
/// length and byte-count filters for the fourth.
fn candidates(written: &[&str], read: &[&str]) -> BTreeSet<(usize, usize)> {
    let read_keys: Vec<Spelled> = read.iter().map(|k| Spelled::new(k)).collect();
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in read_keys.iter().enumerate() {
        for form in [&r.full, &r.canonical, &r.sorted]
            .into_iter()
            .chain(&r.tail)
            .chain(&r.unqualified)
            .chain(&r.left_out)
        {
            by.entry(form.as_str()).or_default().push(i);
        }
    }
    let mut by_len: Vec<usize> = (0..read_keys.len()).collect();
    by_len.sort_by_key(|&i| read_keys[i].key.len());

    let mut pairs = BTreeSet::new();
    for (wi, key) in written.iter().enumerate() {
        let ws = Spelled::new(key);
        for form in [&ws.full, &ws.canonical, &ws.sorted]
            .into_iter()
            .chain(&ws.tail)
            .chain(&ws.unqualified)
            .chain(&ws.left_out)
        {
            for &ri in by.get(form.as_str()).into_iter().flatten() {
                pairs.insert((ri, wi));
            }
        }
        let len = ws.key.len();
        let from = by_len.partition_point(|&i| read_keys[i].key.len() + 2 < len);
        for &ri in by_len[from..]
            .iter()
            .take_while(|&&i| read_keys[i].key.len() <= len + 2)
        {
            if ws.may_be_small_edit(&read_keys[ri]) {
                pairs.insert((ri, wi));
            }
        }
    }
    pairs
}

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let written: Vec<_> = chain.written_unread().collect();
    let unset: Vec<_> = chain
        .rows
        .values()
        .filter_map(|row| {
            let kv = row.verdict.as_ref()?;
            (!kv.verdict.reaches()).then_some((row, &kv.read))
        })
        .collect();
    let read_keys: Vec<&str> = unset.iter().map(|(row, _)| row.key.as_str()).collect();
    let written_keys: Vec<&str> = written.iter().map(|w| w.key.as_str()).collect();
    // The exact judgement; the lookups above only chose whom to ask.
    let judged: Vec<(usize, usize, &str)> = candidates(&written_keys, &read_keys)
        .into_iter()
        .filter_map(|(ri, wi)| Some((ri, wi, shape(written_keys[wi], read_keys[ri])?)))
        .collect();
    let conventions = conventions(chain);
    // One finding per read: the nearest spelling is the likely typo, any
    // other near one is named beside it. Each candidate: (written key, why,
    // where it is first written).
    let mut by_read: BTreeMap<usize, Vec<(&str, &str, &Location)>> = BTreeMap::new();
    for (ri, wi, why) in judged {
        let (row, w) = (unset[ri].0, written[wi]);
        if affix(&w.key, &row.key).is_some_and(|a| conventions.contains(&a)) {
            continue;
        }
        if let Some(write) = w.written.first() {
            by_read
                .entry(ri)
                .or_default()
                .push((&w.key, why, &write.location));
        }
    }
    for (ri, mut pairs) in by_read {
        let (row, read) = unset[ri];
        pairs.sort_by_key(|&(key, _, _)| (strsim::damerau_levenshtein(key, &row.key), key));
        let (key, why, at) = pairs[0];
        let mut finding = Finding::new(
            RuleId::NearMiss,
            Some(&row.key),
            read.location.clone(),
            format!(
                "{} is read and never set, while {} is written and never read ({}): likely a typo",
                row.key, key, why
            ),
        )
        .with_related(at.clone(), format!("{key} is written here"))
        .with_tip(format!(
            "rename one of them so both sides say {} or {}",
            row.key, key
        ));
        for &(other, _, at) in &pairs[1..] {
            finding = finding.with_related(
                at.clone(),
                format!("{other} is also written here and never read"),
            );
        }
        out.push(finding);
    }
}

/// How the longer of two prefix-related keys extends the shorter:
/// `SMARTER_…` for `SMARTER_LOGO` / `LOGO`, `…_FILE` for `KEY_FILE` / `KEY`.
fn affix(a: &str, b: &str) -> Option<String> {
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    long.strip_suffix(short)
        .filter(|p| p.ends_with('_'))
        .map(|p| format!("{p}…"))
        .or_else(|| {
            long.strip_prefix(short)
                .filter(|s| s.starts_with('_'))
                .map(|s| format!("…{s}"))
        })
}

/// Affixes the code itself maps keys by: a read falling back from `K` to
/// `SMARTER_K` (`os.environ.get(name) or os.environ.get(f"SMARTER_{name}")`).
/// A key written with that affix where the plain one is read is the
/// convention at work through code envtrail follows only in part, not a typo.
fn conventions(chain: &Chain) -> BTreeSet<String> {
    chain
        .rows
        .values()
        .flat_map(|row| row.read.iter())
        .flat_map(|read| {
            let head = read.chain.first();
            read.chain
                .iter()
                .skip(1)
                .filter_map(move |k| affix(head?, k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{affix, shape};
    use crate::chain::Chain;
    use crate::facts::{Consumer, EnvRead, EnvWrite, Facts, ReadVia, Source, WriteVia};
    use crate::finding::Finding;
    use crate::location::Location;
    use std::collections::BTreeSet;

    #[test]
    fn affixes_of_prefix_related_keys() {
        assert_eq!(affix("SMARTER_LOGO", "LOGO").as_deref(), Some("SMARTER_…"));
        assert_eq!(affix("KEY", "KEY_FILE").as_deref(), Some("…_FILE"));
        assert_eq!(affix("DB_PASS", "DB_PASSWORD"), None);
    }

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
    fn environment_name() {
        assert_eq!(
            shape("GS_PROD_BUCKET_NAME", "GS_BUCKET_NAME"),
            Some("an environment's name")
        );
        assert_eq!(
            shape("DJANGO_SECRET_KEY", "DJANGO_PROD_SECRET_KEY"),
            Some("an environment's name")
        );
        assert_eq!(
            shape("API_URL_STAGING", "API_URL"),
            Some("an environment's name")
        );
        // One shared word is not enough, and a non-environment word is not one.
        assert_eq!(shape("PROD_URL", "URL"), None);
        assert_eq!(shape("GS_MEDIA_BUCKET_NAME", "GS_BUCKET_NAME"), None);
    }

    #[test]
    fn a_word_left_out_of_a_long_key() {
        assert_eq!(
            shape(
                "RESOLVE_SPEAKER_ENABLE_SPLIT_ON_WORDS",
                "RESOLVE_SPEAKER_IDENTITIES_ENABLE_SPLIT_ON_WORDS"
            ),
            Some("a word left out")
        );
        assert_eq!(
            shape(
                "RESOLVE_SPEAKER_IDENTITIES_DEFAULT_OVERLAP_THRESHOLD",
                "RESOLVE_SPEAKER_IDENTITIES_DEFAULT_OVERLAP"
            ),
            Some("a word left out")
        );
        assert_eq!(
            shape(
                "IS_DOCS_INTEGRATION_ENABLED",
                "IS_LASUITE_DOCS_INTEGRATION_ENABLED"
            ),
            Some("a word left out")
        );
        // Three shared words are two things; `_FILE` is Docker's secrets
        // convention; two words more is another key.
        assert_eq!(shape("GS_MEDIA_BUCKET_NAME", "GS_BUCKET_NAME"), None);
        assert_eq!(
            shape(
                "POSTGRES_ADMIN_PASSWORD_HASH",
                "POSTGRES_ADMIN_PASSWORD_HASH_FILE"
            ),
            None
        );
        assert_eq!(
            shape(
                "AWS_S3_MEDIA_BUCKET_NAME",
                "AWS_S3_STATIC_BACKUP_BUCKET_NAME"
            ),
            None
        );
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
    fn the_index_never_misses_a_pair_brute_force_finds() {
        let keys = [
            "CELERY_RESULT_BACKEND",
            "CELERY_RESULTS_BACKEND",
            "DEBUG",
            "DJANGO_DEBUG",
            "CONSOLE_LOG_LEVEL",
            "LOG_LEVEL_CONSOLE",
            "DB_PASS",
            "DB_PASSWORD",
            "DATABASE_HOST",
            "DB_HOST",
            "DATABASE_URI",
            "DATABASE_URL",
            "SENTRY_DNS",
            "SENTRY_DSN",
            "REDIS_URL",
            "SECRET_KEY",
            "DJANGO_SECRET_KEY",
            "API_KEY",
            "API_URL",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "POSTGRES_PWD",
            "POSTGRES_PASSWORD",
            "S3_BUCKET",
            "S3_BUCKETS",
            "AWS_S3_BUCKET",
            "MAX_CONN",
            "CONN_MAX",
            "X",
            "XY",
            "ABCDEFGHIJKL",
            "ABCDEFGHIJLK",
            "ABCDEFGHIJ",
            "ABCDEFGHIJKLMN",
            "GS_PROD_BUCKET_NAME",
            "GS_BUCKET_NAME",
            "STRIPE_SECRET_KEY",
            "STRIPE_PROD_SECRET_KEY",
            "API_URL_STAGING",
            "API_URL",
            "PROD_API_URL_DEV",
            "API_URL_DEV",
            "RESOLVE_SPEAKER_MAX_WORD_DURATION",
            "RESOLVE_SPEAKER_IDENTITIES_MAX_WORD_DURATION",
            "IS_DOCS_INTEGRATION_ENABLED",
            "IS_LASUITE_DOCS_INTEGRATION_ENABLED",
            "APP_DEFAULT_OVERLAP_THRESHOLD_MS",
            "APP_DEFAULT_OVERLAP_THRESHOLD",
        ];
        let found = super::candidates(&keys, &keys);
        for (ri, r) in keys.iter().enumerate() {
            for (wi, w) in keys.iter().enumerate() {
                if shape(w, r).is_some() {
                    assert!(found.contains(&(ri, wi)), "{w} / {r} missed");
                }
            }
        }
    }

    const WF: &str = ".github/workflows/deploy.yml";

    /// A chain where the deploy writes `written` (each on its own line of
    /// the workflow, into `.env`) and the app reads `read`, each required.
    fn chain(written: &[&str], read: &[&str]) -> Chain {
        Chain::build(facts(written, read), None)
    }

    fn facts(written: &[&str], read: &[&str]) -> Facts {
        let mut f = Facts::default();
        for (i, key) in written.iter().enumerate() {
            f.writes.push(EnvWrite {
                key: key.to_string(),
                location: Location::new(WF, 10 + i as u32, 0),
                via: WriteVia::DotenvEcho,
                source: Source::Secret(key.to_string()),
                sink: Some(".env".into()),
                target: None,
                remote: false,
            });
        }
        for (i, key) in read.iter().enumerate() {
            let mut r = EnvRead::new(
                Some(key.to_string()),
                Location::new("app/settings.py", 1 + i as u32, 0),
                ReadVia::OsEnviron,
                Consumer::App,
            );
            r.required = true;
            f.reads.push(r);
        }
        f
    }

    fn near_misses(chain: &Chain) -> Vec<Finding> {
        let mut out = Vec::new();
        super::check(chain, &mut out);
        out
    }

    #[test]
    fn a_key_read_and_never_set_pairs_with_the_near_key_written_and_never_read() {
        let found = near_misses(&chain(&["DJANGO_SECRET_KEY"], &["SECRET_KEY"]));
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.key.as_deref(), Some("SECRET_KEY"));
        assert_eq!(
            (f.location.file.as_str(), f.location.row),
            ("app/settings.py", 1)
        );
        assert!(
            f.message
                .contains("while DJANGO_SECRET_KEY is written and never read (a prefix)"),
            "{}",
            f.message
        );
        assert_eq!(f.related[0].location.row, 10);
    }

    #[test]
    fn a_key_that_reaches_the_app_is_no_near_miss() {
        // SENTRY_DSN is set; the stray SENTRY_DNS is only written-unread.
        let found = near_misses(&chain(&["SENTRY_DSN", "SENTRY_DNS"], &["SENTRY_DSN"]));
        assert_eq!(found, []);
    }

    #[test]
    fn the_nearest_spelling_is_named_and_the_others_are_related() {
        let found = near_misses(&chain(
            &["REPORTS_RESULTS_BACKENDS", "REPORTS_RESULTS_BACKEND"],
            &["REPORTS_RESULT_BACKEND"],
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("while REPORTS_RESULTS_BACKEND is written"),
            "{}",
            found[0].message
        );
        let related: Vec<u32> = found[0].related.iter().map(|r| r.location.row).collect();
        assert_eq!(related, [11, 10]);
    }

    #[test]
    fn a_key_written_with_the_affix_the_code_falls_back_to_is_the_convention_not_a_typo() {
        let (written, read) = (["SMARTER_SITE_NAME"], ["SITE_NAME"]);
        assert_eq!(near_misses(&chain(&written, &read)).len(), 1);
        // `os.environ.get("LOGO") or os.environ.get("SMARTER_LOGO")`: the
        // code maps keys by the `SMARTER_` prefix itself.
        let mut f = facts(&written, &read);
        let mut logo = EnvRead::new(
            Some("LOGO".into()),
            Location::new("app/settings.py", 9, 0),
            ReadVia::OsEnviron,
            Consumer::App,
        );
        logo.chain = vec!["LOGO".into(), "SMARTER_LOGO".into()];
        f.reads.push(logo);
        assert_eq!(near_misses(&Chain::build(f, None)), []);
    }

    #[test]
    fn the_index_leaves_out_keys_no_shape_could_pair() {
        // Its point is not comparing thousands of keys pair by pair: a key
        // with no environment word, or too short to lose one, indexes no
        // form another key shares by accident.
        let written = [
            "STRIPE_SECRET_KEY",
            "RESOLVE_SPEAKER_IDENTITIES_MAX_WORD_DURATION",
        ];
        let read = ["DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"];
        assert_eq!(super::candidates(&written, &read), BTreeSet::new());
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
