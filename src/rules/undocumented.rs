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
