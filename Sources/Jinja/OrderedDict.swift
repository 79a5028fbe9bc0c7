/// An insertion-ordered dictionary with Python `dict` key semantics (`1 == 1.0 == True`).
public struct OrderedDict: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The keys in insertion order.
    public private(set) var keys: [Value] = []
    /// The values, parallel to `keys`.
    public private(set) var values: [Value] = []
    /// Position of string keys, built once a dict grows past a linear-scan size.
    private var stringIndex: [String: Int]?

    private static let indexThreshold = 12

    /// An empty dictionary.
    public init() {}

    /// A dictionary with string keys, in literal order.
    public init(dictionaryLiteral elements: (String, Value)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// A dictionary from key/value pairs; later duplicates overwrite earlier values in place.
    public init<S: Sequence>(pairs: S) where S.Element == (String, Value) {
        for (k, v) in pairs { self[k] = v }
    }

    /// The number of entries.
    public var count: Int { keys.count }
    /// Whether the dictionary has no entries.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for a string key.
    public subscript(key: String) -> Value? {
        get { index(of: key).map { values[$0] } }
        set { set(.string(key), newValue) }
    }

    /// The value for any key, compared with Python equality.
    public subscript(key: Value) -> Value? {
        get { index(of: key).map { values[$0] } }
        set { set(key, newValue) }
    }

    /// The position of a string key.
    func index(of key: String) -> Int? {
        if let idx = stringIndex {
            // The index hashes with Swift's canonical-equivalence String equality, so confirm byte equality.
            if let i = idx[key], case .string(let k) = keys[i], bytesEqual(k, key) { return i }
            if idx[key] == nil { return nil }
        }
        for i in keys.indices {
            if case .string(let k) = keys[i], bytesEqual(k, key) { return i }
        }
        return nil
    }

    /// The position of any key.
    func index(of key: Value) -> Int? {
        if case .string(let s) = key { return index(of: s) }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    private mutating func set(_ key: Value, _ value: Value?) {
        if let i = index(of: key) {
            if let value {
                values[i] = value
            } else {
                keys.remove(at: i)
                values.remove(at: i)
                rebuildIndex()
            }
            return
        }
        guard let value else { return }
        keys.append(key)
        values.append(value)
        if stringIndex != nil {
            if case .string(let s) = key, stringIndex?[s] == nil { stringIndex?[s] = keys.count - 1 }
        } else if keys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        guard keys.count > Self.indexThreshold else {
            stringIndex = nil
            return
        }
        var idx: [String: Int] = [:]
        for (i, k) in keys.enumerated() {
            if case .string(let s) = k, idx[s] == nil { idx[s] = i }
        }
        stringIndex = idx
    }

    /// Iterates `(key, value)` pairs in insertion order.
    public func makeIterator() -> AnyIterator<(key: Value, value: Value)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }
}

/// Python string equality: code-point (byte) equality, not Swift's canonical equivalence.
@inline(__always)
func bytesEqual(_ a: String, _ b: String) -> Bool {
    guard a.utf8.count == b.utf8.count, a == b else { return false }
    // Swift's == is canonical equivalence (fast for ASCII); confirm non-ASCII text code point by code point.
    return a.utf8.allSatisfy { $0 < 0x80 } || a.utf8.elementsEqual(b.utf8)
}
