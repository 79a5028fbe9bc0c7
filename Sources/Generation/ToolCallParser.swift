import Foundation
import JSON
import Jinja

/// How a model writes tool calls; found from its chat template.
public enum ToolCallFormat: Sendable, Equatable {
    /// Hermes 2 Pro, Qwen2.5 and Qwen3: each call a JSON object `{"name": …, "arguments": …}` between `<tool_call>`
    /// and `</tool_call>`.
    case hermes
}

/// One tool call the model made: the function's name and its arguments as JSON text.
public struct ToolCall: Sendable, Equatable {
    public var name: String
    public var arguments: String
    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}

/// Splits an answer into content and tool calls as it streams (Hermes format). Text before a call is content; a
/// call is held until its closing tag, then parsed; one that does not parse goes back into the content as written,
/// and is counted. Whitespace between and after calls is dropped. Partial tags are held back across chunks.
///
/// Small Qwen2.5 models often write the call's JSON without the tags. An answer that is, as a whole, one object
/// `{"name": <an offered tool>, "arguments": …}` is taken as that call (llama.cpp accepts the same); such an
/// answer is held until the end, since only then can it be told from content that merely starts with "{".
public struct ToolCallParser: Sendable {
    static let openTag = Array("<tool_call>".utf8)
    static let closeTag = Array("</tool_call>".utf8)

    private let names: Set<String>
    private var pending: [UInt8] = []
    private var inCall = false
    private var sawCall = false
    /// Whether nothing but whitespace has been seen, and whether the answer is being held as a possible bare call.
    private var leading = true
    private var bare = false
    /// Calls that did not parse and were returned as content.
    public private(set) var failures = 0

    /// A parser for a request offering the tools `names`.
    public init(names: Set<String> = []) { self.names = names }

    /// Feeds answer text; returns the content and the complete calls that can be emitted now.
    public mutating func append(_ text: String) -> (content: String, calls: [ToolCall]) {
        pending += text.utf8
        if leading, let first = pending.first(where: { !Self.isSpace($0) }) {
            leading = false
            bare = first == UInt8(ascii: "{") && !names.isEmpty
        }
        if leading || bare { return ("", []) }
        var content: [UInt8] = []
        var calls: [ToolCall] = []
        while true {
            if inCall {
                guard let end = ByteSearch.firstIndex(of: Self.closeTag, in: pending) else { break }
                take(Array(pending[..<end]), closed: true, content: &content, calls: &calls)
                pending.removeFirst(end + Self.closeTag.count)
                inCall = false
            } else if let start = ByteSearch.firstIndex(of: Self.openTag, in: pending) {
                emit(Array(pending[..<start]), into: &content)
                pending.removeFirst(start + Self.openTag.count)
                inCall = true
                sawCall = true
            } else {
                // Everything but a possible start of "<tool_call>" at the end is content.
                let keep = ByteSearch.heldSuffixLength(of: pending, prefixOf: [Self.openTag])
                emit(Array(pending[..<(pending.count - keep)]), into: &content)
                pending.removeFirst(pending.count - keep)
                break
            }
        }
        return (String(decoding: content, as: UTF8.self), calls)
    }

    /// The end of the answer: a call left open (models may stop before `</tool_call>`) is parsed as it stands.
    public mutating func finish() -> (content: String, calls: [ToolCall]) {
        var content: [UInt8] = []
        var calls: [ToolCall] = []
        if bare {
            bare = false
            if let call = Self.parse(pending), names.contains(call.name) {
                pending = []
                return ("", [call])
            }
            // Not a bare call: the held text is an answer like any other, tags and all.
            let rest = append("")
            content += Array(rest.content.utf8)
            calls += rest.calls
        }
        if inCall {
            take(pending, closed: false, content: &content, calls: &calls)
        } else {
            emit(pending, into: &content)
        }
        pending = []
        inCall = false
        return (String(decoding: content, as: UTF8.self), calls)
    }

    private func emit(_ bytes: [UInt8], into content: inout [UInt8]) {
        // After a call, only words are content: the newlines a model writes between calls are not.
        if sawCall && bytes.allSatisfy(Self.isSpace) { return }
        content += bytes
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private mutating func take(_ body: [UInt8], closed: Bool, content: inout [UInt8], calls: inout [ToolCall]) {
        if let call = Self.parse(body) {
            calls.append(call)
        } else {
            failures += 1
            content += Self.openTag + body + (closed ? Self.closeTag : [])
        }
    }

    /// `{"name": …, "arguments": {…}}` (or `"parameters"`, or arguments already a JSON string).
    static func parse(_ body: [UInt8]) -> ToolCall? {
        guard case .object(let object)? = try? JSONParser.parse(Data(body)), case .string(let name)? = object["name"] else {
            return nil
        }
        switch object["arguments"] ?? object["parameters"] ?? .object([:]) {
        case .string(let text): return ToolCall(name: name, arguments: text)
        case let value:
            guard let text = try? Value(value).jsonString() else { return nil }
            return ToolCall(name: name, arguments: text)
        }
    }
}
