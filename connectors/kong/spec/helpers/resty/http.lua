-- A test double of lua-resty-http built on LuaSocket: enough of the API for the connector
-- (new, set_timeout, set_timeouts, parse_uri, connect, request, read_body, set_keepalive, close,
-- request_uri) so that tests outside OpenResty make real HTTP/1.1 calls to a real node.
-- Blocking instead of yielding, plain http only (no TLS). Connections handed to set_keepalive are
-- pooled per host:port and reused, like cosocket pools.
local socket = require "socket"

local _M = { _VERSION = "0.17.2-luasocket-double" }
local mt = { __index = _M }

local pools = {}
-- counters the specs can look at
_M.stats = { connects = 0, reused = 0, pooled = 0, requests = 0 }

function _M.reset()
  for _, list in pairs(pools) do
    for _, s in ipairs(list) do s:close() end
  end
  pools = {}
  _M.stats = { connects = 0, reused = 0, pooled = 0, requests = 0 }
end

function _M.new()
  return setmetatable({ timeouts = { 60000, 60000, 60000 } }, mt)
end

function _M:set_timeout(ms)
  self.timeouts = { ms, ms, ms }
end

function _M:set_timeouts(connect_ms, send_ms, read_ms)
  self.timeouts = { connect_ms, send_ms, read_ms }
end

function _M:parse_uri(uri)
  local scheme, rest = uri:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then return nil, "bad uri: " .. tostring(uri) end
  scheme = scheme:lower()
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  local host, port = authority:match("^%[(.+)%]:?(%d*)$")
  if not host then host, port = authority:match("^([^:]*):?(%d*)$") end
  if not host or host == "" then return nil, "bad uri: " .. uri end
  port = tonumber(port) or (scheme == "https" and 443 or 80)
  path = path:gsub("#.*$", "")
  local p, q = path:match("^([^?]*)%??(.*)$")
  if p == "" then p = "/" end
  return { scheme, host, port, p, q }
end

local function seconds(ms) return (ms or 60000) / 1000 end

function _M:connect(opts, port)
  local host, scheme = opts, "http"
  if type(opts) == "table" then
    host, port, scheme = opts.host, opts.port, opts.scheme or "http"
  end
  if scheme ~= "http" then return nil, "the LuaSocket double speaks plain http only" end
  self.key = host .. ":" .. tostring(port)
  self.host, self.port = host, port
  local pool = pools[self.key]
  if pool and #pool > 0 then
    self.sock = table.remove(pool)
    self.reused = true
    _M.stats.reused = _M.stats.reused + 1
    return true
  end
  local sock = socket.tcp()
  sock:settimeout(seconds(self.timeouts[1]))
  local ok, err = sock:connect(host, port)
  if not ok then
    sock:close()
    return nil, err
  end
  _M.stats.connects = _M.stats.connects + 1
  self.sock, self.reused = sock, false
  return true
end

