-- One fixed URL (wrk's own argument): the hot tile and info.json workloads. No request()
-- callback, so wrk reuses one prebuilt request and costs the least CPU per request.
local dir = os.getenv("BENCH_LUA_DIR") or "."
local common = dofile(dir .. "/common.lua")
done = common.done
