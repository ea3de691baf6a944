-- Shared by the load benchmark's wrk scripts: a seeded generator that gives both servers the same
-- request sequence, parameters from the environment, and the one result line run.sh parses.
local M = {}

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("wrk script: environment variable " .. name .. " is not set") end
    return default
  end
  return v
end

function M.num(name, default)
  return tonumber(M.env(name, default and tostring(default)))
end

-- Park-Miller minimal standard generator: every product stays below 2^53, so it is exact in
-- LuaJIT's doubles and does not depend on the C library's rand().
function M.rng(seed)
  local x = seed % 2147483646 + 1
  return function(n)
    x = (x * 16807) % 2147483647
    return x % n
  end
end

-- A random permutation of 0..n-1 (Fisher-Yates), as a 1-based array.
function M.permutation(n, seed)
  local rand, p = M.rng(seed), {}
  for i = 1, n do p[i] = i - 1 end
  for i = n, 2, -1 do
    local j = rand(i) + 1
    p[i], p[j] = p[j], p[i]
  end
  return p
end

-- Wall clock in microseconds (LuaJIT's FFI; os.time() has whole seconds only).
local ffi = require("ffi")
ffi.cdef [[
  struct bench_timespec { long tv_sec; long tv_nsec; };
  int clock_gettime(int clock, struct bench_timespec *ts);
]]
local ts = ffi.new("struct bench_timespec")
function M.now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

-- Threads are numbered in setup() (which runs in the main Lua state) so each can take its own
-- share of a sequence; the count comes from run.sh because setup() cannot see wrk's -t. The
-- thread objects are kept for done(), which reads when each one started and stopped.
local next_index, threads = 0, {}
function M.setup(thread)
  thread:set("thread_index", next_index)
  thread:set("thread_count", M.num("BENCH_WRK_THREADS"))
  next_index = next_index + 1
  threads[#threads + 1] = thread
end

-- wrk's own duration is always its -d, even when every thread stopped early because its share of
-- a walk was used up; then the run really lasted from the first request to the last stop.
local function duration_us(summary)
  local first, last = nil, nil
  for _, t in ipairs(threads) do
    local started, stopped = t:get("started_us"), t:get("stopped_us")
    if not started or not stopped then return summary.duration end
    first = first and math.min(first, started) or started
    last = last and math.max(last, stopped) or stopped
  end
  if not first then return summary.duration end
  return math.min(summary.duration, last - first)
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.0f " ..
    "max_us=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d " ..
    "wrk_duration_us=%d\n",
    summary.requests, duration_us(summary), summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max, e.connect, e.read,
    e.write, e.status, e.timeout, summary.duration))
end

return M
