-- POST BENCH_PATH {"subject": {"kind": "user", "id": "u-<n>"}} (native open, or the peer's).
-- Subjects repeat over BENCH_SUBJECTS ids, as real users come back. With BENCH_IDS_OUT set,
-- every opened session id is written there (one a line) for later phases.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local path = common.env("BENCH_PATH", "/v1/sessions")
local subjects = tonumber(common.env("BENCH_SUBJECTS", "1000"))
local headers = { ["Authorization"] = common.env("BENCH_AUTH"), ["Content-Type"] = "application/json" }
local out = os.getenv("BENCH_IDS_OUT")
local n = 0
opened, bad, items = {}, 0, 0 -- globals: done() reads them with thread:get

function init(_)
  n = tid * 7919
end

function request()
  n = n + 1
  local body = string.format('{"subject":{"kind":"user","id":"u-%d"}}', n % subjects)
  return wrk.format("POST", path, headers, body)
end

function response(status, _, body)
  if status ~= 201 then return common.sample(status, body) end
  local id = body:match('"id":"([^"]+)"')
  if id == nil then
    bad = bad + 1
  else
    items = items + 1
    if out then opened[#opened + 1] = id end
  end
end

setup = common.setup
function done(summary, latency, _)
  if out then
    local f = assert(io.open(out, "w"))
    for _, t in ipairs(common.threads) do
      for _, id in ipairs(t:get("opened") or {}) do f:write(id, "\n") end
    end
    f:close()
  end
  common.done(summary, latency)
end
