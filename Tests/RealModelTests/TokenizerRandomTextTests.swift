import Foundation
import Tokenizers
import XCTest

/// Adversarial random texts (odd whitespace, contractions, digits, scripts, emoji, unassigned and
/// private-use code points, special-token text) against ids recorded from llama.cpp, for every
/// supported pre-tokenizer: the two real vocabularies, and the same vocabularies with
/// `tokenizer.ggml.pre` swapped to llama-bpe / gpt-2 as llama.cpp was run (Fixtures/tokenizer/llama-cpp-random.json).
final class TokenizerRandomTextTests: XCTestCase {
    struct File: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let ids_no_parse_special: [Int32]
            let ids_add_special: [Int32]
            let detokenized: String
        }

        struct Config: Decodable {
            let model: String
            let pre: String
            let removed_keys: [String]
            let cases: [Case]
        }

        let configs: [Config]
    }

    func testMatchesLlamaCppForEveryPreTokenizer() throws {
        guard let url = Bundle.module.url(forResource: "llama-cpp-random", withExtension: "json", subdirectory: "Fixtures/tokenizer") else {
            return XCTFail("Fixtures/tokenizer/llama-cpp-random.json missing")
        }
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(file.configs.map(\.pre)), ["smollm", "qwen2", "llama-bpe", "gpt-2"])
        for config in file.configs {
            var vocab = try ModelTokenizers.vocabulary(config.model)
            vocab.pre = config.pre
            if config.removed_keys.contains("tokenizer.ggml.add_bos_token") { vocab.addBOS = nil }
            let tok = try Tokenizer(vocabulary: vocab)
            let label = "\(config.model) as \(config.pre)"
            XCTAssertGreaterThan(config.cases.count, 50, label)
            var passed = 0
            for (i, c) in config.cases.enumerated() {
                let ids = tok.encode(c.text)
                XCTAssertEqual(ids, c.ids, "\(label) case \(i): \(c.text.debugDescription)")
                XCTAssertEqual(tok.encode(c.text, parseSpecial: false), c.ids_no_parse_special,
                               "\(label) case \(i) without special parsing: \(c.text.debugDescription)")
                XCTAssertEqual(tok.encode(c.text, addSpecial: true), c.ids_add_special,
                               "\(label) case \(i) with BOS/EOS: \(c.text.debugDescription)")
                XCTAssertEqual(tok.decode(c.ids), c.detokenized, "\(label) case \(i) decode")
                if ids == c.ids { passed += 1 }
            }
            XCTAssertEqual(passed, config.cases.count, "\(label): cases passing")
        }
    }
}
