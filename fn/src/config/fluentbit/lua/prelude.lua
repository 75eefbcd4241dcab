-- The collection contract for Fluent Bit (LuaJIT 2.1, Lua 5.1): what Promtail's
-- pipeline stages do, record by record. `C` (the stack's settings and the compiled
-- regexes) and the regex VM (`re_find`, `re_match`, `re_replace_groups`) come first.
-- Every record leaves as {log = <line>, <label> = <value>, ...}; the loki output
-- turns the keys it is told about into labels and structured metadata.

local byte, sub, find, lower, char = string.byte, string.sub, string.find, string.lower, string.char
local floor = math.floor

