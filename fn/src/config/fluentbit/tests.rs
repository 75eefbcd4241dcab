//! Fluent Bit's config and Lua filter.
//!
//! The Lua filter (`pipeline.lua`, run by the real `luajit`, `lua`) against the Promtail
//! pipeline (run by `config::promtail::sim`, with Promtail's relabeling for pods, `kube`)
//! on the same lines: whether a line is dropped, the line after redaction, the label set,
//! the structured metadata and the time (`harness`). Each test renders one LokiStack,
//! runs all its cases in one luajit process, and lists every disagreement at once.
//!
//! Where the two agents legitimately differ, the test says so next to the case:
//! - each agent drops only its own debug lines, read in its own format: Fluent Bit's
//!   `[time] [debug]` lines, Promtail's logfmt `level=debug` (`pods`);
//! - the Talos receiver is Fluent Bit's only; it looks a service's file up at most once
//!   a minute (`machine`);
//! - a time that has the shape but is no date (`2026-02-30`): Promtail's timestamp stage
//!   falls back to the stream's previous time plus 1 ns (`fudge`), the filter keeps the
//!   time the line was read (`machine`);
//! - JSON nested deeper than the Lua decoder's 64 levels gives no fields, Go reads up to
//!   10000 (`json`);
//! - the keys of a nested JSON object come out sorted, Promtail writes them in Go's map
//!   order, which is random (`json`).
//!
//! The sim stands in for Go, which bounds what is compared: its lines are Rust strings
//! (invalid UTF-8 goes only to the logfmt scanner and the rune count, in `scanner`);
//! serde_json refuses lone surrogates, writes nested floats as `30.0` (Go: `30`) and
//! does not escape `<>&`; its times accept impossible dates and at most 9 fraction
//! digits; its `decolorize` knows only `ESC [ ... letter`. The cases stay inside that.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod audit;
mod harness;
mod json;
mod kube;
mod lua;
mod machine;
mod pods;
mod redaction;
mod scanner;
