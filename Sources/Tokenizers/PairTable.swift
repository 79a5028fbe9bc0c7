/// An open-addressing hash map from a pair of symbol ids to a packed merge (rank, result id).
///
/// BPE looks up every adjacent pair of every word, so this avoids `Dictionary`'s SipHash and
/// boxing; it is built once and read-only afterwards.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private(set) var count = 0

    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int {
        // Fibonacci hashing spreads the two packed ids over the table.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Inserts unless the key is present (llama.cpp keeps the first rank of a repeated merge).
    mutating func insertIfAbsent(_ key: UInt64, _ value: UInt64) {
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return }
            if k == Self.empty {
                keys[i] = key
                values[i] = value
                count += 1
                return
            }
            i = (i + 1) & mask
        }
    }

    @inline(__always) func find(_ key: UInt64) -> UInt64? {
        keys.withUnsafeBufferPointer { ks in
            var i = slot(key)
            while true {
                let k = ks[i]
                if k == key { return values[i] }
                if k == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }
}
