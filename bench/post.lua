-- wrk script: POST postings read from a file (one JSON template per line, "__ID__" replaced
-- by a unique posting_id), in turn.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  run = args[1] or "run"
  n = 0
  templates = {}
  for line in io.lines(args[2]) do
    if #line > 0 then table.insert(templates, line) end
  end
end
function request()
  n = n + 1
  local template = templates[(n % #templates) + 1]
  local body = string.gsub(template, "__ID__", run .. "-" .. tid .. "-" .. n)
  return wrk.format("POST", "/v1/postings/verify",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer demo-portal-key"}, body)
end
