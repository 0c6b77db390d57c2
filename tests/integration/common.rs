//! The command builder every integration test uses: the real binary, with
//! the environment cleared of what would change its output (CI, GitHub's
//! variables, colour settings, DOCKER_HOST).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// `envtrail <args>` run from the crate root, so fixture paths print as
/// `fixtures/<name>` in reports and snapshots stay machine-independent.
/// Each fixture is a repository of its own: the search for the enclosing
/// work tree stops at `fixtures/` (git's own `GIT_CEILING_DIRECTORIES`), so
/// paths print from the fixture; `repo_paths` tests say otherwise.
pub fn envtrail() -> Command {
    let mut cmd = Command::cargo_bin("envtrail").expect("the envtrail binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env(
        "GIT_CEILING_DIRECTORIES",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "CI"
            || key.starts_with("GITHUB_")
            || key.starts_with("GITEA_")
            || key == "NO_COLOR"
            || key == "CLICOLOR_FORCE"
            || key == "DOCKER_HOST"
        {
            cmd.env_remove(&*key);
        }
    }
    cmd
}

/// Run `envtrail check fixtures/<name> --format json [extra...]` and parse the report.
pub fn check_json(name: &str, extra: &[&str]) -> (serde_json::Value, i32) {
    let out = envtrail()
        .args(["check", &format!("fixtures/{name}"), "--format", "json"])
        .args(extra)
        .output()
        .expect("envtrail runs");
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, code)
}

/// `(rule, key)` of every finding, in report order.
pub fn findings(report: &serde_json::Value) -> Vec<(String, Option<String>)> {
    report["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or_default().to_string(),
                        f["key"].as_str().map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The names in the report's `secrets[]`, in report order.
pub fn secret_names(report: &serde_json::Value) -> Vec<String> {
    report["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect()
}

/// The keys written by any stage, in the report.
pub fn written_keys(report: &serde_json::Value) -> Vec<String> {
    keys_where(report, |k| {
        k["written"].as_array().is_some_and(|w| !w.is_empty())
    })
}

/// The keys read by any code, in the report.
pub fn read_keys(report: &serde_json::Value) -> Vec<String> {
    keys_where(report, |k| {
        k["read"].as_array().is_some_and(|r| !r.is_empty())
    })
}

fn keys_where(
    report: &serde_json::Value,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> Vec<String> {
    report["keys"]
        .as_array()
        .map(|ks| {
            ks.iter()
                .filter(|k| pred(k))
                .filter_map(|k| k["key"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The entry for `key` in `keys[]`.
pub fn key_entry<'a>(report: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    report["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["key"] == key))
        .unwrap_or_else(|| panic!("no key {key} in the report"))
}

/// Write `files` (path relative to `root`, content) under `root`, creating folders.
pub fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (rel, content) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, content).expect("write file");
    }
}

/// How long any one envtrail run may take in a test before it counts as a
/// hang: generous, so a slow CI machine never fails, while a real hang
/// fails the test instead of blocking CI forever.
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// One bounded run of `envtrail <args>`: it must exit on its own (no hang,
/// no signal such as a stack overflow's abort) and never panic.
pub fn run_bounded<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    let out = envtrail()
        .args(args)
        .timeout(RUN_LIMIT)
        .output()
        .unwrap_or_else(|e| panic!("envtrail did not finish within {RUN_LIMIT:?}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some(),
        "envtrail was killed ({:?}); stderr:\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "envtrail panicked:\n{stderr}");
    out
}

/// `envtrail check ROOT --format json [extra]`, bounded: the report, the
/// exit code and stderr.
pub fn check_dir(root: &Path, extra: &[&str]) -> (serde_json::Value, i32, String) {
    let mut args: Vec<std::ffi::OsString> = vec!["check".into(), root.into()];
    args.extend(["--format".into(), "json".into()]);
    args.extend(extra.iter().map(Into::into));
    let out = run_bounded(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (report, out.status.code().unwrap_or(-1), stderr)
}

/// `(file, line, message)` of every finding of `rule`, in report order.
pub fn findings_of(report: &serde_json::Value, rule: &str) -> Vec<(String, u64, String)> {
    findings_with(report, rule, "message")
}

/// `(file, line, f[field])` of every finding of `rule`, in report order.
pub fn findings_with(
    report: &serde_json::Value,
    rule: &str,
    field: &str,
) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f[field].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `fixtures/<name>` copied into `to`, file for file.
pub fn copy_fixture(name: &str, to: &Path) {
    let from = fixture(name);
    for path in walk_files(&from) {
        let target = to.join(path.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&path, target).unwrap();
    }
}

/// Every file under `dir`, at any depth.
pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}
