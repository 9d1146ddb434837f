-- Casino Gen B, BENCH_OP=start: POST /v4/startgame for players p<thread>-<n>, n = 1, 2, ...
-- (preparation: a game session per player). BENCH_OP=close: POST /v4/closesession for the same
-- players from the second on, in the same order (BENCH_COUNTS: how many each thread started,
-- "tid count" lines).
-- A 200 with a non-zero "error" counts as a "body" error. With BENCH_COUNTS_OUT, start writes
-- how many players each thread surely started.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local op = common.env("BENCH_OP")
local prefix = common.env("BENCH_PREFIX", "/casino")
local login, token = common.env("BENCH_LOGIN"), common.env("BENCH_TOKEN")
local game = common.env("BENCH_GAME")
local headers = { ["Content-Type"] = "application/json" }
local path = prefix .. (op == "start" and "/v4/startgame" or "/v4/closesession")
local limit = math.huge
n, bad, items = 0, 0, 0 -- globals: done() reads them with thread:get

function init(_)
  if op == "close" then
    for line in io.lines(common.env("BENCH_COUNTS")) do
      local t, c = line:match("^(%d+) (%d+)$")
      if tonumber(t) == tid then limit = tonumber(c) end
    end
  end
end

function request()
  n = n + 1
  -- close: players 2..limit, then again (repeats are idempotent). Never player 1: wrk calls
  -- request() once on thread 0 to check the script before the run, so p0-1 is never started.
  local k = op == "close" and (n - 1) % math.max(1, limit - 1) + 2 or n
  local user = string.format("p%d-%d", tid, k)
  local body = string.format('{"secureLogin":"%s","token":"%s","userId":"%s","gameId":"%s"}',
    login, token, user, game)
  return wrk.format("POST", path, headers, body)
end

function response(status, _, body)
  if status < 300 and body:find('"error":0', 1, true) then
    items = items + 1
  else
    bad = bad + (status < 300 and 1 or 0)
    common.sample(status, body)
  end
end

setup = common.setup
function done(summary, latency, _)
  local out = os.getenv("BENCH_COUNTS_OUT")
  if out then
    local f = assert(io.open(out, "w"))
    -- the last requests of a thread (at most one per connection; set-up uses 8) may not have been served
    for i, t in ipairs(common.threads) do
      f:write(string.format("%d %d\n", i - 1, math.max(1, t:get("items") - 8)))
    end
    f:close()
  end
  common.done(summary, latency)
end
