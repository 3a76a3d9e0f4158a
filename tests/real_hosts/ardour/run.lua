-- Loads a session, checks that the plug-in is really there, then runs a plan of steps in one
-- process: "export:NAME" exports the session (SimpleExport, float WAV) to OUT_DIR/NAME.wav;
-- "live:SECONDS" rolls the transport in real time on the Dummy backend from the start while
-- track "Cap" records the output of "Audio 1", and prints the captured files.
-- usage: ardour7-lua run.lua SESSION_DIR NAME PLUGIN OUT_DIR PRESET_UUID STEP ...
local dir, name, plugin_name, out_dir, preset = arg[1], arg[2], arg[3], arg[4], arg[5]
AudioEngine:set_backend("None (Dummy)", "", "")
assert(load_session(dir, name), "load_session failed")
local sr = Session:nominal_sample_rate()
local source = Session:route_by_name("Audio 1"):to_track()

-- A plug-in Ardour cannot load becomes an "unknown processor" and the audio passes unchanged:
-- fail loudly instead.
local found = false
local i = 0
while true do
  local p = source:nth_processor(i)
  if p:isnil() then break end
  assert(p:to_unknownprocessor():isnil(), "a processor could not be loaded: " .. p:name())
  if not p:to_insert():isnil() and p:to_insert():plugin(0):name() == plugin_name then found = true end
  i = i + 1
end
assert(found, "plug-in not on Audio 1: " .. plugin_name)

local capture = nil
local function capture_track()
  if capture then return capture end
  capture = Session:new_audio_track(2, 2, nil, 1, "Cap", ARDOUR.PresentationInfo.max_order,
    ARDOUR.TrackMode.Normal, false, false):front()
  ARDOUR.LuaAPI.usleep(500000) -- the auto-connect thread, then our own connections
  capture:input():disconnect_all(nil)
  capture:output():disconnect_all(nil)
  for c = 0, 1 do
    assert(capture:input():connect(capture:input():audio(c), source:output():audio(c):name(), nil) == 0)
  end
  return capture
end

local function export(file_name)
  local e = Session:simple_export()
  assert(e:set_preset(preset), "export preset not found (ARDOUR_EXPORT_FORMATS_PATH)")
  e:set_folder(out_dir)
  e:set_name(file_name)
  assert(e:check_outputs(), "no export outputs")
  local t0 = ARDOUR.LuaAPI.monotonic_time()
  assert(e:run_export(), "export failed")
  print(string.format("EXPORTED %s/%s.wav in %.3f s", out_dir, file_name,
    (ARDOUR.LuaAPI.monotonic_time() - t0) / 1e6))
  e = nil
  collectgarbage()
end

local function live(seconds)
  local cap = capture_track()
  cap:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
  Session:maybe_enable_record(false)
  ARDOUR.LuaAPI.usleep(300000)
  Session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
  ARDOUR.LuaAPI.usleep(200000)
  local t0, p0 = ARDOUR.LuaAPI.monotonic_time(), Session:transport_sample()
  Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
  while Session:transport_sample() < seconds * sr do
    ARDOUR.LuaAPI.usleep(50000)
    assert((ARDOUR.LuaAPI.monotonic_time() - t0) / 1e6 < 3 * seconds + 10, "transport stuck")
  end
  local t1, p1 = ARDOUR.LuaAPI.monotonic_time(), Session:transport_sample()
  Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
  while not Session:transport_stopped() do ARDOUR.LuaAPI.usleep(50000) end
  ARDOUR.LuaAPI.usleep(500000) -- the butler finishes writing the capture
  cap:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
  Session:disable_record(false, false)
  print(string.format("LIVE %.3f s of audio in %.3f s of wall time", (p1 - p0) / sr, (t1 - t0) / 1e6))
  local regions = cap:playlist():region_list()
  local last = nil
  for r in regions:iter() do last = r end
  assert(last, "nothing captured")
  for c = 0, last:to_audioregion():n_channels() - 1 do
    print("CAPTURE " .. c .. " " .. last:source(c):to_filesource():path())
  end
end

for j = 6, #arg do
  local kind, value = string.match(arg[j], "^(%a+):(.*)$")
  if kind == "export" then export(value)
  elseif kind == "live" then live(tonumber(value))
  else error("unknown step " .. arg[j]) end
end
close_session()
print("DONE")
