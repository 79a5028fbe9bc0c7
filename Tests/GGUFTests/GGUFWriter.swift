import Foundation
import GGUF

/// Builds small GGUF files byte by byte, so reader tests can make valid and corrupt files.
struct GGUFWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }

    struct Tensor { var name: String; var dims: [UInt64]; var type: UInt32; var offset: UInt64 }

    /// A whole file: header, metadata written by `kv`, tensor directory, padding, and `dataSize` bytes of data.
    static func file(version: UInt32 = 3, magic: UInt32 = 0x4655_4747, kvCount: UInt64, kv: (inout GGUFWriter) -> Void,
                     tensors: [Tensor], dataSize: Int, alignment: Int = 32) -> [UInt8] {
        var w = GGUFWriter()
        w.u32(magic)
        w.u32(version)
        w.u64(UInt64(tensors.count))
        w.u64(kvCount)
        kv(&w)
        for t in tensors {
            w.string(t.name)
            w.u32(UInt32(t.dims.count))
            t.dims.forEach { w.u64($0) }
            w.u32(t.type)
            w.u64(t.offset)
        }
        while w.bytes.count % alignment != 0 { w.u8(0) }
        w.bytes.append(contentsOf: (0..<dataSize).map { UInt8(truncatingIfNeeded: $0) })
        return w.bytes
    }

    /// A valid file with every metadata type (nested arrays included) and two tensors.
    static func valid(version: UInt32 = 3, padTo alignment: Int = 32, dataSize: Int = 66) -> [UInt8] {
        file(version: version, kvCount: 15, kv: { w in
            w.string("general.architecture"); w.u32(8); w.string("llama")
            w.string("u8"); w.u32(0); w.u8(200)
            w.string("i8"); w.u32(1); w.u8(0xFF)
            w.string("u16"); w.u32(2); w.u8(0x34); w.u8(0x12)
            w.string("i16"); w.u32(3); w.u8(0xFE); w.u8(0xFF)
            w.string("u32"); w.u32(4); w.u32(123_456)
            w.string("i32"); w.u32(5); w.u32(UInt32(bitPattern: -7))
            w.string("f32"); w.u32(6); w.u32(Float(1.5).bitPattern)
            w.string("bool"); w.u32(7); w.u8(1)
            w.string("u64"); w.u32(10); w.u64(1 << 40)
            w.string("i64"); w.u32(11); w.u64(UInt64(bitPattern: -9))
            w.string("f64"); w.u32(12); w.u64(Double(2.25).bitPattern)
            w.string("strings"); w.u32(9); w.u32(8); w.u64(2); w.string("a"); w.string("ü")
            w.string("nested"); w.u32(9); w.u32(9); w.u64(2)
            w.u32(4); w.u64(2); w.u32(1); w.u32(2)
            w.u32(4); w.u64(1); w.u32(3)
            w.string("general.alignment"); w.u32(4); w.u32(32)
        }, tensors: [
            Tensor(name: "a", dims: [4, 2], type: 0, offset: 0),       // f32, 32 bytes
            Tensor(name: "b", dims: [32], type: 8, offset: 32),        // q8_0, one 34-byte block
        ], dataSize: dataSize, alignment: alignment)
    }

    /// Length of `valid()`'s header before padding.
    static var validHeaderLength: Int { valid(padTo: 1, dataSize: 0).count }
}
