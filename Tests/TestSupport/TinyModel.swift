import Foundation
import GGUF
import Inference
#if canImport(Glibc)
import Glibc
#endif

/// Synthetic llama-family models small enough that a forward pass costs microseconds, with seeded random weights in
/// the block types the loader accepts and TinyVocabulary's 304-token byte-level BPE with a ChatML template.
/// `standard` (dim 64, 4 heads over 2 KV heads, 2 layers; TinyModelSpec.swift) is "the" TinyModel.
///
/// It knows nothing, but it is deterministic and its greedy output varies with the context: tests of batching,
/// scheduling, caching, HTTP and the OpenAI API use it in place of the real models (`TestModels`), which are kept
/// for the assertions about real text (the real-model tier: RealModelTests).
public enum TinyModel {
    /// The standard model's file, written to a temporary file the first time it is asked for (once per process,
    /// under a lock) and removed when the process exits.
    public static var path: String {
        get throws { try path(standard) }
    }

    /// The standard model's file and weights, loaded once per process (shared with `TestModels.load`'s cache).
    public static func load() throws -> (GGUFFile, ModelWeights) {
        try load(standard)
    }

    /// The file of `spec`, written once per process.
    public static func path(_ spec: Spec) throws -> String {
        try written.withLock { files in
            if let done = files[spec] { return try done.get() }
            let result = Result { () throws -> String in
                let url = FileManager.default.temporaryDirectory
                    .appendingPathComponent("hearth-tiny-\(spec.name)-\(ProcessInfo.processInfo.processIdentifier).gguf")
                try Data(fileBytes(spec)).write(to: url, options: .atomic)
                return url.path
            }
            if files.isEmpty { atexit { TinyModel.removeFiles() } }
            files[spec] = result
            return try result.get()
        }
    }

    /// The file and weights of `spec`, loaded once per process.
    public static func load(_ spec: Spec) throws -> (GGUFFile, ModelWeights) {
        try TestModels.load(path(spec))
    }

    private static let written = Mutex<[Spec: Result<String, any Error>]>([:])

    private static func removeFiles() {
        for case .success(let p) in written.withLock({ Array($0.values) }) { unlink(p) }
    }

    /// The whole GGUF file of `spec`.
    public static func fileBytes(_ spec: Spec = standard) throws -> [UInt8] {
        try GGUFWriter.model(metadata: metadata(spec), tensors: tensors(spec))
    }

    static func metadata(_ s: Spec) -> [(String, GGUFValue)] {
        func u32(_ v: Int) -> GGUFValue { .uint32(UInt32(v)) }
        let a = s.architecture, v = TinyVocabulary.self
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(a)),
            ("general.name", .string("hearth-tiny-\(s.name)")),
            ("\(a).block_count", u32(s.layers)),
            ("\(a).context_length", u32(s.contextLength)),
            ("\(a).embedding_length", u32(s.dim)),
            ("\(a).feed_forward_length", u32(s.ffnDim)),
            ("\(a).attention.head_count", u32(s.heads)),
            ("\(a).attention.head_count_kv", u32(s.kvHeads)),
            ("\(a).rope.dimension_count", u32(s.ropeDim)),
            ("\(a).rope.freq_base", .float32(10000)),
            ("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("\(a).vocab_size", u32(v.tokens.count)),
        ]
        if s.headDim != s.dim / s.heads {
            m += [("\(a).attention.key_length", u32(s.headDim)), ("\(a).attention.value_length", u32(s.headDim))]
        }
        m += [
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
        return m
    }

