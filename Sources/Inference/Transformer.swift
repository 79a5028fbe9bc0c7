import CKernels
import COpenBLAS
import Dispatch
import Foundation

/// The llama/qwen2 forward pass over a varlen batch, with paged KV storage; owned by one engine thread.
public final class Transformer: @unchecked Sendable {
    // Scratch and KV storage are mutated by `forward`, which only the owning engine thread calls.
    public let config: ModelConfig
    public let weights: ModelWeights
    public let kv: KVStorage
    /// Most tokens one forward pass accepts.
    public let maxBatchTokens: Int
    /// Most logit rows one forward pass produces.
    public let maxLogitRows: Int
    /// sgemm row counts are padded to a multiple of this: OpenBLAS (0.3.21, Haswell kernels) rounds a row the same
    /// in every call only when the row count is a multiple of 4 (tail kernels accumulate differently; see the
    /// batch-invariance tests). Padding rows hold stale values and their outputs are ignored.
    static let gemmRowMultiple = 4
    /// Threads for the packed kernel and attention.
    let threads: Int

    // Scratch, sized at init; shapes use T = maxBatchTokens.
    private let x: FloatBuffer          // x: (T, dim) residual stream
    private let xb: FloatBuffer         // xb: (T, dim) normed input of a sublayer
    let qkv: FloatBuffer                // qkv: (T, qDim + 2·kvDim)
    let attn: FloatBuffer               // attn: (T, qDim) attention output, heads side by side
    private let gateUp: FloatBuffer     // gateUp: (T, 2·ffnDim)
    private let hidden: FloatBuffer     // hidden: (T, ffnDim)
    private let cosSin: FloatBuffer     // cosSin: (T, ropeDim/2, 2)
    private let logitInput: FloatBuffer // logitInput: (R, dim) final-normed rows that are sampled
    private let blasOut: FloatBuffer    // blasOut: (T, dim) sgemm result before it is added to the residual
    /// logits: (R, vocab)
    public let logits: FloatBuffer
    private let slots: UnsafeMutablePointer<Int32>     // slots: (T) flat KV slot per token
    let workers: [AttentionScratch]
    var jobs: [AttentionJob] = []

    /// Per-thread attention scratch: scores of a tile of 4 query rows, (4, ctx).
    final class AttentionScratch: @unchecked Sendable {
        // Each worker index is used by one thread at a time within `forward`.
        let scores: FloatBuffer
        init(context: Int) { scores = FloatBuffer(count: 4 * context) }
    }

