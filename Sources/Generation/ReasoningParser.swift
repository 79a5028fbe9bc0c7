/// Splits generated text into reasoning and answer for `<think>…</think>` models (DeepSeek-R1 distills, Qwen3).
///
/// Follows vLLM's `deepseek_r1` parser: the tags are removed and everything else is kept verbatim, so the
/// answer keeps the newlines the model writes after `</think>` ("</think>\n\nAnswer" gives content "\n\nAnswer").
/// Differences: a `<think>` counts only at the very start of the output (after optional whitespace, which is then
/// dropped), and whether output without one starts in reasoning comes from the prompt (`startsInReasoning`) rather
/// than from always assuming it. Partial tags are held back across chunks; after `</think>` all text is answer.
public struct ReasoningParser: Sendable {
    static let openTag = Array("<think>".utf8)
    static let closeTag = Array("</think>".utf8)

    private enum State { case leading, reasoning, content }

    private let startsInReasoning: Bool
    private var state: State = .leading
    private var pending: [UInt8] = []
    /// Whether a reasoning section was opened, by the prompt or by a leading `<think>`.
    public private(set) var hasReasoning: Bool

    /// Whether output so far is reasoning (an opened `<think>` not yet closed): structured output starts after it.
    public var isInReasoning: Bool { state == .reasoning || (state == .leading && startsInReasoning) }

    /// Creates a parser; pass `promptOpensReasoning(renderedPrompt:)` as `startsInReasoning`.
    public init(startsInReasoning: Bool) {
        self.startsInReasoning = startsInReasoning
        self.hasReasoning = startsInReasoning
    }

    /// Feeds new text; returns the reasoning and answer text that can be emitted now (either may be empty).
    public mutating func append(_ text: String) -> (reasoning: String, content: String) {
        pending.append(contentsOf: text.utf8)
        var reasoning = ""
        var content = ""
        if state == .leading { resolveLeading() }
        if state == .reasoning {
            if let end = ByteSearch.firstIndex(of: Self.closeTag, in: pending) {
                reasoning = ByteSearch.string(pending[..<end])
                pending.removeFirst(end + Self.closeTag.count)
                state = .content
            } else {
                let cut = pending.count - ByteSearch.heldSuffixLength(of: pending, prefixOf: [Self.closeTag])
                reasoning = ByteSearch.string(pending[..<cut])
                pending.removeFirst(cut)
            }
        }
        if state == .content {
            content = ByteSearch.string(pending[...])
            pending = []
        }
        return (reasoning, content)
    }

    /// Ends the input: returns held-back text (whitespace or a partial tag) where it would have gone.
    public mutating func flush() -> (reasoning: String, content: String) {
        let rest = ByteSearch.string(pending[...])
        pending = []
        let inReasoning = state == .reasoning || (state == .leading && startsInReasoning)
        return inReasoning ? (rest, "") : ("", rest)
    }

    /// Decides the leading state once enough text has arrived: a `<think>` (after whitespace) opens reasoning.
    private mutating func resolveLeading() {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard let first = pending.firstIndex(where: { !whitespace.contains($0) }) else { return }
        let rest = pending[first...]
        if rest.starts(with: Self.openTag) {
            pending.removeFirst(first + Self.openTag.count)
            state = .reasoning
            hasReasoning = true
        } else if Self.openTag.starts(with: rest) {
            return
        } else {
            state = startsInReasoning ? .reasoning : .content
        }
    }

    /// Splits a whole output as a non-streamed response reports it: reasoning is nil unless a section was opened,
    /// and then an empty answer is nil too (vLLM's `content or None`).
    public static func split(_ text: String, startsInReasoning: Bool) -> (reasoning: String?, content: String?) {
        var parser = ReasoningParser(startsInReasoning: startsInReasoning)
        let head = parser.append(text)
        let tail = parser.flush()
        let reasoning = head.reasoning + tail.reasoning
        let content = head.content + tail.content
        guard parser.hasReasoning else { return (nil, content) }
        return (reasoning, content.isEmpty ? nil : content)
    }

    /// Whether a rendered prompt ends inside an opened `<think>` (trailing whitespace ignored), as the
    /// R1-distill templates' generation prompt `<think>\n` does; the model then writes only the closing tag.
    public static func promptOpensReasoning(renderedPrompt: String) -> Bool {
        var end = renderedPrompt.unicodeScalars.endIndex
        let scalars = renderedPrompt.unicodeScalars
        while end > scalars.startIndex, scalars[scalars.index(before: end)].properties.isWhitespace {
            end = scalars.index(before: end)
        }
        return String(scalars[..<end]).hasSuffix("<think>")
    }
}
