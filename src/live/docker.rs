//! The Docker Engine API client (bollard), read-only: inspect a container
//! and download files from it. Never start, stop, exec or change anything.
//!
//! Every call is bounded by the `--timeout` seconds, so a hung daemon cannot
//! hang envtrail. Errors become [`DockerError`], one variant per cause the
//! user can act on, each with a hint.

use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{DownloadFromContainerOptions, InspectContainerOptions};
use futures_util::StreamExt;

use super::inspect::{self, Inspect};

/// The socket Docker listens on when nothing says otherwise.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// Why the live stage could not talk to Docker (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("cannot reach the Docker daemon at {host}: {cause}")]
    Unreachable { host: String, cause: String },
    #[error("permission denied on the Docker socket {host}")]
    PermissionDenied { host: String },
    #[error("no container named or with id {container:?} on {host}")]
    ContainerNotFound { container: String, host: String },
    #[error("the Docker daemon at {host} refused the API version: {message}")]
    ApiVersion { host: String, message: String },
    #[error("the Docker daemon at {host} did not answer within {seconds}s")]
    Timeout { host: String, seconds: u64 },
    #[error("unsupported Docker host {0:?}")]
    UnsupportedHost(String),
    #[error("the Docker daemon at {host} answered {status}: {message}")]
    Daemon {
        host: String,
        status: u16,
        message: String,
    },
    #[error("--inspect-file {path}: {message}")]
    InspectFile { path: String, message: String },
}

impl DockerError {
    pub fn hint(&self) -> &'static str {
        match self {
            DockerError::Unreachable { .. } => {
                "is the Docker daemon running? set DOCKER_HOST or --docker-host"
            }
            DockerError::PermissionDenied { .. } => {
                "add your user to the `docker` group (then log in again), or run where the socket is readable"
            }
            DockerError::ContainerNotFound { .. } => {
                "`docker ps -a` lists the containers; give --container a name or id from it"
            }
            DockerError::ApiVersion { .. } => {
                "the daemon is older or newer than envtrail's Docker client supports; upgrade one of them"
            }
            DockerError::Timeout { .. } => {
                "the daemon may be hung or far away; raise --timeout SECONDS"
            }
            DockerError::UnsupportedHost(_) => {
                "use unix:///path/to/docker.sock or tcp://host:port (ssh:// and TLS hosts are not supported)"
            }
            DockerError::Daemon { .. } => {
                "`docker inspect` on the same container shows what the daemon thinks"
            }
            DockerError::InspectFile { .. } => {
                "--inspect-file takes what `docker inspect NAME > FILE` writes (an array or one object)"
            }
        }
    }
}

/// A connected, version-negotiated client and the limits of every call.
pub struct Client {
    docker: Docker,
    host: String,
    timeout: Duration,
}

/// Where to connect: `--docker-host`, else `DOCKER_HOST`, else the local socket.
pub fn resolve_host(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| {
            std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_SOCKET.to_owned())
}

