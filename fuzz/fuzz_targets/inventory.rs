//! The `--secrets FILE` reader: gh JSON, a JSON array of names, plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Plain text only: JSON names may be escaped (`"\\"`).
    let json = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['[', '{']);
    if let Ok(names) = envtrail::collect::inventory::parse(text)
        && !json
    {
        for name in names {
            assert!(text.contains(name.as_str()), "a name not in the input");
        }
    }
});
