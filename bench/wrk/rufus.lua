-- RUFUS passings: POST /rufus/v0/passings with BENCH_BATCH passings to one of this thread's
-- timing sessions (BENCH_TOKENS, one token_session a line), round robin. num_passing grows per
-- session from BENCH_FIRST, so no passing is a duplicate; a 2xx whose inserted_count is not the
-- batch size counts as a "body" error.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local path = common.env("BENCH_PREFIX", "/rufus/v0") .. "/passings"
local batch = tonumber(common.env("BENCH_BATCH"))
local headers = { ["x-api-key"] = common.env("BENCH_AUTH"), ["Content-Type"] = "application/json" }
local tokens, nums, turn = {}, {}, 0
bad, items = 0, 0 -- globals: done() reads them with thread:get

function init(_)
  local all = common.lines(common.env("BENCH_TOKENS"))
  tokens = common.share(all, tid, tonumber(common.env("BENCH_THREADS")))
  local first = tonumber(common.env("BENCH_FIRST", "1"))
  for i = 1, #tokens do nums[i] = first end
end

local function stamp(n)
  local ms = n % 86400000
  local sec, milli = math.floor(ms / 1000), ms % 1000
  return string.format("2023-01-22T%02d:%02d:%02d.%03dZ",
    math.floor(sec / 3600), math.floor(sec / 60) % 60, sec % 60, milli)
end

function request()
  turn = turn % #tokens + 1
  local first = nums[turn]
  nums[turn] = first + batch
  local items_ = {}
  for n = first, first + batch - 1 do
    items_[#items_ + 1] = string.format('{"bib":"%d","num_passing":%d,"timestamp":"%s"}',
      n % 997, n, stamp(n))
  end
  local body = string.format('{"token_session":"%s","passings_list":[%s]}',
    tokens[turn], table.concat(items_, ","))
  return wrk.format("POST", path, headers, body)
end

function response(status, _, body)
  local inserted = tonumber(body:match('"inserted_count":(%d+)') or "-1")
  if status < 300 and inserted == batch then
    items = items + inserted
  else
    bad = bad + (status < 300 and 1 or 0)
    common.sample(status, body)
  end
end

setup = common.setup
function done(summary, latency, _) common.done(summary, latency) end
