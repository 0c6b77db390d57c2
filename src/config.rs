//! `envtrail.toml`: per-repository settings. Unknown fields are an error, so
//! a typo in the config never silently does nothing.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra globs of Python files to read as settings, on top of `--settings`.
    #[serde(default)]
    pub settings: Vec<String>,
    /// `[live]`: how `envtrail live` finds things in the container.
    #[serde(default)]
    pub live: LiveConfig,
}

/// `[live]` in `envtrail.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LiveConfig {
    /// The settings module's path inside the container
    /// (`/app/config/settings.py`), when it is not the working directory
    /// plus the repository path.
    pub settings_path: Option<String>,
}

impl Config {
    /// Read and validate a config file; the error names the file and line.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(line) => format!("line {line}: {}", e.message()),
                None => e.message().to_string(),
            }
        })
    }
}

/// Minimal glob: `*` matches within a path segment, `**` across segments.
pub fn glob_matches(globs: &[String], rel: &str) -> bool {
    globs.iter().any(|g| glob_match(g.as_bytes(), rel.as_bytes()))
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', b'/', rest @ ..] => {
            glob_match(rest, text) || (0..text.len()).any(|i| text[i] == b'/' && glob_match(rest, &text[i + 1..]))
        }
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|i| glob_match(rest, &text[i..])),
        [b'*', rest @ ..] => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| glob_match(rest, &text[i..])),
        [b'?', rest @ ..] => !text.is_empty() && text[0] != b'/' && glob_match(rest, &text[1..]),
        [c, rest @ ..] => !text.is_empty() && text[0] == *c && glob_match(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, t: &str| glob_matches(&[p.to_string()], t);
        assert!(g("config/*.py", "config/settings.py"));
        assert!(!g("config/*.py", "config/sub/settings.py"));
        assert!(g("**/settings.py", "settings.py"));
        assert!(g("**/settings.py", "a/b/settings.py"));
        assert!(g("app/**", "app/x/y.py"));
        assert!(!g("*.py", "a/b.py"));
    }

    #[test]
    fn live_table() {
        let config = Config::parse("[live]\nsettings-path = \"/app/config/settings.py\"\n").unwrap();
        assert_eq!(config.live.settings_path.as_deref(), Some("/app/config/settings.py"));
        let err = Config::parse("[live]\nsettings_path = \"/x\"\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }

    #[test]
    fn unknown_fields_are_errors_with_a_line() {
        let err = Config::parse("settings = []\nbogus = 1\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }
}
