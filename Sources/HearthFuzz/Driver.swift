#if !FUZZING
import Glibc
import Foundation

/// The standalone driver of the normal build, for machines or builds without libFuzzer.
///
///     hearth-fuzz [FILE|DIR ...]                        replays each file once (a directory: each file in it)
///     hearth-fuzz --runs N | --seconds T [--seed S] [--max-len N] [--dict FILE] [--timeout T] FILE|DIR ...
///                                                       mutates the files as seeds (no coverage feedback)
///
/// A crashing or hanging input is written to `$HEARTH_FUZZ_ARTIFACTS` (a prefix, default the current
/// directory) as `crash-input` or `timeout-input` and printed in hex before the process dies.
struct Driver {
    static let usage = """
        usage: hearth-fuzz [--runs N | --seconds T] [--seed S] [--max-len N] [--dict FILE] [--timeout T] [FILE|DIR ...]
          without --runs/--seconds: replays each input once; with them: mutates the inputs as seeds
          (deterministic for a given --seed and --runs) until N inputs or T seconds have run.

        """

    var paths: [String] = []
    var runs: Int?
    var seconds: Double?
    var seed: UInt64 = 1
    var maxLen = 16 * 1024
    var timeout: UInt32 = 2
    var dictionaryPath: String?
    var problem: String?

    init(arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            func value() -> String? {
                guard let value = rest.popFirst() else { problem = "\(argument) needs a value"; return nil }
                return value
            }
            switch argument {
            case "--runs": runs = value().flatMap { Int($0) }
            case "--seconds": seconds = value().flatMap { Double($0) }
            case "--seed": seed = value().flatMap { UInt64($0) } ?? 1
            case "--max-len": maxLen = value().flatMap { Int($0) } ?? maxLen
            case "--timeout": timeout = value().flatMap { UInt32($0) } ?? timeout
            case "--dict": dictionaryPath = value()
            case "-h", "--help": problem = ""
            default:
                if argument.hasPrefix("-") { problem = "unknown option \(argument)" } else { paths.append(argument) }
            }
        }
    }

    func run() -> Int32 {
        if let problem {
            printError((problem.isEmpty ? "" : "hearth-fuzz: \(problem)\n") + Self.usage)
            return problem.isEmpty ? 0 : 2
        }
        let inputs: [(name: String, bytes: [UInt8])]
        let dictionary: [[UInt8]]
        do {
            inputs = try Self.load(paths)
            dictionary = try dictionaryPath.map(Self.loadDictionary) ?? []
        } catch {
            printError("hearth-fuzz: \(error)\n")
            return 2
        }
        CrashReport.install(timeout: timeout)
        guard runs != nil || seconds != nil else {
            for input in inputs { runOne(input.bytes, label: input.name) }
            printError("fuzz: replayed \(inputs.count) inputs without a crash\n")
            return 0
        }
        return mutate(seeds: inputs.map(\.bytes).filter { $0.count <= maxLen }, dictionary: dictionary)
    }

    private func runOne(_ bytes: [UInt8], label: String) {
        CrashReport.arm(bytes, label: label)
        bytes.withUnsafeBytes { FuzzTarget.run($0) }
        CrashReport.disarm()
    }

    /// Mutates seeds with byte flips, inserts, deletes, duplications, splices and dictionary tokens; without
    /// coverage feedback, a random share of the mutants joins the pool the next inputs are drawn from.
    private func mutate(seeds: [[UInt8]], dictionary: [[UInt8]]) -> Int32 {
        var mutator = Mutator(seed: seed, dictionary: dictionary, maxLen: maxLen)
        var pool = seeds.isEmpty ? [[UInt8]()] : seeds
        let poolLimit = max(pool.count, 1024)
        let begin = monotonicNanoseconds()
        let deadline = seconds.map { begin + UInt64($0 * 1e9) } ?? .max
        var count = 0
        while count < (runs ?? .max) {
            if count & 63 == 0 && monotonicNanoseconds() >= deadline { break }
            var input = pool[mutator.below(pool.count)]
            mutator.mutate(&input, splicing: pool)
            runOne(input, label: "mutant #\(count + 1) (seed \(seed))")
            count += 1
            if mutator.below(8) == 0 {
                if pool.count < poolLimit { pool.append(input) } else { pool[seeds.count + mutator.below(poolLimit - seeds.count)] = input }
            }
        }
        let elapsed = Double(monotonicNanoseconds() - begin) / 1e9
        printError("fuzz: \(count) inputs in \(String(format: "%.1f", elapsed)) s "
            + "(\(Int(Double(count) / max(elapsed, 1e-9))) exec/s), seed \(seed), no crash\n")
        return 0
    }

    static func load(_ paths: [String]) throws -> [(name: String, bytes: [UInt8])] {
        var inputs: [(name: String, bytes: [UInt8])] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DriverError("no such file: \(path)")
            }
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                inputs.append((file, [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))))
            }
        }
        return inputs
    }

    /// Reads a libFuzzer dictionary: one `name="value"` or `"value"` per line, `\\`, `\"` and `\xNN` escapes.
    static func loadDictionary(_ path: String) throws -> [[UInt8]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var tokens: [[UInt8]] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let bytes = Array(line.utf8)
            guard let open = bytes.firstIndex(of: UInt8(ascii: "\"")), bytes.first != UInt8(ascii: "#"),
                  let close = bytes.lastIndex(of: UInt8(ascii: "\"")), close > open else { continue }
            var token: [UInt8] = []
            var i = open + 1
            while i < close {
                if bytes[i] == UInt8(ascii: "\\"), i + 1 < close {
                    if bytes[i + 1] == UInt8(ascii: "x"), i + 3 < close,
                       let value = UInt8(String(decoding: bytes[i + 2...i + 3], as: UTF8.self), radix: 16) {
                        token.append(value)
                        i += 4
                        continue
                    }
                    token.append(bytes[i + 1])
                    i += 2
                    continue
                }
                token.append(bytes[i])
                i += 1
            }
            if !token.isEmpty { tokens.append(token) }
        }
        return tokens
    }
}

