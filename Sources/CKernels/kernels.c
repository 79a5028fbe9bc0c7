#include "kernels.h"
#include "vexp.h"
#include <math.h>
#include <string.h>
#include <immintrin.h>

void hk_rmsnorm(const float *x, long ldx, const float *weight, float *out, long ldo, long rows, long dim, float eps) {
    for (long t = 0; t < rows; t++) {
        const float *xr = x + t * ldx;
        float *o = out + t * ldo;
        double ss = 0; // double accumulation keeps the f32 reference's precision for long rows
        for (long i = 0; i < dim; i++) ss += (double)xr[i] * xr[i];
        float inv = (float)(1.0 / sqrt(ss / dim + eps));
        for (long i = 0; i < dim; i++) o[i] = xr[i] * inv * weight[i];
    }
}

void hk_rope(float *x, long ldx, long rows, long heads, long headDim, long ropeDim, const float *cosSin, int neox) {
    long half = ropeDim / 2;
    for (long t = 0; t < rows; t++) {
        const float *cs = cosSin + t * ropeDim;
        for (long h = 0; h < heads; h++) {
            float *v = x + t * ldx + h * headDim;
            if (neox) {
                for (long i = 0; i < half; i++) {
                    float c = cs[2 * i], s = cs[2 * i + 1];
                    float a = v[i], b = v[i + half];
                    v[i] = a * c - b * s;
                    v[i + half] = a * s + b * c;
                }
            } else {
                for (long i = 0; i < half; i++) {
                    float c = cs[2 * i], s = cs[2 * i + 1];
                    float a = v[2 * i], b = v[2 * i + 1];
                    v[2 * i] = a * c - b * s;
                    v[2 * i + 1] = a * s + b * c;
                }
            }
        }
    }
}

void hk_silu_mul(const float *gateUp, float *out, long rows, long ffn) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (long t = 0; t < rows; t++) {
        const float *g = gateUp + t * 2 * ffn, *u = g + ffn;
        float *o = out + t * ffn;
        long i = 0;
        for (; i + 8 <= ffn; i += 8) {
            __m256 gv = _mm256_loadu_ps(g + i);
            __m256 silu = _mm256_div_ps(gv, _mm256_add_ps(one, hk_exp8(_mm256_sub_ps(zero, gv))));
            _mm256_storeu_ps(o + i, _mm256_mul_ps(silu, _mm256_loadu_ps(u + i)));
        }
        for (; i < ffn; i++) o[i] = g[i] / (1.0f + hk_exp1(-g[i])) * u[i];
    }
}

void hk_add_bias(float *y, long ldy, const float *b, long rows, long n) {
    for (long t = 0; t < rows; t++) {
        float *r = y + t * ldy;
        for (long i = 0; i < n; i++) r[i] += b[i];
    }
}

void hk_store_kv(const float *k, const float *v, long ld, long rows, long kvDim, const int32_t *slots,
                 float *kCache, float *vCache) {
    for (long t = 0; t < rows; t++) {
        memcpy(kCache + (long)slots[t] * kvDim, k + t * ld, kvDim * sizeof(float));
        memcpy(vCache + (long)slots[t] * kvDim, v + t * ld, kvDim * sizeof(float));
    }
}

void hk_f32_to_f16(const float *src, uint16_t *dst, long n) {
    long i = 0;
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++) { _Float16 h = (_Float16)src[i]; memcpy(dst + i, &h, 2); }
}

void hk_store_kv_f16(const float *k, const float *v, long ld, long rows, long kvDim, const int32_t *slots,
                     uint16_t *kCache, uint16_t *vCache) {
    for (long t = 0; t < rows; t++) {
        hk_f32_to_f16(k + t * ld, kCache + (long)slots[t] * kvDim, kvDim);
        hk_f32_to_f16(v + t * ld, vCache + (long)slots[t] * kvDim, kvDim);
    }
}

