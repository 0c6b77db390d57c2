//! The one integration test binary: modules mirror `src/`, every test runs
//! the real `envtrail` binary on a fixture repository under `fixtures/`.

mod common;
#[path = "../support/docker_probe.rs"]
mod docker_probe;

mod accuracy;
mod check;
mod checklist;
mod clean;
mod cli;
mod deploy;
mod determinism;
mod entrypoint;
mod hostile;
mod inventory;
mod live;
mod live_faults;
mod monorepo;
mod no_leak;
mod paths;
mod platforms;
mod properties;
mod render;
mod rules;
mod scale;
mod settings;
mod stagelog;
mod suppress;
mod trace;
mod workflow;
