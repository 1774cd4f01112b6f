-- A MessagePack decoder for the specs (the filter only encodes). bin decodes to { bin = "..." }.
local byte, sub = string.byte, string.sub

local function uint(s, pos, n)
  local v = 0
  for i = 0, n - 1 do v = v * 256 + byte(s, pos + i) end
  return v
end

local function sint(s, pos, n)
  local v = uint(s, pos, n)
  if v >= 2 ^ (8 * n - 1) then v = v - 2 ^ (8 * n) end
  return v
end

local function float64(s, pos)
  local hi, lo = uint(s, pos, 4), uint(s, pos + 4, 4)
  local sign = hi >= 2 ^ 31 and -1 or 1
  hi = hi % 2 ^ 31
  local e = math.floor(hi / 2 ^ 20)
  local m = (hi % 2 ^ 20) * 2 ^ 32 + lo
  if e == 2047 then return m == 0 and sign * math.huge or 0 / 0 end
  if e == 0 then return sign * m * 2 ^ -1074 end
  return sign * (1 + m / 2 ^ 52) * 2 ^ (e - 1023)
end

local decode

local function items(s, pos, n, map)
  local t = {}
  for i = 1, n do
    if map then
      local k, v
      k, pos = decode(s, pos)
      v, pos = decode(s, pos)
      t[k] = v
    else
      t[i], pos = decode(s, pos)
    end
  end
  return t, pos
end

decode = function(s, pos)
  pos = pos or 1
  local b = byte(s, pos)
  if b < 0x80 then return b, pos + 1 end
  if b >= 0xe0 then return b - 256, pos + 1 end
  if b >= 0xa0 and b <= 0xbf then local n = b - 0xa0; return sub(s, pos + 1, pos + n), pos + 1 + n end
  if b >= 0x90 and b <= 0x9f then return items(s, pos + 1, b - 0x90, false) end
  if b >= 0x80 and b <= 0x8f then return items(s, pos + 1, b - 0x80, true) end
  if b == 0xc0 then return nil, pos + 1 end
  if b == 0xc2 then return false, pos + 1 end
  if b == 0xc3 then return true, pos + 1 end
  local lens = { [0xc4] = 1, [0xc5] = 2, [0xc6] = 4 }
  if lens[b] then local n = uint(s, pos + 1, lens[b]); local p = pos + 1 + lens[b]; return { bin = sub(s, p, p + n - 1) }, p + n end
  lens = { [0xd9] = 1, [0xda] = 2, [0xdb] = 4 }
  if lens[b] then local n = uint(s, pos + 1, lens[b]); local p = pos + 1 + lens[b]; return sub(s, p, p + n - 1), p + n end
  if b == 0xcb then return float64(s, pos + 1), pos + 9 end
  local u = { [0xcc] = 1, [0xcd] = 2, [0xce] = 4, [0xcf] = 8 }
  if u[b] then return uint(s, pos + 1, u[b]), pos + 1 + u[b] end
  local i = { [0xd0] = 1, [0xd1] = 2, [0xd2] = 4, [0xd3] = 8 }
  if i[b] then return sint(s, pos + 1, i[b]), pos + 1 + i[b] end
  if b == 0xdc then return items(s, pos + 3, uint(s, pos + 1, 2), false) end
  if b == 0xdd then return items(s, pos + 5, uint(s, pos + 1, 4), false) end
  if b == 0xde then return items(s, pos + 3, uint(s, pos + 1, 2), true) end
  if b == 0xdf then return items(s, pos + 5, uint(s, pos + 1, 4), true) end
  error(string.format("unsupported MessagePack byte 0x%02x at %d", b, pos))
end

return function(s)
  local v, pos = decode(s, 1)
  assert(pos == #s + 1, "trailing bytes after the value")
  return v
end
