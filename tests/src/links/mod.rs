//! Link and anchor checks of the book (tests/tests/book.rs): the built HTML site, and the
//! Markdown sources with README.md.

pub mod html;
pub mod markdown;
