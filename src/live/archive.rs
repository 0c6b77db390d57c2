//! The archive endpoint answers with a tar of the requested path; this takes
//! the one file out of it, under a size cap, as text.

use std::io::Read;

/// A settings module over this size is not a settings module: not read.
pub const MAX_SETTINGS_BYTES: usize = crate::collect::MAX_FILE_BYTES as usize;

/// The text of the single regular file in `archive`, or why not (never
/// quoting its content).
pub fn single_file_text(archive: &[u8], cap: usize) -> Result<String, String> {
    let mut tar = tar::Archive::new(archive);
    let entries = tar
        .entries()
        .map_err(|e| format!("not a tar archive: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("broken tar archive: {e}"))?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            return Err("it is a directory, not a file".into());
        }
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .ok()
                .flatten()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(format!(
                "it is a link to {target:?}; point [live] settings-path at the file itself"
            ));
        }
        if !kind.is_file() {
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        if size > cap as u64 {
            return Err(format!("{size} bytes is over the {cap}-byte cap; not read"));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        entry
            .take(cap as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read it from the archive: {e}"))?;
        if bytes.len() > cap {
            return Err(format!("over the {cap}-byte cap; not read"));
        }
        return String::from_utf8(bytes)
            .map(|text| {
                text.strip_prefix('\u{feff}')
                    .map(str::to_owned)
                    .unwrap_or(text)
            })
            .map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()));
    }
    Err("the archive holds no file".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(name: &str, content: &[u8]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, content).unwrap();
        builder.into_inner().unwrap()
    }

    #[test]
    fn takes_the_file() {
        let tar = tar_of("settings.py", b"STATIC_ROOT = '/s'\n");
        assert_eq!(
            single_file_text(&tar, 1024).unwrap(),
            "STATIC_ROOT = '/s'\n"
        );
    }

    #[test]
    fn caps_and_rejects() {
        let tar = tar_of("settings.py", &[b'x'; 100]);
        assert!(single_file_text(&tar, 10).unwrap_err().contains("cap"));
        let tar = tar_of("settings.py", b"\xff\xfe");
        assert!(single_file_text(&tar, 10).unwrap_err().contains("UTF-8"));
        assert!(single_file_text(b"garbage", 10).is_err());
    }
}
