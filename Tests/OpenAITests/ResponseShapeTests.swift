import Foundation
import OpenAI
import XCTest

/// Golden tests: the produced bytes parse back to exactly OpenAI's fields, explicit nulls included.
final class ResponseShapeTests: XCTestCase {
    private func dict(_ value: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(value as? [String: Any], file: file, line: line)
    }

    private func array(_ value: Any?, file: StaticString = #filePath, line: UInt = #line) throws -> [Any] {
        try XCTUnwrap(value as? [Any], file: file, line: line)
    }

    private func assertUsage(_ value: Any?, _ prompt: Int, _ completion: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let usage = try dict(value, file: file, line: line)
        XCTAssertEqual(Set(usage.keys), ["prompt_tokens", "completion_tokens", "total_tokens"], file: file, line: line)
        XCTAssertEqual(usage["prompt_tokens"] as? Int, prompt, file: file, line: line)
        XCTAssertEqual(usage["completion_tokens"] as? Int, completion, file: file, line: line)
        XCTAssertEqual(usage["total_tokens"] as? Int, prompt + completion, file: file, line: line)
    }

    // MARK: chat.completion

    func testChatCompletion() throws {
        let response = ChatCompletionResponse(
            id: "chatcmpl-abc", created: 1_700_000_000, model: "qwen",
            choices: [.init(index: 0, content: "Hello/there é", finishReason: .stop)],
            usage: Usage(promptTokens: 9, completionTokens: 12))
        let object = try jsonObject(response.jsonData)
        XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(object["id"] as? String, "chatcmpl-abc")
        XCTAssertEqual(object["object"] as? String, "chat.completion")
        XCTAssertEqual(object["created"] as? Int, 1_700_000_000)
        XCTAssertEqual(object["model"] as? String, "qwen")
        let choices = try array(object["choices"])
        XCTAssertEqual(choices.count, 1)
        let choice = try dict(choices[0])
        XCTAssertEqual(Set(choice.keys), ["index", "message", "logprobs", "finish_reason"])
        XCTAssertEqual(choice["index"] as? Int, 0)
        XCTAssertTrue(isNull(choice, "logprobs"))
        XCTAssertEqual(choice["finish_reason"] as? String, "stop")
        let message = try dict(choice["message"])
        XCTAssertEqual(Set(message.keys), ["role", "content", "refusal"], "reasoning_content is omitted when nil")
        XCTAssertEqual(message["role"] as? String, "assistant")
        XCTAssertEqual(message["content"] as? String, "Hello/there é")
        XCTAssertTrue(isNull(message, "refusal"))
        try assertUsage(object["usage"], 9, 12)

        let text = String(decoding: response.jsonData, as: UTF8.self)
        XCTAssertTrue(text.contains("Hello/there é"), "raw UTF-8 and unescaped slashes: \(text)")
        XCTAssertFalse(text.contains("\n"), "no pretty printing")
    }

