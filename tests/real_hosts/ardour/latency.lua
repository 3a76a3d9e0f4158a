-- Loads a session with the plug-in on track "Audio 1" and, with the engine running (the
-- plug-in processes silence), sets its "Latency" parameter to each VALUE in turn, the way a
-- user clicks it. After each, it waits for Ardour to take the plug-in's report and prints
-- what Ardour then holds: the plug-in insert's latency and the track's signal latency, in
-- samples.
-- usage: ardour7-lua latency.lua SESSION_DIR NAME PLUGIN VALUE ...
local dir, name, plugin_name = arg[1], arg[2], arg[3]
AudioEngine:set_backend("None (Dummy)", "", "")
assert(load_session(dir, name), "load_session failed")
local route = Session:route_by_name("Audio 1")
assert(not route:isnil(), "no track Audio 1")
local proc = nil
local i = 0
while true do
  local p = route:nth_processor(i)
  if p:isnil() then break end
  if not p:to_insert():isnil() and p:to_insert():plugin(0):name() == plugin_name then proc = p end
  i = i + 1
end
assert(proc, "plug-in not on Audio 1: " .. plugin_name)
local insert = proc:to_insert()
local plugin = insert:plugin(0)
local index, latency_index = 0, nil
for k = 0, plugin:parameter_count() - 1 do
  local cid, ok = plugin:nth_parameter(k, true)
  if not ok then break end
  if plugin:parameter_is_input(cid) then
    if plugin:parameter_label(cid) == "Latency" then latency_index = index end
    index = index + 1
  end
end
assert(latency_index, "no parameter named Latency")

local function report(label)
  print(string.format("LATENCY %s plugin %d route %d", label, insert:signal_latency(),
    route:signal_latency()))
end
ARDOUR.LuaAPI.usleep(1000000)
report("start")
for j = 4, #arg do
  assert(ARDOUR.LuaAPI.set_processor_param(proc, latency_index, tonumber(arg[j])), "set Latency")
  -- The plug-in reads the parameter in its next process call and tells Ardour
  -- (restartComponent(kLatencyChanged)); Ardour re-reads the latency and recomputes the
  -- session's compensation in its own time.
  ARDOUR.LuaAPI.usleep(2000000)
  report(arg[j])
end
close_session()
print("DONE")
