//! The workflow collector on arbitrary YAML: the located YAML tree, the
//! job/step walk and every `run:` script through the shell analyser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files reach collectors only as UTF-8 (`read_text` says why otherwise).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = envtrail::collect::workflow::collect_file(".github/workflows/deploy.yml", text);
    for write in &facts.writes {
        assert!(!write.key.is_empty(), "a write of an empty key");
    }
});
