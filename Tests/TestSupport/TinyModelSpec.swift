import GGUF

extension TinyModel {
    /// The shape, options and matrix types of one synthetic model. `standard` is the one the fast tests run on; the
    /// others exist to put the loader and the forward pass through what it does not have (batch invariance on each
    /// in InferenceTests): heads wider than the model, partial RoPE with Llama 3.1 frequency factors, qwen2's neox
    /// RoPE and q/k/v biases, tied output, and the K-quants that need 256 columns.
    public struct Spec: Hashable, Sendable, CustomStringConvertible {
        public var name: String
        /// "llama" or "qwen2" (which selects neox RoPE; ModelConfig).
        public var architecture: String
        public var dim: Int
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        public var ropeDim: Int
        public var ffnDim: Int
        /// Per layer, the types of (q, k, v, output, gate, up, down).
        public var layerTypes: [[GGMLType]]
        public var embeddingType: GGMLType
        /// nil: no `output.weight`, so the output is tied to the embedding.
        public var outputType: GGMLType?
        /// q/k/v biases (qwen2 has them).
        public var qkvBias: Bool
        /// A `rope_freqs.weight` tensor (Llama 3.1's per-dimension RoPE divisors).
        public var ropeFreqFactors: Bool
        /// Token classes in the embedding and the output (TinyModel.tensors): greedy text stays printable after
        /// printable text and continues in partial bytes after emoji. Needs an untied output of F32/F16/BF16/Q8_0.
        public var textLike: Bool
        public var seed: UInt64

        public var layers: Int { layerTypes.count }
        public var qDim: Int { heads * headDim }
        public var kvDim: Int { kvHeads * headDim }
        /// As SmolLM2's, so limits in tests read the same on either.
        public var contextLength: Int { 8192 }
        public var description: String { name }
    }

    /// dim 64, 4 heads over 2 KV heads of 16, 2 layers, FFN 256: every legacy block type and F16/BF16/F32 on the
    /// 64-column matrices, Q4_K and Q6_K on the FFN down projections; q/k/v and gate/up fuse mixed types.
    public static let standard = Spec(
        name: "standard", architecture: "llama", dim: 64, heads: 4, kvHeads: 2, headDim: 16, ropeDim: 16, ffnDim: 256,
        layerTypes: [
            [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .bf16, .q4_K],
            [.q8_0, .q5_1, .q4_1, .q4_0, .q5_0, .f32, .q6_K],
        ],
        embeddingType: .q8_0, outputType: .f16, qkvBias: false, ropeFreqFactors: false, textLike: true,
        seed: 0x4845_4152_5448) // "HEARTH"

    /// Two heads of 128 over one KV head (q is 256 wide, so the attention output projection takes K-quants),
    /// RoPE on half of each head with frequency factors: Q2_K, Q3_K and Q5_K.
    public static let wideHeads = Spec(
        name: "wideHeads", architecture: "llama", dim: 64, heads: 2, kvHeads: 1, headDim: 128, ropeDim: 64, ffnDim: 256,
        layerTypes: [
            [.q8_0, .q4_0, .q4_1, .q5_K, .q5_0, .q8_0, .q3_K],
            [.f16, .q5_1, .q8_0, .q2_K, .q4_1, .q4_0, .q5_K],
        ],
        embeddingType: .q4_0, outputType: .q8_0, qkvBias: false, ropeFreqFactors: true, textLike: false,
        seed: 0x5749_4445) // "WIDE"

    /// qwen2: neox RoPE, q/k/v biases, output tied to a Q8_0 embedding, 4 heads over 1 KV head; Q4_K_M-like types.
    public static let qwen2 = Spec(
        name: "qwen2", architecture: "qwen2", dim: 64, heads: 4, kvHeads: 1, headDim: 16, ropeDim: 16, ffnDim: 256,
        layerTypes: [
            [.q5_0, .q5_0, .q8_0, .q5_0, .q5_0, .q5_0, .q6_K],
            [.q5_0, .q5_0, .q5_0, .q5_0, .q5_0, .q5_0, .q4_K],
        ],
        embeddingType: .q8_0, outputType: nil, qkvBias: true, ropeFreqFactors: false, textLike: false,
        seed: 0x5157_454E) // "QWEN"
}
