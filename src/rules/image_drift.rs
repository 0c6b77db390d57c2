//! `image-drift`: the settings module inside the container differs from the
//! repository's in the keys it reads or the settings it defines (incident 1:
//! `STATIC_ROOT` missing from the `settings.py` inside the deployed image).

use super::RuleId;
use crate::chain::Chain;
use crate::finding::Finding;
use crate::live::drift::SettingsDrift;

pub fn check(chain: &Chain, out: &mut Vec<Finding>) {
    let Some(container) = &chain.container else {
        return;
    };
    for drift in container.drift.iter().filter(|d| !d.is_empty()) {
        let mut sides = Vec::new();
        let lacks = lacks(drift);
        if !lacks.is_empty() {
            sides.push(format!("the image lacks {}", lacks.join(", ")));
        }
        let extra = extra(drift);
        if !extra.is_empty() {
            sides.push(format!("only the image has {}", extra.join(", ")));
        }
        let mut finding = Finding::new(
            RuleId::ImageDrift,
            None,
            drift.location(),
            format!(
                "{} inside container `{}` (image {}) differs from {} in the repository: {}",
                drift.container_path,
                container.name,
                if container.image.is_empty() { "unknown" } else { &container.image },
                drift.repo_file,
                sides.join("; ")
            ),
        )
        .with_tip("the image was built from other sources than this repository: rebuild it from this commit and redeploy");
        for (name, location) in &drift.defined_missing {
            finding = finding.with_related(
                location.clone(),
                format!("{name} is defined here, not in the image"),
            );
        }
        for (key, location) in &drift.reads_missing {
            finding = finding.with_related(
                location.clone(),
                format!("{key} is read here, not in the image"),
            );
        }
        out.push(finding);
    }
}

fn lacks(drift: &SettingsDrift) -> Vec<String> {
    let mut items: Vec<String> = drift
        .defined_missing
        .iter()
        .map(|(name, loc)| format!("setting {name} (defined at {loc})"))
        .collect();
    items.extend(
        drift
            .reads_missing
            .iter()
            .map(|(key, loc)| format!("the read of {key} ({loc})")),
    );
    items
}

fn extra(drift: &SettingsDrift) -> Vec<String> {
    let mut items: Vec<String> = drift
        .defined_extra
        .iter()
        .map(|name| format!("setting {name}"))
        .collect();
    items.extend(
        drift
            .reads_extra
            .iter()
            .map(|key| format!("a read of {key}")),
    );
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::ContainerFacts;
    use crate::location::Location;

    #[test]
    fn names_both_sides() {
        let drift = SettingsDrift {
            repo_file: "config/settings.py".into(),
            container_path: "/app/config/settings.py".into(),
            reads_missing: vec![(
                "S3_UPLOAD_BUCKET".into(),
                Location::new("config/settings.py", 11, 0),
            )],
            reads_extra: vec!["LEGACY_BUCKET".into()],
            defined_missing: vec![(
                "STATIC_ROOT".into(),
                Location::new("config/settings.py", 7, 0),
            )],
            defined_extra: vec![],
        };
        let chain = Chain {
            container: Some(ContainerFacts {
                name: "api".into(),
                image: "app:1".into(),
                drift: vec![drift],
                ..ContainerFacts::default()
            }),
            ..Chain::default()
        };
        let mut out = Vec::new();
        check(&chain, &mut out);
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert_eq!(f.location, Location::new("config/settings.py", 7, 0));
        assert_eq!(
            f.message,
            "/app/config/settings.py inside container `api` (image app:1) differs from config/settings.py in the \
             repository: the image lacks setting STATIC_ROOT (defined at config/settings.py:8), the read of \
             S3_UPLOAD_BUCKET (config/settings.py:12); only the image has a read of LEGACY_BUCKET"
        );
        assert_eq!(f.related.len(), 2);
    }

    #[test]
    fn the_same_settings_in_the_image_are_no_finding() {
        // The comparison ran and found both sides alike: the same chain as
        // above, with nothing missing or extra.
        let same = SettingsDrift {
            repo_file: "config/settings.py".into(),
            container_path: "/app/config/settings.py".into(),
            reads_missing: vec![],
            reads_extra: vec![],
            defined_missing: vec![],
            defined_extra: vec![],
        };
        assert!(same.is_empty());
        let chain = Chain {
            container: Some(ContainerFacts {
                name: "api".into(),
                image: "app:1".into(),
                drift: vec![same],
                ..ContainerFacts::default()
            }),
            ..Chain::default()
        };
        let mut out = Vec::new();
        check(&chain, &mut out);
        assert_eq!(out, []);
    }
}
