-- portcullis_mirror: an Envoy Lua HTTP filter that copies every request (method, path, headers, body
-- up to a cap) and its response status to a Portcullis filtering node's POST /v1/mirror, as
-- MessagePack, with asynchronous httpCall: out-of-band, monitoring only. Traffic is never delayed,
-- held or changed: the request body is read with bodyChunks() (streamed, never buffered), nothing is
-- modified, and every error is caught and logged (at most one line per 10 s per worker).
-- Copyright Portcullis contributors. Licensed under the Apache License, Version 2.0.
--
-- In the Lua filter's code (EnvoyFilter / envoy.yaml):
--   package.path = "/etc/envoy/lua/?.lua;" .. package.path
--   local mirror = require("portcullis_mirror").new({
--     cluster = "outbound|5000||portcullis-node.portcullis.svc.cluster.local",
--     authority = "portcullis-node.portcullis.svc.cluster.local",
--   })
--   function envoy_on_request(handle) mirror.on_request(handle) end
--   function envoy_on_response(handle) mirror.on_response(handle) end
local msgpack = require "portcullis_msgpack"

local M = { _VERSION = "1.0.0" }

M.defaults = {
  cluster = "portcullis_node",       -- the Envoy cluster of the node
  authority = "portcullis-node",     -- :authority of the calls to the node
  path = "/v1/mirror",               -- the node's mirror endpoint (behind a path prefix: "/prefix/v1/mirror")
  timeout_ms = 1000,                 -- per call; nobody waits for it
  body_limit = 65536,                -- request body bytes copied (0: none)
  response_headers = false,          -- also copy the response headers
  application = nil,                 -- the node's application for these requests
  metadata_namespace = "portcullis.mirror",
  log_interval_s = 10,
}

-- ids made up when a request has no x-request-id must differ between workers and restarts
math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % 1000003)

local last_log = -math.huge
local suppressed = 0

local function log(handle, what, err)
  local now = os.time()
  if now - last_log < M.defaults.log_interval_s then
    suppressed = suppressed + 1
    return
  end
  pcall(handle.logWarn, handle, "portcullis mirror: " .. what .. " failed: " .. tostring(err)
    .. " (" .. suppressed .. " more not logged); traffic is not affected")
  last_log, suppressed = now, 0
end

-- the request id as the node wants it: 32 hex digits (Envoy's x-request-id is a UUID)
local function request_id(value)
  if value then
    local id = value:gsub("-", ""):lower()
    if #id == 32 and not id:find("[^0-9a-f]") then return id end
  end
  local t = {}
  for i = 1, 4 do t[i] = string.format("%08x", math.random(0, 0x7fffffff) * 2 + math.random(0, 1)) end
  return table.concat(t)
end

local function client_ip(handle)
  local ok, addr = pcall(function() return handle:streamInfo():downstreamRemoteAddress() end)
  if not ok or type(addr) ~= "string" then return nil end
  return addr:match("^%[(.+)%]:%d+$") or addr:match("^([^:]+):%d+$") or addr
end

local function header_map(headers, skip_pseudo)
  local out = {}
  for name, value in headers:__pairs() do
    if not (skip_pseudo and name:sub(1, 1) == ":") then
      local old = out[name]
      if old == nil then out[name] = value
      elseif type(old) == "table" then old[#old + 1] = value
      else out[name] = { old, value } end
    end
  end
  return out
end

local function send(conf, handle, msg)
  local payload = msgpack.encode(msg)
  handle:httpCall(conf.cluster, {
    [":method"] = "POST",
    [":path"] = conf.path,
    [":authority"] = conf.authority,
    ["content-type"] = "application/msgpack",
  }, payload, conf.timeout_ms, true) -- asynchronous: returns at once, the answer is ignored
end

local function on_request(conf, handle)
  local headers = handle:headers()
  local authority = headers:get(":authority")
  local scheme = headers:get(":scheme") or headers:get("x-forwarded-proto")
  local hmap = header_map(headers, true)
  if authority and hmap.host == nil then hmap.host = authority end
  local rid = request_id(headers:get("x-request-id"))
  local msg = {
    type = "request",
    method = headers:get(":method"),
    uri = headers:get(":path"),
    headers = hmap,
    host = authority,
    client_ip = client_ip(handle),
    request_id = rid,
    protocol = scheme == "https" and "https" or "http",
    application = conf.application,
  }
  -- the response phase finds the id here
  pcall(function() handle:streamInfo():dynamicMetadata():set(conf.metadata_namespace, "request_id", rid) end)

  -- HTTP/2 bodies may come without content-length: read unless the request says it has none. A request
  -- that ended with its headers yields no chunk.
  if conf.body_limit > 0 and headers:get("content-length") ~= "0" then
    -- bodyChunks streams: each chunk goes upstream as it arrives; we copy the first body_limit bytes
    local parts, size = {}, 0
    for chunk in handle:bodyChunks() do
      local take = math.min(chunk:length(), conf.body_limit - size)
      if take > 0 then
        parts[#parts + 1] = chunk:getBytes(0, take)
        size = size + take
      end
      if size >= conf.body_limit then break end
    end
    if size > 0 then msg.body = msgpack.bin(table.concat(parts)) end
  end
  send(conf, handle, msg)
end

local function on_response(conf, handle)
  local md = handle:streamInfo():dynamicMetadata():get(conf.metadata_namespace)
  local rid = md and md.request_id
  if not rid then return end
  local headers = handle:headers()
  local msg = { type = "response", request_id = rid, status = tonumber(headers:get(":status")) }
  if not msg.status then return end
  if conf.response_headers then msg.headers = header_map(headers, true) end
  send(conf, handle, msg)
end

--- A mirror with `opts` over M.defaults: { on_request = fn(handle), on_response = fn(handle) }.
function M.new(opts)
  local conf = {}
  for k, v in pairs(M.defaults) do conf[k] = v end
  for k, v in pairs(opts or {}) do
    if M.defaults[k] == nil and k ~= "application" then error("portcullis_mirror: unknown option " .. tostring(k), 2) end
    conf[k] = v
  end
  return {
    conf = conf,
    on_request = function(handle)
      local ok, err = pcall(on_request, conf, handle)
      if not ok then log(handle, "request mirror", err) end
    end,
    on_response = function(handle)
      local ok, err = pcall(on_response, conf, handle)
      if not ok then log(handle, "response mirror", err) end
    end,
  }
end

--- Test hook: forget the log burst state.
function M._reset_log()
  last_log, suppressed = -math.huge, 0
end

return M
