//! The compose collector on arbitrary YAML (services, `environment:`,
//! `env_file:`, interpolation).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = envtrail::collect::compose::collect_source("docker-compose.yml", text, None);
    // Interpolation on its own, on every line: the values compose reads.
    for line in text.lines().take(64) {
        let _ = envtrail::collect::compose::parse_value(line);
    }
});
