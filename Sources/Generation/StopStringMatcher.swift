/// Cuts generated text at the first stop string, incrementally, also when a stop string spans several chunks.
///
/// Text that could still be the start of a stop string is held back until it either completes one or cannot.
/// Matching is on Unicode scalars (Python characters, as vLLM matches), so output never splits a scalar.
/// The match that completes first wins; among matches completing at the same point, the one starting earliest,
/// which makes the result independent of how the text was split into chunks. Text after a match is discarded.
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private var pending: [UInt8] = []
    /// Whether a stop string has matched; later input is ignored.
    public private(set) var isStopped = false
    /// The stop string that matched, e.g. for logs.
    public private(set) var matchedStop: String?

    /// Creates a matcher; empty stop strings can never match and are ignored.
    public init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// Feeds new text; returns what can be emitted now and whether a stop string matched.
    public mutating func append(_ text: String) -> (emit: String, stopped: Bool) {
        if isStopped { return ("", true) }
        if stops.isEmpty { return (text, false) }
        pending.append(contentsOf: text.utf8)

        var best: (start: Int, end: Int, stop: Int)?
        for (index, stop) in stops.enumerated() {
            guard let start = ByteSearch.firstIndex(of: stop, in: pending) else { continue }
            let end = start + stop.count
            if let current = best, current.end < end || (current.end == end && current.start <= start) { continue }
            best = (start, end, index)
        }
        if let best {
            let emit = ByteSearch.string(pending[..<best.start])
            pending = []
            isStopped = true
            matchedStop = String(decoding: stops[best.stop], as: UTF8.self)
            return (emit, true)
        }

        let cut = pending.count - ByteSearch.heldSuffixLength(of: pending, prefixOf: stops)
        let emit = ByteSearch.string(pending[..<cut])
        pending.removeFirst(cut)
        return (emit, false)
    }

    /// Ends the input (end of sequence or token budget): returns held-back text, which did not become a stop string.
    public mutating func flush() -> String {
        let rest = ByteSearch.string(pending[...])
        pending = []
        return rest
    }
}
