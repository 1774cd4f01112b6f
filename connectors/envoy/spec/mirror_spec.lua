-- Unit specs: the MessagePack encoder, and the mirror filter against the Envoy stream-handle double
-- with in-process "clusters" that capture what would be sent.
local mp = require "portcullis_msgpack"
local decode = require "msgpack_decode"
local E = require "envoy_double"

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

describe("portcullis_msgpack", function()
  it("encodes scalars in their smallest form", function()
    local cases = {
      { 0, "00" }, { 127, "7f" }, { 128, "cc80" }, { 255, "ccff" }, { 256, "cd0100" }, { 65535, "cdffff" },
      { 65536, "ce00010000" }, { 4294967296, "cf0000000100000000" }, { -1, "ff" }, { -32, "e0" },
      { -33, "d0df" }, { -128, "d080" }, { -129, "d1ff7f" }, { -32769, "d2ffff7fff" },
      { -2147483649, "d3ffffffff7fffffff" }, { 1.5, "cb3ff8000000000000" }, { -0.1, "cbbfb999999999999a" },
      { 1e300, "cb7e37e43c8800759c" }, { 5e-324, "cb0000000000000001" }, { true, "c3" }, { false, "c2" },
      { "", "a0" }, { "abc", "a3616263" },
    }
    for _, c in ipairs(cases) do assert.equal(c[2], hex(mp.encode(c[1])), tostring(c[1])) end
    assert.equal("c0", hex(mp.encode(nil)))
  end)

  it("encodes strings, bin, arrays and maps with the right headers", function()
    assert.equal("bf", hex(mp.encode(string.rep("x", 31))):sub(1, 2))
    assert.equal("d920", hex(mp.encode(string.rep("x", 32))):sub(1, 4))
    assert.equal("da0100", hex(mp.encode(string.rep("x", 256))):sub(1, 6))
    assert.equal("db00010000", hex(mp.encode(string.rep("x", 65536))):sub(1, 10))
    assert.equal("c403000102", hex(mp.encode(mp.bin("\0\1\2"))))
    assert.equal("c50100", hex(mp.encode(mp.bin(string.rep("\0", 256)))):sub(1, 6))
    assert.equal("93010203", hex(mp.encode({ 1, 2, 3 })))
    assert.equal("dc0010", hex(mp.encode({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 })):sub(1, 6))
    assert.equal("80", hex(mp.encode({})))
    assert.equal("90", hex(mp.encode(mp.array({}))))
    assert.equal("81a161" .. "01", hex(mp.encode({ a = 1 })))
  end)

  it("round-trips nested values through a decoder", function()
    local v = { method = "POST", headers = { host = "a", ["x-multi"] = { "1", "2" } }, n = -70000, f = 0.25, ok = true }
    assert.same(v, decode(mp.encode(v)))
    assert.same({ body = { bin = "\255\0binary" } }, decode(mp.encode({ body = mp.bin("\255\0binary") })))
  end)

  it("refuses cycles and functions", function()
    local t = {}
    t.self = t
    assert.has_error(function() mp.encode(t) end, "portcullis_msgpack: cannot encode a cycle")
    assert.has_error(function() mp.encode({ f = print }) end, "portcullis_msgpack: cannot encode a function")
  end)
end)