impl Client {
    /// Connect to `host` and agree on an API version with the daemon (the
    /// engine may be older than bollard's default version).
    pub async fn connect(host: &str, timeout: Duration) -> Result<Client, DockerError> {
        let seconds = timeout.as_secs().max(1);
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            socket(host, path, seconds)?
        } else if host.starts_with('/') {
            socket(host, host, seconds)?
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(host, seconds, bollard::API_DEFAULT_VERSION)
                .map_err(|e| map_error(e, host, None))?
        } else {
            return Err(DockerError::UnsupportedHost(host.to_owned()));
        };
        let docker = bounded(host, timeout, docker.negotiate_version()).await?;
        Ok(Client {
            docker,
            host: host.to_owned(),
            timeout,
        })
    }

    /// `docker inspect NAME`, parsed by the same code as `--inspect-file`.
    pub async fn inspect(&self, container: &str) -> Result<Inspect, DockerError> {
        let response = bounded(
            &self.host,
            self.timeout,
            self.docker
                .inspect_container(container, None::<InspectContainerOptions>),
        )
        .await
        .map_err(|e| match e {
            DockerError::Daemon { status: 404, .. } => DockerError::ContainerNotFound {
                container: container.to_owned(),
                host: self.host.clone(),
            },
            other => other,
        })?;
        // Back to JSON and through the one parser; the typed response, which
        // holds env values, is dropped at the end of this statement.
        let bytes = serde_json::to_vec(&response).map_err(|e| DockerError::Daemon {
            host: self.host.clone(),
            status: 200,
            message: format!("cannot re-encode the inspect answer: {}", e.classify_str()),
        })?;
        drop(response);
        inspect::parse(&bytes, container).map_err(|message| DockerError::Daemon {
            host: self.host.clone(),
            status: 200,
            message,
        })
    }

    /// The tar archive of `path` in the container, at most `cap` bytes.
    /// `Ok(None)` when the path does not exist there. Works on stopped containers.
    pub async fn download(
        &self,
        container: &str,
        path: &str,
        cap: usize,
    ) -> Result<Option<Vec<u8>>, DockerError> {
        let options = DownloadFromContainerOptions {
            path: path.to_owned(),
        };
        let fetch = async {
            let mut stream = self
                .docker
                .download_from_container(container, Some(options));
            let mut archive = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                if archive.len() + chunk.len() > cap {
                    return Ok(Err(archive.len() + chunk.len()));
                }
                archive.extend_from_slice(&chunk);
            }
            Ok(Ok(archive))
        };
        match bounded(&self.host, self.timeout, fetch).await {
            Ok(Ok(archive)) => Ok(Some(archive)),
            Ok(Err(size)) => Err(DockerError::Daemon {
                host: self.host.clone(),
                status: 200,
                message: format!(
                    "the archive of {path} is over {cap} bytes ({size} read); not downloaded"
                ),
            }),
            Err(DockerError::Daemon { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn socket(host: &str, path: &str, seconds: u64) -> Result<Docker, DockerError> {
    // bollard's own check says "socket not found"; say what it means.
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(DockerError::PermissionDenied {
                host: host.to_owned(),
            });
        }
        Err(_) => {
            return Err(DockerError::Unreachable {
                host: host.to_owned(),
                cause: format!("no socket at {path}"),
            });
        }
        Ok(_) => {}
    }
    Docker::connect_with_socket(path, seconds, bollard::API_DEFAULT_VERSION)
        .map_err(|e| map_error(e, host, None))
}

/// Run one call under the time limit, mapping its error.
async fn bounded<T>(
    host: &str,
    timeout: Duration,
    call: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, DockerError> {
    match tokio::time::timeout(timeout, call).await {
        Ok(result) => result.map_err(|e| map_error(e, host, Some(timeout))),
        Err(_) => Err(DockerError::Timeout {
            host: host.to_owned(),
            seconds: timeout.as_secs(),
        }),
    }
}

/// Turn bollard's error into the cause the user can act on.
fn map_error(error: bollard::errors::Error, host: &str, timeout: Option<Duration>) -> DockerError {
    use bollard::errors::Error as E;
    let host = host.to_owned();
    match error {
        E::DockerResponseServerError {
            status_code,
            message,
        } => {
            let lower = message.to_ascii_lowercase();
            if status_code == 400
                && lower.contains("version")
                && (lower.contains("too new") || lower.contains("too old"))
            {
                DockerError::ApiVersion { host, message }
            } else {
                DockerError::Daemon {
                    host,
                    status: status_code,
                    message: first_line(&message),
                }
            }
        }
        E::APIVersionParseError {} => DockerError::ApiVersion {
            host,
            message: "its /version answer has no API version envtrail can read".into(),
        },
        E::RequestTimeoutError => DockerError::Timeout {
            host,
            seconds: timeout.map(|t| t.as_secs()).unwrap_or_default(),
        },
        E::SocketNotFoundError(path) => DockerError::Unreachable {
            host,
            cause: format!("no socket at {path}"),
        },
        E::UnsupportedURISchemeError { .. } => DockerError::UnsupportedHost(host),
        other => match direct_io_kind(&other).or_else(|| io_kind(&other)) {
            Some(std::io::ErrorKind::PermissionDenied) => DockerError::PermissionDenied { host },
            Some(kind) => DockerError::Unreachable {
                host,
                cause: io_cause(kind),
            },
            None => DockerError::Unreachable {
                host,
                cause: first_line(&other.to_string()),
            },
        },
    }
}

/// bollard's own I/O variant is `transparent`: its `source()` skips the
/// io::Error itself, so look at it first.
fn direct_io_kind(error: &bollard::errors::Error) -> Option<std::io::ErrorKind> {
    match error {
        bollard::errors::Error::IOError { err } => Some(err.kind()),
        _ => None,
    }
}

/// The I/O error at the bottom of a bollard/hyper error chain, if any.
fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

fn io_cause(kind: std::io::ErrorKind) -> String {
    use std::io::ErrorKind as K;
    match kind {
        K::ConnectionRefused => "connection refused".into(),
        K::NotFound => "no such socket".into(),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            "the connection was dropped".into()
        }
        K::TimedOut => "timed out".into(),
        other => other.to_string(),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// serde_json's category, without the message (which may quote input).
trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

impl ClassifyStr for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "end of input",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_resolution_prefers_the_flag() {
        assert_eq!(resolve_host(Some("tcp://127.0.0.1:1")), "tcp://127.0.0.1:1");
    }

    #[test]
    fn errors_map_to_causes() {
        let e = map_error(
            bollard::errors::Error::DockerResponseServerError {
                status_code: 400,
                message: "client version 1.53 is too new. Maximum supported API version is 1.41"
                    .into(),
            },
            "unix:///x",
            None,
        );
        assert!(matches!(e, DockerError::ApiVersion { .. }), "{e}");
        let e = map_error(
            bollard::errors::Error::IOError {
                err: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            "unix:///x",
            None,
        );
        assert!(matches!(e, DockerError::PermissionDenied { .. }), "{e}");
        let e = map_error(
            bollard::errors::Error::IOError {
                err: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            },
            "tcp://127.0.0.1:1",
            None,
        );
        assert_eq!(
            e.to_string(),
            "cannot reach the Docker daemon at tcp://127.0.0.1:1: connection refused"
        );
    }

    #[test]
    fn unsupported_schemes_say_so() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let e = rt
            .block_on(Client::connect("ssh://user@host", Duration::from_secs(1)))
            .err()
            .unwrap();
        assert!(matches!(e, DockerError::UnsupportedHost(_)));
    }
}
