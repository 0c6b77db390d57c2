//! The shell analyser on arbitrary `run:` text, on the runner and as a
//! script sent to a deploy host (the first byte chooses), with placeholders
//! for `${{ … }}` expressions as the workflow collector makes them.
#![no_main]

use envtrail::collect::shell::{ScriptContext, analyze};
use envtrail::facts::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(script) = std::str::from_utf8(rest) else {
        return;
    };
    let ctx = ScriptContext {
        env: [("APP_ENV".to_string(), Source::Literal)]
            .into_iter()
            .collect(),
        placeholders: vec![
            Source::Secret("DATABASE_URL".into()),
            Source::Var("REGION".into()),
            Source::Unknown,
        ],
        remote: mode & 1 == 1,
    };
    let facts = analyze(script, &ctx);
    let lines = script.lines().count().max(1) as u32;
    for read in &facts.reads {
        assert!(read.row <= lines, "a read past the script's end");
    }
});
