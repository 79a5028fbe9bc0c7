import Foundation

/// A parsed Jinja2 template; immutable, so one instance can render concurrently on many threads.
///
/// Semantics follow jinja2 3.1's `ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)`
/// with the loop-controls extension, as Hugging Face transformers configures it for chat templates.
public struct Template: Sendable {
    let body: [Statement]
    let symbols: [String: Int]
    let globals: [Value?]
    let frame: FrameInfo
    /// The bounds applied while parsing and rendering.
    public let limits: TemplateLimits

    /// Parses `source`; throws `TemplateError.syntax` (with line and column) for malformed templates.
    public init(_ source: String, limits: TemplateLimits = TemplateLimits()) throws {
        self.limits = limits
        (body, symbols, frame) = try Parser.parse(source, limits: limits)
        var globals = [Value?](repeating: nil, count: symbols.count)
        for (name, id) in symbols { globals[id] = Builtin.global(name) }
        self.globals = globals
    }

    /// Renders with `context` as the template's variables; `now` and `timeZone` drive `strftime_now`.
    public func render(_ context: [String: Value] = [:], now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        let contextScope = Scope(parent: nil)
        // Names the template never mentions cannot be read, so only interned names are bound.
        for (name, value) in context {
            if let id = symbols[name] { contextScope.set(id, value) }
        }
        let root = Scope(parent: contextScope)
        for id in frame.undefinedOnEntry { root.set(id, .undefined) }
        let interpreter = Interpreter(root: root, globals: globals, limits: limits, now: now, timeZone: timeZone)
        do {
            return try interpreter.render(body)
        } catch TemplateError.runtime(let message, let line) where line == 0 {
            // Helpers throw without a position; attach the statement being executed.
            throw TemplateError.runtime(message: message, line: interpreter.line)
        }
    }
}

/// A model's chat template, rendered with the context Hugging Face transformers' `apply_chat_template` builds.
public struct ChatTemplate: Sendable {
    /// The parsed template.
    public let template: Template

    /// Parses the chat template source (e.g. a GGUF `tokenizer.chat_template`).
    public init(source: String, limits: TemplateLimits = TemplateLimits()) throws {
        template = try Template(source, limits: limits)
    }

    /// Renders a conversation.
    ///
    /// The context is `messages`, `tools` and `documents` (always defined; `none` when nil),
    /// `add_generation_prompt`, `bos_token`/`eos_token` (undefined when nil), then `variables`
    /// (e.g. `enable_thinking`), which override earlier entries as transformers' kwargs do.
    public func render(
        messages: Value, tools: Value? = nil, documents: Value? = nil, addGenerationPrompt: Bool,
        bosToken: String?, eosToken: String?, variables: OrderedDict = OrderedDict(),
        now: Date = Date(), timeZone: TimeZone = .current
    ) throws -> String {
        var context: [String: Value] = [
            "messages": messages,
            "tools": tools ?? .none,
            "documents": documents ?? .none,
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        for (k, v) in zip(variables.keys, variables.values) {
            guard case .string(let key) = k else { continue }
            context[key] = v
        }
        return try template.render(context, now: now, timeZone: timeZone)
    }
}
