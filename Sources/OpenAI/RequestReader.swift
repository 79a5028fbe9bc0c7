import Foundation

/// Typed, range-checked access to one JSON object of a request, naming each field by its OpenAI param path.
///
/// Absent keys and explicit nulls both read as "not provided", as OpenAI treats optional parameters.
struct RequestReader {
    let fields: JSONObject
    /// The object's own param path, "" for the body and e.g. "messages[2]" for a message.
    let path: String

    init(_ fields: JSONObject, path: String = "") {
        self.fields = fields
        self.path = path
    }

    /// Parses a request body that must be a JSON object: linear time, at most 64 levels deep, no duplicate keys.
    static func body(_ data: Data) throws(OpenAIError) -> RequestReader {
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw OpenAIError(error)
        }
        return try RequestReader(topLevel: value)
    }

    /// A reader of the body's top-level value, which must be an object.
    init(topLevel value: JSONValue) throws(OpenAIError) {
        guard case .object(let fields) = value else {
            throw OpenAIError.invalidRequest(
                "Invalid type for request body: expected an object, but got \(value.typeDescription) instead.",
                code: "invalid_type")
        }
        self.init(fields)
    }

    /// The param path of `key` in this object.
    func param(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The value of `key`, or nil when it is absent or null.
    func value(_ key: String) -> JSONValue? {
        switch fields[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func string(_ key: String) throws(OpenAIError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw .invalidType(param(key), expected: "a string", got: value) }
        return string
    }

    func requiredString(_ key: String) throws(OpenAIError) -> String {
        guard let string = try string(key) else { throw .missingParameter(param(key)) }
        return string
    }

    func bool(_ key: String) throws(OpenAIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let bool) = value else { throw .invalidType(param(key), expected: "a boolean", got: value) }
        return bool
    }

    /// An integer field within `range`; integral decimals such as `8.0` are accepted, as Python-based servers do.
    func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(OpenAIError) -> Int? {
        guard let value = value(key) else { return nil }
        return try Self.int(value, param: param(key), in: range)
    }

    static func int(_ value: JSONValue, param: String, in range: ClosedRange<Int>) throws(OpenAIError) -> Int {
        let number: Int
        switch value {
        case .int(let int):
            number = Int(int)
        case .double(let double) where double.isFinite && double == double.rounded():
            // Integral but beyond Int64: report it as out of range rather than as a wrong type.
            guard let exact = Int(exactly: double) else {
                throw double < 0
                    ? .integerOutOfRange(param, "below minimum", ">= \(range.lowerBound)", got: format(double))
                    : .integerOutOfRange(param, "above maximum", "<= \(range.upperBound)", got: format(double))
            }
            number = exact
        default:
            throw .invalidType(param, expected: "an integer", got: value)
        }
        if number < range.lowerBound {
            throw .integerOutOfRange(param, "below minimum", ">= \(range.lowerBound)", got: String(number))
        }
        if number > range.upperBound {
            throw .integerOutOfRange(param, "above maximum", "<= \(range.upperBound)", got: String(number))
        }
        return number
    }

    /// A number field within [`min`, `max`], or (`min`, `max`] when `minExclusive`.
    func number(_ key: String, min: Double, minExclusive: Bool = false, max: Double? = nil) throws(OpenAIError) -> Double? {
        guard let value = value(key) else { return nil }
        return try Self.number(value, param: param(key), min: min, minExclusive: minExclusive, max: max)
    }

    static func number(
        _ value: JSONValue, param: String, min: Double, minExclusive: Bool = false, max: Double? = nil
    ) throws(OpenAIError) -> Double {
        let number: Double
        switch value {
        case .int(let int): number = Double(int)
        case .double(let double): number = double
        default: throw .invalidType(param, expected: "a decimal", got: value)
        }
        if minExclusive ? !(number > min) : !(number >= min) {
            throw .decimalOutOfRange(param, "below minimum", "\(minExclusive ? ">" : ">=") \(format(min))", got: format(number))
        }
        if let max, !(number <= max) {
            throw .decimalOutOfRange(param, "above maximum", "<= \(format(max))", got: format(number))
        }
        return number
    }

    func array(_ key: String) throws(OpenAIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else { throw .invalidType(param(key), expected: "an array", got: value) }
        return array
    }

    func object(_ key: String) throws(OpenAIError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else { throw .invalidType(param(key), expected: "an object", got: value) }
        return object
    }

    /// `3.0` as "3" and `0.5` as "0.5", the way OpenAI's messages quote numbers.
    static func format(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

// MARK: - Validation errors, worded and coded like OpenAI's

extension OpenAIError {
    /// The 400 for a body that is not JSON.
    static let malformedJSON = OpenAIError.invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library "
            + "correctly. The API expects a JSON payload, but what was sent was not valid JSON.)")

    /// The 400 for a body the JSON parser refused.
    init(_ failure: JSONParser.Failure) {
        switch failure {
        case .syntax:
            self = .malformedJSON
        case .tooDeep(let limit):
            self = .invalidRequest("The JSON body is nested more than \(limit) levels deep.", code: "json_too_deep")
        case .duplicateKey(let key, let path):
            let param = path.isEmpty ? key : "\(path).\(key)"
            let place = path.isEmpty ? "the request body" : "'\(path)'"
            self = .invalidRequest("Duplicate key '\(key)' in \(place): each key may appear only once.",
                                   param: param, code: "duplicate_key")
        }
    }

    static func invalidType(_ param: String, expected: String, got value: JSONValue) -> OpenAIError {
        .invalidRequest(
            "Invalid type for '\(param)': expected \(expected), but got \(value.typeDescription) instead.",
            param: param, code: "invalid_type")
    }

    static func missingParameter(_ param: String) -> OpenAIError {
        .invalidRequest("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    static func integerOutOfRange(_ param: String, _ side: String, _ bound: String, got: String) -> OpenAIError {
        .invalidRequest(
            "Invalid '\(param)': integer \(side) value. Expected a value \(bound), but got \(got) instead.",
            param: param, code: side == "below minimum" ? "integer_below_min_value" : "integer_above_max_value")
    }

    static func decimalOutOfRange(_ param: String, _ side: String, _ bound: String, got: String) -> OpenAIError {
        .invalidRequest(
            "Invalid '\(param)': decimal \(side) value. Expected a value \(bound), but got \(got) instead.",
            param: param, code: side == "below minimum" ? "decimal_below_min_value" : "decimal_above_max_value")
    }

    static func invalidValue(_ param: String, _ value: String, supported: [String]) -> OpenAIError {
        let quoted = supported.map { "'\($0)'" }
        let list = quoted.count > 1 ? quoted.dropLast().joined(separator: ", ") + ", and " + quoted[quoted.count - 1] : quoted.joined()
        return .invalidRequest(
            "Invalid value: '\(value)'. Supported values are: \(list).", param: param, code: "invalid_value")
    }

    static func unsupported(_ param: String, _ what: String) -> OpenAIError {
        .invalidRequest("\(what) not supported by this server yet.", param: param, code: "unsupported_parameter")
    }
}
