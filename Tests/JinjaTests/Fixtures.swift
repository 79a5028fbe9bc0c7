import Foundation
import Jinja

/// Loads the chat-template golden fixtures bundled with the test target.
enum Fixtures {
    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("Fixtures directory missing from the test bundle")
        }
        return url
    }()

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func json(_ name: String) throws -> Value {
        try Value.parseJSON(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The fixed clock the fixtures were rendered with: 2024-07-26 12:00:00.
    static let now: Date = {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour) = (2024, 7, 26, 12)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.date(from: c) ?? Date(timeIntervalSince1970: 1_721_995_200)
    }()

    static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
}

extension Value {
    subscript(key: String) -> Value {
        if case .dict(let d) = self { return d[key] ?? .undefined }
        return .undefined
    }

    var array: [Value] {
        if case .list(let a) = self { return a }
        return []
    }

    var dictValue: OrderedDict {
        if case .dict(let d) = self { return d }
        return OrderedDict()
    }
}
