//! Docker faults, with the real engine: a container that disappears
//! mid-audit, a daemon that answers slowly, a huge env and a huge settings
//! module inside the container. The engine is reached through a small
//! unix-socket proxy the test controls, so each fault happens at a known
//! point of the conversation instead of by a lucky race.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{RUN_LIMIT, envtrail, fixture};
use crate::docker_probe::ENGINE_SOCKET;
use crate::live::{Cleanup, docker_cli};

/// Run once by the proxy, shared between its connection threads.
type OneShot = Arc<Mutex<Option<Box<dyn FnOnce() + Send>>>>;

/// What the proxy does on the way to the engine.
#[derive(Clone, Default)]
struct Faults {
    /// Slept before each chunk of a request is passed on.
    delay: Duration,
    /// Run once, just before the first request whose head holds this text
    /// is passed on: `(text, action)`.
    before: Option<(&'static str, OneShot)>,
}

/// A unix socket at `path` that forwards every connection to the engine,
/// applying `faults`. Lives until the test process ends.
fn proxy(path: &Path, faults: Faults) {
    let listener = UnixListener::bind(path).expect("bind the proxy socket");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(engine) = UnixStream::connect(ENGINE_SOCKET) else {
                continue;
            };
            let faults = faults.clone();
            let (mut from_client, mut to_engine) =
                (client.try_clone().unwrap(), engine.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match from_client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    std::thread::sleep(faults.delay);
                    if let Some((needle, action)) = &faults.before {
                        let head = String::from_utf8_lossy(&buf[..n.min(512)]);
                        if head.contains(needle)
                            && let Some(action) = action.lock().unwrap().take()
                        {
                            action();
                        }
                    }
                    if to_engine.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to_engine.shutdown(std::net::Shutdown::Write);
            });
            let (mut from_engine, mut to_client) = (engine, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from_engine, &mut to_client);
                let _ = to_client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
}

fn repo_settings() -> String {
    std::fs::read_to_string(fixture("live-app").join("config/settings.py")).unwrap()
}

const FULL_ENV: &[(&str, &str)] = &[
    ("DJANGO_SECRET_KEY", "x"),
    ("DATABASE_URL", "postgres://app@db/app"),
    ("S3_UPLOAD_BUCKET", "uploads"),
    ("DJANGO_DEBUG", "false"),
];

/// `envtrail live fixtures/live-app --container NAME --format json [extra]`.
fn live(container: &str, extra: &[&str]) -> (Option<serde_json::Value>, i32, String) {
    let out = envtrail()
        .args([
            "live",
            "fixtures/live-app",
            "--container",
            container,
            "--format",
            "json",
        ])
        .args(extra)
        .timeout(RUN_LIMIT)
        .output()
        .expect("envtrail finishes within the run limit");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = out.status.code().expect("exited, not killed");
    (serde_json::from_slice(&out.stdout).ok(), code, stderr)
}

/// The container runs with every key the app reads and the repository's
/// settings: the one finding is the compose service's missing restart
/// policy, a warning, so the exit code is 0.
fn assert_audited_clean(report: &serde_json::Value, code: i32, stderr: &str) {
    assert_eq!(
        crate::common::findings(report),
        [("restart-policy-missing".to_string(), None)],
        "{report:#}\n{stderr}"
    );
    assert_eq!(code, 0, "{stderr}");
}

fn host(socket: &Path) -> String {
    format!("unix://{}", socket.display())
}

fn proxied(dir: &Path, faults: Faults) -> PathBuf {
    let socket = dir.join("proxy.sock");
    proxy(&socket, faults);
    socket
}

