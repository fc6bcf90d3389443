/// How a state `(s, v)` is packed into machine words: the control state and
/// every variable slot get a bit field just wide enough for their domain
/// (an int range stores `value - lo`, an enum its position, an unbounded
/// int a whole word). A field never straddles two words.
///
/// A value that has no code (outside its range or enum) cannot be stored:
/// that is exactly the range property's violation.
public struct StateLayout: Sendable {
    struct Field: Sendable {
        var word: Int
        var shift: UInt64
        var mask: UInt64
        var lo: Int64
        /// Largest code (`hi - lo` for ranges, count - 1 for enums).
        var width: UInt64
        /// For enums: symbol id → code (-1 when not a value).
        var table: [Int32]?
        /// For enums: code → symbol id.
        var symbols: [Int64]?
        var full: Bool
    }

    var fields: [Field]
    public let words: Int

    public init(model: TypedModel) {
        var specs: [(bits: Int, field: Field)] = []
        func bits(_ width: UInt64) -> Int { width == 0 ? 0 : 64 - width.leadingZeroBitCount }
        let controlWidth = UInt64(max(model.states.count - 1, 0))
        specs.append((bits(controlWidth), Field(word: 0, shift: 0, mask: 0, lo: 0, width: controlWidth, table: nil, symbols: nil, full: false)))
        for v in model.variables {
            for _ in 0..<v.slotCount {
                var f = Field(word: 0, shift: 0, mask: 0, lo: 0, width: 0, table: nil, symbols: nil, full: false)
                switch v.domain {
                case .bool:
                    f.width = 1
                case .int(let r?):
                    let (w, o) = r.upperBound.subtractingReportingOverflow(r.lowerBound)
                    if o { f.full = true } else { f.lo = r.lowerBound; f.width = UInt64(w) }
                case .int(nil):
                    f.full = true
                case .enumeration(let e):
                    let values = model.enums[e].values
                    var table = [Int32](repeating: -1, count: model.symbols.names.count)
                    for (i, s) in values.enumerated() { table[Int(s)] = Int32(i) }
                    f.table = table
                    f.symbols = values.map { Int64($0) }
                    f.width = UInt64(max(values.count - 1, 0))
                }
                specs.append((f.full ? 64 : bits(f.width), f))
            }
        }
        var word = 0, used = 0
        fields = []
        for (b, var f) in specs {
            if used + b > 64 { word += 1; used = 0 }
            f.word = word
            f.shift = UInt64(used)
            f.mask = b == 64 ? ~0 : (UInt64(1) << UInt64(b)) - 1
            used += b
            fields.append(f)
        }
        words = word + 1
    }

    /// The bits the first word uses (at least 1).
    var bitsInFirstWord: Int {
        fields.filter { $0.word == 0 }.map { Int($0.shift) + $0.mask.nonzeroBitCount }.max().map { max(1, $0) } ?? 1
    }

    /// The code of `value` in field `i` (0 = control, slot + 1 = variable),
    /// or nil when the value is outside the field's domain.
    @inline(__always) func code(_ i: Int, _ value: Int64) -> UInt64? {
        let f = fields[i]
        if f.full { return UInt64(bitPattern: value) }
        if let t = f.table {
            guard value >= 0 && value < Int64(t.count) else { return nil }
            let c = t[Int(value)]
            return c < 0 ? nil : UInt64(c)
        }
        let (d, o) = value.subtractingReportingOverflow(f.lo)
        guard !o, d >= 0, UInt64(d) <= f.width else { return nil }
        return UInt64(d)
    }

    @inline(__always) func value(_ i: Int, _ code: UInt64) -> Int64 {
        let f = fields[i]
        if f.full { return Int64(bitPattern: code) }
        if let s = f.symbols { return s[Int(code)] }
        return f.lo &+ Int64(code)
    }

    @inline(__always) func set(_ i: Int, code: UInt64, in p: UnsafeMutablePointer<UInt64>) {
        let f = fields[i]
        p[f.word] = (p[f.word] & ~(f.mask << f.shift)) | (code << f.shift)
    }

    @inline(__always) func get(_ i: Int, in p: UnsafePointer<UInt64>) -> UInt64 {
        let f = fields[i]
        return (p[f.word] >> f.shift) & f.mask
    }

    /// Packs `vars` (control first); false when some value has no code.
    func pack(_ vars: UnsafePointer<Int64>, into p: UnsafeMutablePointer<UInt64>) -> Bool {
        for w in 0..<words { p[w] = 0 }
        for i in fields.indices {
            guard let c = code(i, vars[i]) else { return false }
            set(i, code: c, in: p)
        }
        return true
    }

    func unpack(_ p: UnsafePointer<UInt64>, into vars: UnsafeMutablePointer<Int64>) {
        for i in fields.indices { vars[i] = value(i, get(i, in: p)) }
    }

}
