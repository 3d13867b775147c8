/* v8.h — eight lanes of float and of int32: the width every voice kernel is written for.
 *
 * Voices of one patch run together, one voice per lane (DESIGN.md, "The graph").  A kernel is written
 * once against this header and compiled twice: with LT_V8_AVX2 defined (and -mavx2; not LT_ISA_AVX2, which vop.h uses as
 * an enum constant), where a v8f is
 * one __m256, and without it, where a v8f is two SSE2 __m128 halves.  The two builds must give the
 * same bits, so every operation here is one exact IEEE operation per lane (add, sub, mul, div, sqrt,
 * min, max, compares, bit operations, conversions with the default rounding), never an FMA, an
 * approximate reciprocal or a library call that could differ; anything more (floor, polynomials,
 * horizontal sums) is built from them in one fixed order, here, for both builds.  Scalar code inside
 * a kernel is plain C and gives the same bits in both builds (no -ffast-math, no FMA contraction:
 * ISO C mode turns -ffp-contract off, and neither build enables FMA instructions).
 *
 * Symbols of a file compiled twice are named with LT_V8(name), which appends _avx2 or _sse2.
 * Thread: any.  RT-safe: yes (inline arithmetic only). */
#ifndef LT_DSP_V8_H
#define LT_DSP_V8_H
#include <stdint.h>
#include <emmintrin.h>
#ifdef LT_V8_AVX2
#include <immintrin.h>
#define LT_V8(name) name##_avx2
#else
#define LT_V8(name) name##_sse2
#endif

#define LT_LANES 8

#ifdef LT_V8_AVX2
typedef __m256  v8f;
typedef __m256i v8i;

