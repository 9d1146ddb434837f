-- A mixed native workload: per request, by weight, 50 % get, 20 % append one event, 10 % extend,
-- 10 % open, 10 % close. get/append/extend pick any id of BENCH_IDS; close consumes this
-- thread's share of BENCH_CLOSE_IDS (ids nothing else closes).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local headers = { ["Authorization"] = common.env("BENCH_AUTH"), ["Content-Type"] = "application/json" }
local ids, closing, next_close, n = {}, {}, 0, 0
local event = '{"events":[{"type":"bench.tick","payload":{"i":1,"note":"load"}}]}'
bad, items, used = 0, 0, 0 -- globals: done() reads them with thread:get

function init(_)
  ids = common.lines(common.env("BENCH_IDS"))
  local all = common.lines(common.env("BENCH_CLOSE_IDS"))
  closing = common.share(all, tid, tonumber(common.env("BENCH_THREADS")))
  math.randomseed(os.time() + tid * 104729)
end

function request()
  local r = math.random(100)
  if r <= 10 then
    n = n + 1
    local body = string.format('{"subject":{"kind":"user","id":"m-%d-%d"}}', tid, n % 1000)
    return wrk.format("POST", "/v1/sessions", headers, body)
  elseif r <= 20 then
    next_close = next_close % #closing + 1
    used = used + 1
    return wrk.format("POST", "/v1/sessions/" .. closing[next_close] .. "/close", headers, "{}")
  end
  local id = ids[math.random(#ids)]
  if r <= 30 then
    return wrk.format("POST", "/v1/sessions/" .. id .. "/extend", headers, '{"ttl_s":3600}')
  elseif r <= 50 then
    return wrk.format("POST", "/v1/sessions/" .. id .. "/events", headers, event)
  end
  return wrk.format("GET", "/v1/sessions/" .. id, headers)
end

function response(status, _, body)
  if status < 300 then items = items + 1 else common.sample(status, body) end
end

setup = common.setup
function done(summary, latency, _) common.done(summary, latency) end
