import ArgumentParser
import Configuration
import Foundation
import HTTP
import Logging
import Server

/// `hearth serve`: the OpenAI-compatible HTTP server, configured by flags, HEARTH_* variables and a YAML file.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a GGUF model over an OpenAI-compatible HTTP API.",
        discussion: Serve.keyReference)

    /// Every config key as two short lines (ArgumentParser wraps the discussion at 80 columns).
    static var keyReference: String {
        var lines = [
            "Settings come from flags, then HEARTH_* environment variables, then the",
            "config file (--config, HEARTH_CONFIG, or \(ServeConfig.defaultConfigPath) if it",
            "exists), then defaults. In the file, server.port is `port:` under `server:`;",
            "relative paths there resolve against the file's directory. Sizes: 512MiB,",
            "2GiB, 1000000. Durations: 30, 500ms, 2m. Lists: repeat the flag (+), commas",
            "in the environment, a YAML list in the file. An invalid setting prints one",
            "line naming its key and exits with status 2.",
            "",
            "Keys:",
        ]
        var section = ""
        for key in ServeConfig.keys {
            if key.section != section, !section.isEmpty { lines.append("") }
            section = key.section
            lines.append("  \(key.path)  (\(key.flag)\(key.isRepeatable ? " +" : ""), \(key.env); default: \(key.defaultText))")
            lines.append("      \(key.help)")
        }
        return lines.joined(separator: "\n")
    }

    @Option(help: "Config file (default: \(ServeConfig.defaultConfigPath) when it exists).") var config: String?
    /// Every other flag is a config key's (`ServeConfig.keys`, listed in the help above) and is read by the
    /// Configuration target, so a bad flag gets the same one-line error, naming its key, as a bad file entry.
    @Argument(parsing: .allUnrecognized, help: "Settings as --flag value, from the key list above.") var settings: [String] = []

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let cfg: ServeConfig
        do {
            cfg = try ServeConfig.load(configPath: config ?? env["HEARTH_CONFIG"], environment: env, flags: ServeConfig.flagValues(settings),
                                       workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            printError("config error: \(error)")
            throw ExitCode(2)
        }
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        if let kv = cfg.kvCacheMemory, kv >= physical {
            printError("config error: engine.kv_cache_memory: \(kv / 1_048_576) MiB is more than this machine's memory (\(physical / 1_048_576) MiB)")
            throw ExitCode(2)
        }
        let logger = bootstrapLogging(cfg)
        let tls: TLSConfiguration?
        do {
            tls = try cfg.tlsCertificate.map { try TLSConfiguration(certificatePath: $0, keyPath: cfg.tlsKey ?? "") }
        } catch {
            printError("TLS error: \(error)")
            throw ExitCode(2)
        }
        try ServerRunner(config: cfg, tls: tls, logger: logger).run()
    }

    private func bootstrapLogging(_ cfg: ServeConfig) -> Logger {
        let level: Logger.Level = switch cfg.logLevel {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
        let format: LogFormat = cfg.logFormat == .json ? .json : .text
        LoggingSystem.bootstrap { label in HearthLogHandler(label: label, level: level, format: format) }
        return Logger(label: "hearth")
    }
}
