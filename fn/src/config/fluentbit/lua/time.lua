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

