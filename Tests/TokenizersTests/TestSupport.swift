import Foundation
import GGUF
import Tokenizers
import XCTest

/// Locates and loads the real models, which CI fetches with scripts/fetch-models.
enum TestModels {
    static let smolLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qwenCoder = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"

    /// The package root: this file is Tests/TokenizersTests/TestSupport.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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

/// One model's expected tokenizations, produced with llama.cpp (Fixtures/*.json).
struct Fixture: Decodable {
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

    static func load(_ name: String) throws -> Fixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name).json"])
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }
}

/// Builds small synthetic vocabularies; tokens and merges are given as raw text and converted to
/// GPT-2's byte-level form here, independently of the library's own mapping.
enum Synthetic {
    static let byteToScalar: [Character] = {
        var printable = Set(0x21...0x7E)
        printable.formUnion(0xA1...0xAC)
        printable.formUnion(0xAE...0xFF)
        var next = 256
        return (0..<256).map { b in
            if printable.contains(b) { return Character(Unicode.Scalar(UInt32(b))!) }
            defer { next += 1 }
            return Character(Unicode.Scalar(UInt32(next))!)
        }
    }()

    static func byteLevel(_ raw: [UInt8]) -> String { String(raw.map { byteToScalar[Int($0)] }) }
    static func byteLevel(_ raw: String) -> String { byteLevel(Array(raw.utf8)) }

    /// A vocabulary with the given normal tokens (byte-level form), merges (raw text pairs),
    /// and special tokens (text, GGUF type) appended after them.
    static func vocabulary(pre: String = "gpt-2", tokens: [String], merges: [(String, String)],
                           special: [(String, Int32)] = [], roles: [TokenizerVocabulary.Role: Int32] = [:],
                           addBOS: Bool? = nil, addEOS: Bool? = nil) -> TokenizerVocabulary {
        let normal = tokens
        return TokenizerVocabulary(
            pre: pre,
            tokens: normal + special.map(\.0),
            tokenTypes: normal.map { _ in 1 } + special.map(\.1),
            merges: merges.map { byteLevel($0.0) + " " + byteLevel($0.1) },
            specialIDs: roles, addBOS: addBOS, addEOS: addEOS)
    }

    /// Every single byte as a token (ids 0...255 are bytes 0...255), then `extra` tokens.
    static func byteTokens(plus extra: [String] = []) -> [String] {
        (0..<256).map { byteLevel([UInt8($0)]) } + extra.map { byteLevel($0) }
    }
}
