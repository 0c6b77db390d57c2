//! The one integration test binary: modules mirror `src/`, every test runs
//! the real `envtrail` binary on a fixture repository under `fixtures/`.

mod common;

mod check;
mod clean;
mod entrypoint;
mod live;
mod stagelog;
mod workflow;
