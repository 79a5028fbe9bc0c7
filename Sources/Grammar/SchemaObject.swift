/// A schema as the compiler reads it: `true`/`{}` (any value), `false` (none), or an object of keywords.
enum SchemaNode: Sendable {
    case anything
    case nothing
    indirect case object(SchemaObject)
}

/// The JSON types a schema allows.
struct JSONTypes: OptionSet, Hashable, Sendable {
    let rawValue: UInt8
    static let null = JSONTypes(rawValue: 1)
    static let boolean = JSONTypes(rawValue: 2)
    static let object = JSONTypes(rawValue: 4)
    static let array = JSONTypes(rawValue: 8)
    static let number = JSONTypes(rawValue: 16)
    static let integer = JSONTypes(rawValue: 32)
    static let string = JSONTypes(rawValue: 64)
    static let all: JSONTypes = [.null, .boolean, .object, .array, .number, .integer, .string]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "object": self = .object
        case "array": self = .array
        case "number": self = .number
        case "integer": self = .integer
        case "string": self = .string
        default: return nil
        }
    }

    /// Intersection where `number` also stands for `integer`.
    func meet(_ other: JSONTypes) -> JSONTypes {
        let a = contains(.number) ? union(.integer) : self
        let b = other.contains(.number) ? other.union(.integer) : other
        return a.intersection(b)
    }

    /// Whether `value` has one of these types.
    func admits(_ value: JSONSchemaValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        case .number(let text):
            if contains(.number) { return true }
            guard contains(.integer), let d = DecimalValue(literal: text) else { return false }
            return d.fraction.isEmpty
        }
    }
}

/// A numeric bound: the value and whether it is exclusive.
struct NumericBound: Sendable {
    var value: DecimalValue
    var exclusive: Bool

    /// The tighter of two lower (or upper) bounds.
    static func stronger(_ a: NumericBound?, _ b: NumericBound?, lower: Bool) -> NumericBound? {
        guard let a else { return b }
        guard let b else { return a }
        let c = DecimalValue.compare(a.value, b.value)
        if c == 0 { return NumericBound(value: a.value, exclusive: a.exclusive || b.exclusive) }
        return (c > 0) == lower ? a : b
    }
}

/// The keywords of one schema object, validated; subschemas parsed. `path` is a JSON pointer for errors.
struct SchemaObject: Sendable {
    var path: String
    var types: JSONTypes?
    var enumValues: [JSONSchemaValue]?
    var ref: String?
    var anyOf: [SchemaNode]?
    var allOf: [SchemaNode]?
    // Objects.
    var properties: [(key: String, schema: SchemaNode)]?
    var required: [String] = []
    var additionalProperties: SchemaNode?
    // Arrays.
    var items: SchemaNode?
    var prefixItems: [SchemaNode]?
    var minItems = 0
    var maxItems: Int?
    // Strings.
    var minLength = 0
    var maxLength: Int?
    var patterns: [String] = []
    var formats: [String] = []
    // Numbers.
    var minimum: NumericBound?
    var maximum: NumericBound?

    init(path: String) { self.path = path }

    /// The types the keywords imply when `type` is absent: `{"properties": ...}` means an object, `{"minLength": 1}`
    /// a string. Nil when no typed keyword is present (any value).
    var impliedTypes: JSONTypes? {
        var t: JSONTypes = []
        if properties != nil || !required.isEmpty || additionalProperties != nil { t.insert(.object) }
        if items != nil || prefixItems != nil || minItems > 0 || maxItems != nil { t.insert(.array) }
        if minLength > 0 || maxLength != nil || !patterns.isEmpty || !formats.isEmpty { t.insert(.string) }
        if minimum != nil || maximum != nil { t.insert(.number) }
        return t.isEmpty ? nil : t
    }

    /// Whether anything besides `type` (and `enum`) constrains values: an enum value must then be checked.
    var constrainsBeyondType: Bool {
        properties != nil || !required.isEmpty || additionalProperties != nil || items != nil || prefixItems != nil
            || minItems > 0 || maxItems != nil || minLength > 0 || maxLength != nil || !patterns.isEmpty
            || !formats.isEmpty || minimum != nil || maximum != nil || anyOf != nil || allOf != nil || ref != nil
    }

    /// The `$ref` of a schema that is nothing but one.
    var bareRef: String? {
        guard let ref else { return nil }
        var rest = self
        rest.ref = nil
        return rest.constrainsBeyondType || rest.types != nil || rest.enumValues != nil ? nil : ref
    }
}
