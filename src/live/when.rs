//! "2 minutes ago" from Docker's RFC 3339 timestamps
//! (`2026-11-22T03:00:00.123456789Z`), parsed by `jiff`.

/// Seconds since the Unix epoch of an RFC 3339 time, `None` if unreadable.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// `2 minutes ago`, as `docker ps` says it, relative to now.
pub fn ago(timestamp: &str) -> Option<String> {
    let then = parse_rfc3339(timestamp)?;
    Some(ago_between(then, jiff::Timestamp::now().as_second()))
}

pub fn ago_between(then: i64, now: i64) -> String {
    let secs = (now - then).max(0);
    let (n, unit) = match secs {
        0..60 => (secs, "second"),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-22T03:00:00.123456789Z"),
            Some(1_795_316_400)
        );
        assert_eq!(
            parse_rfc3339("2026-11-22T05:00:00+02:00"),
            Some(1_795_316_400)
        );
        // Forms RFC 3339 allows beside Docker's.
        assert_eq!(parse_rfc3339("2026-11-22t03:00:00z"), Some(1_795_316_400));
        assert_eq!(parse_rfc3339("2026-11-22 03:00:00Z"), Some(1_795_316_400));
        assert_eq!(
            parse_rfc3339("2026-11-21T23:30:00-03:30"),
            Some(1_795_316_400)
        );
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), Some(-62_135_596_800));
        assert_eq!(parse_rfc3339("2026-11-22T03:00:00"), None, "no offset");
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-13-22T03:00:00Z"), None);
    }

    #[test]
    fn ago_like_docker_ps() {
        assert_eq!(ago_between(0, 1), "1 second ago");
        assert_eq!(ago_between(0, 150), "2 minutes ago");
        assert_eq!(ago_between(0, 7200), "2 hours ago");
        assert_eq!(ago_between(0, 86_400 * 3), "3 days ago");
        assert_eq!(ago_between(10, 0), "0 seconds ago");
    }
}
