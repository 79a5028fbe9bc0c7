import Foundation
import JSON
import Jinja
import Tokenizers

/// How a model's prompts are built: the chat template it is served with (its GGUF's own, a file that overrides
/// it, or ChatML), rendered and tokenized, with control-token text in client strings kept literal (ContentShield).
public struct ChatPrompt: Sendable {
    /// ChatML, for models that carry no template (what llama.cpp also falls back to).
    public static let chatML = """
        {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    public let template: ChatTemplate
    public let source: String
    /// Where the template came from, for the log.
    public let origin: String
    let tokenizer: Tokenizer

    /// A built prompt: its tokens, its text, and whether it ends inside an opened `<think>` section.
    public struct Built: Sendable {
        public var tokens: [Int32]
        public var text: String
        public var opensReasoning: Bool
    }

    /// The template of the model (`embedded`, its `tokenizer.chat_template`), or of the file `override`; ChatML
    /// with a warning when there is neither.
    public static func load(embedded: String?, override: String?, tokenizer: Tokenizer, warn: (String) -> Void) throws(PromptSetupError)
        -> ChatPrompt {
        let t = try loadTemplate(embedded: embedded, override: override, warn: warn)
        return ChatPrompt(template: t.template, source: t.source, origin: t.origin, tokenizer: tokenizer)
    }

    /// Just the template, for `hearth render-template`, which may run without a model.
    public static func loadTemplate(embedded: String?, override: String?, warn: (String) -> Void) throws(PromptSetupError)
        -> (template: ChatTemplate, source: String, origin: String) {
        let text: String, origin: String
        if let override {
            guard let data = FileManager.default.contents(atPath: override), let t = String(data: data, encoding: .utf8) else {
                throw PromptSetupError("cannot read chat template file \(override)")
            }
            (text, origin) = (t, override)
        } else if let embedded {
            (text, origin) = (embedded, "the model's tokenizer.chat_template")
        } else {
            warn("warning: the model has no chat template (tokenizer.chat_template); using ChatML")
            (text, origin) = (chatML, "ChatML fallback")
        }
        do {
            return (try ChatTemplate(source: text), text, origin)
        } catch {
            throw PromptSetupError("chat template from \(origin) does not parse: \(error)")
        }
    }

    // MARK: Chat

    /// The prompt for a conversation. `messages` are message objects as the template reads them (key order kept);
    /// `tools` are tool definitions (`{"type":"function","function":{…}}`) for the template's `tools` variable, or
    /// described in the system message when the template has no tool support; `variables` are extra template
    /// variables (`chat_template_kwargs`). Unless `specialInContent`, control-token text inside any message or tool
    /// string stays ordinary text; only the template's own text makes control tokens.
    public func build(messages: [JSONValue], tools: [JSONValue] = [], variables: JSONObject = [:],
                      specialInContent: Bool = false) throws(PromptError) -> Built {
        var messages = messages
        var tools = tools
        if !tools.isEmpty && !rendersTools {
            messages = Self.describing(tools, in: messages)
            tools = []
        }
        let text: String
        let tokens: [Int32]
        if specialInContent {
            text = try Self.renderConversation(messages) { m throws(PromptError) in
                try render(m.map(Value.init), tools: tools.map(Value.init), variables: variables)
            }
            tokens = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        } else {
            let shield = ContentShield(tokenizer: tokenizer)
            let literal: [Range<Int>]
            (text, literal) = shield.unshield(try Self.renderConversation(messages) { m throws(PromptError) in
                try render(m.map { shield.shield(Value($0)) }, tools: tools.map { shield.shield(Value($0)) }, variables: variables)
            })
            tokens = tokenizer.encode(text, addSpecial: false, parseSpecial: true, literalRanges: literal)
        }
        return Built(tokens: tokens, text: text, opensReasoning: ReasoningParser.promptOpensReasoning(renderedPrompt: text))
    }

    /// Renders `messages` as they came over the wire (a null content, tool-call arguments as JSON strings) in the
    /// form templates read: a null content as "" (templates that join strings fail on none; the ones that test
    /// content treat both alike), and arguments parsed into objects, as transformers hands them (most templates
    /// index into them or print them with `tojson`). A template that fails on objects gets the strings instead:
    /// DeepSeek-V3.1's concatenates them as text.
    public static func renderConversation(_ messages: [JSONValue], _ render: ([JSONValue]) throws(PromptError) -> String)
        throws(PromptError) -> String {
        let wire = messages.map { message in Self.nullContentAsEmpty(message) }
        let parsed = wire.map(Self.parsingToolArguments)
        guard parsed != wire else { return try render(wire) }
        do {
            return try render(parsed)
        } catch {
            return try render(wire)
        }
    }

    static func nullContentAsEmpty(_ message: JSONValue) -> JSONValue {
        guard case .object(var m) = message, m["content"] == .null || m["content"] == nil else { return message }
        m["content"] = .string("")
        return .object(m)
    }

    /// A message whose `tool_calls[].function.arguments` JSON strings are parsed into values; text that is not
    /// JSON stays as it came.
    static func parsingToolArguments(_ message: JSONValue) -> JSONValue {
        guard case .object(var m) = message, case .array(let calls)? = m["tool_calls"] else { return message }
        m["tool_calls"] = .array(calls.map { call in
            guard case .object(var c) = call, case .object(var function)? = c["function"],
                  case .string(let text)? = function["arguments"], let parsed = try? JSONParser.parse(Data(text.utf8)) else { return call }
            function["arguments"] = parsed
            c["function"] = .object(function)
            return .object(c)
        })
        return .object(m)
    }

    private func render(_ messages: [Value], tools: [Value], variables: JSONObject) throws(PromptError) -> String {
        var vars = OrderedDict()
        for (k, v) in variables { vars[k] = Value(v) }
        do {
            return try render(messages: .list(messages), tools: tools.isEmpty ? nil : .list(tools), variables: vars)
        } catch {
            throw PromptError(message: "The chat template could not render these messages: \(error)")
        }
    }

    /// Whether the template renders a `tools` variable itself (as Qwen2.5's, Llama 3.1's and Hermes' do).
    public var rendersTools: Bool { source.contains("tools") }

    /// The tool-call format the template teaches the model, if one this server parses (as llama.cpp detects it,
    /// from the template's text).
    public var toolCallFormat: ToolCallFormat? { rendersTools && source.contains("<tool_call>") ? .hermes : nil }

    /// `messages` with the tools described in the system message, for a template with no tool support: appended to
    /// a leading system message, or as a new one (vLLM and llama.cpp's generic format do the same).
    static func describing(_ tools: [JSONValue], in messages: [JSONValue]) -> [JSONValue] {
        let lines = tools.compactMap { tool -> String? in
            guard case .object(let t) = tool, let function = t["function"] else { return nil }
            return try? Value(function).jsonString()
        }
        let description = "You can use these tools, each described as a JSON function definition:\n" + lines.joined(separator: "\n")
            + "\nTo call a tool, answer with only a JSON object: {\"name\": <the tool's name>, \"arguments\": <its arguments as a JSON object>}."
        var messages = messages
        if case .object(var first)? = messages.first, first["role"] == .string("system"), case .string(let content)? = first["content"] {
            first["content"] = .string(content + "\n\n" + description)
            messages[0] = .object(first)
        } else {
            messages.insert(.object(["role": .string("system"), "content": .string(description)]), at: 0)
        }
        return messages
    }

    /// Renders `messages` (a Jinja list of message dicts) with the generation prompt opened.
    public func render(messages: Value, tools: Value? = nil, addGenerationPrompt: Bool = true, variables: OrderedDict = OrderedDict(),
                       now: Date = Date()) throws -> String {
        // The special-token strings transformers passes to templates, from the model's vocabulary.
        let bos = tokenizer.bosID.map { tokenizer.decode([$0]) }
        let eos = tokenizer.eosID.map { tokenizer.decode([$0]) }
        return try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                                   bosToken: bos, eosToken: eos, variables: variables, now: now)
    }

    /// Renders one user message, for `hearth generate --chat`.
    public func renderSingleUser(_ text: String) throws -> String {
        let message: OrderedDict = ["role": .string("user"), "content": .string(text)]
        return try render(messages: .list([.dict(message)]))
    }

    // MARK: Raw text

    /// The tokens of a raw prompt (`/v1/completions`): the caller's own template, so special-token text in it is
    /// parsed, as llama-server does, and BOS is added when the model asks for it.
    public func tokens(text: String) -> [Int32] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: true)
    }
}

/// Why a conversation could not be turned into a prompt (a client error: the template refused these messages).
public struct PromptError: Error, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
}

/// A setup problem (bad template file) reported as one line before the server starts.
public struct PromptSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
