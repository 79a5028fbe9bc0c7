import Dispatch
import GGUF

/// One transformer block's weights, dequantized to f32 and fused where one GEMM can serve several projections.
public struct LayerWeights: Sendable {
    /// (dim)
    public let attnNorm: FloatBuffer
    /// (qDim + 2·kvDim, dim): rows of Wq, then Wk, then Wv.
    public let wqkv: Matrix
    /// (qDim + 2·kvDim) when the architecture has q/k/v biases (qwen2).
    public let bqkv: FloatBuffer?
    /// (dim, qDim)
    public let wo: Matrix
    /// (dim)
    public let ffnNorm: FloatBuffer
    /// (2·ffnDim, dim): rows of W_gate, then W_up.
    public let wGateUp: Matrix
    /// (dim, ffnDim)
    public let wDown: Matrix
}

/// All weights of a model: f32 for the GEMMs, the token embedding left quantized in the mapped file.
public final class ModelWeights: Sendable {
    public let config: ModelConfig
    public let layers: [LayerWeights]
    /// (dim)
    public let outputNorm: FloatBuffer
    /// (vocab, dim); the token embedding itself when the model ties them.
    public let output: Matrix
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1), (ropeDim/2).
    public let ropeFreqFactors: FloatBuffer?
    let file: GGUFFile
    let embedding: GGUFTensor
    let embeddingRowBytes: Int

    /// Dequantizes every weight of `file`; `progress` is called after each tensor, from the loading threads.
    public init(file: GGUFFile, config: ModelConfig, progress: (@Sendable (LoadProgress) -> Void)? = nil) throws {
        self.file = file
        self.config = config
        let c = config
        func tensor(_ name: String, _ shape: [Int]) throws -> GGUFTensor {
            guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
            guard t.dims == shape else { throw ModelError.badTensorShape(name: name, expected: shape, found: t.dims) }
            guard t.type.isDequantizable else { throw ModelError.unsupportedTensorType(name: name, type: t.type.name) }
            return t
        }
        embedding = try tensor("token_embd.weight", [c.dim, c.vocabSize])
        embeddingRowBytes = embedding.byteCount / c.vocabSize

        // Plan every job first (shape checks throw before any large allocation), then run them in parallel: a job
        // dequantizes the tensors that fill one destination and, for a matrix, packs its panels right away, so the
        // progress shown covers all the loading work. Each destination belongs to exactly one job.
        struct Copy: @unchecked Sendable { let tensor: GGUFTensor; let dst: UnsafeMutablePointer<Float> }
        struct Job: @unchecked Sendable { let copies: [Copy]; let pack: Matrix?; let dropRowMajor: Bool; let bytes: Int }
        var jobs: [Job] = []
        func load(_ name: String, _ shape: [Int], into dst: UnsafeMutablePointer<Float>) throws {
            let t = try tensor(name, shape)
            jobs.append(Job(copies: [Copy(tensor: t, dst: dst)], pack: nil, dropRowMajor: false, bytes: t.byteCount))
        }
        /// Fills `m` row-major from `parts` stacked in order (q, k, v; gate, up), then packs it.
        func load(_ m: Matrix, from parts: [(String, [Int])], dropRowMajor: Bool = false) throws {
            var copies: [Copy] = []
            var offset = 0
            for (name, shape) in parts {
                let t = try tensor(name, shape)
                copies.append(Copy(tensor: t, dst: m.pointer + offset))
                offset += t.elementCount
            }
            precondition(offset == m.rows * m.cols, "the parts of a matrix fill it exactly")
            jobs.append(Job(copies: copies, pack: m, dropRowMajor: dropRowMajor, bytes: copies.reduce(0) { $0 + $1.tensor.byteCount }))
        }
        let hasBias = file.tensor(named: "blk.0.attn_q.bias") != nil
        let qkvRows = c.qDim + 2 * c.kvDim
        var layers: [LayerWeights] = []
        for l in 0..<c.layers {
            let p = "blk.\(l)."
            let lw = LayerWeights(
                attnNorm: FloatBuffer(count: c.dim),
                wqkv: Matrix(rows: qkvRows, cols: c.dim),
                bqkv: hasBias ? FloatBuffer(count: qkvRows) : nil,
                wo: Matrix(rows: c.dim, cols: c.qDim),
                ffnNorm: FloatBuffer(count: c.dim),
                wGateUp: Matrix(rows: 2 * c.ffnDim, cols: c.dim),
                wDown: Matrix(rows: c.dim, cols: c.ffnDim))
            try load(p + "attn_norm.weight", [c.dim], into: lw.attnNorm.pointer)
            try load(lw.wqkv, from: [(p + "attn_q.weight", [c.dim, c.qDim]), (p + "attn_k.weight", [c.dim, c.kvDim]),
                                     (p + "attn_v.weight", [c.dim, c.kvDim])])
            if let b = lw.bqkv {
                try load(p + "attn_q.bias", [c.qDim], into: b.pointer)
                try load(p + "attn_k.bias", [c.kvDim], into: b.pointer + c.qDim)
                try load(p + "attn_v.bias", [c.kvDim], into: b.pointer + c.qDim + c.kvDim)
            }
            try load(lw.wo, from: [(p + "attn_output.weight", [c.qDim, c.dim])])
            try load(p + "ffn_norm.weight", [c.dim], into: lw.ffnNorm.pointer)
            try load(lw.wGateUp, from: [(p + "ffn_gate.weight", [c.dim, c.ffnDim]), (p + "ffn_up.weight", [c.dim, c.ffnDim])])
            try load(lw.wDown, from: [(p + "ffn_down.weight", [c.ffnDim, c.dim])])
            layers.append(lw)
        }
        self.layers = layers
        outputNorm = FloatBuffer(count: c.dim)
        try load("output_norm.weight", [c.dim], into: outputNorm.pointer)
        output = Matrix(rows: c.vocabSize, cols: c.dim)
        // The output head is used only through its panels.
        let head = file.tensor(named: "output.weight") != nil ? "output.weight" : "token_embd.weight"
        try load(output, from: [(head, [c.dim, c.vocabSize])], dropRowMajor: true)
        if file.tensor(named: "rope_freqs.weight") != nil {
            let f = FloatBuffer(count: c.ropeDim / 2)
            try load("rope_freqs.weight", [c.ropeDim / 2], into: f.pointer)
            ropeFreqFactors = f
        } else {
            ropeFreqFactors = nil
        }

        // Largest first so the two loader threads finish together.
        let plan = jobs.sorted { $0.bytes > $1.bytes }
        let failure = LockedBox<Error?>(nil)
        let done = LockedBox(LoadProgress(tensors: 0, totalTensors: plan.reduce(0) { $0 + $1.copies.count }, bytes: 0,
                                          totalBytes: plan.reduce(0) { $0 + $1.bytes }))
        let file = self.file
        DispatchQueue.concurrentPerform(iterations: plan.count) { i in
            let job = plan[i]
            do {
                for copy in job.copies {
                    try copy.tensor.type.dequantize(file.data(of: copy.tensor), count: copy.tensor.elementCount, into: copy.dst)
                }
                job.pack?.pack(dropRowMajor: job.dropRowMajor)
            } catch {
                failure.withLock { $0 = error }
            }
            let now = done.withLock { p -> LoadProgress in
                p.tensors += job.copies.count
                p.bytes += job.bytes
                return p
            }
            progress?(now)
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Writes the f32 embedding of `token` into `dst` (dim floats), dequantizing one row of the mapped tensor.
    @inline(__always)
    func embed(_ token: Int32, into dst: UnsafeMutablePointer<Float>) throws {
        let row = file.data(of: embedding) + Int(token) * embeddingRowBytes
        try embedding.type.dequantize(row, count: config.dim, into: dst)
    }

    /// Bytes of f32 weights held in memory (layer matrices twice: row-major and panels).
    public var residentBytes: Int {
        let perLayer = layers.first.map { l in
            (l.wqkv.rows * l.wqkv.cols + l.wo.rows * l.wo.cols + l.wGateUp.rows * l.wGateUp.cols + l.wDown.rows * l.wDown.cols) * 4
        } ?? 0
        return 2 * perLayer * layers.count + output.rows * output.cols * 4
    }
}

/// How far weight loading has got: tensors and bytes of the GGUF file dequantized so far.
public struct LoadProgress: Sendable, Equatable {
    public var tensors: Int
    public var totalTensors: Int
    public var bytes: Int
    public var totalBytes: Int

    public init(tensors: Int, totalTensors: Int, bytes: Int, totalBytes: Int) {
        self.tensors = tensors
        self.totalTensors = totalTensors
        self.bytes = bytes
        self.totalBytes = totalBytes
    }
}
