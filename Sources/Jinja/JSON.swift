import Foundation
import JSON

extension Value {
    /// A JSON value as templates see it: objects keep their key order, integers are `.int` and numbers written with
    /// a fraction or exponent `.float`, as Python's `json.loads` reads them.
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int(i))
        case .double(let d): self = .float(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(Value.init))
        case .object(let o): self = .dict(OrderedDict(pairs: o.map { ($0.key, Value($0.value)) }))
        }
    }

    /// Parses JSON text (`JSON.JSONParser`: strict RFC 8259, no duplicate keys) into a value.
    public static func parseJSON(_ text: String, maxDepth: Int = 512) throws -> Value {
        try parseJSON(Data(text.utf8), maxDepth: maxDepth)
    }

    /// Parses UTF-8 JSON into a value, nested at most `maxDepth` deep.
    public static func parseJSON(_ data: Data, maxDepth: Int = 512) throws -> Value {
        Value(try JSONParser.parse(data, maxDepth: maxDepth))
    }

    /// Serializes like Python's `json.dumps(value, ensure_ascii=False)`; undefined, namespaces and callables throw.
    public func jsonString(indent: Int? = nil, sortKeys: Bool = false) throws -> String {
        var writer = JSONWriter(ensureASCII: false, indent: indent.map { String(repeating: " ", count: $0) },
                                itemSeparator: indent == nil ? ", " : ",", keySeparator: ": ", sortKeys: sortKeys)
        try writer.write(self, depth: 0)
        return writer.out
    }
}
