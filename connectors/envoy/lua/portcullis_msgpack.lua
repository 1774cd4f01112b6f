-- portcullis_msgpack: a small pure-Lua MessagePack encoder (Lua 5.1 / LuaJIT, no C modules, no `bit`).
-- Copyright Portcullis contributors. Licensed under the Apache License, Version 2.0.
--
--   local mp = require "portcullis_msgpack"
--   mp.encode({ method = "GET", body = mp.bin(bytes), n = 1, list = { "a", "b" } })
--
-- nil -> nil, booleans, integers (smallest form), other numbers -> float 64, strings -> str,
-- mp.bin(s) -> bin, tables with keys 1..n -> array, other tables -> map (an empty table is an empty
-- map; mp.array(t) forces an array). Cycles and unsupported types raise an error.
local char, floor, concat, frexp = string.char, math.floor, table.concat, math.frexp
local huge = math.huge

local M = { _VERSION = "1.0.0" }

local BIN = {}
local ARRAY = {}

--- Marks a string as binary (MessagePack bin rather than str).
function M.bin(s) return setmetatable({ s }, BIN) end
--- Marks a table as an array even when it is empty.
function M.array(t) return setmetatable(t, ARRAY) end

-- big-endian unsigned integer, `bytes` long (exact for values below 2^53)
local function be(n, bytes)
  local t = {}
  for i = bytes, 1, -1 do
    t[i] = n % 256
    n = floor(n / 256)
  end
  return char(unpack(t))
end

local function encode_float(n)
  if n ~= n then return "\203\127\248\0\0\0\0\0\0" end
  if n == huge then return "\203\127\240\0\0\0\0\0\0" end
  if n == -huge then return "\203\255\240\0\0\0\0\0\0" end
  local sign = 0
  if n < 0 or (n == 0 and 1 / n < 0) then sign, n = 1, -n end
  local hi, lo
  if n == 0 then
    hi, lo = 0, 0
  else
    local m, e = frexp(n) -- n = m * 2^e, 0.5 <= m < 1
    local biased = e + 1022
    local mantissa
    if biased <= 0 then -- subnormal
      mantissa = n * 2 ^ 1000 * 2 ^ 74 -- in two steps: 2^1074 alone overflows
      biased = 0
    else
      mantissa = (m * 2 - 1) * 2 ^ 52
    end
    hi = biased * 2 ^ 20 + floor(mantissa / 2 ^ 32)
    lo = mantissa % 2 ^ 32
  end
  return "\203" .. be(sign * 2 ^ 31 + hi, 4) .. be(lo, 4)
end

local function encode_int(n)
  if n >= 0 then
    if n < 128 then return char(n) end
    if n < 256 then return "\204" .. char(n) end
    if n < 65536 then return "\205" .. be(n, 2) end
    if n < 4294967296 then return "\206" .. be(n, 4) end
    return "\207" .. be(n, 8)
  end
  if n >= -32 then return char(256 + n) end
  if n >= -128 then return "\208" .. char(256 + n) end
  if n >= -32768 then return "\209" .. be(65536 + n, 2) end
  if n >= -2147483648 then return "\210" .. be(4294967296 + n, 4) end
  local hi = floor(n / 4294967296)
  return "\211" .. be(hi + 4294967296, 4) .. be(n - hi * 4294967296, 4)
end

local function encode_number(n)
  if n % 1 == 0 and n > -9007199254740992 and n < 9007199254740992 then return encode_int(n) end
  return encode_float(n)
end

local function header(len, fix_base, fix_max, c8, c16, c32)
  if fix_base and len <= fix_max then return char(fix_base + len) end
  if c8 and len < 256 then return char(c8, len) end
  if len < 65536 then return char(c16) .. be(len, 2) end
  return char(c32) .. be(len, 4)
end

local encode_value

local function is_array(t)
  if getmetatable(t) == ARRAY then return true, #t end
  local n = #t
  if n == 0 then return false, 0 end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n, n
end

local function encode_table(t, out, seen)
  if seen[t] then error("portcullis_msgpack: cannot encode a cycle", 0) end
  seen[t] = true
  if getmetatable(t) == BIN then
    local s = t[1]
    out[#out + 1] = header(#s, nil, nil, 0xc4, 0xc5, 0xc6)
    out[#out + 1] = s
  else
    local arr, n = is_array(t)
    if arr then
      out[#out + 1] = header(n, 0x90, 15, nil, 0xdc, 0xdd)
      for i = 1, n do encode_value(t[i], out, seen) end
    else
      local keys = {}
      for k, v in pairs(t) do
        if v ~= nil then keys[#keys + 1] = k end
      end
      out[#out + 1] = header(#keys, 0x80, 15, nil, 0xde, 0xdf)
      for _, k in ipairs(keys) do
        encode_value(k, out, seen)
        encode_value(t[k], out, seen)
      end
    end
  end
  seen[t] = nil
end

encode_value = function(v, out, seen)
  local tv = type(v)
  if v == nil then out[#out + 1] = "\192"
  elseif tv == "boolean" then out[#out + 1] = v and "\195" or "\194"
  elseif tv == "number" then out[#out + 1] = encode_number(v)
  elseif tv == "string" then
    out[#out + 1] = header(#v, 0xa0, 31, 0xd9, 0xda, 0xdb)
    out[#out + 1] = v
  elseif tv == "table" then encode_table(v, out, seen)
  else error("portcullis_msgpack: cannot encode a " .. tv, 0) end
end

--- The MessagePack encoding of `v`, as a string of bytes.
function M.encode(v)
  local out = {}
  encode_value(v, out, {})
  return concat(out)
end

return M