describe("portcullis_mirror", function()
  local mirror_mod = require "portcullis_mirror"
  local sent

  before_each(function()
    mirror_mod._reset_log()
    sent = {}
    E.clusters = { node = function(headers, body) table.insert(sent, { headers = headers, msg = decode(body) }); return 202, "{}" end }
  end)

  local function new(opts)
    local o = { cluster = "node", authority = "portcullis-node.portcullis.svc.cluster.local" }
    for k, v in pairs(opts or {}) do o[k] = v end
    return mirror_mod.new(o)
  end

  it("mirrors the request asynchronously as MessagePack, without touching the stream", function()
    local m = new({ application = "shop" })
    local s = E.stream({
      method = "POST", path = "/login?next=%2F", remote = "203.0.113.7:40000",
      headers = { { "x-request-id", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0" }, { "content-length", "12" },
                  { "cookie", "a=1" }, { "cookie", "b=2" } },
      body_chunks = { "user=", "admin&x=1" },
    })
    m.on_request(s.request)
    assert.equal(1, #s.calls)
    local call = s.calls[1]
    assert.equal("node", call.cluster)
    assert.is_true(call.asynchronous)
    assert.equal(1000, call.timeout_ms)
    assert.same({ [":method"] = "POST", [":path"] = "/v1/mirror", [":authority"] = "portcullis-node.portcullis.svc.cluster.local",
      ["content-type"] = "application/msgpack" }, call.headers)
    local msg = sent[1].msg
    assert.equal("request", msg.type)
    assert.equal("POST", msg.method)
    assert.equal("/login?next=%2F", msg.uri)
    assert.equal("shop.example.com", msg.host)
    assert.equal("shop.example.com", msg.headers.host)
    assert.same({ "a=1", "b=2" }, msg.headers.cookie)
    assert.is_nil(msg.headers[":path"])
    assert.equal("203.0.113.7", msg.client_ip)
    assert.equal("0f1e2d3c4b5a69788796a5b4c3d2e1f0", msg.request_id)
    assert.equal("http", msg.protocol)
    assert.equal("shop", msg.application)
    assert.same({ bin = "user=admin&x=1" }, msg.body)
    assert.same({}, s.mutations)
    assert.is_false(s.buffered)
    assert.same({}, s.logs)
  end)

  it("copies at most body_limit bytes and stops reading there", function()
    local m = new({ body_limit = 7 })
    local s = E.stream({ method = "PUT", headers = { { "transfer-encoding", "chunked" } }, body_chunks = { "abcd", "efgh", "ijkl" } })
    m.on_request(s.request)
    assert.same({ bin = "abcdefg" }, sent[1].msg.body)
    local m0 = new({ body_limit = 0 })
    local s0 = E.stream({ method = "PUT", headers = { { "content-length", "4" } }, body_chunks = { "abcd" } })
    m0.on_request(s0.request)
    assert.is_nil(sent[2].msg.body)
  end)

  it("mirrors the response status under the request's id", function()
    local m = new({ response_headers = true })
    local s = E.stream({ path = "/x", status = 404, headers = { { "x-request-id", "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" } },
      response_headers = { { "content-type", "text/html" } } })
    m.on_request(s.request)
    m.on_response(s.response)
    assert.equal(2, #sent)
    local r = sent[2].msg
    assert.same({ "response", "6f1e2d3c4b5a69788796a5b4c3d2e1f0", 404 }, { r.type, r.request_id, r.status })
    assert.equal("text/html", r.headers["content-type"])
    assert.is_nil(r.headers[":status"])
    assert.same({}, s.mutations)
  end)

  it("makes up a 32-hex request id when there is no usable x-request-id", function()
    local m = new()
    local s = E.stream({ headers = { { "x-request-id", "not-an-id" } } })
    m.on_request(s.request)
    assert.matches("^%x+$", sent[1].msg.request_id)
    assert.equal(32, #sent[1].msg.request_id)
    m.on_response(s.response)
    assert.equal(sent[1].msg.request_id, sent[2].msg.request_id)
  end)

  it("never raises: an unknown cluster is logged once per burst, and the stream is untouched", function()
    local m = new({ cluster = "missing" })
    local s1 = E.stream({})
    assert.has_no_error(function() m.on_request(s1.request) end)
    assert.has_no_error(function() m.on_response(s1.response) end)
    assert.equal(1, #s1.logs)
    assert.equal("Warn", s1.logs[1].level)
    assert.truthy(s1.logs[1].msg:find("request mirror failed", 1, true))
    local s2 = E.stream({})
    m.on_request(s2.request)
    assert.equal(0, #s2.logs)
    assert.same({}, s1.mutations)
    assert.same({}, s2.mutations)
  end)

  it("rejects unknown options", function()
    assert.has_error(function() mirror_mod.new({ clustr = "x" }) end)
  end)
end)
