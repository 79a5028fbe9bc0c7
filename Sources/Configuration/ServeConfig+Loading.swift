import Foundation

extension ServeConfig {
    /// The config file read when none is named, relative to the working directory.
    public static let defaultConfigPath = "config/hearth.yaml"

    /// Loads and validates a configuration from defaults < file < environment < flags.
    ///
    /// - Parameters:
    ///   - configPath: the file to read; nil (or empty) reads `defaultConfigPath` if it exists. A named file that
    ///     does not exist is an error (key path `config`).
    ///   - environment: the process environment; only the `HEARTH_*` names in `keys` are read.
    ///   - flags: command-line values by key path, e.g. `["server.port": ["9000"]]`; a list key takes every value, any
    ///     other key the last.
    ///   - workingDirectory: what relative paths from flags and the environment resolve against; relative paths in
    ///     the file resolve against the file's directory.
    public static func load(
        configPath: String?, environment: [String: String], flags: [String: [String]], workingDirectory: String
    ) throws(ConfigError) -> ServeConfig {
        try resolve(configPath: configPath, environment: environment, flags: flags,
                    workingDirectory: workingDirectory, checkFiles: true)
    }

    /// `load` with the option to skip the checks that files exist, so the shipped file can be tested before the
    /// model is downloaded.
    static func resolve(
        configPath: String?, environment: [String: String], flags: [String: [String]], workingDirectory: String,
        checkFiles: Bool
    ) throws(ConfigError) -> ServeConfig {
        var settings = try fileSettings(configPath: configPath, workingDirectory: workingDirectory)
        settings.merge(try environmentSettings(environment, workingDirectory: workingDirectory)) { $1 }
        settings.merge(try flagSettings(flags, workingDirectory: workingDirectory)) { $1 }
        return try build(from: settings, checkFiles: checkFiles)
    }

    // MARK: Layers

    static func fileSettings(configPath: String?, workingDirectory: String) throws(ConfigError) -> [String: Setting] {
        // An empty name (HEARTH_CONFIG= ) means "not named", like an empty HEARTH_* variable.
        let configPath = configPath.flatMap { $0.trimmingWhitespace.isEmpty ? nil : $0 }
        let source = configPath ?? defaultConfigPath
        let path = FilePath.resolve(source, against: workingDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            guard configPath != nil else { return [:] }
            throw ConfigError(source: source, keyPath: "config",
                              message: "config file not found: \(path) (named by --config or HEARTH_CONFIG)")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(source: source, keyPath: "config", message: "\(path) is a directory, expected a YAML file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(source: source, keyPath: "config", message: "cannot read \(path)")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(source: source, keyPath: "config", message: "\(path) is not UTF-8 text")
        }
        return try ConfigFile.settings(yaml: yaml, source: source, baseDirectory: FilePath.directory(of: path))
    }

    /// Reads the `HEARTH_*` variables in `keys`; an empty variable counts as unset, and lists are comma-separated
    /// with blanks around and between commas dropped.
    static func environmentSettings(
        _ environment: [String: String], workingDirectory: String
    ) throws(ConfigError) -> [String: Setting] {
        var result: [String: Setting] = [:]
        for key in keys {
            guard let text = environment[key.env], !text.trimmingWhitespace.isEmpty else { continue }
            do throws(InvalidValue) {
                let value = key.kind == .list
                    ? try key.kind.parseList(text.split(separator: ",").map(\.trimmingWhitespace).filter { !$0.isEmpty })
                    : try key.kind.parse(text, relativeTo: workingDirectory)
                result[key.path] = Setting(value: value, source: key.env)
            } catch {
                throw ConfigError(source: key.env, keyPath: key.path, message: error.message)
            }
        }
        return result
    }

    /// Reads command-line values; a key with no values counts as not given.
    static func flagSettings(_ flags: [String: [String]], workingDirectory: String) throws(ConfigError) -> [String: Setting] {
        for path in flags.keys.sorted() where key(at: path) == nil {
            throw ConfigError(source: "flags", keyPath: path, message: "unknown key")
        }
        var result: [String: Setting] = [:]
        for key in keys {
            guard let values = flags[key.path], let last = values.last else { continue }
            do throws(InvalidValue) {
                let value = key.kind == .list
                    ? try key.kind.parseList(values)
                    : try key.kind.parse(last, relativeTo: workingDirectory)
                result[key.path] = Setting(value: value, source: key.flag)
            } catch {
                throw ConfigError(source: key.flag, keyPath: key.path, message: error.message)
            }
        }
        return result
    }

    // MARK: Checks across keys

    static func build(from settings: [String: Setting], checkFiles: Bool) throws(ConfigError) -> ServeConfig {
        guard let model = settings["model.path"], case .text(let modelPath) = model.value else {
            throw ConfigError(source: "default", keyPath: "model.path", message:
                "no model file given; set --model, HEARTH_MODEL, or model.path in the config file")
        }
        var config = ServeConfig(modelPath: modelPath)
        for key in keys {
            // `apply` covers every key in the table (a test checks it), so false here cannot come from input.
            if let setting = settings[key.path] { _ = config.apply(key.path, setting.value) }
        }
        let cert = settings["server.tls_cert"], key = settings["server.tls_key"]
        if let cert, key == nil {
            throw ConfigError(source: cert.source, keyPath: "server.tls_cert",
                              message: "server.tls_key must be set too; HTTPS needs both or neither")
        }
        if let key, cert == nil {
            throw ConfigError(source: key.source, keyPath: "server.tls_key",
                              message: "server.tls_cert must be set too; HTTPS needs both or neither")
        }
        if checkFiles {
            for path in ["model.path", "model.chat_template", "server.tls_cert", "server.tls_key"] {
                guard let setting = settings[path], case .text(let file) = setting.value else { continue }
                try requireFile(file, keyPath: path, source: setting.source)
            }
        }
        return config
    }

    private static func requireFile(_ path: String, keyPath: String, source: String) throws(ConfigError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(source: source, keyPath: keyPath, message: "file not found: \(path)")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(source: source, keyPath: keyPath, message: "\(path) is a directory, expected a file")
        }
    }
}
