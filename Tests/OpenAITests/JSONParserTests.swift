import Foundation
@testable import OpenAI
import XCTest

/// The request-body JSON parser: RFC 8259 syntax, numbers as the validators expect them, the nesting limit,
/// duplicate keys, and time linear in the input.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Data(text.utf8)) }

    func testValues() throws {
        XCTAssertEqual(try parse(#" {"a":[1,-2.5,true,false,null,"x"],"b":{}} "#),
                       .object(["a": .array([.int(1), .double(-2.5), .bool(true), .bool(false), .null, .string("x")]), "b": .object([:])]))
        XCTAssertEqual(try parse("[]"), .array([]))
        // Written as decimals, they stay decimals, as Python's json.loads reads them; integer fields accept them.
        XCTAssertEqual(try parse("8.0"), .double(8))
        XCTAssertEqual(try parse("1e3"), .double(1000))
        XCTAssertEqual(try parse("-0"), .int(0))
        XCTAssertEqual(try parse("9223372036854775807"), .int(Int64.max))
        XCTAssertEqual(try parse("1e400"), .double(.infinity))
        XCTAssertEqual(try parse("0.1"), .double(0.1))
    }

    func testStrings() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u4e2d\ud83d\ude00""#), .string("é中😀"))
        XCTAssertEqual(try parse("\"café 中\""), .string("café 中"))
    }

    func testSyntaxErrors() {
        for bad in ["", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "-", "+1", "tru", "nul", "[1 2]",
                    "{\"a\" 1}", "\"unterminated", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"a\u{1}b\"",
                    "{} {}", "NaN", "[1]x", "\u{FEFF}{}"] {
            XCTAssertThrowsError(try parse(bad), bad.debugDescription) { error in
                guard case .syntax = error as? JSONParser.Failure else { return XCTFail("\(bad.debugDescription): \(error)") }
            }
        }
        XCTAssertThrowsError(try JSONParser.parse(Data([0x22, 0xFF, 0x22])), "invalid UTF-8")
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertThrowsError(try parse(deep)) { XCTAssertEqual($0 as? JSONParser.Failure, .tooDeep(limit: 64)) }
        let objects = String(repeating: #"{"a":"#, count: 510) + "1" + String(repeating: "}", count: 510)
        XCTAssertThrowsError(try parse(objects)) { XCTAssertEqual($0 as? JSONParser.Failure, .tooDeep(limit: 64)) }
        // Unclosed nesting is refused at the limit, without reading the rest.
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 1_000_000))) {
            XCTAssertEqual($0 as? JSONParser.Failure, .tooDeep(limit: 64))
        }
    }

    func testDuplicateKeys() {
        XCTAssertThrowsError(try parse(#"{"model":"a","model":"b"}"#)) {
            XCTAssertEqual($0 as? JSONParser.Failure, .duplicateKey("model", path: ""))
        }
        XCTAssertThrowsError(try parse(#"{"messages":[{"role":"user"},{"role":"user","role":"system"}]}"#)) {
            XCTAssertEqual($0 as? JSONParser.Failure, .duplicateKey("role", path: "messages[1]"))
        }
        // Equal after unescaping is equal.
        XCTAssertThrowsError(try parse(#"{"a":1,"\u0061":2}"#)) { XCTAssertEqual($0 as? JSONParser.Failure, .duplicateKey("a", path: "")) }
        XCTAssertNoThrow(try parse(#"{"a":{"a":1},"b":{"a":2}}"#), "the same key in different objects is fine")
    }

    func testDecodingErrorsAreOpenAIShaped() {
        XCTAssertThrowsError(try ChatCompletionRequest.decode(from: Data(#"{"model":"m","model":"n","messages":[]}"#.utf8))) {
            let e = $0 as? OpenAIError
            XCTAssertEqual(e?.status, 400)
            XCTAssertEqual(e?.param, "model")
            XCTAssertEqual(e?.code, "duplicate_key")
        }
        let deep = #"{"model":"m","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        XCTAssertThrowsError(try ChatCompletionRequest.decode(from: Data(deep.utf8))) {
            XCTAssertEqual(($0 as? OpenAIError)?.code, "json_too_deep")
        }
    }

    /// Not a benchmark: a guard against quadratic behaviour, with a bound 50x above the linear cost. Foundation's
    /// decoder took 11 s on 3 KB of nesting; this parses 4 MB of flat and nested content.
    func testCostIsLinearInTheInput() throws {
        let wide = "[" + Array(repeating: #"{"k":"v","n":[1,2,3]}"#, count: 200_000).joined(separator: ",") + "]"
        let nested = String(repeating: #"{"a":["#, count: 31) + "1" + String(repeating: "]}", count: 31)
        let many = "[" + Array(repeating: nested, count: 20_000).joined(separator: ",") + "]"
        for text in [wide, many] {
            let start = Date()
            _ = try parse(text)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "\(text.utf8.count) bytes")
        }
    }
}
