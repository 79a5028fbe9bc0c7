import GGUF

/// Hyperparameters of a llama-family transformer, read from GGUF metadata.
public struct ModelConfig: Sendable, Equatable {
    /// How RoPE pairs dimensions: adjacent pairs (llama GGUF, whose Q/K rows are permuted at conversion) or halves (qwen2).
    public enum RopeStyle: Sendable { case normal, neox }

    public var architecture: String
    public var layers: Int
    public var dim: Int
    public var ffnDim: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var ropeDim: Int
    public var ropeBase: Double
    public var ropeStyle: RopeStyle
    public var rmsEps: Float
    public var contextLength: Int
    public var vocabSize: Int

    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }

    public init(architecture: String, layers: Int, dim: Int, ffnDim: Int, heads: Int, kvHeads: Int, headDim: Int,
                ropeDim: Int, ropeBase: Double, ropeStyle: RopeStyle, rmsEps: Float, contextLength: Int, vocabSize: Int) {
        self.architecture = architecture
        self.layers = layers
        self.dim = dim
        self.ffnDim = ffnDim
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ropeDim = ropeDim
        self.ropeBase = ropeBase
        self.ropeStyle = ropeStyle
        self.rmsEps = rmsEps
        self.contextLength = contextLength
        self.vocabSize = vocabSize
    }

    /// Architectures whose forward pass this engine implements.
    public static let supportedArchitectures: Set<String> = ["llama", "qwen2"]

    /// Reads the hyperparameters of `file`, throwing `ModelError` for unsupported or inconsistent metadata.
    public init(gguf file: GGUFFile) throws {
        guard let arch = file.string("general.architecture") else { throw ModelError.missingMetadata("general.architecture") }
        guard Self.supportedArchitectures.contains(arch) else { throw ModelError.unsupportedArchitecture(arch) }
        func int(_ key: String) throws -> Int {
            guard let v = file.int("\(arch).\(key)"), v > 0 else { throw ModelError.missingMetadata("\(arch).\(key)") }
            return v
        }
        architecture = arch
        layers = try int("block_count")
        dim = try int("embedding_length")
        ffnDim = try int("feed_forward_length")
        heads = try int("attention.head_count")
        kvHeads = file.int("\(arch).attention.head_count_kv") ?? heads
        headDim = file.int("\(arch).attention.key_length") ?? dim / heads
        ropeDim = file.int("\(arch).rope.dimension_count") ?? headDim
        ropeBase = file.double("\(arch).rope.freq_base") ?? 10000
        // llama.cpp: LLM_ARCH_LLAMA uses LLAMA_ROPE_TYPE_NORM, LLM_ARCH_QWEN2 uses LLAMA_ROPE_TYPE_NEOX.
        ropeStyle = arch == "qwen2" ? .neox : .normal
        rmsEps = Float(file.double("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5)
        contextLength = try int("context_length")
        if let n = file.metadata["tokenizer.ggml.tokens"]?.array?.count {
            vocabSize = n
        } else if let t = file.tensor(named: "token_embd.weight"), t.dims.count == 2 {
            vocabSize = t.dims[1]
        } else {
            throw ModelError.missingMetadata("tokenizer.ggml.tokens")
        }
        guard heads % kvHeads == 0 else { throw ModelError.inconsistent("head_count \(heads) is not a multiple of head_count_kv \(kvHeads)") }
        guard headDim <= 512, headDim % 8 == 0, ropeDim <= headDim, ropeDim % 2 == 0 else {
            throw ModelError.inconsistent("head dimension \(headDim) / rope dimension \(ropeDim) not supported")
        }
    }
}

/// Why a model could not be loaded.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unsupportedArchitecture(String)
    case missingMetadata(String)
    case missingTensor(String)
    case badTensorShape(name: String, expected: [Int], found: [Int])
    case inconsistent(String)
    case unsupportedTensorType(name: String, type: String)
    /// The system refused memory for `what` (`bytes` at once).
    case outOfMemory(what: String, bytes: Int)
    /// `what` needs `needed` bytes and only `available` are free, bounded by `limit` (MemoryBudget.source).
    case insufficientMemory(what: String, needed: Int, available: Int, limit: String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a): "unsupported model architecture '\(a)' (supported: \(ModelConfig.supportedArchitectures.sorted().joined(separator: ", ")))"
        case .missingMetadata(let k): "missing metadata key '\(k)'"
        case .missingTensor(let n): "missing tensor '\(n)'"
        case .badTensorShape(let n, let e, let f): "tensor '\(n)' has shape \(f), expected \(e)"
        case .inconsistent(let m): "inconsistent model: \(m)"
        case .unsupportedTensorType(let n, let t): "tensor '\(n)' has type \(t), which Hearth cannot load (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K-Q6_K)"
        case .outOfMemory(let what, let bytes): "out of memory: could not map \(bytes / 1_048_576) MiB for \(what)"
        case .insufficientMemory(let what, let needed, let available, let limit):
            "not enough memory: \(what) need \(needed / 1_048_576) MiB, this machine has \(available / 1_048_576) MiB available (\(limit))"
        }
    }
}
