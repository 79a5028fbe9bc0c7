/// The string `format`s the compiler enforces, as anchored patterns over the string's value (RFC 3339 dates and
/// times, RFC 4122 UUIDs, a dot-atom email, dotted-quad IPv4, RFC 1123 host names).
enum Formats {
    private static let date = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    private static let time = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    private static let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    private static let atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    private static let octet = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

    static let patterns: [String: String] = [
        "date": "^\(date)$",
        "time": "^\(time)$",
        "date-time": "^\(date)T\(time)$",
        "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "email": "^\(atom)(\\.\(atom))*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        "ipv4": "^(\(octet)\\.){3}\(octet)$",
        "hostname": "^\(label)(\\.\(label))*$",
    ]

    static func node(_ format: String, path: String) throws(GrammarError) -> RegexNode {
        guard let pattern = patterns[format] else { throw .unsupportedKeyword("format \"\(format)\"", path: path) }
        return try RegexParser.parse(pattern, path: path)
    }
}
