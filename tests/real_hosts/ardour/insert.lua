-- Inserts a VST3 plug-in first on track "Audio 1" and sets parameters by their names, in plain
-- units (Ardour converts with the plug-in's normalizedParamToPlain).
-- usage: ardour7-lua insert.lua SESSION_DIR NAME PLUGIN "Param Name=value" ...
local dir, name, plugin_name = arg[1], arg[2], arg[3]
AudioEngine:set_backend("None (Dummy)", "", "")
assert(load_session(dir, name), "load_session failed")
local route = Session:route_by_name("Audio 1")
assert(not route:isnil(), "no track Audio 1")
local proc = ARDOUR.LuaAPI.new_plugin(Session, plugin_name, ARDOUR.PluginType.VST3, "")
assert(not proc:isnil(), "VST3 plug-in not found (scan cache?): " .. plugin_name)
assert(route:add_processor_by_index(proc, 0, nil, true) == 0, "add_processor_by_index failed")
local plugin = proc:to_insert():plugin(0)
-- set_processor_param counts the input (control) parameters in order.
local index_of, index = {}, 0
for i = 0, plugin:parameter_count() - 1 do
  local cid, ok = plugin:nth_parameter(i, true)
  if not ok then break end
  if plugin:parameter_is_input(cid) then
    index_of[plugin:parameter_label(cid)] = index
    index = index + 1
  end
end
for j = 4, #arg do
  local label, value = string.match(arg[j], "^(.-)=(.*)$")
  local i = index_of[label]
  assert(i, "no parameter named " .. tostring(label))
  assert(ARDOUR.LuaAPI.set_processor_param(proc, i, tonumber(value)), "set " .. label)
  print(string.format("SET %s = %s (index %d, reads %g)", label, value, i,
    ARDOUR.LuaAPI.get_processor_param(proc, i, true)))
end
assert(Session:save_state("", false, false, false, false, false) == 0)
close_session()
print("INSERTED")
