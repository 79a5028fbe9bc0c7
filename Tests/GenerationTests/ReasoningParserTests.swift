@testable import Generation
import XCTest

final class ReasoningParserTests: XCTestCase {
    private func run(_ chunks: [String], startsInReasoning: Bool) -> (reasoning: String, content: String, steps: [(String, String)]) {
        var parser = ReasoningParser(startsInReasoning: startsInReasoning)
        var reasoning = ""
        var content = ""
        var steps: [(String, String)] = []
        for chunk in chunks {
            let out = parser.append(chunk)
            steps.append((out.reasoning, out.content))
            reasoning += out.reasoning
            content += out.content
        }
        let tail = parser.flush()
        return (reasoning + tail.reasoning, content + tail.content, steps)
    }

    private func assertSteps(_ actual: [(String, String)], _ expected: [(String, String)], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.0), expected.map(\.0), "reasoning per step", file: file, line: line)
        XCTAssertEqual(actual.map(\.1), expected.map(\.1), "content per step", file: file, line: line)
    }

    func testScriptedStreamWithOpeningTag() {
        let chunks = ["<th", "ink>", "Let me", " think", "</th", "ink>\n\n", "Answer"]
        let result = run(chunks, startsInReasoning: false)
        assertSteps(result.steps, [("", ""), ("", ""), ("Let me", ""), (" think", ""), ("", ""), ("", "\n\n"), ("", "Answer")])
        XCTAssertEqual(result.reasoning, "Let me think")
        XCTAssertEqual(result.content, "\n\nAnswer", "newlines after </think> are kept, as vLLM's deepseek_r1 parser does")
    }

    func testScriptedStreamStartingInsideReasoning() {
        let chunks = ["Let me", " think", "</th", "ink>\n\n", "Answer"]
        let result = run(chunks, startsInReasoning: true)
        assertSteps(result.steps, [("Let me", ""), (" think", ""), ("", ""), ("", "\n\n"), ("", "Answer")])
        XCTAssertEqual(result.reasoning, "Let me think")
        XCTAssertEqual(result.content, "\n\nAnswer")
    }

    func testOpeningTagIsStrippedEvenWhenThePromptOpenedReasoning() {
        let result = run(["<th", "ink>", "Let me", " think", "</th", "ink>\n\n", "Answer"], startsInReasoning: true)
        XCTAssertEqual(result.reasoning, "Let me think")
        XCTAssertEqual(result.content, "\n\nAnswer")
    }

    func testLeadingWhitespaceBeforeTheTag() {
        let dropped = run(["\n", " <think>", "x</think>y"], startsInReasoning: false)
        XCTAssertEqual(dropped.reasoning, "x")
        XCTAssertEqual(dropped.content, "y")
        // Without a tag the whitespace is ordinary text of whichever section the output starts in.
        XCTAssertEqual(run(["\n", "Okay", "</think>A"], startsInReasoning: true).reasoning, "\nOkay")
        XCTAssertEqual(run(["\n\n", "Hello"], startsInReasoning: false).content, "\n\nHello")
    }

    func testWithoutReasoningEverythingIsContent() {
        let result = run(["Hello", " </think> is ", "just text <think>"], startsInReasoning: false)
        XCTAssertEqual(result.reasoning, "")
        XCTAssertEqual(result.content, "Hello </think> is just text <think>")
        XCTAssertEqual(run(["Hi <think>x</think>"], startsInReasoning: false).content, "Hi <think>x</think>")
        XCTAssertEqual(run(["<thinking>", "x"], startsInReasoning: false).content, "<thinking>x")
        XCTAssertEqual(run(["<", "b>"], startsInReasoning: false).content, "<b>")
    }

    func testTextAfterTheCloseTagIsContentVerbatim() {
        let result = run(["<think>a</think>b", "</think>c<think>d"], startsInReasoning: false)
        XCTAssertEqual(result.reasoning, "a")
        XCTAssertEqual(result.content, "b</think>c<think>d")
    }

    func testFlushReturnsHeldText() {
        let truncated = run(["<think>abc</th"], startsInReasoning: false)
        XCTAssertEqual(truncated.reasoning, "abc</th")
        XCTAssertEqual(truncated.content, "")
        XCTAssertEqual(run(["  "], startsInReasoning: false).content, "  ")
        XCTAssertEqual(run(["  "], startsInReasoning: true).reasoning, "  ")
        XCTAssertEqual(run(["<thi"], startsInReasoning: false).content, "<thi")
        XCTAssertEqual(run(["<thi"], startsInReasoning: true).reasoning, "<thi")
    }

    func testEverySplitGivesTheSameSplitText() {
        let cases: [(text: String, starts: Bool, reasoning: String, content: String)] = [
            ("<think>Let me think</think>\n\nAnswer", false, "Let me think", "\n\nAnswer"),
            ("\n<think>\nRéflexion 🤔 < / > </think>Réponse 😀", false, "\nRéflexion 🤔 < / > ", "Réponse 😀"),
            ("Pensée 🤔</think>\n\nRéponse", true, "Pensée 🤔", "\n\nRéponse"),
            ("<think>x</thinkish></think>y", false, "x</thinkish>", "y"),
            ("Plain 😀 answer </think>", false, "", "Plain 😀 answer </think>"),
        ]
        for (text, starts, reasoning, content) in cases {
            let scalars = Array(text.unicodeScalars).map(String.init)
            var splits: [[String]] = [[text], scalars]
            for i in 0...scalars.count {
                for j in i...scalars.count {
                    splits.append([scalars[..<i].joined(), scalars[i..<j].joined(), scalars[j...].joined()])
                }
            }
            for chunks in splits {
                let result = run(chunks, startsInReasoning: starts)
                XCTAssertEqual(result.reasoning, reasoning, "chunks \(chunks)")
                XCTAssertEqual(result.content, content, "chunks \(chunks)")
            }
        }
    }

    func testHasReasoning() {
        var parser = ReasoningParser(startsInReasoning: false)
        XCTAssertFalse(parser.hasReasoning)
        _ = parser.append("<think>")
        XCTAssertTrue(parser.hasReasoning)
        XCTAssertTrue(ReasoningParser(startsInReasoning: true).hasReasoning)
    }

    func testSplitWholeOutput() {
        XCTAssertEqual(ReasoningParser.split("<think>a</think>b", startsInReasoning: false).reasoning, "a")
        XCTAssertEqual(ReasoningParser.split("<think>a</think>b", startsInReasoning: false).content, "b")
        let truncated = ReasoningParser.split("still thinking", startsInReasoning: true)
        XCTAssertEqual(truncated.reasoning, "still thinking")
        XCTAssertNil(truncated.content, "an empty answer after reasoning is null, like vLLM's `content or None`")
        let plain = ReasoningParser.split("just text", startsInReasoning: false)
        XCTAssertNil(plain.reasoning)
        XCTAssertEqual(plain.content, "just text")
        XCTAssertEqual(ReasoningParser.split("", startsInReasoning: false).content, "")
        XCTAssertNil(ReasoningParser.split("", startsInReasoning: false).reasoning)
    }

    func testPromptOpensReasoning() {
        XCTAssertTrue(ReasoningParser.promptOpensReasoning(renderedPrompt: "<｜User｜>Hi<｜Assistant｜><think>\n"))
        XCTAssertTrue(ReasoningParser.promptOpensReasoning(renderedPrompt: "<|im_start|>assistant\n<think>"))
        XCTAssertTrue(ReasoningParser.promptOpensReasoning(renderedPrompt: "<think>  \n\t"))
        XCTAssertFalse(ReasoningParser.promptOpensReasoning(renderedPrompt: "<|im_start|>assistant\n<think>\n\n</think>\n\n"))
        XCTAssertFalse(ReasoningParser.promptOpensReasoning(renderedPrompt: "<|im_start|>assistant\n"))
        XCTAssertFalse(ReasoningParser.promptOpensReasoning(renderedPrompt: "<think> started"))
        XCTAssertFalse(ReasoningParser.promptOpensReasoning(renderedPrompt: ""))
        XCTAssertFalse(ReasoningParser.promptOpensReasoning(renderedPrompt: "   "))
    }
}
