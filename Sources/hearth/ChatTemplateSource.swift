import Foundation
import GGUF
import Jinja
import Tokenizers

/// The chat template a model is served with: its GGUF's own, a file that overrides it, or ChatML as a fallback.
struct ChatTemplateSource: Sendable {
    /// ChatML, for models that carry no template (what llama.cpp also falls back to).
    static let chatML = """
        {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    let template: ChatTemplate
    let source: String
    /// Where the template came from, for the log.
    let origin: String

    /// Loads the template of `file`, or of `override` when given; falls back to ChatML with a warning.
    static func load(file: GGUFFile?, override: String?, warn: (String) -> Void) throws -> ChatTemplateSource {
        if let override {
            guard let data = FileManager.default.contents(atPath: override), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read chat template file \(override)")
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
            throw CLIError("chat template from \(origin) does not parse: \(error)")
        }
    }

    /// The special-token strings transformers passes to templates, from the model's vocabulary.
    static func specialTokens(_ tokenizer: Tokenizer) -> (bos: String?, eos: String?) {
        (tokenizer.bosID.map { tokenizer.decode([$0]) }, tokenizer.eosID.map { tokenizer.decode([$0]) })
    }

    /// Renders `messages` (a Jinja list of message dicts) with the generation prompt opened.
    func render(messages: Value, tools: Value? = nil, addGenerationPrompt: Bool = true, variables: OrderedDict = OrderedDict(),
                tokenizer: Tokenizer?, bos: String? = nil, eos: String? = nil, now: Date = Date()) throws -> String {
        let special: (bos: String?, eos: String?) = tokenizer.map(Self.specialTokens) ?? (bos: bos, eos: eos)
        return try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                                   bosToken: bos ?? special.bos, eosToken: eos ?? special.eos, variables: variables, now: now)
    }

    /// Renders one user message, for `hearth generate --chat`.
    func renderSingleUser(_ text: String, tokenizer: Tokenizer) throws -> String {
        let message: OrderedDict = ["role": .string("user"), "content": .string(text)]
        return try render(messages: .list([.dict(message)]), tokenizer: tokenizer)
    }
}
