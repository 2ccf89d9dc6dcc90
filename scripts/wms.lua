-- wrk script: POSTs realistic WMS events, each with a valid X-WMS-Content-MAC, drawn in turn
-- from a pool generated beforehand (bodies.txt: one "<mac>\t<body>" per line).
local pool = {}
local next_index = 1

function init(args)
  local path = args[1] or "bodies.txt"
  for line in io.lines(path) do
    local mac, body = line:match("^([^\t]+)\t(.*)$")
    if mac then pool[#pool + 1] = { mac = mac, body = body } end
  end
  -- Each wrk thread starts at a different place in the pool.
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
