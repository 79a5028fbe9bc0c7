import Foundation
import JSON
import Jinja
import XCTest

/// JSON into template values (through the JSON target's parser) and the Python-compatible writer.
final class JSONTests: XCTestCase {
    func testParsingKeepsKeyOrderAndTypes() throws {
        let v = try Value.parseJSON(#"{"z": 1, "a": [true, false, null, 1.5, -2, 1e3, "s"], "m": {"y": {}, "b": []}}"#)
        guard case .dict(let d) = v else { return XCTFail("expected a dict") }
        XCTAssertEqual(d.keys, ["z", "a", "m"])
        XCTAssertEqual(d["z"], .int(1))
        XCTAssertEqual(d["a"], .list([.bool(true), .bool(false), .none, .float(1.5), .int(-2), .float(1000), "s"]))
        guard case .int? = d["z"], case .list(let a)? = d["a"], case .float = a[5] else {
            return XCTFail("integers must parse as int and exponent forms as float")
        }
        guard case .dict(let m)? = d["m"] else { return XCTFail("expected nested dict") }
        XCTAssertEqual(m.keys, ["y", "b"])
    }

    func testParsingStringEscapes() throws {
        XCTAssertEqual(try Value.parseJSON(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00 東""#), .string("a\"b\\c/d\n\té😀 東"))
        // A lone surrogate is not text: refused, as request bodies are.
        XCTAssertThrowsError(try Value.parseJSON(#""\ud800x""#))
    }

    func testParsingRejectsMalformedInput() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"abc", "[1] 2", "{1: 2}", "\"\u{01}\"", "nan",
                    String(repeating: "[", count: 600) + String(repeating: "]", count: 600)] {
            XCTAssertThrowsError(try Value.parseJSON(bad), bad.debugDescription) { error in
                XCTAssertTrue(error is JSONParser.Failure)
            }
        }
    }

    func testWriterMatchesPythonJSONDumps() throws {
        let v = try Value.parseJSON(#"{"b": [1, 2.0, "é\n<&>"], "a": {"x": null, "y": true}, "e": [], "f": {}}"#)
        XCTAssertEqual(try v.jsonString(), #"{"b": [1, 2.0, "é\n<&>"], "a": {"x": null, "y": true}, "e": [], "f": {}}"#)
        XCTAssertEqual(try v.jsonString(indent: 2, sortKeys: true), """
            {
              "a": {
                "x": null,
                "y": true
              },
              "b": [
                1,
                2.0,
                "é\\n<&>"
              ],
              "e": [],
              "f": {}
            }
            """)
        XCTAssertThrowsError(try Value.undefined.jsonString())
    }

    func testRoundTripThroughTemplates() throws {
        let source = #"{"name": "get_weather", "arguments": {"city": "東京", "days": 3, "metric": true, "ratio": 0.25}}"#
        let v = try Value.parseJSON(source)
        XCTAssertEqual(try Template("{{ v|tojson }}").render(["v": v]), source)
    }
}
