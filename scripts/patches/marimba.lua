-- marimba — mallet keys: a struck wooden bar, its 4th and 10th partials dying fast, a soft knock
--
-- Controls:
--   decay     s of the fundamental; the 4th and 10th partials last a quarter and a twelfth of it
--   hardness  0..1: a soft yarn mallet to a hard one (more upper partials and knock; times velocity)
--   release   s
return function(v)
  local d = v.decay(0.9, 0.05, 10)
  local hard = v.hardness(0.5, 0, 1) * (0.5 + 0.5 * v.vel)
  local e1 = adsr(v.gate, 0.001, d, 0, d, "exp")
  local e4 = adsr(v.gate, 0.0005, d * 0.25, 0, d * 0.25, "exp")
  local e10 = adsr(v.gate, 0.0005, d * 0.08, 0, d * 0.08, "exp")
  local knock = bpf(noise(), v.freq * 3, 0.2) * adsr(v.gate, 0, 0.01, 0, 0.01, "exp")
  local amp = adsr(v.gate, 0, 0, 1, v.release(1, 0.005, 10))
  local y = sine(v.freq) * e1 + 0.5 * hard * sine(v.freq * 4) * e4 + 0.3 * hard * sine(v.freq * 10) * e10
      + 0.3 * hard * knock
  return y * amp * v.vel * 0.4
end
