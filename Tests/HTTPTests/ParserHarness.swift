import XCTest
@testable import HTTP

/// What a fixture should parse into, independent of how its bytes were chunked.
enum Expected: Equatable, CustomStringConvertible {
    case request(HTTPRequest)
    /// Only the status is compared: messages may name whichever problem was seen first.
    case error(Int)

    var description: String {
        switch self {
        case .request(let request):
            let headers = request.headers.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            let trailers = request.trailers.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            return "request(\(request.method) \(request.target) \(request.version) [\(headers)] "
                + "body=\(String(decoding: request.body, as: UTF8.self).debugDescription) trailers=[\(trailers)])"
        case .error(let code): return "error(\(code))"
        }
    }
}

/// Feeds `chunks` to a fresh parser and collects every event; `head` is dropped because its `expectsContinue`
/// legitimately depends on whether body bytes arrived together with the head.
func parse(_ chunks: [ArraySlice<UInt8>], limits: HTTPRequestParser.Limits) -> [Expected] {
    var parser = HTTPRequestParser(limits: limits)
    var results: [Expected] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() {
            switch event {
            case .head: continue
            case .request(let request): results.append(.request(request))
            case .error(let error): results.append(.error(error.status.code))
            }
        }
    }
    return results
}

/// Asserts that `fixture` yields `expected` whether fed whole, split at every point, byte by byte,
/// and (for short fixtures) split at every pair of points.
func assertEverySplit(
    _ fixture: [UInt8], _ expected: [Expected], limits: HTTPRequestParser.Limits = .init(),
    file: StaticString = #filePath, line: UInt = #line
) {
    let bytes = fixture[...]
    let n = bytes.count
    func check(_ chunks: [ArraySlice<UInt8>], _ label: @autoclosure () -> String) -> Bool {
        let actual = parse(chunks, limits: limits)
        if actual != expected {
            XCTFail("\(label()): got \(actual), expected \(expected)", file: file, line: line)
            return false
        }
        return true
    }
    guard check([bytes], "whole") else { return }
    for i in 0...n {
        guard check([bytes[0..<i], bytes[i..<n]], "split at \(i)") else { return }
    }
    guard check(bytes.indices.map { bytes[$0..<$0 + 1] }, "byte by byte") else { return }
    if n <= 200 {
        for i in 0...n {
            for j in i...n {
                guard check([bytes[0..<i], bytes[i..<j], bytes[j..<n]], "split at \(i) and \(j)") else { return }
            }
        }
    }
}

/// The bytes of a fixture written with "\r\n" line endings spelled out.
func fixture(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// A request as the parser should produce it.
func request(
    _ method: String, _ target: String, version: HTTPVersion = .http1_1, headers: [(String, String)],
    body: String = "", trailers: [(String, String)] = []
) -> Expected {
    .request(HTTPRequest(
        method: method, target: target, version: version,
        headers: HTTPHeaders(headers.map { (name: $0.0, value: $0.1) }),
        body: Array(body.utf8),
        trailers: HTTPHeaders(trailers.map { (name: $0.0, value: $0.1) })))
}
