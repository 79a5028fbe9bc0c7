import CKernels
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
    public let maxSequences: Int
    /// Threads for the matrix products and attention (the pool's, which may have got fewer than asked for).
    var threads: Int { pool.threads }
    /// The instruction set of the matrix kernels (all give the same bits).
    public let isa: KernelISA

    // Scratch, sized at init; shapes use T = maxBatchTokens.
    private let x: FloatBuffer          // x: (T, dim) residual stream
    private let xb: FloatBuffer         // xb: (T, dim) normed input of a sublayer
    let qkv: FloatBuffer                // qkv: (T, qDim + 2·kvDim)
    let attn: FloatBuffer               // attn: (T, qDim) attention output, heads side by side
    private let gateUp: FloatBuffer     // gateUp: (T, 2·ffnDim)
    private let hidden: FloatBuffer     // hidden: (T, ffnDim)
    private let cosSin: FloatBuffer     // cosSin: (T, ropeDim/2, 2)
    private let logitInput: FloatBuffer // logitInput: (R, dim) final-normed rows that are sampled
    private let productScratch: [FloatBuffer] // per thread: weight tiles, accumulators, packed rows (hk_qscratch_floats)
    /// logits: (R, vocab)
    public let logits: FloatBuffer
    private let slots: UnsafeMutablePointer<Int32>     // slots: (T) flat KV slot per token
    let workers: [AttentionScratch]
    /// The threads of the parallel loops (this thread is part 0).
    let pool: WorkerPool
    var jobs: [AttentionJob] = []

    /// Per-thread attention scratch: scores of a tile of 4 query rows, (4, ctx).
    final class AttentionScratch: @unchecked Sendable {
        // Each worker index is used by one thread at a time within `forward`.
        let scores: FloatBuffer
        init(context: Int) { scores = FloatBuffer(count: Int(HK_ATTN_TILE) * context) }
    }

    /// Builds a transformer with scratch for `maxBatchTokens` tokens and `maxSequences` sampled rows per pass.
    public init(weights: ModelWeights, kv: KVStorage, maxBatchTokens: Int = 512, maxSequences: Int = 64, threads: Int = 2,
                isa: KernelISA = .selected) {
        let c = weights.config
        config = c
        self.weights = weights
        self.kv = kv
        self.maxBatchTokens = maxBatchTokens
        self.maxSequences = maxSequences
        let t = maxBatchTokens
        let r = maxSequences
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
        self.isa = isa
        pool = WorkerPool(threads: max(1, threads))
        productScratch = (0..<max(1, threads)).map { _ in FloatBuffer(count: hk_qscratch_floats(max(c.dim, c.qDim, c.ffnDim)), zeroed: false) }
        let context = min(c.contextLength, kv.capacity)
        workers = (0..<max(1, threads)).map { _ in AttentionScratch(context: context) }
        jobs.reserveCapacity(t * c.heads)
    }

    deinit {
        pool.shutdown()
        slots.deallocate()
    }

    /// Runs every new token of `batch` through the model, writing their K/V into the paged cache.
    /// Returns the number of logit rows written to `logits`, one per sequence with `wantsLogits`, in batch order.
    @discardableResult
    public func forward(_ batch: ForwardBatch) throws -> Int {
        let c = config
        let T = batch.tokens.count
        let qkvDim = c.qDim + 2 * c.kvDim
        guard T <= maxBatchTokens else { throw ForwardError.batchTooLarge(tokens: T, limit: maxBatchTokens) }
        let logitRows = batch.sequences.reduce(0) { $0 + ($1.wantsLogits ? 1 : 0) }
        guard logitRows <= maxSequences else { throw ForwardError.tooManyLogitRows(logitRows, limit: maxSequences) }
        if T == 0 { return 0 }
        try validate(batch)

        // Embeddings and per-token positions: x: (T, dim), cosSin: (T, ropeDim), slots: (T)
        for (t, token) in batch.tokens.enumerated() {
            weights.embed(token, into: x[offset: t * c.dim])
        }
        for s in batch.sequences {
            for i in 0..<s.tokenCount {
                let t = s.tokenOffset + i, p = s.startPosition + i
                fillRope(position: p, into: cosSin[offset: t * c.ropeDim])
                slots[t] = s.blockTable[p / kv.blockSize] * Int32(kv.blockSize) + Int32(p % kv.blockSize)
            }
        }

        for (l, w) in weights.layers.enumerated() {
            // Attention norm: xb = rmsnorm(x) · attnNorm
            hk_rmsnorm(x.pointer, c.dim, w.attnNorm.pointer, xb.pointer, c.dim, T, c.dim, c.rmsEps)
            // QKV projection: qkv: (T, qDim + 2·kvDim) = xb · Wqkvᵀ (+ bias)
            linear(xb.pointer, rows: T, w.wqkv, into: qkv.pointer, accumulate: false)
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
            linear(attn.pointer, rows: T, w.wo, into: x.pointer, accumulate: true)
            // FFN norm: xb = rmsnorm(x) · ffnNorm
            hk_rmsnorm(x.pointer, c.dim, w.ffnNorm.pointer, xb.pointer, c.dim, T, c.dim, c.rmsEps)
            // Gate and up: gateUp: (T, 2·ffnDim) = xb · [Wgate; Wup]ᵀ
            linear(xb.pointer, rows: T, w.wGateUp, into: gateUp.pointer, accumulate: false)
            // SwiGLU: hidden: (T, ffnDim) = silu(gate) ⊙ up
            hk_silu_mul(gateUp.pointer, hidden.pointer, T, c.ffnDim)
            // Down projection with residual: x += hidden · Wdownᵀ
            linear(hidden.pointer, rows: T, w.wDown, into: x.pointer, accumulate: true)
        }

        // Final norm of the sampled rows only: logitInput: (R, dim)
        var r = 0
        for s in batch.sequences where s.wantsLogits {
            let t = s.tokenOffset + s.tokenCount - 1
            hk_rmsnorm(x[offset: t * c.dim], c.dim, weights.outputNorm.pointer, logitInput[offset: r * c.dim], c.dim, 1, c.dim, c.rmsEps)
            r += 1
        }
        // Output head: logits: (R, vocab) = logitInput · Woutᵀ
        if r > 0 { linear(logitInput.pointer, rows: r, weights.output, into: logits.pointer, accumulate: false) }
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

    /// y: (rows, W.rows) = x: (rows, W.cols) · Wᵀ, added to y when `accumulate`. Every row, prompt or generated,
    /// takes the same path: the panels are split between the threads, and each output element is one fma chain
    /// over k in order (quant.h), so a row's result never depends on the batch, the thread count or the CPU.
    private func linear(_ x: UnsafeMutablePointer<Float>, rows: Int, _ w: PackedMatrix, into y: UnsafeMutablePointer<Float>,
                        accumulate: Bool) {
        let panels = w.panels
        let parts = min(threads, panels)
        if parts <= 1 {
            w.multiply(x, rows: rows, panels: 0..<panels, into: y, accumulate: accumulate, isa: isa,
                       scratch: productScratch[0].pointer)
            return
        }
        pool.run(parts: parts) { part in
            // Each part writes only the columns of its own panels, with its own scratch.
            let begin = panels * part / parts, end = panels * (part + 1) / parts
            w.multiply(x, rows: rows, panels: begin..<end, into: y, accumulate: accumulate, isa: isa,
                       scratch: productScratch[part].pointer)
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
