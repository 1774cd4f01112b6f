-- A small double of the Kong PDK (`kong.*`) and of the OpenResty `ngx` API, enough for the connector:
-- one request at a time, with the phases, logs, timers and the early exit recorded for assertions.
--
--   local pdk = require "pdk"
--   local plugin = pdk.load_plugin("wallarm-plugin", { http = fake })  -- handler + schema, fresh state
--   local r = pdk.request{ method = "GET", uri = "/etc/passwd", headers = { host = "example.com" } }
--   r:access(plugin, conf); pdk.run_timers(); r:log(plugin, conf); pdk.run_timers()
--   r.exit --> { status, body, headers } when the plugin answered itself
local cjson = require "cjson.safe"
local mime = require "mime"
local socket = require "socket"

local M = {}

M.timers = {}
M.clock = nil -- a number freezes ngx.now(); nil follows the wall clock

local LEVELS = { "STDERR", "EMERG", "ALERT", "CRIT", "ERR", "WARN", "NOTICE", "INFO", "DEBUG" }

-- the `ngx` global
local function install_ngx()
  local ngx = {
    null = cjson.null,
    var = {},
    req = {},
    timer = {},
    worker = { id = function() return 0 end, pid = function() return 1 end },
    config = { subsystem = "http" },
    logs = {},
  }
  for i, name in ipairs(LEVELS) do ngx[name] = i - 1 end
  function ngx.now() return M.clock or socket.gettime() end
  function ngx.update_time() end
  function ngx.log(level, ...)
    local parts = {}
    for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
    table.insert(ngx.logs, { level = LEVELS[level + 1] or tostring(level), msg = table.concat(parts) })
  end
  function ngx.encode_base64(s) return (mime.b64(s)) or "" end
  function ngx.decode_base64(s) return (mime.unb64(s)) end
  function ngx.timer.at(delay, fn, ...)
    table.insert(M.timers, { delay = delay, fn = fn, args = { n = select("#", ...), ... } })
    return true
  end
  function ngx.req.get_body_file() return M.current and M.current.body_file or nil end
  _G.ngx = ngx
  return ngx
end

--- Runs queued timers (and the ones they queue) in order; returns how many ran.
function M.run_timers()
  local n = 0
  while #M.timers > 0 do
    local t = table.remove(M.timers, 1)
    n = n + 1
    t.fn(false, unpack(t.args, 1, t.args.n))
  end
  return n
end

local function copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

