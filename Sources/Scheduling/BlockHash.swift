/// Hashes one full KV block from its parent block's hash and its token ids (the prefix-cache key).
///
/// Any function will do for correctness: the cache stores each block's tokens and its parent block
/// and compares both on lookup, so a collision only costs a failed comparison, never wrong K/V.
public typealias BlockHashFunction = @Sendable (_ parent: UInt64, _ tokens: ArraySlice<Int32>) -> UInt64

/// The default block hash: xxHash64-style rounds over the parent hash and the token ids.
public enum BlockHash {
    /// The parent hash of a sequence's first block.
    public static let root: UInt64 = 0x243F_6A88_85A3_08D3

    /// The default hash function.
    public static let standard: BlockHashFunction = { parent, tokens in hash(parent: parent, tokens: tokens) }

    // xxHash64 primes.
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// Hash of `tokens` chained onto `parent`.
    public static func hash(parent: UInt64, tokens: ArraySlice<Int32>) -> UInt64 {
        var acc = parent &+ p5 &+ UInt64(tokens.count)
        var i = tokens.startIndex
        // Two tokens per 64-bit lane, one xxHash64 round per lane.
        while i + 1 < tokens.endIndex {
            let lane = UInt64(UInt32(bitPattern: tokens[i])) | UInt64(UInt32(bitPattern: tokens[i + 1])) << 32
            acc = round(acc, lane)
            i += 2
        }
        if i < tokens.endIndex {
            acc = round(acc, UInt64(UInt32(bitPattern: tokens[i])) &* p3)
        }
        return avalanche(acc)
    }

    @inline(__always) private static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        ((acc &+ lane &* p2).rotatedLeft(31)) &* p1
    }

    @inline(__always) private static func avalanche(_ h0: UInt64) -> UInt64 {
        var h = h0
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
