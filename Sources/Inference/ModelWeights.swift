import Dispatch
import GGUF
import Synchronization

/// One transformer block's weights: matrices in their GGUF block types (packed panels), fused where one product
/// can serve several projections; norms and biases in f32.
public struct LayerWeights: Sendable {
    /// (dim)
    public let attnNorm: FloatBuffer
    /// (qDim + 2·kvDim, dim): rows of Wq, then Wk, then Wv, each in its own type.
    public let wqkv: PackedMatrix
    /// (qDim + 2·kvDim) when the architecture has q/k/v biases (qwen2).
    public let bqkv: FloatBuffer?
    /// (dim, qDim)
    public let wo: PackedMatrix
    /// (dim)
    public let ffnNorm: FloatBuffer
    /// (2·ffnDim, dim): rows of W_gate, then W_up.
    public let wGateUp: PackedMatrix
    /// (dim, ffnDim)
    public let wDown: PackedMatrix
}

/// All weights of a model, repacked from the mapped GGUF file once; the file's pages are released afterwards.
public final class ModelWeights: Sendable {
    public let config: ModelConfig
    public let layers: [LayerWeights]
    /// (dim)
    public let outputNorm: FloatBuffer
    /// (vocab, dim); the token embedding itself when the model ties them.
    public let output: PackedMatrix
    /// (vocab, dim), looked up one row at a time.
    public let embedding: PackedMatrix
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1), (ropeDim/2).
    public let ropeFreqFactors: FloatBuffer?
    /// Bytes of weights held in memory: packed matrices plus f32 norms and biases.
    public let residentBytes: Int

    /// The bytes `file`'s weights take once loaded, without loading them (for the memory check before loading).
    public static func plannedBytes(file: GGUFFile, config: ModelConfig) throws -> Int {
        try Plan(file: file, config: config).bytes
    }

    /// Repacks every weight of `file`; `progress` is called after each tensor, from the loading threads.
    /// Throws `ModelError.insufficientMemory` before allocating when the weights do not fit in the memory available.
    public init(file: GGUFFile, config: ModelConfig, progress: (@Sendable (LoadProgress) -> Void)? = nil) throws {
        self.config = config
        let plan = try Plan(file: file, config: config)
        let available = MemoryBudget.current()
        if plan.bytes > available.bytes {
            throw ModelError.insufficientMemory(what: "the weights", needed: plan.bytes, available: available.bytes,
                                                limit: available.source)
        }
        let c = config
        let arena = try WeightArena(bytes: plan.matrixBytes)

        // Allocate every destination first, then fill them in parallel: a job packs one segment (one tensor) or
        // dequantizes one f32 vector; each destination belongs to exactly one job.
        struct Job: @unchecked Sendable {
            // The destinations are disjoint; a job is run by one loader thread.
            enum Target { case segment(PackedMatrix, Int), vector(UnsafeMutablePointer<Float>) }
            let tensor: GGUFTensor
            let target: Target
        }
        var jobs: [Job] = []
        func matrix(_ parts: [String], name: String) throws -> PackedMatrix {
            let tensors = try parts.map { try plan.tensor($0) }
            let m = try PackedMatrix(cols: tensors[0].dims[0], parts: tensors.map { ($0.type, $0.dims[1]) }, name: name,
                                     arena: arena)
            for (i, t) in tensors.enumerated() { jobs.append(Job(tensor: t, target: .segment(m, i))) }
            return m
        }
        func vector(_ name: String, _ count: Int, into dst: UnsafeMutablePointer<Float>) throws {
            let t = try plan.tensor(name)
            guard t.elementCount == count else { throw ModelError.badTensorShape(name: name, expected: [count], found: t.dims) }
            jobs.append(Job(tensor: t, target: .vector(dst)))
        }
        var layers: [LayerWeights] = []
        for l in 0..<c.layers {
            let p = "blk.\(l)."
            let hasBias = file.tensor(named: p + "attn_q.bias") != nil
            let qkvRows = c.qDim + 2 * c.kvDim
            let lw = LayerWeights(
                attnNorm: FloatBuffer(count: c.dim),
                wqkv: try matrix([p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight"], name: p + "attn_qkv"),
                bqkv: hasBias ? FloatBuffer(count: qkvRows) : nil,
                wo: try matrix([p + "attn_output.weight"], name: p + "attn_output.weight"),
                ffnNorm: FloatBuffer(count: c.dim),
                wGateUp: try matrix([p + "ffn_gate.weight", p + "ffn_up.weight"], name: p + "ffn_gate_up"),
                wDown: try matrix([p + "ffn_down.weight"], name: p + "ffn_down.weight"))
            try vector(p + "attn_norm.weight", c.dim, into: lw.attnNorm.pointer)
            if let b = lw.bqkv {
                try vector(p + "attn_q.bias", c.qDim, into: b.pointer)
                try vector(p + "attn_k.bias", c.kvDim, into: b.pointer + c.qDim)
                try vector(p + "attn_v.bias", c.kvDim, into: b.pointer + c.qDim + c.kvDim)
            }
            try vector(p + "ffn_norm.weight", c.dim, into: lw.ffnNorm.pointer)
            layers.append(lw)
        }
        self.layers = layers
        outputNorm = FloatBuffer(count: c.dim)
        try vector("output_norm.weight", c.dim, into: outputNorm.pointer)
        embedding = try matrix(["token_embd.weight"], name: "token_embd.weight")
        output = plan.tiedOutput ? embedding : try matrix(["output.weight"], name: "output.weight")
        if file.tensor(named: "rope_freqs.weight") != nil {
            let f = FloatBuffer(count: c.ropeDim / 2)
            try vector("rope_freqs.weight", c.ropeDim / 2, into: f.pointer)
            ropeFreqFactors = f
        } else {
            ropeFreqFactors = nil
        }
        residentBytes = plan.bytes

        // Largest first so the loader threads finish together.
        let ordered = jobs.sorted { $0.tensor.byteCount > $1.tensor.byteCount }
        let failure = Mutex<Error?>(nil)
        let done = Mutex(LoadProgress(tensors: 0, totalTensors: ordered.count, bytes: 0,
                                          totalBytes: ordered.reduce(0) { $0 + $1.tensor.byteCount }))
        DispatchQueue.concurrentPerform(iterations: ordered.count) { i in
            let job = ordered[i]
            do {
                let src = file.data(of: job.tensor)
                switch job.target {
                case .segment(let m, let index): try m.pack(segment: index, from: src, tensorName: job.tensor.name)
                case .vector(let dst): try job.tensor.type.dequantize(src, count: job.tensor.elementCount, into: dst)
                }
            } catch {
                failure.withLock { $0 = error }
            }
            // This tensor now lives in its packed copy: drop its pages of the file, so the peak is not file + copy.
            file.release(job.tensor)
            let now = done.withLock { p -> LoadProgress in
                p.tensors += 1
                p.bytes += job.tensor.byteCount
                return p
            }
            progress?(now)
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Writes the f32 embedding of `token` into `dst` (dim floats), dequantizing one row of the packed table.
    @inline(__always)
    func embed(_ token: Int32, into dst: UnsafeMutablePointer<Float>) {
        embedding.dequantizeRow(Int(token), into: dst)
    }
}

/// The tensors a model needs, checked for shape and type, and the bytes they take once loaded.
struct Plan {
    let file: GGUFFile
    let tiedOutput: Bool
    /// Bytes of packed matrices, and of everything (matrices and f32 vectors).
    let matrixBytes: Int
    let bytes: Int
    private let shapes: [String: [Int]]

    init(file: GGUFFile, config c: ModelConfig) throws {
        self.file = file
        tiedOutput = file.tensor(named: "output.weight") == nil
        var shapes: [String: [Int]] = [:]
        var matrices: [[String]] = []
        for l in 0..<c.layers {
            let p = "blk.\(l)."
            shapes[p + "attn_norm.weight"] = [c.dim]
            shapes[p + "ffn_norm.weight"] = [c.dim]
            shapes[p + "attn_q.weight"] = [c.dim, c.qDim]
            shapes[p + "attn_k.weight"] = [c.dim, c.kvDim]
            shapes[p + "attn_v.weight"] = [c.dim, c.kvDim]
            shapes[p + "attn_output.weight"] = [c.qDim, c.dim]
            shapes[p + "ffn_gate.weight"] = [c.dim, c.ffnDim]
            shapes[p + "ffn_up.weight"] = [c.dim, c.ffnDim]
            shapes[p + "ffn_down.weight"] = [c.ffnDim, c.dim]
            if file.tensor(named: p + "attn_q.bias") != nil {
                shapes[p + "attn_q.bias"] = [c.qDim]
                shapes[p + "attn_k.bias"] = [c.kvDim]
                shapes[p + "attn_v.bias"] = [c.kvDim]
            }
            matrices += [[p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight"], [p + "attn_output.weight"],
                         [p + "ffn_gate.weight", p + "ffn_up.weight"], [p + "ffn_down.weight"]]
        }
        shapes["output_norm.weight"] = [c.dim]
        shapes["token_embd.weight"] = [c.dim, c.vocabSize]
        matrices.append(["token_embd.weight"])
        if !tiedOutput {
            shapes["output.weight"] = [c.dim, c.vocabSize]
            matrices.append(["output.weight"])
        }
        if file.tensor(named: "rope_freqs.weight") != nil { shapes["rope_freqs.weight"] = [c.ropeDim / 2] }
        self.shapes = shapes

        var vectors = 0, total = 0
        for (name, shape) in shapes where shape.count == 1 { _ = try Self.check(file, name, shape); vectors += shape[0] * 4 }
        for parts in matrices {
            let tensors = try parts.map { try Self.check(file, $0, shapes[$0]!) }
            guard let b = PackedMatrix.bytes(cols: tensors[0].dims[0], parts: tensors.map { ($0.type, $0.dims[1]) }) else {
                let bad = tensors.first { PackedMatrix.bytes(cols: $0.dims[0], parts: [($0.type, $0.dims[1])]) == nil }!
                throw ModelError.unsupportedTensorType(name: bad.name, type: bad.type.name)
            }
            total += b
        }
        matrixBytes = total
        bytes = total + vectors
    }

    func tensor(_ name: String) throws -> GGUFTensor { try Self.check(file, name, shapes[name] ?? []) }

    private static func check(_ file: GGUFFile, _ name: String, _ shape: [Int]) throws -> GGUFTensor {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard t.dims == shape else { throw ModelError.badTensorShape(name: name, expected: shape, found: t.dims) }
        guard t.type.isDequantizable else { throw ModelError.unsupportedTensorType(name: name, type: t.type.name) }
        return t
    }
}

/// How far weight loading has got: tensors and bytes of the GGUF file repacked so far.
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
