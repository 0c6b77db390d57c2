//! `undocumented` (note): the app requires a key that the documented example
//! env file (`.env.example`, `.env.sample`...) does not list, so whoever sets
//! up the next deploy cannot know to provide it.

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let examples = &chain.deploy.examples;
    if examples.is_empty() {
        return;
    }
    let documented = |key: &str| examples.iter().any(|f| f.keys.iter().any(|k| k.key == key));
    for row in chain.rows.values() {
        if !row.is_required() || chain.is_platform_key(&row.key) {
            continue;
        }
        let Some(read) = row.head_read() else {
            continue;
        };
        let aliases = chain.deploy.aliases.get(&row.key);
        if read
            .chain
            .iter()
            .chain(aliases.into_iter().flatten())
            .any(|k| documented(k))
        {
            continue;
        }
        let files: Vec<std::borrow::Cow<str>> = examples
            .iter()
            .map(|f| crate::location::shown(&f.file))
            .collect();
        let mut finding = Finding::new(
            RuleId::Undocumented,
            Some(&row.key),
            read.location.clone(),
            format!(
                "{} requires {} but the documented example env ({}) does not list it",
                read.location.shown_file(),
                row.key,
                files.join(", ")
            ),
        );
        for f in examples {
            finding = finding.with_related(
                crate::location::Location::file_start(f.file.clone()),
                "documented keys",
            );
        }
        out.push(finding.with_tip(format!("add `{}=` to {}", row.key, files.join(" / "))));
    }
}

#[cfg(test)]
mod tests {
    use crate::chain::Chain;
    use crate::facts::{Consumer, DotenvFile, DotenvKey, EnvRead, Facts, ReadVia};
    use crate::location::Location;

    fn read(key: &str, row: u32, required: bool) -> EnvRead {
        let mut r = EnvRead::new(
            Some(key.into()),
            Location::new("config/settings.py", row, 0),
            ReadVia::OsEnviron,
            Consumer::App,
        );
        r.required = required;
        r.has_default = !required;
        r
    }

    #[test]
    fn only_required_keys_the_example_lacks_are_undocumented() {
        let facts = Facts {
            reads: vec![
                read("SECRET_KEY", 3, true),
                read("DATABASE_URL", 4, true),
                // Optional: the code runs on its default.
                read("LOG_LEVEL", 5, false),
                // Set by the platform in every container.
                read("HOSTNAME", 6, true),
            ],
            dotenv_files: vec![DotenvFile {
                file: ".env.example".into(),
                example: true,
                keys: vec![DotenvKey {
                    key: "SECRET_KEY".into(),
                    location: Location::new(".env.example", 0, 0),
                    empty: true,
                }],
            }],
            ..Facts::default()
        };
        let chain = Chain::build(facts, None);
        let mut out = Vec::new();
        super::check(&chain, &mut out);
        let keys: Vec<Option<&str>> = out.iter().map(|f| f.key.as_deref()).collect();
        assert_eq!(keys, [Some("DATABASE_URL")]);
    }
}
