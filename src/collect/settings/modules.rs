//! Which Python files are the app's settings modules: by file name, and the
//! module `DJANGO_SETTINGS_MODULE` names in the files Django generates. The
//! collector already reads every Python file; this names the modules from
//! that one read, so `live` needs no second walk.

use std::collections::BTreeSet;

use crate::collect::InputFile;
use crate::facts::{Consumer, EntryPoint, EntryVia};
use crate::location::Location;

/// Whether `rel` looks like a settings module: `settings.py`, `config.py`,
/// anything in a `settings/` package, `*_settings.py`, `settings_*.py`.
pub fn is_settings_module(rel: &str) -> bool {
    let Some(stem) = rel.strip_suffix(".py") else {
        return false;
    };
    let parts: Vec<&str> = stem.split('/').collect();
    if parts
        .iter()
        .any(|p| matches!(*p, "tests" | "test" | "migrations"))
    {
        return false;
    }
    let name = parts.last().copied().unwrap_or_default();
    let parent = parts
        .len()
        .checked_sub(2)
        .and_then(|i| parts.get(i))
        .copied();
    matches!(name, "settings" | "config")
        || name.starts_with("settings_")
        || name.ends_with("_settings")
        || parent == Some("settings")
}

/// The repository paths `os.environ.setdefault("DJANGO_SETTINGS_MODULE",
/// "config.settings")` may mean, when `rel` is manage.py, wsgi.py or asgi.py:
/// the module resolved against that file's folder and the one above it.
pub fn django_module_candidates(rel: &str, text: &str) -> Vec<String> {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    if !matches!(name, "manage.py" | "wsgi.py" | "asgi.py") {
        return Vec::new();
    }
    // manage.py sits at the import root; wsgi.py one package below it.
    let roots = [
        dir,
        dir.rsplit_once('/').map(|(d, _)| d).unwrap_or_default(),
    ];
    let mut found = Vec::new();
    for line in text
        .lines()
        .filter(|l| l.contains("DJANGO_SETTINGS_MODULE"))
    {
        let Some(module) = second_string_literal(line) else {
            continue;
        };
        let module_path = module.replace('.', "/");
        for root in roots {
            let prefix = if root.is_empty() {
                String::new()
            } else {
                format!("{root}/")
            };
            found.push(format!("{prefix}{module_path}.py"));
            found.push(format!("{prefix}{module_path}/__init__.py"));
        }
    }
    found
}

/// The second quoted string on a line: the value of `setdefault("K", "v")`.
fn second_string_literal(line: &str) -> Option<&str> {
    let mut literals = line.split(['"', '\'']).skip(1).step_by(2);
    literals.next()?;
    literals.next().filter(|m| {
        !m.is_empty()
            && m.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
    })
}

/// The settings modules among `files` (already narrowed by `--settings` and
/// the config's globs when the walk offered them): those named like one,
/// plus the `candidates` that exist, sorted and deduplicated.
pub fn settings_modules(
    files: &[InputFile],
    candidates: impl IntoIterator<Item = String>,
) -> Vec<String> {
    let present: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let mut modules: BTreeSet<String> = files
        .iter()
        .filter(|f| is_settings_module(&f.rel))
        .map(|f| f.rel.clone())
        .collect();
    modules.extend(
        candidates
            .into_iter()
            .filter(|c| present.contains(c.as_str())),
    );
    modules.into_iter().collect()
}

/// A Django project's own start files (`manage.py`, `wsgi.py`, `asgi.py`),
/// outside tests, scripts and build copies: entry points by themselves.
pub fn django_entry_points(files: &[InputFile]) -> Vec<EntryPoint> {
    files
        .iter()
        .filter(|f| {
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            matches!(name, "manage.py" | "wsgi.py" | "asgi.py")
                && Consumer::outside_the_app(&f.rel).is_none()
        })
        .map(|f| EntryPoint {
            command: f.rel.clone(),
            modules: vec![f.rel.clone()],
            location: Location::file_start(&f.rel),
            via: EntryVia::Django,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str) -> InputFile {
        InputFile {
            rel: rel.into(),
            abs: rel.into(),
        }
    }

    #[test]
    fn settings_modules_by_name() {
        assert!(is_settings_module("config/settings.py"));
        assert!(is_settings_module("settings.py"));
        assert!(is_settings_module("app/settings/production.py"));
        assert!(is_settings_module("app/config.py"));
        assert!(is_settings_module("app/test_settings.py"));
        assert!(!is_settings_module("app/views.py"));
        assert!(!is_settings_module("tests/settings.py"));
        assert!(!is_settings_module("settings.pyc"));
    }

    #[test]
    fn django_settings_module_literal() {
        assert_eq!(
            second_string_literal(
                "    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"config.settings.prod\")"
            ),
            Some("config.settings.prod")
        );
        assert_eq!(
            second_string_literal("x = os.environ['DJANGO_SETTINGS_MODULE']"),
            None
        );
        assert_eq!(
            second_string_literal("setdefault('DJANGO_SETTINGS_MODULE', 'my_app.settings_prod')"),
            Some("my_app.settings_prod")
        );
        // A value that is no module path names no module.
        assert_eq!(
            second_string_literal("setdefault('DJANGO_SETTINGS_MODULE', 'a settings')"),
            None
        );
        assert_eq!(
            second_string_literal("setdefault('DJANGO_SETTINGS_MODULE', '')"),
            None
        );
    }

    #[test]
    fn django_start_files_of_the_app_are_entry_points() {
        let files = [
            file("manage.py"),
            file("proj/wsgi.py"),
            file("proj/asgi.py"),
            file("proj/views.py"),
            file("tests/manage.py"),
            file("build/lib/proj/wsgi.py"),
        ];
        let entries: Vec<_> = django_entry_points(&files)
            .into_iter()
            .map(|e| (e.command, e.modules, e.location.row, e.via))
            .collect();
        let entry = |rel: &str| (rel.to_string(), vec![rel.to_string()], 0, EntryVia::Django);
        assert_eq!(
            entries,
            [
                entry("manage.py"),
                entry("proj/wsgi.py"),
                entry("proj/asgi.py")
            ]
        );
    }

    #[test]
    fn wsgi_resolves_from_its_folder_and_the_one_above() {
        let text = "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'core.conf')\n";
        assert_eq!(
            django_module_candidates("src/proj/wsgi.py", text),
            [
                "src/proj/core/conf.py",
                "src/proj/core/conf/__init__.py",
                "src/core/conf.py",
                "src/core/conf/__init__.py",
            ]
        );
        assert!(django_module_candidates("src/proj/views.py", text).is_empty());
    }

    #[test]
    fn named_and_existing_candidates_sorted_once() {
        let files = [
            file("b/settings.py"),
            file("a/core/conf.py"),
            file("a/app.py"),
        ];
        let modules = settings_modules(
            &files,
            [
                "a/core/conf.py".to_string(),
                "a/core/conf.py".to_string(),
                "missing/conf.py".to_string(),
                "b/settings.py".to_string(),
            ],
        );
        assert_eq!(modules, ["a/core/conf.py", "b/settings.py"]);
    }
}
