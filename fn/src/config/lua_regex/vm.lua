-- Pike VM for regex programs compiled by loki-stack-fn (fn/src/config/lua_regex): Go
-- RE2 semantics (leftmost-first, UTF-8 runes, invalid bytes as U+FFFD), O(len * program).
-- Defines the globals re_replace_groups, re_find and re_match; the rest is local.
local byte, sub, find, lower, concat = string.byte, string.sub, string.find, string.lower, table.concat
local rshift = bit.rshift

-- Opcodes (see Program::to_lua).
-- 1 CHAR a | 2 RANGE a..b | 3 CLASS cls[a] | 4 ANY | 5 ANY but \n   (then nx)
-- 6 SPLIT a (preferred), b | 7 SAVE slot a | 8 ASSERT kind a | 9 MATCH | 10 FAIL | 11 NOP

local WORD = {}
for c = 48, 57 do WORD[c] = true end
for c = 65, 90 do WORD[c] = true end
for c = 97, 122 do WORD[c] = true end
WORD[95] = true

-- The rune at byte i (1-based) and its width, as Go's utf8.DecodeRuneInString:
-- invalid UTF-8 is U+FFFD of width 1; past the end -1, 0.
local function decode(s, i)
  local c = byte(s, i)
  if c == nil then return -1, 0 end
  if c < 0x80 then return c, 1 end
  if c < 0xC2 or c > 0xF4 then return 0xFFFD, 1 end
  local c1 = byte(s, i + 1)
  if c1 == nil then return 0xFFFD, 1 end
  if c < 0xE0 then
    if c1 < 0x80 or c1 > 0xBF then return 0xFFFD, 1 end
    return (c - 0xC0) * 64 + (c1 - 0x80), 2
  end
  local lo, hi = 0x80, 0xBF
  if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F
  elseif c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
  if c1 < lo or c1 > hi then return 0xFFFD, 1 end
  local c2 = byte(s, i + 2)
  if c2 == nil or c2 < 0x80 or c2 > 0xBF then return 0xFFFD, 1 end
  if c < 0xF0 then return (c - 0xE0) * 4096 + (c1 - 0x80) * 64 + (c2 - 0x80), 3 end
  local c3 = byte(s, i + 3)
  if c3 == nil or c3 < 0x80 or c3 > 0xBF then return 0xFFFD, 1 end
  return (c - 0xF0) * 262144 + (c1 - 0x80) * 4096 + (c2 - 0x80) * 64 + (c3 - 0x80), 4
end

-- Per-program state, made on first use: ASCII tables of the classes, thread lists.
local function prepare(p)
  local st = p.st
  if st then return st end
  local asc = {}
  for k, c in ipairs(p.cls) do
    local t = {}
    for j = 1, #c, 2 do
      local hi = c[j + 1]
      if hi > 127 then hi = 127 end
      for r = c[j], hi do t[r] = true end
    end
    asc[k] = t
  end
  st = { asc = asc, mark = {}, gen = 0, wc = {}, m = {},
         cpc = {}, ccap = {}, npc = {}, ncap = {} }
  p.st = st
  return st
end

local function in_ranges(c, r)
  local lo, hi = 1, #c / 2
  while lo <= hi do
    local mid = rshift(lo + hi, 1)
    if r < c[2 * mid - 1] then hi = mid - 1
    elseif r > c[2 * mid] then lo = mid + 1
    else return true end
  end
  return false
end

-- Registers of the running search (no reentrancy: Lua filters run one at a time).
local OP, A, B, NX, MARK, WC, NS, S, N, GEN
local LPC, LCAP, LN

local function assert_ok(kind, pos)
  if kind == 3 then return pos == 0 end
  if kind == 4 then return pos == N end
  local before, after = byte(S, pos), byte(S, pos + 1)
  if kind == 1 then return before == nil or before == 10 end
  if kind == 2 then return after == nil or after == 10 end
  local w = (WORD[before] or false) ~= (WORD[after] or false)
  if kind == 5 then return w end
  return not w
end

