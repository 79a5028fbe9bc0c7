import Foundation
import HTTP

/// Writes one Server-Sent Events response: `data: <json>` events, then `data: [DONE]`.
struct SSEWriter {
    let stream: HTTPStream
    let corsHeaders: [(String, String)]

    /// Sends the response head; false when the client is gone.
    func open() -> Bool {
        var headers = ServerSentEvents.headers
        for (k, v) in corsHeaders { headers.add(name: k, value: v) }
        do {
            try stream.writeHead(status: .ok, headers: headers)
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

    /// Sends `data: [DONE]` and ends the response.
    func done() {
        try? stream.write(ServerSentEvents.done)
        try? stream.finish()
    }
}