    func testChatCompletionWithReasoningNullContentAndLogprobs() throws {
        let logprobs = ChatLogprobs(content: [
            TokenLogprob(token: "Hi", logprob: -0.5, topLogprobs: [
                TopLogprob(token: "Hi", logprob: -0.5), TopLogprob(token: "Yo", logprob: -1.25, bytes: [89, 111]),
            ]),
            TokenLogprob(token: "\u{FFFD}", logprob: -.infinity, bytes: [0xF0, 0x9F]),
        ])
        let response = ChatCompletionResponse(
            id: "chatcmpl-x", created: 1, model: "r1", choices: [
                .init(index: 0, content: nil, reasoningContent: "thinking…", logprobs: logprobs, finishReason: .length),
                .init(index: 1, content: "", reasoningContent: "", finishReason: .stop),
            ],
            usage: Usage(promptTokens: 1, completionTokens: 2), systemFingerprint: "fp_hearth")
        let object = try jsonObject(response.jsonData)
        XCTAssertEqual(object["system_fingerprint"] as? String, "fp_hearth")
        let choices = try array(object["choices"])
        let first = try dict(choices[0])
        XCTAssertEqual(first["finish_reason"] as? String, "length")
        let message = try dict(first["message"])
        XCTAssertTrue(isNull(message, "content"), "content is an explicit null when only reasoning was produced")
        XCTAssertEqual(message["reasoning_content"] as? String, "thinking…")

        let lp = try dict(first["logprobs"])
        XCTAssertEqual(Set(lp.keys), ["content", "refusal"])
        XCTAssertTrue(isNull(lp, "refusal"))
        let entries = try array(lp["content"])
        XCTAssertEqual(entries.count, 2)
        let hi = try dict(entries[0])
        XCTAssertEqual(Set(hi.keys), ["token", "logprob", "bytes", "top_logprobs"])
        XCTAssertEqual(hi["token"] as? String, "Hi")
        XCTAssertEqual(hi["logprob"] as? Double, -0.5)
        XCTAssertEqual(hi["bytes"] as? [Int], [72, 105])
        let tops = try array(hi["top_logprobs"])
        XCTAssertEqual(tops.count, 2)
        let yo = try dict(tops[1])
        XCTAssertEqual(Set(yo.keys), ["token", "logprob", "bytes"])
        XCTAssertEqual(yo["token"] as? String, "Yo")
        XCTAssertEqual(yo["logprob"] as? Double, -1.25)
        XCTAssertEqual(yo["bytes"] as? [Int], [89, 111])
        let partial = try dict(entries[1])
        XCTAssertEqual(partial["logprob"] as? Double, -9999.0, "non-finite logprobs are clamped like vLLM")
        XCTAssertEqual(partial["bytes"] as? [Int], [0xF0, 0x9F])
        XCTAssertEqual(try array(partial["top_logprobs"]).count, 0)

        let second = try dict(try dict(choices[1])["message"])
        XCTAssertEqual(second["content"] as? String, "")
        XCTAssertEqual(second["reasoning_content"] as? String, "")
    }

    // MARK: chat.completion.chunk

    func testChatStreamWithoutUsage() throws {
        let stream = ChatStream(id: "chatcmpl-s", model: "m", created: 42)
        let chunks = [stream.roleChunk(), stream.contentChunk("Hel"), stream.contentChunk(nil, reasoning: "hmm"), stream.finishChunk(.stop)]
        var deltas: [[String: Any]] = []
        for data in chunks {
            let object = try jsonObject(data)
            XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices"], "no usage key without include_usage")
            XCTAssertEqual(object["id"] as? String, "chatcmpl-s")
            XCTAssertEqual(object["object"] as? String, "chat.completion.chunk")
            XCTAssertEqual(object["created"] as? Int, 42)
            XCTAssertEqual(object["model"] as? String, "m")
            let choices = try array(object["choices"])
            XCTAssertEqual(choices.count, 1)
            let choice = try dict(choices[0])
            XCTAssertEqual(Set(choice.keys), ["index", "delta", "logprobs", "finish_reason"])
            XCTAssertEqual(choice["index"] as? Int, 0)
            XCTAssertTrue(isNull(choice, "logprobs"))
            deltas.append(try dict(choice["delta"]))
            if data == chunks.last {
                XCTAssertEqual(choice["finish_reason"] as? String, "stop")
            } else {
                XCTAssertTrue(isNull(choice, "finish_reason"))
            }
        }
        XCTAssertEqual(deltas[0].count, 2)
        XCTAssertEqual(deltas[0]["role"] as? String, "assistant")
        XCTAssertEqual(deltas[0]["content"] as? String, "")
        XCTAssertEqual(Set(deltas[1].keys), ["content"])
        XCTAssertEqual(deltas[1]["content"] as? String, "Hel")
        XCTAssertEqual(Set(deltas[2].keys), ["reasoning_content"])
        XCTAssertEqual(deltas[2]["reasoning_content"] as? String, "hmm")
        XCTAssertEqual(deltas[3].count, 0, "the finish chunk has an empty delta")
    }

