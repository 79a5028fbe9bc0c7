import Foundation
import Grammar
import XCTest

/// Documents sampled from each corpus grammar (random allowed bytes, steered towards closing after a while) are
/// valid JSON by Foundation's parser, and json_object ones are objects: whatever a model picks under the mask,
/// the output parses.
final class GeneratedDocumentTests: XCTestCase {
    func testSampledDocumentsAreValidJSON() throws {
        // Tokens 0...255 are the single bytes; 256 ends generation.
        let vocabulary = TokenVocabularyIndex(tokenBytes: (0...255).map { [UInt8($0)] } + [[]], endOfGeneration: [256], control: [])
        var generator = SplitMix64(seed: 20_241_203)
        let closing: Set<Int32> = [0x22, 0x5D, 0x7D]  // " ] }
        var sampled = 0
        for c in try Corpus.load() {
            let grammar = try c.compile()
            for _ in 0..<30 {
                var m = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
                var bytes: [UInt8] = []
                while bytes.count < 400 {
                    let allowed = m.allowedTokens()
                    XCTAssertFalse(allowed.isEmpty, "\(c.name): stuck after \(String(decoding: bytes, as: UTF8.self))")
                    if allowed.isEmpty || allowed.contains(256) && (bytes.count > 20 || allowed.count == 1) { break }
                    let steer = allowed.filter { closing.contains($0) }
                    let pool = bytes.count > 30 && !steer.isEmpty ? steer : allowed.filter { $0 != 256 }
                    guard let pick = pool.randomElement(using: &generator) else { break }
                    XCTAssertTrue(m.accept(token: pick))
                    bytes.append(UInt8(pick))
                }
                guard m.isComplete else { continue }
                sampled += 1
                let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
                XCTAssertNotNil(parsed, "\(c.name): \(String(decoding: bytes, as: UTF8.self).debugDescription) is not JSON")
                if c.schema == nil { XCTAssertTrue(parsed is [String: Any], "json_object produced \(String(decoding: bytes, as: UTF8.self))") }
            }
        }
        XCTAssertGreaterThan(sampled, 1000)
    }
}

/// A seeded generator (SplitMix64), so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
