//! The app's code: how it starts (entry points) and the repository files it
//! runs (the modules its entry points import, followed to the end). A read
//! in a file outside that set is classified by its path — a test, a CI
//! helper, a one-off script, a build copy — instead of being judged as the
//! deployed app's. Without any entry point every file stays the app's: a
//! true finding is never lost to a guess.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::config::Config;
use crate::facts::{Consumer, EntryPoint, EntryVia, Facts, PythonFile, PythonImport};
use crate::location::Location;

/// How the app starts and the files it runs.
#[derive(Debug, Clone, Default)]
pub struct AppCode {
    /// Sorted, once each.
    pub entry_points: Vec<EntryPoint>,
    /// Repository files the entry points (and the settings modules) import.
    pub files: BTreeSet<String>,
}

impl AppCode {
    /// The entry points worth a line under the table: the commands found,
    /// else Django's own start files.
    pub fn shown(&self) -> Vec<&EntryPoint> {
        let commands: Vec<&EntryPoint> = self
            .entry_points
            .iter()
            .filter(|e| e.via != EntryVia::Django)
            .collect();
        if commands.is_empty() {
            self.entry_points.iter().collect()
        } else {
            commands
        }
    }
}

/// The entry points of the facts and of envtrail.toml, and the files they reach.
pub fn app_code(facts: &Facts, config: &Config) -> AppCode {
    let mut entry_points = facts.entry_points.clone();
    let at = Location::file_start(
        config
            .file
            .clone()
            .unwrap_or_else(|| "envtrail.toml".into()),
    );
    entry_points.extend(config.entry_points.iter().map(|e| EntryPoint {
        command: e.clone(),
        modules: vec![e.split(':').next().unwrap_or(e).to_string()],
        location: at.clone(),
        via: EntryVia::Config,
    }));
    entry_points.sort();
    entry_points.dedup();
    if entry_points.is_empty() {
        return AppCode::default();
    }
    let index = ModuleIndex::new(&facts.python_files);
    // Many entry points name the same module (every service's compose runs
    // `manage.py`, which matches every `manage.py`): look each up once, or
    // the roots grow as entry points × files (1M paths for 1000 services).
    let modules: BTreeSet<&str> = entry_points
        .iter()
        .flat_map(|e| e.modules.iter().map(String::as_str))
        .collect();
    let mut roots: Vec<String> = modules.into_iter().flat_map(|m| index.entry(m)).collect();
    roots.extend(facts.settings_modules.iter().cloned());
    AppCode {
        files: index.reach(roots),
        entry_points,
    }
}

/// Reads in Python files outside the app's code take the consumer their
/// path says (tests, CI helpers, scripts, build copies); the others stay
/// the app's. Nothing changes when no entry point is known.
pub fn classify(facts: &mut Facts, app: &AppCode) {
    if app.entry_points.is_empty() {
        return;
    }
    let ci_scripts: HashSet<&str> = facts.ci_scripts.iter().map(|s| s.path.as_str()).collect();
    for read in &mut facts.reads {
        let file = read.location.file.as_str();
        if read.consumer != Consumer::App || app.files.contains(file) {
            continue;
        }
        let outside = if ci_scripts.contains(file) {
            Some(Consumer::CiHelper)
        } else {
            Consumer::outside_the_app(file)
        };
        if let Some(consumer) = outside {
            read.consumer = consumer;
        }
    }
}

/// The repository's Python files by module path (`config/wsgi` for
/// `config/wsgi.py` and for `config/wsgi/__init__.py`).
struct ModuleIndex<'a> {
    /// Last component of the module path → (module path, file).
    by_name: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
    imports: HashMap<&'a str, &'a [PythonImport]>,
    files: HashSet<&'a str>,
}

impl<'a> ModuleIndex<'a> {
    fn new(python_files: &'a [PythonFile]) -> Self {
        let mut by_name: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
        for f in python_files {
            let Some(stem) = f.file.strip_suffix(".py") else {
                continue;
            };
            let module = stem.strip_suffix("/__init__").unwrap_or(stem);
            let name = module.rsplit('/').next().unwrap_or(module);
            by_name.entry(name).or_default().push((module, &f.file));
        }
        ModuleIndex {
            by_name,
            imports: python_files
                .iter()
                .map(|f| (f.file.as_str(), f.imports.as_slice()))
                .collect(),
            files: python_files.iter().map(|f| f.file.as_str()).collect(),
        }
    }

    /// The files an entry module names: a file path (`manage.py`,
    /// `management/commands/x.py`, run from some folder) or a dotted module.
    fn entry(&self, module: &str) -> Vec<String> {
        if module.ends_with(".py") {
            let suffix = format!("/{module}");
            return self
                .files
                .iter()
                .filter(|f| **f == module || f.ends_with(&suffix))
                .map(|f| f.to_string())
                .collect();
        }
        self.absolute(module)
    }

    /// The files a dotted module may be: any whose module path ends with it
    /// (the import root is not known; several matches are all kept).
    fn absolute(&self, dotted: &str) -> Vec<String> {
        let path = dotted.replace('.', "/");
        let name = path.rsplit('/').next().unwrap_or(&path);
        let suffix = format!("/{path}");
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter(|(m, _)| *m == path || m.ends_with(&suffix))
            .map(|(_, f)| f.to_string())
            .collect()
    }

