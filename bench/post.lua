-- wrk script: POST a realistic posting with a unique posting_id per request.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  run = args[1] or "run"
  n = 0
  local f = io.open(args[2], "r")
  template = f:read("*a")
  f:close()
end
function request()
  n = n + 1
  local body = string.gsub(template, "__ID__", run .. "-" .. tid .. "-" .. n)
  return wrk.format("POST", "/v1/postings/verify",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer demo-portal-key"}, body)
end
