// Geometry of the packed panels (quant.h), shared by the repacker, the scalar reference and the SIMD drivers.
#ifndef HEARTH_QUANT_LAYOUT_H
#define HEARTH_QUANT_LAYOUT_H
#include "quant.h"

enum { HK_KIND_FLOAT, HK_KIND_KQUANT, HK_KIND_SYM, HK_KIND_ASYM };

/// k values dequantized per tile: one K-quant super-block, 8 legacy groups; the tile fits L1 as f32 (16 KB).
#define HK_TILE 256
/// Rows that pass over a panel's tiles together (their accumulators, 4-8 KB, stay in L1).
#define HK_ROW_CHUNK 64
/// Most panels one tiled block covers (AVX-512 takes two: 24 accumulators).
#define HK_TILE_NP_MAX 2

typedef struct {
    int ok, kind;
    long sb;         // k per super-block (1 for float types)
    long group;      // k per scale group
    int width;       // code bits as stored: 4 (for 2-4), 5, 6 or 8
    long srcBytes;   // bytes of one source block (element size for float types)
    long scaleBytes; // bytes of a group's scales
    long groupBytes; // scales + codes of one group
    long sbBytes;    // one super-block of one panel
    float bias;      // legacy symmetric types: M = bias · D
} hk_qlayout;

static inline long hk_code_bytes(long g, int width) { return width == 8 ? g * 16 : g * 8 + (width - 4) * g * 2; }

static inline hk_qlayout hk_qinfo(int type) {
    hk_qlayout L = {0};
    L.ok = 1;
    switch (type) {
    case HK_F32: L.kind = HK_KIND_FLOAT; L.sb = 1; L.srcBytes = 4; return L;
    case HK_F16: case HK_BF16: L.kind = HK_KIND_FLOAT; L.sb = 1; L.srcBytes = 2; return L;
    case HK_Q4_0: L.kind = HK_KIND_SYM; L.width = 4; L.srcBytes = 18; L.bias = 8; break;
    case HK_Q5_0: L.kind = HK_KIND_SYM; L.width = 5; L.srcBytes = 22; L.bias = 16; break;
    case HK_Q8_0: L.kind = HK_KIND_SYM; L.width = 8; L.srcBytes = 34; L.bias = 128; break;
    case HK_Q4_1: L.kind = HK_KIND_ASYM; L.width = 4; L.srcBytes = 20; break;
    case HK_Q5_1: L.kind = HK_KIND_ASYM; L.width = 5; L.srcBytes = 24; break;
    case HK_Q2_K: L.kind = HK_KIND_KQUANT; L.width = 4; L.srcBytes = 84; L.group = 16; break;
    case HK_Q3_K: L.kind = HK_KIND_KQUANT; L.width = 4; L.srcBytes = 110; L.group = 16; break;
    case HK_Q4_K: L.kind = HK_KIND_KQUANT; L.width = 4; L.srcBytes = 144; L.group = 32; break;
    case HK_Q5_K: L.kind = HK_KIND_KQUANT; L.width = 5; L.srcBytes = 176; L.group = 32; break;
    case HK_Q6_K: L.kind = HK_KIND_KQUANT; L.width = 6; L.srcBytes = 210; L.group = 16; break;
    default: L.ok = 0; return L;
    }
    if (L.kind == HK_KIND_KQUANT) {
        L.sb = 256;
        L.scaleBytes = 32;
        L.groupBytes = L.scaleBytes + hk_code_bytes(L.group, L.width);
        L.sbBytes = 128 + (256 / L.group) * L.groupBytes;
    } else {
        L.sb = L.group = 32;
        L.scaleBytes = L.kind == HK_KIND_ASYM ? 64 : 32;
        L.groupBytes = L.sbBytes = L.scaleBytes + hk_code_bytes(32, L.width);
    }
    return L;
}

static inline long hk_panel_bytes(const hk_qlayout L, long k) {
    return L.kind == HK_KIND_FLOAT ? k * 16 * L.srcBytes : k / L.sb * L.sbBytes;
}

/// y[r, 0..cols) (+)= acc[r, 0..cols) for mc rows; acc: (mc, lda).
static inline void hk_store_acc_ld(const float *acc, long lda, long mc, float *y, long ldy, long cols, int accumulate) {
    for (long r = 0; r < mc; r++)
        for (long j = 0; j < cols; j++) y[r * ldy + j] = accumulate ? y[r * ldy + j] + acc[r * lda + j] : acc[r * lda + j];
}

static inline void hk_store_acc(const float *acc, long mc, float *y, long ldy, long cols, int accumulate) {
    hk_store_acc_ld(acc, 16, mc, y, ldy, cols, accumulate);
}

#endif