struct DriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A deterministic mutator (xorshift64*).
struct Mutator {
    private var state: UInt64
    let dictionary: [[UInt8]]
    let maxLen: Int
    static let interesting: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "\\ud800", "0", "-1", "1e309", "-0.0", "null", "true",
        "9223372036854775808", "18446744073709551615", "\r\n", "\n", "\r\n\r\n", "\r", " ", "\t", "\u{0}", "\u{7F}",
        ";", "0x", "ffffffffffffffff",
    ].map { Array($0.utf8) } + [[0xFF], [0xC0], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    init(seed: UInt64, dictionary: [[UInt8]], maxLen: Int) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        self.dictionary = dictionary
        self.maxLen = maxLen
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// A value in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func mutate(_ input: inout [UInt8], splicing pool: [[UInt8]]) {
        for _ in 0...below(4) {
            let position = below(input.count + 1)
            switch below(input.isEmpty ? 4 : 9) {
            case 0:  // insert a random byte
                input.insert(UInt8(truncatingIfNeeded: next()), at: position)
            case 1:  // insert a dictionary token (or an interesting byte string)
                let tokens = dictionary.isEmpty || below(3) == 0 ? Self.interesting : dictionary
                input.insert(contentsOf: tokens[below(tokens.count)], at: position)
            case 2:  // splice in a slice of another pool input
                let other = pool[below(pool.count)]
                guard !other.isEmpty else { break }
                let start = below(other.count)
                input.insert(contentsOf: other[start..<start + 1 + below(min(other.count - start, 256))], at: position)
            case 3:  // cross over: keep a prefix of this input, then another pool input's suffix
                let other = pool[below(pool.count)]
                input = Array(input[..<position]) + other[below(other.count + 1)...]
            case 4:  // flip a bit
                input[below(input.count)] ^= 1 << UInt8(below(8))
            case 5:  // overwrite a byte
                input[below(input.count)] = UInt8(truncatingIfNeeded: next())
            case 6:  // delete a range
                let start = below(input.count)
                input.removeSubrange(start..<start + 1 + below(min(input.count - start, 32)))
            case 7:  // duplicate a range
                let start = below(input.count)
                let slice = input[start..<start + 1 + below(min(input.count - start, 64))]
                input.insert(contentsOf: Array(slice), at: below(input.count + 1))
            default:  // overwrite with an interesting byte string
                let token = Self.interesting[below(Self.interesting.count)]
                let start = below(input.count)
                input.replaceSubrange(start..<min(start + token.count, input.count), with: token)
            }
        }
        if input.count > maxLen { input.removeLast(input.count - maxLen) }
    }
}

