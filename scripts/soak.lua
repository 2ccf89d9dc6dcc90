-- wrk script for the soak test: like wms.lua (signed WMS events from a pool generated
-- beforehand), but each thread stops after its share of the requests and appends a line to
-- DONE_FILE, so that the caller can end wrk (which otherwise runs for its whole -d).
--   wrk ... -s scripts/soak.lua URL -- bodies.txt REQUESTS_PER_THREAD DONE_FILE
local pool = {}
local next_index = 1
local limit = 0
local answered = 0
local done_file = nil

function init(args)
  for line in io.lines(args[1]) do
    local mac, body = line:match("^([^\t]+)\t(.*)$")
    if mac then pool[#pool + 1] = { mac = mac, body = body } end
  end
  limit = tonumber(args[2])
  done_file = args[3]
  next_index = math.random(#pool)
end

function request()
  local item = pool[next_index]
  next_index = next_index % #pool + 1
  return wrk.format("POST", "/hooks/wms", {
    ["Content-Type"] = "application/json",
    ["X-WMS-Content-MAC"] = item.mac,
  }, item.body)
end

function response(status, headers, body)
  answered = answered + 1
  if answered == limit then
    local out = io.open(done_file, "a")
    out:write("done\n")
    out:close()
    wrk.thread:stop()
  end
end
