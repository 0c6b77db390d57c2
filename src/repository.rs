//! Where the audited folder sits in its repository: the enclosing git work
//! tree (a folder holding `.git`, a directory or the file a worktree or
//! submodule has), else the folder itself. Outputs show paths from there.

use std::path::{Path, PathBuf};

/// The repository around an audited folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The work tree's root, as an absolute path.
    pub root: PathBuf,
    /// The audited folder inside it, `/`-separated and ending in `/`; empty
    /// when the folder is the root.
    pub prefix: String,
}

/// The repository enclosing `audited`, or `None` when no ancestor is a git
/// work tree (or the folder cannot be resolved). Like git, the search never
/// goes up into a folder `GIT_CEILING_DIRECTORIES` lists.
pub fn locate(audited: &Path) -> Option<Repository> {
    let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
        .map(|v| {
            std::env::split_paths(&v)
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect()
        })
        .unwrap_or_default();
    locate_below(audited, &ceilings)
}

fn locate_below(audited: &Path, ceilings: &[PathBuf]) -> Option<Repository> {
    let audited = std::fs::canonicalize(audited).ok()?;
    let mut dir = audited.as_path();
    let root = loop {
        if dir.join(".git").exists() {
            break dir.to_path_buf();
        }
        let parent = dir.parent()?;
        if ceilings.iter().any(|c| c == parent) {
            return None;
        }
        dir = parent;
    };
    let inside = audited.strip_prefix(&root).ok()?;
    let mut prefix: String = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if !prefix.is_empty() {
        prefix.push('/');
    }
    Some(Repository { root, prefix })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_inside_a_work_tree_is_located_from_its_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("services/api")).unwrap();
        let repo = locate(&dir.path().join("services/api")).unwrap();
        assert_eq!(repo.prefix, "services/api/");
        assert_eq!(repo.root, std::fs::canonicalize(dir.path()).unwrap());
        assert_eq!(locate(dir.path()).unwrap().prefix, "");
    }

    #[test]
    fn the_search_stops_below_a_ceiling_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("fixtures/app")).unwrap();
        let ceiling = std::fs::canonicalize(dir.path().join("fixtures")).unwrap();
        assert_eq!(
            locate_below(&dir.path().join("fixtures/app"), &[ceiling]),
            None
        );
        assert!(locate_below(&dir.path().join("fixtures/app"), &[]).is_some());
    }

    #[test]
    fn a_worktree_whose_git_is_a_file_counts_and_no_git_is_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("wt/app")).unwrap();
        std::fs::write(dir.path().join("wt/.git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(locate(&dir.path().join("wt/app")).unwrap().prefix, "app/");
        let bare = tempfile::tempdir().unwrap();
        // tempdirs live under /tmp, which no work tree encloses here.
        if bare.path().ancestors().all(|a| !a.join(".git").exists()) {
            assert_eq!(locate(bare.path()), None);
        }
    }
}
