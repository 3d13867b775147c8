-- reese — a drum-and-bass Reese: two detuned saws beating in stereo through a slowly drifting low-pass
--
-- Controls:
--   detune    cents between the two saws: the speed of the beating
--   spread    0..1: how far apart in stereo the two saws sit
--   cutoff    Hz of the low-pass
--   res       0..1
--   motion    octaves the cutoff drifts under a slow smooth-random LFO
--   sub       0..1: a clean sine at the fundamental in the middle (the beating saws thin it out)
--   attack    s
--   release   s
return function(v)
  local amp = adsr(v.gate, v.attack(0.01, 0.001, 4), 0.2, 1, v.release(0.15, 0.005, 4))
  local d = v.detune(22, 0, 100) * 0.005            -- half the detune in semitones
  local a = saw(midi_to_hz(v.note + d))
  local b = saw(midi_to_hz(v.note - d))
  local spread = v.spread(0.6, 0, 1)
  local drift = midi_to_hz(69 + 12 * v.motion(0.6, 0, 3) * lfo(0.35, "smooth")) * (1 / 440)
  local cutoff, res = v.cutoff(700, 40, 12000) * drift, v.res(0.25, 0, 1)
  local sound = lpf(pan(a, -spread) + pan(b, spread), cutoff, res)
  local low = pan(sine(v.freq), 0) * v.sub(0.4, 0, 1)
  return (sound + low) * amp * v.vel * 0.2
end
