#!/usr/bin/env bash
# Installs Debian's LuaJIT 2.1 (the Lua of Fluent Bit's Lua filter), which the tests of
# fn/src/config/lua_regex run the generated regex programs and their runtime with.
set -euo pipefail
exec "$(dirname "$0")/apt-install.sh" luajit:luajit
