import Foundation
import OpenAI
import XCTest

/// Accepted bodies and the normalized values they produce.
final class RequestDecodingTests: XCTestCase {
    func testMinimalChatUsesOpenAIDefaults() throws {
        let request = try decodeChat(chatBody())
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.messages, [ChatMessage(role: .user, content: "hi")])
        XCTAssertEqual(request.settings, GenerationSettings())
        XCTAssertNil(request.settings.maxTokens)
        XCTAssertEqual(request.settings.temperature, 1)
        XCTAssertEqual(request.settings.topP, 1)
        XCTAssertEqual(request.settings.n, 1)
        XCTAssertEqual(request.chatTemplateKwargs, [:])
        XCTAssertNil(request.user)
    }

    func testEveryChatParameter() throws {
        let body = chatBody(#"""
            "max_tokens":100,"temperature":0.25,"top_p":0.9,"top_k":40,"min_p":0.05,"presence_penalty":-1.5,
            "frequency_penalty":2,"repetition_penalty":1.1,"seed":42,"stop":["\n\n","END"],"n":3,"logprobs":true,
            "top_logprobs":5,"logit_bias":{"50256":-100,"13":2.5},"user":"u-1","stream":true,
            "stream_options":{"include_usage":true},"ignore_eos":true,"chat_template_kwargs":{"enable_thinking":false,"depth":2},
            "reasoning_effort":"high","parallel_tool_calls":false,"unknown_field":{"deep":[1,2]},"tools":[],"tool_choice":"none",
            "response_format":{"type":"text"}
            """#)
        let request = try decodeChat(body)
        let expected = GenerationSettings(
            maxTokens: 100, temperature: 0.25, topP: 0.9, topK: 40, minP: 0.05, presencePenalty: -1.5, frequencyPenalty: 2,
            repetitionPenalty: 1.1, seed: 42, stop: ["\n\n", "END"], n: 3, logprobs: true, topLogprobs: 5,
            logitBias: [50256: -100, 13: 2.5], ignoreEOS: true, stream: true, includeUsage: true)
        XCTAssertEqual(request.settings, expected)
        XCTAssertEqual(request.user, "u-1")
        XCTAssertEqual(request.chatTemplateKwargs, ["enable_thinking": .bool(false), "depth": .int(2)])
    }

    func testMaxCompletionTokensWinsOverMaxTokens() throws {
        XCTAssertEqual(try decodeChat(chatBody(#""max_tokens":10,"max_completion_tokens":20"#)).settings.maxTokens, 20)
        XCTAssertEqual(try decodeChat(chatBody(#""max_completion_tokens":7"#)).settings.maxTokens, 7)
        XCTAssertEqual(try decodeChat(chatBody(#""max_tokens":10"#)).settings.maxTokens, 10)
    }

    func testNullMeansNotProvided() throws {
        let body = chatBody(#""max_tokens":null,"temperature":null,"stop":null,"n":null,"logprobs":null,"stream_options":null,"tools":null,"seed":null"#)
        XCTAssertEqual(try decodeChat(body).settings, GenerationSettings())
    }

    func testNormalizations() throws {
        XCTAssertEqual(try decodeChat(chatBody(#""top_k":-1"#)).settings.topK, 0)
        XCTAssertEqual(try decodeChat(chatBody(#""top_k":0"#)).settings.topK, 0)
        XCTAssertEqual(try decodeChat(chatBody(#""seed":-1"#)).settings.seed, UInt64.max)
        XCTAssertEqual(try decodeChat(chatBody(#""max_tokens":8.0"#)).settings.maxTokens, 8)
        XCTAssertEqual(try decodeChat(chatBody(#""temperature":0"#)).settings.temperature, 0)
        XCTAssertEqual(try decodeChat(chatBody(#""stop":"%%%""#)).settings.stop, ["%%%"])
        XCTAssertEqual(try decodeChat(chatBody(#""stop":["a","","a","b"]"#)).settings.stop, ["a", "b"])
        XCTAssertEqual(try decodeChat(chatBody(#""stop":"""#)).settings.stop, [])
        XCTAssertEqual(try decodeChat(chatBody(#""top_logprobs":0"#)).settings.topLogprobs, 0)
        XCTAssertEqual(try decodeChat(chatBody(#""stream":true,"stream_options":{}"#)).settings.includeUsage, false)
        XCTAssertEqual(try decodeChat(chatBody(#""tool_choice":"auto""#)).settings, GenerationSettings())
        XCTAssertEqual(try decodeChat(chatBody(#""repetition_penalty":3"#)).settings.repetitionPenalty, 3)
    }

    func testMessageForms() throws {
        let body = #"""
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Rule 1"},{"type":"text","text":"Rule 2"}]},
              {"role":"user","content":"Hi","name":"ann"},
              {"role":"assistant","content":null,"reasoning_content":"hmm","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","content":"42","tool_call_id":"c1"},
              {"role":"assistant","content":"Ok","reasoning":"vllm style"},
              {"role":"assistant"},
              {"role":"user","content":[]}
            ]}
            """#
        let messages = try decodeChat(body).messages
        XCTAssertEqual(messages.count, 8)
        XCTAssertEqual(messages[0], ChatMessage(role: .system, content: "Be brief."))
        XCTAssertEqual(messages[1], ChatMessage(role: .developer, content: "Rule 1\nRule 2"))
        XCTAssertEqual(messages[2], ChatMessage(role: .user, content: "Hi", name: "ann"))
        XCTAssertEqual(messages[3].role, .assistant)
        XCTAssertNil(messages[3].content)
        XCTAssertEqual(messages[3].reasoningContent, "hmm")
        XCTAssertEqual(messages[3].toolCalls?.count, 1)
        XCTAssertEqual(messages[4], ChatMessage(role: .tool, content: "42", toolCallID: "c1"))
        XCTAssertEqual(messages[5].reasoningContent, "vllm style")
        XCTAssertEqual(messages[6], ChatMessage(role: .assistant, content: nil))
        XCTAssertEqual(messages[7], ChatMessage(role: .user, content: ""))
    }

    func testReasoningContentWinsOverReasoning() throws {
        let body = #"{"model":"m","messages":[{"role":"assistant","content":"a","reasoning_content":"A","reasoning":"B"}]}"#
        XCTAssertEqual(try decodeChat(body).messages[0].reasoningContent, "A")
    }

    func testNonASCIIAndEscapesSurvive() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":"héllo 😀 \u00e9 \n\"q\" a\/b"}]}"#
        XCTAssertEqual(try decodeChat(body).messages[0].content, "héllo 😀 é \n\"q\" a/b")
    }

    // MARK: Completions

    func testCompletionDefaults() throws {
        let request = try decodeCompletion(completionBody())
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.prompt, .text("Once upon a time"))
        XCTAssertEqual(request.settings, GenerationSettings(maxTokens: 16))
    }

    func testCompletionPromptForms() throws {
        XCTAssertEqual(try decodeCompletion(#"{"model":"m","prompt":["one"]}"#).prompt, .text("one"))
        XCTAssertEqual(try decodeCompletion(#"{"model":"m","prompt":[1,2,3]}"#).prompt, .tokens([1, 2, 3]))
        XCTAssertEqual(try decodeCompletion(#"{"model":"m","prompt":[[7,8]]}"#).prompt, .tokens([7, 8]))
        XCTAssertEqual(try decodeCompletion(#"{"model":"m","prompt":[0]}"#).prompt, .tokens([0]))
    }

    func testCompletionParameters() throws {
        let request = try decodeCompletion(completionBody(#""max_tokens":5,"logprobs":3,"echo":false,"best_of":1,"suffix":"","stream":true,"stream_options":{"include_usage":true}"#))
        XCTAssertEqual(request.settings.maxTokens, 5)
        XCTAssertTrue(request.settings.logprobs)
        XCTAssertEqual(request.settings.topLogprobs, 3)
        XCTAssertTrue(request.settings.includeUsage)
        let zero = try decodeCompletion(completionBody(#""logprobs":0"#))
        XCTAssertTrue(zero.settings.logprobs)
        XCTAssertEqual(zero.settings.topLogprobs, 0)
        XCTAssertFalse(try decodeCompletion(completionBody(#""logprobs":null"#)).settings.logprobs)
    }

    func testCompletionIgnoresChatOnlyFields() throws {
        // tools are a chat feature; a completions body carrying them is served as plain text completion.
        let request = try decodeCompletion(completionBody(#""tools":[{"type":"function"}],"max_completion_tokens":99"#))
        XCTAssertEqual(request.settings.maxTokens, 16)
    }
}
