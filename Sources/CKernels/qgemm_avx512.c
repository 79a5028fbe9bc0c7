// The packed-panel product with AVX-512 (F, BW, VL), chosen at run time: a 16-lane vector is one zmm register.
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))), apply_to = function)

typedef __m512 V;
typedef __m512i VI;
#define MR_MAX 12
#define FUSED_NP 4
#define FUSED_MR 4
#define TILE_NP 2
#define QGEMM_NAME hk_qgemm_avx512

static inline V v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, V v) { _mm512_storeu_ps(p, v); }
static inline V v_set1(float f) { return _mm512_set1_ps(f); }
static inline V v_mul(V x, V y) { return _mm512_mul_ps(x, y); }
/// x·y + z with one rounding.
static inline V v_fma(V x, V y, V z) { return _mm512_fmadd_ps(x, y, z); }
/// x·y - z with one rounding.
static inline V v_fmsub(V x, V y, V z) { return _mm512_fmsub_ps(x, y, z); }
static inline V v_neg(V x) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))); }
static inline V v_cvt(VI x) { return _mm512_cvtepi32_ps(x); }
/// 16 f16 values.
static inline V v_f16(const uint8_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
/// 16 bf16 values.
static inline V v_bf16(const uint8_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}
/// 16 int8 values as floats.
static inline V v_i8(const uint8_t *p) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p))); }
/// 16 bytes zero-extended to 16 int32.
static inline VI vi_u8(const uint8_t *p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)); }
static inline VI vi_and15(VI x) { return _mm512_and_si512(x, _mm512_set1_epi32(15)); }
static inline VI vi_shr4(VI x) { return _mm512_srli_epi32(x, 4); }
/// Adds `value` to lane j where bit j of the u16 at p is set.
static inline VI vi_addbit(VI x, const uint8_t *p, int value) {
    uint16_t bits; memcpy(&bits, p, 2);
    return _mm512_mask_add_epi32(x, (__mmask16)bits, x, _mm512_set1_epi32(value));
}

#include "qgemm_impl.h"

#pragma clang attribute pop
