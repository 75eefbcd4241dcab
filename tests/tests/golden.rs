//! The rendered stack of base and every overlay, compared with reviewed golden files in
//! tests/golden/. After an intended change: `make golden`, review `git diff`, commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{root, run_fn};

#[test]
fn golden_rendered_stacks() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let configs = e2e::every_stack();
    let mut stale = Vec::new();
    for (name, config) in configs {
        let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout;
        let path = root()
            .join("tests/golden")
            .join(format!("{}.yaml", name.replace('/', "-")));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &out).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != out {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "rendered output differs from {stale:?}: if the change is intended, run `make golden` and review the diff"
    );
}