fn remove_container_first(name: &str, needle: &'static str) -> Faults {
    let name = name.to_string();
    let action: Box<dyn FnOnce() + Send> = Box::new(move || {
        let out = docker_cli(&["rm", "-f", &name]);
        assert!(out.status.success(), "docker rm");
    });
    Faults {
        before: Some((needle, Arc::new(Mutex::new(Some(action))))),
        ..Faults::default()
    }
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn a_container_removed_before_inspect_is_not_found() {
    crate::live::require_engine("a_container_removed_before_inspect_is_not_found");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(&image, FULL_ENV, &[]);
    let dir = tempfile::tempdir().unwrap();
    // Gone between the version handshake and the inspect.
    let socket = proxied(dir.path(), remove_container_first(&name, "/json"));
    let (report, code, stderr) = live(&name, &["--docker-host", &host(&socket)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(report.is_none());
    assert!(stderr.contains("no container named"), "{stderr}");
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn a_container_removed_between_inspect_and_download_is_still_audited() {
    crate::live::require_engine(
        "a_container_removed_between_inspect_and_download_is_still_audited",
    );
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(&image, FULL_ENV, &[]);
    let dir = tempfile::tempdir().unwrap();
    let socket = proxied(dir.path(), remove_container_first(&name, "/archive"));
    let (report, code, stderr) = live(&name, &["--docker-host", &host(&socket)]);
    // The audit ran on what the inspect said; the settings comparison
    // could not, and says so.
    let report = report.unwrap_or_else(|| panic!("no JSON report: {stderr}"));
    assert_audited_clean(&report, code, &stderr);
    assert_eq!(report["container"]["name"], name.as_str());
    assert!(stderr.contains("image drift not checked"), "{stderr}");
    assert!(
        !docker_cli(&["inspect", &name]).status.success(),
        "the proxy removed the container"
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn a_slow_daemon_is_bounded_by_the_timeout() {
    crate::live::require_engine("a_slow_daemon_is_bounded_by_the_timeout");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(&image, FULL_ENV, &[]);
    let dir = tempfile::tempdir().unwrap();

    // Slower than the timeout: a clean exit 2 that says so.
    let slow = tempfile::tempdir_in(dir.path()).unwrap();
    let socket = proxied(
        slow.path(),
        Faults {
            delay: Duration::from_secs(3),
            ..Faults::default()
        },
    );
    let (report, code, stderr) = live(&name, &["--docker-host", &host(&socket), "--timeout", "1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(report.is_none());
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");

    // Slow but within the timeout: the audit completes.
    let sluggish = tempfile::tempdir_in(dir.path()).unwrap();
    let socket = proxied(
        sluggish.path(),
        Faults {
            delay: Duration::from_millis(300),
            ..Faults::default()
        },
    );
    let (report, code, stderr) = live(&name, &["--docker-host", &host(&socket), "--timeout", "20"]);
    let report = report.unwrap_or_else(|| panic!("no JSON report: {stderr}"));
    assert_audited_clean(&report, code, &stderr);
    assert_eq!(
        report["container"]["settings_compared"][0]["drift"], false,
        "{report:#}"
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn a_container_with_10k_env_keys() {
    crate::live::require_engine("a_container_with_10k_env_keys");
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("big.env");
    let mut lines: Vec<String> = (0..10_000)
        .map(|i| format!("BULK_KEY_{i}=value-{i}"))
        .collect();
    lines.extend(FULL_ENV.iter().map(|(k, v)| format!("{k}={v}")));
    std::fs::write(&env_file, lines.join("\n")).unwrap();
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run_with(
        &["--env-file", &env_file.to_string_lossy()],
        &image,
        &[],
        &[],
    );
    let (report, code, stderr) = live(&name, &[]);
    let report = report.unwrap_or_else(|| panic!("no JSON report: {stderr}"));
    assert_audited_clean(&report, code, &stderr);
    let live = &crate::common::key_entry(&report, "DATABASE_URL")["live"];
    assert_eq!(live, &serde_json::json!({"present": true, "empty": false}));
    assert!(!report.to_string().contains("value-9999"));
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn huge_settings_modules_in_the_container() {
    crate::live::require_engine("huge_settings_modules_in_the_container");
    let settings = repo_settings();
    let padding = |bytes: usize| format!("# {}\n", "p".repeat(bytes));
    let mut docker = Cleanup::default();

    // Over the 8 MiB cap: not read, and said; no drift claimed.
    let over = docker.image(&format!("{settings}{}", padding(9 << 20)));
    let name = docker.run(&over, FULL_ENV, &[]);
    let (report, code, stderr) = live(&name, &[]);
    let report = report.unwrap_or_else(|| panic!("no JSON report: {stderr}"));
    assert_audited_clean(&report, code, &stderr);
    assert!(stderr.contains("cap"), "{stderr}");
    assert!(
        !crate::common::findings(&report)
            .iter()
            .any(|(rule, _)| rule == "image-drift"),
        "{report:#}"
    );

    // Big but under the cap: read and compared, the same settings.
    let under = docker.image(&format!("{settings}{}", padding(4 << 20)));
    let name = docker.run(&under, FULL_ENV, &[]);
    let (report, code, stderr) = live(&name, &[]);
    let report = report.unwrap_or_else(|| panic!("no JSON report: {stderr}"));
    assert_audited_clean(&report, code, &stderr);
    assert_eq!(
        report["container"]["settings_compared"][0]["drift"], false,
        "{report:#}"
    );
}
