-- Shared by every scenario script. Parameters come from BENCH_* environment variables
-- (wrk runs this file once in its main Lua state and once per thread, and only the thread
-- states get script arguments). done() prints one "WRKJSON {...}" line for bench/wrkrun.py.
local M = {}

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("missing environment variable " .. name) end
    return default
  end
  return v
end

function M.lines(path)
  local t = {}
  for line in io.lines(path) do
    if #line > 0 then t[#t + 1] = line end
  end
  return t
end

-- The main state numbers the threads; each thread knows its index and the thread count.
M.threads = {}
function M.setup(thread)
  thread:set("tid", #M.threads)
  M.threads[#M.threads + 1] = thread
end

-- This thread's share of a list (every T-th element from its own offset), so threads never
-- consume the same id.
function M.share(list, tid, nthreads)
  local mine = {}
  for i = tid + 1, #list, nthreads do mine[#mine + 1] = list[i] end
  return mine
end

-- The first few failed answers of each thread, for the report (wrkrun.py collects them).
local samples = 0
function M.sample(status, body)
  if samples >= 3 then return end
  samples = samples + 1
  io.write(string.format("WRKSAMPLE %d %s\n", status, (body or ""):sub(1, 200):gsub("\n", " ")))
end

function M.max(name)
  local top = 0
  for _, t in ipairs(M.threads) do top = math.max(top, t:get(name) or 0) end
  return top
end

function M.sum(name)
  local total = 0
  for _, t in ipairs(M.threads) do total = total + (t:get(name) or 0) end
  return total
end

function M.done(summary, latency)
  local e = summary.errors
  local pct = {}
  for _, q in ipairs({ 50, 90, 99, 99.9 }) do
    pct[#pct + 1] = string.format('"p%s":%d', tostring(q), latency:percentile(q))
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"body":%d},' ..
    '"items":%d,"max_used":%d,"latency_us":{"min":%d,"max":%d,"mean":%.1f,%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, M.sum("bad"),
    M.sum("items"), M.max("used"), latency.min, latency.max, latency.mean, table.concat(pct, ",")))
end

return M
