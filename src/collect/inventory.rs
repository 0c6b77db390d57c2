//! `--secrets FILE`: the names in the CI's secret store, in any of the three
//! formats the contract lists, detected by content.

use std::collections::BTreeSet;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonInventory {
    /// `gh secret list --json name` (extra fields ignored).
    Objects(Vec<NamedEntry>),
    /// `["X", "Y"]`
    Names(Vec<String>),
}

#[derive(Deserialize)]
struct NamedEntry {
    name: String,
}

/// Parse an inventory. Errors name the line when there is one.
pub fn parse(text: &str) -> Result<BTreeSet<String>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return match serde_json::from_str::<JsonInventory>(trimmed) {
            Ok(JsonInventory::Objects(entries)) => {
                Ok(entries.into_iter().map(|e| e.name).collect())
            }
            Ok(JsonInventory::Names(names)) => Ok(names.into_iter().collect()),
            Err(e) => Err(format!(
                "line {}: not a JSON array of names or of {{\"name\": ...}} objects ({e})",
                e.line().max(1)
            )),
        };
    }
    let mut names = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `gh secret list` without --json prints "NAME<TAB>UPDATED": take the name.
        let name = line.split_whitespace().next().unwrap_or(line);
        let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if let Some(bad) = name.find(|c: char| !is_name_char(c)) {
            // Never quote the line: `NAME=value` pasted here holds a value.
            let before = &name[..bad];
            return Err(format!(
                "line {}: not a secret name (letters, digits, `_` and `-` only; the first other character comes after {before:?})",
                i + 1
            ));
        }
        names.insert(name.to_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn gh_json() {
        let names = parse(r#"[{"name":"A","updatedAt":"2024-01-01"},{"name":"B"}]"#).unwrap();
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "B"]);
    }

    #[test]
    fn string_array() {
        let names = parse(r#" ["X", "Y"] "#).unwrap();
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["X", "Y"]);
    }

    #[test]
    fn plain_text() {
        let names = parse("# store\nA\n\n  B  \nC\t2024-01-01\n").unwrap();
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    }

    #[test]
    fn errors_never_quote_a_value() {
        let err = parse("A\nDB_PASSWORD=hunter2\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
        assert!(err.contains("\"DB_PASSWORD\""), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse(r#"[{"name": "A", "value": "hunter2"}, 7]"#).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse(r#"{"A": "hunter2"}"#).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn errors_name_the_line() {
        assert!(parse("A\nbad/name\n").unwrap_err().starts_with("line 2"));
        assert!(parse("[1, 2]").unwrap_err().starts_with("line 1"));
    }
}
