-- Unit specs for the Kong connector against the PDK double and a scripted resty.http.
local pdk = require "pdk"
local new_fake = require "fake_http"
local cjson = require "cjson.safe"

local NODE = "http://node.test:5000"
local BLOCK_VERDICT = cjson.encode({
  error = { code = 403, message = "request blocked" }, verdict = "block", blocked = true, reason = "attack",
  request_id = "c0ffee00c0ffee00c0ffee00c0ffee00",
  hits = { { type = "ptrav", point = { { "uri" } }, payload = "/etc/passwd" } },
})

local function setup(overrides)
  local fake = new_fake()
  local plugin = pdk.load_plugin("wallarm-plugin", { http = fake })
  local o = { wallarm_node_address = NODE }
  for k, v in pairs(overrides or {}) do o[k] = v end
  return plugin, pdk.config(plugin.schema, o), fake
end

describe("wallarm-plugin schema", function()
  local plugin = pdk.load_plugin("wallarm-plugin", { http = new_fake() })

  it("is named wallarm-plugin, http protocols, no consumer", function()
    assert.equal("wallarm-plugin", plugin.schema.name)
    local names = {}
    for _, f in ipairs(plugin.schema.fields) do names[#names + 1] = next(f) end
    assert.same({ "consumer", "protocols", "config" }, names)
  end)

  it("has the documented defaults", function()
    local conf = pdk.config(plugin.schema, { wallarm_node_address = NODE })
    assert.is_true(conf.blocking)
    assert.equal(1000, conf.timeout_ms)
    assert.equal("pass", conf.fallback_action)
    assert.equal(403, conf.block_status)
    assert.equal('{"error": {"code": 403, "message": "request blocked"}}', conf.block_body)
    assert.equal("application/json", conf.block_content_type)
    assert.equal(1048576, conf.request_body_limit)
    assert.is_false(conf.inspect_response)
    assert.equal(ngx.null, conf.mode)
    assert.equal(ngx.null, conf.application)
  end)

  it("requires a node URL and validates values", function()
    assert.has_error(function() pdk.config(plugin.schema, {}) end, "wallarm_node_address: required field missing")
    assert.has_error(function() pdk.config(plugin.schema, { wallarm_node_address = "node:5000" }) end)
    assert.has_error(function() pdk.config(plugin.schema, { wallarm_node_address = NODE, fallback_action = "drop" }) end)
    assert.has_error(function() pdk.config(plugin.schema, { wallarm_node_address = NODE, mode = "blocking" }) end)
    assert.has_error(function() pdk.config(plugin.schema, { wallarm_node_address = NODE, timeout_ms = 0 }) end)
    assert.has_error(function() pdk.config(plugin.schema, { wallarm_node_address = NODE, block_status = 200 }) end)
    assert.has_no_error(function()
      pdk.config(plugin.schema, { wallarm_node_address = "https://node:5000/", mode = "safe_blocking", fallback_action = "block" })
    end)
  end)

  it("handler has Kong's PRIORITY and VERSION", function()
    assert.equal(3000, plugin.handler.PRIORITY)
    assert.matches("^%d+%.%d+%.%d+$", plugin.handler.VERSION)
  end)
end)

describe("wallarm-plugin access (blocking)", function()
  it("sends the request message to /v1/inspect as JSON", function()
    local plugin, conf, fake = setup({ application = "shop", mode = "monitoring", timeout_ms = 250 })
    local r = pdk.request({
      method = "post", uri = "/search%20x?q=1%27&a=b", scheme = "https",
      headers = { Host = "shop.example.com", ["Content-Length"] = "11", ["X-Multi"] = { "a", "b" } },
      body = "hello world", client_ip = "203.0.113.10",
    })
    r:access(plugin, conf)
    assert.is_nil(r.exit)
    assert.equal(1, #fake.calls)
    local call = fake.last()
    assert.equal(NODE .. "/v1/inspect", call.uri)
    assert.equal("POST", call.params.method)
    assert.equal("application/json", call.params.headers["Content-Type"])
    assert.same({ 250, 250, 250 }, call.timeouts)
    assert.is_true(call.params.keepalive)
    assert.equal(60000, call.params.keepalive_timeout)
    assert.equal(64, call.params.keepalive_pool)
    local m = call.json
    assert.equal("POST", m.method)
    assert.equal("/search%20x?q=1%27&a=b", m.uri)
    assert.equal("shop.example.com", m.headers.host)
    assert.same({ "a", "b" }, m.headers["x-multi"])
    assert.equal("203.0.113.10", m.client_ip)
    assert.equal("shop.example.com", m.host)
    assert.equal("https", m.protocol)
    assert.equal("0123456789abcdef0123456789abcdef", m.request_id)
    assert.equal("shop", m.application)
    assert.equal("monitoring", m.mode)
    assert.equal("hello world", ngx.decode_base64(m.body))
  end)

  it("leaves unset optional fields out and sends no body without one", function()
    local plugin, conf, fake = setup()
    pdk.request({ uri = "/", headers = { host = "a" } }):access(plugin, conf)
    local m = fake.last().json
    assert.is_nil(m.application)
    assert.is_nil(m.mode)
    assert.is_nil(m.body)
    assert.is_false(fake.last().params.body:find('"mode"', 1, true) ~= nil)
  end)

  it("cuts the body at request_body_limit and sends none with limit 0", function()
    local plugin, conf, fake = setup({ request_body_limit = 4 })
    pdk.request({ method = "POST", headers = { ["content-length"] = "10" }, body = "0123456789" }):access(plugin, conf)
    assert.equal("0123", ngx.decode_base64(fake.last().json.body))
    local plugin0, conf0, fake0 = setup({ request_body_limit = 0 })
    pdk.request({ method = "POST", headers = { ["content-length"] = "10" }, body = "0123456789" }):access(plugin0, conf0)
    assert.is_nil(fake0.last().json.body)
  end)

  it("reads a body nginx buffered to a file, up to the limit", function()
    local path = os.tmpname()
    local fh = assert(io.open(path, "wb"))
    fh:write(string.rep("x", 100) .. "' or 1=1--")
    fh:close()
    local plugin, conf, fake = setup({ request_body_limit = 105 })
    pdk.request({ method = "POST", headers = { ["transfer-encoding"] = "chunked" }, body_file = path }):access(plugin, conf)
    os.remove(path)
    assert.equal(string.rep("x", 100) .. "' or ", ngx.decode_base64(fake.last().json.body))
  end)

  it("prefers Kong's request id (kong.request.get_id) over $request_id", function()
    local plugin, conf, fake = setup()
    pdk.request({ kong_request_id = "ffffffffffffffffffffffffffffffff" }):access(plugin, conf)
    assert.equal("ffffffffffffffffffffffffffffffff", fake.last().json.request_id)
  end)

  it("blocks on a 403 verdict with block_status, block_body and a JSON content type", function()
    local plugin, conf, fake = setup()
    fake.respond = function() return { status = 403, body = BLOCK_VERDICT } end
    local r = pdk.request({ uri = "/etc/passwd" })
    r:access(plugin, conf)
    assert.same({ status = 403, body = '{"error": {"code": 403, "message": "request blocked"}}',
      headers = { ["Content-Type"] = "application/json" } }, r.exit)
  end)

  it("uses a custom block answer", function()
    local plugin, conf, fake = setup({ block_status = 451, block_body = "<h1>no</h1>", block_content_type = "text/html" })
    fake.respond = function() return { status = 403, body = BLOCK_VERDICT } end
    local r = pdk.request({ uri = "/etc/passwd" })
    r:access(plugin, conf)
    assert.same({ status = 451, body = "<h1>no</h1>", headers = { ["Content-Type"] = "text/html" } }, r.exit)
  end)

  it("passes on a 200 verdict", function()
    local plugin, conf = setup()
    local r = pdk.request({ uri = "/index.html" })
    r:access(plugin, conf)
    assert.is_nil(r.exit)
    assert.equal(0, #r:logged("ERR"))
  end)

  it("accepts a node address with a path and a trailing slash", function()
    local plugin, conf, fake = setup({ wallarm_node_address = "http://node.test:5000/waf/" })
    pdk.request({}):access(plugin, conf)
    assert.equal("http://node.test:5000/waf/v1/inspect", fake.last().uri)
  end)
end)

describe("wallarm-plugin node failures", function()
  after_each(function() pdk.clock = nil end)

  it("fails open on a timeout and logs once per burst", function()
    local plugin, conf, fake = setup()
    fake.respond = function() return nil, "timeout" end
    pdk.clock = 1000
    local r1 = pdk.request({ uri = "/a" })
    r1:access(plugin, conf)
    assert.is_nil(r1.exit)
    local lines = r1:logged("ERR", "filtering node inspect failed: timeout")
    assert.equal(1, #lines)
    assert.truthy(lines[1].msg:find("fallback_action=pass", 1, true))
    for _ = 1, 3 do
      pdk.clock = pdk.clock + 1
      local r = pdk.request({ uri = "/b" })
      r:access(plugin, conf)
      assert.is_nil(r.exit)
      assert.equal(0, #r:logged("ERR"))
    end
    pdk.clock = 1000 + 10
    local r5 = pdk.request({ uri = "/c" })
    r5:access(plugin, conf)
    assert.equal(1, #r5:logged("ERR", "(3 more failure(s) not logged"))
  end)

  it("blocks on failure with fallback_action=block", function()
    local plugin, conf, fake = setup({ fallback_action = "block" })
    fake.respond = function() return nil, "connection refused" end
    local r = pdk.request({})
    r:access(plugin, conf)
    assert.equal(403, r.exit.status)
    assert.equal(1, #r:logged("ERR", "connection refused"))
  end)

  it("treats a 403 without a verdict (allowed_networks) and other statuses as node errors", function()
    local plugin, conf, fake = setup()
    local answers = {
      { status = 403, body = '{"error":{"code":403,"message":"client address not allowed"}}' },
      { status = 500, body = "oops" },
      { status = 415, body = '{"error":{"code":415,"message":"host not allowed"}}' },
    }
    for i, a in ipairs(answers) do
      pdk.clock = i * 100 -- a new burst each time, so every failure is logged
      fake.respond = function() return a end
      local r = pdk.request({})
      r:access(plugin, conf)
      assert.is_nil(r.exit)
      assert.equal(1, #r:logged("ERR", "node answered " .. a.status))
    end
    local _, confb, fakeb = setup({ fallback_action = "block" })
    fakeb.respond = function() return answers[1] end
    local pluginb = pdk.load_plugin("wallarm-plugin", { http = fakeb })
    local r = pdk.request({})
    r:access(pluginb, confb)
    assert.equal(403, r.exit.status)
  end)
end)

describe("wallarm-plugin out-of-band (blocking = false)", function()
  it("mirrors from a timer and never blocks", function()
    local plugin, conf, fake = setup({ blocking = false })
    fake.respond = function() return { status = 403, body = BLOCK_VERDICT } end
    local r = pdk.request({ uri = "/etc/passwd" })
    r:access(plugin, conf)
    assert.equal(0, #fake.calls) -- nothing on the request's path
    assert.equal(1, #pdk.timers)
    assert.equal(0, pdk.timers[1].delay)
    pdk.run_timers()
    assert.is_nil(r.exit)
    assert.equal(NODE .. "/v1/mirror", fake.last().uri)
    assert.equal("/etc/passwd", fake.last().json.uri)
  end)

  it("logs mirror failures and ignores a premature timer", function()
    local plugin, conf, fake = setup({ blocking = false })
    fake.respond = function() return nil, "connection refused" end
    local r = pdk.request({})
    r:access(plugin, conf)
    local t = table.remove(pdk.timers, 1)
    t.fn(true, unpack(t.args, 1, t.args.n))
    assert.equal(0, #fake.calls)
    t.fn(false, unpack(t.args, 1, t.args.n))
    assert.equal(1, #r:logged("ERR", "filtering node mirror failed: connection refused"))
  end)

  it("reports the response to /v1/mirror only with inspect_response", function()
    local plugin, conf, fake = setup({ blocking = false })
    local r = pdk.request({ response_status = 404 })
    r:access(plugin, conf)
    r:log(plugin, conf)
    pdk.run_timers()
    assert.equal(1, #fake.calls)
    local plugin2, conf2, fake2 = setup({ blocking = false, inspect_response = true })
    local r2 = pdk.request({ response_status = 404 })
    r2:access(plugin2, conf2)
    r2:log(plugin2, conf2)
    pdk.run_timers()
    assert.equal(2, #fake2.calls)
    local m = fake2.last().json
    assert.equal(NODE .. "/v1/mirror", fake2.last().uri)
    assert.same({ "response", "0123456789abcdef0123456789abcdef", 404 }, { m.type, m.request_id, m.status })
    assert.equal("text/plain", m.headers["content-type"])
  end)
end)

describe("wallarm-plugin log phase", function()
  it("reports the status of a request with hits to /v1/response from a timer", function()
    local plugin, conf, fake = setup()
    fake.respond = function(call)
      if call.path == "/v1/inspect" then return { status = 403, body = BLOCK_VERDICT } end
      return { status = 200, body = '{"recorded":true}' }
    end
    local r = pdk.request({ uri = "/etc/passwd" })
    r:access(plugin, conf)
    r:log(plugin, conf)
    assert.equal(1, #fake.calls)
    pdk.run_timers()
    local call = fake.last()
    assert.equal(NODE .. "/v1/response", call.uri)
    assert.same({ request_id = "c0ffee00c0ffee00c0ffee00c0ffee00", status = 403 }, call.json)
  end)

  it("stays quiet for clean requests unless inspect_response", function()
    local plugin, conf, fake = setup()
    local r = pdk.request({})
    r:access(plugin, conf)
    r:log(plugin, conf)
    assert.equal(0, pdk.run_timers())
    assert.equal(1, #fake.calls)

    local plugin2, conf2, fake2 = setup({ inspect_response = true })
    local r2 = pdk.request({ response_status = 201, response_headers = { ["set-cookie"] = "s=1" } })
    r2:access(plugin2, conf2)
    r2:log(plugin2, conf2)
    pdk.run_timers()
    local m = fake2.last().json
    assert.equal(201, m.status)
    assert.equal("s=1", m.headers["set-cookie"])
  end)

  it("reports nothing when the node was not reached", function()
    local plugin, conf, fake = setup({ inspect_response = true })
    fake.respond = function() return nil, "timeout" end
    local r = pdk.request({})
    r:access(plugin, conf)
    r:log(plugin, conf)
    assert.equal(0, pdk.run_timers())
  end)
end)
