/// Bounds-checked little-endian reads over the mapped header; every read throws `.truncated` past the end.
struct ByteCursor {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    var offset = 0

    func fail(_ p: GGUFError.Problem) -> GGUFError { GGUFError(path: path, problem: p) }

    mutating func need(_ n: Int) throws {
        guard n >= 0, n <= size - offset else { throw fail(.truncated(offset: offset, needed: n)) }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        try need(MemoryLayout<T>.size)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    mutating func readString() throws -> String {
        let start = offset
        let n = try read(UInt64.self)
        guard n <= UInt64(size - offset) else { throw fail(.truncated(offset: offset, needed: Int(clamping: n))) }
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: Int(n))
        offset += Int(n)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail(.badString(offset: start)) }
        return s
    }

    mutating func skipString() throws {
        let n = try read(UInt64.self)
        guard n <= UInt64(size - offset) else { throw fail(.truncated(offset: offset, needed: Int(clamping: n))) }
        offset += Int(n)
    }
}
