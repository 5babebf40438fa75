-- wrk script: GET {prefix}{id}/ for ids drawn at random from a file (one id per line).
-- wrk ... -s byid.lua URL -- IDS_FILE PATH_PREFIX AUTHORIZATION
local ids, prefix = {}, ""

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  prefix = args[2]
  wrk.headers["Accept"] = "application/taxii+json;version=2.1"
  wrk.headers["Authorization"] = args[3]
  -- a different sequence in every thread
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)] .. "/")
end

-- done(): the figures, from report.lua beside this script
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
