//! Fluent Bit's config and Lua filter.
