//! The dotenv collector (dotenvy and the row lookup). Keys only: no value
//! may reach the facts, checked on a planted one.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PLANTED: &str = "Fz9PlantedValueQx7";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = envtrail::collect::dotenv::collect_source(".env.production", text);
    // The same text with a planted value appended on its own line: whatever
    // the rest is, the value never reaches the facts (keys, rows, messages).
    let planted = format!("{text}\nPLANTED_KEY={PLANTED}\n");
    let facts = envtrail::collect::dotenv::collect_source(".env.production", &planted);
    let shown = format!("{facts:?}");
    assert!(
        !shown.contains(PLANTED) || text.contains(PLANTED),
        "a dotenv value reached the facts"
    );
});
