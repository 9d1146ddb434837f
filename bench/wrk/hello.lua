-- GET BENCH_PATH (the ceiling's bare JSON route, or any read without a body).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

wrk.method = "GET"
wrk.path = common.env("BENCH_PATH", "/")
local auth = os.getenv("BENCH_AUTH")
if auth then wrk.headers["Authorization"] = auth end

setup = common.setup
function done(summary, latency, _) common.done(summary, latency) end
