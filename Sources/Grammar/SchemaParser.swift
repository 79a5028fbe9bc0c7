/// Reads a JSON Schema value into SchemaNode, refusing keywords the compiler does not support (never ignoring one
/// that constrains values). `$defs`/`definitions` are skipped here: `$ref` reaches them by pointer.
struct SchemaParser {
    /// Keywords that only annotate: they never change which documents are valid.
    static let annotations: Set<String> = [
        "description", "title", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly",
        "writeOnly", "$defs", "definitions",
    ]

    static let supportedFormats: Set<String> = ["date", "time", "date-time", "uuid", "email", "ipv4", "hostname"]

    static func parse(_ value: JSONSchemaValue, path: String, depth: Int) throws(GrammarError) -> SchemaNode {
        if depth > GrammarLimits.maxSchemaDepth {
            throw .tooComplex("schemas nested more than \(GrammarLimits.maxSchemaDepth) deep")
        }
        switch value {
        case .bool(let b):
            return b ? .anything : .nothing
        case .object(let members):
            var o = SchemaObject(path: path)
            var exclusiveMinimumFlag = false
            var exclusiveMaximumFlag = false
            var minimum: DecimalValue?
            var maximum: DecimalValue?
            var exclusiveMinimum: DecimalValue?
            var exclusiveMaximum: DecimalValue?
            for (key, v) in members {
                let at = path + "/" + pointerEscape(key)
                if annotations.contains(key) { continue }
                switch key {
                case "type":
                    o.types = try types(v, at)
                case "enum":
                    guard case .array(let values) = v else { throw .invalidSchema("enum must be an array", path: at) }
                    o.enumValues = values
                case "const":
                    o.enumValues = [v]
                case "$ref":
                    guard case .string(let s) = v else { throw .invalidSchema("$ref must be a string", path: at) }
                    o.ref = s
                case "anyOf", "oneOf":
                    // oneOf compiles as anyOf: a document may then match more than one alternative.
                    if o.anyOf != nil { throw .unsupportedKeyword(key == "anyOf" ? "anyOf together with oneOf" : "oneOf together with anyOf", path: at) }
                    o.anyOf = try list(v, at, depth)
                    if o.anyOf?.isEmpty ?? true { throw .invalidSchema("\(key) must not be empty", path: at) }
                case "allOf":
                    o.allOf = try list(v, at, depth)
                case "properties":
                    guard case .object(let props) = v else { throw .invalidSchema("properties must be an object", path: at) }
                    var out: [(key: String, schema: SchemaNode)] = []
                    for (name, schema) in props {
                        if out.contains(where: { $0.key == name }) { throw .invalidSchema("property \(name) twice", path: at) }
                        out.append((name, try parse(schema, path: at + "/" + pointerEscape(name), depth: depth + 1)))
                    }
                    o.properties = out
                case "required":
                    guard case .array(let names) = v else { throw .invalidSchema("required must be an array", path: at) }
                    for n in names {
                        guard case .string(let s) = n else { throw .invalidSchema("required must list strings", path: at) }
                        if !o.required.contains(s) { o.required.append(s) }
                    }
                case "additionalProperties":
                    o.additionalProperties = try parse(v, path: at, depth: depth + 1)
                case "items":
                    if case .array = v {
                        o.prefixItems = try list(v, at, depth)  // the pre-2020 tuple form
                    } else {
                        o.items = try parse(v, path: at, depth: depth + 1)
                    }
                case "prefixItems":
                    o.prefixItems = try list(v, at, depth)
                case "additionalItems":
                    // Only meaningful after a tuple-form `items`; the merge below gives it that meaning.
                    continue
                case "minItems": o.minItems = try count(v, at)
                case "maxItems": o.maxItems = try count(v, at)
                case "minLength": o.minLength = try count(v, at)
                case "maxLength": o.maxLength = try count(v, at)
                case "pattern":
                    guard case .string(let s) = v else { throw .invalidSchema("pattern must be a string", path: at) }
                    o.patterns.append(s)
                case "format":
                    guard case .string(let s) = v else { throw .invalidSchema("format must be a string", path: at) }
                    guard supportedFormats.contains(s) else { throw .unsupportedKeyword("format \"\(s)\"", path: at) }
                    o.formats.append(s)
                case "minimum":
                    minimum = try number(v, at)
                case "maximum":
                    maximum = try number(v, at)
                case "exclusiveMinimum":
                    if case .bool(let b) = v { exclusiveMinimumFlag = b } else { exclusiveMinimum = try number(v, at) }
                case "exclusiveMaximum":
                    if case .bool(let b) = v { exclusiveMaximumFlag = b } else { exclusiveMaximum = try number(v, at) }
                default:
                    throw .unsupportedKeyword(key, path: at)
                }
            }
            // Draft 4's boolean flags make minimum/maximum exclusive; 2019+ numeric ones are bounds of their own.
            o.minimum = NumericBound.stronger(minimum.map { NumericBound(value: $0, exclusive: exclusiveMinimumFlag) },
                                              exclusiveMinimum.map { NumericBound(value: $0, exclusive: true) }, lower: true)
            o.maximum = NumericBound.stronger(maximum.map { NumericBound(value: $0, exclusive: exclusiveMaximumFlag) },
                                              exclusiveMaximum.map { NumericBound(value: $0, exclusive: true) }, lower: false)
            if case .array = value["items"] ?? .null, let extra = value["additionalItems"] {
                o.items = try parse(extra, path: path + "/additionalItems", depth: depth + 1)
            }
            return .object(o)
        default:
            throw .invalidSchema("a schema must be an object or a boolean", path: path)
        }
    }

    private static func types(_ v: JSONSchemaValue, _ at: String) throws(GrammarError) -> JSONTypes {
        var names: [JSONSchemaValue]
        if case .array(let list) = v { names = list } else { names = [v] }
        var t: JSONTypes = []
        for n in names {
            guard case .string(let s) = n, let one = JSONTypes(name: s) else {
                throw .invalidSchema("unknown type \(n)", path: at)
            }
            t.insert(one)
        }
        if t.isEmpty { throw .invalidSchema("type lists no type", path: at) }
        return t
    }

    private static func list(_ v: JSONSchemaValue, _ at: String, _ depth: Int) throws(GrammarError) -> [SchemaNode] {
        guard case .array(let items) = v else { throw .invalidSchema("must be an array of schemas", path: at) }
        var out: [SchemaNode] = []
        for (i, item) in items.enumerated() { out.append(try parse(item, path: at + "/\(i)", depth: depth + 1)) }
        return out
    }

    private static func count(_ v: JSONSchemaValue, _ at: String) throws(GrammarError) -> Int {
        guard case .number(let text) = v, let d = DecimalValue(literal: text), !d.negative, d.fraction.isEmpty else {
            throw .invalidSchema("must be a non-negative integer", path: at)
        }
        guard d.integer.count <= 9, let n = Int(d.integer) else {
            throw .tooComplex("\(at) is larger than \(GrammarLimits.maxRepetition)")
        }
        return n
    }

    private static func number(_ v: JSONSchemaValue, _ at: String) throws(GrammarError) -> DecimalValue {
        guard case .number(let text) = v else { throw .invalidSchema("must be a number", path: at) }
        guard let d = DecimalValue(literal: text) else {
            throw .invalidSchema("\(text) is not a number with at most \(DecimalValue.maxDigits) digits", path: at)
        }
        return d
    }

    /// RFC 6901 escaping of one pointer segment.
    static func pointerEscape(_ key: String) -> String {
        key.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }
}

extension String {
    /// Replaces every occurrence of `target` (standard library only: no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
