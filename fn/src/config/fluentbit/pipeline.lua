-- The collection contract for Fluent Bit (LuaJIT 2.1, Lua 5.1): what Promtail's
-- pipeline stages do, record by record. `C` (the stack's settings and the compiled
-- regexes) and the regex VM (`re_find`, `re_match`, `re_replace_groups`) come first.
-- Every record leaves as {log = <line>, <label> = <value>, ...}; the loki output
-- turns the keys it is told about into labels and structured metadata.

local byte, sub, find, lower, char = string.byte, string.sub, string.find, string.lower, string.char
local floor = math.floor

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
      local hex = sub(s, a + 2, a + 5)
      if not find(hex, "^%x%x%x%x$") then return nil end
      local cp = tonumber(hex, 16)
      j = a + 6
      if cp >= 0xD800 and cp <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
        local lo = tonumber(sub(s, j + 2, j + 5), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF and find(sub(s, j + 2, j + 5), "^%x%x%x%x$") then
          cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
          j = j + 6
        end
      end
      if cp >= 0xD800 and cp <= 0xDFFF then cp = 0xFFFD end
      n = n + 1; parts[n] = utf8_char(cp)
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
              local hex = sub(s, i + 2, i + 5)
              if not find(hex, "^%x%x%x%x$") then return nil end
              local cp = tonumber(hex, 16)
              i = i + 6
              if cp >= 0xD800 and cp <= 0xDBFF and sub(s, i, i + 1) == "\\u"
                  and find(sub(s, i + 2, i + 5), "^%x%x%x%x$") then
                local lo = tonumber(sub(s, i + 2, i + 5), 16)
                if lo >= 0xDC00 and lo <= 0xDFFF then
                  cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
                  i = i + 6
                end
              end
              if cp >= 0xD800 and cp <= 0xDFFF then cp = 0xFFFD end
              parts[#parts + 1] = utf8_char(cp)
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

-- Levels -----------------------------------------------------------------------------

local function normalise(raw)
  if raw == nil or raw == "" then return nil end
  return C.levels[lower(raw)] or C.other_level
end

-- Time ---------------------------------------------------------------------------------

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local DAYS = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- {sec, nsec} of a date and time with a fraction ("" or digits) and an offset in minutes.
local function timestamp(y, mo, d, h, mi, s, frac, offset_min)
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s)
  if mo < 1 or mo > 12 or d < 1 or d > DAYS[mo] or h > 23 or mi > 59 or s > 59 then return nil end
  if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then return nil end
  local nsec = 0
  if frac ~= "" then nsec = tonumber(sub(frac .. "000000000", 1, 9)) end
  return { sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60, nsec = nsec }
end

local function offset_minutes(z)
  if z == "Z" then return 0 end
  local sign, hh, mm = string.match(z, "^([-+])(%d%d):?(%d%d)$")
  if not sign then return nil end
  local m = tonumber(hh) * 60 + tonumber(mm)
  return sign == "-" and -m or m
end

-- RFC 3339 / ISO 8601 (`2006-01-02T15:04:05.999999999Z07:00`, colon optional).
local function parse_iso(v)
  local y, mo, d, h, mi, s, rest = string.match(v, "^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  local frac, z = string.match(rest, "^%.(%d+)(.*)$")
  if not frac then frac, z = "", rest end
  local off = offset_minutes(z)
  if not off then return nil end
  return timestamp(y, mo, d, h, mi, s, frac, off)
end

-- Go's log prefix `2006/01/02 15:04:05.000000` (UTC on Talos).
local function parse_go_log(v)
  local y, mo, d, h, mi, s, frac = string.match(v, "^(%d%d%d%d)/(%d%d)/(%d%d) (%d%d):(%d%d):(%d%d)%.(%d%d%d%d%d%d)$")
  if not y then return nil end
  return timestamp(y, mo, d, h, mi, s, frac, 0)
end

-- Epoch milliseconds (the fraction already cut off).
local function parse_epoch_ms(v)
  local ms = tonumber(v)
  if not ms then return nil end
  return { sec = floor(ms / 1000), nsec = (ms % 1000) * 1000000 }
end

-- The time of `raw` if it has the shape `re` (with a `time` group) and parses.
local function time_from(raw, re, parse)
  if raw == nil then return nil end
  local m = re_match(re, raw)
  if not m or not m.time then return nil end
  return parse(m.time)
end

-- Records ------------------------------------------------------------------------------

-- The line without the newline a multiline parser leaves at the end of a joined entry
-- (Promtail's lines never end in one).
local function text(v)
  if type(v) ~= "string" then return "" end
  if byte(v, -1) == 10 then return sub(v, 1, -2) end
  return v
end

local function now_sec()
  return os.time()
end

local function too_old(ts)
  return ts.sec < now_sec() - C.window
end

local function redact(line)
  for _, rule in ipairs(C.rules) do
    line = re_replace_groups(rule[1], line, rule[2])
  end
  return line
end

-- The controller's name without a Deployment's or CronJob's hash suffix.
local function controller_app(name)
  if not find(name, "^[0-9a-z.-]+$") then return nil end
  for n = 10, 8, -1 do
    local a = #name - n
    if a >= 2 and byte(name, a) == 45 and find(sub(name, a + 1), "^[0-9a-f]+$") then
      return sub(name, 1, a - 1)
    end
  end
  return name
end

local function app_of(k, pod)
  local labels = k.labels or {}
  for _, l in ipairs(C.app_labels) do
    local v = labels[l]
    if type(v) == "string" and v ~= "" then return v end
  end
  for _, o in ipairs(k.ownerReferences or {}) do
    if o.controller == true and type(o.name) == "string" and o.name ~= "" then
      local app = controller_app(o.name)
      if app then return app end
    end
  end
  return pod
end

-- Promtail's `(?i)false`: Go folds U+017F (long s) to s.
local function opted_out(annotations)
  local v = annotations and annotations[C.opt_out]
  return type(v) == "string" and lower((string.gsub(v, "\197\191", "s"))) == "false"
end

local function set(out, k, v)
  if v ~= nil and v ~= "" then out[k] = v end
end

-- job="kubernetes-pods": tag pods.<namespace>.<container>.<pod>
local function pods(tag, ts, r)
  local k = type(r.kubernetes) == "table" and r.kubernetes or {}
  local ns, container, pod = string.match(tag, "^[^.]+%.([^.]+)%.([^.]+)%.(.+)$")
  if opted_out(k.annotations) then return -1, ts, r end
  if type(r.kubernetes_namespace) == "table" and opted_out(r.kubernetes_namespace.annotations) then
    return -1, ts, r
  end
  if too_old(ts) then return -1, ts, r end
  local line = text(r.log)
  if C.redact_all or C.sensitive[ns] then line = redact(line) end
  local out = { log = line, job = C.jobs.pods, namespace = ns, pod = pod, container = container, node = C.node }
  set(out, "app", app_of(k, pod))
  set(out, "stream", r.stream)
  local f
  if ns == C.own.namespace and container == C.own.container then
    -- Fluent Bit's own lines: `[2026/12/01 00:00:00.123456789] [ warn] ...`
    f = { level = string.match(line, "^%[[^]]+%] %[ *(%a+)%]") }
  else
    f = fields_of(line, C.pod_keys)
  end
  local level = normalise(f.level)
  if level == "debug" and ns == C.own.namespace and container == C.own.container then return -1, ts, r end
  set(out, "level", level)
  for _, key in ipairs(C.extra_labels) do set(out, key, f[key]) end
  local meta = {}
  for _, key in ipairs(C.structured_metadata) do meta[key] = f[key] end
  out.metadata = meta
  return 1, ts, out
end

-- Talos' own service lines, from a file (Talos >= 1.12) or the receiver.
local SERVICE = {}

SERVICE.Kubelet = function(line)
  if find(line, "^[ \t\n\v\f\r]*{") then
    local obj = json_object(line)
    if not obj then return nil end
    local level = truthy(obj.err) and "error" or "info"
    return level, time_from(json_text(obj.ts), C.re.epoch_ms, parse_epoch_ms)
  end
  local m = re_match(C.re.klog_line, line)
  if m then return C.klog[m.level] or m.level, nil end
  return nil
end

local function json_service(level_key, time_key, re, parse)
  return function(line)
    if not find(line, "^[ \t\n\v\f\r]*{") then return nil end
    local obj = json_object(line)
    if not obj then return nil end
    return json_text(obj[level_key]), time_from(json_text(obj[time_key]), re, parse)
  end
end

SERVICE.Logrus = json_service("level", "time", C.re.rfc3339, parse_iso)
SERVICE.ZapJson = json_service("level", "ts", C.re.iso8601, parse_iso)

SERVICE.Syslog = function(line)
  if not find(line, "^[ \t\n\v\f\r]*{") then return nil end
  local obj = json_object(line)
  if not obj then return nil end
  local sev = json_text(obj.severity)
  return C.syslog[sev] or sev, time_from(json_text(obj.timestamp), C.re.rfc3339, parse_iso)
end

SERVICE.GoLog = function(line)
  local m = re_match(C.re.go_log_time, line)
  if not m then return nil end
  return nil, parse_go_log(m.time)
end

SERVICE.ZapConsole = function(line)
  local m = re_match(C.re.zap_console, line)
  if not m then return nil end
  return m.level, parse_iso(m.time)
end

SERVICE.Kernel = function(line)
  local m = re_match(C.re.kernel_line, line)
  if not m then return nil end
  return m.level, parse_iso(m.time)
end

local function machine_record(service, line, level, ts)
  if C.redact_all then line = redact(line) end
  local out = { log = line, job = C.jobs.machine, service = service, node = C.node }
  set(out, "level", normalise(level))
  return out
end

-- job="machine-logs" from /var/log/<service>.log: tag machine.<service>
local function machine(tag, ts, r)
  local service = sub(tag, #"machine." + 1)
  local line = re_replace_groups(C.re.ansi, text(r.log), "")
  local format = C.services[service]
  local level, t
  if format then
    level, t = SERVICE[format](line)
  else
    level = fields_of(line, C.no_keys).level
  end
  ts = t or ts
  if too_old(ts) then return -1, ts, r end
  return 1, ts, machine_record(service, line, level, ts)
end

-- Whether Talos writes this service's log to a file on this node (>= 1.12): then the
-- file job ships it, and the receiver does not ship it twice.
local file_seen, file_checked = {}, {}
local function has_file(service)
  if not C.files then return false end
  local now = now_sec()
  if file_checked[service] == nil or now - file_checked[service] >= 60 then
    local f = io.open(C.log_dir .. "/" .. service .. ".log", "r")
    if f then f:close() end
    file_seen[service] = f ~= nil
    file_checked[service] = now
  end
  return file_seen[service]
end

-- job="machine-logs" from Talos' JSON lines sender (before 1.12): tag talos
local function receiver(tag, ts, r)
  local service = r[C.receiver.service]
  if type(service) ~= "string" or service == "" then service = C.receiver.kernel end
  if not find(service, "^[%w._-]+$") then return -1, ts, r end
  if has_file(service) then return -1, ts, r end
  local line = r[C.receiver.message]
  if type(line) ~= "string" then return -1, ts, r end
  line = string.gsub(line, "\n+$", "")
  line = re_replace_groups(C.re.ansi, line, "")
  local t = time_from(r[C.receiver.time], C.re.rfc3339, parse_iso)
  ts = t or ts
  if too_old(ts) then return -1, ts, r end
  local level = r[C.receiver.level]
  if type(level) ~= "string" then level = nil end
  return 1, ts, machine_record(service, line, level, ts)
end

-- job="kube-audit": one audit.k8s.io/v1 Event per line
local function audit(tag, ts, r)
  local line = text(r.log)
  local out = { job = C.jobs.audit, node = C.node, metadata = {} }
  if find(line, "^[ \t\n\v\f\r]*{") then
    local obj = json_object(line)
    if obj then
      set(out, C.audit.verb, json_text(obj[C.audit.verb]))
      for _, m in ipairs(C.audit.metadata) do
        local v = json_text(path(obj, m[2]))
        out.metadata[m[1]] = v
      end
      ts = time_from(json_text(obj[C.audit.time]), C.re.rfc3339, parse_iso) or ts
    end
  end
  if too_old(ts) then return -1, ts, r end
  if C.redact_all then line = redact(line) end
  out.log = line
  return 1, ts, out
end

local ROUTES = { pods = pods, machine = machine, talos = receiver, audit = audit }

-- The filter's entry point (`call: route`).
function route(tag, ts, record)
  local kind = string.match(tag, "^[^.]+")
  local f = ROUTES[kind]
  if not f then return 0, ts, record end
  return f(tag, ts, record)
end
