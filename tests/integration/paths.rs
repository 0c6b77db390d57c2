//! Every output shows paths from the repository root, whatever PATH is: a
//! folder audited inside a work tree prints `services/stagelog/config/...`,
//! so annotations, SARIF and links resolve. Each test copies a fixture into
//! a temporary work tree (a folder holding `.git`) to stay hermetic.

use std::path::{Path, PathBuf};

use crate::common::{envtrail, fixture};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A work tree holding the stagelog fixture at `services/stagelog`.
fn work_tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    let app = dir.path().join("services/stagelog");
    copy_tree(&fixture("stagelog"), &app);
    (dir, app)
}

/// `envtrail check services/stagelog --format FORMAT`, run from the work
/// tree's root as a CI step would.
fn check(root: &Path, format: &str) -> String {
    let out = envtrail()
        .env_remove("GIT_CEILING_DIRECTORIES")
        .current_dir(root)
        .args(["check", "services/stagelog", "--format", format])
        .args(["--secrets", "services/stagelog/secrets.txt"])
        .output()
        .expect("envtrail runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn annotations_name_files_from_the_repository_root() {
    let (dir, _) = work_tree();
    let out = check(dir.path(), "github");
    let files: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split("file=").nth(1))
        .filter_map(|rest| rest.split(',').next())
        .collect();
    assert!(!files.is_empty(), "{out}");
    for file in files {
        assert!(file.starts_with("services/stagelog/"), "{file}");
        assert!(
            dir.path().join(file).is_file(),
            "{file} does not exist from the root"
        );
    }
}

#[test]
fn sarif_and_json_paths_exist_from_the_repository_root() {
    let (dir, _) = work_tree();
    let sarif: serde_json::Value = serde_json::from_str(&check(dir.path(), "sarif")).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(!uris.is_empty());
    let base = sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap_or_default();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(base, format!("file://{}/", root.display()), "{sarif:#}");
    for uri in uris {
        assert!(dir.path().join(uri).is_file(), "{uri}");
    }
    let json: serde_json::Value = serde_json::from_str(&check(dir.path(), "json")).unwrap();
    assert_eq!(json["root"], "services/stagelog", "PATH as given");
    let repo_root = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(json["repo_root"], repo_root.to_string_lossy().as_ref());
    for f in json["findings"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    for key in json["keys"].as_array().unwrap() {
        for w in key["written"].as_array().into_iter().flatten() {
            let file = w["file"].as_str().unwrap();
            assert!(dir.path().join(file).is_file(), "{file}");
        }
    }
}

#[test]
fn markdown_links_and_messages_use_repository_paths() {
    let (dir, _) = work_tree();
    let out = envtrail()
        .env_remove("GIT_CEILING_DIRECTORIES")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/monorepo")
        .env("GITHUB_SHA", "0123456789abcdef")
        .current_dir(dir.path())
        .args(["check", "services/stagelog", "--format", "markdown"])
        .args(["--secrets", "services/stagelog/secrets.txt"])
        .output()
        .expect("envtrail runs");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("https://github.com/acme/monorepo/blob/0123456789abcdef/services/stagelog/config/settings.py#L"),
        "{md}"
    );
    assert!(!md.contains("/blob/0123456789abcdef/config/"), "{md}");
}

#[test]
fn without_a_work_tree_paths_are_from_path() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("stagelog");
    copy_tree(&fixture("stagelog"), &app);
    // Whatever encloses the temporary folder, the search stops there.
    let out = envtrail()
        .env("GIT_CEILING_DIRECTORIES", dir.path())
        .current_dir(dir.path())
        .args(["check", "stagelog", "--format", "json"])
        .output()
        .expect("envtrail runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("repo_root").is_none(), "{json}");
    let file = json["findings"][0]["file"].as_str().unwrap();
    assert!(app.join(file).is_file(), "{file}");
}
