/// The string `format`s the compiler enforces, as anchored patterns over the string's value (RFC 3339 dates and
/// times, RFC 4122 UUIDs, a dot-atom email, dotted-quad IPv4, RFC 1123 host names).
enum Formats {
    /// A calendar date: days per month, February 29th only in leap years (divisible by 4, centuries only by 400),
    /// years 0001-9999 (what date parsers accept).
    private static let date = {
        let year = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
        let fourth = "(0[48]|[2468][048]|[13579][26])"
        let leapYear = "([0-9]{2}\(fourth)|\(fourth)00)"
        let day = "(0[1-9]|1[0-9]|2[0-8])"
        let common = "\(year)-((0[13578]|1[02])-(\(day)|29|30|31)|(0[469]|11)-(\(day)|29|30)|02-\(day))"
        return "(\(common)|\(leapYear)-02-29)"
    }()
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
