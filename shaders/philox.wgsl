// Philox4x32-10 and the draws of src/stats/philox.ts, in the same u32 operations, so a GPU recomputes the
// CPU's stream word for word: the 32×32→64-bit products are split into 16-bit halves (WGSL has no u64), and
// uniforms keep 24 bits, exact in f32. ln, cos and sin are computed here to f32 precision (WGSL's own may be
// off by up to 2⁻¹¹), so only f32 rounding separates the GPU's draws from the CPU's.
// Prepended by the host to the programs that draw.

/// High word of the 64-bit product a·b, from four 16×16-bit products (mulhi32).
fn mulhi(a: u32, b: u32) -> u32 {
  let aL = a & 0xffffu;
  let aH = a >> 16u;
  let bL = b & 0xffffu;
  let bH = b >> 16u;
  let ll = aL * bL;
  let lh = aL * bH;
  let hl = aH * bL;
  let hh = aH * bH;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

/// Philox4x32-10 of counter c under key k (philoxWords).
fn philox(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c;
  var key = k;
  for (var r = 0u; r < PHILOX_ROUNDS; r++) {
    let hi0 = mulhi(PHILOX_M0, x.x);
    let lo0 = PHILOX_M0 * x.x;
    let hi1 = mulhi(PHILOX_M1, x.z);
    let lo1 = PHILOX_M1 * x.z;
    x = vec4<u32>(hi1 ^ x.y ^ key.x, lo1, hi0 ^ x.w ^ key.y, lo0);
    key += vec2<u32>(PHILOX_W0, PHILOX_W1);
  }
  return x;
}

/// ((x >> 8) + 1) · 2⁻²⁴: a uniform in (0, 1], exact in f32 (uniform24).
fn uniform24(x: u32) -> f32 {
  return f32((x >> 8u) + 1u) * 5.9604644775390625e-8;
}

/// ln x to f32 precision. WGSL's log may be off by 2⁻²¹ absolutely on [0.5, 2], which is large relative to
/// ln x near 1, so: x = m·2ᵉ with m in [√½, √2), ln m = 2 atanh(s), s = (m − 1)/(m + 1), |s| < 0.172.
fn logAccurate(x: f32) -> f32 {
  let parts = frexp(x); // x = fract · 2^exp, fract in [0.5, 1)
  var m = parts.fract * 2.0;
  var e = f32(parts.exp - 1);
  if (m > 1.4142135) {
    m = m * 0.5;
    e = e + 1.0;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (2.0 / 3.0 + s2 * (2.0 / 5.0 + s2 * (2.0 / 7.0 + s2 * (2.0 / 9.0)))));
  return e * 0.6931471805599453 + series;
}

/// (cos 2πv, sin 2πv) to f32 precision, v in [0, 1]. WGSL's sin and cos may be off by 2⁻¹¹, so: the quadrant
/// q of 4v is taken exactly (v has 24 bits), and x = (4v − q)·π/2 in [−π/4, π/4] goes through Taylor series.
fn sinCos2pi(v: f32) -> vec2<f32> {
  let t = 4.0 * v;
  let q = round(t);
  let x = (t - q) * 1.5707963267948966;
  let x2 = x * x;
  let sx = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))));
  let cx = 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0)));
  let k = u32(q) & 3u;
  if (k == 0u) { return vec2<f32>(cx, sx); }
  if (k == 1u) { return vec2<f32>(-sx, cx); }
  if (k == 2u) { return vec2<f32>(-cx, -sx); }
  return vec2<f32>(sx, -cx);
}

/// z = √(−2 ln u) · (cos, sin)(2πv) of a Box–Muller pair, with the accurate ln, cos and sin above.
fn boxMuller(u: f32, v: f32) -> vec2<f32> {
  return sqrt(-2.0 * logAccurate(u)) * sinCos2pi(v);
}

/// χ² with 2⌊k/2⌋ degrees of freedom of `variable` in simulation `sim` (chiSquareEvenPart).
fn chiSquareEvenPart(k: u32, key: vec2<u32>, sim: u32, variable: u32) -> f32 {
  var x = 0.0;
  let blocks = k >> 3u;
  for (var b = 0u; b < blocks; b++) {
    let w = philox(vec4<u32>(b, sim, PHILOX_TAG_CHISQ, variable), key);
    x += -2.0 * logAccurate(uniform24(w.x) * uniform24(w.y) * uniform24(w.z) * uniform24(w.w));
  }
  let pairs = (k & 7u) >> 1u;
  if (pairs > 0u) {
    let w = philox(vec4<u32>(blocks, sim, PHILOX_TAG_CHISQ, variable), key);
    var product = uniform24(w.x);
    if (pairs > 1u) { product *= uniform24(w.y); }
    if (pairs > 2u) { product *= uniform24(w.z); }
    x += -2.0 * logAccurate(product);
  }
  return x;
}

/// z² of normal draw d from its block's words (squaredNormalFromWords).
fn squaredNormalFromWords(w: vec4<u32>, d: u32) -> f32 {
  let pair = (d >> 1u) & 1u;
  let e = -2.0 * logAccurate(uniform24(select(w.x, w.z, pair == 1u)));
  let cs = sinCos2pi(uniform24(select(w.y, w.w, pair == 1u)));
  let t = select(cs.x, cs.y, (d & 1u) == 1u);
  return e * t * t;
}
