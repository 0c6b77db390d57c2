//! `envtrail live` against a real Docker Engine: tests build tiny images of
//! their own (`FROM scratch` + a static busybox + a settings module), run
//! real containers with the env they choose, audit them with the real
//! binary, and remove everything they created, even when they fail.
//!
//! Where the engine or a static busybox is missing when the tests are
//! built, they are ignored, and the runner counts them as ignored (see
//! build.rs); with `ENVTRAIL_REQUIRE_DOCKER=1` (CI) they always run, and a
//! missing engine is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{envtrail, findings, fixture};

use crate::docker_probe::BUSYBOX;

/// The Docker tests' precondition, at run time. A test that gets here was
/// built to run: where the engine or busybox was missing at build time
/// (and `ENVTRAIL_REQUIRE_DOCKER=1` was not set), build.rs had it ignored,
/// counted as such. So a missing engine or busybox now fails the test; it
/// never passes without having run.
pub(crate) fn require_engine(test: &str) {
    let cli = Command::new("docker")
        .args(["version", "--format", "{{.Server.APIVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    let why = match crate::docker_probe::ready() {
        Ok(()) if cli => return,
        Ok(()) => "the docker CLI cannot reach the engine".to_string(),
        Err(why) => why,
    };
    if crate::docker_probe::required() {
        panic!("ENVTRAIL_REQUIRE_DOCKER=1 but {why} ({test})");
    }
    panic!(
        "{why} ({test}), though it was there when the tests were built: start or install it, \
         or `touch build.rs` so that the next build ignores the Docker tests"
    );
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "envtrail-test-{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes the containers and images a test created, whatever happens.
#[derive(Default)]
pub(crate) struct Cleanup {
    pub(crate) containers: Vec<String>,
    pub(crate) images: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = Command::new("docker").args(["rm", "-f", "-v", c]).output();
        }
        for i in &self.images {
            let _ = Command::new("docker").args(["rmi", "-f", i]).output();
        }
    }
}

pub(crate) fn docker_cli(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs")
}