--- Starts a request: installs fresh `kong` and `ngx` globals describing it.
-- spec fields: method, uri (raw, with query), headers (name -> value or list; any case), body,
-- client_ip, scheme, request_id (nginx $request_id), kong_request_id (kong.request.get_id),
-- body_file (body buffered to a file: get_raw_body fails), response_status, response_headers.
function M.request(spec)
  spec = spec or {}
  local ngx = install_ngx()
  local r = { spec = spec, exit = nil, logs = ngx.logs, body_file = spec.body_file }
  M.current = r
  M.timers = {}
  local lower = {}
  for k, v in pairs(spec.headers or {}) do lower[k:lower()] = v end
  ngx.var.request_uri = spec.uri or "/"
  ngx.var.request_id = spec.request_id == nil and "0123456789abcdef0123456789abcdef" or spec.request_id
  if spec.request_id == false then ngx.var.request_id = nil end

  local log = {}
  for _, name in ipairs({ "err", "warn", "notice", "info", "debug", "crit", "alert" }) do
    log[name] = function(...) ngx.log(ngx[name:upper()] or ngx.ERR, ...) end
  end
  log.ERR = log.err

  local path_with_query = spec.uri or "/"
  local request = {
    get_method = function() return (spec.method or "GET"):upper() end,
    get_scheme = function() return spec.scheme or "http" end,
    get_host = function() return ((lower.host or "localhost"):gsub(":%d+$", "")) end,
    get_path_with_query = function() return path_with_query end,
    get_header = function(name)
      local v = lower[name:lower()]
      if type(v) == "table" then return v[1] end
      return v
    end,
    get_headers = function(max)
      local out, n = {}, 0
      for k, v in pairs(lower) do
        n = n + 1
        if max and n > max then return out, "truncated" end
        out[k] = v
      end
      return out
    end,
    get_raw_body = function()
      if spec.body_file then
        return nil, "request body did not fit into client body buffer, consider raising 'client_body_buffer_size'"
      end
      return spec.body or ""
    end,
  }
  if spec.kong_request_id then request.get_id = function() return spec.kong_request_id end end

  local status = spec.response_status or 200
  local response = {
    exit = function(code, body, headers)
      r.exit = { status = code, body = body, headers = copy(headers) }
      status = code
    end,
    get_status = function() return status end,
    get_headers = function() return copy(spec.response_headers or { ["content-type"] = "text/plain" }) end,
  }

  _G.kong = {
    version = "3.9.0",
    request = request,
    response = response,
    client = { get_forwarded_ip = function() return spec.client_ip or "127.0.0.1" end,
               get_ip = function() return spec.client_ip or "127.0.0.1" end },
    ctx = { plugin = {}, shared = {} },
    log = log,
  }
  r.kong = _G.kong

  function r:access(plugin, conf) return plugin.handler.access(plugin.handler, conf) end
  function r:log(plugin, conf) return plugin.handler.log(plugin.handler, conf) end
  function r:logged(level, pattern)
    local found = {}
    for _, l in ipairs(self.logs) do
      if (not level or l.level == level) and (not pattern or l.msg:find(pattern, 1, true)) then found[#found + 1] = l end
    end
    return found
  end
  return r
end

--- The LuaSocket double of resty.http (spec/helpers/resty/http.lua), one instance for the whole run
-- so that specs see the plugin's connection pool and counters.
function M.socket_http()
  if not M._socket_http then
    local file = assert(package.searchpath("resty.http", package.path))
    M._socket_http = dofile(file)
  end
  return M._socket_http
end

--- Loads a plugin directory (connectors/kong/<name>/handler.lua + schema.lua) with fresh module state.
-- opts.http: a table to serve as `resty.http` (default: the LuaSocket double in spec/helpers/resty).
function M.load_plugin(name, opts)
  opts = opts or {}
  install_ngx() -- handlers read `ngx` at call time, but make sure it exists at load time
  if not _G.kong then M.request({}) end
  package.loaded["resty.http"] = opts.http or M.socket_http()
  local dir = (opts.root or ".") .. "/" .. name
  local handler = assert(loadfile(dir .. "/handler.lua"))("kong.plugins." .. name .. ".handler")
  local schema = assert(loadfile(dir .. "/schema.lua"))("kong.plugins." .. name .. ".schema")
  return { name = name, handler = handler, schema = schema }
end

--- The plugin's config record fields as a map name -> field definition.
function M.config_fields(schema)
  for _, f in ipairs(schema.fields) do
    if f.config then
      local out, order = {}, {}
      for _, cf in ipairs(f.config.fields) do
        local k, v = next(cf)
        out[k] = v
        order[#order + 1] = k
      end
      return out, order
    end
  end
  error("schema has no config record")
end

--- A config as Kong would hand it to the handler: defaults applied, unset optional fields ngx.null,
-- then `overrides`; validated like Kong would (type, required, one_of, between).
function M.config(schema, overrides)
  local fields, order = M.config_fields(schema)
  local conf = {}
  for _, k in ipairs(order) do
    local f = fields[k]
    if f.default ~= nil then conf[k] = f.default else conf[k] = cjson.null end
  end
  for k, v in pairs(overrides or {}) do
    if not fields[k] then error("unknown config field " .. k) end
    conf[k] = v
  end
  local ok, err = M.validate(schema, conf)
  if not ok then error(err) end
  return conf
end

function M.validate(schema, conf)
  local fields = M.config_fields(schema)
  for k, v in pairs(conf) do
    local f = fields[k]
    if not f then return nil, k .. ": unknown field" end
    if v == cjson.null or v == nil then
      if f.required then return nil, k .. ": required field missing" end
    else
      local t = f.type
      if t == "integer" then
        if type(v) ~= "number" or v % 1 ~= 0 then return nil, k .. ": expected an integer" end
      elseif t == "string" or t == "boolean" or t == "number" then
        if type(v) ~= t then return nil, k .. ": expected a " .. t end
      end
      if f.one_of then
        local found = false
        for _, o in ipairs(f.one_of) do if o == v then found = true end end
        if not found then return nil, k .. ": expected one of: " .. table.concat(f.one_of, ", ") end
      end
      if f.between and (v < f.between[1] or v > f.between[2]) then
        return nil, k .. ": value should be between " .. f.between[1] .. " and " .. f.between[2]
      end
      if f.custom_validator then
        local vok, verr = f.custom_validator(v)
        if not vok then return nil, k .. ": " .. tostring(verr) end
      end
    end
  end
  return true
end

return M
