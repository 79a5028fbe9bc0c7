import Foundation
import HTTP

/// Writes one Server-Sent Events response: `data: <json>` events, then `data: [DONE]`.
struct SSEWriter {
    let stream: HTTPStream
    /// Sent with the head besides the SSE ones (CORS, X-Request-Id).
    let headers: [(String, String)]

    /// Sends the response head; false when the client is gone.
    func open() -> Bool {
        var head = ServerSentEvents.headers
        for (k, v) in headers { head.add(name: k, value: v) }
        do {
            try stream.writeHead(status: .ok, headers: head)
            return true
        } catch {
            return false
        }
    }

    /// Sends one event whose data is a JSON object; false when the client is gone.
    func send(_ json: Data) -> Bool {
        do {
            try stream.write(ServerSentEvents.format(data: String(decoding: json, as: UTF8.self)))
            return true
        } catch {
            return false
        }
    }

    /// Ends the response without `[DONE]` (after an error event).
    func finish() {
        try? stream.finish()
    }

    /// Sends `data: [DONE]` and ends the response.
    func done() {
        try? stream.write(ServerSentEvents.done)
        try? stream.finish()
    }
}
