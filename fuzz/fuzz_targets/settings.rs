//! The Python settings collector (tree-sitter-python and the read analysis)
//! and the settings shape `live` compares with the image's copy.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = envtrail::collect::settings::collect_source("config/settings.py", text);
    let lines = text.lines().count().max(1) as u32;
    for read in &facts.reads {
        assert!(read.location.row <= lines, "a read past the file's end");
    }
    let _ = envtrail::live::drift::shape("config/settings.py", text);
});
