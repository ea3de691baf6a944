-- Region export: REGION_SIZE square regions (default 4000) at seeded random positions, scaled to
-- REGION_OUT pixels wide (default 1024). Each thread has its own seed, the same for both servers.
-- Environment: REGION_ID, REGION_WIDTH, REGION_HEIGHT (image size), REGION_SEED, BENCH_PREFIX.
local dir = os.getenv("BENCH_LUA_DIR") or "."
local common = dofile(dir .. "/common.lua")
setup = common.setup
done = common.done

local rand, fmt

function init(args)
  local id = common.env("REGION_ID")
  local width, height = common.num("REGION_WIDTH"), common.num("REGION_HEIGHT")
  local size, out = common.num("REGION_SIZE", 4000), common.num("REGION_OUT", 1024)
  local prefix = common.env("BENCH_PREFIX", "/fcgi-bin/iipsrv.fcgi")
  rand = common.rng(common.num("REGION_SEED", 1) * 1000 + thread_index)
  local max_x, max_y = width - size + 1, height - size + 1
  fmt = function()
    return string.format("%s?IIIF=%s/%d,%d,%d,%d/%d,/0/default.jpg", prefix, id, rand(max_x),
                         rand(max_y), size, size, out)
  end
end

function request()
  return wrk.format(nil, fmt())
end