/// Writes the input being run to a file and stderr when the process traps, faults or hangs.
///
/// Only async-signal-safe calls run in the handlers; after the report, the previous handler (Swift's
/// backtracer, when enabled) is restored and the faulting instruction re-executes into it.
enum CrashReport {
    nonisolated(unsafe) static var input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)
    nonisolated(unsafe) static var count = 0
    nonisolated(unsafe) static var label = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
    nonisolated(unsafe) static var labelCount = 0
    nonisolated(unsafe) static var armed = false
    nonisolated(unsafe) static var timeout: UInt32 = 0
    nonisolated(unsafe) static var crashPath: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var timeoutPath: UnsafeMutablePointer<CChar>? = nil
    /// Each signal's handler before `install`, indexed by signal number.
    nonisolated(unsafe) static var previous: [sigaction] = Array(repeating: sigaction(), count: 65)
    static let fatalSignals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    static func install(timeout seconds: UInt32) {
        let prefix = ProcessInfo.processInfo.environment["HEARTH_FUZZ_ARTIFACTS"] ?? ""
        crashPath = strdup(prefix + "crash-input")
        timeoutPath = strdup(prefix + "timeout-input")
        timeout = seconds
        for number in fatalSignals + [SIGALRM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in CrashReport.handle(number) }
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            sigaction(number, &action, &old)
            previous[Int(number)] = old
        }
    }

    static func arm(_ bytes: [UInt8], label text: String) {
        if input.count < bytes.count {
            input.deallocate()
            input = .allocate(capacity: max(bytes.count, 2 * input.count))
        }
        _ = input.initialize(fromContentsOf: bytes)
        count = bytes.count
        let utf8 = Array(text.utf8.prefix(label.count))
        _ = label.initialize(fromContentsOf: utf8)
        labelCount = utf8.count
        armed = true
        if timeout > 0 { alarm(timeout) }
    }

    static func disarm() {
        armed = false
        if timeout > 0 { alarm(0) }
    }

    static func handle(_ number: Int32) {
        let hang = number == SIGALRM
        if armed {
            armed = false
            let path = hang ? timeoutPath : crashPath
            say(hang ? "\nfuzz: TIMEOUT (over \(timeout) s) on " : "\nfuzz: CRASH (signal \(number)) on ")
            raw(label.baseAddress!, labelCount)
            say(", \(count) bytes, written to ")
            if let path {
                raw(UnsafeRawPointer(path).assumingMemoryBound(to: UInt8.self), strlen(path))
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd >= 0 {
                    _ = write(fd, input.baseAddress!, count)
                    close(fd)
                }
            }
            say("\nfuzz: input (hex): ")
            let digits: StaticString = "0123456789abcdef"
            var pair: (UInt8, UInt8) = (0, 0)
            for i in 0..<min(count, 512) {
                pair = (digits.utf8Start[Int(input[i] >> 4)], digits.utf8Start[Int(input[i] & 15)])
                withUnsafeBytes(of: &pair) { _ = write(2, $0.baseAddress!, 2) }
            }
            say(count > 512 ? "...\n" : "\n")
        }
        if hang { _exit(70) }
        // Returning re-executes the faulting instruction (abort() raises again) into the previous handler.
        sigaction(number, &previous[Int(number)], nil)
    }

    /// Interpolation allocates, which is not async-signal-safe; it is kept to short strings of integers,
    /// and the input itself, the part that matters, is written without allocating.
    private static func say(_ text: String) {
        var text = text
        text.withUTF8 { raw($0.baseAddress!, $0.count) }
    }

    private static func raw(_ pointer: UnsafePointer<UInt8>, _ count: Int) {
        _ = write(2, pointer, count)
    }
}
#endif
