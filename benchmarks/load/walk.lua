-- Cold tile walk: every tile of one pyramid level exactly once, in a seeded random order, so no
-- request can hit a server's tile cache. Thread k of T takes permutation entries k, k+T, ...; a
-- thread stops when its share is answered (or at wrk's -d, whichever comes first).
-- Environment: WALK_MODE (iiif | jtl), WALK_ID (image identifier), WALK_WIDTH, WALK_HEIGHT (full
-- resolution size), WALK_SCALE (level's downscale factor, 1 = full resolution), WALK_RES (IIP
-- resolution number of that level, for jtl), WALK_TILE (256), WALK_SEED, BENCH_PREFIX.
local dir = os.getenv("BENCH_LUA_DIR") or "."
local common = dofile(dir .. "/common.lua")
setup = common.setup
done = common.done

local paths, pos = {}, 0

function init(args)
  local mode = common.env("WALK_MODE")
  local id = common.env("WALK_ID")
  local width, height = common.num("WALK_WIDTH"), common.num("WALK_HEIGHT")
  local scale, tile = common.num("WALK_SCALE", 1), common.num("WALK_TILE", 256)
  local prefix = common.env("BENCH_PREFIX", "/fcgi-bin/iipsrv.fcgi")
  local span = tile * scale
  local cols, rows = math.ceil(width / span), math.ceil(height / span)
  local perm = common.permutation(cols * rows, common.num("WALK_SEED", 1))
  local res = (mode == "jtl") and common.num("WALK_RES") or 0
  for i = thread_index + 1, #perm, thread_count do
    local n = perm[i]
    local col, row = n % cols, math.floor(n / cols)
    if mode == "jtl" then
      paths[#paths + 1] = string.format("%s?FIF=%s&JTL=%d,%d", prefix, id, res, n)
    else
      local x, y = col * span, row * span
      local w, h = math.min(span, width - x), math.min(span, height - y)
      paths[#paths + 1] = string.format("%s?IIIF=%s/%d,%d,%d,%d/%d,/0/default.jpg", prefix, id, x,
                                        y, w, h, math.ceil(w / scale))
    end
  end
end

-- A thread stops when it has as many responses as its share has tiles. Until then, connections
-- that find the share used up repeat its first tile rather than stop early and drop the answers
-- in flight; at most (connections per thread - 1) of these repeats are counted, under 1 % of a
-- full-size walk.
function request()
  if pos == 0 then started_us = common.now_us() end
  pos = pos + 1
  return wrk.format(nil, paths[pos] or paths[1])
end

local received = 0
function response(status, headers, body)
  received = received + 1
  if received == #paths then
    stopped_us = common.now_us()
    wrk.thread:stop()
  end
end
