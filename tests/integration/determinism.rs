//! The same answer at any speed: the JSON report of a generated monorepo is
//! byte-identical whatever the number of threads.

use crate::common::envtrail;

#[path = "../../benches/support/monorepo.rs"]
mod monorepo;

/// Sparse files over the size cap, in folders the walk visits on different
/// threads: their notes must come out in the same order every time.
fn add_oversized_files(root: &std::path::Path) {
    for service in ["billing-000", "orders-000", "search-001"] {
        let path = root.join(format!("services/{service}/fixtures/dump.py"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(envtrail::collect::MAX_FILE_BYTES + 1).unwrap();
    }
}

fn report(root: &std::path::Path, threads: Option<&str>) -> Vec<u8> {
    let mut cmd = envtrail();
    cmd.arg("check")
        .arg(root)
        .args(["--format", "json", "--secrets"]);
    cmd.arg(root.join("secrets.txt"));
    if let Some(n) = threads {
        cmd.args(["--threads", n]);
    }
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "threads {threads:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn json_report_is_byte_identical_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let generated = monorepo::generate(dir.path(), 30).unwrap();
    assert_eq!(generated.services, 30);
    add_oversized_files(dir.path());

    let one = report(dir.path(), Some("1"));
    let parsed: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let notes = parsed["notes"]
        .as_array()
        .expect("the oversized files are noted");
    assert_eq!(notes.len(), 3, "{notes:?}");
    for threads in [None, Some("2"), Some("4"), Some("1")] {
        let other = report(dir.path(), threads);
        assert!(
            one == other,
            "--threads {threads:?} differs from --threads 1:\n{}",
            first_difference(&one, &other)
        );
    }
}

#[test]
fn generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(
        monorepo::generate(a.path(), 5).unwrap(),
        monorepo::generate(b.path(), 5).unwrap()
    );
    for rel in [
        "services/billing-000/billing_000/settings.py",
        ".github/workflows/deploy-catalog-000.yml",
        "secrets.txt",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(rel)).unwrap(),
            std::fs::read(b.path().join(rel)).unwrap(),
            "{rel}"
        );
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}:\n  {x}\n  {y}", i + 1))
        .unwrap_or_else(|| format!("lengths {} and {}", a.len(), b.len()))
}
