import Foundation

/// The memory this process can still take: the least of the system's available memory, the cgroup's remaining
/// limit and the address-space limit (`ulimit -v`), with the name of the one that binds.
public struct MemoryBudget: Sendable, Equatable {
    public var bytes: Int
    /// What bounds it: "MemAvailable", "cgroup memory.max" or "ulimit -v".
    public var source: String

    public static func current() -> MemoryBudget {
        var best = MemoryBudget(bytes: Int.max, source: "no limit found")
        func consider(_ bytes: Int?, _ source: String) {
            if let b = bytes, b < best.bytes { best = MemoryBudget(bytes: max(b, 0), source: source) }
        }
        consider(procKilobytes("/proc/meminfo", "MemAvailable:").map { $0 * 1024 }, "MemAvailable")
        if let max = readInt("/sys/fs/cgroup/memory.max"), let used = readInt("/sys/fs/cgroup/memory.current") {
            consider(max - used, "cgroup memory.max")
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
           let size = procKilobytes("/proc/self/status", "VmSize:") {
            consider(Int(clamping: limit.rlim_cur) - size * 1024, "ulimit -v")
        }
        return best
    }

    private static func readInt(_ path: String) -> Int? {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func procKilobytes(_ path: String, _ key: String) -> Int? {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