impl Cleanup {
    /// Build an image holding busybox and `settings` at /app/config/settings.py.
    pub(crate) fn image(&mut self, settings: &str) -> String {
        let tag = format!("{}:1", unique("img"));
        self.images.push(tag.clone());
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::copy(BUSYBOX, dir.path().join("busybox")).expect("copy busybox");
        std::fs::write(dir.path().join("settings.py"), settings).expect("write settings");
        std::fs::write(
            dir.path().join("Dockerfile"),
            // `/bin/sh` for `--health-cmd`, which Docker runs through a shell.
            "FROM scratch\nCOPY busybox /bin/busybox\n\
             RUN [\"/bin/busybox\", \"ln\", \"-s\", \"/bin/busybox\", \"/bin/sh\"]\n\
             COPY settings.py /app/config/settings.py\n\
             WORKDIR /app\nENTRYPOINT [\"/bin/busybox\"]\nCMD [\"sleep\", \"600\"]\n",
        )
        .expect("write Dockerfile");
        let out = Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            // No cache: a parallel test removing its image must not pull a
            // cached parent layer from under this build.
            .args(["build", "--no-cache", "-q", "-t", &tag])
            .arg(dir.path())
            .output()
            .expect("docker build runs");
        assert!(
            out.status.success(),
            "docker build: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        tag
    }

    /// Start a container of `image` with `env`; `cmd` replaces `sleep 600`.
    pub(crate) fn run(&mut self, image: &str, env: &[(&str, &str)], cmd: &[&str]) -> String {
        self.run_with(&[], image, env, cmd)
    }

    /// The same, with extra `docker run` flags.
    pub(crate) fn run_with(
        &mut self,
        flags: &[&str],
        image: &str,
        env: &[(&str, &str)],
        cmd: &[&str],
    ) -> String {
        let name = unique("c");
        self.containers.push(name.clone());
        let mut args = vec![
            "run".to_string(),
            "-d".into(),
            "--name".into(),
            name.clone(),
        ];
        args.extend(flags.iter().map(|s| s.to_string()));
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.push(image.into());
        args.extend(cmd.iter().map(|s| s.to_string()));
        let out = Command::new("docker")
            .args(&args)
            .output()
            .expect("docker run runs");
        assert!(
            out.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        name
    }
}

fn repo_settings() -> String {
    std::fs::read_to_string(fixture("live-app").join("config/settings.py"))
        .expect("fixture settings")
}

/// `envtrail live fixtures/live-app --container NAME [extra] --format FORMAT`.
fn live(container: &str, format: &str, extra: &[&str]) -> std::process::Output {
    envtrail()
        .args([
            "live",
            "fixtures/live-app",
            "--container",
            container,
            "--format",
            format,
        ])
        .args(extra)
        .output()
        .expect("envtrail runs")
}

fn live_json(container: &str) -> (serde_json::Value, String) {
    let out = live(container, "json", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"));
    (report, stderr)
}

fn live_findings(report: &serde_json::Value) -> Vec<(String, Option<String>)> {
    findings(report)
        .into_iter()
        .filter(|(rule, _)| {
            matches!(
                rule.as_str(),
                "live-missing" | "live-empty" | "container-down" | "image-drift"
            )
        })
        .collect()
}

fn message_of<'a>(report: &'a serde_json::Value, rule: &str) -> &'a str {
    report["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == rule))
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("no {rule} finding in {report:#}"))
}

const FULL_ENV: &[(&str, &str)] = &[
    ("DJANGO_SECRET_KEY", "not-the-planted-one"),
    ("DATABASE_URL", "postgres://app@db/app"),
    ("S3_UPLOAD_BUCKET", "stagelog-uploads"),
    ("DJANGO_DEBUG", "false"),
];

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn healthy_container_with_every_key_has_no_live_finding() {
    crate::live::require_engine("healthy_container_with_every_key_has_no_live_finding");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(&image, FULL_ENV, &[]);
    let (report, stderr) = live_json(&name);
    assert_eq!(live_findings(&report), [], "{report:#}\n{stderr}");
    let live = &crate::common::key_entry(&report, "DATABASE_URL")["live"];
    assert_eq!(live, &serde_json::json!({"present": true, "empty": false}));
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn missing_and_empty_keys_are_found() {
    crate::live::require_engine("missing_and_empty_keys_are_found");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(
        &image,
        &[
            ("DJANGO_SECRET_KEY", "x"),
            ("S3_UPLOAD_BUCKET", ""),
            ("DJANGO_DEBUG", "false"),
        ],
        &[],
    );
    let (report, stderr) = live_json(&name);
    // The container is up and its settings match: nothing else fires.
    assert!(
        !live_findings(&report)
            .iter()
            .any(|(r, _)| r == "container-down" || r == "image-drift"),
        "{report:#}"
    );
    assert_eq!(
        live_findings(&report),
        [
            ("live-missing".to_string(), Some("DATABASE_URL".to_string())),
            (
                "live-empty".to_string(),
                Some("S3_UPLOAD_BUCKET".to_string())
            ),
        ],
        "{report:#}\n{stderr}"
    );
    let empty = &crate::common::key_entry(&report, "S3_UPLOAD_BUCKET")["live"];
    assert_eq!(empty, &serde_json::json!({"present": true, "empty": true}));
    let missing = &crate::common::key_entry(&report, "DATABASE_URL")["live"];
    assert_eq!(
        missing,
        &serde_json::json!({"present": false, "empty": false})
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn exited_container_is_down_with_exit_code_and_policy() {
    crate::live::require_engine("exited_container_is_down_with_exit_code_and_policy");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let name = docker.run(&image, FULL_ENV, &["false"]);
    let waited = docker_wait(&name);
    assert_eq!(waited.trim(), "1", "the container exits with 1");
    let out = live(&name, "json", &[]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        live_findings(&report).contains(&("container-down".to_string(), None)),
        "{report:#}"
    );
    let message = message_of(&report, "container-down");
    assert!(
        message.contains("is exited (1)") && message.contains(" ago"),
        "{message}"
    );
    assert!(message.contains("restart policy: none"), "{message}");
    // No compose file names this container: the finding points at the
    // compose file's service only when it does, else somewhere true.
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "container-down")
        .unwrap();
    assert!(
        finding["file"].is_string() && finding["line"].as_u64().is_some_and(|l| l >= 1),
        "{finding}"
    );
    // Image drift works on stopped containers too: same settings, no drift.
    assert!(
        !live_findings(&report)
            .iter()
            .any(|(r, _)| r == "image-drift"),
        "{report:#}"
    );
}

pub(crate) fn docker_wait(name: &str) -> String {
    String::from_utf8_lossy(&docker_cli(&["wait", name]).stdout).into_owned()
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn settings_drift_inside_the_image_is_named() {
    crate::live::require_engine("settings_drift_inside_the_image_is_named");
    // The incident-1 image: an incomplete local settings.py slipped in.
    // It lacks STATIC_ROOT, and hard-codes the bucket instead of reading it.
    let stale = repo_settings()
        .lines()
        .filter(|l| !l.starts_with("STATIC_ROOT"))
        .map(|l| {
            if l.starts_with("S3_UPLOAD_BUCKET") {
                "S3_UPLOAD_BUCKET = \"stagelog-uploads\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut docker = Cleanup::default();
    let image = docker.image(&stale);
    let name = docker.run(&image, FULL_ENV, &[]);
    let (report, stderr) = live_json(&name);
    assert!(
        live_findings(&report).contains(&("image-drift".to_string(), None)),
        "{report:#}\n{stderr}"
    );
    let message = message_of(&report, "image-drift");
    assert!(message.contains("/app/config/settings.py"), "{message}");
    assert!(
        message.contains("the image lacks setting STATIC_ROOT (defined at config/settings.py:19)"),
        "{message}"
    );
    assert!(!message.contains("setting S3_UPLOAD_BUCKET"), "{message}");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "image-drift")
        .unwrap();
    assert_eq!(finding["file"], "config/settings.py");
    let compared = &report["container"]["settings_compared"];
    assert_eq!(
        compared,
        &serde_json::json!([{"file": "config/settings.py", "container_path": "/app/config/settings.py", "drift": true}])
    );
    assert!(
        message.contains("the read of S3_UPLOAD_BUCKET"),
        "{message}"
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn a_planted_secret_never_appears_in_any_output() {
    crate::live::require_engine("a_planted_secret_never_appears_in_any_output");
    let secret = format!("planted-{}-Zq8rT3vX0pLm6NwY2bKc9HdF", unique("s"));
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let running = docker.run(
        &image,
        &[
            ("DJANGO_SECRET_KEY", &secret),
            ("DATABASE_URL", &secret),
            ("S3_UPLOAD_BUCKET", ""),
        ],
        &[],
    );
    let exited = docker.run(&image, &[("DJANGO_SECRET_KEY", &secret)], &["false"]);
    docker_wait(&exited);
    // The same containers offline, through a saved `docker inspect`.
    let saved = tempfile::NamedTempFile::new().expect("temp file");
    let inspect = docker_cli(&["inspect", &running, &exited]);
    assert!(
        String::from_utf8_lossy(&inspect.stdout).contains(&secret),
        "the inspect output holds the secret"
    );
    std::fs::write(saved.path(), &inspect.stdout).expect("save inspect");
    let saved_path = saved.path().to_string_lossy().into_owned();
    for container in [&running, &exited] {
        for format in ["table", "json", "markdown", "sarif", "github"] {
            for extra in [
                &[][..],
                &["--inspect-file", &saved_path][..],
                &["--color", "always"][..],
            ] {
                let out = live(container, format, extra);
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    !stdout.is_empty(),
                    "{format} {extra:?} printed nothing; stderr: {stderr}"
                );
                assert!(
                    !stdout.contains(&secret),
                    "{format} {extra:?} printed the secret:\n{stdout}"
                );
                assert!(
                    !stderr.contains(&secret),
                    "{format} {extra:?} put the secret on stderr:\n{stderr}"
                );
            }
        }
    }
    // Nor does a broken inspect file's error quote it.
    let mut broken = tempfile::NamedTempFile::new().expect("temp file");
    write!(broken, "[{{\"Config\": {{\"Env\": [\"K={secret}\", 7").expect("write");
    let out = live(
        &running,
        "json",
        &["--inspect-file", &broken.path().to_string_lossy()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&secret));
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn unknown_container_exits_2_with_a_hint() {
    crate::live::require_engine("unknown_container_exits_2_with_a_hint");
    let out = live(&unique("absent"), "json", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no container named"), "{stderr}");
    assert!(stderr.contains("hint: `docker ps -a`"), "{stderr}");
}

/// A socket file nobody listens on: what a stopped daemon leaves behind.
fn closed_socket(dir: &Path) -> PathBuf {
    let path = dir.join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    path
}

#[test]
fn unreachable_daemon_exits_2_with_the_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sock = closed_socket(dir.path());
    for host in [
        format!("unix://{}", sock.display()),
        "tcp://127.0.0.1:1".to_string(),
    ] {
        let out = live("api", "json", &["--docker-host", &host]);
        assert_eq!(out.status.code(), Some(2), "{host}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot reach the Docker daemon"),
            "{stderr}"
        );
        assert!(
            stderr.contains("hint: is the Docker daemon running? set DOCKER_HOST or --docker-host"),
            "{stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            2,
            "one line of cause, one of hint: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn docker_host_env_is_honoured() {
    let out = envtrail()
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .args(["live", "fixtures/live-app", "--container", "api"])
        .output()
        .expect("envtrail runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcp://127.0.0.1:1"));
}

#[test]
fn a_hung_daemon_times_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hung.sock");
    // Accepts connections and never answers.
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(6));
    });
    let started = Instant::now();
    let out = live(
        "api",
        "json",
        &[
            "--docker-host",
            &format!("unix://{}", path.display()),
            "--timeout",
            "1",
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert!(stderr.contains("raise --timeout"), "{stderr}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    drop(held);
}

#[test]
fn inspect_file_audits_offline_and_says_drift_was_skipped() {
    let out = live(
        "stagelog-api-1",
        "table",
        &[
            "--inspect-file",
            "fixtures/live-app/docker-inspect/api-exited.json",
            "--color",
            "never",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: image drift not checked: --inspect-file"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("planted-inspect-secret"), "{stdout}");
    insta::assert_snapshot!("live_inspect_file_table", redact_ago(&stdout));
}

#[test]
fn inspect_file_single_object_and_missing_container() {
    let text = std::fs::read_to_string(fixture("live-app").join("docker-inspect/api-exited.json"))
        .unwrap();
    let array: serde_json::Value = serde_json::from_str(&text).unwrap();
    let single = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(single.path(), serde_json::to_vec(&array[0]).unwrap()).unwrap();
    let out = live(
        "stagelog-api-1",
        "json",
        &["--inspect-file", &single.path().to_string_lossy()],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(live_findings(&report).contains(&("container-down".to_string(), None)));
    let finding = &report["findings"][0];
    assert_eq!(
        (finding["file"].as_str(), finding["line"].as_u64()),
        (Some("docker-compose.yml"), Some(2))
    );
    let container = &report["container"];
    assert_eq!(container["name"], "stagelog-api-1");
    assert_eq!(container["status"], "exited");
    assert_eq!(container["up"], false);
    assert_eq!(container["exit_code"], 1);
    assert_eq!(container["restart_policy"], "none");
    assert_eq!(container["finished_at"], "2026-11-11T02:58:14.000000000Z");
    assert!(
        container["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("--inspect-file")),
        "{container}"
    );

    let out = live(
        "worker",
        "json",
        &[
            "--inspect-file",
            "fixtures/live-app/docker-inspect/api-exited.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no container \"worker\" in it (it holds: stagelog-api-1)"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: --inspect-file takes"), "{stderr}");
}

/// `live-missing` and `live-empty` without an engine, from a saved `docker
/// inspect`: they fire on its env, and not on the same inspect once its env
/// has both keys with values. The container has exited in both.
#[test]
fn live_missing_and_live_empty_fire_on_a_saved_env_and_not_once_it_has_the_keys() {
    let saved = fixture("live-app").join("docker-inspect/api-exited.json");
    let audit = |inspect: &Path| {
        let out = live(
            "stagelog-api-1",
            "json",
            &["--inspect-file", &inspect.to_string_lossy()],
        );
        assert_eq!(out.status.code(), Some(1), "container-down is an error");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        report
    };
    let report = audit(&saved);
    assert_eq!(
        live_findings(&report),
        [
            ("container-down".to_string(), None),
            ("live-missing".to_string(), Some("DATABASE_URL".to_string())),
            (
                "live-empty".to_string(),
                Some("S3_UPLOAD_BUCKET".to_string())
            ),
        ],
        "{report:#}"
    );

    let mut inspect: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let env = inspect[0]["Config"]["Env"].as_array_mut().unwrap();
    for entry in env.iter_mut() {
        if entry == "S3_UPLOAD_BUCKET=" {
            *entry = "S3_UPLOAD_BUCKET=stagelog-uploads".into();
        }
    }
    env.push("DATABASE_URL=postgres://app@db/app".into());
    let fixed = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(fixed.path(), serde_json::to_vec(&inspect).unwrap()).unwrap();
    let report = audit(fixed.path());
    assert_eq!(
        live_findings(&report),
        [("container-down".to_string(), None)],
        "{report:#}"
    );
    for key in ["DATABASE_URL", "S3_UPLOAD_BUCKET"] {
        assert_eq!(
            crate::common::key_entry(&report, key)["live"],
            serde_json::json!({"present": true, "empty": false}),
            "{key}"
        );
    }
}

/// `11 days ago` changes every day; snapshots keep `[N units] ago`.
fn redact_ago(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let mut kept = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let is_count = words[i].chars().all(|c| c.is_ascii_digit()) && !words[i].is_empty();
            let is_ago = words.get(i + 2).is_some_and(|w| w.starts_with("ago"));
            if is_count && is_ago {
                kept.push("[N]".to_string());
                kept.push("[units]".to_string());
                i += 2;
                continue;
            }
            kept.push(words[i].to_string());
            i += 1;
        }
        out.push(kept.join(" "));
    }
    out.join("\n")
}

/// A fake daemon on a unix socket: `/version` says 1.41, every other call
/// answers what an engine too old for the client answers.
fn old_engine(path: &Path) -> std::thread::JoinHandle<()> {
    use std::io::{BufRead, BufReader};
    let listener = std::os::unix::net::UnixListener::bind(path).expect("bind");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4).flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let (status, body) = if request_line.contains("/version") {
                (
                    "200 OK",
                    r#"{"ApiVersion":"1.41","Version":"20.10.24"}"#.to_string(),
                )
            } else {
                (
                    "400 Bad Request",
                    r#"{"message":"client version 1.41 is too new. Maximum supported API version is 1.40"}"#.to_string(),
                )
            };
            let mut writer = &stream;
            let _ = write!(
                writer,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    })
}

#[test]
fn an_api_version_the_daemon_refuses_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.sock");
    let _daemon = old_engine(&path);
    let out = live(
        "api",
        "json",
        &[
            "--docker-host",
            &format!("unix://{}", path.display()),
            "--timeout",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused the API version: client version 1.41 is too new"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: the daemon is older or newer"),
        "{stderr}"
    );
}

#[test]
#[cfg_attr(
    envtrail_no_docker,
    ignore = "needs a Docker engine and a static busybox, missing when the tests were built (see build.rs)"
)]
fn an_unhealthy_container_is_down() {
    crate::live::require_engine("an_unhealthy_container_is_down");
    let mut docker = Cleanup::default();
    let image = docker.image(&repo_settings());
    let flags = [
        "--health-cmd",
        "false",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        "--restart",
        "unless-stopped",
    ];
    let name = docker.run_with(&flags, &image, FULL_ENV, &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = docker_cli(&["inspect", "--format", "{{.State.Health.Status}}", &name]);
        if String::from_utf8_lossy(&out.stdout).trim() == "unhealthy" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the container never became unhealthy"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let (report, stderr) = live_json(&name);
    assert!(
        live_findings(&report).contains(&("container-down".to_string(), None)),
        "{report:#}\n{stderr}"
    );
    let message = message_of(&report, "container-down");
    assert!(
        message.contains("is running but its health check reports unhealthy"),
        "{message}"
    );
    assert!(
        message.contains("restart policy: unless-stopped"),
        "{message}"
    );
    assert_eq!(report["container"]["health"], "unhealthy");
}
