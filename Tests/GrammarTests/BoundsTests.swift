import Grammar
import XCTest

/// Pathological schemas either compile (and work) or are refused with `tooComplex`; none may hang (a hang would
/// time the run out; there is deliberately no wall-clock assertion here: the benchmark reports the times).
final class BoundsTests: XCTestCase {
    private enum Outcome {
        case compiled(CompiledGrammar)
        case refused(String)
    }

    private func outcome(_ schema: JSONSchemaValue, file: StaticString = #filePath, line: UInt = #line) -> Outcome? {
        do {
            return .compiled(try GrammarCompiler.compile(schema: schema))
        } catch {
            guard case .tooComplex(let reason) = error else {
                XCTFail("expected a grammar or tooComplex, got \(error)", file: file, line: line)
                return nil
            }
            return .refused(reason)
        }
    }

    private func refused(_ schema: JSONSchemaValue, file: StaticString = #filePath, line: UInt = #line) {
        guard case .refused? = outcome(schema, file: file, line: line) else {
            return XCTFail("expected tooComplex", file: file, line: line)
        }
    }

    /// d0 = anyOf[d1, [d1]], d1 = anyOf[d2, [d2]], ...: inlining doubles at each level.
    func testExponentialAnyOfNestingIsRefused() throws {
        var defs: [(key: String, value: JSONSchemaValue)] = []
        for i in 0..<40 {
            let next: JSONSchemaValue = i == 39 ? .object([("type", .string("integer"))]) : .object([("$ref", .string("#/$defs/d\(i + 1)"))])
            defs.append(("d\(i)", .object([("anyOf", .array([next, .object([("type", .string("array")), ("items", next)])]))])))
        }
        refused(.object([("$defs", .object(defs)), ("$ref", .string("#/$defs/d0"))]))
    }

    func testCatastrophicBacktrackingPatternsCompile() throws {
        for pattern in ["(a+)+$", "^(a|a)*b$", "^(x+x+)+y$", "^(\\w+\\s?)*$", "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"] {
            let schema: JSONSchemaValue = .object([("type", .string("string")), ("pattern", .string(pattern))])
            guard case .compiled(let g)? = outcome(schema) else { return XCTFail("\(pattern) refused") }
            if pattern == "(a+)+$" {
                XCTAssertTrue(GrammarTestSupport.accepts(g, "\"" + String(repeating: "a", count: 200) + "\""))
                XCTAssertFalse(GrammarTestSupport.accepts(g, "\"" + String(repeating: "a", count: 200) + "b\""))
                XCTAssertTrue(GrammarTestSupport.accepts(g, "\"b" + String(repeating: "a", count: 20) + "\""))
            }
        }
    }

    func testExponentialDeterminizationIsRefused() {
        refused(.object([("type", .string("string")), ("pattern", .string("^(a|b)*a(a|b){20}$"))]))
    }

    func testNestedCountedRepetitionIsRefused() {
        refused(.object([("type", .string("string")), ("pattern", .string("^((a{100}){100}){100}$"))]))
        refused(.object([("type", .string("string")), ("pattern", .string("^a{5000}$"))]))
    }

    private func manyProperties(_ n: Int, required: Bool) -> JSONSchemaValue {
        var props: [(key: String, value: JSONSchemaValue)] = []
        for i in 0..<n { props.append(("property\(i)", .object([("type", .string(i % 2 == 0 ? "string" : "integer"))]))) }
        var members: [(key: String, value: JSONSchemaValue)] = [("type", .string("object")), ("properties", .object(props))]
        if required { members.append(("required", .array((0..<n).map { .string("property\($0)") }))) }
        return .object(members)
    }

    func testThousandRequiredPropertiesCompile() throws {
        guard case .compiled(let g)? = outcome(manyProperties(1000, required: true)) else { return XCTFail("refused") }
        let doc = "{" + (0..<1000).map { "\"property\($0)\":" + ($0 % 2 == 0 ? "\"v\"" : "\($0)") }.joined(separator: ",") + "}"
        XCTAssertTrue(GrammarTestSupport.accepts(g, doc))
        XCTAssertFalse(GrammarTestSupport.accepts(g, "{\"property0\":\"v\"}"))
    }

    /// Optional properties make every key position a choice among all later keys: 1000 of them exceed the
    /// determinization bound (refused); 150 compile.
    func testManyOptionalPropertiesCompileOrAreRefused() throws {
        if case .compiled(let g)? = outcome(manyProperties(1000, required: false)) {
            XCTAssertTrue(GrammarTestSupport.accepts(g, "{\"property3\":3,\"property998\":\"x\"}"))
        }
        guard case .compiled(let g)? = outcome(manyProperties(150, required: false)) else { return XCTFail("150 optional properties refused") }
        XCTAssertTrue(GrammarTestSupport.accepts(g, "{\"property3\":3,\"property148\":\"x\"}"))
        XCTAssertTrue(GrammarTestSupport.accepts(g, "{}"))
        XCTAssertFalse(GrammarTestSupport.accepts(g, "{\"property148\":\"x\",\"property3\":3}"))
    }

    private func refChain(_ length: Int) -> JSONSchemaValue {
        var defs: [(key: String, value: JSONSchemaValue)] = []
        for i in 0..<length {
            let body: JSONSchemaValue = i == length - 1 ? .object([("type", .string("boolean"))])
                : .object([("type", .string("object")), ("properties", .object([("next", .object([("$ref", .string("#/$defs/d\(i + 1)"))]))]))])
            defs.append(("d\(i)", body))
        }
        return .object([("$defs", .object(defs)), ("$ref", .string("#/$defs/d0"))])
    }

    func testDeepRefChainsCompileWithinTheBoundAndAreRefusedPastIt() throws {
        guard case .compiled(let g)? = outcome(refChain(10)) else { return XCTFail("a 10-deep chain refused") }
        let doc = String(repeating: "{\"next\":", count: 9) + "true" + String(repeating: "}", count: 9)
        XCTAssertTrue(GrammarTestSupport.accepts(g, doc))
        refused(refChain(500))
    }

    func testDeeplyNestedSchemaIsRefused() {
        var schema: JSONSchemaValue = .object([("type", .string("integer"))])
        for _ in 0..<200 { schema = .object([("type", .string("array")), ("items", schema)]) }
        refused(schema)
    }

    func testHugeCountsAreRefused() {
        refused(.object([("type", .string("string")), ("maxLength", .number("100000"))]))
        refused(.object([("type", .string("array")), ("minItems", .number("5000"))]))
        refused(.object([("type", .string("array")), ("maxItems", .number("1e12"))]))
    }

    func testLargeEnumCompiles() throws {
        let values: [JSONSchemaValue] = (0..<2000).map { .string("value-\($0)") }
        guard case .compiled(let g)? = outcome(.object([("enum", .array(values))])) else { return XCTFail("enum refused") }
        XCTAssertTrue(GrammarTestSupport.accepts(g, "\"value-1999\""))
        XCTAssertFalse(GrammarTestSupport.accepts(g, "\"value-2000\""))
    }

    func testBoundsArePublic() {
        XCTAssertGreaterThan(GrammarLimits.maxGrammarStates, 0)
        XCTAssertGreaterThan(GrammarLimits.maxSchemaNodes, 0)
        XCTAssertGreaterThan(GrammarLimits.maxRefDepth, 0)
        XCTAssertGreaterThan(GrammarLimits.maxRegexStates, 0)
    }
}
