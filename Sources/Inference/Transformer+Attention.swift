import CKernels
import COpenBLAS
import Dispatch
import Foundation

extension Transformer {
    /// Causal attention of every sequence's new tokens over its cached positions, reading K/V through its block table.
    /// q comes from `qkv` (T, heads, headDim); the result goes to `attn` (T, heads, headDim).
    func attention(layer l: Int, batch: ForwardBatch) {
        let c = config
        let scale = 1 / Float(c.headDim).squareRoot()
        let group = c.heads / c.kvHeads
        let qkvDim = c.qDim + 2 * c.kvDim

        // Long chunks: gather each kv head's K/V once, then two sgemms per query head (BLAS threads in parallel).
        for s in batch.sequences where s.tokenCount >= gemmAttentionThreshold {
            let n = s.tokenCount, L = s.startPosition + n
            let w = workers[0]
            s.blockTable.withUnsafeBufferPointer { table in
                for g in 0..<c.kvHeads {
                    gatherKV(layer: l, table: table.baseAddress!, length: L, kvHead: g, into: w)
                    for h in g * group..<(g + 1) * group {
                        let q = qkvPointer + s.tokenOffset * qkvDim + h * c.headDim
                        let out = attnPointer + s.tokenOffset * c.qDim + h * c.headDim
                        // scores: (n, L) = q_h · Kᵀ
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(L), Int32(c.headDim),
                                    1, q, Int32(qkvDim), w.k.pointer, Int32(c.headDim), 0, w.scores.pointer, Int32(L))
                        hk_causal_softmax(w.scores.pointer, L, n, s.startPosition, scale)
                        // out_h: (n, headDim) = P · V
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(c.headDim), Int32(L),
                                    1, w.scores.pointer, Int32(L), w.v.pointer, Int32(c.headDim), 0, out, Int32(c.qDim))
                    }
                }
            }
        }

        // Short chunks and decode tokens: one job per (sequence, head), straight from the paged cache, across threads.
        let short = batch.sequences.filter { $0.tokenCount < gemmAttentionThreshold && $0.tokenCount > 0 }
        if short.isEmpty { return }
        let jobs = short.count * c.heads
        let threads = min(workers.count, jobs)
        let kvHeads = c.kvHeads, headDim = c.headDim, blockSize = kv.blockSize
        let precision = kv.precision, qDim = c.qDim
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            // Each worker writes only its own heads' rows of `attn` and its own scratch.
            let keys = self.kv.keys[l], values = self.kv.values[l]
            let q0 = self.qkvPointer, out0 = self.attnPointer, workers = self.workers
            let scratch = workers[worker].scores.pointer
            for job in stride(from: worker, to: jobs, by: threads) {
                let s = short[job / c.heads], h = job % c.heads, g = h / group
                let q = q0 + s.tokenOffset * qkvDim + h * headDim
                let out = out0 + s.tokenOffset * qDim + h * headDim
                s.blockTable.withUnsafeBufferPointer { table in
                    switch precision {
                    case .f32:
                        hk_attend_paged(q, qkvDim, s.tokenCount, s.startPosition,
                                        keys.assumingMemoryBound(to: Float.self), values.assumingMemoryBound(to: Float.self),
                                        table.baseAddress!, blockSize, kvHeads, headDim, g, scale, out, qDim, scratch)
                    case .f16:
                        hk_attend_paged_f16(q, qkvDim, s.tokenCount, s.startPosition,
                                            keys.assumingMemoryBound(to: UInt16.self), values.assumingMemoryBound(to: UInt16.self),
                                            table.baseAddress!, blockSize, kvHeads, headDim, g, scale, out, qDim, scratch)
                    }
                }
            }
        }
    }

    private func gatherKV(layer l: Int, table: UnsafePointer<Int32>, length: Int, kvHead: Int, into w: AttentionScratch) {
        switch kv.precision {
        case .f32:
            hk_gather_kv(kv.keys[l].assumingMemoryBound(to: Float.self), kv.values[l].assumingMemoryBound(to: Float.self),
                         table, kv.blockSize, length, config.kvHeads, config.headDim, kvHead, w.k.pointer, w.v.pointer)
        case .f16:
            hk_gather_kv_f16(kv.keys[l].assumingMemoryBound(to: UInt16.self), kv.values[l].assumingMemoryBound(to: UInt16.self),
                             table, kv.blockSize, length, config.kvHeads, config.headDim, kvHead, w.k.pointer, w.v.pointer)
        }
    }
}
