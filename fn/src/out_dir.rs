//! The binary's side of `render --out-dir DIR`: replaces DIR with the rendered files,
//! all or nothing.
//!
//! * DIR is only replaced when everything in it is a file we wrote (it starts with our
//!   header), so `--out-dir .` or a typo can never delete anyone's files;
//! * the new files are written into a fresh directory beside DIR, which then takes DIR's
//!   place (old DIR renamed aside, new renamed in, old removed): files of objects that
//!   are gone disappear, and a failure before the swap leaves DIR as it was.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use loki_stack_fn::rendered::{HEADER_PREFIX, is_generated};

/// Whether DIR may be replaced: `Ok(Err(why))` when it may not (the caller refuses),
/// `Err` when it cannot be read.
pub fn replaceable(dir: &Path) -> Result<Result<(), String>> {
    if dir.file_name().is_none() {
        return Ok(Err(
            "give the directory by its name (e.g. rendered/local), not as . or .. or /".into(),
        ));
    }
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Ok(())),
        other => other.with_context(|| format!("reading {}", dir.display()))?,
    };
    if meta.file_type().is_symlink() {
        return Ok(Err(
            "is a symbolic link: give the directory it points to".into()
        ));
    }
    if !meta.is_dir() {
        return Ok(Err("exists and is not a directory".into()));
    }
    let mut foreign = Vec::new();
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let ours = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?
            .is_file()
            && starts_with_header(&path)?;
        if !ours {
            foreign.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    if foreign.is_empty() {
        return Ok(Ok(()));
    }
    foreign.sort();
    let shown = foreign.len().min(5);
    let more = if foreign.len() > shown {
        format!(" and {} more", foreign.len() - shown)
    } else {
        String::new()
    };
    Ok(Err(format!(
        "holds {}{more}, which loki-stack-fn did not write (no \"{}\" header): \
         refusing to replace it; choose an empty or new directory",
        foreign.get(..shown).unwrap_or_default().join(", "),
        HEADER_PREFIX.trim_end()
    )))
}

fn starts_with_header(path: &Path) -> Result<bool> {
    let mut head = Vec::with_capacity(HEADER_PREFIX.len());
    fs::File::open(path)
        .and_then(|f| f.take(HEADER_PREFIX.len() as u64).read_to_end(&mut head))
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(std::str::from_utf8(&head).is_ok_and(is_generated))
}

/// A new directory beside `dir` (same file system, so renames are atomic), named after
/// it and hidden: `.NAME.tag-PID[-N]`.
fn sibling(dir: &Path, tag: &str, create: bool) -> Result<PathBuf> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    for n in 0..100 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = parent.join(format!(".{name}.{tag}-{}{suffix}", std::process::id()));
        if !create {
            if fs::symlink_metadata(&path).is_err() {
                return Ok(path);
            }
            continue;
        }
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    anyhow::bail!("no free temporary name beside {}", dir.display())
}

/// Replaces `dir` with exactly `files` (checked with [`replaceable`] first).
pub fn replace(dir: &Path, files: &[(&str, &str)]) -> Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let new = sibling(dir, "new", true)?;
    let written = files.iter().try_for_each(|(name, contents)| {
        let path = new.join(name);
        fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
    });
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&new);
        return Err(e);
    }
    let old = if dir.exists() {
        let old = sibling(dir, "old", false)?;
        if let Err(e) = fs::rename(dir, &old) {
            let _ = fs::remove_dir_all(&new);
            return Err(e).with_context(|| format!("moving {} aside", dir.display()));
        }
        Some(old)
    } else {
        None
    };
    if let Err(e) = fs::rename(&new, dir) {
        if let Some(old) = &old {
            let _ = fs::rename(old, dir);
        }
        let _ = fs::remove_dir_all(&new);
        return Err(e).with_context(|| format!("moving the new files to {}", dir.display()));
    }
    if let Some(old) = old {
        fs::remove_dir_all(&old)
            .with_context(|| format!("removing the old files in {}", old.display()))?;
    }
    Ok(())
}
