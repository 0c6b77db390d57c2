//! One compose service that runs the app: what its image, `env_file:` and
//! `environment:` give the container from the host env, and where a key the
//! deploy writes does not get through.

use std::collections::BTreeSet;

use super::host::HostEnv;
use super::outcome::{Inputs, Outcome};
use super::{BreakKind, Defaulted, Written, dir_of};
use crate::collect::compose::join;
use crate::facts::{
    ComposeEnv, ComposeService, DotenvFile, Interpolation, InterpolationKind, OpaqueKind,
    OpaqueStage, Source, WriteVia,
};
use crate::location::Location;

/// An env file compose reads (an `env_file:`, or the implicit `.env` it
/// interpolates from) that nothing envtrail sees holds or writes: it lives
/// on the deploy host. It may feed the code under `scope`.
pub(super) fn host_env_file(path: String, scope: &str, at: &Location) -> OpaqueStage {
    OpaqueStage {
        kind: OpaqueKind::HostEnvFile { path },
        location: at.clone(),
        scope: scope.to_string(),
    }
}

/// The implicit `.env` of compose in `dir`, as a host env file.
fn implicit_dotenv(dir: &str, scope: &str, at: &Location) -> OpaqueStage {
    let path = join(dir, ".env").unwrap_or_else(|| ".env".into());
    host_env_file(path, scope, at)
}

/// One service judged against one host env.
struct ServiceEnv<'a> {
    inputs: &'a Inputs<'a>,
    svc: &'a ComposeService,
    host: &'a HostEnv<'a>,
    dir: &'a str,
    /// The `.env` beside the compose file, when it is committed.
    project_dotenv: Option<&'a DotenvFile>,
}

/// Everything the service gives the app's container; then the upstream
/// writes it does not let through.
pub(super) fn service_reach(inputs: &Inputs, svc: &ComposeService, host: &HostEnv) -> Outcome {
    let dir = dir_of(&svc.file);
    let s = ServiceEnv {
        inputs,
        svc,
        host,
        dir,
        project_dotenv: join(dir, ".env").and_then(|p| inputs.dotenv.get(p.as_str()).copied()),
    };
    let mut out = Outcome::default();
    // The image first: env_file and environment override it.
    s.image(&mut out);
    s.env_files(&mut out);
    for e in &svc.environment {
        s.environment(e, &mut out);
    }
    let arrived: BTreeSet<String> = out.arrivals.iter().map(|a| a.key.clone()).collect();
    upstream_breaks(svc, host, &arrived, &mut out);
    out
}

