import Foundation
import OpenAI

/// What one API request did, for its log line: filled by the route, written by `OpenAIServer.handle`.
final class RequestRecord {
    /// The id in the log line and the X-Request-Id response header: the client's (or proxy's) own, or a new one.
    let id: String
    let start = ContinuousClock.now
    var choices: [ChoiceStream] = []
    /// The Access-Control-Allow-Origin value for this request, if any.
    let corsOrigin: String?
    /// Whether the prompt and output are kept for the log line (`--log-content`).
    let captureContent: Bool
    /// The prompt as text, kept only when `captureContent`.
    var prompt: String?
    /// Why the request ended before all its choices finished, if it did.
    var ending: Ending?

    /// Why a request ended early.
    enum Ending {
        /// The client went away.
        case clientClosed
        /// The server's drain deadline passed.
        case shutdown
    }

    init(id: String? = nil, corsOrigin: String? = nil, captureContent: Bool = false) {
        self.id = id ?? OpenAIJSON.makeID(prefix: "req")
        self.corsOrigin = corsOrigin
        self.captureContent = captureContent
    }

    /// A client-sent X-Request-Id worth keeping (nginx's $request_id, a UUID …): 1–128 visible ASCII characters
    /// without quotes or backslashes, so it can't break a log line or a header; anything else is replaced.
    static func clientID(_ header: String?) -> String? {
        guard let header, (1...128).contains(header.utf8.count),
              header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return nil }
        return header
    }

    /// Headers every response of this request carries: CORS and the request id.
    var responseHeaders: [(String, String)] {
        OpenAIServer.corsHeaders(corsOrigin) + [("X-Request-Id", id)]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
