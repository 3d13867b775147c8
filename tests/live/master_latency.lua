-- master_latency.lua — prints the master latency (frames) of a song: lute exec tests/live/master_latency.lua SONG.lua
-- (test_live_examples: a render takes that latency back, the live output keeps it)
local path = arg[1]
local f = assert(io.open(path)); local src = f:read("a"); f:close()
assert(lute.eval(src, path))
require("lute.core").render(4800)
print(require("lute.core").mix_latency())