    /// The file at exactly `module_path` (`a/b` → `a/b.py` or `a/b/__init__.py`).
    fn exact(&self, module_path: &str) -> Vec<String> {
        [
            format!("{module_path}.py"),
            format!("{module_path}/__init__.py"),
        ]
        .into_iter()
        .filter(|f| self.files.contains(f.as_str()))
        .collect()
    }

    /// The files one import of `file` may load.
    fn imported_by(&self, file: &str, import: &PythonImport) -> Vec<String> {
        let dots = import.module.len() - import.module.trim_start_matches('.').len();
        let rest = import.module.trim_start_matches('.');
        let mut found = Vec::new();
        if dots == 0 {
            // `import a.b.c` runs a, a.b and a.b.c; `from a.b import c` may load a.b.c.
            let parts: Vec<&str> = rest.split('.').collect();
            for n in 1..=parts.len() {
                found.extend(self.absolute(&parts[..n].join(".")));
            }
            for name in import.names.iter().filter(|n| *n != "*") {
                found.extend(self.absolute(&format!("{rest}.{name}")));
            }
            return found;
        }
        // The package of `file`, then one up for each dot after the first.
        let mut base: Vec<&str> = file.split('/').collect();
        base.pop();
        for _ in 1..dots {
            base.pop();
        }
        let mut path = base.join("/");
        if !rest.is_empty() {
            path = join_module(&path, &rest.replace('.', "/"));
        }
        found.extend(self.exact(&path));
        for name in import.names.iter().filter(|n| *n != "*") {
            found.extend(self.exact(&join_module(&path, name)));
        }
        found
    }

    /// Every file reached from `roots` along imports, with the packages
    /// (`__init__.py`) above each file, which Python runs first.
    fn reach(&self, roots: Vec<String>) -> BTreeSet<String> {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut todo = roots;
        while let Some(file) = todo.pop() {
            if !seen.insert(file.clone()) {
                continue;
            }
            let mut dir = file.rsplit_once('/').map(|(d, _)| d);
            while let Some(d) = dir {
                todo.extend(self.exact(d));
                dir = d.rsplit_once('/').map(|(p, _)| p);
            }
            for import in self.imports.get(file.as_str()).copied().unwrap_or_default() {
                todo.extend(self.imported_by(&file, import));
            }
        }
        seen
    }
}

fn join_module(base: &str, rest: &str) -> String {
    if base.is_empty() {
        rest.to_string()
    } else {
        format!("{base}/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::settings::imports::imports;

    fn files(sources: &[(&str, &str)]) -> Vec<PythonFile> {
        sources
            .iter()
            .map(|(file, text)| PythonFile {
                file: file.to_string(),
                imports: imports(text),
            })
            .collect()
    }

    fn reached(sources: &[(&str, &str)], roots: &[&str]) -> Vec<String> {
        let python = files(sources);
        let index = ModuleIndex::new(&python);
        index
            .reach(roots.iter().map(|r| r.to_string()).collect())
            .into_iter()
            .collect()
    }

    #[test]
    fn star_and_relative_imports_reach_the_settings_package() {
        let got = reached(
            &[
                ("config/__init__.py", ""),
                ("config/wsgi.py", "from config.settings import prod\n"),
                ("config/settings/__init__.py", ""),
                ("config/settings/prod.py", "from .base import *\n"),
                (
                    "config/settings/base.py",
                    "from ..integrations import slack\n",
                ),
                ("config/integrations/slack.py", ""),
                ("scripts/seed.py", "from config.settings.base import *\n"),
            ],
            &["config/wsgi.py"],
        );
        assert_eq!(
            got,
            [
                "config/__init__.py",
                "config/integrations/slack.py",
                "config/settings/__init__.py",
                "config/settings/base.py",
                "config/settings/prod.py",
                "config/wsgi.py",
            ]
        );
    }

    #[test]
    fn importlib_literal_and_import_root_below_the_repository() {
        let got = reached(
            &[
                (
                    "backend/app/main.py",
                    "import importlib\nimportlib.import_module('app.plugins.mail')\n",
                ),
                ("backend/app/plugins/mail.py", "from . import utils\n"),
                ("backend/app/plugins/utils.py", ""),
                ("backend/tests/test_mail.py", "import app.plugins.mail\n"),
            ],
            &["backend/app/main.py"],
        );
        assert_eq!(
            got,
            [
                "backend/app/main.py",
                "backend/app/plugins/mail.py",
                "backend/app/plugins/utils.py",
            ]
        );
    }

    #[test]
    fn entry_modules_by_dotted_name_or_by_file() {
        let python = files(&[
            ("src/proj/wsgi.py", ""),
            ("src/manage.py", ""),
            ("src/shop/management/commands/run_worker.py", ""),
        ]);
        let index = ModuleIndex::new(&python);
        assert_eq!(index.entry("proj.wsgi"), ["src/proj/wsgi.py"]);
        assert_eq!(index.entry("manage.py"), ["src/manage.py"]);
        assert_eq!(
            index.entry("management/commands/run_worker.py"),
            ["src/shop/management/commands/run_worker.py"]
        );
        assert!(index.entry("other.wsgi").is_empty());
    }
}
