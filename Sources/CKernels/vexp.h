// exp for 8 floats at once (AVX2/FMA): Cody-Waite range reduction and a degree-6 polynomial, about 1 ulp.
// Deterministic per element, so every caller gets the same value for the same input in any batch.
#ifndef HEARTH_VEXP_H
#define HEARTH_VEXP_H
#include <immintrin.h>

static inline __m256 hk_exp8(__m256 x) {
    const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365447504f);
    x = _mm256_max_ps(_mm256_min_ps(x, hi), lo);
    // n = round(x / ln 2); r = x - n ln 2 in two parts for precision.
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    // e^r ≈ 1 + r + r²(c2 + r(c3 + r(c4 + r(c5 + r c6))))  (Cephes expf coefficients)
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // Scale by 2^n through the exponent bits.
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/// Scalar exp through the same vector code, for loop tails (so a value never depends on its position in a loop).
static inline float hk_exp1(float x) {
    return _mm_cvtss_f32(_mm256_castps256_ps128(hk_exp8(_mm256_set1_ps(x))));
}
#endif
