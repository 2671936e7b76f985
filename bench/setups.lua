-- wrk script: POST /setups with a fixed body (bench/run passes symbol and entry).
--   wrk ... -s bench/setups.lua URL -- SYMBOL ENTRY
function init(args)
   local body = string.format('{"symbol":"%s","side":"BUY","entry":%s,"trend_score":0.7,' ..
      '"regime_mode":"NORMAL","regime_transition_strength":0}', args[1], args[2])
   req = wrk.format("POST", "/setups", {["Content-Type"] = "application/json"}, body)
end

function request()
   return req
end
