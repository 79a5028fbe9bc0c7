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

        // Plan every copy first (shape checks throw before any large allocation), then dequantize in parallel.
        // Each destination is written by exactly one loader iteration; the buffers are owned by the weights being built.
        struct Copy: @unchecked Sendable { let tensor: GGUFTensor; let dst: UnsafeMutablePointer<Float> }
        var copies: [Copy] = []
        func load(_ name: String, _ shape: [Int], into dst: UnsafeMutablePointer<Float>) throws {
            copies.append(Copy(tensor: try tensor(name, shape), dst: dst))
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
            try load(p + "attn_q.weight", [c.dim, c.qDim], into: lw.wqkv.pointer)
            try load(p + "attn_k.weight", [c.dim, c.kvDim], into: lw.wqkv.pointer + c.qDim * c.dim)
            try load(p + "attn_v.weight", [c.dim, c.kvDim], into: lw.wqkv.pointer + (c.qDim + c.kvDim) * c.dim)
            if let b = lw.bqkv {
                try load(p + "attn_q.bias", [c.qDim], into: b.pointer)
                try load(p + "attn_k.bias", [c.kvDim], into: b.pointer + c.qDim)
                try load(p + "attn_v.bias", [c.kvDim], into: b.pointer + c.qDim + c.kvDim)
            }
            try load(p + "attn_output.weight", [c.qDim, c.dim], into: lw.wo.pointer)
            try load(p + "ffn_norm.weight", [c.dim], into: lw.ffnNorm.pointer)
            try load(p + "ffn_gate.weight", [c.dim, c.ffnDim], into: lw.wGateUp.pointer)
            try load(p + "ffn_up.weight", [c.dim, c.ffnDim], into: lw.wGateUp.pointer + c.ffnDim * c.dim)
            try load(p + "ffn_down.weight", [c.ffnDim, c.dim], into: lw.wDown.pointer)
            layers.append(lw)
        }
        self.layers = layers
        outputNorm = FloatBuffer(count: c.dim)
        try load("output_norm.weight", [c.dim], into: outputNorm.pointer)
        output = Matrix(rows: c.vocabSize, cols: c.dim)
        if file.tensor(named: "output.weight") != nil {
            try load("output.weight", [c.dim, c.vocabSize], into: output.pointer)
        } else {
            try load("token_embd.weight", [c.dim, c.vocabSize], into: output.pointer)
        }
        if file.tensor(named: "rope_freqs.weight") != nil {
            let f = FloatBuffer(count: c.ropeDim / 2)
            try load("rope_freqs.weight", [c.ropeDim / 2], into: f.pointer)
            ropeFreqFactors = f
        } else {
            ropeFreqFactors = nil
        }

        // Largest first so the two loader threads finish together.
        let plan = copies.sorted { $0.tensor.byteCount > $1.tensor.byteCount }
        let failure = LockedBox<Error?>(nil)
        let done = LockedBox(LoadProgress(tensors: 0, totalTensors: plan.count, bytes: 0,
                                          totalBytes: plan.reduce(0) { $0 + $1.tensor.byteCount }))
        let file = self.file
        DispatchQueue.concurrentPerform(iterations: plan.count) { i in
            let copy = plan[i]
            do {
                try copy.tensor.type.dequantize(file.data(of: copy.tensor), count: copy.tensor.elementCount, into: copy.dst)
            } catch {
                failure.withLock { $0 = error }
            }
            let now = done.withLock { p -> LoadProgress in
                p.tensors += 1
                p.bytes += copy.tensor.byteCount
                return p
            }
            progress?(now)
        }
        if let error = failure.withLock({ $0 }) { throw error }

        // Panel copies for the row-invariant kernel; the output head is used only through them.
        var matrices: [(Matrix, Bool)] = [(output, true)]
        for l in layers { matrices += [(l.wqkv, false), (l.wo, false), (l.wGateUp, false), (l.wDown, false)] }
        let packList = matrices
        DispatchQueue.concurrentPerform(iterations: packList.count) { i in packList[i].0.pack(dropRowMajor: packList[i].1) }
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
