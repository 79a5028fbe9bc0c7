// Repacking GGUF blocks into 16-row panels, the panel geometry, row lookup and the scalar tile (see quant.h).
// Source block layouts: ggml-common.h block_q4_0 … block_q6_K; ggml-quants.c dequantize_row_*.
#include "quant.h"
#include "quant_layout.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

int hk_qfused_rows = -1;
void hk_qset_fused_rows(int rows) { hk_qfused_rows = rows; }

int hk_qsupported(int type) { return hk_qinfo(type).ok; }
long hk_qblock(int type) { return hk_qinfo(type).sb; }
long hk_qpanel_bytes(int type, long k) { return hk_panel_bytes(hk_qinfo(type), k); }

static float f16(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

/// One decoded source block of one row: codes[S] and the scale parameters of the panel layout.
typedef struct {
    uint8_t codes[256];
    float dA, mA;          // K-quants
    int8_t sc[16], mn[16]; // K-quants, per group
    uint16_t d, m;         // legacy: raw f16 scale and min
} decoded;

/// Q4_K/Q5_K's j-th 6-bit (scale, min) pair (get_scale_min_k4).
static void scale_min_k4(int j, const uint8_t *s, int8_t *sc, int8_t *mn) {
    if (j < 4) { *sc = s[j] & 63; *mn = s[j + 4] & 63; return; }
    *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
}

static void decode(int type, const uint8_t *b, decoded *o) {
    switch (type) {
    case HK_Q4_0: case HK_Q4_1: {
        const uint8_t *qs = b + (type == HK_Q4_0 ? 2 : 4);
        memcpy(&o->d, b, 2);
        if (type == HK_Q4_1) memcpy(&o->m, b + 2, 2);
        for (int l = 0; l < 16; l++) { o->codes[l] = qs[l] & 15; o->codes[l + 16] = qs[l] >> 4; }
        break;
    }
    case HK_Q5_0: case HK_Q5_1: {
        const int off = type == HK_Q5_0 ? 2 : 4;
        uint32_t qh; memcpy(&qh, b + off, 4);
        const uint8_t *qs = b + off + 4;
        memcpy(&o->d, b, 2);
        if (type == HK_Q5_1) memcpy(&o->m, b + 2, 2);
        for (int l = 0; l < 16; l++) {
            o->codes[l] = (qs[l] & 15) | (((qh >> l) & 1) << 4);
            o->codes[l + 16] = (qs[l] >> 4) | (((qh >> (l + 16)) & 1) << 4);
        }
        break;
    }
    case HK_Q8_0:
        memcpy(&o->d, b, 2);
        for (int l = 0; l < 32; l++) o->codes[l] = (uint8_t)((int)(int8_t)b[2 + l] + 128);
        break;
    case HK_Q2_K: {
        o->dA = f16(b + 80); o->mA = f16(b + 82);
        for (int g = 0; g < 16; g++) {
            o->sc[g] = b[g] & 15; o->mn[g] = b[g] >> 4;
            const uint8_t *q = b + 16 + 32 * (g >> 3) + 16 * (g & 1);
            const int shift = 2 * ((g >> 1) & 3);
            for (int l = 0; l < 16; l++) o->codes[16 * g + l] = (q[l] >> shift) & 3;
        }
        break;
    }
    case HK_Q3_K: {
        const float d = f16(b + 108);
        o->dA = d; o->mA = 4 * d;
        const uint8_t *scales = b + 96;
        for (int g = 0; g < 16; g++) {
            const int low = (scales[g & 7] >> ((g >> 3) * 4)) & 15, high = (scales[8 + (g & 3)] >> ((g >> 2) * 2)) & 3;
            o->sc[g] = o->mn[g] = (int8_t)((low | (high << 4)) - 32);
            const uint8_t *q = b + 32 + 32 * (g >> 3) + 16 * (g & 1), *hm = b + 16 * (g & 1);
            const int shift = 2 * ((g >> 1) & 3), hbit = g >> 1;
            for (int l = 0; l < 16; l++) o->codes[16 * g + l] = ((q[l] >> shift) & 3) | (((hm[l] >> hbit) & 1) << 2);
        }
        break;
    }
    case HK_Q4_K: case HK_Q5_K: {
        o->dA = f16(b); o->mA = f16(b + 2);
        const uint8_t *qh = b + 16, *qs = b + (type == HK_Q4_K ? 16 : 48);
        for (int g = 0; g < 4; g++) {
            scale_min_k4(2 * g, b + 4, &o->sc[2 * g], &o->mn[2 * g]);
            scale_min_k4(2 * g + 1, b + 4, &o->sc[2 * g + 1], &o->mn[2 * g + 1]);
            for (int l = 0; l < 32; l++) {
                uint8_t lo = qs[32 * g + l] & 15, hi = qs[32 * g + l] >> 4;
                if (type == HK_Q5_K) { lo |= ((qh[l] >> (2 * g)) & 1) << 4; hi |= ((qh[l] >> (2 * g + 1)) & 1) << 4; }
                o->codes[64 * g + l] = lo; o->codes[64 * g + 32 + l] = hi;
            }
        }
        break;
    }
    case HK_Q6_K: {
        const float d = f16(b + 208);
        o->dA = d; o->mA = 32 * d;
        for (int g = 0; g < 16; g++) o->sc[g] = o->mn[g] = (int8_t)b[192 + g];
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = b + 64 * half, *qh = b + 128 + 32 * half;
            uint8_t *out = o->codes + 128 * half;
            for (int l = 0; l < 32; l++) {
                out[l] = (ql[l] & 15) | ((qh[l] & 3) << 4);
                out[l + 32] = (ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4);
                out[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
                out[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
            }
        }
        break;
    }
    }
}

/// Writes a group's codes for the 16 columns: codes[j] points at column j's G codes (zeros for padding rows).
static void put_codes(const hk_qlayout L, uint8_t *out, const uint8_t *const codes[16]) {
    const long G = L.group;
    if (L.width == 8) {
        for (long kk = 0; kk < G; kk++)
            for (int j = 0; j < 16; j++) out[kk * 16 + j] = codes[j][kk];
        return;
    }
    for (long kk = 0; kk < G; kk += 2)
        for (int j = 0; j < 16; j++) out[(kk >> 1) * 16 + j] = (uint8_t)((codes[j][kk] & 15) | ((codes[j][kk + 1] & 15) << 4));
    uint16_t *planes = (uint16_t *)(out + G * 8);
    for (int p = 0; p < L.width - 4; p++)
        for (long kk = 0; kk < G; kk++) {
            unsigned bits = 0;
            for (int j = 0; j < 16; j++) bits |= (unsigned)((codes[j][kk] >> (4 + p)) & 1) << j;
            planes[p * G + kk] = (uint16_t)bits;
        }
}

static int finite_f16(uint16_t h) { return (h & 0x7C00) != 0x7C00; }

int hk_qpack(int type, const void *src, long n, long k, long row0, long rows, void *dst) {
    const hk_qlayout L = hk_qinfo(type);
    const long pb = hk_panel_bytes(L, k), sbCount = k / L.sb;
    const long srcRow = L.kind == HK_KIND_FLOAT ? k * L.srcBytes : sbCount * L.srcBytes;
    const long pend = (row0 + rows + 15) / 16;
    static const uint8_t zeros[256] = {0};
    for (long p = row0 / 16; p < pend; p++) {
        uint8_t *panel = (uint8_t *)dst + p * pb;
        int live[16];
        for (int j = 0; j < 16; j++) live[j] = 16 * p + j < n && 16 * p + j < row0 + rows;
        if (L.kind == HK_KIND_FLOAT) {
            memset(panel, 0, pb);
            for (int j = 0; j < 16; j++) {
                if (!live[j]) continue;
                const uint8_t *s = (const uint8_t *)src + (16 * p + j) * srcRow;
                for (long kk = 0; kk < k; kk++) {
                    if (type == HK_F32) {
                        float v; memcpy(&v, s + 4 * kk, 4);
                        if (!isfinite(v)) return -1;
                        ((float *)panel)[kk * 16 + j] = v;
                    } else {
                        memcpy(panel + (kk * 16 + j) * 2, s + 2 * kk, 2);
                    }
                }
            }
            continue;
        }
        for (long sb = 0; sb < sbCount; sb++) {
            decoded d[16];
            for (int j = 0; j < 16; j++) {
                memset(&d[j], 0, sizeof d[j]);
                if (live[j]) decode(type, (const uint8_t *)src + (16 * p + j) * srcRow + sb * L.srcBytes, &d[j]);
            }
            uint8_t *out = panel + sb * L.sbBytes;
            if (L.kind == HK_KIND_KQUANT) {
                for (int j = 0; j < 16; j++) {
                    if (!isfinite(d[j].dA) || !isfinite(d[j].mA)) return -1;
                    ((float *)out)[j] = d[j].dA;
                    ((float *)out)[16 + j] = d[j].mA;
                }
                for (long g = 0; g < L.sb / L.group; g++) {
                    uint8_t *grp = out + 128 + g * L.groupBytes;
                    const uint8_t *codes[16];
                    for (int j = 0; j < 16; j++) {
                        grp[j] = (uint8_t)d[j].sc[g];
                        grp[16 + j] = (uint8_t)d[j].mn[g];
                        codes[j] = live[j] ? d[j].codes + g * L.group : zeros;
                    }
                    put_codes(L, grp + 32, codes);
                }
            } else {
                const uint8_t *codes[16];
                for (int j = 0; j < 16; j++) {
                    if (!finite_f16(d[j].d) || (L.kind == HK_KIND_ASYM && !finite_f16(d[j].m))) return -1;
                    memcpy(out + 2 * j, &d[j].d, 2);
                    if (L.kind == HK_KIND_ASYM) memcpy(out + 32 + 2 * j, &d[j].m, 2);
                    codes[j] = live[j] ? d[j].codes : zeros;
                }
                put_codes(L, out + L.scaleBytes, codes);
            }
        }
    }
    return 0;
}

/// Code of column j at group-relative k.
static int get_code(const hk_qlayout L, const uint8_t *codes, long kk, int j) {
    if (L.width == 8) return codes[kk * 16 + j];
    int c = (codes[(kk >> 1) * 16 + j] >> (4 * (kk & 1))) & 15;
    for (int p = 0; p < L.width - 4; p++) {
        uint16_t plane; memcpy(&plane, codes + L.group * 8 + 2 * (p * L.group + kk), 2);
        c |= ((plane >> j) & 1) << (4 + p);
    }
    return c;
}

/// The weight at (column j, k) of a panel, by the kernels' formula: fma(c, D, -M).
static float weight(const hk_qlayout L, int type, const uint8_t *panel, long kk, int j) {
    switch (L.kind) {
    case HK_KIND_FLOAT:
        if (type == HK_F32) return ((const float *)panel)[kk * 16 + j];
        { uint16_t h; memcpy(&h, panel + (kk * 16 + j) * 2, 2);
          if (type == HK_F16) return _cvtsh_ss(h);
          uint32_t u = (uint32_t)h << 16; float f; memcpy(&f, &u, 4); return f; }
    case HK_KIND_KQUANT: {
        const uint8_t *sb = panel + (kk / L.sb) * L.sbBytes;
        const long g = (kk % L.sb) / L.group;
        const uint8_t *grp = sb + 128 + g * L.groupBytes;
        const float D = ((const float *)sb)[j] * (float)(int8_t)grp[j];
        const float M = ((const float *)sb)[16 + j] * (float)(int8_t)grp[16 + j];
        return fmaf((float)get_code(L, grp + 32, kk % L.group, j), D, -M);
    }
    default: {
        const uint8_t *grp = panel + (kk / 32) * L.sbBytes;
        const float D = f16(grp + 2 * j);
        const float M = L.kind == HK_KIND_SYM ? L.bias * D : -f16(grp + 32 + 2 * j);
        return fmaf((float)get_code(L, grp + L.scaleBytes, kk % 32, j), D, -M);
    }
    }
}

void hk_qrow(int type, const void *packed, long k, long row, float *out) {
    const hk_qlayout L = hk_qinfo(type);
    const uint8_t *panel = (const uint8_t *)packed + (row / 16) * hk_panel_bytes(L, k);
    for (long kk = 0; kk < k; kk++) out[kk] = weight(L, type, panel, kk, (int)(row % 16));
}

void hk_qtile_scalar(int type, const void *panel, long k, long k0, long kt, float *w) {
    const hk_qlayout L = hk_qinfo(type);
    for (long kk = 0; kk < kt; kk++)
        for (int j = 0; j < 16; j++) w[kk * 16 + j] = weight(L, type, (const uint8_t *)panel, k0 + kk, j);
}

long hk_qscratch_floats(long k) {
    // weight tiles, accumulators, the packed row chunk
    return HK_TILE * 16 * HK_TILE_NP_MAX + HK_ROW_CHUNK * 16 * HK_TILE_NP_MAX + HK_ROW_CHUNK * k;
}

/// The reference driver: scalar tiles, the same tiling and the same fma chain as the SIMD drivers.
static void qgemm_scalar(int type, const void *packed, long k, long n, long p0, long p1, const float *x, long ldx,
                         long rows, float *y, long ldy, int accumulate, float *scratch) {
    const long pb = hk_qpanel_bytes(type, k);
    float *w = scratch, *acc = scratch + HK_TILE * 16 * HK_TILE_NP_MAX;
    for (long r0 = 0; r0 < rows; r0 += HK_ROW_CHUNK) {
        const long mc = rows - r0 < HK_ROW_CHUNK ? rows - r0 : HK_ROW_CHUNK;
        for (long p = p0; p < p1; p++) {
            memset(acc, 0, sizeof(float) * 16 * mc);
            for (long k0 = 0; k0 < k; k0 += HK_TILE) {
                const long kt = k - k0 < HK_TILE ? k - k0 : HK_TILE;
                hk_qtile_scalar(type, (const uint8_t *)packed + p * pb, k, k0, kt, w);
                for (long r = 0; r < mc; r++)
                    for (long kk = 0; kk < kt; kk++)
                        for (int j = 0; j < 16; j++)
                            acc[r * 16 + j] = fmaf(x[(r0 + r) * ldx + k0 + kk], w[kk * 16 + j], acc[r * 16 + j]);
            }
            hk_store_acc(acc, mc, y + r0 * ldy + 16 * p, ldy, n - 16 * p < 16 ? n - 16 * p : 16, accumulate);
        }
    }
}

void hk_qgemm_avx2(int type, const void *packed, long k, long n, long p0, long p1, const float *x, long ldx,
                   long rows, float *y, long ldy, int accumulate, float *scratch);
void hk_qgemm_avx512(int type, const void *packed, long k, long n, long p0, long p1, const float *x, long ldx,
                     long rows, float *y, long ldy, int accumulate, float *scratch);

int hk_qisa_best(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return 2;
    return 1;
}

void hk_qgemm(int isa, int type, const void *packed, long k, long n, long p0, long p1,
              const float *x, long ldx, long rows, float *y, long ldy, int accumulate, float *scratch) {
    switch (isa) {
    case 2: hk_qgemm_avx512(type, packed, k, n, p0, p1, x, ldx, rows, y, ldy, accumulate, scratch); break;
    case 1: hk_qgemm_avx2(type, packed, k, n, p0, p1, x, ldx, rows, y, ldy, accumulate, scratch); break;
    default: qgemm_scalar(type, packed, k, n, p0, p1, x, ldx, rows, y, ldy, accumulate, scratch); break;
    }
}
