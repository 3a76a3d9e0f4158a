-- Creates a 48 kHz session with one stereo audio track, "Audio 1", routed to the master bus.
-- usage: ardour7-lua create.lua SESSION_DIR NAME
local dir, name = arg[1], arg[2]
AudioEngine:set_backend("None (Dummy)", "", "")
assert(create_session(dir, name, 48000), "create_session failed")
local track = Session:new_audio_track(2, 2, nil, 1, "Audio", ARDOUR.PresentationInfo.max_order,
  ARDOUR.TrackMode.Normal, false, false):front()
-- A background thread auto-connects new tracks a moment later: let it finish, then make the
-- connections explicit so the saved session does not depend on that race.
ARDOUR.LuaAPI.usleep(500000)
track:input():disconnect_all(nil)
local out = track:output()
out:disconnect_all(nil)
assert(out:connect(out:audio(0), "Master/audio_in 1", nil) == 0)
assert(out:connect(out:audio(1), "Master/audio_in 2", nil) == 0)
assert(Session:save_state("", false, false, false, false, false) == 0)
close_session()
print("CREATED")
