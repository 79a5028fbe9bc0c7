// The packed-panel product with AVX2/FMA (the x86-64-v3 baseline): a 16-lane vector is two ymm registers.
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

typedef struct { __m256 a, b; } V;
typedef struct { __m256i a, b; } VI;
#define MR_MAX 6
#define FUSED_NP 2
#define FUSED_MR 2
#define TILE_NP 1
#define QGEMM_NAME hk_qgemm_avx2

static inline V v_load(const float *p) { return (V){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
static inline void v_store(float *p, V v) { _mm256_storeu_ps(p, v.a); _mm256_storeu_ps(p + 8, v.b); }
static inline V v_set1(float f) { const __m256 s = _mm256_set1_ps(f); return (V){s, s}; }
static inline V v_mul(V x, V y) { return (V){_mm256_mul_ps(x.a, y.a), _mm256_mul_ps(x.b, y.b)}; }
/// x·y + z with one rounding.
static inline V v_fma(V x, V y, V z) { return (V){_mm256_fmadd_ps(x.a, y.a, z.a), _mm256_fmadd_ps(x.b, y.b, z.b)}; }
/// x·y - z with one rounding.
static inline V v_fmsub(V x, V y, V z) { return (V){_mm256_fmsub_ps(x.a, y.a, z.a), _mm256_fmsub_ps(x.b, y.b, z.b)}; }
static inline V v_neg(V x) { const __m256 s = _mm256_set1_ps(-0.0f); return (V){_mm256_xor_ps(x.a, s), _mm256_xor_ps(x.b, s)}; }
static inline V v_cvt(VI x) { return (V){_mm256_cvtepi32_ps(x.a), _mm256_cvtepi32_ps(x.b)}; }
/// 16 f16 values.
static inline V v_f16(const uint8_t *p) {
    return (V){_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 16)))};
}
/// 16 bf16 values.
static inline V v_bf16(const uint8_t *p) {
    const __m256i a = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16);
    const __m256i b = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 16))), 16);
    return (V){_mm256_castsi256_ps(a), _mm256_castsi256_ps(b)};
}
/// 16 int8 values as floats.
static inline V v_i8(const uint8_t *p) {
    return (V){_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p))),
               _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8))))};
}
/// 16 bytes zero-extended to 16 int32.
static inline VI vi_u8(const uint8_t *p) {
    return (VI){_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)),
                _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8)))};
}
static inline VI vi_and15(VI x) { const __m256i m = _mm256_set1_epi32(15); return (VI){_mm256_and_si256(x.a, m), _mm256_and_si256(x.b, m)}; }
static inline VI vi_shr4(VI x) { return (VI){_mm256_srli_epi32(x.a, 4), _mm256_srli_epi32(x.b, 4)}; }
/// Adds `value` to lane j where bit j of the u16 at p is set.
static inline VI vi_addbit(VI x, const uint8_t *p, int value) {
    uint16_t bits; memcpy(&bits, p, 2);
    const __m256i m = _mm256_set1_epi32(bits), v = _mm256_set1_epi32(value);
    const __m256i sa = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i sb = _mm256_setr_epi32(256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
    const __m256i ea = _mm256_cmpeq_epi32(_mm256_and_si256(m, sa), sa), eb = _mm256_cmpeq_epi32(_mm256_and_si256(m, sb), sb);
    return (VI){_mm256_add_epi32(x.a, _mm256_and_si256(ea, v)), _mm256_add_epi32(x.b, _mm256_and_si256(eb, v))};
}

#include "qgemm_impl.h"
