-- sync_lead — a hard-sync lead: a saw restarted at the note's pitch, its own pitch swept down by an envelope
--
-- Controls:
--   sync        the synced saw's pitch over the note's when the sweep has ended, 1..8
--   sweep       how far above that the sweep starts, in multiples of the note's pitch (times velocity)
--   sweep_time  s of the sweep's fall
--   cutoff      Hz of the low-pass
--   attack      s
--   release     s
-- A saw restarted mid-cycle has a mean that moves with the ratio; a 20 Hz high-pass takes it out.
return function(v)
  local amp = adsr(v.gate, v.attack(0.004, 0.001, 4), 0.3, 0.8, v.release(0.2, 0.005, 8))
  local senv = adsr(v.gate, 0.001, v.sweep_time(0.35, 0.01, 4), 0, 0.2, "exp")
  local slave = v.freq * (v.sync(1.8, 1, 8) + v.sweep(3, 0, 12) * senv * v.vel)
  -- a saw restarted mid-cycle has a mean that moves with the ratio: a 20 Hz high-pass takes it out
  local y = hpf(lpf(sync(v.freq, slave), v.cutoff(6000, 100, 18000), 0.1), 20, 0)
  return y * amp * v.vel * 0.32
end
