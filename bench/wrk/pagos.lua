-- Pagos open + close: each thread holds one client's bearer token (BENCH_TOKENS, a line per
-- thread). A connection that finds an opened session waiting closes it, otherwise it opens one,
-- so a thread never holds more sessions than it has connections (the per-client cap is 20).
-- Pagos answers failures with HTTP 200 and Success:false: those count as "body" errors.
-- items = sessions opened and closed. BENCH_OP=open (set-up of the "Pagos close" pool) only
-- opens, and each thread appends the ids it opened to BENCH_IDS_OUT.<thread index>: the server
-- must allow a client more live sessions than the per-client cap of 20 (the suite raises it).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local prefix = common.env("BENCH_PREFIX", "/pagos")
local app = common.env("BENCH_APP")
local headers = { ["Content-Type"] = "application/json" }
local open_only = common.env("BENCH_OP", "both") == "open"
local out = nil
local waiting = {}
bad, items = 0, 0 -- globals: done() reads them with thread:get

function init(_)
  local all = common.lines(common.env("BENCH_TOKENS"))
  headers["Authorization"] = "Bearer " .. all[tid % #all + 1]
  if open_only then out = assert(io.open(common.env("BENCH_IDS_OUT") .. "." .. tid, "w")) end
end

function request()
  local sid = table.remove(waiting)
  if sid then
    local body = string.format('{"ApplicationKey":"%s","SessionId":"%s"}', app, sid)
    return wrk.format("POST", prefix .. "/Api/Applications/CloseDedicatedSession", headers, body)
  end
  local body = string.format('{"ApplicationKey":"%s"}', app)
  return wrk.format("POST", prefix .. "/Api/Applications/OpenDedicatedSession", headers, body)
end

function response(status, _, body)
  if status >= 300 or not body:find('"Success":true', 1, true) then
    bad = bad + (status < 300 and 1 or 0)
    common.sample(status, body)
    return
  end
  local sid = body:match('"SessionId":"([^"]+)"')
  if sid and out then
    out:write(sid, "\n")
    out:flush()
    items = items + 1
  elseif sid then
    waiting[#waiting + 1] = sid
  else
    items = items + 1
  end
end

setup = common.setup
function done(summary, latency, _) common.done(summary, latency) end
