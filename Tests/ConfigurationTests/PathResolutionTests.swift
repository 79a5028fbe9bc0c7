import XCTest
@testable import Configuration

final class PathResolutionTests: ConfigTestCase {
    func testNormalize() {
        let table: [(String, String)] = [
            ("/a/b/../c", "/a/c"), ("/a/./b//c/", "/a/b/c"), ("/..", "/"), ("/../a", "/a"), ("a/../..", ".."),
            ("./a", "a"), ("", "."), (".", "."), ("../../x", "../../x"), ("/", "/"),
        ]
        for (path, expected) in table { XCTAssertEqual(FilePath.normalize(path), expected, path) }
        XCTAssertEqual(FilePath.resolve("m.gguf", against: "/w/config"), "/w/config/m.gguf")
        XCTAssertEqual(FilePath.resolve("../m.gguf", against: "/w/config"), "/w/m.gguf")
        XCTAssertEqual(FilePath.resolve("/abs/m.gguf", against: "/w"), "/abs/m.gguf")
        XCTAssertEqual(FilePath.directory(of: "/w/config/hearth.yaml"), "/w/config")
        XCTAssertEqual(FilePath.directory(of: "/hearth.yaml"), "/")
        XCTAssertEqual(FilePath.directory(of: "hearth.yaml"), ".")
    }

    func testFilePathsResolveAgainstTheFilesDirectory() throws {
        let nested = try write("etc/hearth/model.gguf")
        try write("etc/hearth/hearth.yaml", "model:\n  path: model.gguf\n")
        XCTAssertEqual(try load(config: "etc/hearth/hearth.yaml").modelPath, nested)
        try write("etc/hearth/hearth.yaml", "model:\n  path: ../../models/m.gguf\n")
        XCTAssertEqual(try load(config: "etc/hearth/hearth.yaml").modelPath, model)
    }

    func testEnvironmentAndFlagPathsResolveAgainstTheWorkingDirectory() throws {
        try write("etc/hearth/hearth.yaml", "server:\n  port: 1\n")
        XCTAssertEqual(try load(config: "etc/hearth/hearth.yaml", env: ["HEARTH_MODEL": "models/m.gguf"]).modelPath, model)
        XCTAssertEqual(try load(config: "etc/hearth/hearth.yaml", flags: ["model.path": ["./models/../models/m.gguf"]]).modelPath,
                       model)
    }

    func testAbsolutePathsAreKept() throws {
        try write("etc/hearth.yaml", "model:\n  path: \(model)\n")
        XCTAssertEqual(try load(config: "etc/hearth.yaml").modelPath, model)
        XCTAssertEqual(try load(config: dir + "/etc/hearth.yaml").modelPath, model, "an absolute config path works too")
    }

    func testEveryPathKeyResolvesAgainstTheFile() throws {
        let cert = try write("etc/c.pem"), key = try write("etc/k.pem"), template = try write("etc/t.jinja")
        try write("etc/hearth.yaml", """
            server:
              tls_cert: c.pem
              tls_key: ./k.pem
            model:
              path: ../models/m.gguf
              chat_template: t.jinja
            """)
        let config = try load(config: "etc/hearth.yaml")
        XCTAssertEqual(config.tlsCertificate, cert)
        XCTAssertEqual(config.tlsKey, key)
        XCTAssertEqual(config.chatTemplate, template)
    }
}
