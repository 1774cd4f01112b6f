-- Portcullis connector for Kong 3.x: sends each request to a Portcullis filtering node and applies its
-- verdict (docs/node-protocol.md in the Portcullis repository).
-- Copyright Portcullis contributors. Licensed under the Apache License, Version 2.0.
--
-- The same file ships as `wallarm-plugin` (Kong) and `kong-lua` (Kong Ingress Controller); only the
-- PLUGIN_NAME line differs (connectors/build.mjs writes the copy).
--
-- access: build the request message (method, raw URI, headers, client IP, body up to
--   request_body_limit, request id) and
--   * blocking = true:  POST /v1/inspect and wait; 403 with a verdict -> block_status/block_body;
--     200 -> pass; timeout, connection error or any other answer -> fallback_action (default pass),
--     logged once per burst;
--   * blocking = false: POST /v1/mirror from a zero-delay timer; the request is never delayed.
-- log: POST the response status (and headers with inspect_response) to /v1/response from a timer,
--   for requests the node reported hits on (or every request with inspect_response).
local http = require "resty.http"
local cjson = require "cjson.safe"

local PLUGIN_NAME = "wallarm-plugin"

local Handler = {
  PRIORITY = 3000,
  VERSION = "1.0.0",
}

local MAX_HEADERS = 1000
local BURST_SECONDS = 10

-- one log line per burst of failures per worker: the time of the last line and how many were not logged
local failures = { last_log = -math.huge, suppressed = 0 }

local function opt(v)
  if v == nil or v == ngx.null then return nil end
  return v
end

local function node_failed(what, err, conf)
  local now = ngx.now()
  if now - failures.last_log >= BURST_SECONDS then
    kong.log.err("[", PLUGIN_NAME, "] filtering node ", what, " failed: ", tostring(err),
      " (", failures.suppressed, " more failure(s) not logged since the last report); fallback_action=",
      conf and conf.fallback_action or "pass")
    failures.last_log = now
    failures.suppressed = 0
  else
    failures.suppressed = failures.suppressed + 1
  end
end

local function post(conf, path, payload)
  local httpc = http.new()
  local t = conf.timeout_ms
  httpc:set_timeouts(t, t, t)
  local keepalive = conf.keepalive_timeout_ms ~= 0
  return httpc:request_uri(conf.wallarm_node_address:gsub("/+$", "") .. path, {
    method = "POST",
    body = payload,
    headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" },
    keepalive = keepalive,
    keepalive_timeout = keepalive and conf.keepalive_timeout_ms or nil,
    keepalive_pool = keepalive and conf.keepalive_pool_size or nil,
    ssl_verify = conf.ssl_verify,
  })
end

local function send_async(premature, conf, path, payload, what)
  if premature then return end
  local res, err = post(conf, path, payload)
  if not res then return node_failed(what, err, conf) end
  if res.status >= 300 then return node_failed(what, "node answered " .. tostring(res.status), conf) end
end

-- The id the node will know the request by: Kong's own (3.5+), else nginx's $request_id (32 hex digits).
local function request_id()
  local get_id = kong.request.get_id
  if type(get_id) == "function" then
    local ok, id = pcall(get_id)
    if ok and type(id) == "string" and id ~= "" then return id end
  end
  local ok, id = pcall(function() return ngx.var.kong_request_id end)
  if ok and type(id) == "string" and id ~= "" then return id end
  id = ngx.var.request_id
  if type(id) == "string" and id ~= "" then return id end
  return nil
end

-- Up to `limit` bytes of the request body; nil when there is none (or limit is 0).
local function request_body(limit)
  if limit <= 0 then return nil end
  if not kong.request.get_header("content-length") and not kong.request.get_header("transfer-encoding") then
    return nil
  end
  local body, err = kong.request.get_raw_body()
  if body == nil then
    -- larger than client_body_buffer_size: nginx buffered it to a file; read only what we send
    local file = ngx.req.get_body_file and ngx.req.get_body_file()
    if file then
      local fh = io.open(file, "rb")
      if fh then
        body = fh:read(limit)
        fh:close()
      end
    end
    if body == nil then
      kong.log.notice("[", PLUGIN_NAME, "] request body not inspected: ", tostring(err))
      return nil
    end
  end
  if #body > limit then body = body:sub(1, limit) end
  if body == "" then return nil end
  return body
end

local function build_message(conf)
  local req = kong.request
  local msg = {
    method = req.get_method(),
    uri = ngx.var.request_uri or req.get_path_with_query(),
    headers = req.get_headers(MAX_HEADERS),
    client_ip = kong.client.get_forwarded_ip(),
    host = req.get_host(),
    protocol = req.get_scheme() == "https" and "https" or "http",
    request_id = request_id(),
    application = opt(conf.application),
    mode = opt(conf.mode),
  }
  local body = request_body(conf.request_body_limit)
  if body then msg.body = ngx.encode_base64(body) end -- JSON carries the body as base64
  return msg
end

local function block(conf)
  return kong.response.exit(conf.block_status, conf.block_body, { ["Content-Type"] = conf.block_content_type })
end

local function fallback(conf, what, err)
  node_failed(what, err, conf)
  if conf.fallback_action == "block" then return block(conf) end
end

function Handler:access(conf)
  local ctx = kong.ctx.plugin
  local msg = build_message(conf)
  ctx.request_id = msg.request_id
  local payload, eerr = cjson.encode(msg)
  if not payload then return fallback(conf, "message encoding", eerr) end

  if not conf.blocking then
    -- out-of-band: a copy goes to the node after this phase; the request goes on at once
    ctx.mirrored = true
    local ok, terr = ngx.timer.at(0, send_async, conf, "/v1/mirror", payload, "mirror")
    if not ok then node_failed("mirror timer", terr, conf) end
    return
  end

  local res, err = post(conf, "/v1/inspect", payload)
  if not res then return fallback(conf, "inspect", err) end
  local verdict = cjson.decode(res.body or "")
  if type(verdict) ~= "table" then verdict = {} end
  if type(verdict.request_id) == "string" then ctx.request_id = verdict.request_id end
  ctx.inspected = true
  ctx.hits = type(verdict.hits) == "table" and #verdict.hits > 0

  if res.status == 403 and (verdict.blocked == true or verdict.verdict == "block") then
    return block(conf)
  end
  if res.status ~= 200 then
    -- a 403 without a verdict is the node refusing us (allowed_networks), not a decision on the request
    local detail = type(verdict.error) == "table" and opt(verdict.error.message)
    return fallback(conf, "inspect", "node answered " .. tostring(res.status) .. (detail and (" " .. tostring(detail)) or ""))
  end
end

function Handler:log(conf)
  local ctx = kong.ctx.plugin
  local rid = ctx.request_id
  if not rid then return end
  local path
  local msg = { request_id = rid, status = kong.response.get_status() }
  if ctx.mirrored then
    if not conf.inspect_response then return end
    path, msg.type = "/v1/mirror", "response"
  elseif ctx.inspected and (ctx.hits or conf.inspect_response) then
    path = "/v1/response"
  else
    return
  end
  if conf.inspect_response then msg.headers = kong.response.get_headers(MAX_HEADERS) end
  local payload = cjson.encode(msg)
  if not payload then return end
  -- cosockets are not available in the log phase: send from a timer
  local ok, terr = ngx.timer.at(0, send_async, conf, path, payload, "response report")
  if not ok then node_failed("response timer", terr, conf) end
end

return Handler