impl ServiceEnv<'_> {
    fn target(&self) -> &str {
        &self.svc.file
    }

    fn image(&self, out: &mut Outcome) {
        let Some(image) = self.inputs.image(self.svc.dockerfile.as_deref()) else {
            return;
        };
        for e in &image.env {
            let (via, source) = (WriteVia::DockerfileEnv, e.source.clone());
            out.arrive(self.target(), &e.key, &e.location, via, source, None);
        }
    }

    /// Committed env files give their keys; env files the deploy writes give
    /// what it writes; one neither committed nor written is the host's.
    fn env_files(&self, out: &mut Outcome) {
        for ef in &self.svc.env_files {
            let committed =
                join(self.dir, &ef.path).and_then(|p| self.inputs.dotenv.get(p.as_str()).copied());
            let mut written = self.host.file_writes(self.dir, &ef.path).peekable();
            if committed.is_none()
                && written.peek().is_none()
                && !self.inputs.written_whole(&ef.path)
            {
                out.opaque.push(host_env_file(
                    ef.path.clone(),
                    &self.code_scope(),
                    &ef.location,
                ));
            }
            if let Some(file) = committed {
                let target = self.target();
                for k in &file.keys {
                    let sink = Some(file.file.as_str());
                    out.arrive(
                        target,
                        &k.key,
                        &k.location,
                        WriteVia::DotenvFile,
                        Source::Literal,
                        sink,
                    );
                    let sink = Some(ef.path.as_str());
                    out.arrive(
                        target,
                        &k.key,
                        &ef.location,
                        WriteVia::ComposeEnvFile,
                        Source::Literal,
                        sink,
                    );
                }
            }
            for w in written {
                let source = w.source.clone();
                out.arrive(
                    self.target(),
                    &w.key,
                    &ef.location,
                    WriteVia::ComposeEnvFile,
                    source,
                    Some(&ef.path),
                );
            }
        }
    }

    /// One `environment:` entry: a literal, a passthrough of the host's key,
    /// or an interpolation of host keys.
    fn environment(&self, e: &ComposeEnv, out: &mut Outcome) {
        use crate::facts::ComposeValue;
        match &e.value {
            ComposeValue::Literal { .. } => self.passes(e, Source::Literal, out),
            ComposeValue::Passthrough => self.passthrough(e, out),
            ComposeValue::Interpolated { refs, .. } => self.interpolated(e, refs, out),
        }
    }

    fn host_has(&self, key: &str) -> bool {
        self.host.has(self.dir, key, self.project_dotenv).is_some()
    }

    /// The host env is opaque when envtrail sees no `.env` for this compose.
    fn host_is_opaque(&self) -> bool {
        !self.host.sees_dotenv(self.dir, self.project_dotenv)
    }

    /// The folder of the code this service runs: its build context
    /// (`docker/docker-compose.yml` building `..` runs the repository's
    /// root), else the compose file's own folder.
    fn code_scope(&self) -> String {
        match self.svc.build_context.as_deref() {
            Some(".") => String::new(),
            Some(ctx) => ctx.to_string(),
            None => self.dir.to_string(),
        }
    }

    /// The implicit `.env` is opaque: on the host, unless a workflow writes
    /// it whole (that whole-file secret is the opaque stage then).
    fn host_dotenv(&self, at: &Location, out: &mut Outcome) {
        if !self.inputs.written_whole(".env") {
            out.opaque
                .push(implicit_dotenv(self.dir, &self.code_scope(), at));
        }
    }

    /// The `environment:` entry `e` gives the container its key.
    fn passes(&self, e: &ComposeEnv, source: Source, out: &mut Outcome) {
        let via = WriteVia::ComposeEnvironment;
        out.arrive(self.target(), &e.key, &e.location, via, source, None);
    }

    /// `- KEY`: compose passes the host's KEY, when the host has it.
    fn passthrough(&self, e: &ComposeEnv, out: &mut Outcome) {
        if self.host_has(&e.key) {
            self.passes(e, Source::Env(e.key.clone()), out);
        } else if self.host_is_opaque() {
            self.host_dotenv(&e.location, out);
        } else {
            let service = self.svc.name.clone();
            out.broken(&e.key, &e.location, BreakKind::PassthroughUnset { service });
        }
    }

    /// `KEY: ${HOST:?…}` / `${HOST}` / `${HOST:-default}`: set when every
    /// host key is; else a required one fails, a bare one is empty, and
    /// defaults apply.
    fn interpolated(&self, e: &ComposeEnv, refs: &[Interpolation], out: &mut Outcome) {
        let unset: Vec<&Interpolation> = refs.iter().filter(|r| !self.host_has(&r.key)).collect();
        if unset.is_empty() {
            let source = refs
                .first()
                .map(|r| Source::Env(r.key.clone()))
                .unwrap_or(Source::Unknown);
            self.passes(e, source, out);
            return;
        }
        if self.host_is_opaque() {
            self.host_dotenv(&e.location, out);
            return;
        }
        let service = self.svc.name.clone();
        let failing = unset
            .iter()
            .find(|r| matches!(r.kind, InterpolationKind::Required { .. }));
        let bare = unset.iter().find(|r| {
            matches!(
                r.kind,
                InterpolationKind::Plain | InterpolationKind::Alternative
            )
        });
        if let Some(r) = failing {
            let host_key = r.key.clone();
            out.broken(
                &e.key,
                &e.location,
                BreakKind::RequiredInterpolationUnset { service, host_key },
            );
        } else if let Some(r) = bare {
            let host_key = r.key.clone();
            out.broken(
                &e.key,
                &e.location,
                BreakKind::EmptyInterpolation { service, host_key },
            );
        } else {
            for r in unset {
                if let InterpolationKind::Default { default_empty, .. } = r.kind {
                    let location = e.location.clone();
                    let host_key = r.key.clone();
                    out.defaulted.push((
                        e.key.clone(),
                        Defaulted {
                            location,
                            host_key,
                            default_empty,
                        },
                    ));
                }
            }
        }
    }
}

/// Keys written upstream that a service does not let through: say where and why.
fn upstream_breaks(
    svc: &ComposeService,
    host: &HostEnv,
    arrived: &BTreeSet<String>,
    out: &mut Outcome,
) {
    let env_files: Vec<String> = svc.env_files.iter().map(|f| f.path.clone()).collect();
    let svc_place = svc
        .env_files
        .first()
        .map(|f| f.location.clone())
        .unwrap_or_else(|| svc.location.clone());
    for w in host.upstream_of(dir_of(&svc.file)) {
        if arrived.contains(&w.key) {
            continue;
        }
        let at = w.location.clone();
        let written = match &w.sink {
            Some(sink) => Written::ToFile {
                sink: sink.clone(),
                at,
            },
            None => Written::Exported { at },
        };
        let service = svc.name.clone();
        let kind = if !env_files.is_empty() && w.sink.is_some() {
            let env_files = env_files.clone();
            BreakKind::EnvFileMismatch {
                service,
                env_files,
                written,
            }
        } else if let Some(first) = svc.environment.first() {
            let list_at = first.location.clone();
            BreakKind::EnvironmentOmits {
                service,
                list_at,
                written,
            }
        } else {
            BreakKind::NotPassed { service, written }
        };
        out.broken(&w.key, &svc_place, kind);
        if let Some((_, b)) = out.breaks.last_mut() {
            b.related.push(w.location.clone());
        }
    }
}
