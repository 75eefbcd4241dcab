//! Links and anchors of a built HTML site (the book): every relative link points to a
//! file that exists, and every `#fragment` to an `id` in it.
#![allow(clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
#[derive(Debug, Default)]
pub struct Html {
    pub ids: BTreeSet<String>,
    /// `href` and `src` values, entity-decoded.
    pub links: Vec<String>,
    /// `<base href>`, if any.
    pub base: Option<String>,
}

pub fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The attributes of a start tag's inside (`a href="x" id=y`): its name and its attributes.
pub fn tag_attributes(tag: &str) -> (String, Vec<(String, String)>) {
    let name_end = tag
        .find(|c: char| c.is_ascii_whitespace() || c == '/')
        .unwrap_or(tag.len());
    let name = tag[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut rest = &tag[name_end..];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        let key_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let (v, after) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = r[1..].find(q).map_or(r.len(), |e| e + 1);
                    (&r[1..end], r.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = r.find(|c: char| c.is_ascii_whitespace()).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            value = decode_entities(v);
            rest = after;
        }
        attrs.push((key, value));
    }
    (name, attrs)
}

/// Scans HTML as mdBook writes it: start tags and their attributes; comments and the
/// insides of `<script>` and `<style>` are skipped.
pub fn scan_html(html: &str) -> Html {
    let mut page = Html::default();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            continue;
        }
        // The end of the tag: the first `>` outside quotes.
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| match quote {
                Some(q) if c == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    false
                }
                None => c == '>',
            })
            .map_or(rest.len(), |(i, _)| i);
        let inside = &rest[1..end.max(1)];
        rest = rest.get(end + 1..).unwrap_or("");
        if inside.starts_with('/') || inside.starts_with('!') || inside.starts_with('?') {
            continue;
        }
        let (name, attrs) = tag_attributes(inside);
        for (key, value) in attrs {
            match key.as_str() {
                "id" => {
                    page.ids.insert(value);
                }
                "name" if name == "a" => {
                    page.ids.insert(value);
                }
                "href" if name == "base" => page.base = Some(value),
                "href" | "src" => page.links.push(value),
                _ => {}
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest.find(&close).map_or("", |e| &rest[e..]);
        }
    }
    page
}

/// `a/./b/../c` -> `a/c`; None when it climbs above the start.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => out = PathBuf::new(),
        }
    }
    Some(out)
}

pub fn is_external(link: &str) -> bool {
    ["http://", "https://", "mailto:", "//"]
        .iter()
        .any(|p| link.starts_with(p))
}

/// What `check_site` found: every broken internal link of a built HTML site, a relative
/// `href`/`src` to a file that is not there or a `#fragment` that is no `id` of its target page
/// (`page: link: why`); and how many internal links and fragments it checked.
#[derive(Debug, Default)]
pub struct SiteCheck {
    pub errors: Vec<String>,
    pub links: usize,
    pub fragments: usize,
}

pub fn check_site(site: &Path) -> SiteCheck {
    let pages: BTreeMap<PathBuf, Html> = files(site, "html")
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(site).unwrap().to_path_buf();
            (rel, scan_html(&fs::read_to_string(&f).unwrap()))
        })
        .collect();
    let mut check = SiteCheck::default();
    let errors = &mut check.errors;
    for (page_path, page) in &pages {
        for link in &page.links {
            if is_external(link) || link.starts_with("data:") {
                continue;
            }
            check.links += 1;
            let mut error =
                |why: String| errors.push(format!("{}: {link}: {why}", page_path.display()));
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = path.split('?').next().unwrap_or_default();
            let target = if path.is_empty() {
                Some(page_path.clone())
            } else {
                let path = percent_decode(path);
                let from = match (&page.base, path.starts_with('/')) {
                    (_, true) => PathBuf::new(),
                    // The 404 page's `<base href="/">`: the site is served from its root.
                    (Some(base), false) => PathBuf::from(base.trim_start_matches('/')),
                    (None, false) => page_path.parent().unwrap().to_path_buf(),
                };
                normalize(&from.join(path.trim_start_matches('/')))
            };
            let Some(mut target) = target else {
                error("leaves the site".into());
                continue;
            };
            if site.join(&target).is_dir() {
                target.push("index.html");
            }
            if !site.join(&target).is_file() {
                error(format!("no file {}", target.display()));
                continue;
            }
            if fragment.is_empty() {
                continue;
            }
            check.fragments += 1;
            let fragment = percent_decode(fragment);
            match pages.get(&target) {
                Some(t) if t.ids.contains(&fragment) => {}
                Some(_) => error(format!("no id \"{fragment}\" in {}", target.display())),
                None => error(format!("#{fragment} into {}, not a page", target.display())),
            }
        }
    }
    check
}

/// The files under DIR with extension EXT, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}
