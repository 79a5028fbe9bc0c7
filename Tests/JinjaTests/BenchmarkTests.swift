import Foundation
import Jinja
import XCTest

/// A hand-run benchmark: parse the Qwen2.5 template once, render a 20-message conversation with tools.
/// It prints µs/render and asserts only the output (jinja2's rendering of the same conversation).
/// Run: swift test -c release -Xswiftc -enable-testing --filter testBenchmarkQwenRender
final class BenchmarkTests: XCTestCase {
    func testBenchmarkQwenRender() throws {
        let fixture = try Fixtures.json("bench-qwen2.5-20-messages.json")
        let tools = try Fixtures.json("cases.json")["tools"]
        let messages = fixture["messages"]
        XCTAssertEqual(messages.array.count, 20)
        let template = try ChatTemplate(source: try Fixtures.text("qwen2.5-coder-0.5b-instruct.jinja"))
        func renderOnce() throws -> String {
            try template.render(messages: messages, tools: tools, addGenerationPrompt: true,
                                bosToken: "<|endoftext|>", eosToken: "<|im_end|>")
        }
        XCTAssertEqual(try renderOnce(), fixture["expected"].stringValue)
        for _ in 0..<50 { _ = try renderOnce() }
        let iterations = 500
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { _ = try renderOnce() }
        let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(iterations)
        print("testBenchmarkQwenRender: \(String(format: "%.1f", micros)) µs/render (wall clock, 20 messages + 2 tools)")
    }
}
