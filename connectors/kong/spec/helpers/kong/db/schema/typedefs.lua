-- A double of kong.db.schema.typedefs: the few typedefs the connector's schema uses, with Kong's
-- shapes (a typedef is a field definition that can be called with overrides).
local Typedef = {}

local function typedef(def)
  return setmetatable(def, {
    __call = function(self, overrides)
      local out = {}
      for k, v in pairs(self) do out[k] = v end
      for k, v in pairs(overrides or {}) do out[k] = v end
      return out
    end,
  })
end

local function validate_url(v)
  local scheme, host = v:match("^(%a[%w+.-]*)://([^/?#]+)")
  if not scheme then return nil, "missing URL scheme" end
  if scheme ~= "http" and scheme ~= "https" then return nil, "unsupported URL scheme " .. scheme end
  if host == "" then return nil, "missing host in url" end
  return true
end

Typedef.no_consumer = typedef { type = "foreign", reference = "consumers", eq = ngx and ngx.null or nil }
Typedef.protocols_http = typedef {
  type = "set", required = true, default = { "grpc", "grpcs", "http", "https" },
  elements = { type = "string", one_of = { "grpc", "grpcs", "http", "https" } },
}
Typedef.url = typedef { type = "string", custom_validator = validate_url }

return Typedef
