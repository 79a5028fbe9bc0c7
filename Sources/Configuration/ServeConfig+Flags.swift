extension ServeConfig {
    /// Reads `hearth serve`'s command line, whose flags come from the key table: `--port 9000`, `--port=9000`,
    /// switches such as `--log-content` (true) and `--no-prefix-caching` (false), and list flags given once per value.
    /// Returns the values by key path, for `load(flags:)`.
    public static func flagValues(_ arguments: [String]) throws(ConfigError) -> [String: [String]] {
        var values: [String: [String]] = [:]
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            guard argument.hasPrefix("--") else {
                throw ConfigError(source: "flags", keyPath: argument, message: "unexpected argument; settings are given as --flag value")
            }
            let name = String(argument.prefix { $0 != "=" })
            let inline = argument.contains("=") ? String(argument.drop { $0 != "=" }.dropFirst()) : nil
            guard let key = keys.first(where: { $0.flag == name }) else {
                let guess = keys.min { KeySuggestion.editDistance(name, $0.flag) < KeySuggestion.editDistance(name, $1.flag) }
                let hint = guess.map { KeySuggestion.editDistance(name, $0.flag) <= 3 ? " (did you mean \($0.flag)?)" : "" } ?? ""
                throw ConfigError(source: "flags", keyPath: name, message: "unknown flag\(hint); see hearth serve --help")
            }
            let value: String
            if key.isSwitch {
                // A switch states its value by its name; `--no-…` switches turn a setting off.
                value = inline ?? (name.hasPrefix("--no-") ? "false" : "true")
            } else if let inline {
                value = inline
            } else {
                guard i < arguments.count else {
                    throw ConfigError(source: key.flag, keyPath: key.path, message: "needs a value (\(key.flag) \(key.valueName))")
                }
                value = arguments[i]
                i += 1
            }
            values[key.path, default: []].append(value)
        }
        return values
    }
}
