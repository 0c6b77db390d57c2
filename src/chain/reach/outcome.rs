//! What passing a host env through one app stage yields: the keys that
//! arrive in the app's container, where chains break, compose defaults and
//! the stages envtrail cannot see into.

use std::collections::BTreeMap;

use super::{Break, Defaulted};
use crate::facts::{DockerImage, DotenvFile, Facts, OpaqueStage, Source, WriteVia};
use crate::location::Location;

/// The facts every stage is judged from, indexed once.
pub(super) struct Inputs<'a> {
    pub facts: &'a Facts,
    pub images: BTreeMap<&'a str, &'a DockerImage>,
    pub dotenv: BTreeMap<&'a str, &'a DotenvFile>,
}

impl<'a> Inputs<'a> {
    pub fn new(facts: &'a Facts) -> Self {
        Inputs {
            facts,
            images: facts.images.iter().map(|i| (i.file.as_str(), i)).collect(),
            dotenv: facts
                .dotenv_files
                .iter()
                .map(|f| (f.file.as_str(), f))
                .collect(),
        }
    }

    /// A workflow writes the env file compose in `dir` names `path` whole,
    /// from one opaque value: that stage (a whole-file secret) is what
    /// envtrail cannot see, not a file on the host.
    pub fn written_whole(&self, path: &str) -> bool {
        let name = super::basename(path);
        self.facts
            .opaque
            .iter()
            .any(|o| super::basename(&o.sink) == name)
    }

    /// The image a Dockerfile path builds, when envtrail read it.
    pub fn image(&self, dockerfile: Option<&str>) -> Option<&'a DockerImage> {
        dockerfile.and_then(|d| self.images.get(d)).copied()
    }
}

/// A key arriving in the app's container at one stage.
pub(super) struct Arrival {
    pub key: String,
    pub location: Location,
    pub via: WriteVia,
    pub source: Source,
    pub sink: Option<String>,
    pub target: String,
}

/// The result of passing one host env through one app stage.
#[derive(Default)]
pub(super) struct Outcome {
    pub arrivals: Vec<Arrival>,
    pub breaks: Vec<(String, Break)>,
    pub defaulted: Vec<(String, Defaulted)>,
    /// Stages of this unit envtrail cannot see into.
    pub opaque: Vec<OpaqueStage>,
}

impl Outcome {
    /// `key` arrives in the container of deploy unit `target` at `location`.
    pub fn arrive(
        &mut self,
        target: &str,
        key: &str,
        location: &Location,
        via: WriteVia,
        source: Source,
        sink: Option<&str>,
    ) {
        self.arrivals.push(Arrival {
            key: key.to_string(),
            location: location.clone(),
            via,
            source,
            sink: sink.map(str::to_string),
            target: target.to_string(),
        });
    }

    pub fn broken(&mut self, key: &str, location: &Location, kind: super::BreakKind) {
        self.breaks.push((
            key.to_string(),
            Break {
                location: location.clone(),
                kind,
                related: Vec::new(),
            },
        ));
    }

    pub fn extend(&mut self, other: Outcome) {
        self.arrivals.extend(other.arrivals);
        self.breaks.extend(other.breaks);
        self.defaulted.extend(other.defaulted);
        self.opaque.extend(other.opaque);
    }
}
