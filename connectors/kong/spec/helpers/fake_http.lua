-- A scripted stand-in for resty.http in unit specs: records every call and answers with
-- `fake.respond(call)` -> res table ({status, body, headers}) or nil, err.
local cjson = require "cjson.safe"

local function new_fake()
  local fake = { calls = {}, keepalive = {} }
  fake.respond = function() return { status = 200, body = '{"verdict":"pass","blocked":false,"hits":[]}' } end

  local client = {}
  client.__index = client
  function fake.new() return setmetatable({ timeouts = nil }, client) end
  function client:set_timeout(ms) self.timeouts = { ms, ms, ms } end
  function client:set_timeouts(c, s, r) self.timeouts = { c, s, r } end
  function client:request_uri(uri, params)
    local call = { uri = uri, params = params, timeouts = self.timeouts }
    call.path = uri:match("^%a+://[^/]+(/.*)$") or "/"
    call.json = params.body and cjson.decode(params.body)
    table.insert(fake.calls, call)
    local res, err = fake.respond(call)
    if res and res.headers == nil then res.headers = {} end
    return res, err
  end
  function fake.last() return fake.calls[#fake.calls] end
  return fake
end

return new_fake
