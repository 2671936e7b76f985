-- wrk script: POST /bars, one new M15 bar per request, one symbol per wrk thread (PREFIX1,
-- PREFIX2, ...), sent with X-Symbol so a proxy routes it (docs/scaling.md).
--   wrk ... -s bench/bars_one.lua URL -- PREFIX
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

function init(args)
   symbol = (args[1] or "BONE") .. tostring(tid)
   ts = 1704067200 -- 2024-01-01T00:00:00Z
end

function request()
   ts = ts + 900
   local body = string.format('{"symbol":"%s","timeframe":"M15","ts":"%s","open":1.1,' ..
                              '"high":1.2,"low":1.0,"close":1.15,"volume":1}',
                              symbol, os.date("!%Y-%m-%dT%H:%M:%SZ", ts))
   return wrk.format("POST", "/bars", {["Content-Type"] = "application/json",
                                       ["X-Symbol"] = symbol}, body)
end