-- Adds the thread at pc (captures WC) to the list LPC/LCAP, following empty-width
-- instructions in priority order; a pc already on the list is not added again. An
-- explicit stack (no recursion, whatever the program's size) holds what is left to
-- explore (slot 0) and the captures to restore (slot k, old value).
local STK = {}
local function add(pc, pos)
  local sp = 0
  while true do
    while true do
      if MARK[pc] == GEN then break end
      MARK[pc] = GEN
      local o = OP[pc]
      if o == 6 then
        STK[sp + 1], STK[sp + 2] = 0, B[pc]
        sp = sp + 3
        pc = A[pc]
      elseif o == 7 then
        local k = A[pc]
        STK[sp + 1], STK[sp + 2] = k, WC[k]
        sp = sp + 3
        WC[k] = pos
        pc = NX[pc]
      elseif o == 8 then
        if not assert_ok(A[pc], pos) then break end
        pc = NX[pc]
      elseif o == 11 then
        pc = NX[pc]
      elseif o == 10 then
        break
      else
        LN = LN + 1
        LPC[LN] = pc
        local base = (LN - 1) * NS
        for k = 1, NS do LCAP[base + k] = WC[k] end
        break
      end
    end
    -- Restore captures until the next branch to explore.
    while true do
      if sp == 0 then return end
      sp = sp - 3
      local k, v = STK[sp + 1], STK[sp + 2]
      if k == 0 then
        pc = v
        break
      end
      WC[k] = v
    end
  end
end

-- The leftmost-first match starting at byte offset pos (0-based) or later: its capture
-- slots (st.m: 0-based offsets, -1 when a group took no part), or nil. With any, only
-- whether there is a match.
local function exec(p, s, pos, any)
  local st = prepare(p)
  OP, A, B, NX, MARK, WC, S, N = p.op, p.a, p.b, p.nx, st.mark, st.wc, s, #s
  local ns = p.ncap * 2
  NS = ns
  local asc, cls, first, anchored, start = st.asc, p.cls, p.first, p.anchored, p.start
  local m = st.m
  local cpc, ccap, npc, ncap = st.cpc, st.ccap, st.npc, st.ncap
  local cn, matched = 0, false
  GEN = st.gen + 1
  local r, w = decode(s, pos + 1)
  while true do
    if cn == 0 then
      if matched or (anchored and pos ~= 0) then break end
      if first then
        local q = find(s, first, pos + 1)
        if q == nil then break end
        if q ~= pos + 1 then
          pos = q - 1
          r, w = decode(s, q)
          GEN = GEN + 1
        end
      end
    end
    if not matched then
      for k = 1, ns do WC[k] = -1 end
      WC[1] = pos
      LPC, LCAP, LN = cpc, ccap, cn
      add(start, pos)
      cn = LN
    end
    GEN = GEN + 1
    LPC, LCAP, LN = npc, ncap, 0
    local nextpos = pos + w
    for i = 1, cn do
      local pc = cpc[i]
      local o = OP[pc]
      local ok
      if o == 1 then ok = r == A[pc]
      elseif o == 2 then ok = r >= A[pc] and r <= B[pc]
      elseif o == 3 then
        if r < 128 then ok = asc[A[pc]][r] else ok = in_ranges(cls[A[pc]], r) end
      elseif o == 4 then ok = w > 0
      elseif o == 5 then ok = w > 0 and r ~= 10
      else -- MATCH: lower-priority threads are cut off
        if any then st.gen = GEN; return true end
        local base = (i - 1) * ns
        for k = 1, ns do m[k] = ccap[base + k] end
        m[2] = pos
        matched = true
        break
      end
      if ok then
        local base = (i - 1) * ns
        for k = 1, ns do WC[k] = ccap[base + k] end
        add(NX[pc], nextpos)
      end
    end
    cn = LN
    cpc, npc = npc, cpc
    ccap, ncap = ncap, ccap
    if w == 0 then break end
    pos = nextpos
    r, w = decode(s, pos + 1)
  end
  st.gen = GEN
  if any then return false end
  if matched then return m end
  return nil
end

-- False when the program's required literal is absent: no match anywhere.
local function possible(p, s)
  local lit = p.lit
  if lit == nil then return true end
  if p.lower then return find(lower(s), lit, 1, true) ~= nil end
  return find(s, lit, 1, true) ~= nil
end

-- Promtail's replace stage with a constant replacement: in every match of Go's
-- FindAllStringSubmatchIndex(s, -1), each capture group that took part becomes repl.
function re_replace_groups(p, s, repl)
  if type(s) ~= "string" or not possible(p, s) then return s end
  local n, out, prev = #s, {}, 0
  local pos, prev_end = 0, -1
  local groups = p.ncap - 1
  while pos <= n do
    local m = exec(p, s, pos, false)
    if m == nil then break end
    local accept = true
    if m[2] == pos then
      -- An empty match: not right after the previous match; the next search starts
      -- one rune on.
      if m[1] == prev_end then accept = false end
      local _, w = decode(s, pos + 1)
      if w > 0 then pos = pos + w else pos = n + 1 end
    else
      pos = m[2]
    end
    prev_end = m[2]
    if accept then
      for g = 1, groups do
        local a, b = m[2 * g + 1], m[2 * g + 2]
        if a >= 0 and (prev == 0 or prev <= a) then
          out[#out + 1] = sub(s, prev + 1, a)
          out[#out + 1] = repl
          prev = b
        end
      end
    end
  end
  if #out == 0 then return s end
  out[#out + 1] = sub(s, prev + 1)
  return concat(out)
end

-- Whether the regex matches anywhere in s.
function re_find(p, s)
  return type(s) == "string" and possible(p, s) and exec(p, s, 0, true)
end

-- The first (leftmost-first) match: nil, or a table with [0] the whole match, [1]..[n]
-- the groups (nil when a group took no part) and the named groups by name.
function re_match(p, s)
  if type(s) ~= "string" or not possible(p, s) then return nil end
  local m = exec(p, s, 0, false)
  if m == nil then return nil end
  local t = {}
  for g = 0, p.ncap - 1 do
    local a, b = m[2 * g + 1], m[2 * g + 2]
    if a >= 0 then t[g] = sub(s, a + 1, b) end
  end
  for g, name in pairs(p.names) do t[name] = t[g] end
  return t
end
