@testable import Generation
import XCTest

/// The Hermes/Qwen tool-call parser, fed whole and at every split point.
final class ToolCallParserTests: XCTestCase {
    /// Content and calls from `chunks`, fed in order.
    func parse(_ chunks: [String], names: Set<String> = []) -> (content: String, calls: [ToolCall], failures: Int) {
        var parser = ToolCallParser(names: names)
        var content = ""
        var calls: [ToolCall] = []
        for c in chunks {
            let r = parser.append(c)
            content += r.content
            calls += r.calls
        }
        let r = parser.finish()
        return (content + r.content, calls + r.calls, parser.failures)
    }

    /// The same result whatever the chunking: whole, and split in two at every character.
    func assertParses(_ text: String, content: String, calls: [ToolCall], failures: Int = 0, names: Set<String> = [],
                      file: StaticString = #filePath, line: UInt = #line) {
        let chars = Array(text)
        for cut in 0...chars.count {
            let r = parse([String(chars[..<cut]), String(chars[cut...])], names: names)
            XCTAssertEqual(r.content, content, "cut at \(cut)", file: file, line: line)
            XCTAssertEqual(r.calls, calls, "cut at \(cut)", file: file, line: line)
            XCTAssertEqual(r.failures, failures, "cut at \(cut)", file: file, line: line)
        }
    }

    func testTextAlone() {
        assertParses("Paris is sunny. <tool_ not a tag", content: "Paris is sunny. <tool_ not a tag", calls: [])
    }

    func testOneCallAfterText() {
        assertParses(#"Let me look. <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>"#,
                     content: "Let me look. ", calls: [ToolCall(name: "get_weather", arguments: #"{"city": "Paris"}"#)])
    }

    func testSeveralCallsWithNewlinesBetween() {
        let text = "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {\"x\": [1, 2.5]}}\n</tool_call>\n"
        assertParses(text, content: "", calls: [ToolCall(name: "a", arguments: "{}"), ToolCall(name: "b", arguments: #"{"x": [1, 2.5]}"#)])
    }

    func testArgumentsAsStringAndParameters() {
        assertParses(#"<tool_call>{"name": "f", "arguments": "{\"k\":1}"}</tool_call>"#, content: "",
                     calls: [ToolCall(name: "f", arguments: #"{"k":1}"#)])
        assertParses(#"<tool_call>{"name": "f", "parameters": {"k": true}}</tool_call>"#, content: "",
                     calls: [ToolCall(name: "f", arguments: #"{"k": true}"#)])
    }

    func testMalformedCallIsContentAndCounted() {
        assertParses(#"<tool_call>{"name": oops}</tool_call>"#, content: #"<tool_call>{"name": oops}</tool_call>"#, calls: [], failures: 1)
    }

    func testUnclosedCallAtTheEndIsParsed() {
        assertParses(#"<tool_call>{"name": "f", "arguments": {}}"#, content: "", calls: [ToolCall(name: "f", arguments: "{}")])
        assertParses(#"<tool_call>{"name": "f", "argu"#, content: #"<tool_call>{"name": "f", "argu"#, calls: [], failures: 1)
    }

    /// A whole answer that is one call's JSON, without tags, names an offered tool: a call. Anything else that
    /// starts with "{" is content, as written.
    func testBareCallNamingAnOfferedTool() {
        let json = #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#
        assertParses("  " + json, content: "", calls: [ToolCall(name: "get_weather", arguments: #"{"city": "Paris"}"#)],
                     names: ["get_weather"])
        assertParses(json, content: json, calls: [], names: ["other"])
        assertParses(json, content: json, calls: [], names: [])
        assertParses(json + " and more", content: json + " and more", calls: [], names: ["get_weather"])
        assertParses(#"{"a": 1} <tool_call>{"name": "f", "arguments": {}}</tool_call>"#, content: #"{"a": 1} "#,
                     calls: [ToolCall(name: "f", arguments: "{}")], names: ["f"])
    }
}
