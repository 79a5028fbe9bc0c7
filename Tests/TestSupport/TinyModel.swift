import Foundation
import GGUF
import Inference

/// A synthetic llama-architecture model small enough that a forward pass costs microseconds: dim 64, 4 heads over
/// 2 KV heads (head dim 16), 2 layers, FFN 256, 304 tokens of byte-level BPE with ChatML control tokens and a
/// ChatML template, context 8192 (as SmolLM2's). Weights are random from a fixed seed, written in the block types
/// the loader accepts, spread over the matrices so one model runs every packed kernel family: Q4_0, Q4_1, Q5_0,
/// Q5_1, Q8_0, F16, BF16, F32 on the 64-column matrices, Q4_K and Q6_K on the 256-column FFN down projections;
/// q/k/v and gate/up are fused matrices of mixed types.
///
/// It knows nothing, but it is deterministic and its greedy output varies with the context: tests of batching,
/// scheduling, caching, HTTP and the OpenAI API use it in place of the real models (`TestModels`), which are kept
/// for the assertions about real text (the RealModelTests target).
public enum TinyModel {
    public static let dim = 64
    public static let heads = 4
    public static let kvHeads = 2
    public static let layers = 2
    public static let ffnDim = 256
    public static let contextLength = 8192
    public static let seed: UInt64 = 0x4845_4152_5448 // "HEARTH"

    /// Matrix types per layer: (q, k, v, output, gate, up, down).
    static let layerTypes: [[GGMLType]] = [
        [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .bf16, .q4_K],
        [.q8_0, .q5_1, .q4_1, .q4_0, .q5_0, .f32, .q6_K],
    ]

    /// The model file, written to a temporary file the first time it is asked for (once per process, thread-safe:
    /// a static's initializer runs once) and removed when the process exits.
    public static var path: String {
        get throws { try written.get() }
    }

    /// The file and its weights, loaded once per process (shared with `TestModels.load`'s cache).
    public static func load() throws -> (GGUFFile, ModelWeights) {
        try TestModels.load(path)
    }

    private static let written: Result<String, any Error> = Result {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hearth-tiny-\(ProcessInfo.processInfo.processIdentifier).gguf")
        try Data(fileBytes()).write(to: url, options: .atomic)
        writtenPath.withLock { $0 = url.path }
        atexit {
            if let p = TinyModel.writtenPath.withLock({ $0 }) { unlink(p) }
        }
        return url.path
    }

    private static let writtenPath = Mutex<String?>(nil)

    /// The whole GGUF file.
    public static func fileBytes() throws -> [UInt8] {
        try GGUFWriter.model(metadata: metadata(), tensors: tensors())
    }

    static func metadata() -> [(String, GGUFValue)] {
        func u32(_ v: Int) -> GGUFValue { .uint32(UInt32(v)) }
        let v = TinyVocabulary.self
        return [
            ("general.architecture", .string("llama")),
            ("general.name", .string("hearth-tiny")),
            ("llama.block_count", u32(layers)),
            ("llama.context_length", u32(contextLength)),
            ("llama.embedding_length", u32(dim)),
            ("llama.feed_forward_length", u32(ffnDim)),
            ("llama.attention.head_count", u32(heads)),
            ("llama.attention.head_count_kv", u32(kvHeads)),
            ("llama.rope.dimension_count", u32(dim / heads)),
            ("llama.rope.freq_base", .float32(10000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("llama.vocab_size", u32(v.tokens.count)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(v.tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(v.tokenTypes.map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(v.merges.map { .string($0) })),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(v.endOfTextID))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(v.imEndID))),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
            ("tokenizer.chat_template", .string(v.chatTemplate)),
        ]
    }

    /// Weight scales chosen so every stage neither vanishes nor saturates (unit-RMS activations after each norm):
    /// attention scores of standard deviation ~1.5 (so attention is neither uniform nor one-hot), each block adding
    /// about as much to the residual stream as the embedding holds, and logits of standard deviation ~3 so greedy
    /// choices depend on the context. The control tokens' output rows are zero: their logit is 0 while the others
    /// reach several units, so greedy decoding never ends a turn by itself (tests that need a stop force one with
    /// `logit_bias`, or set `max_tokens`).
    static func tensors() throws -> [GGUFWriter.TensorData] {
        var rng = RandomWeights(seed: seed)
        let vocab = TinyVocabulary.tokens.count
        let headDim = dim / heads, qDim = dim, kvDim = kvHeads * headDim
        var out: [GGUFWriter.TensorData] = []
        func matrix(_ name: String, _ type: GGMLType, rows: Int, cols: Int, std: Float) throws -> GGUFWriter.TensorData {
            GGUFWriter.TensorData(name: name, dims: [cols, rows], type: type,
                                  data: try rng.tensor(type, rows: rows, cols: cols, std: std))
        }
        func norm(_ name: String) -> GGUFWriter.TensorData {
            let values = rng.floats(dim, mean: 1, std: 0.05)
            return GGUFWriter.TensorData(name: name, dims: [dim], type: .f32, data: values.flatMap(littleEndianBytes))
        }
        out.append(try matrix("token_embd.weight", .q8_0, rows: vocab, cols: dim, std: 1))
        for (l, t) in layerTypes.enumerated() {
            let p = "blk.\(l)."
            out.append(norm(p + "attn_norm.weight"))
            out.append(try matrix(p + "attn_q.weight", t[0], rows: qDim, cols: dim, std: 0.15))
            out.append(try matrix(p + "attn_k.weight", t[1], rows: kvDim, cols: dim, std: 0.15))
            out.append(try matrix(p + "attn_v.weight", t[2], rows: kvDim, cols: dim, std: 0.15))
            out.append(try matrix(p + "attn_output.weight", t[3], rows: dim, cols: qDim, std: 0.15))
            out.append(norm(p + "ffn_norm.weight"))
            out.append(try matrix(p + "ffn_gate.weight", t[4], rows: ffnDim, cols: dim, std: 0.15))
            out.append(try matrix(p + "ffn_up.weight", t[5], rows: ffnDim, cols: dim, std: 0.15))
            out.append(try matrix(p + "ffn_down.weight", t[6], rows: dim, cols: ffnDim, std: 0.08))
        }
        out.append(norm("output_norm.weight"))
        var output = try matrix("output.weight", .f16, rows: vocab, cols: dim, std: 0.4)
        let rowBytes = dim * 2
        for id in [TinyVocabulary.endOfTextID, TinyVocabulary.imStartID, TinyVocabulary.imEndID] {
            let start = Int(id) * rowBytes
            output.data.replaceSubrange(start..<(start + rowBytes), with: repeatElement(0, count: rowBytes))
        }
        out.append(output)
        return out
    }

    private static func littleEndianBytes(_ x: Float) -> [UInt8] {
        withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) }
    }
}
