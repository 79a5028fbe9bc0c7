import Foundation

/// Why a configuration is invalid, naming where the bad value came from and which key it was for.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The layer that supplied the value: the config file's path, an environment variable, a flag, or `default`.
    public let source: String
    /// The dotted key path, e.g. `server.port`, or `config` for the file as a whole.
    public let keyPath: String
    /// What is wrong, e.g. `expected an integer, got "abc"`.
    public let message: String

    /// An error for `keyPath` whose value came from `source`.
    public init(source: String, keyPath: String, message: String) {
        self.source = source
        self.keyPath = keyPath
        self.message = message
    }

    /// One line, `<source>: <keyPath>: <message>`, fit for a terminal before exiting.
    public var description: String {
        // Inputs (YAML error text, file names, env values) may carry newlines; the CLI prints exactly one line.
        let line = "\(source): \(keyPath): \(message)"
        return line.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
