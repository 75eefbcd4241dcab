#!/usr/bin/env bash
# Installs the two engines the Fluent Bit config is tested against without Fluent Bit:
# Debian's LuaJIT 2.1 (the Lua of Fluent Bit's Lua filter: fn/src/config/lua_regex and
# the pipeline tests run the generated Lua in it) and Ruby (its Regexp is Onigmo, the
# regex engine of Fluent Bit's multiline parsers: fn/src/config/lua_regex/onigmo).
set -euo pipefail
exec "$(dirname "$0")/apt-install.sh" luajit:luajit ruby:ruby
