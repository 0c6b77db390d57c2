//! Repository scripts a workflow step runs (`./scripts/deploy.sh prod`,
//! `bash deploy/up.sh`, `source ci/env.sh`): their commands are the step's,
//! so what they write, start and copy is read as if the step's `run:` held
//! it. Many real deploys keep everything in such a script and leave the
//! workflow a one-line call.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::opaque;
use crate::collect::InputFile;

/// How deep a script that runs a script is followed.
const MAX_DEPTH: usize = 3;

/// The repository's shell scripts, read when a step runs one.
#[derive(Default)]
pub struct RepoScripts {
    by_path: HashMap<String, Script>,
}

struct Script {
    file: InputFile,
    /// `None` when it cannot be read (too big, not UTF-8): the step's own
    /// script still says what it can.
    text: OnceLock<Option<String>>,
}

/// A script a step runs: its repository path and text.
pub struct Launched<'s> {
    pub path: &'s str,
    pub text: &'s str,
}

impl RepoScripts {
    pub fn new(files: &[InputFile]) -> Self {
        let by_path = files
            .iter()
            .map(|file| {
                let script = Script {
                    file: file.clone(),
                    text: OnceLock::new(),
                };
                (file.rel.clone(), script)
            })
            .collect();
        RepoScripts { by_path }
    }

    fn get(&self, path: &str) -> Option<(&str, &str)> {
        let (path, script) = self.by_path.get_key_value(path)?;
        let text = script
            .text
            .get_or_init(|| crate::collect::read_text(&script.file).ok())
            .as_deref()?;
        Some((path, text))
    }

    /// The repository scripts `text` runs, and those they run in turn, in
    /// order, each once. `dir` is the step's working directory.
    pub fn launched(&self, text: &str, dir: Option<&str>) -> Vec<Launched<'_>> {
        let mut found: Vec<Launched<'_>> = Vec::new();
        let mut frontier = vec![text];
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for script in frontier {
                for path in invoked_paths(script) {
                    let Some(path) = resolve(&path, dir) else {
                        continue;
                    };
                    let Some((path, text)) = self.get(&path) else {
                        continue;
                    };
                    if found.iter().any(|l| l.path == path) {
                        continue;
                    }
                    found.push(Launched { path, text });
                    next.push(text);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        found
    }
}

/// The `.sh` files a script's commands run, as written.
fn invoked_paths(script: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (_, joined) in opaque::commands(script) {
        let mut words = joined.split(' ').map(|w| w.trim_matches(['"', '\'']));
        let Some(first) = words.next() else {
            continue;
        };
        let path = if matches!(first, "bash" | "sh" | "source" | "." | "exec") {
            // `bash -c "…"` runs a string, not a file.
            words
                .take_while(|w| *w != "-c")
                .find(|w| !w.starts_with('-'))
        } else {
            Some(first)
        };
        if let Some(path) = path.filter(|p| p.ends_with(".sh")) {
            paths.push(path.to_string());
        }
    }
    paths
}

/// The repository path a script path names from the step's working
/// directory; the checkout's own variables (`$GITHUB_WORKSPACE`) name the
/// repository root.
fn resolve(path: &str, dir: Option<&str>) -> Option<String> {
    const WORKSPACE: &[&str] = &[
        "$GITHUB_WORKSPACE/",
        "${GITHUB_WORKSPACE}/",
        "${{ github.workspace }}/",
        "$PWD/",
        "${PWD}/",
    ];
    if let Some(rest) = WORKSPACE.iter().find_map(|w| path.strip_prefix(w)) {
        return crate::collect::compose::join("", rest);
    }
    if path.starts_with(['$', '~']) {
        return None;
    }
    crate::collect::compose::join(dir.unwrap_or(""), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_that_run_a_script_name_it() {
        let script = "set -e\n./scripts/deploy.sh \"$ENV\" deploy || exit 1\nsudo bash -x deploy/up.sh\nsource ci/env.sh && echo ok\nbash -c \"./not-this.sh\"\necho scripts/deploy.sh\n";
        assert_eq!(
            invoked_paths(script),
            ["./scripts/deploy.sh", "deploy/up.sh", "ci/env.sh"]
        );
    }

    #[test]
    fn paths_resolve_from_the_working_directory() {
        assert_eq!(
            resolve("./deploy.sh", Some("ops")).as_deref(),
            Some("ops/deploy.sh")
        );
        assert_eq!(
            resolve("$GITHUB_WORKSPACE/scripts/up.sh", Some("ops")).as_deref(),
            Some("scripts/up.sh")
        );
        assert_eq!(
            resolve("../up.sh", Some("ops/app")).as_deref(),
            Some("ops/up.sh")
        );
        assert_eq!(resolve("/opt/deploy.sh", None), None);
        assert_eq!(resolve("$HOME/deploy.sh", None), None);
    }

    #[test]
    fn scripts_are_followed_into_the_scripts_they_run_each_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let abs = dir.path().join(rel);
            std::fs::create_dir_all(abs.parent().expect("parent")).expect("mkdir");
            std::fs::write(&abs, text).expect("write");
            InputFile {
                rel: rel.to_string(),
                abs,
            }
        };
        let files = [
            write(
                "scripts/deploy.sh",
                "./scripts/lib.sh\ndocker compose up -d\n",
            ),
            write("scripts/lib.sh", "bash scripts/deploy.sh\n"),
        ];
        let scripts = RepoScripts::new(&files);
        let launched = scripts.launched("./scripts/deploy.sh prod\n./scripts/missing.sh\n", None);
        let paths: Vec<&str> = launched.iter().map(|l| l.path).collect();
        assert_eq!(paths, ["scripts/deploy.sh", "scripts/lib.sh"]);
        assert!(launched[0].text.contains("compose up"));
    }
}
