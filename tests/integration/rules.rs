//! Rules that no other module shows both firing and not firing end to end
//! (`src/rules/`): each on a fixture, and on a copy edited by one line or
//! one inventory entry, so the edit is what the rule answers to.
//!
//! The other rules' pairs live beside their stages: `deploy.rs`,
//! `accuracy.rs`, `stagelog.rs`, `suppress.rs`, `live.rs` and the unit
//! tests in `src/rules/`.

use std::path::Path;

use crate::common::{check_dir, copy_fixture, findings, findings_of, fixture, write_tree};

/// Replace the one line `old` of `root/file` with `new`.
fn edit_line(root: &Path, file: &str, old: &str, new: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(old).count(), 1, "{file} holds {old:?} once");
    std::fs::write(&path, text.replace(old, new)).unwrap();
}

fn rules_of(report: &serde_json::Value, key: &str) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|(_, k)| k.as_deref() == Some(key))
        .map(|(rule, _)| rule)
        .collect()
}

const STAGELOG_SECRETS: &str = "fixtures/stagelog/secrets.txt";

/// StageLog's inventory less DB_PASSWORD, which its deploy uses at
/// `.github/workflows/deploy.yml:48`, in each format the contract accepts.
fn inventories_without_db_password(dir: &Path) -> Vec<std::path::PathBuf> {
    let names: Vec<String> = std::fs::read_to_string(fixture("stagelog").join("secrets.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| *l != "DB_PASSWORD")
        .map(str::to_string)
        .collect();
    assert_eq!(names.len(), 12, "the fixture's other secrets");
    let gh: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({"name": n, "updatedAt": "2026-11-01T00:00:00Z"}))
        .collect();
    let files = [
        ("secrets.txt", names.join("\n")),
        ("names.json", serde_json::to_string(&names).unwrap()),
        ("gh.json", serde_json::to_string(&gh).unwrap()),
    ];
    files
        .into_iter()
        .map(|(file, text)| {
            let path = dir.join(file);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

#[test]
fn secret_undefined_fires_for_a_used_secret_the_inventory_lacks() {
    let dir = tempfile::tempdir().unwrap();
    // The deploy job is of environment `develop`: its store is given too
    // (holding something else), so the missing secret is certain.
    let develop = dir.path().join("develop.txt");
    std::fs::write(&develop, "DEVELOP_ONLY\n").unwrap();
    let develop_arg = format!("env:develop={}", develop.display());
    for inventory in inventories_without_db_password(dir.path()) {
        let (report, code, stderr) = check_dir(
            &fixture("stagelog"),
            &[
                "--secrets",
                inventory.to_str().unwrap(),
                "--secrets",
                &develop_arg,
            ],
        );
        let name = inventory.file_name().unwrap().to_string_lossy();
        let undefined: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "secret-undefined")
            .collect();
        assert_eq!(undefined.len(), 1, "{name}: {report:#}\n{stderr}");
        let f = undefined[0];
        assert_eq!(f["key"], "DB_PASSWORD", "{name}");
        assert_eq!(f["severity"], "error", "{name}");
        assert_eq!(f["confidence"], "high", "{name}");
        assert_eq!(
            (f["file"].as_str(), f["line"].as_u64()),
            (Some(".github/workflows/deploy.yml"), Some(48)),
            "{name}: where the workflow uses it"
        );
        let message = f["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!(
                "the workflow uses secrets.DB_PASSWORD but the secret stores a job of environment develop sees ({}, {}) have no DB_PASSWORD: it expands to an empty string",
                inventory.display(),
                develop.display()
            ),
            "{name}"
        );
        let row = report["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "DB_PASSWORD")
            .unwrap();
        assert_eq!(row["in_inventory"], false, "{name}");
        // DB_PASSWORD is still written and read: no other rule speaks of it.
        assert_eq!(rules_of(&report, "DB_PASSWORD"), ["secret-undefined"]);
        assert_eq!(code, 1, "{name}: an error");
    }
}

/// Errors are certain: without the `develop` environment's store, the
/// deploy job (`environment: develop`) may find DB_PASSWORD there.
#[test]
fn secret_undefined_is_a_warning_when_the_jobs_environment_store_is_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = &inventories_without_db_password(dir.path())[0];
    let (report, _, _) = check_dir(
        &fixture("stagelog"),
        &["--secrets", inventory.to_str().unwrap()],
    );
    let undefined = findings_of(&report, "secret-undefined");
    assert_eq!(undefined.len(), 1, "{report:#}");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "secret-undefined")
        .unwrap();
    assert_eq!(
        (f["severity"].as_str(), f["confidence"].as_str()),
        (Some("warning"), Some("medium"))
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("in a job of environment develop")
            && message.contains("--secrets env:develop=FILE"),
        "{message}"
    );
}

#[test]
fn secret_undefined_is_silent_when_the_inventory_holds_every_used_secret() {
    let (report, _, _) = check_dir(&fixture("stagelog"), &["--secrets", STAGELOG_SECRETS]);
    assert_eq!(findings_of(&report, "secret-undefined"), [], "{report:#}");
    let used: Vec<_> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["referenced"].as_array().is_some_and(|r| !r.is_empty()))
        .collect();
    assert_eq!(used.len(), 10, "{used:?}");
    assert!(used.iter().all(|s| s["in_inventory"] == true), "{used:?}");
}

#[test]
fn secret_undefined_never_fires_without_an_inventory() {
    // Without --secrets, whether DB_PASSWORD exists is unknown, not absent.
    let (report, _, _) = check_dir(&fixture("stagelog"), &[]);
    assert_eq!(findings_of(&report, "secret-undefined"), [], "{report:#}");
    let row = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "DB_PASSWORD")
        .unwrap();
    assert_eq!(row["in_inventory"], serde_json::Value::Null);
}

