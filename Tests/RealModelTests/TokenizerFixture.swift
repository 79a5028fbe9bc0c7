import Foundation
import GGUF
import TestSupport
import Tokenizers
import XCTest

/// The tokenizers of the real models in models/ (by file name, as the fixtures name them), which CI fetches with
/// scripts/fetch-models.
enum ModelTokenizers {
    static let smolLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qwenCoder = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"

    static let packageRoot = TestModels.root

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "model file missing: \(path) — run scripts/fetch-models first" }
    }

    private static let loaded: [String: Result<Tokenizer, any Error>] = {
        var out: [String: Result<Tokenizer, any Error>] = [:]
        for name in [smolLM2, qwenCoder] {
            let path = packageRoot.appendingPathComponent("models").appendingPathComponent(name).path
            out[name] = Result {
                guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
                return try Tokenizer(gguf: GGUFFile(path: path))
            }
        }
        return out
    }()

    /// The GGUF tokenizer metadata of a model in models/; a missing file is a test failure, not a skip.
    static func vocabulary(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> TokenizerVocabulary {
        let path = packageRoot.appendingPathComponent("models").appendingPathComponent(name).path
        do {
            guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
            return try TokenizerVocabulary(gguf: GGUFFile(path: path))
        } catch {
            XCTFail("cannot load \(name): \(error)", file: file, line: line)
            throw error
        }
    }

    /// The tokenizer of a model in models/; a missing file is a test failure, not a skip.
    static func tokenizer(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        do {
            guard let result = loaded[name] else { throw Missing(path: name) }
            return try result.get()
        } catch {
            XCTFail("cannot load \(name): \(error)", file: file, line: line)
            throw error
        }
    }
}

/// One model's expected tokenizations, produced with llama.cpp (Fixtures/tokenizer/*.json).
struct TokenizerFixture: Decodable {
    struct Meta: Decodable {
        let model: String
        let pre: String
        let add_bos_token: Bool
        let add_eos_token: Bool
        let bos_token_id: Int32
        let eos_token_id: Int32
        let vocab_size: Int
    }

    /// A piece is text, or a list of byte values when it is not valid UTF-8 on its own.
    enum Piece: Decodable {
        case text(String)
        case bytes([UInt8])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .bytes(try c.decode([UInt8].self)) }
        }

        var bytes: [UInt8] {
            switch self {
            case .text(let s): Array(s.utf8)
            case .bytes(let b): b
            }
        }
    }

    struct Case: Decodable {
        let name: String
        let text: String
        let add_special: Bool
        let parse_special: Bool
        let ids: [Int32]
        let pieces: [Piece]
        let detokenized: String

        var label: String { "\(name) (parse_special=\(parse_special), add_special=\(add_special))" }
    }

    let tokenizer: Meta
    let cases: [Case]

    static func load(_ name: String) throws -> TokenizerFixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/tokenizer") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/tokenizer/\(name).json"])
        }
        return try JSONDecoder().decode(TokenizerFixture.self, from: Data(contentsOf: url))
    }
}
