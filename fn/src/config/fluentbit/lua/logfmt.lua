-- logfmt ---------------------------------------------------------------------------
-- Lines go-logfmt decodes, as Promtail's gate (config::promtail::levels::LOGFMT_LINE)
-- admits them: pairs separated by blanks, no control character, keys without U+FFFD
-- (or an invalid UTF-8 byte), quoted values with valid escapes only.

local function is_cntrl(b) return b < 32 or b == 127 end

-- true when bytes i.. start a valid UTF-8 sequence that is not U+FFFD; its length.
local function utf8_len(s, i)
  local b = byte(s, i)
  if b < 0x80 then return 1, true end
  local n, min
  if b >= 0xC2 and b <= 0xDF then n, min = 2, 0x80
  elseif b >= 0xE0 and b <= 0xEF then n, min = 3, 0x800
  elseif b >= 0xF0 and b <= 0xF4 then n, min = 4, 0x10000
  else return 1, false end
  local cp = b % (2 ^ (7 - n))
  for k = 1, n - 1 do
    local c = byte(s, i + k)
    if not c or c < 0x80 or c > 0xBF then return 1, false end
    cp = cp * 64 + c % 64
  end
  if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return 1, false end
  return n, cp ~= 0xFFFD
end

-- Parses the gate's grammar; returns the pairs {key, value} or nil.
local function logfmt_pairs(s)
  local i, n, out = 1, #s, {}
  local function blanks()
    local j = i
    while i <= n do
      local b = byte(s, i)
      if b ~= 32 and b ~= 9 then break end
      i = i + 1
    end
    return i > j
  end
  blanks()
  if i > n then return nil end
  while true do
    -- key
    local k0 = i
    while i <= n do
      local b = byte(s, i)
      if is_cntrl(b) or b == 32 or b == 61 or b == 34 then break end
      local len, clean = utf8_len(s, i)
      if not clean then return nil end
      i = i + len
    end
    if i == k0 then return nil end
    local key, value = sub(s, k0, i - 1), ""
    if i <= n and byte(s, i) == 61 then
      i = i + 1
      if i <= n and byte(s, i) == 34 then
        i = i + 1
        -- go-logfmt unquotes a value with an escape as encoding/json does: surrogate
        -- pairs joined, lone surrogates and invalid UTF-8 as U+FFFD; one without is
        -- kept as it is.
        local parts, v0, escaped = {}, i, false
        while true do
          if i > n then return nil end
          local b = byte(s, i)
          if b == 34 then i = i + 1; break end
          if is_cntrl(b) then return nil end
          if b == 92 then
            escaped = true
            local e = sub(s, i + 1, i + 1)
            if e == "u" then
              local text
              text, i = u_escape(s, i)
              if not text then return nil end
              parts[#parts + 1] = text
            elseif e == '"' or e == "/" or e == "'" or e == "\\" or ESCAPES[e] then
              parts[#parts + 1] = e == "'" and "'" or ESCAPES[e]
              i = i + 2
            else
              return nil
            end
          else
            local len = utf8_len(s, i)
            if len == 1 and b >= 0x80 then
              parts[#parts + 1] = "\239\191\189"
            else
              parts[#parts + 1] = sub(s, i, i + len - 1)
            end
            i = i + len
          end
        end
        value = escaped and table.concat(parts) or sub(s, v0, i - 2)
      else
        local v0 = i
        while i <= n do
          local b = byte(s, i)
          if is_cntrl(b) or b == 32 or b == 61 or b == 34 then break end
          i = i + 1
        end
        value = sub(s, v0, i - 1)
      end
    end
    out[#out + 1] = { key, value }
    local had = blanks()
    if i > n then return out end
    if not had then return nil end
  end
end

-- Runes, counting an invalid byte as one (as Go does).
local function rune_count(s)
  local i, n, count = 1, #s, 0
  while i <= n do
    i = i + utf8_len(s, i)
    count = count + 1
  end
  return count
end

local LONG_LINE = 16000

-- Level (and `keys`: extra labels, structured metadata) of a JSON or logfmt line:
-- key -> text. `keys` is a list with its own set under `keys.set`.
local function fields_of(line, keys)
  local out = {}
  if find(line, "^[ \t\n\v\f\r]*{") then
    local obj = json_object(line)
    if obj then
      out.level = json_text(first_of(obj, C.level_keys))
      for _, k in ipairs(keys) do out[k] = json_text(obj[k]) end
    end
    return out
  end
  local wanted = false
  for _, k in ipairs(keys.logfmt) do
    local a = find(line, k .. "=", 1, true)
    while a do
      local before = a > 1 and byte(line, a - 1)
      if a == 1 or before == 32 or before == 9 then wanted = true; break end
      a = find(line, k .. "=", a + 1, true)
    end
    if wanted then break end
  end
  if not wanted or (#line >= LONG_LINE and rune_count(line) >= LONG_LINE) then return out end
  local pairs_ = logfmt_pairs(line)
  if not pairs_ then return out end
  for _, p in ipairs(pairs_) do
    if p[1] == "level" or keys.set[p[1]] then out[p[1]] = p[2] end
  end
  return out
end

