-- wrk script: GET objects pages, following `next`.
-- wrk ... -s pages.lua URL -- FIRST_PATH AUTHORIZATION MODE [MAX_SEQ]
--   FIRST_PATH: e.g. /taxii2/api/collections/ID/objects/?limit=100
--   MODE: walk   every response with more=true queues its `next`; a request takes a
--                queued token or starts a new walk at the first page, so each token is
--                used exactly once (medallion's page sessions are consumed as read) and
--                about one walk per connection is under way;
--         first  always the first page;
--         random (Vigil only) walks that start at `next=v1.<random seq below MAX_SEQ>`.
local first, mode, max_seq = "", "walk", 0
local queue, head, tail = {}, 1, 0
local walks = 0

function init(args)
  first = args[1]
  wrk.headers["Accept"] = "application/taxii+json;version=2.1"
  wrk.headers["Authorization"] = args[2]
  mode = args[3] or "walk"
  max_seq = tonumber(args[4] or "0")
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local function sep()
  if first:find("?", 1, true) then return "&" end
  return "?"
end

function request()
  if mode ~= "first" and head <= tail then
    local t = queue[head]
    queue[head] = nil
    head = head + 1
    return wrk.format("GET", first .. sep() .. "next=" .. t)
  end
  if mode == "random" then
    return wrk.format("GET", first .. sep() .. "next=v1." .. math.random(0, max_seq))
  end
  return wrk.format("GET", first)
end

function response(status, headers, body)
  if mode == "first" or status ~= 200 then return end
  if body:find('"more"%s*:%s*true') then
    local t = body:match('"next"%s*:%s*"([^"]+)"')
    if t then
      tail = tail + 1
      queue[tail] = t
    end
  else
    walks = walks + 1
  end
end

-- done(): the figures, from report.lua beside this script
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
