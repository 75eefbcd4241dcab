-- JSON ----------------------------------------------------------------------------
-- A strict decoder (RFC 8259): nil for anything else. Numbers keep their text.

local json_value

local function skip_ws(s, i)
  local _, e = find(s, "^[ \t\r\n]*", i)
  return e + 1
end

local function utf8_char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
    0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

-- `\uXXXX` at s[at] (the backslash), as encoding/json reads it: a surrogate pair
-- joined, a lone surrogate as U+FFFD. Its UTF-8 and the index after it, or nil.
local function u_escape(s, at)
  local hex = sub(s, at + 2, at + 5)
  if not find(hex, "^%x%x%x%x$") then return nil end
  local cp = tonumber(hex, 16)
  local j = at + 6
  if cp >= 0xD800 and cp <= 0xDBFF and sub(s, j, j + 1) == "\\u"
      and find(sub(s, j + 2, j + 5), "^%x%x%x%x$") then
    local lo = tonumber(sub(s, j + 2, j + 5), 16)
    if lo >= 0xDC00 and lo <= 0xDFFF then
      cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
      j = j + 6
    end
  end
  if cp >= 0xD800 and cp <= 0xDFFF then cp = 0xFFFD end
  return utf8_char(cp), j
end

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function json_string(s, i)
  -- s[i] is the opening quote
  local parts, n, j = {}, 0, i + 1
  while true do
    local a, _, c = find(s, '(["\\%z\1-\31])', j)
    if not a then return nil end
    if a > j then n = n + 1; parts[n] = sub(s, j, a - 1) end
    if c == '"' then return table.concat(parts), a + 1 end
    if c ~= "\\" then return nil end
    local e = sub(s, a + 1, a + 1)
    if e == "u" then
      local text
      text, j = u_escape(s, a)
      if not text then return nil end
      n = n + 1; parts[n] = text
    elseif ESCAPES[e] then
      n = n + 1; parts[n] = ESCAPES[e]
      j = a + 2
    else
      return nil
    end
  end
end

-- JSON null (a value that is not a Lua nil, so `||` can end on it).
local NULL = {}
-- A JSON number: {[NUM] = its text}, under a key no JSON object can have.
local NUM = {}
-- The metatable of JSON arrays (an empty array is not an empty object).
local ARRAY = {}

