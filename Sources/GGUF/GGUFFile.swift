import Glibc

/// One tensor's entry in the GGUF directory: name, shape (ggml order: `dims[0]` is the row length), type and data.
public struct GGUFTensor: Sendable {
    public let name: String
    /// ggml order: `dims[0]` is the fastest-varying (row length), `dims[1]` the number of rows …
    public let dims: [Int]
    public let type: GGMLType
    /// Byte offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    /// Number of elements.
    public var elementCount: Int { dims.reduce(1, *) }
    /// Number of rows (product of the other dims).
    public var rowCount: Int { elementCount / dims[0] }
}

/// A memory-mapped GGUF file (versions 2 and 3): metadata, tensor directory, and tensor bytes.
public final class GGUFFile: @unchecked Sendable {
    // Immutable after init; the mapping lives until deinit, so sharing across threads is read-only.
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let tensors: [GGUFTensor]
    public let alignment: Int
    public let fileSize: Int
    private let tensorIndex: [String: Int]
    private let mapping: UnsafeMutableRawPointer
    private let mappedSize: Int

    /// Maximum nesting of metadata arrays; real files use 1.
    static let maxArrayDepth = 8

    /// Maps and parses the file at `path`, throwing a `GGUFError` that names the file and problem.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError(path: path, problem: .cannotOpen(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError(path: path, problem: .cannotOpen(errno: errno)) }
        let size = Int(st.st_size)
        guard size > 0 else { throw GGUFError(path: path, problem: .truncated(offset: 0, needed: 4)) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(path: path, problem: .cannotOpen(errno: errno))
        }
        mapping = p
        mappedSize = size
        fileSize = size
        do {
            let parsed = try Self.parse(UnsafeRawPointer(p), size: size, path: path)
            version = parsed.version
            metadata = parsed.metadata
            metadataKeys = parsed.keys
            tensors = parsed.tensors
            alignment = parsed.alignment
            tensorIndex = Dictionary(uniqueKeysWithValues: parsed.tensors.enumerated().map { ($1.name, $0) })
        } catch {
            munmap(p, size)
            throw error
        }
    }

    deinit { munmap(mapping, mappedSize) }

    /// The tensor named `name`, if present.
    public func tensor(named name: String) -> GGUFTensor? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of `tensor`, valid as long as this file object lives.
    public func data(of tensor: GGUFTensor) -> UnsafeRawPointer {
        UnsafeRawPointer(mapping) + tensor.fileOffset
    }

    /// Drops this process's resident pages of `tensor`'s data (the whole pages inside it; a later read faults them
    /// in again from the file), for when its weights have been copied out.
    public func release(_ tensor: GGUFTensor) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (tensor.fileOffset + page - 1) / page * page, end = (tensor.fileOffset + tensor.byteCount) / page * page
        if end > start { _ = madvise(mapping + start, end - start, MADV_DONTNEED) }
    }

    // MARK: - Parsing

    private struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var keys: [String]
        var tensors: [GGUFTensor]
        var alignment: Int
    }

    private static func parse(_ base: UnsafeRawPointer, size: Int, path: String) throws -> Parsed {
        var c = ByteCursor(base: base, size: size, path: path)
        let magic = try c.read(UInt32.self)
        guard magic == 0x4655_4747 else { throw c.fail(.badMagic(magic)) } // "GGUF" little-endian
        let version = try c.read(UInt32.self)
        guard version == 2 || version == 3 else { throw c.fail(.unsupportedVersion(version)) }
        let tensorCount = try c.read(UInt64.self)
        let kvCount = try c.read(UInt64.self)
        // Each KV takes at least 12 bytes and each tensor entry at least 24: reject absurd counts before looping.
        guard kvCount <= UInt64(size / 12) else { throw c.fail(.truncated(offset: c.offset, needed: Int(clamping: kvCount) &* 12)) }
        guard tensorCount <= UInt64(size / 24) else { throw c.fail(.truncated(offset: c.offset, needed: Int(clamping: tensorCount) &* 24)) }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for _ in 0..<kvCount {
            let key = try c.readString()
            let tag = try c.read(UInt32.self)
            let value = try readValue(&c, tag: tag, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else { throw c.fail(.duplicateKey(key)) }
            keys.append(key)
        }

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0 else {
                throw c.fail(.badAlignment(UInt64(clamping: a.int ?? 0)))
            }
            alignment = v
        }

        struct Entry { var name: String; var dims: [Int]; var type: GGMLType; var offset: UInt64; var bytes: Int }
        var entries: [Entry] = []
        var names = Set<String>()
        for _ in 0..<tensorCount {
            let name = try c.readString()
            guard names.insert(name).inserted else { throw c.fail(.duplicateTensor(name)) }
            let nDims = try c.read(UInt32.self)
            guard nDims >= 1, nDims <= 4 else { throw c.fail(.tooManyDimensions(tensor: name, dims: nDims)) }
            var dims: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try c.read(UInt64.self)
                guard d > 0, d <= UInt64(Int.max) else { throw c.fail(.badShape(tensor: name)) }
                let (m, o) = elements.multipliedReportingOverflow(by: Int(d))
                guard !o else { throw c.fail(.badShape(tensor: name)) }
                elements = m
                dims.append(Int(d))
            }
            let typeID = try c.read(UInt32.self)
            guard let type = GGMLType(rawValue: typeID) else { throw c.fail(.unknownTensorType(tensor: name, type: typeID)) }
            // Blocks never straddle rows, so the row length must be a whole number of blocks.
            guard dims[0] % type.blockLayout.elements == 0, let bytes = type.byteCount(elements: elements) else {
                throw c.fail(.badShape(tensor: name))
            }
            let offset = try c.read(UInt64.self)
            guard offset % UInt64(alignment) == 0 else { throw c.fail(.misalignedTensor(tensor: name, offset: offset)) }
            entries.append(Entry(name: name, dims: dims, type: type, offset: offset, bytes: bytes))
        }

        let dataStart = (c.offset + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensor] = []
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let (start, o1) = UInt64(dataStart).addingReportingOverflow(e.offset)
            let (end, o2) = start.addingReportingOverflow(UInt64(e.bytes))
            guard !o1, !o2, end <= UInt64(size) else {
                throw c.fail(.dataPastEnd(tensor: e.name, end: o1 || o2 ? .max : end, fileSize: size))
            }
            tensors.append(GGUFTensor(name: e.name, dims: e.dims, type: e.type, fileOffset: Int(start), byteCount: e.bytes))
        }
        return Parsed(version: version, metadata: metadata, keys: keys, tensors: tensors, alignment: alignment)
    }

    private static func readValue(_ c: inout ByteCursor, tag: UInt32, key: String, depth: Int) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: tag) else { throw c.fail(.unknownValueType(tag, key: key)) }
        switch type {
        case .uint8: return .uint8(try c.read(UInt8.self))
        case .int8: return .int8(try c.read(Int8.self))
        case .uint16: return .uint16(try c.read(UInt16.self))
        case .int16: return .int16(try c.read(Int16.self))
        case .uint32: return .uint32(try c.read(UInt32.self))
        case .int32: return .int32(try c.read(Int32.self))
        case .uint64: return .uint64(try c.read(UInt64.self))
        case .int64: return .int64(try c.read(Int64.self))
        case .float32: return .float32(try c.readFloat())
        case .float64: return .float64(try c.readDouble())
        case .bool:
            let b = try c.read(UInt8.self)
            return .bool(b != 0)
        case .string: return .string(try c.readString())
        case .array:
            guard depth < maxArrayDepth else { throw c.fail(.arrayTooDeep(key: key)) }
            let elemTag = try c.read(UInt32.self)
            let count = try c.read(UInt64.self)
            // Every element takes at least one byte, so a count beyond the remaining bytes is corrupt.
            guard count <= UInt64(c.size - c.offset) else { throw c.fail(.truncated(offset: c.offset, needed: Int(clamping: count))) }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count {
                items.append(try readValue(&c, tag: elemTag, key: key, depth: depth + 1))
            }
            return .array(items)
        }
    }
}

extension GGUFFile {
    /// The string value of a metadata key, if present and a string.
    public func string(_ key: String) -> String? { metadata[key]?.string }
    /// The integer value of a metadata key, if present and an integer.
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    /// The floating value of a metadata key, if present and numeric.
    public func double(_ key: String) -> Double? { metadata[key]?.double }
}
