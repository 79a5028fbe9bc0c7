import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// HTTPS over loopback: certificates are made at test time with the openssl CLI and the server is checked with curl.
final class TLSTests: XCTestCase {
    // MARK: Requests over TLS

    func testResponseOverTLSVerifiesAgainstTheCertificate() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(handler: echoHandler) { server in
            // By IP (the IP SAN) and by name (the DNS SAN), both verified against the self-signed certificate.
            let byIP = try curl(["https://127.0.0.1:\(server.port)/hello?x=1"], trusting: files.rsaCertificate)
            XCTAssertEqual(byIP.exitCode, 0, byIP.stderr)
            XCTAssertEqual(byIP.stdout, "GET /hello?x=1 ")
            let byName = try curl(
                ["--resolve", "localhost:\(server.port):127.0.0.1", "https://localhost:\(server.port)/named"],
                trusting: files.rsaCertificate)
            XCTAssertEqual(byName.stdout, "GET /named ", byName.stderr)
        }
    }

    func testPostBodiesArriveWholeAndLargeResponsesGoBack() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(handler: { request, _ in .response(HTTPResponse(status: .ok, body: request.body)) }) { server in
            let small = try curl(["--data-binary", "hello tls", "https://127.0.0.1:\(server.port)/echo"], trusting: files.rsaCertificate)
            XCTAssertEqual(small.stdout, "hello tls", small.stderr)

            // Several TLS records each way, so reads and writes span many SSL_read/SSL_write calls.
            let bodyFile = files.directory.appendingPathComponent("body.bin")
            let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            try Data(body).write(to: bodyFile)
            let large = try curl(
                ["--data-binary", "@\(bodyFile.path)", "-H", "Content-Type: application/octet-stream", "https://127.0.0.1:\(server.port)/echo"],
                trusting: files.rsaCertificate)
            XCTAssertEqual(large.exitCode, 0, large.stderr)
            XCTAssertEqual(large.output.count, body.count)
            XCTAssertTrue(large.output.elementsEqual(body))
        }
    }

    func testStreamedResponseIsChunkedOverTLS() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(handler: { _, stream in
            try stream.writeHead(status: .ok, headers: ServerSentEvents.headers)
            for index in 0..<3 {
                try stream.write(ServerSentEvents.format(data: "token \(index)"))
                usleep(10_000)
            }
            try stream.write(ServerSentEvents.done)
            try stream.finish()
            return .streamed
        }) { server in
            let result = try curl(["-i", "https://127.0.0.1:\(server.port)/v1/chat/completions"], trusting: files.rsaCertificate)
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            XCTAssertTrue(result.stdout.lowercased().contains("transfer-encoding: chunked"), result.stdout)
            XCTAssertTrue(result.stdout.hasSuffix("data: token 0\n\ndata: token 1\n\ndata: token 2\n\ndata: [DONE]\n\n"), result.stdout)
        }
    }

    func testKeepAliveReusesTheTLSConnection() throws {
        let files = try TLSFiles.shared.get()
        let peers = Recorder<String>()
        try withTLSServer(handler: { request, _ in
            peers.record(request.remoteAddress ?? "?")
            return .response(.text(request.path))
        }) { server in
            let result = try curl(
                ["-v", "https://127.0.0.1:\(server.port)/one", "https://127.0.0.1:\(server.port)/two"], trusting: files.rsaCertificate)
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            XCTAssertEqual(result.stdout, "/one/two")
            XCTAssertTrue(result.stderr.contains("Re-using existing"), result.stderr)
            XCTAssertEqual(peers.all.count, 2)
            XCTAssertEqual(Set(peers.all).count, 1, "both requests came from one client port: \(peers.all)")
        }
    }

    func testProtocolErrorsAreAnsweredOverTLS() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(configure: { $0.maxHeaderBytes = 1024 }, handler: echoHandler) { server in
            // The 431 goes out encrypted, then the lingering close sends close_notify and drains the client.
            let result = try curl(
                ["-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Pad: \(String(repeating: "x", count: 2000))", "https://127.0.0.1:\(server.port)/"],
                trusting: files.rsaCertificate)
            XCTAssertEqual(result.stdout, "431", result.stderr)
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    func testCertificateChainIsServedWhole() throws {
        let files = try TLSFiles.shared.get()
        // The client trusts only the root, so it needs the intermediate from the server's fullchain file.
        try withTLSServer(certificate: files.chainCertificate, key: files.chainKey, handler: echoHandler) { server in
            let result = try curl(["https://127.0.0.1:\(server.port)/chain"], trusting: files.rootCertificate)
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            XCTAssertEqual(result.stdout, "GET /chain ")
        }
        // Without the intermediate the same client cannot build the chain (curl exit 60), so the above was no accident.
        try withTLSServer(certificate: files.leafCertificate, key: files.chainKey, handler: echoHandler) { server in
            let result = try curl(["https://127.0.0.1:\(server.port)/leaf"], trusting: files.rootCertificate)
            XCTAssertEqual(result.exitCode, 60, result.stderr)
        }
    }

    // MARK: Protocol policy

    func testTLS12AndTLS13AreServedWithForwardSecrecy() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(handler: echoHandler) { server in
            let tls12 = try curl(["-v", "--tlsv1.2", "--tls-max", "1.2", "https://127.0.0.1:\(server.port)/12"], trusting: files.rsaCertificate)
            XCTAssertEqual(tls12.stdout, "GET /12 ", tls12.stderr)
            XCTAssertTrue(tls12.stderr.contains("TLSv1.2 / ECDHE-RSA-"), tls12.stderr)
            XCTAssertTrue(tls12.stderr.contains("GCM") || tls12.stderr.contains("CHACHA20"), tls12.stderr)

            let tls13 = try curl(["-v", "--tlsv1.3", "https://127.0.0.1:\(server.port)/13"], trusting: files.rsaCertificate)
            XCTAssertEqual(tls13.stdout, "GET /13 ", tls13.stderr)
            XCTAssertTrue(tls13.stderr.contains("TLSv1.3"), tls13.stderr)
        }
    }

    func testTLS11IsRefused() throws {
        let files = try TLSFiles.shared.get()
        let logs = Recorder<String>()
        try withTLSServer(configure: { $0.logger = { logs.record($0) } }, handler: echoHandler) { server in
            // Security level 0 lets the client's OpenSSL offer TLS 1.1 at all, so the refusal is the server's.
            let result = try curl(
                ["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "https://127.0.0.1:\(server.port)/"],
                trusting: files.rsaCertificate)
            XCTAssertNotEqual(result.exitCode, 0)
            XCTAssertEqual(result.stdout, "")
            XCTAssertTrue(result.stderr.contains("protocol version"), result.stderr)
            XCTAssertTrue(eventually { logs.all.contains { $0.contains("TLS handshake with 127.0.0.1") } }, "\(logs.all)")
            assertShortLines(logs.all)
        }
    }

    func testPlainHTTPOnTheTLSPortGets400AndTheServerKeepsServing() throws {
        let files = try TLSFiles.shared.get()
        let logs = Recorder<String>()
        try withTLSServer(configure: { $0.logger = { logs.record($0) } }, handler: echoHandler) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.headers["Connection"], "close")
            XCTAssertTrue(response.text.contains("HTTPS"), response.text)
            client.close()

            let plainCurl = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(server.port)/"], trusting: files.rsaCertificate)
            XCTAssertEqual(plainCurl.stdout, "400", plainCurl.stderr)

            // Bytes that are neither HTTP nor TLS just end the connection.
            let garbage = try TestClient(port: server.port)
            try garbage.send(Array(repeating: 0x42, count: 64))
            XCTAssertTrue(garbage.closesWithoutData())

            let after = try curl(["https://127.0.0.1:\(server.port)/after"], trusting: files.rsaCertificate)
            XCTAssertEqual(after.stdout, "GET /after ", after.stderr)
            assertShortLines(logs.all)
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    // MARK: Timeouts and disconnects

    func testSilentClientIsDroppedAfterTheHeaderTimeoutWithoutBlockingOthers() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(configure: { $0.headerTimeout = .milliseconds(500) }, handler: echoHandler) { server in
            let started = ContinuousClock.now
            let silent = try TestClient(port: server.port)
            XCTAssertTrue(eventually { server.openConnections == 1 })
            let other = try curl(["https://127.0.0.1:\(server.port)/busy"], trusting: files.rsaCertificate)
            XCTAssertEqual(other.stdout, "GET /busy ", other.stderr)
            // Never sent a ClientHello: closed without a byte once the header timeout runs out.
            XCTAssertTrue(silent.closesWithoutData())
            let elapsed = ContinuousClock.now - started
            XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(450))
            XCTAssertLessThan(elapsed, .seconds(3))
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    func testConnectionsBeyondTheCapAreClosedRatherThanAnsweredInPlainText() throws {
        let files = try TLSFiles.shared.get()
        try withTLSServer(configure: { $0.maxConnections = 1 }, handler: echoHandler) { server in
            let holder = try TestClient(port: server.port)
            XCTAssertTrue(eventually { server.openConnections == 1 })
            let refused = try curl(["https://127.0.0.1:\(server.port)/full"], trusting: files.rsaCertificate)
            XCTAssertNotEqual(refused.exitCode, 0)
            XCTAssertNotEqual(refused.exitCode, 28, "refused at once, not left waiting")
            XCTAssertEqual(refused.stdout, "")
            holder.close()
            XCTAssertTrue(eventually { server.openConnections == 0 })
            let served = try curl(["https://127.0.0.1:\(server.port)/room"], trusting: files.rsaCertificate)
            XCTAssertEqual(served.stdout, "GET /room ", served.stderr)
        }
    }

    func testHalfFinishedHandshakeIsDroppedAfterTheHeaderTimeout() throws {
        try withTLSServer(configure: { $0.headerTimeout = .milliseconds(500) }, handler: echoHandler) { server in
            let started = ContinuousClock.now
            let stalled = try TestClient(port: server.port)
            // A TLS record header promising a handshake message that never comes.
            try stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
            XCTAssertTrue(stalled.closesWithoutData())
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        }
    }

    func testIsClientConnectedNoticesATLSClientLeaving() throws {
        let files = try TLSFiles.shared.get()
        let observations = Recorder<Bool>()
        let noticed = Recorder<ContinuousClock.Instant>()
        try withTLSServer(handler: { _, stream in
            try stream.writeHead(headers: ServerSentEvents.headers)
            try stream.write(ServerSentEvents.format(data: "first"))
            observations.record(stream.isClientConnected)
            for _ in 0..<500 where stream.isClientConnected {
                usleep(10_000)
            }
            noticed.record(.now)
            observations.record(stream.isClientConnected)
            return .streamed
        }) { server in
            // curl gives up after a second, mid-stream, and closes the connection.
            let result = try curl(["--max-time", "1", "https://127.0.0.1:\(server.port)/stream"], trusting: files.rsaCertificate)
            let curlEnded = ContinuousClock.now
            XCTAssertEqual(result.exitCode, 28, result.stderr)
            XCTAssertEqual(result.stdout, "data: first\n\n")
            let noticedAt = try XCTUnwrap(noticed.waitForValue(timeout: 2)?.first)
            XCTAssertEqual(observations.all, [true, false])
            // Noticed while polling, within a few polls of curl going away (not at the 5 s loop bound).
            XCTAssertLessThan(noticedAt - curlEnded, .milliseconds(300))
            XCTAssertGreaterThan(noticedAt - curlEnded, .milliseconds(-700))
        }
    }

    func testWritingToAVanishedTLSClientFailsWithoutSIGPIPE() throws {
        // The process keeps the default SIGPIPE action (terminate), so the test would die if a TLS write raised it.
        var disposition = sigaction()
        XCTAssertEqual(sigaction(SIGPIPE, nil, &disposition), 0)
        XCTAssertNil(disposition.__sigaction_handler.sa_handler, "SIGPIPE is not at its default action; this test proves nothing")
        let files = try TLSFiles.shared.get()
        let outcome = Recorder<HTTPStreamError>()
        try withTLSServer(handler: { _, stream in
            try stream.writeHead(headers: ServerSentEvents.headers)
            try stream.write(ServerSentEvents.format(data: "first"))
            for _ in 0..<500 where stream.isClientConnected {
                usleep(5_000)
            }
            do {
                // The client closed cleanly, so the first write draws a reset and the next one meets EPIPE,
                // which send(2) without MSG_NOSIGNAL (or OpenSSL's own socket BIO, using write(2)) turns into SIGPIPE.
                for index in 0..<200 {
                    try stream.write(ServerSentEvents.format(data: "token \(index)"))
                    usleep(2_000)
                }
            } catch let error as HTTPStreamError {
                outcome.record(error)
                throw error
            }
            outcome.record(.closed)
            return .streamed
        }) { server in
            let result = try curl(["--max-time", "0.5", "https://127.0.0.1:\(server.port)/stream"], trusting: files.rsaCertificate)
            XCTAssertEqual(result.exitCode, 28, result.stderr)
            XCTAssertEqual(outcome.waitForValue(timeout: 5), [.clientDisconnected])
            XCTAssertTrue(eventually { server.openConnections == 0 })
        }
    }

    // MARK: Configuration errors

    func testMissingCertificateIsReportedWithItsPath() throws {
        let files = try TLSFiles.shared.get()
        let missing = files.directory.appendingPathComponent("no-such-cert.pem").path
        assertTLSError(try TLSConfiguration(certificatePath: missing, keyPath: files.rsaKey), naming: missing) {
            guard case .unreadableCertificate = $0 else { return false }
            return true
        }
        assertTLSError(try TLSConfiguration(certificatePath: files.directory.path, keyPath: files.rsaKey), naming: files.directory.path) {
            guard case .unreadableCertificate(_, "not a regular file") = $0 else { return false }
            return true
        }
    }

    func testGarbageCertificateIsReportedWithItsPath() throws {
        let files = try TLSFiles.shared.get()
        assertTLSError(try TLSConfiguration(certificatePath: files.garbage, keyPath: files.rsaKey), naming: files.garbage) {
            guard case .invalidCertificate = $0 else { return false }
            return true
        }
        // A key file is PEM, but holds no certificate.
        assertTLSError(try TLSConfiguration(certificatePath: files.rsaKey, keyPath: files.rsaKey), naming: files.rsaKey) {
            guard case .invalidCertificate = $0 else { return false }
            return true
        }
    }

    func testMissingOrGarbageKeyIsReportedWithItsPath() throws {
        let files = try TLSFiles.shared.get()
        let missing = files.directory.appendingPathComponent("no-such-key.pem").path
        assertTLSError(try TLSConfiguration(certificatePath: files.rsaCertificate, keyPath: missing), naming: missing) {
            guard case .unreadableKey = $0 else { return false }
            return true
        }
        assertTLSError(try TLSConfiguration(certificatePath: files.rsaCertificate, keyPath: files.garbage), naming: files.garbage) {
            guard case .invalidKey = $0 else { return false }
            return true
        }
        // Encrypted keys are refused instead of prompting on the terminal.
        assertTLSError(try TLSConfiguration(certificatePath: files.rsaCertificate, keyPath: files.encryptedKey), naming: files.encryptedKey) {
            guard case .invalidKey(_, let reason) = $0 else { return false }
            return reason.contains("encrypted")
        }
    }

    func testKeyNotMatchingTheCertificateIsReportedWithBothPaths() throws {
        let files = try TLSFiles.shared.get()
        // Same key type (OpenSSL's pairing check) and another type (a different key slot).
        for key in [files.otherRSAKey, files.chainKey] {
            assertTLSError(try TLSConfiguration(certificatePath: files.rsaCertificate, keyPath: key), naming: key) {
                guard case .keyMismatch(key, files.rsaCertificate) = $0 else { return false }
                return true
            }
        }
    }

    func testValidConfigurationsLoad() throws {
        let files = try TLSFiles.shared.get()
        let rsa = try TLSConfiguration(certificatePath: files.rsaCertificate, keyPath: files.rsaKey)
        XCTAssertEqual(rsa.certificatePath, files.rsaCertificate)
        XCTAssertNoThrow(try TLSConfiguration(certificatePath: files.chainCertificate, keyPath: files.chainKey))
        // One file holding both the certificate and the key, as some deployments ship them.
        XCTAssertNoThrow(try TLSConfiguration(certificatePath: files.combined, keyPath: files.combined))
    }

    // MARK: Helpers

    override class func tearDown() {
        if case .success(let files) = TLSFiles.shared {
            try? FileManager.default.removeItem(at: files.directory)
        }
        super.tearDown()
    }

    /// Runs `body` against a started HTTPS server on an ephemeral loopback port.
    private func withTLSServer(
        certificate: String? = nil, key: String? = nil,
        configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        handler: @escaping HTTPHandler,
        _ body: (HTTPServer) throws -> Void
    ) throws {
        let files = try TLSFiles.shared.get()
        let tls = try TLSConfiguration(certificatePath: certificate ?? files.rsaCertificate, keyPath: key ?? files.rsaKey)
        try withServer(configure: {
            $0.tls = tls
            configure(&$0)
        }, handler: handler, body)
    }

    private func assertTLSError(
        _ expression: @autoclosure () throws -> TLSConfiguration, naming path: String,
        file: StaticString = #filePath, line: UInt = #line, matches: (TLSError) -> Bool
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? TLSError else { return XCTFail("not a TLSError: \(error)", file: file, line: line) }
            XCTAssertTrue(matches(error), "unexpected case: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(path), error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), error.description, file: file, line: line)
        }
    }

    private func assertShortLines(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) {
        for entry in lines {
            XCTAssertFalse(entry.contains("\n"), entry, file: file, line: line)
            XCTAssertLessThan(entry.count, 160, entry, file: file, line: line)
        }
    }
}

