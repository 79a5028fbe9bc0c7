import Foundation
import GGUF
import Tokenizers
import XCTest

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
