import Foundation
import Jinja
import Tokenizers

/// Keeps control-token text that a client wrote (`<|im_end|>`, `<|im_start|>`, `<|endoftext|>` …) ordinary text in
/// the prompt, so a user cannot close their turn and forge a `system` one. Only text the chat template itself
/// produces is parsed for special tokens.
///
/// Before rendering, each control-token text in a message string is swapped for a placeholder the template cannot
/// produce on its own (private-use characters around a per-request nonce). After rendering, the placeholders are
/// swapped back and their byte ranges are handed to the tokenizer as literal. Only the control-token text itself is
/// swapped, so template filters such as `trim` or `split('</think>')` see the content unchanged.
struct ContentShield {
    private let tokenizer: Tokenizer
    /// Per request, so content cannot contain a placeholder on purpose.
    private let nonce: String
    private static let open: Character = "\u{F0000}"
    private static let close: Character = "\u{F0001}"

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
        nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// `value` with every string inside it shielded, except the keys of objects and a message's `role`.
    func shield(_ value: Value) -> Value {
        switch value {
        case .string(let s): return .string(shield(s))
        case .list(let items): return .list(items.map(shield))
        case .dict(let dict):
            var out = OrderedDict()
            for (k, v) in zip(dict.keys, dict.values) {
                if case .string("role") = k { out[k] = v } else { out[k] = shield(v) }
            }
            return .dict(out)
        default: return value
        }
    }

    func shield(_ s: String) -> String {
        let found = tokenizer.controlTokenOccurrences(in: s)
        guard !found.isEmpty else { return s }
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var at = 0
        for (range, id) in found {
            out += bytes[at..<range.lowerBound]
            out += Array("\(Self.open)\(nonce).\(id)\(Self.close)".utf8)
            at = range.upperBound
        }
        out += bytes[at...]
        return String(decoding: out, as: UTF8.self)
    }

    /// The rendered prompt with placeholders turned back into their text, and the byte ranges of that text.
    func unshield(_ rendered: String) -> (text: String, literal: [Range<Int>]) {
        let marker = Array("\(Self.open)\(nonce).".utf8)
        let closeBytes = Array(String(Self.close).utf8)
        let bytes = Array(rendered.utf8)
        guard bytes.count >= marker.count else { return (rendered, []) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var literal: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == marker[0], bytes.count - i >= marker.count, bytes[i..<(i + marker.count)].elementsEqual(marker) {
                var j = i + marker.count
                var id: Int32 = 0
                var digits = 0
                while j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9"), digits < 10 {
                    id = id &* 10 &+ Int32(bytes[j] - UInt8(ascii: "0"))
                    j += 1
                    digits += 1
                }
                if digits > 0, bytes.count - j >= closeBytes.count, bytes[j..<(j + closeBytes.count)].elementsEqual(closeBytes) {
                    let text = Array(tokenizer.tokenText(id).utf8)
                    literal.append(out.count..<(out.count + text.count))
                    out += text
                    i = j + closeBytes.count
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return (String(decoding: out, as: UTF8.self), literal)
    }
}
