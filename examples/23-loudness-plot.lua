-- 23-loudness-plot.lua — before and after, in a picture: the mix and its master drawn over each
-- other (waveform, short-term loudness with the target line, spectrum).
--
--   build/lute exec examples/23-loudness-plot.lua [DIR]     (writes DIR/before-after.png; DIR = build)
--
-- The same by hand:
--   build/lute render examples/05-song.lua -o build/song.wav
--   build/lute master build/song.wav -o build/song-master.wav --chain streaming --plot build/before-after.png
--   build/lute analyze build/song.wav build/song-master.wav --plot build/compare.svg --target -14
-- This script runs those commands with the lute it was started with.
local root = (require "lute.core").root
local lute = os.getenv("LUTE") or (root .. "/build/lute")
local function run(cmd)
  print("$ " .. cmd)
  local ok = os.execute(cmd)
  if not ok then error("failed: " .. cmd) end
end
local dir = arg[1] or (root .. "/build")
local song, master, png = dir .. "/song.wav", dir .. "/song-master.wav", dir .. "/before-after.png"
run(("%q render %q -o %q"):format(lute, root .. "/examples/05-song.lua", song))
run(("%q master %q -o %q --chain streaming --plot %q"):format(lute, song, master, png))
print("before and after: " .. png)