#[test]
fn secret_undefined_spares_the_token_the_runner_provides() {
    // Nobody stores GITHUB_TOKEN: the runner provides it. DEPLOY_KEY, used
    // beside it and not in the inventory, fires.
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                ".github/workflows/deploy.yml",
                b"on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./release.sh\n        env:\n          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}\n",
            ),
            // The store holds other secrets, not DEPLOY_KEY (an empty
            // inventory is refused as a likely mistake).
            ("secrets.txt", b"DATABASE_URL\n"),
        ],
    );
    let inventory = dir.path().join("secrets.txt");
    let (report, code, _) = check_dir(dir.path(), &["--secrets", inventory.to_str().unwrap()]);
    let undefined: Vec<(Option<String>, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "secret-undefined")
        .map(|f| {
            (
                f["key"].as_str().map(str::to_string),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        undefined,
        [(Some("DEPLOY_KEY".to_string()), 9)],
        "{report:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn near_miss_fires_on_a_one_line_typo_and_not_on_the_right_name_or_an_unrelated_one() {
    // fixtures/clean, whose chain agrees everywhere, with the deploy's
    // DATABASE_URL line renamed.
    const LINE: &str = "DATABASE_URL=${{ secrets.DATABASE_URL }}";
    let run = |new: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        copy_fixture("clean", dir.path());
        if let Some(new) = new {
            edit_line(dir.path(), ".github/workflows/deploy.yml", LINE, new);
        }
        let inventory = dir.path().join("secrets.json");
        let (report, code, _) = check_dir(dir.path(), &["--secrets", inventory.to_str().unwrap()]);
        (report, code)
    };

    let (typo, code) = run(Some("DATABASE_URI=${{ secrets.DATABASE_URL }}"));
    let near: Vec<_> = typo["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "near-miss")
        .collect();
    assert_eq!(near.len(), 1, "{typo:#}");
    let f = near[0];
    assert_eq!(f["key"], "DATABASE_URL", "the read key");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["confidence"], "medium");
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("shop/settings.py"), Some(6))
    );
    assert_eq!(
        f["message"],
        "DATABASE_URL is read and never set, while DATABASE_URI is written and never read (an abbreviation): likely a typo"
    );
    assert_eq!(
        f["related"],
        serde_json::json!([{"file": ".github/workflows/deploy.yml", "line": 32, "label": "DATABASE_URI is written here"}])
    );
    // The read's other half: the secret never reaches the app (an error).
    assert_eq!(
        rules_of(&typo, "DATABASE_URL"),
        ["secret-unwritten", "near-miss"]
    );
    assert_eq!(rules_of(&typo, "DATABASE_URI"), ["written-unread"]);
    assert_eq!(code, 1);

    // The right name: no near-miss (nor any other finding).
    let (right, code) = run(None);
    assert_eq!(findings(&right), [], "{right:#}");
    assert_eq!(code, 0);

    // A name no edit, prefix, token order or abbreviation makes DATABASE_URL.
    let (unrelated, _) = run(Some("PRIMARY_STORE=${{ secrets.DATABASE_URL }}"));
    assert_eq!(findings_of(&unrelated, "near-miss"), [], "{unrelated:#}");
    assert_eq!(rules_of(&unrelated, "DATABASE_URL"), ["secret-unwritten"]);
    assert_eq!(rules_of(&unrelated, "PRIMARY_STORE"), ["written-unread"]);
}

#[test]
fn near_miss_fires_when_the_deploy_writes_the_environments_name_of_the_key_the_app_reads() {
    // fixtures/clean with the deploy writing the name its secret store
    // uses (DATABASE_PROD_URL) where the app reads DATABASE_URL: production
    // runs without it, as on a real Cloud Run deploy of the corpus.
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("clean", dir.path());
    edit_line(
        dir.path(),
        ".github/workflows/deploy.yml",
        "DATABASE_URL=${{ secrets.DATABASE_URL }}",
        "DATABASE_PROD_URL=${{ secrets.DATABASE_URL }}",
    );
    let inventory = dir.path().join("secrets.json");
    let (report, _, _) = check_dir(dir.path(), &["--secrets", inventory.to_str().unwrap()]);
    let near: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "near-miss")
        .collect();
    assert_eq!(near.len(), 1, "{report:#}");
    assert_eq!(near[0]["key"], "DATABASE_URL");
    assert_eq!(
        near[0]["message"],
        "DATABASE_URL is read and never set, while DATABASE_PROD_URL is written and never read (an environment's name): likely a typo"
    );
}

#[test]
fn a_secret_missing_from_a_heredoc_env_file_is_fixed_by_a_line_of_the_heredoc() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("write-heredoc-missing-key", dir.path());
    let inventory = dir.path().join("secrets.txt");
    let (report, code, _) = check_dir(dir.path(), &["--secrets", inventory.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let unwritten: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "secret-unwritten")
        .collect();
    assert_eq!(unwritten.len(), 1, "{report:#}");
    assert_eq!(unwritten[0]["key"], "SENTRY_DSN");
    let tip = unwritten[0]["tip"].as_str().unwrap_or_default();
    assert_eq!(
        tip,
        "add the line `SENTRY_DSN=${{ secrets.SENTRY_DSN }}` to the heredoc that writes the env file (.github/workflows/deploy.yml:8)",
        "not an echo inside the heredoc"
    );
}
