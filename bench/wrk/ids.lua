-- One request per pre-opened session id from BENCH_IDS: BENCH_METHOD BENCH_PATH with "{id}"
-- replaced. BENCH_PICK=consume walks this thread's share of the ids once (close, delete: each
-- id is used once; past the end they repeat, and the repeats fail as status errors), BENCH_PICK=random
-- picks any id (get, extend, append). BENCH_BODY is sent with "{id}" replaced too; BENCH_EVENTS=n
-- sends n events. With BENCH_OK set, a 2xx answer whose body lacks that text counts as a "body"
-- error (Pagos answers failures with HTTP 200 and "Success":false).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local method = common.env("BENCH_METHOD", "GET")
local template = common.env("BENCH_PATH")
local consume = common.env("BENCH_PICK", "random") == "consume"
local headers = { ["Content-Type"] = "application/json" }
local auth_header = common.env("BENCH_AUTH_HEADER", "Authorization")
headers[auth_header] = common.env("BENCH_AUTH")
local body = os.getenv("BENCH_BODY")
local nevents = tonumber(os.getenv("BENCH_EVENTS") or "0")
local ok_text = os.getenv("BENCH_OK")
if ok_text == "" then ok_text = nil end
if nevents > 0 then
  local ev = {}
  for i = 1, nevents do
    ev[i] = string.format('{"type":"bench.tick","payload":{"i":%d,"note":"load"}}', i)
  end
  body = '{"events":[' .. table.concat(ev, ",") .. ']}'
end
local ids, next_i = {}, 0
bad, items, used = 0, 0, 0 -- globals: done() reads them with thread:get

function init(_)
  local all = common.lines(common.env("BENCH_IDS"))
  ids = consume and common.share(all, tid, tonumber(common.env("BENCH_THREADS"))) or all
  math.randomseed(os.time() + tid * 104729)
end

function request()
  local id
  if consume then
    next_i = next_i + 1
    used = next_i
    id = ids[(next_i - 1) % #ids + 1]
  else
    id = ids[math.random(#ids)]
  end
  local sent = body and (body:gsub("{id}", id)) or nil
  return wrk.format(method, (template:gsub("{id}", id)), headers, sent)
end

function response(status, _, body)
  if status < 300 and (ok_text == nil or body:find(ok_text, 1, true)) then
    items = items + math.max(nevents, 1)
  else
    bad = bad + (status < 300 and 1 or 0)
    common.sample(status, body)
  end
end

setup = common.setup
function done(summary, latency, _) common.done(summary, latency) end
