//! Shell entrypoints shipped with the app: their reads consume keys.

use crate::common::{check_json, key_entry, read_keys};

#[test]
fn entrypoint_reads_with_defaults() {
    let (r, _) = check_json("entrypoint-reads", &[]);
    let mut keys = read_keys(&r);
    keys.sort();
    // `$app` (loop), `$@` (special), `$WORKERS` (assigned by the script) are not env reads.
    assert_eq!(
        keys,
        [
            "DJANGO_SETTINGS_MODULE",
            "LOG_LEVEL",
            "PORT",
            "RUN_MIGRATIONS",
            "WEB_CONCURRENCY"
        ]
    );
    let read = |key: &str| key_entry(&r, key)["read"][0].clone();
    let dsm = read("DJANGO_SETTINGS_MODULE");
    assert_eq!(
        (dsm["line"].as_u64(), dsm["required"].as_bool()),
        (Some(5), Some(true))
    );
    assert_eq!(dsm["via"], "shell");
    assert_eq!(dsm["consumer"], "entrypoint");
    assert_eq!(read("PORT")["default"], "8000");
    assert_eq!(read("PORT")["line"], 6);
    assert_eq!(read("WEB_CONCURRENCY")["default"], "3");
    assert_eq!(read("RUN_MIGRATIONS")["default"], "");
    assert_eq!(read("RUN_MIGRATIONS")["required"], false);
    assert_eq!(read("LOG_LEVEL")["default"], "info");
}
