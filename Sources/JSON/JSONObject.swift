/// A JSON object that keeps its keys in the order they were written: chat templates iterate message and tool
/// objects, and a JSON Schema's `properties` order is the order the output must follow.
///
/// Keys are unique (the parser refuses duplicates). Lookups go through a key → position index.
public struct JSONObject: Sendable, Hashable {
    /// The keys, in order.
    public private(set) var keys: [String] = []
    private var values: [JSONValue] = []
    private var positions: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object of `pairs`, in their order; a repeated key keeps its first position and its last value.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    /// Adds `key` at the end; false, and no change, when the key is already present.
    public mutating func append(_ key: String, _ value: JSONValue) -> Bool {
        guard positions[key] == nil else { return false }
        positions[key] = keys.count
        keys.append(key)
        values.append(value)
        return true
    }

    /// The value of `key`. Setting a new key appends it; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { positions[key].map { values[$0] } }
        set {
            if let at = positions[key] {
                if let newValue {
                    values[at] = newValue
                } else {
                    keys.remove(at: at)
                    values.remove(at: at)
                    positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
                }
            } else if let newValue {
                _ = append(key, newValue)
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.keys == b.keys && a.values == b.values }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(values)
    }
}

extension JSONObject: Sequence {
    /// The members in order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        zip(keys, values).lazy.map { (key: $0, value: $1) }.makeIterator()
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
