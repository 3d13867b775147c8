-- lute/engine.lua — the one door between lute's language and the engine binding (`lute.core`).
--
-- Every call that changes what the engine plays goes through here, so the binding can be swapped in
-- one place.  What track_add returns is an opaque handle: the language stores it and hands it back,
-- never does arithmetic on it or compares it with anything but itself.  The functions look the
-- binding up at each call (core.note, not a copy taken at load time), so a tool or benchmark that
-- replaces core.note with a counter sees every call.
local core = require "lute.core"

local E = {}

-- The playable note range (MIDI note numbers, fractional allowed): the synth's oscillator covers it.
-- This is the one place in Lua that states it; lua/api.c checks the same range on its side.
E.NOTE_MIN, E.NOTE_MAX = -24, 151

-- Tracks the engine can hold at once (a removed track keeps its place until its fade is over).
-- A binding without a fixed limit says so with core.max_tracks = math.huge (or leaves it out).
function E.max_tracks() return core.max_tracks or 64 end

-- Tracks the engine holds now, fading ones included.
function E.tracks_in_use()
  local n = 0
  for k in pairs(core.meters()) do if k ~= "master" then n = n + 1 end end
  return n
end

-- The built-in synth is a patch (scripts/patches/synth.lua), compiled once.
local synth_program
function E.builtin_synth()
  if not synth_program then
    local Patch = require "patch"
    local env = setmetatable(Patch.globals(), { __index = _G })
    local fn = assert(loadfile(core.root .. "/scripts/patches/synth.lua", "t", env))()
    synth_program = Patch.compile(fn, "synth")
  end
  return synth_program
end

-- track_add(name, voices, {param = value}) -> handle.  Raises on failure, having sent nothing.
function E.track_add(name, voices, params) return core.track_add(name, voices, params, E.builtin_synth()) end
function E.track_remove(h, frame) return core.track_remove(h, frame) end
-- The mix as one transaction (core/graph/mix.h): begin, a channel (track or bus) at a time, the
-- master, then commit at a frame; an error anywhere changes nothing.
function E.mix_begin() return core.mix_begin() end
function E.mix_channel(spec) return core.mix_channel(spec) end
function E.mix_master(spec) return core.mix_master(spec) end
function E.mix_remove(name) return core.mix_remove(name) end
function E.mix_commit(frame, full) return core.mix_commit(frame, full) end
function E.mix_abort() return core.mix_abort() end
function E.mix_handle(name) return core.mix_handle(name) end
function E.mix_latency(name) return core.mix_latency(name) end
-- sample(h, frame, index, {speed, begin, end, loop, cut, gain, vel, pan, dur}): one sample of the
-- track's kit.
function E.sample(h, frame, index, opts) return core.sample(h, frame, index, opts) end
-- note(h, on_frame, off_frame, note, vel, pan): pan -1 .. 1 for this note only (nil: the track's).
function E.note(h, on, off, note, vel, pan) return core.note(h, on, off, note, vel, pan) end
function E.param(h, frame, name, value) return core.param(h, frame, name, value) end
-- param_ramp(h, frame, name, value, ramp_frames): glides there over ramp_frames (0: at once, -1: the
-- parameter's own smoothing) — automation's segments (lute/automation.lua).
function E.param_ramp(h, frame, name, value, ramp) return core.param(h, frame, name, value, ramp) end
function E.master_param(frame, name, value) return core.param("master", frame, name, value) end
-- release_all(h or nil for every track, frame)
function E.release_all(h, frame) return core.release_all(h, frame) end
function E.ccmap(index, cc, channel, h, pname, lo, hi, curve)
  return core.ccmap(index, cc, channel, h, pname, lo, hi, curve)
end
function E.ccmap_clear(index) return core.ccmap(index, -1) end
function E.note_target(h) return core.note_target(h) end

-- The parameter table ({name, min, max, default, unit, help} in engine order) and its check.
function E.params() return core.params() end
function E.param_check(name, value) return core.param_check(name, value) end

-- The engine's clock and settings.
function E.frame() return core.frame() end
function E.live() return core.live() end
function E.rate() return core.rate() end
function E.lookahead(ms) return core.lookahead(ms) end
function E.lookahead_frames() return math.floor(core.lookahead() * core.rate() / 1000) end
E.QUANTUM = core.quantum or 32   -- frames the engine renders at once; an offline start is aligned to it
function E.tempo_map(bpm) return core.tempo(bpm) end
function E.midi_poll() return core.midi_poll() end
function E.clock() return core.clock() end
function E.quit() return core.quit() end
function E.stats() return core.stats() end
function E.meters() return core.meters() end
-- Recording (lute/record.lua): the device input and takes the engine writes.
function E.inputs() return core.inputs() end
function E.outputs() return core.outputs() end
function E.take_attach(h, writer, latency, frame, base) return core.take_attach(h, writer, latency, frame, base) end
function E.take_detach(h, frame) return core.take_detach(h, frame) end
function E.script_dir() return core.script_dir() end
-- The flywheel's cue (live): everything before score frame `frame` is sent; a bar is `period`
-- frames there.  E.horizon(-1): off (stopped).
function E.horizon(frame, period) return core.horizon(frame, period) end
E.root = core.root

return E
