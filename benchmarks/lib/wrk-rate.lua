-- wrk at a fixed rate for the soak: every connection waits INTERVAL_MS between requests
-- (argument 1), so C connections send about C * 1000 / INTERVAL_MS requests per second while the
-- proxy keeps up. Order ids vary, so endpoint folding ({id}) is exercised as in production.
local interval_ms = 10

-- The report line (done) is the harness's usual one.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk-report.lua")

init = function(args)
  interval_ms = tonumber(args[1]) or interval_ms
  math.randomseed(os.time())
end

delay = function()
  return interval_ms
end

request = function()
  return wrk.format("GET", "/api/orders/" .. math.random(1, 100000))
end
