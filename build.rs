//! Nothing of envtrail is built here: this only tells the tests whether the
//! Docker tests can run on this machine. They need an engine on the local
//! socket and a static busybox (their images are `FROM scratch`). When
//! either is missing, and `ENVTRAIL_REQUIRE_DOCKER=1` (CI) is not set,
//! `cfg(envtrail_no_docker)` marks them `#[ignore]`: the test runner counts
//! them as ignored, never as passed. Under `ENVTRAIL_REQUIRE_DOCKER=1` they
//! always run, and fail when the engine or busybox is missing.
//!
//! The answer is kept until build.rs or that variable changes: after
//! installing or starting what was missing, `touch build.rs`. A test built
//! to run that finds its engine gone fails, saying so.

#[path = "tests/support/docker_probe.rs"]
mod docker_probe;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(envtrail_no_docker)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=tests/support/docker_probe.rs");
    println!("cargo::rerun-if-env-changed=ENVTRAIL_REQUIRE_DOCKER");
    if docker_probe::required() {
        return;
    }
    if docker_probe::ready().is_err() {
        println!("cargo::rustc-cfg=envtrail_no_docker");
    }
}
