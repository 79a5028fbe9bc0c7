@testable import Grammar
import XCTest

/// Unbounded `integer` and `number` take at most 16 integer and 16 fraction digits (llama.cpp's bound), so a
/// model cannot run away writing one number.
final class NumberDigitsTests: XCTestCase {
    func matcher(_ type: String) throws -> GrammarMatcher {
        GrammarMatcher(grammar: try GrammarCompiler.compile(schema: .object([(key: "type", value: .string(type))])))
    }

    func testIntegerDigitsAreBounded() throws {
        var m = try matcher("integer")
        XCTAssertTrue(m.accept(bytes: Array("-1234567890123456".utf8)))
        XCTAssertTrue(m.isComplete)
        XCTAssertFalse(m.accept(byte: UInt8(ascii: "7")), "a 17th digit")
    }

    func testNumberDigitsAreBounded() throws {
        var m = try matcher("number")
        XCTAssertTrue(m.accept(bytes: Array("1234567890123456.1234567890123456".utf8)))
        XCTAssertFalse(m.accept(byte: UInt8(ascii: "7")), "a 17th fraction digit")
        var e = try matcher("number")
        XCTAssertTrue(e.accept(bytes: Array("1.5e-12".utf8)))
        XCTAssertTrue(e.isComplete)
        XCTAssertFalse(e.accept(byte: UInt8(ascii: "3")), "exponents have two digits")
    }
}
