;; The CPU backend's dense inner loops in WebAssembly SIMD (src/numerics/wasm-kernels.ts calls them).
;;
;; Every lane of an f64x2 is one output's running sum, taken over the same terms in the same order as the scalar
;; loop it replaces, and WebAssembly has no fused multiply-add: each product is rounded, then each sum, so the
;; results are those of the plain JavaScript loops bit for bit (test/numerics/wasm-kernels.test.ts). Addresses are
;; byte offsets into the imported memory; f64 data need no alignment.
(module
  (import "env" "memory" (memory 1))

  ;; class_sum: for every pair offset o of `pairs` (i32 byte offsets into a class block, an even number of them),
  ;; out[o .. o+16) = init[o .. o+16) (or 0 without `with_init`) + Σ_k weights[k] · b[k·block + o .. +16), in class
  ;; order k = 0, 1, …: reml.ts' classSum, two elements of M(λ) a vector and four vectors a pass over the classes
  ;; (the last two alone when their number is 2 mod 4).
  (func (export "class_sum")
    (param $b i32) (param $block i32) (param $weights i32) (param $classes i32)
    (param $pairs i32) (param $pair_count i32) (param $init i32) (param $with_init i32) (param $out i32)
    (local $g i32) (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $at i32) (local $w i32) (local $end i32)
    (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $weights) (i32.shl (local.get $classes) (i32.const 3))))
    (block $groups_done
      (loop $group
        (br_if $groups_done (i32.gt_u (i32.add (local.get $g) (i32.const 4)) (local.get $pair_count)))
        (local.set $at (i32.add (local.get $pairs) (i32.shl (local.get $g) (i32.const 2))))
        (local.set $o0 (i32.load (local.get $at)))
        (local.set $o1 (i32.load offset=4 (local.get $at)))
        (local.set $o2 (i32.load offset=8 (local.get $at)))
        (local.set $o3 (i32.load offset=12 (local.get $at)))
        (if (local.get $with_init)
          (then
            (local.set $a0 (v128.load (i32.add (local.get $init) (local.get $o0))))
            (local.set $a1 (v128.load (i32.add (local.get $init) (local.get $o1))))
            (local.set $a2 (v128.load (i32.add (local.get $init) (local.get $o2))))
            (local.set $a3 (v128.load (i32.add (local.get $init) (local.get $o3)))))
          (else
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0))
            (local.set $a3 (v128.const i64x2 0 0))))
        (local.set $at (local.get $b))
        (local.set $w (local.get $weights))
        (block $classes_done
          (br_if $classes_done (i32.ge_u (local.get $w) (local.get $end)))
          (loop $class
            (local.set $x (v128.load64_splat (local.get $w)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o0))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o1))))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o2))))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o3))))))
            (local.set $at (i32.add (local.get $at) (local.get $block)))
            (local.set $w (i32.add (local.get $w) (i32.const 8)))
            (br_if $class (i32.lt_u (local.get $w) (local.get $end)))))
        (v128.store (i32.add (local.get $out) (local.get $o0)) (local.get $a0))
        (v128.store (i32.add (local.get $out) (local.get $o1)) (local.get $a1))
        (v128.store (i32.add (local.get $out) (local.get $o2)) (local.get $a2))
        (v128.store (i32.add (local.get $out) (local.get $o3)) (local.get $a3))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (br $group)))
    (if (i32.lt_u (local.get $g) (local.get $pair_count))
      (then
        (local.set $at (i32.add (local.get $pairs) (i32.shl (local.get $g) (i32.const 2))))
        (local.set $o0 (i32.load (local.get $at)))
        (local.set $o1 (i32.load offset=4 (local.get $at)))
        (if (local.get $with_init)
          (then
            (local.set $a0 (v128.load (i32.add (local.get $init) (local.get $o0))))
            (local.set $a1 (v128.load (i32.add (local.get $init) (local.get $o1)))))
          (else
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))))
        (local.set $at (local.get $b))
        (local.set $w (local.get $weights))
        (block $classes_done
          (br_if $classes_done (i32.ge_u (local.get $w) (local.get $end)))
          (loop $class
            (local.set $x (v128.load64_splat (local.get $w)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o0))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $at) (local.get $o1))))))
            (local.set $at (i32.add (local.get $at) (local.get $block)))
            (local.set $w (i32.add (local.get $w) (i32.const 8)))
            (br_if $class (i32.lt_u (local.get $w) (local.get $end)))))
        (v128.store (i32.add (local.get $out) (local.get $o0)) (local.get $a0))
        (v128.store (i32.add (local.get $out) (local.get $o1)) (local.get $a1)))))

  ;; class_weights: weights[k] = w_k(λ) for k < classes (and the next one when classes is odd) from sizes[k] = s and
  ;; d = 1 + λ·s: s / d for order 0, −(s·s) / (d·d) for order 1, 2·s·s·s / (d·d·d) for order 2, as reml.ts'
  ;; assembleM writes them, operation for operation, two classes a vector.
  (func (export "class_weights")
    (param $sizes i32) (param $classes i32) (param $lambda f64) (param $order i32) (param $weights i32)
    (local $end i32) (local $s v128) (local $d v128) (local $l v128) (local $w v128)
    (local.set $end (i32.add (local.get $sizes) (i32.shl (local.get $classes) (i32.const 3))))
    (local.set $l (f64x2.splat (local.get $lambda)))
    (block $done
      (br_if $done (i32.ge_u (local.get $sizes) (local.get $end)))
      (loop $next
        (local.set $s (v128.load (local.get $sizes)))
        (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $l) (local.get $s))))
        (if (i32.eqz (local.get $order))
          (then (local.set $w (f64x2.div (local.get $s) (local.get $d))))
          (else
            (if (i32.eq (local.get $order) (i32.const 1))
              (then (local.set $w (f64x2.div (f64x2.neg (f64x2.mul (local.get $s) (local.get $s)))
                                             (f64x2.mul (local.get $d) (local.get $d)))))
              (else (local.set $w (f64x2.div
                (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $s)) (local.get $s)) (local.get $s))
                (f64x2.mul (f64x2.mul (local.get $d) (local.get $d)) (local.get $d))))))))
        (v128.store (local.get $weights) (local.get $w))
        (local.set $sizes (i32.add (local.get $sizes) (i32.const 16)))
        (local.set $weights (i32.add (local.get $weights) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $sizes) (local.get $end))))))

  ;; matrix_times_vectors: out_g = Mᵀ y_g for `count` vectors y_g (a multiple of 4; y_g at y + g·n·8, out_g likewise)
  ;; and U = Mᵀ, [n × n] row-major at $u (row i of U holds M[k][i] over k), every output summed over i in order:
  ;; kinship.ts' rotation of a batch of genes. U does not fit in the cache, so it is taken in chunks of CHUNK rows:
  ;; each chunk serves every vector of the batch before the next is read, and an output's running sum is stored
  ;; between chunks and goes on from there (the same additions in the same order). Four outputs of four vectors at a
  ;; time (eight accumulators), then the last n mod 4 outputs one at a time.
  (func (export "matrix_times_vectors") (param $u i32) (param $y i32) (param $out i32) (param $n i32) (param $count i32)
    (local $k i32) (local $i i32) (local $at i32) (local $yi i32) (local $row i32) (local $end i32) (local $g i32)
    (local $i0 i32) (local $i1 i32) (local $q i32) (local $yq i32) (local $oq i32) (local $o i32) (local $first i32)
    (local $p0 v128) (local $p1 v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $d0 v128) (local $d1 v128)
    (local $s f64) (local $yg i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 3)))
    (loop $chunk
      (local.set $i1 (i32.add (local.get $i0) (i32.const 64))) ;; CHUNK = 64 rows of U
      (if (i32.gt_u (local.get $i1) (local.get $n)) (then (local.set $i1 (local.get $n))))
      (local.set $first (i32.eqz (local.get $i0)))
      (local.set $q (i32.const 0))
      (loop $quad
        (local.set $yq (i32.add (local.get $y) (i32.mul (local.get $q) (local.get $row))))
        (local.set $oq (i32.add (local.get $out) (i32.mul (local.get $q) (local.get $row))))
        (local.set $end (i32.add (local.get $yq) (i32.shl (local.get $i1) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $blocks_done
          (loop $block
            (br_if $blocks_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $n)))
            (local.set $o (i32.add (local.get $oq) (i32.shl (local.get $k) (i32.const 3))))
            (if (local.get $first)
              (then
                (local.set $a0 (v128.const i64x2 0 0))
                (local.set $a1 (v128.const i64x2 0 0))
                (local.set $b0 (v128.const i64x2 0 0))
                (local.set $b1 (v128.const i64x2 0 0))
                (local.set $c0 (v128.const i64x2 0 0))
                (local.set $c1 (v128.const i64x2 0 0))
                (local.set $d0 (v128.const i64x2 0 0))
                (local.set $d1 (v128.const i64x2 0 0)))
              (else
                (local.set $a0 (v128.load (local.get $o)))
                (local.set $a1 (v128.load offset=16 (local.get $o)))
                (local.set $b0 (v128.load (i32.add (local.get $o) (local.get $row))))
                (local.set $b1 (v128.load offset=16 (i32.add (local.get $o) (local.get $row))))
                (local.set $c0 (v128.load (i32.add (local.get $o) (i32.shl (local.get $row) (i32.const 1)))))
                (local.set $c1 (v128.load offset=16 (i32.add (local.get $o) (i32.shl (local.get $row) (i32.const 1)))))
                (local.set $d0 (v128.load (i32.add (local.get $o) (i32.mul (local.get $row) (i32.const 3)))))
                (local.set $d1 (v128.load offset=16 (i32.add (local.get $o) (i32.mul (local.get $row) (i32.const 3)))))))
            (local.set $at (i32.add (local.get $u)
              (i32.add (i32.mul (local.get $i0) (local.get $row)) (i32.shl (local.get $k) (i32.const 3)))))
            (local.set $yi (i32.add (local.get $yq) (i32.shl (local.get $i0) (i32.const 3))))
            (loop $rows
              (local.set $p0 (v128.load (local.get $at)))
              (local.set $p1 (v128.load offset=16 (local.get $at)))
              (local.set $v (v128.load64_splat (local.get $yi)))
              (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $p0) (local.get $v))))
              (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $p1) (local.get $v))))
              (local.set $v (v128.load64_splat (i32.add (local.get $yi) (local.get $row))))
              (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $p0) (local.get $v))))
              (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $p1) (local.get $v))))
              (local.set $v (v128.load64_splat (i32.add (local.get $yi) (i32.shl (local.get $row) (i32.const 1)))))
              (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (local.get $p0) (local.get $v))))
              (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (local.get $p1) (local.get $v))))
              (local.set $v (v128.load64_splat (i32.add (local.get $yi) (i32.mul (local.get $row) (i32.const 3)))))
              (local.set $d0 (f64x2.add (local.get $d0) (f64x2.mul (local.get $p0) (local.get $v))))
              (local.set $d1 (f64x2.add (local.get $d1) (f64x2.mul (local.get $p1) (local.get $v))))
              (local.set $at (i32.add (local.get $at) (local.get $row)))
              (local.set $yi (i32.add (local.get $yi) (i32.const 8)))
              (br_if $rows (i32.lt_u (local.get $yi) (local.get $end))))
            (v128.store (local.get $o) (local.get $a0))
            (v128.store offset=16 (local.get $o) (local.get $a1))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (v128.store (local.get $o) (local.get $b0))
            (v128.store offset=16 (local.get $o) (local.get $b1))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (v128.store (local.get $o) (local.get $c0))
            (v128.store offset=16 (local.get $o) (local.get $c1))
            (local.set $o (i32.add (local.get $o) (local.get $row)))
            (v128.store (local.get $o) (local.get $d0))
            (v128.store offset=16 (local.get $o) (local.get $d1))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $block)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $g (i32.const 0))
            (loop $genes
              (local.set $yg (i32.add (local.get $yq) (i32.mul (local.get $g) (local.get $row))))
              (local.set $o (i32.add (i32.add (local.get $oq) (i32.mul (local.get $g) (local.get $row))) (i32.shl (local.get $k) (i32.const 3))))
              (local.set $s (if (result f64) (local.get $first) (then (f64.const 0)) (else (f64.load (local.get $o)))))
              (local.set $at (i32.add (local.get $u)
                (i32.add (i32.mul (local.get $i0) (local.get $row)) (i32.shl (local.get $k) (i32.const 3)))))
              (local.set $i (local.get $i0))
              (loop $terms
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.load (local.get $at)) (f64.load (i32.add (local.get $yg) (i32.shl (local.get $i) (i32.const 3)))))))
                (local.set $at (i32.add (local.get $at) (local.get $row)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $terms (i32.lt_u (local.get $i) (local.get $i1))))
              (f64.store (local.get $o) (local.get $s))
              (local.set $g (i32.add (local.get $g) (i32.const 1)))
              (br_if $genes (i32.lt_u (local.get $g) (i32.const 4))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tail)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br_if $quad (i32.lt_u (local.get $q) (local.get $count))))
      (local.set $i0 (local.get $i1))
      (br_if $chunk (i32.lt_u (local.get $i0) (local.get $n)))))

  ;; plane_rotation: (x, y) ← (c·x − s·y, s·x + c·y) elementwise over `count` elements at x and y: the eigensolver's
  ;; Givens rotation of two rows (tridiagonal-eigen.ts' ql), two elements a vector, the last one alone.
  (func (export "plane_rotation") (param $x i32) (param $y i32) (param $count i32) (param $c f64) (param $s f64)
    (local $end i32) (local $vc v128) (local $vs v128) (local $a v128) (local $h v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (local.set $vc (f64x2.splat (local.get $c)))
    (local.set $vs (f64x2.splat (local.get $s)))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $next
        (local.set $a (v128.load (local.get $x)))
        (local.set $h (v128.load (local.get $y)))
        (v128.store (local.get $y) (f64x2.add (f64x2.mul (local.get $vs) (local.get $a)) (f64x2.mul (local.get $vc) (local.get $h))))
        (v128.store (local.get $x) (f64x2.sub (f64x2.mul (local.get $vc) (local.get $a)) (f64x2.mul (local.get $vs) (local.get $h))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $x) (local.get $end)))))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $a (v128.load64_zero (local.get $x)))
        (local.set $h (v128.load64_zero (local.get $y)))
        (v128.store64_lane 0 (local.get $y) (f64x2.add (f64x2.mul (local.get $vs) (local.get $a)) (f64x2.mul (local.get $vc) (local.get $h))))
        (v128.store64_lane 0 (local.get $x) (f64x2.sub (f64x2.mul (local.get $vc) (local.get $a)) (f64x2.mul (local.get $vs) (local.get $h)))))))

  ;; subtract_two_scaled: w[k] ← w[k] − (f·e[k] + g·d[k]) over `count` elements: the eigensolver's rank-two update
  ;; (tridiagonal-eigen.ts' householder), two elements a vector, the last one alone.
  (func (export "subtract_two_scaled") (param $w i32) (param $e i32) (param $d i32) (param $count i32) (param $f f64) (param $g f64)
    (local $end i32) (local $vf v128) (local $vg v128)
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (local.set $vf (f64x2.splat (local.get $f)))
    (local.set $vg (f64x2.splat (local.get $g)))
    (block $done
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (loop $next
        (v128.store (local.get $w) (f64x2.sub (v128.load (local.get $w))
          (f64x2.add (f64x2.mul (local.get $vf) (v128.load (local.get $e))) (f64x2.mul (local.get $vg) (v128.load (local.get $d))))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $w) (local.get $end)))))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (v128.store64_lane 0 (local.get $w) (f64x2.sub (v128.load64_zero (local.get $w))
          (f64x2.add (f64x2.mul (local.get $vf) (v128.load64_zero (local.get $e))) (f64x2.mul (local.get $vg) (v128.load64_zero (local.get $d)))))))))

  ;; subtract_scaled: w[k] ← w[k] − g·d[k] over `count` elements: the eigensolver's rank-one update (householder's
  ;; accumulation of the transformations), two elements a vector, the last one alone.
  (func (export "subtract_scaled") (param $w i32) (param $d i32) (param $count i32) (param $g f64)
    (local $end i32) (local $vg v128)
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (local.set $vg (f64x2.splat (local.get $g)))
    (block $done
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (loop $next
        (v128.store (local.get $w) (f64x2.sub (v128.load (local.get $w)) (f64x2.mul (local.get $vg) (v128.load (local.get $d)))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $w) (local.get $end)))))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (v128.store64_lane 0 (local.get $w)
          (f64x2.sub (v128.load64_zero (local.get $w)) (f64x2.mul (local.get $vg) (v128.load64_zero (local.get $d))))))))

  ;; scaled_outer_products: out[k·p·p + a·p + c] = 0 + (x[k·p + a] · x[k·p + c]) / divisors[k] for k < count, a, c < p:
  ;; the outer products of the rows of x [count × p], each divided by its divisor, as kinship.ts' buildKinshipPattern
  ;; writes its classes' X blocks (added to 0, as a sum of one term is), two elements a vector. Where p is odd a row's
  ;; last pair writes the next row's first element before that row writes it again, and the last one past the end.
  (func (export "scaled_outer_products") (param $x i32) (param $p i32) (param $divisors i32) (param $count i32) (param $out i32)
    (local $k i32) (local $a i32) (local $c i32) (local $row i32) (local $xa v128) (local $s v128)
    (block $classes_done
      (loop $class
        (br_if $classes_done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $s (v128.load64_splat (i32.add (local.get $divisors) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $k) (local.get $p)) (i32.const 3))))
        (local.set $a (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $a) (local.get $p)))
            (local.set $xa (v128.load64_splat (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 3)))))
            (local.set $c (i32.const 0))
            (loop $pairs
              (v128.store (local.get $out) (f64x2.add (v128.const i64x2 0 0) (f64x2.div
                (f64x2.mul (local.get $xa) (v128.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 3)))))
                (local.get $s))))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $c (i32.add (local.get $c) (i32.const 2)))
              (br_if $pairs (i32.lt_u (local.get $c) (local.get $p))))
            ;; an odd p wrote one element past the row: step back onto it
            (local.set $out (i32.sub (local.get $out) (i32.shl (i32.and (local.get $p) (i32.const 1)) (i32.const 3))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $rows)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $class))))

  ;; ln: the natural logarithm of a finite x > 0, FreeBSD's e_log.c as stdlib's ln (src/numerics/libm.ts) transcribes
  ;; it, operation for operation, so that it returns the same bits (its cases for 0, negative, infinite and NaN x are
  ;; left out: no caller gives them).
  (func $ln (param $x f64) (result f64)
    (local $hx i32) (local $k i32) (local $i i32) (local $j i32)
    (local $f f64) (local $R f64) (local $s f64) (local $z f64) (local $w f64) (local $t1 f64) (local $t2 f64)
    (local $hfsq f64) (local $dk f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    ;; a subnormal x: scaled up by 2^54 first
    (if (i32.lt_u (local.get $hx) (i32.const 0x00100000))
      (then
        (local.set $k (i32.const -54))
        (local.set $x (f64.mul (local.get $x) (f64.const 1.80143985094819840000e+16)))
        (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))))
    (local.set $k (i32.add (local.get $k) (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023))))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    ;; x (or x/2) normalised into [sqrt(2)/2, sqrt(2)): its high word replaced
    (local.set $x (f64.reinterpret_i64 (i64.or
      (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0xffffffff))
      (i64.shl (i64.extend_i32_u (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000)))) (i64.const 32)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (local.set $f (f64.sub (local.get $x) (f64.const 1)))
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (return (f64.add (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
                             (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))))
        (local.set $R (f64.mul (f64.mul (local.get $f) (local.get $f))
          (f64.sub (f64.const 0.5) (f64.mul (f64.const 0.33333333333333333) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $R)))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
          (f64.sub (f64.sub (local.get $R) (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))) (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $j (i32.sub (i32.const 0x6b851) (local.get $hx)))
    (local.set $t1 (f64.mul (local.get $w) (f64.add (f64.const 0.3999999999940942)
      (f64.mul (local.get $w) (f64.add (f64.const 0.22222198432149784) (f64.mul (local.get $w) (f64.const 0.15313837699209373)))))))
    (local.set $t2 (f64.mul (local.get $z) (f64.add (f64.const 0.6666666666666735)
      (f64.mul (local.get $w) (f64.add (f64.const 0.2857142874366239)
        (f64.mul (local.get $w) (f64.add (f64.const 0.1818357216161805) (f64.mul (local.get $w) (f64.const 0.14798198605116586)))))))))
    (local.set $i (i32.or (local.get $i) (local.get $j)))
    (local.set $R (f64.add (local.get $t2) (local.get $t1)))
    (if (i32.gt_s (local.get $i) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then (return (f64.sub (local.get $f)
            (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $R))))))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
          (f64.sub (f64.sub (local.get $hfsq)
            (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $R)))
                     (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))
            (local.get $f))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $R)))))))
    (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
      (f64.sub (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $R)))
                        (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
               (local.get $f))))

  ;; log_of_products: Σ over blocks of `block` classes of ln(Π (1 + λ·sizes[j])), the products taken in class order:
  ;; reml.ts' logDetH for classes of one member (its products are ≥ 1, so $ln's domain).
  (func (export "log_of_products") (param $sizes i32) (param $classes i32) (param $lambda f64) (param $block i32) (result f64)
    (local $k i32) (local $j i32) (local $end i32) (local $product f64) (local $sum f64)
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $k) (local.get $classes)))
        (local.set $end (i32.add (local.get $k) (local.get $block)))
        (if (i32.gt_u (local.get $end) (local.get $classes)) (then (local.set $end (local.get $classes))))
        (local.set $product (f64.const 1))
        (local.set $j (local.get $k))
        (loop $factors
          (local.set $product (f64.mul (local.get $product) (f64.add (f64.const 1)
            (f64.mul (local.get $lambda) (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $j) (i32.const 3))))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $factors (i32.lt_u (local.get $j) (local.get $end))))
        (local.set $sum (f64.add (local.get $sum) (call $ln (local.get $product))))
        (local.set $k (local.get $end))
        (br $blocks)))
    (local.get $sum))

  ;; sum_of_logs: Σ ln x[i] over i < count, in order, for finite x[i] > 0 (weighted-stats.ts' Σ log w_i).
  (func (export "sum_of_logs") (param $x i32) (param $count i32) (result f64)
    (local $end i32) (local $sum f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $next
        (local.set $sum (f64.add (local.get $sum) (call $ln (f64.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 8)))
        (br_if $next (i32.lt_u (local.get $x) (local.get $end)))))
    (local.get $sum))
)
