import Foundation
import XCTest
@testable import Configuration

/// A test case with a fresh temporary working directory holding a dummy model at `models/m.gguf`.
class ConfigTestCase: XCTestCase {
    /// The temporary working directory, removed after each test.
    var dir = ""
    /// The dummy model's absolute path.
    var model: String { dir + "/models/m.gguf" }

    override func setUpWithError() throws {
        dir = FilePath.normalize(NSTemporaryDirectory() + "/hearth-config-" + UUID().uuidString)
        try write("models/m.gguf", "GGUF")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Writes `contents` to `name` under the working directory, creating folders, and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ contents: String = "") throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: FilePath.directory(of: path), withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Loads with the working directory as `dir`.
    func load(config: String? = nil, env: [String: String] = [:], flags: [String: [String]] = [:]) throws(ConfigError) -> ServeConfig {
        try ServeConfig.load(configPath: config, environment: env, flags: flags, workingDirectory: dir)
    }

    /// Loads a config file with these contents (written to `conf.yaml`), plus `env` and `flags`.
    func load(yaml: String, env: [String: String] = [:], flags: [String: [String]] = [:]) throws -> ServeConfig {
        try write("conf.yaml", yaml)
        return try load(config: "conf.yaml", env: env, flags: flags)
    }

    /// The error `body` throws, failing the test if it throws none.
    func error(_ body: () throws(ConfigError) -> ServeConfig, file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
        do {
            let config = try body()
            XCTFail("expected an error, got \(config)", file: file, line: line)
            return nil
        } catch {
            XCTAssertFalse(error.description.contains("\n"), "not one line: \(error.description)", file: file, line: line)
            return error
        }
    }

    /// Asserts that loading `yaml` (as `conf.yaml`) with `env` and `flags` fails at `keyPath`, from `source`, with a
    /// message containing every one of `fragments`.
    func assertError(
        yaml: String? = nil, env: [String: String] = [:], flags: [String: [String]] = [:],
        source: String, keyPath: String, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line
    ) {
        if let yaml { XCTAssertNoThrow(try write("conf.yaml", yaml), file: file, line: line) }
        guard let error = error({ () throws(ConfigError) in try load(config: yaml == nil ? nil : "conf.yaml", env: env, flags: flags) },
                                file: file, line: line) else { return }
        XCTAssertEqual(error.source, source, "\(error)", file: file, line: line)
        XCTAssertEqual(error.keyPath, keyPath, "\(error)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }

    /// Flags naming the dummy model, for tests about other keys.
    var modelFlag: [String: [String]] { ["model.path": [model]] }
}