json_value = function(s, i, depth)
  if depth > 64 then return nil end
  i = skip_ws(s, i)
  local c = sub(s, i, i)
  if c == "{" then
    local obj = {}
    i = skip_ws(s, i + 1)
    if sub(s, i, i) == "}" then return obj, i + 1 end
    while true do
      if sub(s, i, i) ~= '"' then return nil end
      local k, v
      k, i = json_string(s, i)
      if not k then return nil end
      i = skip_ws(s, i)
      if sub(s, i, i) ~= ":" then return nil end
      v, i = json_value(s, i + 1, depth + 1)
      if i == nil then return nil end
      obj[k] = v
      i = skip_ws(s, i)
      c = sub(s, i, i)
      if c == "}" then return obj, i + 1 end
      if c ~= "," then return nil end
      i = skip_ws(s, i + 1)
    end
  elseif c == "[" then
    local arr, n = setmetatable({}, ARRAY), 0
    i = skip_ws(s, i + 1)
    if sub(s, i, i) == "]" then return arr, i + 1 end
    while true do
      local v
      v, i = json_value(s, i, depth + 1)
      if i == nil then return nil end
      n = n + 1; arr[n] = v
      i = skip_ws(s, i)
      c = sub(s, i, i)
      if c == "]" then return arr, i + 1 end
      if c ~= "," then return nil end
      i = i + 1
    end
  elseif c == '"' then
    return json_string(s, i)
  elseif c == "t" and sub(s, i, i + 3) == "true" then
    return true, i + 4
  elseif c == "f" and sub(s, i, i + 4) == "false" then
    return false, i + 5
  elseif c == "n" and sub(s, i, i + 3) == "null" then
    return NULL, i + 4
  else
    local a, e = find(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not a then return nil end
    local text = sub(s, a, e)
    if not find(text, "^-?0[%d]") and (find(text, "^-?%d+$") or find(text, "^-?%d+%.%d+$")
        or find(text, "^-?%d+[eE][-+]?%d+$") or find(text, "^-?%d+%.%d+[eE][-+]?%d+$"))
        and math.abs(tonumber(text)) ~= math.huge then
      -- (Go's decoder refuses the line when a number overflows a float64.)
      return { [NUM] = text }, e + 1
    end
    return nil
  end
end

-- The whole line as one JSON object, or nil.
local function json_object(line)
  local ok, v, i = pcall(json_value, line, 1, 0)
  if not ok or type(v) ~= "table" or v[NUM] or v == NULL then return nil end
  if skip_ws(line, i) <= #line then return nil end
  if not (find(line, "^[ \t\n\v\f\r]*{")) then return nil end
  return v
end

-- Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back as v,
-- written out without an exponent.
local function go_float(text)
  local v = tonumber(text)
  if v == nil then return text end
  if v == floor(v) and v > -2 ^ 53 and v < 2 ^ 53 then return string.format("%.0f", v) end
  for p = 0, 16 do
    local t = string.format("%." .. p .. "e", v)
    if tonumber(t) == v then
      local sign, int, frac, exp = string.match(t, "^(-?)(%d)%.?(%d*)e([-+]%d+)$")
      local digits, point = int .. frac, tonumber(exp) + 1
      if point <= 0 then return sign .. "0." .. string.rep("0", -point) .. digits end
      if point >= #digits then return sign .. digits .. string.rep("0", point - #digits) end
      return sign .. sub(digits, 1, point) .. "." .. sub(digits, point + 1)
    end
  end
  return text
end

-- A value as json-iterator's Marshal writes it back (Promtail's json stage, for an
-- extracted array or object): compact, `<>&` escaped, floats in exponent form under
-- 1e-6 and from 1e21. Object keys are sorted (Promtail: Go's map order, random).
local JSON_ESCAPES = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
  ["<"] = "\\u003c", [">"] = "\\u003e", ["&"] = "\\u0026",
  ["\226\128\168"] = "\\u2028", ["\226\128\169"] = "\\u2029",
}

local function json_quote(s)
  s = string.gsub(s, '[%z\1-\31"\\<>&]', function(c)
    return JSON_ESCAPES[c] or string.format("\\u%04x", byte(c))
  end)
  return '"' .. string.gsub(s, "\226\128[\168\169]", JSON_ESCAPES) .. '"'
end

local function json_encode(v)
  if v == NULL then return "null" end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then return json_quote(v) end
  local parts = {}
  if v[NUM] then
    local x = math.abs(tonumber(v[NUM]))
    if x == 0 or (x >= 1e-6 and x < 1e21) then return go_float(v[NUM]) end
    for p = 0, 16 do
      local t = string.format("%." .. p .. "e", tonumber(v[NUM]))
      if tonumber(t) == tonumber(v[NUM]) then return (string.gsub(t, "e%-0(%d)$", "e-%1")) end
    end
    return v[NUM]
  elseif getmetatable(v) == ARRAY then
    for i = 1, #v do parts[i] = json_encode(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do parts[i] = json_quote(k) .. ":" .. json_encode(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Promtail's string of an extracted JSON value (nil: not extracted).
local function json_text(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return tostring(v) end
  if t ~= "table" or v == NULL then return nil end
  if v[NUM] then return go_float(v[NUM]) end
  return json_encode(v)
end

-- JMESPath truthiness: false, null, "", [] and {} are false.
local function truthy(v)
  if v == nil or v == false or v == "" or v == NULL then return false end
  if type(v) == "table" and not v[NUM] and next(v) == nil then return false end
  return true
end

-- `a || b || c`: the first truthy value, else the last.
local function first_of(obj, keys)
  local v
  for _, k in ipairs(keys) do
    v = obj[k]
    if truthy(v) then return v end
  end
  return v
end

-- `a.b.c`
local function path(obj, p)
  local v = obj
  for k in string.gmatch(p, "[^.]+") do
    if type(v) ~= "table" or v[NUM] then return nil end
    v = v[k]
  end
  return v
end

