//! What the Docker tests need, asked without running anything: shared by
//! `build.rs` (which marks them ignored when it is missing) and the tests
//! (which fail when it is missing at run time). Standard library only.

#![allow(dead_code)]

use std::path::Path;

/// The engine's local socket: the tests' `docker` CLI and `envtrail live`
/// both use it.
pub const ENGINE_SOCKET: &str = "/var/run/docker.sock";

/// Copied into every test image, which is `FROM scratch`.
pub const BUSYBOX: &str = "/bin/busybox";

/// `ENVTRAIL_REQUIRE_DOCKER=1` (CI): the Docker tests run, and fail
/// instead of being ignored when the engine or busybox is missing.
pub fn required() -> bool {
    std::env::var("ENVTRAIL_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

/// `Ok` when an engine listens on [`ENGINE_SOCKET`] and [`BUSYBOX`] is a
/// static executable; else what is missing.
pub fn ready() -> Result<(), String> {
    engine()?;
    busybox()
}

#[cfg(unix)]
fn engine() -> Result<(), String> {
    std::os::unix::net::UnixStream::connect(ENGINE_SOCKET)
        .map(drop)
        .map_err(|e| format!("no Docker engine at {ENGINE_SOCKET} ({e})"))
}

#[cfg(not(unix))]
fn engine() -> Result<(), String> {
    Err("the Docker tests need a unix socket".into())
}

fn busybox() -> Result<(), String> {
    let missing = || format!("no static busybox at {BUSYBOX} (apt-get install busybox-static)");
    let bytes = std::fs::read(Path::new(BUSYBOX)).map_err(|_| missing())?;
    if is_static_elf(&bytes) {
        Ok(())
    } else {
        Err(missing())
    }
}

/// An ELF executable with no program interpreter (`PT_INTERP`): it runs in
/// an image that holds nothing else.
fn is_static_elf(bytes: &[u8]) -> bool {
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
        return false;
    }
    let wide = match bytes[4] {
        1 => false,
        2 => true,
        _ => return false,
    };
    let little = bytes[5] == 1;
    let int = |at: usize, len: usize| -> Option<u64> {
        let raw = bytes.get(at..at + len)?;
        let mut value = 0u64;
        for i in 0..len {
            let byte = if little { raw[len - 1 - i] } else { raw[i] };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    };
    let (phoff, phentsize, phnum) = if wide {
        (int(0x20, 8), int(0x36, 2), int(0x38, 2))
    } else {
        (int(0x1c, 4), int(0x2a, 2), int(0x2c, 2))
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = (phoff, phentsize, phnum) else {
        return false;
    };
    const PT_INTERP: u64 = 3;
    (0..phnum).all(|i| {
        usize::try_from(phoff + i * phentsize)
            .ok()
            .and_then(|at| int(at, 4))
            .is_some_and(|kind| kind != PT_INTERP)
    })
}
