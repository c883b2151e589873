-- One wrk script for every scenario; SCENARIO picks the request, DATA names the seeded ids.
local scenario = os.getenv("SCENARIO")
local data = os.getenv("DATA")
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""), ["Content-Type"] = "application/json" }
local ids, running = {}, {}
local counter = 0

local function lines(path)
  local found = {}
  for line in io.lines(path) do found[#found + 1] = line end
  return found
end

function init(args)
  if data ~= nil and data ~= "" then
    ids = lines(data .. "/playbooks.txt")
    for _, line in ipairs(lines(data .. "/running.txt")) do
      local playbook, run = line:match("(%S+) (%S+)")
      running[#running + 1] = { playbook, run }
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

local create = '{"name":"Benchmark create","mode":"outbound","buddyId":"prospect",'
  .. '"strategy":{"hypothesis":"Heads of growth book meetings","successMetric":"meeting_booked","successTarget":3}}'

local mix = { "get", "get", "get", "get", "list", "evaluate", "outcome", "outcome", "create", "update" }

function request()
  counter = counter + 1
  local id = ids[math.random(math.max(#ids, 1))]
  local scenario = scenario
  if scenario == "mixed" then
    scenario = mix[math.random(#mix)]
  end
  if scenario == "plaintext" then
    return wrk.format("GET", "/plaintext")
  elseif scenario == "page" then
    -- A dashboard page as a signed-in browser asks for it: the path and the session cookie.
    return wrk.format("GET", os.getenv("PAGE"), { ["Cookie"] = os.getenv("COOKIE") or "" })
  elseif scenario == "get" then
    return wrk.format("GET", "/v1/playbooks/" .. id, headers)
  elseif scenario == "list" then
    return wrk.format("GET", "/v1/playbooks", headers)
  elseif scenario == "create" then
    return wrk.format("POST", "/v1/playbooks", headers, create)
  elseif scenario == "update" then
    return wrk.format("PUT", "/v1/playbooks/" .. id, headers, '{"name":"Benchmark update ' .. counter .. '"}')
  elseif scenario == "run" then
    return wrk.format("POST", "/v1/playbooks/" .. id .. "/run", headers)
  elseif scenario == "outcome" then
    local pick = running[math.random(#running)]
    return wrk.format("POST", "/v1/playbooks/" .. pick[1] .. "/runs/" .. pick[2] .. "/outcomes", headers, '{"samples":1,"successes":0}')
  elseif scenario == "evaluate" then
    return wrk.format("GET", "/v1/playbooks/" .. id .. "/adaptation", headers)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.3f p99=%.3f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, errors))
end