local function read_chunked(sock)
  local parts = {}
  while true do
    local line, err = sock:receive("*l")
    if not line then return nil, err end
    local size = tonumber(line:match("^%s*(%x+)"), 16)
    if not size then return nil, "bad chunk size" end
    if size == 0 then
      repeat
        line, err = sock:receive("*l")
        if not line then return nil, err end
      until line == ""
      return table.concat(parts)
    end
    local data, derr = sock:receive(size)
    if not data then return nil, derr end
    parts[#parts + 1] = data
    sock:receive("*l")
  end
end

function _M:request(params)
  local sock = self.sock
  if not sock then return nil, "not connected" end
  local headers = params.headers or {}
  local lines = { (params.method or "GET") .. " " .. (params.path or "/") .. " HTTP/1.1" }
  local has_host, has_length = false, false
  for k, v in pairs(headers) do
    local lk = k:lower()
    if lk == "host" then has_host = true end
    if lk == "content-length" then has_length = true end
    lines[#lines + 1] = k .. ": " .. tostring(v)
  end
  if not has_host then lines[#lines + 1] = "Host: " .. self.host .. ":" .. tostring(self.port) end
  local body = params.body
  if body and not has_length then lines[#lines + 1] = "Content-Length: " .. #body end
  lines[#lines + 1] = "User-Agent: " .. _M._VERSION
  local raw = table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")

  sock:settimeout(seconds(self.timeouts[2]))
  local ok, err = sock:send(raw)
  local status_line
  if ok then
    sock:settimeout(seconds(self.timeouts[3]))
    status_line, err = sock:receive("*l")
  end
  if not status_line then
    sock:close()
    self.sock = nil
    -- a pooled connection the server closed meanwhile: one retry on a fresh one, as a client would
    if self.reused and err ~= "timeout" then
      local cok, cerr = self:connect(self.host, self.port)
      if not cok then return nil, cerr end
      return self:request(params)
    end
    return nil, err
  end
  _M.stats.requests = _M.stats.requests + 1
  local status = tonumber(status_line:match("^HTTP/%d%.%d (%d%d%d)"))
  if not status then return nil, "bad status line: " .. status_line end
  local res_headers = {}
  while true do
    local line, herr = sock:receive("*l")
    if not line then return nil, herr end
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then
      local old = res_headers[name]
      if old == nil then res_headers[name] = value
      elseif type(old) == "table" then old[#old + 1] = value
      else res_headers[name] = { old, value } end
    end
  end
  local lower = {}
  for k, v in pairs(res_headers) do lower[k:lower()] = v end
  setmetatable(res_headers, { __index = function(_, k) return lower[k:lower()] end })
  local client = self
  self.reusable = (lower["connection"] or ""):lower() ~= "close"
  local res = { status = status, reason = status_line:match("^HTTP/%d%.%d %d%d%d ?(.*)$"), headers = res_headers }
  res.has_body = params.method ~= "HEAD" and status ~= 204 and status ~= 304
  function res.read_body()
    if not res.has_body then return "" end
    local s = client.sock
    if (lower["transfer-encoding"] or ""):lower():find("chunked", 1, true) then
      return read_chunked(s)
    end
    local len = tonumber(lower["content-length"])
    if len then
      if len == 0 then return "" end
      return s:receive(len)
    end
    client.reusable = false
    local data, rerr, partial = s:receive("*a")
    return data or partial, rerr
  end
  return res
end

function _M:read_body()
  return nil, "use res:read_body()"
end

function _M:set_keepalive(_timeout, pool_size)
  local sock = self.sock
  if not sock then return nil, "closed" end
  self.sock = nil
  if not self.reusable then
    sock:close()
    return 1
  end
  local pool = pools[self.key] or {}
  pools[self.key] = pool
  if #pool >= (pool_size or 30) then
    sock:close()
  else
    pool[#pool + 1] = sock
    _M.stats.pooled = _M.stats.pooled + 1
  end
  return 1
end

function _M:close()
  if self.sock then self.sock:close() end
  self.sock = nil
  return 1
end

function _M:request_uri(uri, params)
  params = params or {}
  local parsed, perr = self:parse_uri(uri)
  if not parsed then return nil, perr end
  local scheme, host, port, path, query = parsed[1], parsed[2], parsed[3], parsed[4], parsed[5]
  if query and query ~= "" then path = path .. "?" .. query end
  local ok, err = self:connect({ scheme = scheme, host = host, port = port })
  if not ok then return nil, err end
  local res, rerr = self:request({ method = params.method or "GET", path = params.path or path, headers = params.headers, body = params.body })
  if not res then
    self:close()
    return nil, rerr
  end
  local body, berr = res.read_body()
  if not body then
    self:close()
    return nil, berr
  end
  res.body = body
  if params.keepalive == false then
    self:close()
  else
    self:set_keepalive(params.keepalive_timeout, params.keepalive_pool)
  end
  return res
end

return _M
