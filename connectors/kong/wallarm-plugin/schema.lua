-- Portcullis connector for Kong 3.x: configuration schema.
-- Copyright Portcullis contributors. Licensed under the Apache License, Version 2.0.
--
-- The same file ships as `wallarm-plugin` (Kong) and `kong-lua` (Kong Ingress Controller); only the
-- PLUGIN_NAME line differs (connectors/build.mjs writes the copy). Field names follow the
-- configuration users already write for Wallarm's connector (docs/connectors/kong.md).
local typedefs = require "kong.db.schema.typedefs"

local PLUGIN_NAME = "wallarm-plugin"

local MODES = { "off", "monitoring", "safe_blocking", "block" }

return {
  name = PLUGIN_NAME,
  fields = {
    { consumer = typedefs.no_consumer },
    { protocols = typedefs.protocols_http },
    { config = {
        type = "record",
        fields = {
          -- the connector's own settings
          { blocking = { type = "boolean", required = true, default = true,
              description = "Wait for the node's verdict (in-line). false sends a copy to /v1/mirror and never delays the request." } },
          { wallarm_node_address = typedefs.url { required = true,
              description = "Filtering node URL, e.g. http://portcullis-node.portcullis.svc.cluster.local:5000" } },
          { timeout_ms = { type = "integer", required = true, default = 1000, between = { 1, 60000 },
              description = "Connect, send and read timeout for each call to the node." } },
          -- Portcullis additions, with safe defaults
          { fallback_action = { type = "string", required = true, default = "pass", one_of = { "pass", "block" },
              description = "What to do when the node times out, is unreachable or answers neither 200 nor 403." } },
          { mode = { type = "string", required = false, one_of = MODES,
              description = "Overrides the node's filtration mode for requests through this plugin instance." } },
          { application = { type = "string", required = false } },
          { request_body_limit = { type = "integer", required = true, default = 1048576, between = { 0, 67108864 },
              description = "Bytes of the request body sent for inspection (0: none)." } },
          { inspect_response = { type = "boolean", required = true, default = false,
              description = "Report every response (status and headers) to the node, not only those of requests with hits." } },
          { block_status = { type = "integer", required = true, default = 403, between = { 400, 599 } } },
          { block_body = { type = "string", required = true, len_min = 0,
              default = '{"error": {"code": 403, "message": "request blocked"}}' } },
          { block_content_type = { type = "string", required = true, default = "application/json" } },
          { ssl_verify = { type = "boolean", required = true, default = true,
              description = "Verify the node's certificate when wallarm_node_address is https." } },
          { keepalive_timeout_ms = { type = "integer", required = true, default = 60000, between = { 0, 3600000 } } },
          { keepalive_pool_size = { type = "integer", required = true, default = 64, between = { 1, 10000 } } },
        },
    } },
  },
}
