-- Casino Gen B, BENCH_OP=start: POST /v4/startgame for players p<thread>-<n>, n = 1, 2, ...
-- (preparation: a game session per player). BENCH_OP=close: POST /v4/closesession for the same
-- players from the second on, in the same order (BENCH_COUNTS: how many each thread started,
-- "tid count" lines). Players are <BENCH_PLAYERS><thread>-<n> (BENCH_PLAYERS defaults to "p"; the
-- suite starts a fresh set before each close phase). BENCH_NOGAME=1: close without gameId (every
-- game session of the player).
-- A 200 with a non-zero "error" counts as a "body" error, and so does a close past the last
-- started player: it closes nothing (closing is idempotent), so it would measure a no-op. With BENCH_COUNTS_OUT, start writes
-- how many players each thread surely started.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local op = common.env("BENCH_OP")
local prefix = common.env("BENCH_PREFIX", "/casino")
local login, token = common.env("BENCH_LOGIN"), common.env("BENCH_TOKEN")
local game = common.env("BENCH_GAME")
local players = common.env("BENCH_PLAYERS", "p")
local with_game = op == "start" or common.env("BENCH_NOGAME", "0") ~= "1"
local repeats = 0
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
  if op == "close" and n > limit - 1 then repeats = repeats + 1 end
  local user = string.format("%s%d-%d", players, tid, k)
  local body = string.format('{"secureLogin":"%s","token":"%s","userId":"%s"', login, token, user)
  body = body .. (with_game and string.format(',"gameId":"%s"}', game) or "}")
  return wrk.format("POST", path, headers, body)
end

function response(status, _, body)
  if repeats > 0 then
    repeats = repeats - 1
    bad = bad + 1
    common.sample(status, "repeat of a closed player (start more players): " .. body)
  elseif status < 300 and body:find('"error":0', 1, true) then
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
    -- the last requests of a thread (at most one per connection: 8 per thread at 16) may not have been served
    for i, t in ipairs(common.threads) do
      f:write(string.format("%d %d\n", i - 1, math.max(1, t:get("items") - 8)))
    end
    f:close()
  end
  common.done(summary, latency)
end
