-- lute/record.lua — recording audio from the device input while the music plays: inputs, armed
-- tracks, record{} with count-in, click, punch and loop passes, and the latency that puts a take
-- where the player heard the music.
--
--   input "vox" { channels = { 1 }, monitor = true }    -- device input channels (1-based)
--   track "vox" { input = "vox", arm = true, fx = { comp{...} } }
--   record{ bars = 8, count_in = 1, click = true }       -- or record() ... stop_record()
--
-- The engine does the recording (core/graph/node.c): a track's instrument reads its input channels,
-- plays them through the track when monitored, and pushes them raw — before the track's effects and
-- fader — into a take (core/io/take.c), whose disk thread writes takes/<track>-take-NNN.wav.  This
-- module opens the takes, hands them to the engine at once (a take keeps only the frames between
-- its start and stop, so handing it early costs nothing), schedules the click, switches passes of a
-- loop recording at their exact frames, and closes each take once the engine has handed it back.
--
-- Placement.  A take's frames are score frames of what the player heard: the engine subtracts the
-- round trip — the device's output latency plus its input latency, as the driver reports them, or
-- what calibrate() measured through a loopback — so an overdub played in time lands on the grid.
local core = require "lute.core"
local S = require "lute.state"
local D = require "lute.decl"
local E = require "lute.engine"
local T = require "lute.time"
local Rp = require "lute.report"
local Tk = require "lute.take"

