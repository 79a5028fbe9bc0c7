import Foundation
import GGUF

/// Builds GGUF files byte by byte: small valid and corrupt files for the reader tests, and whole model files
/// (typed metadata, tensor directory, aligned tensor data) for `TinyModel`.
public struct GGUFWriter {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }

    /// A tensor directory entry as written, offsets and type ids raw so tests can make them wrong.
    public struct Tensor {
        public var name: String
        public var dims: [UInt64]
        public var type: UInt32
        public var offset: UInt64

        public init(name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
            self.name = name
            self.dims = dims
            self.type = type
            self.offset = offset
        }
    }

    /// A whole file: header, metadata written by `kv`, tensor directory, padding, and `dataSize` bytes of data.
    public static func file(version: UInt32 = 3, magic: UInt32 = 0x4655_4747, kvCount: UInt64, kv: (inout GGUFWriter) -> Void,
                            tensors: [Tensor], dataSize: Int, alignment: Int = 32) -> [UInt8] {
        file(version: version, magic: magic, kvCount: kvCount, kv: kv, tensors: tensors, alignment: alignment,
             data: (0..<dataSize).map { UInt8(truncatingIfNeeded: $0) })
    }

    /// A whole file whose data section (after the padding) is `data`.
    static func file(version: UInt32 = 3, magic: UInt32 = 0x4655_4747, kvCount: UInt64, kv: (inout GGUFWriter) -> Void,
                     tensors: [Tensor], alignment: Int, data: [UInt8]) -> [UInt8] {
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
        w.bytes.append(contentsOf: data)
        return w.bytes
    }

    /// A valid file with every metadata type (nested arrays included) and two tensors.
    public static func valid(version: UInt32 = 3, padTo alignment: Int = 32, dataSize: Int = 66) -> [UInt8] {
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
    public static var validHeaderLength: Int { valid(padTo: 1, dataSize: 0).count }

    // MARK: Whole models

    /// One tensor of a model file: its GGUF dims (innermost first), type and raw block data.
    public struct TensorData {
        public var name: String
        public var dims: [Int]
        public var type: GGMLType
        public var data: [UInt8]

        public init(name: String, dims: [Int], type: GGMLType, data: [UInt8]) {
            self.name = name
            self.dims = dims
            self.type = type
            self.data = data
        }
    }

    /// Why `model(metadata:tensors:)` refused its input.
    public struct InvalidModel: Error, CustomStringConvertible {
        public let description: String
    }

    /// A GGUF v3 model file: `metadata` in order (with `general.alignment` added), then the tensors, each placed at
    /// the next `alignment`-byte offset of the data section. Throws when a tensor's data does not match its dims
    /// and type, or a metadata array mixes element types.
    public static func model(metadata: [(String, GGUFValue)], tensors: [TensorData], alignment: Int = 32) throws -> [UInt8] {
        var entries: [Tensor] = []
        var data: [UInt8] = []
        for t in tensors {
            let count = t.dims.reduce(1, *)
            guard t.type.byteCount(elements: count) == t.data.count else {
                throw InvalidModel(description: "tensor \(t.name): \(t.data.count) bytes for \(t.dims) of \(t.type.name)")
            }
            while data.count % alignment != 0 { data.append(0) }
            entries.append(Tensor(name: t.name, dims: t.dims.map { UInt64($0) }, type: t.type.rawValue, offset: UInt64(data.count)))
            data.append(contentsOf: t.data)
        }
        let all = metadata + [("general.alignment", GGUFValue.uint32(UInt32(alignment)))]
        var failure: InvalidModel?
        let bytes = file(kvCount: UInt64(all.count), kv: { w in
            for (key, value) in all {
                w.string(key)
                do { try w.value(value) } catch { failure = InvalidModel(description: "metadata \(key): \(error)") }
            }
        }, tensors: entries, alignment: alignment, data: data)
        if let failure { throw failure }
        return bytes
    }

    /// Writes a metadata value: its type id, then its payload.
    public mutating func value(_ v: GGUFValue) throws {
        u32(try Self.typeID(v))
        try payload(v)
    }

    /// GGUF value type ids (gguf.h `gguf_type`).
    static func typeID(_ v: GGUFValue) throws -> UInt32 {
        switch v {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    private mutating func payload(_ v: GGUFValue) throws {
        switch v {
        case .uint8(let x): u8(x)
        case .int8(let x): u8(UInt8(bitPattern: x))
        case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
        case .int16(let x): withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
        case .uint32(let x): u32(x)
        case .int32(let x): u32(UInt32(bitPattern: x))
        case .float32(let x): u32(x.bitPattern)
        case .bool(let x): u8(x ? 1 : 0)
        case .string(let s): string(s)
        case .uint64(let x): u64(x)
        case .int64(let x): u64(UInt64(bitPattern: x))
        case .float64(let x): u64(x.bitPattern)
        case .array(let items):
            // Arrays are homogeneous; an empty one is written as an empty array of u8.
            let element = try items.first.map(Self.typeID) ?? 0
            u32(element)
            u64(UInt64(items.count))
            for item in items {
                guard try Self.typeID(item) == element else { throw InvalidModel(description: "mixed array element types") }
                try payload(item)
            }
        }
    }
}
