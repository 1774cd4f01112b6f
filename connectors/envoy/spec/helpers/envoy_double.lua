-- A double of Envoy's Lua stream-handle API (the parts a filter uses): headers() with get, add,
-- replace, remove and __pairs; bodyChunks() and body() with buffer objects; streamInfo() with
-- dynamicMetadata() and downstreamRemoteAddress(); respond(); httpCall(); log*().
-- Every change to the stream (header edits, body edits, respond) is recorded in `s.mutations`, and
-- body() (which would make Envoy buffer the whole body) in `s.buffered`.
-- httpCall reaches `E.clusters[name]`: a URL (a real HTTP POST through LuaSocket, errors swallowed
-- when asynchronous, like Envoy) or a function(headers, body) for unit specs.
local socket_http = require "socket.http"
local ltn12 = require "ltn12"
local socket = require "socket"

local E = { clusters = {}, calls = {} }

local function header_map(s, list, phase)
  local h = {}
  function h:get(name)
    name = name:lower()
    for _, e in ipairs(list) do if e[1] == name then return e[2] end end
    return nil
  end
  local function mutate(op, name, value)
    table.insert(s.mutations, { phase = phase, op = op, name = name, value = value })
  end
  function h:add(name, value) mutate("add", name, value); table.insert(list, { name:lower(), value }) end
  function h:replace(name, value) mutate("replace", name, value) end
  function h:remove(name) mutate("remove", name) end
  function h:__pairs()
    local i = 0
    return function()
      i = i + 1
      local e = list[i]
      if e then return e[1], e[2] end
    end
  end
  return h
end

local function buffer(s, data, phase)
  local b = {}
  function b:length() return #data end
  function b:getBytes(start, len) return data:sub(start + 1, start + len) end
  function b:setBytes(v) table.insert(s.mutations, { phase = phase, op = "setBytes", value = v }) end
  return b
end

local function post(target, headers, body, timeout_ms)
  if type(target) == "function" then return target(headers, body) end
  local out = {}
  socket_http.TIMEOUT = timeout_ms / 1000
  local req_headers = { ["content-type"] = headers["content-type"], ["content-length"] = tostring(#body), host = headers[":authority"] }
  local ok, code = socket_http.request({
    url = target .. headers[":path"], method = headers[":method"], headers = req_headers,
    source = ltn12.source.string(body), sink = ltn12.sink.table(out),
  })
  return ok and code or nil, ok and table.concat(out) or code
end

--- A stream: spec = { method, path, authority, scheme, headers = {{name, value}...}, body_chunks = {...},
-- remote = "ip:port", status, response_headers = {{name, value}...} }.
function E.stream(spec)
  local s = { mutations = {}, logs = {}, calls = {}, buffered = false, metadata = {} }
  local req = {
    { ":method", spec.method or "GET" }, { ":path", spec.path or "/" },
    { ":authority", spec.authority or "shop.example.com" }, { ":scheme", spec.scheme or "http" },
  }
  for _, e in ipairs(spec.headers or {}) do req[#req + 1] = { e[1]:lower(), e[2] } end
  local resp = { { ":status", tostring(spec.status or 200) } }
  for _, e in ipairs(spec.response_headers or {}) do resp[#resp + 1] = { e[1]:lower(), e[2] } end

  local md = {}
  function md:set(ns, key, value)
    s.metadata[ns] = s.metadata[ns] or {}
    s.metadata[ns][key] = value
  end
  function md:get(ns) return s.metadata[ns] end
  local info = {}
  function info:dynamicMetadata() return md end
  function info:downstreamRemoteAddress() return spec.remote or "127.0.0.1:50000" end

  local function handle(phase, list, chunks)
    local h = { phase = phase }
    local hm = header_map(s, list, phase)
    function h:headers() return hm end
    function h:streamInfo() return info end
    function h:bodyChunks()
      local i = 0
      return function()
        i = i + 1
        if chunks and chunks[i] then return buffer(s, chunks[i], phase) end
      end
    end
    function h:body()
      s.buffered = true
      return buffer(s, table.concat(chunks or {}), phase)
    end
    function h:respond(headers, body) table.insert(s.mutations, { phase = phase, op = "respond", headers = headers, body = body }) end
    function h:httpCall(cluster, headers, body, timeout_ms, asynchronous)
      local call = { cluster = cluster, headers = headers, body = body, timeout_ms = timeout_ms, asynchronous = asynchronous, phase = phase }
      table.insert(s.calls, call)
      table.insert(E.calls, call)
      local target = E.clusters[cluster]
      if target == nil then error("http call cluster invalid. Must be configured", 2) end
      local t0 = socket.gettime()
      local status, rbody = post(target, headers, body, timeout_ms)
      call.result, call.elapsed = { status = status, body = rbody }, socket.gettime() - t0
      if asynchronous then return end -- Envoy hands nothing back to an asynchronous call
      return { [":status"] = tostring(status) }, rbody
    end
    for _, level in ipairs({ "Trace", "Debug", "Info", "Warn", "Err", "Critical" }) do
      h["log" .. level] = function(_, msg) table.insert(s.logs, { level = level, msg = msg }) end
    end
    return h
  end
  s.request = handle("request", req, spec.body_chunks)
  s.response = handle("response", resp, spec.response_chunks)
  return s
end

return E