static inline v8f  v8_load(const float *p)          { return _mm256_load_ps(p); }     /* 32-byte aligned */
static inline v8f  v8_loadu(const float *p)         { return _mm256_loadu_ps(p); }
static inline void v8_store(float *p, v8f a)        { _mm256_store_ps(p, a); }
static inline void v8_storeu(float *p, v8f a)       { _mm256_storeu_ps(p, a); }
static inline v8f  v8_set1(float x)                 { return _mm256_set1_ps(x); }
static inline v8f  v8_zero(void)                    { return _mm256_setzero_ps(); }
static inline v8f  v8_add(v8f a, v8f b)             { return _mm256_add_ps(a, b); }
static inline v8f  v8_sub(v8f a, v8f b)             { return _mm256_sub_ps(a, b); }
static inline v8f  v8_mul(v8f a, v8f b)             { return _mm256_mul_ps(a, b); }
static inline v8f  v8_div(v8f a, v8f b)             { return _mm256_div_ps(a, b); }
static inline v8f  v8_min(v8f a, v8f b)             { return _mm256_min_ps(a, b); }
static inline v8f  v8_max(v8f a, v8f b)             { return _mm256_max_ps(a, b); }
static inline v8f  v8_sqrt(v8f a)                   { return _mm256_sqrt_ps(a); }
static inline v8f  v8_and(v8f a, v8f b)             { return _mm256_and_ps(a, b); }
static inline v8f  v8_or(v8f a, v8f b)              { return _mm256_or_ps(a, b); }
static inline v8f  v8_xor(v8f a, v8f b)             { return _mm256_xor_ps(a, b); }
static inline v8f  v8_andnot(v8f a, v8f b)          { return _mm256_andnot_ps(a, b); }   /* ~a & b */
static inline v8f  v8_lt(v8f a, v8f b)              { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline v8f  v8_le(v8f a, v8f b)              { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline v8f  v8_gt(v8f a, v8f b)              { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline v8f  v8_ge(v8f a, v8f b)              { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
static inline v8f  v8_eq(v8f a, v8f b)              { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline v8f  v8_neq(v8f a, v8f b)             { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
static inline int  v8_mask(v8f m)                   { return _mm256_movemask_ps(m); }    /* bit j = lane j */
static inline v8i  v8_trunc_i(v8f a)                { return _mm256_cvttps_epi32(a); }
static inline v8i  v8_round_i(v8f a)                { return _mm256_cvtps_epi32(a); }    /* to nearest even */
static inline v8f  v8_from_i(v8i a)                 { return _mm256_cvtepi32_ps(a); }
static inline v8f  v8_cast_f(v8i a)                 { return _mm256_castsi256_ps(a); }
static inline v8i  v8_cast_i(v8f a)                 { return _mm256_castps_si256(a); }
static inline v8i  v8i_load(const int32_t *p)       { return _mm256_load_si256((const __m256i *)p); }
static inline void v8i_store(int32_t *p, v8i a)     { _mm256_store_si256((__m256i *)p, a); }
static inline v8i  v8i_set1(int32_t x)              { return _mm256_set1_epi32(x); }
static inline v8i  v8i_add(v8i a, v8i b)            { return _mm256_add_epi32(a, b); }
static inline v8i  v8i_sub(v8i a, v8i b)            { return _mm256_sub_epi32(a, b); }
static inline v8i  v8i_and(v8i a, v8i b)            { return _mm256_and_si256(a, b); }
static inline v8i  v8i_or(v8i a, v8i b)             { return _mm256_or_si256(a, b); }
static inline v8i  v8i_xor(v8i a, v8i b)            { return _mm256_xor_si256(a, b); }
static inline v8i  v8i_eq(v8i a, v8i b)             { return _mm256_cmpeq_epi32(a, b); }
static inline v8i  v8i_gt(v8i a, v8i b)             { return _mm256_cmpgt_epi32(a, b); }   /* signed */
#define v8i_slli(a, n) _mm256_slli_epi32((a), (n))
#define v8i_srli(a, n) _mm256_srli_epi32((a), (n))
#define v8i_srai(a, n) _mm256_srai_epi32((a), (n))
#else
typedef struct { __m128 a, b; }  v8f;
typedef struct { __m128i a, b; } v8i;

#define LT_V8F_1(fn, x)    ((v8f){ fn((x).a), fn((x).b) })
#define LT_V8F_2(fn, x, y) ((v8f){ fn((x).a, (y).a), fn((x).b, (y).b) })
#define LT_V8I_2(fn, x, y) ((v8i){ fn((x).a, (y).a), fn((x).b, (y).b) })
static inline v8f  v8_load(const float *p)          { return (v8f){ _mm_load_ps(p), _mm_load_ps(p + 4) }; }
static inline v8f  v8_loadu(const float *p)         { return (v8f){ _mm_loadu_ps(p), _mm_loadu_ps(p + 4) }; }
static inline void v8_store(float *p, v8f x)        { _mm_store_ps(p, x.a); _mm_store_ps(p + 4, x.b); }
static inline void v8_storeu(float *p, v8f x)       { _mm_storeu_ps(p, x.a); _mm_storeu_ps(p + 4, x.b); }
static inline v8f  v8_set1(float x)                 { __m128 s = _mm_set1_ps(x); return (v8f){ s, s }; }
static inline v8f  v8_zero(void)                    { return (v8f){ _mm_setzero_ps(), _mm_setzero_ps() }; }
static inline v8f  v8_add(v8f x, v8f y)             { return LT_V8F_2(_mm_add_ps, x, y); }
static inline v8f  v8_sub(v8f x, v8f y)             { return LT_V8F_2(_mm_sub_ps, x, y); }
static inline v8f  v8_mul(v8f x, v8f y)             { return LT_V8F_2(_mm_mul_ps, x, y); }
static inline v8f  v8_div(v8f x, v8f y)             { return LT_V8F_2(_mm_div_ps, x, y); }
static inline v8f  v8_min(v8f x, v8f y)             { return LT_V8F_2(_mm_min_ps, x, y); }
static inline v8f  v8_max(v8f x, v8f y)             { return LT_V8F_2(_mm_max_ps, x, y); }
static inline v8f  v8_sqrt(v8f x)                   { return LT_V8F_1(_mm_sqrt_ps, x); }
static inline v8f  v8_and(v8f x, v8f y)             { return LT_V8F_2(_mm_and_ps, x, y); }
static inline v8f  v8_or(v8f x, v8f y)              { return LT_V8F_2(_mm_or_ps, x, y); }
static inline v8f  v8_xor(v8f x, v8f y)             { return LT_V8F_2(_mm_xor_ps, x, y); }
static inline v8f  v8_andnot(v8f x, v8f y)          { return LT_V8F_2(_mm_andnot_ps, x, y); }
static inline v8f  v8_lt(v8f x, v8f y)              { return LT_V8F_2(_mm_cmplt_ps, x, y); }
static inline v8f  v8_le(v8f x, v8f y)              { return LT_V8F_2(_mm_cmple_ps, x, y); }
static inline v8f  v8_gt(v8f x, v8f y)              { return LT_V8F_2(_mm_cmpgt_ps, x, y); }
static inline v8f  v8_ge(v8f x, v8f y)              { return LT_V8F_2(_mm_cmpge_ps, x, y); }
static inline v8f  v8_eq(v8f x, v8f y)              { return LT_V8F_2(_mm_cmpeq_ps, x, y); }
static inline v8f  v8_neq(v8f x, v8f y)             { return LT_V8F_2(_mm_cmpneq_ps, x, y); }
static inline int  v8_mask(v8f m)                   { return _mm_movemask_ps(m.a) | (_mm_movemask_ps(m.b) << 4); }
static inline v8i  v8_trunc_i(v8f x)                { return (v8i){ _mm_cvttps_epi32(x.a), _mm_cvttps_epi32(x.b) }; }
static inline v8i  v8_round_i(v8f x)                { return (v8i){ _mm_cvtps_epi32(x.a), _mm_cvtps_epi32(x.b) }; }
static inline v8f  v8_from_i(v8i x)                 { return (v8f){ _mm_cvtepi32_ps(x.a), _mm_cvtepi32_ps(x.b) }; }
static inline v8f  v8_cast_f(v8i x)                 { return (v8f){ _mm_castsi128_ps(x.a), _mm_castsi128_ps(x.b) }; }
static inline v8i  v8_cast_i(v8f x)                 { return (v8i){ _mm_castps_si128(x.a), _mm_castps_si128(x.b) }; }
static inline v8i  v8i_load(const int32_t *p)       { return (v8i){ _mm_load_si128((const __m128i *)p), _mm_load_si128((const __m128i *)(p + 4)) }; }
static inline void v8i_store(int32_t *p, v8i x)     { _mm_store_si128((__m128i *)p, x.a); _mm_store_si128((__m128i *)(p + 4), x.b); }
static inline v8i  v8i_set1(int32_t x)              { __m128i s = _mm_set1_epi32(x); return (v8i){ s, s }; }
static inline v8i  v8i_add(v8i x, v8i y)            { return LT_V8I_2(_mm_add_epi32, x, y); }
static inline v8i  v8i_sub(v8i x, v8i y)            { return LT_V8I_2(_mm_sub_epi32, x, y); }
static inline v8i  v8i_and(v8i x, v8i y)            { return LT_V8I_2(_mm_and_si128, x, y); }
static inline v8i  v8i_or(v8i x, v8i y)             { return LT_V8I_2(_mm_or_si128, x, y); }
static inline v8i  v8i_xor(v8i x, v8i y)            { return LT_V8I_2(_mm_xor_si128, x, y); }
static inline v8i  v8i_eq(v8i x, v8i y)             { return LT_V8I_2(_mm_cmpeq_epi32, x, y); }
static inline v8i  v8i_gt(v8i x, v8i y)             { return LT_V8I_2(_mm_cmpgt_epi32, x, y); }
#define v8i_slli(x, n) ((v8i){ _mm_slli_epi32((x).a, (n)), _mm_slli_epi32((x).b, (n)) })
#define v8i_srli(x, n) ((v8i){ _mm_srli_epi32((x).a, (n)), _mm_srli_epi32((x).b, (n)) })
#define v8i_srai(x, n) ((v8i){ _mm_srai_epi32((x).a, (n)), _mm_srai_epi32((x).b, (n)) })
#endif

/* ---- built from the operations above, in the same order on both builds ------------------------- */

static inline v8f v8_neg(v8f a)              { return v8_xor(a, v8_set1(-0.0f)); }
static inline v8f v8_abs(v8f a)              { return v8_andnot(v8_set1(-0.0f), a); }
/* mask ? a : b, lane by lane (mask lanes all ones or all zeros, as the compares give). */
static inline v8f v8_select(v8f mask, v8f a, v8f b) { return v8_or(v8_and(mask, a), v8_andnot(mask, b)); }
static inline v8f v8_clamp(v8f x, v8f lo, v8f hi) { return v8_min(v8_max(x, lo), hi); }
/* floor for |x| < 2^31 (truncate, then step down where truncation went up). */
static inline v8f v8_floor(v8f x) {
    v8f t = v8_from_i(v8_trunc_i(x));
    return v8_sub(t, v8_and(v8_gt(t, x), v8_set1(1.0f)));
}
/* A mask with lane j set where bit j of `bits` is set. */
static inline v8f v8_mask_of(int bits) {
    int32_t m[LT_LANES] __attribute__((aligned(32)));
    for (int j = 0; j < LT_LANES; j++) m[j] = (bits >> j) & 1 ? -1 : 0;
    return v8_cast_f(v8i_load(m));
}
/* Lane access, for the rare per-lane scalar path (a step inside a quantum, a lane (re)start). */
static inline float v8_get(v8f a, int j) {
    float t[LT_LANES] __attribute__((aligned(32)));
    v8_store(t, a);
    return t[j];
}
/* The sum of the eight lanes in one fixed order, ((0+1)+(2+3))+((4+5)+(6+7)), on both builds. */
static inline float v8_hsum(v8f a) {
    float t[LT_LANES] __attribute__((aligned(32)));
    v8_store(t, a);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}
/* Pd's PD_BIGORSMALL per lane: denormal-small, huge, infinite and NaN values become 0.  For feedback
 * state at the end of a block. */
static inline v8f v8_zap(v8f x) {
    v8f a = v8_abs(x);
    return v8_and(v8_and(v8_gt(a, v8_set1(1e-15f)), v8_lt(a, v8_set1(1e15f))), x);
}
/* ---- helpers for the voice kernels (core/dsp/..._v8.c): the same operations in the same order on
 * both builds.  Polynomial coefficients were fitted in double on Chebyshev nodes and rounded to
 * float; the figures are the measured worst errors in float. ------------------------------------ */

static inline v8f v8_round(v8f x)            { return v8_from_i(v8_round_i(x)); }   /* |x| < 2^31 */
/* Unsigned 32-bit a > b per lane (SSE2 and AVX2 compare signed only). */
static inline v8i v8i_gtu(v8i a, v8i b) {
    v8i bias = v8i_set1((int32_t)0x80000000u);
    return v8i_gt(v8i_xor(a, bias), v8i_xor(b, bias));
}
static inline v8i v8i_andnot(v8i a, v8i b)   { return v8_cast_i(v8_andnot(v8_cast_f(a), v8_cast_f(b))); }
static inline v8i v8i_select(v8i mask, v8i a, v8i b) {
    return v8_cast_i(v8_select(v8_cast_f(mask), v8_cast_f(a), v8_cast_f(b)));
}

/* 2^x, relative error 2e-7, exact at whole x; x clamped to [-126, 126] (results stay normal numbers). */
static inline v8f v8_exp2(v8f x) {
    x = v8_clamp(x, v8_set1(-126.0f), v8_set1(126.0f));
    v8f fl = v8_floor(x), f = v8_sub(x, fl);
    v8f p = v8_set1(0.00187623431f);
    p = v8_add(v8_mul(p, f), v8_set1(0.00899259467f));
    p = v8_add(v8_mul(p, f), v8_set1(0.0558235832f));
    p = v8_add(v8_mul(p, f), v8_set1(0.240154549f));
    p = v8_add(v8_mul(p, f), v8_set1(0.693152964f));
    p = v8_add(v8_mul(p, f), v8_set1(1.0f));                      /* exact at integers */
    return v8_cast_f(v8i_add(v8_cast_i(p), v8i_slli(v8_trunc_i(fl), 23)));
}

/* sin(2 pi r) for r in [-0.25, 0.25]: an odd polynomial, absolute error 1.8e-7, exact 0 at 0. */
static inline v8f v8_sin2pi_q(v8f r) {
    v8f r2 = v8_mul(r, r);
    v8f p = v8_set1(39.8097f);
    p = v8_add(v8_mul(p, r2), v8_set1(-76.5878448f));
    p = v8_add(v8_mul(p, r2), v8_set1(81.6027679f));
    p = v8_add(v8_mul(p, r2), v8_set1(-41.3416862f));
    p = v8_add(v8_mul(p, r2), v8_set1(6.28318548f));
    return v8_mul(p, r);
}
/* sin(2 pi p) for any |p| < 2^30 (p in cycles). */
static inline v8f v8_sin2pi(v8f p) {
    v8f r = v8_sub(p, v8_floor(v8_add(p, v8_set1(0.5f))));          /* -0.5 .. 0.5 */
    v8f sign = v8_and(r, v8_set1(-0.0f));
    v8f a = v8_abs(r);
    a = v8_min(a, v8_sub(v8_set1(0.5f), a));                        /* fold to 0 .. 0.25 */
    return v8_xor(v8_sin2pi_q(a), sign);
}
static inline v8f v8_cos2pi(v8f p)           { return v8_sin2pi(v8_add(p, v8_set1(0.25f))); }
/* tan(pi t) for t in [0, 0.5): sin over cos, each from the quarter-wave polynomial (relative error
 * about 3e-7 across the range, so a filter's prewarped cutoff is right to far below 0.01 dB). */
static inline v8f v8_tanpi(v8f t) {
    v8f h = v8_mul(t, v8_set1(0.5f));
    return v8_div(v8_sin2pi_q(h), v8_sin2pi_q(v8_sub(v8_set1(0.25f), h)));
}
/* tanh by the [7/6] Pade approximant, clamped where it reaches 1 (|x| = 4.97): absolute error below
 * 1e-4 (at the clamp), 1e-7 for |x| < 1, monotonic, odd. */
static inline v8f v8_tanh(v8f x) {
    x = v8_clamp(x, v8_set1(-4.97f), v8_set1(4.97f));
    v8f x2 = v8_mul(x, x);
    v8f num = v8_add(v8_mul(v8_add(v8_mul(v8_add(x2, v8_set1(378.0f)), x2), v8_set1(17325.0f)), x2), v8_set1(135135.0f));
    v8f den = v8_add(v8_mul(v8_add(v8_mul(v8_add(v8_mul(x2, v8_set1(28.0f)), v8_set1(3150.0f)), x2), v8_set1(62370.0f)), x2), v8_set1(135135.0f));
    return v8_clamp(v8_div(v8_mul(x, num), den), v8_set1(-1.0f), v8_set1(1.0f));
}

/* Marsaglia's xorshift32 per lane (a state of 0 stays 0: seed with something else). */
static inline v8i v8_xorshift(v8i x) {
    x = v8i_xor(x, v8i_slli(x, 13));
    x = v8i_xor(x, v8i_srli(x, 17));
    return v8i_xor(x, v8i_slli(x, 5));
}
/* The top 23 bits of x as a float uniform in [-1, 1). */
static inline v8f v8_bits_to_bipolar(v8i x) {
    v8f f = v8_cast_f(v8i_or(v8i_srli(x, 9), v8i_set1(0x40000000)));   /* [2, 4) */
    return v8_sub(f, v8_set1(3.0f));
}
/* base[idx[j]] per lane: plain loads in lane order (identical on both builds). */
static inline v8f v8_gather(const float *base, v8i idx) {
    int32_t i[LT_LANES] __attribute__((aligned(32)));
    float t[LT_LANES] __attribute__((aligned(32)));
    v8i_store(i, idx);
    for (int j = 0; j < LT_LANES; j++) t[j] = base[i[j]];
    return v8_load(t);
}
#endif
