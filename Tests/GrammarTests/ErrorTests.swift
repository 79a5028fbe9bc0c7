import Grammar
import XCTest

/// Unsupported keywords are refused by name (never ignored); malformed and unsatisfiable schemas are refused.
final class ErrorTests: XCTestCase {
    private func error(_ schema: String) -> GrammarError? {
        do {
            _ = try GrammarTestSupport.compile(schema)
            return nil
        } catch let e as GrammarError {
            return e
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    func testUnsupportedKeywordsAreNamed() {
        let keywords = ["patternProperties", "not", "if", "then", "else", "minProperties", "maxProperties", "uniqueItems",
                        "multipleOf", "contains", "propertyNames", "dependentRequired", "dependentSchemas",
                        "unevaluatedProperties", "nullable", "$anchor", "$dynamicRef", "contentEncoding"]
        for keyword in keywords {
            let e = error(#"{"type":"object","properties":{"a":{"type":"string","\#(keyword)":{}}}}"#)
            XCTAssertEqual(e, .unsupportedKeyword(keyword, path: "#/properties/a/\(keyword)"), keyword)
            XCTAssertTrue(e?.message.contains(keyword) ?? false)
        }
    }

    func testUnknownFormatIsRefusedByName() {
        guard case .unsupportedKeyword(let name, let path)? = error(#"{"type":"string","format":"ipv6"}"#) else {
            return XCTFail("ipv6 accepted")
        }
        XCTAssertTrue(name.contains("format") && name.contains("ipv6"))
        XCTAssertEqual(path, "#/format")
    }

    func testUnsupportedRegexFeaturesAreRefused() {
        for pattern in [#"(?=a)b"#, #"(a)\\1"#, #"\\bword"#, #"a^b"#, #"\\p{L}"#] {
            guard case .invalidSchema(let reason, _)? = error(#"{"type":"string","pattern":"\#(pattern)"}"#) else {
                return XCTFail("\(pattern) accepted")
            }
            XCTAssertTrue(reason.hasPrefix("pattern"), reason)
        }
    }

    func testMalformedSchemasAreRefused() {
        let cases = [
            #"{"type":"text"}"#, #"{"required":"a"}"#, #"{"properties":[]}"#, #"{"minLength":-1}"#, #"{"maxItems":1.5}"#,
            ##"{"enum":"a"}"##, ##"{"$ref":"#/$defs/missing"}"##, ##"{"anyOf":[]}"##, ##"{"pattern":"(a"}"##, ##"{"pattern":"[b-a]"}"##,
            #"[1]"#, #"{"minimum":"1"}"#, #"{"const":1,"type":"string"}"#,
        ]
        for schema in cases {
            guard case .invalidSchema? = error(schema) else {
                return XCTFail("\(schema): \(String(describing: error(schema)))")
            }
        }
    }

    func testRemoteReferencesAreUnsupported() {
        guard case .unsupportedKeyword(let name, _)? = error(##"{"$ref":"https://example.com/s.json"}"##) else {
            return XCTFail("remote $ref accepted")
        }
        XCTAssertTrue(name.contains("$ref"))
    }

    func testUnsatisfiableSchemasAreRefused() {
        let cases = [
            #"{"type":"object","properties":{"a":false},"required":["a"]}"#,
            #"{"type":"string","minLength":3,"maxLength":2}"#,
            #"{"type":"integer","minimum":5,"maximum":4}"#,
            #"{"type":"string","format":"date","maxLength":5}"#,
            #"{"allOf":[{"type":"string"},{"type":"integer"}]}"#,
            // Recursion that can never end: every node requires another.
            ##"{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}},"required":["next"]}},"$ref":"#/$defs/n"}"##,
        ]
        for schema in cases {
            guard case .invalidSchema? = error(schema) else {
                return XCTFail("\(schema): \(String(describing: error(schema)))")
            }
        }
    }

    func testLeftRecursionIsRefused() {
        for schema in [##"{"anyOf":[{"$ref":"#"},{"type":"string"}]}"##,
                       ##"{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"}"##] {
            guard case .invalidSchema(let reason, _)? = error(schema) else {
                return XCTFail("\(schema): \(String(describing: error(schema)))")
            }
            XCTAssertTrue(reason.contains("recursion"), reason)
        }
    }

    func testMessagesAreHumanReadable() {
        XCTAssertEqual(GrammarError.unsupportedKeyword("not", path: "#/not").message, "unsupported JSON Schema keyword 'not' at #/not")
        XCTAssertTrue(GrammarError.tooComplex("x").message.contains("too complex"))
    }
}
