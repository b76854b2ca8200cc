// Philox4x32-10 and the draws of src/stats/philox.ts, in the same u32 operations, so a GPU recomputes the
// CPU's stream word for word: the 32×32→64-bit products are split into 16-bit halves (WGSL has no u64), and
// uniforms keep 24 bits, exact in f32. Only the f32 rounding of ln, cos and sin separates the draws.
// Prepended by the host to the programs that draw.

const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;
const PHILOX_TAG_NORMAL: u32 = 0u;
const PHILOX_TAG_CHISQ: u32 = 1u;
const TWO_PI: f32 = 6.283185307179586;

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
  for (var r = 0u; r < 10u; r++) {
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

/// χ² with 2⌊k/2⌋ degrees of freedom of `variable` in simulation `sim` (chiSquareEvenPart).
fn chiSquareEvenPart(k: u32, key: vec2<u32>, sim: u32, variable: u32) -> f32 {
  var x = 0.0;
  let blocks = k >> 3u;
  for (var b = 0u; b < blocks; b++) {
    let w = philox(vec4<u32>(b, sim, PHILOX_TAG_CHISQ, variable), key);
    x += -2.0 * log(uniform24(w.x) * uniform24(w.y) * uniform24(w.z) * uniform24(w.w));
  }
  let pairs = (k & 7u) >> 1u;
  if (pairs > 0u) {
    let w = philox(vec4<u32>(blocks, sim, PHILOX_TAG_CHISQ, variable), key);
    var product = uniform24(w.x);
    if (pairs > 1u) { product *= uniform24(w.y); }
    if (pairs > 2u) { product *= uniform24(w.z); }
    x += -2.0 * log(product);
  }
  return x;
}

/// z² of normal draw d from its block's words (squaredNormalFromWords).
fn squaredNormalFromWords(w: vec4<u32>, d: u32) -> f32 {
  let pair = (d >> 1u) & 1u;
  let e = -2.0 * log(uniform24(select(w.x, w.z, pair == 1u)));
  let angle = TWO_PI * uniform24(select(w.y, w.w, pair == 1u));
  let t = select(cos(angle), sin(angle), (d & 1u) == 1u);
  return e * t * t;
}
