-- End-to-end: the mirror filter, through the Envoy double whose httpCall posts with LuaSocket, feeds a
-- REAL Portcullis node. Driven by test/integration/connectors/envoy-lua.test.ts, which passes
--   PORTCULLIS_NODE_URL  http://127.0.0.1:<port>  (a running node)
--   PORTCULLIS_DOWN_URL  http://127.0.0.1:<port>  (nothing listens)
local E = require "envoy_double"
local socket = require "socket"
local socket_http = require "socket.http"
local cjson = require "cjson.safe"
local mirror_mod = require "portcullis_mirror"

local NODE = os.getenv("PORTCULLIS_NODE_URL")
local DOWN = os.getenv("PORTCULLIS_DOWN_URL")

math.randomseed(os.time())
local function uuid()
  local h = {}
  for i = 1, 32 do h[i] = string.format("%x", math.random(0, 15)) end
  local s = table.concat(h)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32), s
end

local function hits_for(id, want_status)
  local stop = socket.gettime() + 3
  repeat
    socket_http.TIMEOUT = 2
    local body, code = socket_http.request(NODE .. "/v1/hits?request_id=" .. id)
    assert.equal(200, code)
    local page = cjson.decode(body)
    local h = page.data[1]
    if h and (not want_status or h.response_status == want_status) then return page.data end
    socket.sleep(0.05)
  until socket.gettime() > stop
  return {}
end

describe("portcullis_mirror against a real node #e2e", function()
  setup(function()
    assert(NODE and DOWN, "set PORTCULLIS_NODE_URL and PORTCULLIS_DOWN_URL (run through test/integration/connectors/envoy-lua.test.ts)")
    E.clusters = { ["outbound|5000||portcullis-node"] = NODE, down = DOWN }
    mirror_mod._reset_log()
  end)

  local function mirror(cluster, opts)
    local o = { cluster = cluster, authority = "portcullis-node" }
    for k, v in pairs(opts or {}) do o[k] = v end
    return mirror_mod.new(o)
  end

  it("mirrors /etc/passwd: the node records a monitored hit with the response status", function()
    local m = mirror("outbound|5000||portcullis-node")
    local rid, hexid = uuid()
    local s = E.stream({ path = "/files?name=../../../../etc/passwd", remote = "198.51.100.23:51515",
      headers = { { "x-request-id", rid }, { "user-agent", "curl/8.5.0" } }, status = 404 })
    m.on_request(s.request)
    m.on_response(s.response)
    assert.equal(2, #s.calls)
    for _, c in ipairs(s.calls) do assert.equal(202, c.result.status, tostring(c.result.body)) end
    local hits = hits_for(hexid, 404)
    assert.is_true(#hits >= 1)
    for _, h in ipairs(hits) do -- one per point (query parameter, URI)
      assert.equal("ptrav", h.type)
      assert.equal("monitored", h.verdict)
      assert.is_true(h.oob)
      assert.equal("198.51.100.23", h.client_ip)
      assert.equal("shop.example.com", h.host)
    end
    assert.equal(404, hits[1].response_status)
    assert.same({}, s.mutations)
    assert.is_false(s.buffered)
  end)

  it("mirrors a body (MessagePack bin) the node analyses", function()
    local m = mirror("outbound|5000||portcullis-node")
    local rid, hexid = uuid()
    local body = "q=1' UNION SELECT password FROM users--"
    local s = E.stream({ method = "POST", path = "/search",
      headers = { { "x-request-id", rid }, { "content-type", "application/x-www-form-urlencoded" }, { "content-length", tostring(#body) } },
      body_chunks = { body:sub(1, 10), body:sub(11) } })
    m.on_request(s.request)
    local hits = hits_for(hexid)
    assert.equal("sqli", hits[1] and hits[1].type)
    assert.equal("monitored", hits[1].verdict)
  end)

  it("a benign request leaves no hit", function()
    local m = mirror("outbound|5000||portcullis-node")
    local rid, hexid = uuid()
    local s = E.stream({ path = "/products?page=2", headers = { { "x-request-id", rid } } })
    m.on_request(s.request)
    m.on_response(s.response)
    assert.equal(202, s.calls[1].result.status)
    socket.sleep(0.2)
    socket_http.TIMEOUT = 2
    local body = socket_http.request(NODE .. "/v1/hits?request_id=" .. hexid)
    assert.equal(0, cjson.decode(body).total)
  end)

  it("a node that is down changes nothing for the client", function()
    local m = mirror("down")
    local rid = uuid()
    local s = E.stream({ method = "POST", path = "/etc/passwd", headers = { { "x-request-id", rid }, { "content-length", "3" } },
      body_chunks = { "a=1" }, status = 200 })
    local t0 = socket.gettime()
    assert.has_no_error(function()
      m.on_request(s.request)
      m.on_response(s.response)
    end)
    assert.is_true(socket.gettime() - t0 < 1)
    assert.equal(2, #s.calls)
    assert.is_nil(s.calls[1].result.status) -- the call failed, and nobody saw it
    assert.same({}, s.mutations)
    assert.is_false(s.buffered)
    assert.same({}, s.logs) -- asynchronous calls report nothing back to the filter
  end)
end)