/// What a curl run produced.
private struct CurlResult {
    var exitCode: Int32
    var output: Data
    var stderr: String
    var stdout: String { String(decoding: output, as: UTF8.self) }
}

/// Runs curl against the test server, trusting `certificate`, with a time limit so a broken server fails fast.
private func curl(_ arguments: [String], trusting certificate: String) throws -> CurlResult {
    let hasLimit = arguments.contains("--max-time")
    let result = try runTool("curl", ["-sS", "--cacert", certificate] + (hasLimit ? [] : ["--max-time", "5"]) + arguments)
    return CurlResult(exitCode: result.exitCode, output: result.stdout, stderr: String(decoding: result.stderr, as: UTF8.self))
}

/// Runs a command-line tool found on PATH and collects its output.
private func runTool(_ tool: String, _ arguments: [String], in directory: URL? = nil) throws -> (exitCode: Int32, stdout: Data, stderr: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drained concurrently, so neither pipe can fill up and stall the tool.
    let errorData = Recorder<Data>()
    let errorReader = Thread { errorData.record(stderr.fileHandleForReading.readDataToEndOfFile()) }
    errorReader.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errors = errorData.waitForValue(timeout: 10)?.first ?? Data()
    return (process.terminationStatus, output, errors)
}

/// Certificates and keys made once per test run in a temporary directory.
private struct TLSFiles: Sendable {
    struct ToolFailure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: URL
    /// Self-signed RSA certificate for 127.0.0.1 and localhost, and its key.
    let rsaCertificate: String
    let rsaKey: String
    /// A second RSA key, matching nothing.
    let otherRSAKey: String
    /// The RSA key encrypted with a passphrase.
    let encryptedKey: String
    /// Certificate and key in one file.
    let combined: String
    /// EC root → intermediate → leaf: the fullchain file (leaf, intermediate), the leaf alone, its key, and the root.
    let chainCertificate: String
    let leafCertificate: String
    let chainKey: String
    let rootCertificate: String
    /// A file that is not PEM at all.
    let garbage: String

