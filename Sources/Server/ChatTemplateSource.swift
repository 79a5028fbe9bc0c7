import Foundation
import GGUF
import Jinja
import Tokenizers

/// The chat template a model is served with: its GGUF's own, a file that overrides it, or ChatML as a fallback.
public struct ChatTemplateSource: Sendable {
    /// ChatML, for models that carry no template (what llama.cpp also falls back to).
    public static let chatML = """
        {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    public let template: ChatTemplate
    public let source: String
    /// Where the template came from, for the log.
    public let origin: String

    /// Loads the template of `file`, or of `override` when given; falls back to ChatML with a warning.
    public static func load(file: GGUFFile?, override: String?, warn: (String) -> Void) throws -> ChatTemplateSource {
        if let override {
            guard let data = FileManager.default.contents(atPath: override), let text = String(data: data, encoding: .utf8) else {
                throw ServerSetupError("cannot read chat template file \(override)")
            }
            return try parse(text, origin: override)
        }
        if let text = file?.string("tokenizer.chat_template") {
            return try parse(text, origin: "the model's tokenizer.chat_template")
        }
        warn("warning: the model has no chat template (tokenizer.chat_template); using ChatML")
        return try parse(chatML, origin: "ChatML fallback")
    }

    private static func parse(_ text: String, origin: String) throws -> ChatTemplateSource {
        do {
            return ChatTemplateSource(template: try ChatTemplate(source: text), source: text, origin: origin)
        } catch {
            throw ServerSetupError("chat template from \(origin) does not parse: \(error)")
        }
    }

    /// The special-token strings transformers passes to templates, from the model's vocabulary.
    public static func specialTokens(_ tokenizer: Tokenizer) -> (bos: String?, eos: String?) {
        (tokenizer.bosID.map { tokenizer.decode([$0]) }, tokenizer.eosID.map { tokenizer.decode([$0]) })
    }

    /// Renders `messages` (a Jinja list of message dicts) with the generation prompt opened.
    public func render(messages: Value, tools: Value? = nil, addGenerationPrompt: Bool = true, variables: OrderedDict = OrderedDict(),
                tokenizer: Tokenizer?, bos: String? = nil, eos: String? = nil, now: Date = Date()) throws -> String {
        let special: (bos: String?, eos: String?) = tokenizer.map(Self.specialTokens) ?? (bos: bos, eos: eos)
        return try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                                   bosToken: bos ?? special.bos, eosToken: eos ?? special.eos, variables: variables, now: now)
    }

    /// Renders one user message, for `hearth generate --chat`.
    public func renderSingleUser(_ text: String, tokenizer: Tokenizer) throws -> String {
        let message: OrderedDict = ["role": .string("user"), "content": .string(text)]
        return try render(messages: .list([.dict(message)]), tokenizer: tokenizer)
    }
}

/// A setup problem (bad template file, bad option) reported as one line before the server starts.
public struct ServerSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