    /// Weight scales chosen so every stage neither vanishes nor saturates: matrices of standard deviation 1.2/√cols
    /// take unit-RMS activations (after each norm) to entries of standard deviation 1.2, so attention scores spread
    /// by ~1.5 (attention neither uniform nor one-hot) and each block adds about as much to the residual stream as
    /// the unit embedding holds; output rows of 0.4 give logits of standard deviation ~3, so greedy choices depend on
    /// the context. The control tokens' output rows are zero: their logit is 0 while the others reach several
    /// units, so greedy decoding never ends a turn by itself (tests that need a stop force one with `logit_bias`,
    /// or set `max_tokens`). With a tied output (qwen2 spec) none of this holds for the logits, which only the
    /// batch-invariance checks read.
    static func tensors(_ s: Spec) throws -> [GGUFWriter.TensorData] {
        var rng = RandomWeights(seed: s.seed)
        let vocab = TinyVocabulary.tokens.count
        var out: [GGUFWriter.TensorData] = []
        func matrix(_ name: String, _ type: GGMLType, rows: Int, cols: Int, std: Float? = nil) throws -> GGUFWriter.TensorData {
            GGUFWriter.TensorData(name: name, dims: [cols, rows], type: type,
                                  data: try rng.tensor(type, rows: rows, cols: cols, std: std ?? 1.2 / Float(cols).squareRoot()))
        }
        func vector(_ name: String, _ values: [Float]) -> GGUFWriter.TensorData {
            GGUFWriter.TensorData(name: name, dims: [values.count], type: .f32, data: values.flatMap(littleEndianBytes))
        }
        // Text-like: a direction per token class, added to the embedding of each text and high-byte token, so the
        // residual stream carries the current token's class, and to the output rows: text rows along both classes'
        // directions (text follows text, and may follow a high byte), high-byte rows along their own only, more
        // strongly (a high byte tends to follow a high byte), control bytes' rows away from both. Stronger classes
        // make greedy text collapse into repeats; these keep ~50 distinct tokens in 128 (TinyModelTests).
        let classes = s.textLike ? classDirections(&rng, dim: s.dim) : nil
        if let classes {
            let rows: [[Float]] = (0..<vocab).map { id in
                zip(rng.floats(s.dim, std: 1), classes.direction(id)).map { $0 + 2 * $1 }
            }
            out.append(GGUFWriter.TensorData(name: "token_embd.weight", dims: [s.dim, vocab], type: s.embeddingType,
                                             data: try RandomWeights.encode(rows.flatMap { $0 }, as: s.embeddingType)))
        } else {
            out.append(try matrix("token_embd.weight", s.embeddingType, rows: vocab, cols: s.dim, std: 1))
        }
        for (l, t) in s.layerTypes.enumerated() {
            let p = "blk.\(l)."
            out.append(vector(p + "attn_norm.weight", rng.floats(s.dim, mean: 1, std: 0.05)))
            out.append(try matrix(p + "attn_q.weight", t[0], rows: s.qDim, cols: s.dim))
            out.append(try matrix(p + "attn_k.weight", t[1], rows: s.kvDim, cols: s.dim))
            out.append(try matrix(p + "attn_v.weight", t[2], rows: s.kvDim, cols: s.dim))
            if s.qkvBias {
                out.append(vector(p + "attn_q.bias", rng.floats(s.qDim, std: 0.5)))
                out.append(vector(p + "attn_k.bias", rng.floats(s.kvDim, std: 0.5)))
                out.append(vector(p + "attn_v.bias", rng.floats(s.kvDim, std: 0.5)))
            }
            out.append(try matrix(p + "attn_output.weight", t[3], rows: s.dim, cols: s.qDim))
            out.append(vector(p + "ffn_norm.weight", rng.floats(s.dim, mean: 1, std: 0.05)))
            out.append(try matrix(p + "ffn_gate.weight", t[4], rows: s.ffnDim, cols: s.dim))
            out.append(try matrix(p + "ffn_up.weight", t[5], rows: s.ffnDim, cols: s.dim))
            out.append(try matrix(p + "ffn_down.weight", t[6], rows: s.dim, cols: s.ffnDim))
        }
        out.append(vector("output_norm.weight", rng.floats(s.dim, mean: 1, std: 0.05)))
        if s.ropeFreqFactors {
            // Llama 3.1's factors run from 1 (high frequencies) to 8 (low); any positive divisors will do here.
            out.append(vector("rope_freqs.weight", (0..<s.ropeDim / 2).map { 1 + 7 * Float($0) / Float(s.ropeDim / 2) }))
        }
        if let type = s.outputType, let classes {
            let rows: [[Float]] = (0..<vocab).map { id in
                let random = rng.floats(s.dim, std: 0.4)
                switch TinyVocabulary.tokenClass(id) {
                case .text: return (0..<s.dim).map { random[$0] + 3 * classes.text[$0] + 1.5 * classes.highByte[$0] }
                case .highByte: return (0..<s.dim).map { random[$0] + 3 * classes.highByte[$0] }
                case .controlByte: return zip(random, zip(classes.text, classes.highByte)).map { $0 - 2 * ($1.0 + $1.1) }
                case .special: return [Float](repeating: 0, count: s.dim)
                }
            }
            out.append(GGUFWriter.TensorData(name: "output.weight", dims: [s.dim, vocab], type: type,
                                             data: try RandomWeights.encode(rows.flatMap { $0 }, as: type)))
        } else if let type = s.outputType {
            var output = try matrix("output.weight", type, rows: vocab, cols: s.dim, std: 0.4)
            guard let rowBytes = type.byteCount(elements: s.dim) else { throw RandomWeights.Unsupported(description: "output row") }
            for id in [TinyVocabulary.endOfTextID, TinyVocabulary.imStartID, TinyVocabulary.imEndID] {
                // All-zero bytes are a zero row in every block type (scales of 0).
                let start = Int(id) * rowBytes
                output.data.replaceSubrange(start..<(start + rowBytes), with: repeatElement(0, count: rowBytes))
            }
            out.append(output)
        }
        return out
    }

    /// Two orthonormal directions of the model dimension: one for text tokens, one for high bytes.
    struct ClassDirections {
        let text: [Float]
        let highByte: [Float]

        /// The direction of token `id`'s class; zeros for control bytes and control tokens.
        func direction(_ id: Int) -> [Float] {
            switch TinyVocabulary.tokenClass(id) {
            case .text: text
            case .highByte: highByte
            case .controlByte, .special: [Float](repeating: 0, count: text.count)
            }
        }
    }

    static func classDirections(_ rng: inout RandomWeights, dim: Int) -> ClassDirections {
        func unit(_ v: [Float]) -> [Float] {
            let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / n }
        }
        let a = unit(rng.floats(dim, std: 1))
        let b = rng.floats(dim, std: 1)
        let along = zip(a, b).map { $0 * $1 }.reduce(0, +)
        return ClassDirections(text: a, highByte: unit(zip(b, a).map { $0 - along * $1 })) // Gram-Schmidt
    }

    private static func littleEndianBytes(_ x: Float) -> [UInt8] {
        withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) }
    }
}