    static let shared: Result<TLSFiles, any Error> = Result { try TLSFiles() }

    private init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) throws {
            let result = try runTool("openssl", arguments, in: directory)
            guard result.exitCode == 0 else {
                throw ToolFailure(description: "openssl \(arguments.joined(separator: " ")): \(String(decoding: result.stderr, as: UTF8.self))")
            }
        }
        let names = "subjectAltName=IP:127.0.0.1,DNS:localhost"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        rsaCertificate = path("rsa-cert.pem")
        rsaKey = path("rsa-key.pem")
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rsaKey, "-out", rsaCertificate,
                    "-days", "2", "-subj", "/CN=localhost", "-addext", names])
        otherRSAKey = path("other-rsa-key.pem")
        try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", otherRSAKey])
        encryptedKey = path("encrypted-key.pem")
        try openssl(["pkey", "-in", rsaKey, "-aes256", "-passout", "pass:secret", "-out", encryptedKey])
        combined = path("combined.pem")
        try (String(contentsOfFile: rsaCertificate, encoding: .utf8) + String(contentsOfFile: rsaKey, encoding: .utf8))
            .write(toFile: combined, atomically: true, encoding: .utf8)

        rootCertificate = path("root.pem")
        try openssl(["req", "-x509"] + ec + ["-keyout", path("root-key.pem"), "-out", rootCertificate, "-days", "2",
                       "-subj", "/CN=Hearth Test Root", "-addext", "basicConstraints=critical,CA:TRUE",
                       "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
            .write(toFile: path("intermediate.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-new"] + ec + ["-keyout", path("intermediate-key.pem"), "-out", path("intermediate.csr"),
                       "-subj", "/CN=Hearth Test Intermediate"])
        try openssl(["x509", "-req", "-in", path("intermediate.csr"), "-CA", rootCertificate, "-CAkey", path("root-key.pem"),
                    "-CAcreateserial", "-days", "2", "-extfile", path("intermediate.ext"), "-out", path("intermediate.pem")])
        chainKey = path("leaf-key.pem")
        try "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n\(names)\n"
            .write(toFile: path("leaf.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-new"] + ec + ["-keyout", chainKey, "-out", path("leaf.csr"), "-subj", "/CN=localhost"])
        leafCertificate = path("leaf.pem")
        try openssl(["x509", "-req", "-in", path("leaf.csr"), "-CA", path("intermediate.pem"), "-CAkey", path("intermediate-key.pem"),
                    "-CAcreateserial", "-days", "2", "-extfile", path("leaf.ext"), "-out", leafCertificate])
        chainCertificate = path("fullchain.pem")
        try (String(contentsOfFile: leafCertificate, encoding: .utf8) + String(contentsOfFile: path("intermediate.pem"), encoding: .utf8))
            .write(toFile: chainCertificate, atomically: true, encoding: .utf8)

        garbage = path("garbage.pem")
        try "this is not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
    }
}
