/**
 * The Content-Security-Policy of the web app: scripts, workers and requests from its own origin only, so the
 * browser itself stops any attempt to send data elsewhere. `genelmm serve` sends it as a header (with
 * `frame-ancestors 'none'`, which only a header can carry); the build writes it into index.html too, so that
 * copies served by any other server keep it. `'wasm-unsafe-eval'` lets the app compile its own WebAssembly kernels
 * (numerics/wasm-kernels.ts, bundled as bytes); it allows no JavaScript eval and no code from elsewhere.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
  "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'";
