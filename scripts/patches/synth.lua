-- synth — lute's first sound: a saw or square through a resonant low-pass opened by an envelope
--
-- Controls:
--   wave      0 saw, 1 square
--   cutoff    Hz of the low-pass
--   res       0..1
--   fenv      octaves the envelope opens the filter at full velocity
--   attack    s
--   decay     s
--   sustain   0..1
--   release   s
--   detune    cents
-- A band-limited saw or square through a resonant low-pass that an ADSR opens by `fenv` octaves at
-- full velocity, scaled by velocity.  Its controls are the built-in synth's track parameters
-- (help("params")); one voice at velocity 1 peaks near 0.25 whatever the resonance (the level is
-- divided by 1 + 2 res, as it always was).
return function(v)
  local env = adsr(v.gate, v.attack(0.005, 0, 10), v.decay(0.15, 0, 10), v.sustain(0.6, 0, 1), v.release(0.2, 0, 20))
  local f = midi_to_hz(v.note + v.detune(0, -1200, 1200) * 0.01)
  local osc = select(v.wave(0, 0, 1), saw(f), square(f))
  local res = v.res(0.3, 0, 1)
  local cutoff = v.cutoff(2000, 20, 20000) * midi_to_hz(69 + 12 * v.fenv(1, 0, 8) * v.vel * env) * (1 / 440)
  return lpf(osc, cutoff, res) * env * v.vel * (0.25 / (1 + 2 * res))
end
