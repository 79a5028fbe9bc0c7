@testable import Server
import XCTest

/// Which Access-Control-Allow-Origin a request gets for each kind of `cors_origins` setting.
final class CORSTests: XCTestCase {
    private func server(_ origins: [String]) -> OpenAIServer {
        var options = ServerOptions(modelID: "m")
        options.corsOrigins = origins
        return OpenAIServer(options: options)
    }

    func testNoOriginsMeansNoHeaders() {
        XCTAssertNil(server([]).allowedOrigin("https://a.example"))
        XCTAssertEqual(OpenAIServer.corsHeaders(nil).count, 0)
    }

    func testWildcardAllowsAnyOriginWithoutVary() {
        XCTAssertEqual(server(["https://a.example", "*"]).allowedOrigin("https://b.example"), "*")
        XCTAssertEqual(server(["*"]).allowedOrigin(nil), "*")
        XCTAssertEqual(OpenAIServer.corsHeaders("*").map(\.0), ["Access-Control-Allow-Origin"])
    }

    func testOneOriginIsAlwaysNamed() {
        XCTAssertEqual(server(["https://a.example"]).allowedOrigin(nil), "https://a.example")
        XCTAssertEqual(server(["https://a.example"]).allowedOrigin("https://b.example"), "https://a.example")
    }

    func testSeveralOriginsEchoTheMatchingOneAndVary() {
        let s = server(["https://a.example", "https://b.example"])
        XCTAssertEqual(s.allowedOrigin("https://b.example"), "https://b.example")
        XCTAssertNil(s.allowedOrigin("https://evil.example"))
        XCTAssertNil(s.allowedOrigin(nil))
        let headers = OpenAIServer.corsHeaders("https://b.example")
        XCTAssertEqual(headers.map(\.0), ["Access-Control-Allow-Origin", "Vary"])
        XCTAssertEqual(headers.last?.1, "Origin")
    }
}
