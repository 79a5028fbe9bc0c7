import CKernels

extension Transformer {
    /// One unit of attention work: `rows` query rows of one head of one sequence.
    struct AttentionJob {
        var sequence: Int32
        var head: Int32
        var row: Int32
        var rows: Int32
    }

    /// Rows per job: small enough to balance the causal triangle across threads, large enough to share K/V loads.
    static let attentionRowsPerJob = 16

    /// Causal attention of every sequence's new tokens over its cached positions, reading K/V through its block table.
    /// q comes from `qkv` (T, heads, headDim); the result goes to `attn` (T, heads, headDim).
    func attention(layer l: Int, batch: ForwardBatch) {
        let c = config
        jobs.removeAll(keepingCapacity: true)
        for (i, s) in batch.sequences.enumerated() {
            for h in 0..<c.heads {
                for r in stride(from: 0, to: s.tokenCount, by: Self.attentionRowsPerJob) {
                    jobs.append(AttentionJob(sequence: Int32(i), head: Int32(h), row: Int32(r),
                                             rows: Int32(min(Self.attentionRowsPerJob, s.tokenCount - r))))
                }
            }
        }
        let threads = min(self.threads, jobs.count)
        if threads == 0 { return }
        pool.run(parts: threads) { worker in
            // Each job writes only its own rows of one head of `attn`; each worker its own scratch.
            self.runAttentionJobs(layer: l, batch: batch, worker: worker, threads: threads)
        }
    }

    private func runAttentionJobs(layer l: Int, batch: ForwardBatch, worker: Int, threads: Int) {
        let c = config
        let scale = 1 / Float(c.headDim).squareRoot()
        let group = c.heads / c.kvHeads
        let qkvDim = c.qDim + 2 * c.kvDim
        let f16: Int32 = kv.precision == .f16 ? 1 : 0
        let keys = UnsafeRawPointer(kv.keys[l]), values = UnsafeRawPointer(kv.values[l])
        let scratch = workers[worker].scores.pointer
        jobs.withUnsafeBufferPointer { jobs in
            for j in stride(from: worker, to: jobs.count, by: threads) {
                let job = jobs[j]
                let s = batch.sequences[Int(job.sequence)]
                let h = Int(job.head), row = Int(job.row)
                let t = s.tokenOffset + row
                s.blockTable.withUnsafeBufferPointer { table in
                    hk_attention(qkv.pointer + t * qkvDim + h * c.headDim, qkvDim, Int(job.rows), s.startPosition + row,
                                 keys, values, f16, table.baseAddress!, kv.blockSize, c.kvHeads, c.headDim, h / group,
                                 scale, attn.pointer + t * c.qDim + h * c.headDim, c.qDim, scratch)
                }
            }
        }
    }
}
