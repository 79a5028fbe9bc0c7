import Foundation
import XCTest
@testable import Configuration

/// Checks `config/hearth.yaml` as shipped; the model may or may not have been downloaded, and both must pass.
final class ShippedConfigTests: XCTestCase {
    /// The repository root, found from this file even when the test folder is reached through a symlink.
    let repo = FilePath.normalize(URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().path + "/../../..")
    var shipped: String { repo + "/config/hearth.yaml" }
    var defaultModel: String { repo + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }

    func testServesTheDefaultModelOnLocalhost() throws {
        let config = try ServeConfig.resolve(configPath: shipped, environment: [:], flags: [:], workingDirectory: "/",
                                             checkFiles: false)
        XCTAssertEqual(config.modelPath, defaultModel)
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config, ServeConfig(modelPath: defaultModel), "the shipped file states the defaults")
    }

    func testLoadsOrNamesTheMissingModel() throws {
        let modelExists = FileManager.default.fileExists(atPath: defaultModel)
        do {
            let config = try ServeConfig.load(configPath: shipped, environment: [:], flags: [:], workingDirectory: "/")
            XCTAssertTrue(modelExists)
            XCTAssertEqual(config.modelPath, defaultModel)
        } catch {
            XCTAssertFalse(modelExists, "\(error)")
            XCTAssertEqual(error.keyPath, "model.path")
            XCTAssertEqual(error.source, shipped)
            XCTAssertEqual(error.message, "file not found: \(defaultModel)")
        }
    }

    /// Documentation completeness: every key appears under its section, set or commented out.
    func testEveryKeyIsInTheFile() throws {
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        var found = Set<String>()
        var section = ""
        for line in text.split(separator: "\n") {
            if let name = line.firstMatch(of: /^([a-z_]+):/)?.1 {
                section = String(name)
            } else if let name = line.firstMatch(of: /^  (?:# )?([a-z_]+):/)?.1 {
                found.insert(section + "." + name)
            }
        }
        for key in ServeConfig.keys {
            XCTAssertTrue(found.contains(key.path), "\(key.path) is not documented in config/hearth.yaml")
        }
        XCTAssertEqual(found.subtracting(ServeConfig.keys.map(\.path)), [], "the file documents unknown keys")
    }

    /// The commented-out examples are valid too: uncommenting every one still loads.
    func testCommentedExamplesAreValid() throws {
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.firstMatch(of: /^  # [a-z_]+:\s/) == nil ? String(line) : "  " + line.dropFirst(4)
        }.joined(separator: "\n")
        XCTAssertNotEqual(uncommented, text)
        let settings = try ConfigFile.settings(yaml: uncommented, source: "hearth.yaml", baseDirectory: repo + "/config")
        XCTAssertEqual(Set(settings.keys), Set(ServeConfig.keys.map(\.path)), "every key is set once uncommented")
        let config = try ServeConfig.build(from: settings, checkFiles: false)
        XCTAssertNotNil(config.modelID)
        XCTAssertNotNil(config.tlsCertificate)
    }
}
