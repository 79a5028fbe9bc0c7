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

        /// One of an enum's raw values.
        static func choice<E: CaseIterable & RawRepresentable<String>>(of _: E.Type) -> Kind {
            .choice(E.allCases.map(\.rawValue))
        }
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
    /// The `ServeConfig` field the key sets.
    let store: Store

    /// A key described by its path, flag, environment variable, kind, field and help. The default shown in help is
    /// the field's own default value, unless `defaultText` describes one the field cannot hold (a machine-dependent
    /// or derived default).
    init(_ path: String, flag: String, env: String, kind: Kind, default defaultText: String? = nil, store: Store, help: String) {
        self.path = path
        self.flag = flag
        self.env = env
        self.kind = kind
        self.store = store
        self.help = help
        if let defaultText {
            self.defaultText = defaultText
        } else {
            guard let value = store.read(ServeConfig(modelPath: "")) else {
                preconditionFailure("\(path): a key whose field defaults to nil needs a default text")
            }
            self.defaultText = value.describe(as: kind)
        }
    }

    public static func == (a: ConfigKey, b: ConfigKey) -> Bool { a.path == b.path }

    /// How a key reads and writes its `ServeConfig` field.
    struct Store: Sendable {
        let read: @Sendable (ServeConfig) -> ConfigValue?
        /// False when the value's shape does not fit the field.
        let write: @Sendable (inout ServeConfig, ConfigValue) -> Bool

        /// A store for `field`, whose values `take` extracts (nil when the value has another shape) and `show` describes.
        private static func field<T>(_ field: WritableKeyPath<ServeConfig, T> & Sendable, show: @escaping @Sendable (T) -> ConfigValue?,
                                     take: @escaping @Sendable (ConfigValue) -> T?) -> Store {
            Store(read: { show($0[keyPath: field]) }, write: { config, value in
                guard let v = take(value) else { return false }
                config[keyPath: field] = v
                return true
            })
        }

        static func text(_ f: WritableKeyPath<ServeConfig, String> & Sendable) -> Store { field(f, show: { .text($0) }, take: \.asText) }
        static func text(_ f: WritableKeyPath<ServeConfig, String?> & Sendable) -> Store {
            field(f, show: { $0.map(ConfigValue.text) }, take: { $0.asText.map(Optional.some) })
        }
        static func integer(_ f: WritableKeyPath<ServeConfig, Int> & Sendable) -> Store { field(f, show: { .integer($0) }, take: \.asInteger) }
        static func integer(_ f: WritableKeyPath<ServeConfig, Int?> & Sendable) -> Store {
            field(f, show: { $0.map(ConfigValue.integer) }, take: { $0.asInteger.map(Optional.some) })
        }
        static func seconds(_ f: WritableKeyPath<ServeConfig, Double> & Sendable) -> Store { field(f, show: { .seconds($0) }, take: \.asSeconds) }
        static func flag(_ f: WritableKeyPath<ServeConfig, Bool> & Sendable) -> Store { field(f, show: { .flag($0) }, take: \.asFlag) }
        static func list(_ f: WritableKeyPath<ServeConfig, [String]> & Sendable) -> Store { field(f, show: { .list($0) }, take: \.asList) }
        static func choice<E: RawRepresentable<String> & CaseIterable & Sendable>(_ f: WritableKeyPath<ServeConfig, E> & Sendable) -> Store {
            let cases = Array(E.allCases)
            return field(f, show: { .text($0.rawValue) }, take: { v in cases.first { $0.rawValue == v.asText } })
        }
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