local M = {}
S.inputs = S.inputs or {}          -- name -> { channels = {..}, monitor = bool }
M.active = nil                     -- the recording in progress
M.closing = {}                     -- takes handed back or about to be: { writer, track }
M.recorded = {}                    -- every take of the session: info tables, newest last
M.roundtrip = nil                  -- frames, measured by calibrate() (nil: the driver's figure)

local CLICK = "~click"             -- the click's channel: "~" keeps it out of the names a script uses
local ACCENT, BEAT = 84, 79        -- c6 on the first beat of a bar, g5 on the others

-- ---------------------------------------------------------------------------------------------
-- Inputs and the track fields
-- ---------------------------------------------------------------------------------------------
local function check_channels(v, where)
  if type(v) == "number" then v = { v } end
  if type(v) ~= "table" or #v < 1 or #v > 2 then
    error(("%s: channels is one or two device input channels, e.g. { 1 } (mono) or { 1, 2 } (stereo)"):format(where), 0)
  end
  for _, c in ipairs(v) do
    if math.type(c) ~= "integer" or c < 1 or c > 8 then
      error(("%s: input channel %s: channels count from 1 (lute reads 1 .. 8)"):format(where, tostring(c)), 0)
    end
  end
  return { table.unpack(v) }
end

-- input "vox" { channels = { 1 }, monitor = true }: a name for device input channels.
function M.input(name, spec)
  if type(name) ~= "string" or not name:match("^[%w_]+$") then
    error(("input(name, {...}): the name is a word (letters, digits, _), got %s"):format(tostring(name)), 2)
  end
  if spec == nil then return function(s) return M.input(name, s) end end
  if type(spec) ~= "table" then error(("input '%s' { channels = { 1 }, monitor = true }"):format(name), 2) end
  local where = ("input '%s'"):format(name)
  for k in pairs(spec) do
    if k ~= "channels" and k ~= "monitor" then
      error(("%s: unknown field '%s'; known: channels, monitor"):format(where, tostring(k)), 2)
    end
  end
  local ok, ch = pcall(check_channels, spec.channels or { 1 }, where)
  if not ok then error(ch, 2) end
  local i = { channels = ch, monitor = spec.monitor == nil and true or not not spec.monitor }
  if S.decl then S.decl.inputs = S.decl.inputs or {}; S.decl.inputs[name] = i; M.staged_inputs[name] = i
  else S.inputs[name] = i end
end
M.staged_inputs = {}   -- the inputs of the declaration being evaluated (its tracks are staged before it commits)

D.field("input", { help = "device input channels the track plays and records: an input's name, or { 1 } / { 1, 2 }",
  validate = function(v, where)
    if type(v) == "string" then return v end
    return check_channels(v, where)
  end })
D.field("monitor", { help = "true: the input is heard through the track (the default); false: only recorded",
  validate = function(v) return not not v end })
D.field("arm", { help = "true: record{} records this track's input", validate = function(v) return not not v end })

-- The input part of a track's channel spec (sound.lua's track_spec): { channels }, monitor.
function M.track_input(d)
  local v = d.input
  if v == nil then return nil end
  local ch, monitor = v, true
  if type(v) == "string" then
    local i = M.staged_inputs[v] or (S.decl and S.decl.inputs and S.decl.inputs[v]) or S.inputs[v]
    if not i then
      local names = {}
      for n in pairs(S.inputs) do names[#names + 1] = n end
      for n in pairs(M.staged_inputs) do if not S.inputs[n] then names[#names + 1] = n end end
      table.sort(names)
      error(("no input '%s'; declare it: input \"%s\" { channels = { 1 } }%s"):format(v, v,
        #names > 0 and ("; inputs: " .. table.concat(names, ", ")) or ""), 0)
    end
    ch, monitor = i.channels, i.monitor
  end
  if d.monitor ~= nil then monitor = d.monitor end
  return ch, monitor
end

-- The declaration's inputs replace the running ones when it commits (a whole script: all of them).
require("lute.reconcile").part{ name = "inputs", order = 14,
  begin = function(d) d.inputs = {}; M.staged_inputs = {} end,
  apply = function(d)
    if d.full then S.inputs = {} end
    for n, i in pairs(d.inputs or {}) do S.inputs[n] = i end
  end }

-- ---------------------------------------------------------------------------------------------
-- The click's channel: staged in every commit while a recording wants it (reconcile.lua's
-- extra_channels), so a reload of the script never takes it away in the middle of a count-in.
-- ---------------------------------------------------------------------------------------------
-- The click: a short sine blip at the note's pitch (c6 on the first beat, g5 on the others), made
-- of the patch units as any patch is.
local click_program
local function click_spec()
  if not click_program then
    local U = require("patch").globals()
    click_program = require("lute.sound").compile(function(v)
      local e = U.env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0.0005, 0.025, "2")
      return U.sine(v.freq) * e * e * v.vel * 0.5
    end, "click").program
  end
  -- to the device outputs record{ click = { 3, 4 } } asked for (the performer's headphones), else
  -- into the mix
  return { name = CLICK, program = click_program, voices = 4, gain = -6, controls = {}, outputs = M.click_outputs }
end
M.click_on = false
function M.extra_channels()
  if M.click_on then return { click_spec() } end
  return {}
end

local function ensure_click()
  if M.click_on and E.mix_handle(CLICK) then return E.mix_handle(CLICK) end
  M.click_on = true
  E.mix_begin()
  local ok, e = pcall(E.mix_channel, click_spec())
  if ok then ok, e = pcall(E.mix_commit, 0, false) end
  if not ok then pcall(E.mix_abort); M.click_on = false; error("the click could not start: " .. Rp.strip(e), 0) end
  return E.mix_handle(CLICK)
end

-- ---------------------------------------------------------------------------------------------
-- Recording
-- ---------------------------------------------------------------------------------------------
local function latency()
  if M.roundtrip then return M.roundtrip end
  local _, rt = E.inputs()
  return rt or 0
end

M.folder = nil   -- where takes go: record{ folder = } sets it for the session; else the song's takes/
local function takes_folder()   -- where takes() and clips look (lute/clips.lua): the song's takes/
  return M.folder or require("lute.clips").folder()
end

local function open_take(track, channels, start, stop)
  local w, err = Tk.open{ folder = takes_folder(), name = track, track = track, rate = E.rate(),
                          channels = channels, start = start, stop = stop }
  if not w then error(("cannot record '%s': %s"):format(track, Rp.strip(err)), 0) end
  return w
end

local function bar_label(b) return ("%d"):format(math.floor(b:tonumber()) + 1) end

local function positive(v, what)
  if v ~= nil and (type(v) ~= "number" or v <= 0 or v ~= v or v == math.huge) then
    error(("record{ %s = %s }: it is a number of bars above 0"):format(what, tostring(v)), 3)
  end
end

-- record{ bars =, count_in =, click =, from =, to =, loop =, tracks = { ... } }
--   bars      how long (bars); without it (or `to`), until stop_record()
--   count_in  bars of click before the first recorded bar (0 unless set)
--   click     the click plays during the count-in and the recording (true when count_in > 0)
--   from, to  punch in and out at these bars (1-based, as the song counts); from: the next bar
--   loop      true: after `bars`, a new take of the next pass, and so on until stop_record()
--   tracks    the tracks to record (default: every armed track)
--   latency   frames to place takes earlier by (default: calibrate()'s figure, else the driver's)
--   folder    where takes go, from now on in the session (default: takes/ beside the song)
function M.record(o)
  o = o or {}
  if type(o) ~= "table" then error("record{ bars = 8, count_in = 1, click = true }", 2) end
  local known = { bars = true, count_in = true, click = true, from = true, to = true, loop = true, tracks = true,
                  latency = true, folder = true, preroll = true }
  for k in pairs(o) do
    if not known[k] then
      error(("record{}: unknown field '%s'; known: bars, count_in, click, from, to, loop, tracks, latency, folder, preroll")
        :format(tostring(k)), 2)
    end
  end
  -- preroll = n: the transport starts n bars before `from` (the player hears the lead-in), and the
  -- take begins at `from`
  if o.preroll ~= nil then
    if math.type(o.preroll) ~= "integer" or o.preroll < 1 or o.preroll > 64 then
      error(("record{ preroll = %s }: a whole number of bars, 1 .. 64, played before `from`"):format(tostring(o.preroll)), 2)
    end
    if math.type(o.from) ~= "integer" or o.from - o.preroll < 1 then
      error("record{ from = bar, preroll = bars }: pre-roll plays the bars before `from`, so it needs from = a bar after them", 2)
    end
    if S.playing then error("record{ preroll = ... } starts the transport before `from`: stop() first (or record without pre-roll)", 2) end
  end
  if o.folder ~= nil then
    if type(o.folder) ~= "string" or o.folder == "" then error("record{ folder = \"path\" }: a folder name", 2) end
    M.folder = o.folder
  end
  if M.active then error("already recording; stop_record() first", 2) end
  -- click = { 3, 4 } (or 3): the click goes to those device outputs only, not into the mix
  local click_outputs
  if type(o.click) == "table" or math.type(o.click) == "integer" then
    click_outputs = type(o.click) == "table" and o.click or { o.click }
    local n = E.outputs()
    for _, c in ipairs(click_outputs) do
      if math.type(c) ~= "integer" or c < 3 or c > 8 then
        error(("record{ click = { 3, 4 } }: device outputs 3 .. 8 (1 and 2 are the mix), got %s"):format(tostring(c)), 2)
      end
      if E.live() and c > n then
        error(("record{ click = { %s } }: output %d is not open (%d are): start lute with --outputs %d"):format(
          table.concat(click_outputs, ", "), c, n, math.max(table.unpack(click_outputs))), 2)
      end
    end
    if #click_outputs < 1 or #click_outputs > 2 then error("record{ click = { 3, 4 } }: one or two device outputs", 2) end
  elseif o.click ~= nil and type(o.click) ~= "boolean" then
    error(("record{ click = %s }: true, false, or device outputs { 3, 4 }"):format(tostring(o.click)), 2)
  end
  positive(o.bars, "bars")
  if o.count_in ~= nil and (math.type(o.count_in) ~= "integer" or o.count_in < 0 or o.count_in > 16) then
    error(("record{ count_in = %s }: it is a whole number of bars, 0 .. 16"):format(tostring(o.count_in)), 2)
  end
  if o.loop and not o.bars then error("record{ loop = true } needs bars = (the length of a pass)", 2) end
  if o.latency ~= nil and (math.type(o.latency) ~= "integer" or o.latency < 0) then
    error("record{ latency = frames }: a whole number of frames >= 0 (calibrate() measures it)", 2)
  end
  -- what to record
  local list = {}
  if o.tracks then
    for _, n in ipairs(o.tracks) do
      local t = S.tracks[n]
      if not t then error(("record{ tracks = ... }: no track '%s'"):format(tostring(n)), 2) end
      list[#list + 1] = t
    end
  else
    for _, n in ipairs(S.order) do
      local t = S.tracks[n]
      if t and t.def.arm then list[#list + 1] = t end
    end
  end
  if #list == 0 then error("no track is armed: track \"vox\" { input = { 1 }, arm = true }, or record{ tracks = { \"vox\" } }", 2) end
  for _, t in ipairs(list) do
    if not t.def.input then error(("track '%s' has no input to record: input = { 1 } or an input's name"):format(t.name), 2) end
  end
  local nin = E.inputs()
  if E.live() and nin == 0 then
    error("no audio input is open: start lute with --inputs 2 (full duplex costs a period of latency, so it is "
      .. "not the default; lute --list-devices shows each device's inputs)", 2)
  end
  if o.preroll then require("lute.transport").play{ bar = o.from - o.preroll } end
  -- when
  local count_in = o.count_in or 0
  local start
  if o.from ~= nil then
    if math.type(o.from) ~= "integer" or o.from < 1 then error("record{ from = bar }: bars count from 1", 2) end
    start = T.to_r(o.from - 1)
    if S.playing and start < T.next_switch_bar() + count_in then
      error(("record{ from = %d }: that bar has begun (or comes within the count-in); the next one is %d"):format(
        o.from, (T.next_switch_bar() + count_in):floor() + 1), 2)
    end
  else
    start = T.next_switch_bar() + count_in
  end
  local stop
  if o.to ~= nil then
    if math.type(o.to) ~= "integer" or o.to - 1 <= start:tonumber() then error("record{ to = bar }: a bar after `from`", 2) end
    stop = T.to_r(o.to - 1)
  elseif o.bars then
    stop = start + T.to_r(o.bars)
  end
  local rec = { start = start, stop = stop, pass = o.bars and T.to_r(o.bars) or nil, loop = o.loop,
                click = (o.click == nil and count_in > 0) or (o.click ~= nil and o.click ~= false), click_from = start - count_in,
                latency = o.latency or latency(), takes = {}, passes = 0 }
  if rec.click then
    if M.click_outputs ~= click_outputs and M.click_on then M.click_on = false end   -- re-staged with its new outputs
    M.click_outputs = click_outputs
    ensure_click()
  end
  -- a take's frames count from the song's first bar (S.origin is where this session's bar 1 is), so
  -- clips cut it by bar and beat in any later session (lute/clips.lua)
  local s_frame, e_frame = T.frame_of_bar(start) - S.origin, stop and T.frame_of_bar(stop) - S.origin or nil
  for _, t in ipairs(list) do
    local ch = M.track_input(t.def)
    local w = open_take(t.name, #ch, s_frame, e_frame)
    -- handed over at the first recorded bar: a track declared with this evaluation is there by then
    -- (frames before the take's start are not kept, so any earlier frame would do as well)
    E.take_attach(t.handle, w, rec.latency, s_frame + S.origin, S.origin)
    rec.takes[#rec.takes + 1] = { writer = w, track = t.name, handle = t.handle, channels = #ch }
  end
  rec.passes = 1
  M.active = rec
  if not S.playing then require("lute.transport").play() end
  local names = {}
  for _, t in ipairs(list) do names[#names + 1] = t.name end
  Rp.output(("recording %s from bar %s%s%s (takes in %s)"):format(table.concat(names, ", "), bar_label(start),
    count_in > 0 and (" after %d bar%s of count-in"):format(count_in, count_in > 1 and "s" or "") or "",
    stop and ((o.loop and ", passes of %g bars" or " for %g bars"):format((stop - start):tonumber())) or ", until stop_record()",
    takes_folder()))
end

-- Ends the active recording at `bar` (or now): the takes keep what came before it.
local function finish(rec, frame)   -- frame: a score frame
  for _, tk in ipairs(rec.takes) do
    tk.writer:set_end(frame - S.origin)
    -- the engine pushes a quantum late and the latency later still: detach once all has arrived
    E.take_detach(tk.handle, frame + rec.latency + 2 * E.QUANTUM)
    M.closing[#M.closing + 1] = tk
  end
  rec.takes = {}
  M.active = nil
end

function M.stop_record()
  local rec = M.active
  if not rec then Rp.output("not recording"); return end
  finish(rec, math.max(E.frame(), T.frame_of_bar(rec.start)))
end

-- The scheduler's window [from, to) (bars): clicks, the next pass of a loop, the end.
function M.before_window(from, to)
  local rec = M.active
  if not rec then return end
  -- the click: every beat of the window inside [count-in, stop)
  if rec.click then
    local h = E.mix_handle(CLICK)
    local meter = S.meter or 4
    local lo = from > rec.click_from and from or rec.click_from
    local hi = rec.stop and (to < rec.stop and to or rec.stop) or to
    local step = T.to_r(1) / meter
    local b = (lo / step):ceil() * step
    while h and b < hi do
      local f = T.frame_of_bar(b)
      local first = (b - b:floor()) == T.to_r(0)
      pcall(E.note, h, f, f + math.floor(0.05 * E.rate()), first and ACCENT or BEAT, first and 1 or 0.7)
      b = b + step
    end
  end
  -- a loop: the next pass starts at the boundary with a new take, switched at its exact frame
  if rec.loop and rec.stop and rec.stop < to then
    local boundary = rec.stop
    local b_frame, next_stop = T.frame_of_bar(boundary) - S.origin, boundary + rec.pass
    local olds = rec.takes
    rec.takes = {}
    for _, old in ipairs(olds) do
      local ok, w = pcall(open_take, old.track, old.channels, b_frame, T.frame_of_bar(next_stop) - S.origin)
      if ok then
        -- the engine pushes each quantum's input a quantum and the latency after it arrived: the new
        -- take takes over with the first push that belongs to it, and the old one is handed back
        E.take_attach(old.handle, w, rec.latency, S.origin + b_frame + rec.latency + E.QUANTUM, S.origin)
        rec.takes[#rec.takes + 1] = { writer = w, track = old.track, handle = old.handle, channels = old.channels }
      else
        Rp.limited("record", "lute: %s", Rp.strip(w))
        E.take_detach(old.handle, S.origin + b_frame + rec.latency + 2 * E.QUANTUM)
      end
      M.closing[#M.closing + 1] = old
    end
    rec.stop = next_stop
    rec.passes = rec.passes + 1
    if #rec.takes == 0 then M.active = nil end
  elseif rec.stop and rec.stop < to and not rec.loop then
    finish(rec, T.frame_of_bar(rec.stop))
  end
end

-- How long a take's input may stay below -90 dBFS (LT_TAKE_SILENT) before lute says so: longer than
-- any rest a player leaves, short enough to save the take.
M.SILENT_SECONDS = 2

-- Where a take's silence began, in words: "since it began" or "since 1.5 s into the take".
local function silent_since(info, rate)
  return info.sound_end > 0 and (" since %.1f s into the take"):format(info.sound_end / rate) or " since it began"
end

-- A take whose input has gone silent is said once per silent stretch, while it records: an unplugged
-- cable, a muted channel or the wrong `channels` would otherwise be found only on playback.
-- (Calibration takes never record here: they go straight to M.closing.)
local function check_silence(tk)
  local ok, st = pcall(tk.writer.status, tk.writer)
  if not ok or not st.frames then return end
  local rate = E.rate()
  local quiet = st.frames - st.sound_end
  if quiet < M.SILENT_SECONDS * rate then tk.silent_said = false; return end
  if tk.silent_said then return end
  tk.silent_said = true
  Rp.output(("lute: take %s (track '%s'): the input has been silent for %.1f s (nothing above -90 dBFS%s); "
    .. "is it plugged in, and are its channels right (input \"...\" { channels = { ... } })?")
    :format(st.file ~= "" and st.file or st.path, tostring(tk.track), quiet / rate, silent_since(st, rate)))
end

-- Every tick: takes being recorded are watched for a silent input; takes the engine has handed
-- back are closed and reported.
function M.poll()
  if M.active then for _, tk in ipairs(M.active.takes) do check_silence(tk) end end
  local i = 1
  while i <= #M.closing do
    local tk = M.closing[i]
    if not tk.writer:lent() then
      table.remove(M.closing, i)
      local info = tk.writer:close()
      M.recorded[#M.recorded + 1] = info
      local rate = E.rate()
      local secs = info.frames / rate
      local silence = ""
      if not tk.calibrate and info.frames > 0 and info.sound_end == 0 then
        silence = "; it is silent (nothing above -90 dBFS): check the input's cable and channels"
      elseif not tk.calibrate and info.frames - info.sound_end >= M.SILENT_SECONDS * rate then
        silence = ("; its input was silent from %.2f s to the end (nothing above -90 dBFS): check the input's cable "
          .. "and channels"):format(info.sound_end / rate)
      end
      local msg = ("recorded %s: %.2f s (%d frames)%s%s"):format(info.file ~= "" and info.file or info.path, secs, info.frames,
        info.lost > 0 and (", %d frames lost (the disk fell behind; they are silence)"):format(info.lost) or "", silence)
      if info.error then msg = msg .. "; " .. info.error end
      Rp.output(msg)
    else
      i = i + 1
    end
  end
  if not M.active and #M.closing == 0 and M.click_on and not M.calibrating then M.click_on = false end
end

-- The device stopped (main.c: no audio callback for 1.5 s): its audio thread will not hand the takes
-- back, so each take being recorded or closing is closed now at what reached the disk, with the
-- reason in the sidecar, and reported as usual.  Recording is over; the music has stopped too.
function M.device_lost(reason)
  local all = {}
  if M.active then
    for _, tk in ipairs(M.active.takes) do all[#all + 1] = tk end
    M.active = nil
  end
  for _, tk in ipairs(M.closing) do all[#all + 1] = tk end
  M.closing = {}
  M.calibrating = false
  for _, tk in ipairs(all) do
    local info = tk.writer:abandon(reason)
    if not tk.calibrate then
      M.recorded[#M.recorded + 1] = info
      Rp.output(("recorded %s: %.2f s (%d frames) kept; %s"):format(info.file ~= "" and info.file or info.path,
        info.frames / E.rate(), info.frames, reason))
    end
  end
end

-- The first time a script is evaluated, the takes a crash left open in its takes/ folder (lute
-- killed, the power gone mid-take: the sidecar still says "recording") are made whole — every frame
-- on disk, the header set to them — and each is reported.  Once per folder and session.
local recovered_in = {}
function M.recover_on_start()
  local folder = takes_folder()
  if not folder or recovered_in[folder] then return end
  recovered_in[folder] = true
  local f = io.open(folder .. "/takes.lua", "r")
  if not f then return end
  f:close()
  local ok, list = pcall(Tk.recover_folder, folder)
  if not ok then Rp.output("lute: the takes in " .. folder .. " could not be checked: " .. Rp.strip(list)); return end
  for _, info in ipairs(list) do
    if info.error then Rp.output("lute: " .. info.error)
    else
      Rp.output(("lute: recovered %s: %.2f s (%d frames), the take a crash cut off, kept up to its last frame on disk")
        :format(info.file ~= "" and info.file or info.path, info.rate > 0 and info.frames / info.rate or 0, info.frames))
    end
  end
end

-- takes_recorded() -> the session's takes (info tables: path, file, number, start, frames, lost, hash).
function M.takes_recorded() return M.recorded end

-- ---------------------------------------------------------------------------------------------
-- calibrate{ channel = 1 }: the round trip through a loopback (the output's left channel cabled,
-- or connected in JACK, to an input).  A click plays at the next bar and is recorded with no
-- correction; where it arrives is the round trip, used by every later take of the session.
-- ---------------------------------------------------------------------------------------------
function M.calibrate(o)
  o = o or {}
  local ch = o.channel or 1
  if math.type(ch) ~= "integer" or ch < 1 or ch > 8 then error("calibrate{ channel = n }: an input channel from 1", 2) end
  if M.active then error("calibrate() while recording: stop_record() first", 2) end
  if M.click_outputs then M.click_outputs, M.click_on = nil, false end   -- the loopback hears the main output
  local h = ensure_click()
  M.calibrating = true
  -- a channel that only records: the input, not monitored (a loopback must not feed back)
  E.mix_begin()
  E.mix_channel({ name = "~calibrate", voices = 1, gain = -120, input = { ch }, monitor = false, controls = {} })
  E.mix_commit(0, false)
  local ih = E.mix_handle("~calibrate")
  if not S.playing then require("lute.transport").play() end
  local at = T.frame_of_bar(T.next_switch_bar() + 1)
  local w = open_take("calibrate", 1, at - E.rate() // 10, at + E.rate())
  E.take_attach(ih, w, 0, 0)
  E.note(h, at, at + E.rate() // 100, ACCENT, 1)
  M.closing[#M.closing + 1] = { writer = w, track = "~calibrate", handle = ih, calibrate = at }
  E.take_detach(ih, at + E.rate() + 2 * E.QUANTUM)
  Rp.output("calibrating: a click at the next bar goes out and comes back through the loopback ...")
  M.calibration = { writer = w, at = at }
end

-- Called by poll() once the calibration take is closed: finds the click in it.
function M.measure_calibration(info, at)
  local smp = require "lute.sample"
  local s, err = smp.load(info.path, E.rate())
  M.calibrating = false
  if not s then Rp.output("calibrate: cannot read the take: " .. Rp.strip(err)); return end
  local n = s:frames()
  local x = s:read(0, n)
  local peak = 0
  for i = 1, n do peak = math.max(peak, math.abs(x[i])) end
  if peak < 1e-3 then
    Rp.output("calibrate: nothing came back (peak below -60 dBFS): connect the output to the input and try again")
    return
  end
  local first
  for i = 1, n do if math.abs(x[i]) >= 0.5 * peak then first = i - 1; break end end
  -- the click's envelope rises over 0.5 ms to its peak: find where it left silence
  local k = first
  while k > 0 and math.abs(x[k]) > 1e-4 * peak do k = k - 1 end
  -- k is the click's first sample above silence; the click is a sine from phase 0, whose note
  -- frame is one before that
  local rt = info.start + k - 1 - at
  M.roundtrip = rt
  Rp.output(("calibrate: the round trip is %d frames (%.2f ms); takes are placed by it from now on"):format(rt, 1000 * rt / E.rate()))
  return rt
end

local base_poll = M.poll
function M.poll()
  for _, tk in ipairs(M.closing) do
    if tk.calibrate and not tk.writer:lent() then
      tk.calibrate_done = true
    end
  end
  local pending = {}
  for _, tk in ipairs(M.closing) do if tk.calibrate_done then pending[#pending + 1] = tk end end
  base_poll()
  for _, tk in ipairs(pending) do
    local info = M.recorded[#M.recorded]
    for j = #M.recorded, 1, -1 do if M.recorded[j].path:find("calibrate%-take") then info = M.recorded[j]; break end end
    M.measure_calibration(info, tk.calibrate)
  end
end

function M.globals()
  return { input = M.input, record = M.record, stop_record = M.stop_record, calibrate = M.calibrate,
           takes_recorded = M.takes_recorded }
end

return M