    func testChatStreamWithUsageAndLogprobs() throws {
        let stream = ChatStream(id: "chatcmpl-u", model: "m", created: 7, includeUsage: true)
        let content = try jsonObject(stream.contentChunk("a", reasoning: "b", logprobs: ChatLogprobs(content: [TokenLogprob(token: "a", logprob: -0.25)]), index: 2))
        XCTAssertTrue(isNull(content, "usage"), "every chunk carries usage: null when include_usage is set")
        let choice = try dict(try array(content["choices"])[0])
        XCTAssertEqual(choice["index"] as? Int, 2)
        let delta = try dict(choice["delta"])
        XCTAssertEqual(delta["content"] as? String, "a")
        XCTAssertEqual(delta["reasoning_content"] as? String, "b")
        let entries = try array(try dict(choice["logprobs"])["content"])
        XCTAssertEqual(try dict(entries[0])["logprob"] as? Double, -0.25)

        XCTAssertTrue(isNull(try jsonObject(stream.roleChunk()), "usage"))
        XCTAssertTrue(isNull(try jsonObject(stream.finishChunk(.length)), "usage"))

        let final = try jsonObject(stream.usageChunk(Usage(promptTokens: 3, completionTokens: 4)))
        XCTAssertEqual(Set(final.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(final["id"] as? String, "chatcmpl-u")
        XCTAssertEqual(try array(final["choices"]).count, 0)
        try assertUsage(final["usage"], 3, 4)
    }

    func testStreamDefaultsShareIdAndTime() throws {
        let stream = ChatStream(model: "m")
        XCTAssertTrue(stream.id.hasPrefix("chatcmpl-"))
        XCTAssertEqual(stream.id.count, "chatcmpl-".count + 24)
        XCTAssertNotEqual(stream.id, ChatStream(model: "m").id)
        let a = try jsonObject(stream.roleChunk())
        let b = try jsonObject(stream.finishChunk(.stop))
        XCTAssertEqual(a["id"] as? String, b["id"] as? String)
        XCTAssertEqual(a["created"] as? Int, b["created"] as? Int)
        XCTAssertLessThan(abs(stream.created - Int(Date().timeIntervalSince1970)), 5)
    }

    // MARK: text_completion

    func testCompletionResponse() throws {
        let response = CompletionResponse(
            id: "cmpl-1", created: 5, model: "m",
            choices: [CompletionChoice(text: "\n\nThis is", index: 0, finishReason: .length)],
            usage: Usage(promptTokens: 5, completionTokens: 7))
        let object = try jsonObject(response.jsonData)
        XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(object["id"] as? String, "cmpl-1")
        XCTAssertEqual(object["object"] as? String, "text_completion")
        let choice = try dict(try array(object["choices"])[0])
        XCTAssertEqual(Set(choice.keys), ["text", "index", "logprobs", "finish_reason"])
        XCTAssertEqual(choice["text"] as? String, "\n\nThis is")
        XCTAssertTrue(isNull(choice, "logprobs"))
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        try assertUsage(object["usage"], 5, 7)
        XCTAssertTrue(CompletionResponse(model: "m", choices: [], usage: nil).id.hasPrefix("cmpl-"))
    }

    func testLegacyLogprobs() throws {
        let logprobs = CompletionLogprobs(entries: [
            TokenLogprob(token: "Hé", logprob: -0.5, topLogprobs: [TopLogprob(token: "Hé", logprob: -0.5), TopLogprob(token: "A", logprob: -2)]),
            TokenLogprob(token: " there", logprob: -1, topLogprobs: [TopLogprob(token: " where", logprob: -0.75)]),
            TokenLogprob(token: "!", logprob: -.nan),
        ], textOffset: 10)
        XCTAssertEqual(logprobs.textOffset, [10, 12, 18], "offsets count characters (scalars), not bytes")
        let response = CompletionResponse(
            id: "cmpl-2", created: 5, model: "m",
            choices: [CompletionChoice(text: "Hé there!", logprobs: logprobs, finishReason: .stop)],
            usage: Usage(promptTokens: 1, completionTokens: 3))
        let choice = try dict(try array(try jsonObject(response.jsonData)["choices"])[0])
        let lp = try dict(choice["logprobs"])
        XCTAssertEqual(Set(lp.keys), ["tokens", "token_logprobs", "top_logprobs", "text_offset"])
        XCTAssertEqual(lp["tokens"] as? [String], ["Hé", " there", "!"])
        XCTAssertEqual(lp["token_logprobs"] as? [Double], [-0.5, -1, -9999])
        XCTAssertEqual(lp["text_offset"] as? [Int], [10, 12, 18])
        let tops = try XCTUnwrap(lp["top_logprobs"] as? [[String: Double]])
        XCTAssertEqual(tops[0], ["Hé": -0.5, "A": -2])
        XCTAssertEqual(tops[1], [" where": -0.75, " there": -1], "the sampled token is included (logprobs + 1)")
        XCTAssertEqual(tops[2], ["!": -9999])
    }

    func testCompletionStream() throws {
        let stream = CompletionStream(id: "cmpl-s", model: "m", created: 9, includeUsage: true)
        let text = try jsonObject(stream.textChunk("Once"))
        XCTAssertEqual(Set(text.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(text["object"] as? String, "text_completion")
        XCTAssertTrue(isNull(text, "usage"))
        let choice = try dict(try array(text["choices"])[0])
        XCTAssertEqual(choice["text"] as? String, "Once")
        XCTAssertTrue(isNull(choice, "finish_reason"))
        XCTAssertTrue(isNull(choice, "logprobs"))

        let finish = try dict(try array(try jsonObject(stream.finishChunk(.stop))["choices"])[0])
        XCTAssertEqual(finish["text"] as? String, "")
        XCTAssertEqual(finish["finish_reason"] as? String, "stop")

        let final = try jsonObject(stream.usageChunk(Usage(promptTokens: 2, completionTokens: 1)))
        XCTAssertEqual(final["id"] as? String, "cmpl-s")
        XCTAssertEqual(try array(final["choices"]).count, 0)
        try assertUsage(final["usage"], 2, 1)

        let plain = try jsonObject(CompletionStream(id: "cmpl-p", model: "m", created: 1).textChunk("x"))
        XCTAssertEqual(Set(plain.keys), ["id", "object", "created", "model", "choices"])
    }

    // MARK: models

    func testModelList() throws {
        let list = ModelList(data: [ModelObject(id: "qwen2.5-0.5b", created: 100), ModelObject(id: "r1/distill", created: 200, ownedBy: "me")])
        let object = try jsonObject(list.jsonData)
        XCTAssertEqual(Set(object.keys), ["object", "data"])
        XCTAssertEqual(object["object"] as? String, "list")
        let data = try array(object["data"])
        XCTAssertEqual(data.count, 2)
        let first = try dict(data[0])
        XCTAssertEqual(Set(first.keys), ["id", "object", "created", "owned_by"])
        XCTAssertEqual(first["id"] as? String, "qwen2.5-0.5b")
        XCTAssertEqual(first["object"] as? String, "model")
        XCTAssertEqual(first["created"] as? Int, 100)
        XCTAssertEqual(first["owned_by"] as? String, "hearth")
        XCTAssertEqual(try dict(data[1])["owned_by"] as? String, "me")

        let single = try jsonObject(ModelObject(id: "r1/distill", created: 1).jsonData)
        XCTAssertEqual(single["id"] as? String, "r1/distill")
        XCTAssertTrue(String(decoding: ModelObject(id: "r1/distill", created: 1).jsonData, as: UTF8.self).contains("r1/distill"))
    }

    func testEncodingIsDeterministic() {
        let response = ChatCompletionResponse(
            id: "chatcmpl-d", created: 1, model: "m", choices: [.init(content: "x", finishReason: .stop)],
            usage: Usage(promptTokens: 1, completionTokens: 1))
        XCTAssertEqual(
            String(decoding: response.jsonData, as: UTF8.self),
            #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"x","refusal":null,"role":"assistant"}}],"#
                + #""created":1,"id":"chatcmpl-d","model":"m","object":"chat.completion","usage":{"completion_tokens":1,"prompt_tokens":1,"total_tokens":2}}"#)
    }
}
