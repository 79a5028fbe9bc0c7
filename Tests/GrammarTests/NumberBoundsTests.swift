import Grammar
import XCTest

/// Numeric bounds against exact arithmetic: every integer text in a range, and decimals with up to two fraction
/// digits, accepted exactly when the bound holds.
final class NumberBoundsTests: XCTestCase {
    private func schema(_ type: String, _ bounds: [(String, String)]) throws -> CompiledGrammar {
        let members = bounds.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        return try GrammarTestSupport.compile("{\"type\":\"\(type)\"\(members.isEmpty ? "" : ",")\(members)}")
    }

    /// Integer bounds, all four keywords, including negative and multi-digit ones.
    func testIntegerRangesMatchArithmetic() throws {
        let bounds: [[(String, String)]] = [
            [("minimum", "-5"), ("maximum", "120")], [("minimum", "0")], [("maximum", "-7")],
            [("exclusiveMinimum", "-10"), ("exclusiveMaximum", "10")], [("minimum", "99"), ("maximum", "101")],
            [("minimum", "1.5"), ("maximum", "3.5")], [("exclusiveMinimum", "-0.5")], [("minimum", "-250"), ("maximum", "-3")],
            [("minimum", "1e2")],
        ]
        for b in bounds {
            let g = try schema("integer", b)
            for n in -300...300 {
                let v = Double(n)
                var ok = true
                for (k, x) in b {
                    let bound = Double(x) ?? 0
                    switch k {
                    case "minimum": ok = ok && v >= bound
                    case "maximum": ok = ok && v <= bound
                    case "exclusiveMinimum": ok = ok && v > bound
                    default: ok = ok && v < bound
                    }
                }
                XCTAssertEqual(GrammarTestSupport.accepts(g, String(n)), ok, "\(b): \(n)")
            }
        }
    }

    /// Number bounds with decimal values; candidates -5.00 ... 5.00 written with 0, 1 and 2 fraction digits.
    func testNumberRangesMatchArithmetic() throws {
        let bounds: [[(String, String)]] = [
            [("minimum", "0"), ("maximum", "1")], [("exclusiveMinimum", "2.5")], [("minimum", "-1.25"), ("exclusiveMaximum", "0.75")],
            [("maximum", "-0.05")], [("exclusiveMinimum", "0")], [("minimum", "0.3"), ("maximum", "0.3")],
            [("exclusiveMaximum", "3")], [("minimum", "-3.1"), ("maximum", "-2.9")],
        ]
        for b in bounds {
            let g = try schema("number", b)
            for hundredths in -500...500 {
                let value = Double(hundredths) / 100
                let whole = abs(hundredths) / 100
                let fraction = abs(hundredths) % 100
                let sign = hundredths < 0 ? "-" : ""
                var texts = ["\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"]
                if fraction % 10 == 0 { texts.append("\(sign)\(whole).\(fraction / 10)") }
                if fraction == 0 { texts.append("\(sign)\(whole)") }
                var ok = true
                for (k, x) in b {
                    let bound = Double(x) ?? 0
                    switch k {
                    case "minimum": ok = ok && value >= bound - 1e-9
                    case "maximum": ok = ok && value <= bound + 1e-9
                    case "exclusiveMinimum": ok = ok && value > bound + 1e-9
                    default: ok = ok && value < bound - 1e-9
                    }
                }
                for text in texts where !(text.hasPrefix("-0") && hundredths == 0) {
                    XCTAssertEqual(GrammarTestSupport.accepts(g, text), ok, "\(b): \(text)")
                }
            }
        }
    }

    func testUnboundedNumbersAllowExponents() throws {
        let g = try schema("number", [])
        for text in ["0", "-0", "1.5e10", "2E-3", "-12.25e+2"] { XCTAssertTrue(GrammarTestSupport.accepts(g, text), text) }
        for text in ["01", "1.", ".5", "1e", "+1", "--1"] { XCTAssertFalse(GrammarTestSupport.accepts(g, text), text) }
    }
}
