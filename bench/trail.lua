-- wrk script: PATCH /trades/{id}/trail over a set of open trades, round robin, with the
-- trade's entry price (nothing hit, so every trade stays open for the whole run).
--   wrk ... -s bench/trail.lua URL -- PRICE ID1 ID2 ...
function init(args)
   local body = string.format('{"price":%s,"high":%s,"low":%s}', args[1], args[1], args[1])
   reqs = {}
   for i = 2, #args do
      reqs[#reqs + 1] = wrk.format("PATCH", "/trades/" .. args[i] .. "/trail",
                                   {["Content-Type"] = "application/json"}, body)
   end
   n = 0
end

function request()
   n = n + 1
   return reqs[(n % #reqs) + 1]
end
