/// One configuration setting: where it lives in the file, its flag, its environment variable and its meaning.
public struct ConfigKey: Sendable, Equatable {
    /// The kind of value a key takes, which decides how text is parsed and checked.
    public enum Kind: Sendable, Equatable {
        /// Non-empty text.
        case string
        /// A file path; relative ones resolve against the config file's directory or the working directory.
        case path
        /// A whole number within the range.
        case integer(ClosedRange<Int>)
        /// A byte count, a plain number or with a unit (64KiB, 512MiB, 2GiB, 1.5GB), at least `min`.
        case size(min: Int)
        /// Seconds, a plain number or with a unit (500ms, 30s, 2m), greater than zero.
        case duration
        /// true/false, yes/no or 1/0.
        case boolean
        /// Several strings: repeated flags, a comma-separated variable, or a YAML list.
        case list
        /// One of the listed words.
        case choice([String])
    }

    /// Dotted path in the config file, e.g. `server.port`.
    public let path: String
    /// The `hearth serve` flag, e.g. `--port`.
    public let flag: String
    /// The environment variable, e.g. `HEARTH_PORT`.
    public let env: String
    /// The default as shown in help.
    public let defaultText: String
    /// One line of help.
    public let help: String
    /// What values the key takes.
    public let kind: Kind

    /// A key described by its path, flag, environment variable, kind, default and help.
    public init(_ path: String, flag: String, env: String, kind: Kind, default defaultText: String, help: String) {
        self.path = path
        self.flag = flag
        self.env = env
        self.kind = kind
        self.defaultText = defaultText
        self.help = help
    }

    /// The section the key belongs to, e.g. `server`.
    public var section: String { String(path.prefix { $0 != "." }) }
    /// The key's name within its section, e.g. `port`.
    public var name: String { String(path.drop { $0 != "." }.dropFirst()) }
    /// Whether the flag may be given several times, each adding a value.
    public var isRepeatable: Bool { kind == .list }
    /// Whether the flag is a switch that takes no value (the CLI passes `["true"]`, or `["false"]` for `--no-…`).
    public var isSwitch: Bool { kind == .boolean }
    /// A placeholder for the flag's value in help, e.g. `<n>`; empty for switches.
    public var valueName: String {
        switch kind {
        case .string, .list: "<text>"
        case .path: "<file>"
        case .integer: "<n>"
        case .size: "<size>"
        case .duration: "<seconds>"
        case .boolean: ""
        case .choice(let words): "<" + words.joined(separator: "|") + ">"
        }
    }
}