    /// Builds a transformer with scratch for `maxBatchTokens` tokens and `maxLogitRows` sampled rows per pass.
    public init(weights: ModelWeights, kv: KVStorage, maxBatchTokens: Int = 512, maxLogitRows: Int = 64, threads: Int = 2) {
        let c = weights.config
        config = c
        self.weights = weights
        self.kv = kv
        self.maxBatchTokens = maxBatchTokens
        self.maxLogitRows = maxLogitRows
        let t = Self.padded(maxBatchTokens)
        let r = Self.padded(maxLogitRows)
        x = FloatBuffer(count: t * c.dim)
        xb = FloatBuffer(count: t * c.dim)
        qkv = FloatBuffer(count: t * (c.qDim + 2 * c.kvDim))
        attn = FloatBuffer(count: t * c.qDim)
        gateUp = FloatBuffer(count: t * 2 * c.ffnDim)
        hidden = FloatBuffer(count: t * c.ffnDim)
        cosSin = FloatBuffer(count: t * c.ropeDim)
        logitInput = FloatBuffer(count: r * c.dim)
        logits = FloatBuffer(count: r * c.vocabSize)
        slots = .allocate(capacity: t)
        blasOut = FloatBuffer(count: t * c.dim) // only the residual projections (Wo, Wdown: dim outputs) accumulate
        self.threads = max(1, threads)
        let context = min(c.contextLength, kv.capacity)
        workers = (0..<max(1, threads)).map { _ in AttentionScratch(context: context) }
        jobs.reserveCapacity(t * c.heads)
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    deinit { slots.deallocate() }

    /// Runs every new token of `batch` through the model, writing their K/V into the paged cache.
    /// Returns the number of logit rows written to `logits`, one per sequence with `wantsLogits`, in batch order.
    @discardableResult
    public func forward(_ batch: ForwardBatch) throws -> Int {
        let c = config
        let T = batch.tokens.count
        let qkvDim = c.qDim + 2 * c.kvDim
        guard T <= maxBatchTokens else { throw ForwardError.batchTooLarge(tokens: T, limit: maxBatchTokens) }
        let logitRows = batch.sequences.reduce(0) { $0 + ($1.wantsLogits ? 1 : 0) }
        guard logitRows <= maxLogitRows else { throw ForwardError.tooManyLogitRows(logitRows, limit: maxLogitRows) }
        if T == 0 { return 0 }
        try validate(batch)

        // Embeddings and per-token positions: x: (T, dim), cosSin: (T, ropeDim), slots: (T)
        for (t, token) in batch.tokens.enumerated() {
            try weights.embed(token, into: x[offset: t * c.dim])
        }
        for s in batch.sequences {
            for i in 0..<s.tokenCount {
                let t = s.tokenOffset + i, p = s.startPosition + i
                fillRope(position: p, into: cosSin[offset: t * c.ropeDim])
                slots[t] = s.blockTable[p / kv.blockSize] * Int32(kv.blockSize) + Int32(p % kv.blockSize)
            }
        }

        let P = batch.promptRows
        for (l, w) in weights.layers.enumerated() {
            // Attention norm: xb = rmsnorm(x) · attnNorm
            hk_rmsnorm(x.pointer, c.dim, w.attnNorm.pointer, xb.pointer, c.dim, T, c.dim, c.rmsEps)
            // QKV projection: qkv: (T, qDim + 2·kvDim) = xb · Wqkvᵀ (+ bias)
            linear(xb.pointer, rows: T, promptRows: P, w.wqkv, into: qkv.pointer, accumulate: false)
            if let b = w.bqkv { hk_add_bias(qkv.pointer, qkvDim, b.pointer, T, qkvDim) }
            // RoPE on q: (T, heads, headDim) and k: (T, kvHeads, headDim)
            let neox: Int32 = c.ropeStyle == .neox ? 1 : 0
            hk_rope(qkv.pointer, qkvDim, T, c.heads, c.headDim, c.ropeDim, cosSin.pointer, neox)
            hk_rope(qkv.pointer + c.qDim, qkvDim, T, c.kvHeads, c.headDim, c.ropeDim, cosSin.pointer, neox)
            // Store k, v: (T, kvDim) into their paged slots
            storeKV(layer: l, rows: T, stride: qkvDim)
            // Attention per sequence and head: attn: (T, heads, headDim)
            attention(layer: l, batch: batch)
            // Output projection with residual: x += attn · Woᵀ
            linear(attn.pointer, rows: T, promptRows: P, w.wo, into: x.pointer, accumulate: true)
            // FFN norm: xb = rmsnorm(x) · ffnNorm
            hk_rmsnorm(x.pointer, c.dim, w.ffnNorm.pointer, xb.pointer, c.dim, T, c.dim, c.rmsEps)
            // Gate and up: gateUp: (T, 2·ffnDim) = xb · [Wgate; Wup]ᵀ
            linear(xb.pointer, rows: T, promptRows: P, w.wGateUp, into: gateUp.pointer, accumulate: false)
            // SwiGLU: hidden: (T, ffnDim) = silu(gate) ⊙ up
            hk_silu_mul(gateUp.pointer, hidden.pointer, T, c.ffnDim)
            // Down projection with residual: x += hidden · Wdownᵀ
            linear(hidden.pointer, rows: T, promptRows: P, w.wDown, into: x.pointer, accumulate: true)
        }

        // Final norm of the sampled rows only: logitInput: (R, dim)
        var r = 0
        for s in batch.sequences where s.wantsLogits {
            let t = s.tokenOffset + s.tokenCount - 1
            hk_rmsnorm(x[offset: t * c.dim], c.dim, weights.outputNorm.pointer, logitInput[offset: r * c.dim], c.dim, 1, c.dim, c.rmsEps)
            r += 1
        }
        // Output head: logits: (R, vocab) = logitInput · Woutᵀ
        if r > 0 { packedLinear(logitInput.pointer, rows: r, weights.output, into: logits.pointer, accumulate: false) }
        return r
    }

    /// The logits of row `row` of the last forward pass, as a buffer of `vocabSize` floats.
    public func logitsRow(_ row: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: logits[offset: row * config.vocabSize], count: config.vocabSize)
    }

    // MARK: - Steps

