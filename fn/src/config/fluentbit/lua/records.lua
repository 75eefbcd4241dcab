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
