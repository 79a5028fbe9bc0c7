import CKernels
import GGUF
#if canImport(Glibc)
import Glibc
#endif

/// A weight matrix `(rows, cols)`, used as `y = x · Wᵀ`, kept in its GGUF block types and repacked into 16-row
/// panels (layout and arithmetic in CKernels' quant.h). Its rows may come from several tensors stacked in order
/// (q, k, v; gate, up), each a segment with its own type; no f32 copy of it exists.
public final class PackedMatrix: @unchecked Sendable {
    // Each segment is written during loading by the one job that packs it, and is read-only afterwards.

    /// Rows `rowOffset..<rowOffset + rows` of the matrix, from one tensor of one type.
    public struct Segment: @unchecked Sendable {
        // `data` points into the owning matrix's storage (see above).
        public let type: GGMLType
        public let rowOffset: Int
        public let rows: Int
        public let panelBytes: Int
        let data: UnsafeMutableRawPointer
        public var panels: Int { (rows + Int(HK_PANEL_ROWS) - 1) / Int(HK_PANEL_ROWS) }
        public var byteCount: Int { panels * panelBytes }
    }

    public let rows: Int
    public let cols: Int
    public let segments: [Segment]
    /// Bytes of packed weights held.
    public let byteCount: Int
    /// Panels of all segments.
    public let panels: Int
    /// Holds the memory the segments point into.
    private let arena: WeightArena

    /// Bytes a matrix of these parts takes, or nil when a type cannot be packed or `cols` does not fit its blocks.
    public static func bytes(cols: Int, parts: [(type: GGMLType, rows: Int)]) -> Int? {
        var total = 0
        for p in parts {
            guard hk_qsupported(Int32(p.type.rawValue)) != 0, cols % hk_qblock(Int32(p.type.rawValue)) == 0 else { return nil }
            total += (p.rows + Int(HK_PANEL_ROWS) - 1) / Int(HK_PANEL_ROWS) * hk_qpanel_bytes(Int32(p.type.rawValue), cols)
        }
        return (total + 63) / 64 * 64 // as the arena places it
    }

    /// Places (without filling) a matrix of `parts` stacked in order in `arena`.
    init(cols: Int, parts: [(type: GGMLType, rows: Int)], name: String, arena: WeightArena) throws(ModelError) {
        guard let total = Self.bytes(cols: cols, parts: parts) else {
            throw .unsupportedTensorType(name: name, type: parts.map(\.type.name).joined(separator: "+"))
        }
        let base = arena.allocate(total)
        self.arena = arena
        var segs: [Segment] = [], offset = 0, row = 0
        for p in parts {
            let s = Segment(type: p.type, rowOffset: row, rows: p.rows, panelBytes: hk_qpanel_bytes(Int32(p.type.rawValue), cols),
                            data: base + offset)
            segs.append(s)
            offset += s.byteCount
            row += p.rows
        }
        segments = segs
        rows = row
        self.cols = cols
        byteCount = total
        panels = segs.reduce(0) { $0 + $1.panels }
    }

    /// Repacks segment `index` from its GGUF tensor data, `(rows, cols)` in blocks of its type.
    func pack(segment index: Int, from src: UnsafeRawPointer, tensorName: String) throws(ModelError) {
        let s = segments[index]
        guard hk_qpack(Int32(s.type.rawValue), src, s.rows, cols, 0, s.rows, s.data) == 0 else {
            throw .inconsistent("tensor '\(tensorName)' has a scale or value that is not finite")
        }
    }

    /// Writes row `row` (a one-segment matrix's) as f32 into dst: (cols), by the kernels' own formula.
    @inline(__always)
    func dequantizeRow(_ row: Int, into dst: UnsafeMutablePointer<Float>) {
        let s = segments[0]
        hk_qrow(Int32(s.type.rawValue), s.data, cols, row, dst)
    }

    /// y: (rows, self.rows) (+)= x: (rows, cols) · Wᵀ over the panels `range` of all segments (numbered in order).
    /// scratch: `hk_qscratch_floats(cols)` floats, owned by the calling thread.
    func multiply(_ x: UnsafePointer<Float>, rows m: Int, panels range: Range<Int>, into y: UnsafeMutablePointer<Float>,
                  accumulate: Bool, isa: KernelISA, scratch: UnsafeMutablePointer<Float>) {
        var first = 0
        for s in segments {
            let lo = max(range.lowerBound, first), hi = min(range.upperBound, first + s.panels)
            if lo < hi {
                hk_qgemm(isa.rawValue, Int32(s.type.rawValue), s.data, cols, s.rows, lo - first, hi - first, x, cols, m,
                         y + s.rowOffset, rows, accumulate ? 1 : 0, scratch)
            }
            first += s.panels
        }
    }
}

/// The instruction set the matrix kernels use; every choice gives the same bits (quant.h).
public enum KernelISA: Int32, Sendable, CaseIterable {
    case scalar = 0, avx2 = 1, avx512 = 2

    /// The best this CPU has.
    public static let best = KernelISA(rawValue: hk_qisa_best()) ?? .avx2

    /// `HEARTH_KERNELS` (scalar, avx2, avx512) when set to one this CPU runs, else the best. Reading it also applies
    /// `HEARTH_FUSED_ROWS` (a benchmark knob: the most rows that take the few-rows kernel path).
    public static let selected: KernelISA = {
        if let v = getenv("HEARTH_FUSED_ROWS").flatMap({ Int32(String(cString: $0)) }) { hk_qset_fused_rows(v) }
        guard let v = getenv("HEARTH_KERNELS").map({ String(cString: $0) }),
              let isa = allCases.first(where: { $0.name == v }), isa.rawValue <= best.rawValue else { return best }
        return isa
    }()

    public var name: String {
        switch self {
        case .scalar: "scalar"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }
}
