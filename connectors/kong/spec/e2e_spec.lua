-- End-to-end: the plugin (both shipped names) calls a REAL Portcullis filtering node on loopback
-- through the LuaSocket resty.http double. Driven by test/integration/connectors/kong-lua.test.ts,
-- which starts the node and a server that accepts connections and never answers, and passes:
--   PORTCULLIS_NODE_URL  http://127.0.0.1:<port>     (a running node, mode block)
--   PORTCULLIS_HANG_URL  http://127.0.0.1:<port>     (accepts, never answers)
--   PORTCULLIS_DOWN_URL  http://127.0.0.1:<port>     (nothing listens)
local pdk = require "pdk"
local http = pdk.socket_http()
local cjson = require "cjson.safe"
local socket = require "socket"

local NODE = os.getenv("PORTCULLIS_NODE_URL")
local HANG = os.getenv("PORTCULLIS_HANG_URL")
local DOWN = os.getenv("PORTCULLIS_DOWN_URL")

math.randomseed(os.time())
local seq = 0
local function new_id()
  seq = seq + 1
  return string.format("%08x%08x%016x", os.time() % 0xffffffff, math.random(0, 0x7fffffff), seq)
end

local function get_json(url)
  local res, err = http.new():request_uri(url, { method = "GET", keepalive = false })
  assert(res, err)
  return res.status, cjson.decode(res.body)
end

local function hits_for(id, want, deadline_s)
  local stop = socket.gettime() + (deadline_s or 3)
  repeat
    local status, body = get_json(NODE .. "/v1/hits?request_id=" .. id)
    assert.equal(200, status)
    if #body.data >= (want or 1) then return body.data end
    socket.sleep(0.05)
  until socket.gettime() > stop
  return {}
end

for _, name in ipairs({ "wallarm-plugin", "kong-lua" }) do
  describe(name .. " against a real node #e2e", function()
    local plugin

    setup(function()
      assert(NODE and HANG and DOWN, "set PORTCULLIS_NODE_URL, PORTCULLIS_HANG_URL and PORTCULLIS_DOWN_URL "
        .. "(run through test/integration/connectors/kong-lua.test.ts)")
      http.reset()
      plugin = pdk.load_plugin(name) -- resty.http = the LuaSocket double
    end)

    local function conf(o)
      local c = { wallarm_node_address = NODE }
      for k, v in pairs(o or {}) do c[k] = v end
      return pdk.config(plugin.schema, c)
    end

    it("blocks /etc/passwd with the 403 JSON body, and reports the status", function()
      local id = new_id()
      local c = conf()
      local r = pdk.request({ uri = "/download?file=../../../../etc/passwd", request_id = id,
        headers = { Host = "shop.example.com", ["User-Agent"] = "curl/8" }, client_ip = "203.0.113.10" })
      r:access(plugin, c)
      assert.is_table(r.exit, "expected the request to be blocked")
      assert.equal(403, r.exit.status)
      assert.same({ error = { code = 403, message = "request blocked" } }, cjson.decode(r.exit.body))
      assert.equal("application/json", r.exit.headers["Content-Type"])
      r:log(plugin, c)
      assert.equal(1, pdk.run_timers())
      local hits = hits_for(id)
      assert.equal("ptrav", hits[1].type)
      assert.equal("blocked", hits[1].verdict)
      assert.equal("203.0.113.10", hits[1].client_ip)
      local deadline = socket.gettime() + 3
      while (hits[1].response_status == nil or hits[1].response_status == cjson.null) and socket.gettime() < deadline do
        socket.sleep(0.05)
        hits = hits_for(id)
      end
      assert.equal(403, hits[1].response_status)
    end)

    it("blocks an attack in a POST body (base64 in JSON)", function()
      local body = "user=admin&q=1' UNION SELECT password FROM users--"
      local r = pdk.request({ method = "POST", uri = "/login", request_id = new_id(),
        headers = { Host = "shop.example.com", ["Content-Type"] = "application/x-www-form-urlencoded", ["Content-Length"] = tostring(#body) },
        body = body })
      r:access(plugin, conf())
      assert.is_table(r.exit)
      assert.equal(403, r.exit.status)
    end)

    it("passes a benign request without logging errors, reusing the kept-alive connection", function()
      local c = conf()
      local before = http.stats.reused
      for i = 1, 3 do
        local r = pdk.request({ uri = "/products?page=" .. i, request_id = new_id(), headers = { Host = "shop.example.com" } })
        r:access(plugin, c)
        assert.is_nil(r.exit)
        assert.equal(0, #r:logged("ERR"))
      end
      assert.is_true(http.stats.reused > before)
    end)

    it("fails open within timeout_ms when the node hangs", function()
      local c = conf({ wallarm_node_address = HANG, timeout_ms = 300 })
      local r = pdk.request({ uri = "/etc/passwd", request_id = new_id() })
      local t0 = socket.gettime()
      r:access(plugin, c)
      local elapsed = (socket.gettime() - t0) * 1000
      assert.is_nil(r.exit)
      assert.is_true(elapsed >= 250 and elapsed < 300 + 400, "took " .. elapsed .. " ms")
      assert.equal(1, #r:logged("ERR", "inspect failed: timeout"))
    end)

    it("blocks when the node hangs and fallback_action = block", function()
      local c = conf({ wallarm_node_address = HANG, timeout_ms = 200, fallback_action = "block" })
      local r = pdk.request({ uri = "/", request_id = new_id() })
      r:access(plugin, c)
      assert.equal(403, r.exit and r.exit.status)
    end)

    it("fails open at once when nothing listens", function()
      local c = conf({ wallarm_node_address = DOWN, timeout_ms = 1000 })
      local r = pdk.request({ uri = "/etc/passwd", request_id = new_id() })
      local t0 = socket.gettime()
      r:access(plugin, c)
      assert.is_nil(r.exit)
      assert.is_true(socket.gettime() - t0 < 1.0)
    end)

    it("mirrors out-of-band (blocking = false): passes, and the node records a monitored hit", function()
      local id = new_id()
      local c = conf({ blocking = false })
      local r = pdk.request({ uri = "/static/../../etc/passwd", request_id = id, headers = { Host = "shop.example.com" } })
      r:access(plugin, c)
      assert.is_nil(r.exit)
      assert.equal(1, pdk.run_timers())
      local hits = hits_for(id)
      assert.equal(1, #hits)
      assert.equal("monitored", hits[1].verdict)
    end)
  end)
end
