//! The `--inspect-file` reader (also what the daemon's answer goes
//! through): arbitrary bytes, then the bytes as the key of a container env
//! entry whose planted value must never reach the parsed container.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PLANTED: &str = "Zx8PlantedInspectValue";

fuzz_target!(|data: &[u8]| {
    if let Ok(inspect) = envtrail::live::inspect::parse(data, "api") {
        let _ = inspect.display_name();
    }
    let Ok(key) = std::str::from_utf8(data) else {
        return;
    };
    if key.contains(PLANTED) {
        return;
    }
    let entry = format!("{key}={PLANTED}");
    let json = serde_json::json!({"Name": "/api", "Config": {"Env": [entry, "OTHER="]}});
    let bytes = serde_json::to_vec(&json).unwrap_or_default();
    if let Ok(inspect) = envtrail::live::inspect::parse(&bytes, "api") {
        let shown = format!("{inspect:?}");
        assert!(
            !shown.contains(PLANTED),
            "an env value reached the parsed container"
        );
    }
});
