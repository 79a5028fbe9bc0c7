import Foundation
import Grammar
import JSON

/// A function a request offers, as the grammar engine constrains its calls.
public struct ToolSpec: Sendable {
    public var name: String
    /// Its `parameters` JSON Schema (`{"type":"object"}` when the tool gives none).
    public var parameters: JSONValue
    /// `strict: true`: with `tool_choice` auto, its arguments are constrained once the model begins a call.
    public var strict: Bool

    public init(name: String, parameters: JSONValue, strict: Bool) {
        self.name = name
        self.parameters = parameters
        self.strict = strict
    }
}

/// A grammar that applies only once the model has written `trigger` (a call's opening marker) outside reasoning,
/// and until the grammar is complete (the call's closing marker); then output is free again until the next trigger.
public struct LazyGrammar: Sendable {
    public let trigger: [UInt8]
    let grammar: OutputGrammar
}

/// How calls are written in a tool-call format: the text around them and each call's JSON.
struct CallLayout {
    var open = ""
    var separator = ""
    var close = ""
    /// The text before a call's JSON, given the function's name.
    var prefix: (String) -> String
    var suffix = ""
    /// The key holding the arguments in `{"name": …, key: {…}}`; nil when the name is in the prefix and the JSON is
    /// the arguments alone.
    var argumentsKey: String? = "arguments"
    /// Whether the format can write several calls.
    var parallel = true
    /// The marker that begins a call, which a lazy grammar waits for; nil when a call has none to tell it from
    /// content (bare JSON).
    var trigger: String?
}

extension ToolCallFormat {
    /// The layout of calls in this format; nil (no format the template teaches) is one bare JSON call
    /// `{"name": …, "arguments": …}`, which the parser takes as a call when it names an offered tool.
    static func layout(_ format: ToolCallFormat?) -> CallLayout {
        switch format {
        case .hermes?:
            CallLayout(separator: "\n", prefix: { _ in "<tool_call>\n" }, suffix: "\n</tool_call>", trigger: "<tool_call>")
        case nil:
            CallLayout(prefix: { _ in "" }, parallel: false)
        }
    }
}

extension OutputGrammarCache {
    /// The grammar that makes the answer calls in `format`'s syntax: one call when `parallel` is false or the
    /// format writes one, else one or more. Each call names one of `tools`, with arguments matching its parameters.
    func forcedCalls(_ tools: [ToolSpec], format: ToolCallFormat?, parallel: Bool) throws(OutputFormatError) -> OutputGrammar {
        let layout = ToolCallFormat.layout(format)
        let syntax = Self.syntax(tools, layout: layout, strictOnly: false, maxCalls: parallel && layout.parallel ? nil : 1)
        return try compile(syntax)
    }

    /// With `tool_choice` auto: once the model writes a call's opening marker, the rest of that call is constrained
    /// (strict tools' arguments to their parameters, other tools' to any object). Nil when no tool is strict or the
    /// format has no marker.
    func lazyCalls(_ tools: [ToolSpec], format: ToolCallFormat?, parallel: Bool) throws(OutputFormatError) -> LazyGrammar? {
        let layout = ToolCallFormat.layout(format)
        guard tools.contains(where: \.strict), let trigger = layout.trigger else { return nil }
        var syntax = Self.syntax(tools, layout: layout, strictOnly: true, maxCalls: parallel && layout.parallel ? nil : 1)
        if syntax.open.hasPrefix(trigger) {
            // The trigger opens the list of calls (Mistral's `[TOOL_CALLS]`): the grammar is the rest of the list.
            syntax.open.removeFirst(trigger.count)
        } else {
            // Each call opens with it (Hermes' `<tool_call>`): the grammar is the rest of one call, and the next
            // call triggers anew.
            syntax.options = syntax.options.map { o in
                var o = o
                if o.prefix.hasPrefix(trigger) { o.prefix.removeFirst(trigger.count) }
                return o
            }
            (syntax.open, syntax.close, syntax.maxCalls) = ("", "", 1)
        }
        return LazyGrammar(trigger: Array(trigger.utf8), grammar: try compile(syntax))
    }

    private func compile(_ syntax: CallSyntax) throws(OutputFormatError) -> OutputGrammar {
        do {
            return OutputGrammar(compiled: try cache.grammar(for: syntax))
        } catch {
            throw OutputFormatError(message: error.message)
        }
    }

    /// The call syntax: a document `{"anyOf": [call schema, …]}` with one option per tool pointing at its schema.
    static func syntax(_ tools: [ToolSpec], layout: CallLayout, strictOnly: Bool, maxCalls: Int?) -> CallSyntax {
        var schemas: [JSONValue] = []
        var options: [CallSyntax.Option] = []
        for (i, tool) in tools.enumerated() {
            let pointer = "#/anyOf/\(i)"
            let parameters = strictOnly && !tool.strict ? .object(["type": .string("object")]) : tool.parameters
            if let key = layout.argumentsKey {
                schemas.append(.object([
                    "type": .string("object"),
                    "properties": .object(["name": .object(["const": .string(tool.name)]),
                                           key: rebased(parameters, at: pointer + "/properties/" + escaped(key))]),
                    "required": .array([.string("name"), .string(key)]),
                    "additionalProperties": .bool(false),
                ]))
            } else {
                schemas.append(rebased(parameters, at: pointer))
            }
            options.append(CallSyntax.Option(prefix: layout.prefix(tool.name), pointer: pointer, suffix: layout.suffix))
        }
        return CallSyntax(document: schemaValue(.object(["anyOf": .array(schemas)])), options: options, open: layout.open,
                          separator: layout.separator, close: layout.close, maxCalls: maxCalls)
    }

    /// `schema` moved to `pointer` in a larger document: its local `$ref`s ("#", "#/$defs/x") now point below it.
    static func rebased(_ schema: JSONValue, at pointer: String) -> JSONValue {
        switch schema {
        case .object(let o):
            var out = JSONObject()
            for (key, value) in o {
                if key == "$ref", case .string(let ref) = value, ref.hasPrefix("#") {
                    out[key] = .string(pointer + ref.dropFirst())
                } else {
                    out[key] = rebased(value, at: pointer)
                }
            }
            return .object(out)
        case .array(let a): return .array(a.map { rebased($0, at: pointer) })
        default: return schema
        }
    }

    /// A key as a JSON pointer segment (RFC 6901).
    static func escaped(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