    private func validate(_ batch: ForwardBatch) throws {
        for token in batch.tokens where token < 0 || Int(token) >= config.vocabSize {
            throw ForwardError.tokenOutOfRange(token, vocabSize: config.vocabSize)
        }
        for s in batch.sequences {
            let end = s.startPosition + s.tokenCount
            guard end <= config.contextLength else { throw ForwardError.contextExceeded(position: end, limit: config.contextLength) }
            let needed = (end + kv.blockSize - 1) / kv.blockSize
            guard s.blockTable.count >= needed else { throw ForwardError.blockTableTooShort(needed: needed, have: s.blockTable.count) }
            for b in s.blockTable.prefix(needed) where b < 0 || Int(b) >= kv.blockCount { throw ForwardError.badBlock(b) }
        }
    }

    static func padded(_ rows: Int) -> Int { (rows + gemmRowMultiple - 1) / gemmRowMultiple * gemmRowMultiple }

    /// y: (rows, W.rows) = x: (rows, W.cols) · Wᵀ, added to y when `accumulate`.
    /// Prompt rows `0..<promptRows` go through sgemm (padded to a multiple of 4 rows); the generated rows after them
    /// through the packed kernel.
    private func linear(_ x: UnsafeMutablePointer<Float>, rows: Int, promptRows: Int, _ w: Matrix,
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if promptRows > 0, let rowMajor = w.rowMajor {
            let n = w.rows
            // Without accumulation sgemm writes y directly: its padding rows land on generated rows, which the
            // packed kernel overwrites next, or past the batch. With accumulation it goes through `blasOut`, so
            // the same add happens whether or not generated rows follow (beta = 1 would change the rounding).
            let out = accumulate ? blasOut.pointer : y
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(Self.padded(promptRows)), Int32(n), Int32(w.cols),
                        1, x, Int32(w.cols), rowMajor.pointer, Int32(w.cols), 0, out, Int32(n))
            if accumulate {
                for i in 0..<promptRows * n { y[i] += blasOut.pointer[i] }
            }
        }
        if rows > promptRows {
            packedLinear(x + promptRows * w.cols, rows: rows - promptRows, w, into: y + promptRows * w.rows, accumulate: accumulate)
        }
    }

    /// The packed kernel over all rows, its 16-column panels split between the threads.
    private func packedLinear(_ x: UnsafeMutablePointer<Float>, rows: Int, _ w: Matrix, into y: UnsafeMutablePointer<Float>,
                              accumulate: Bool) {
        let panels = w.panels
        let parts = min(threads, panels)
        let acc: Int32 = accumulate ? 1 : 0
        if parts <= 1 {
            hk_gemm_packed(x, w.cols, rows, w.packed.pointer, w.cols, w.rows, 0, panels, y, w.rows, acc)
            return
        }
        let xs = UnsafeSendable(x), ys = UnsafeSendable(y)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Each part writes only the columns of its own panels.
            let begin = panels * part / parts, end = panels * (part + 1) / parts
            hk_gemm_packed(xs.value, w.cols, rows, w.packed.pointer, w.cols, w.rows, begin, end, ys.value, w.rows, acc)
        }
    }

    /// cos/sin of `position · base^(-2i/ropeDim) / factor[i]` for i in 0..<ropeDim/2 (llama.cpp's rope theta).
    private func fillRope(position: Int, into out: UnsafeMutablePointer<Float>) {
        let half = config.ropeDim / 2
        let factors = weights.ropeFreqFactors
        for i in 0..<half {
            var theta = Double(position) * pow(config.ropeBase, -2.0 * Double(i) / Double(config.ropeDim))
            if let f = factors { theta /= Double(f.pointer[i]) }
            out[2 * i] = Float(cos(theta))
            out[2 * i + 1] = Float(sin(theta))
        }
    }

    private func storeKV(layer l: Int, rows: Int, stride: Int) {
        let k = qkv.pointer + config.qDim, v = k + config.kvDim
        switch kv.precision {
        case .f32:
            hk_store_kv(k, v, stride, rows, config.kvDim, slots,
                        kv.keys[l].assumingMemoryBound(to: Float.self), kv.values[l].assumingMemoryBound(to: Float.self))
        case .f16:
            hk_store_kv_f16(k, v, stride, rows, config.kvDim, slots,
                            kv.keys[l].assumingMemoryBound(to: UInt16.self), kv.values[l].assumingMemoryBound(to: UInt16.self))
        }
    }
}

/// A pointer handed to worker threads that write disjoint parts of what it points to.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
