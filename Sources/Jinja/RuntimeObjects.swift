import Foundation

/// The mutable object made by `namespace(...)`; `{% set ns.attr = v %}` writes to it.
public final class Namespace: @unchecked Sendable {
    // @unchecked: all access goes through `lock`.
    private let lock = NSLock()
    private var storage: OrderedDict

    init(_ attributes: OrderedDict) { storage = attributes }

    /// The attribute named `name`, if set.
    public func get(_ name: String) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return storage[name]
    }

    func set(_ name: String, _ value: Value) {
        lock.lock()
        defer { lock.unlock() }
        storage[name] = value
    }

    /// A copy of the attributes, in assignment order.
    public var attributes: OrderedDict {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    /// Drops all attributes, breaking reference cycles a template may have built (`ns.me = ns`).
    func clear() {
        lock.lock()
        let old = storage
        storage = OrderedDict()
        lock.unlock()
        _ = old
    }
}

/// A variable frame keyed by symbol id; `for`, macros, `with` and call blocks open a child frame.
final class Scope {
    let parent: Scope?
    // Frames hold few names, so a linear scan beats hashing; a large frame gets an index.
    private var ids: [Int] = []
    private var values: [Value] = []
    private var index: [Int: Int]?

    init(parent: Scope?) {
        self.parent = parent
    }

    private func position(_ id: Int) -> Int? {
        if let index { return index[id] }
        for i in ids.indices where ids[i] == id { return i }
        return nil
    }

    func get(_ id: Int) -> Value? {
        position(id).map { values[$0] }
    }

    func set(_ id: Int, _ value: Value) {
        if let i = position(id) {
            values[i] = value
            return
        }
        ids.append(id)
        values.append(value)
        if index != nil {
            index?[id] = ids.count - 1
        } else if ids.count > 24 {
            index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        }
    }

    func lookup(_ id: Int) -> Value? {
        var s: Scope? = self
        while let cur = s {
            if let v = cur.get(id) { return v }
            s = cur.parent
        }
        return nil
    }

    func removeAll() {
        ids.removeAll()
        values.removeAll()
        index = nil
    }
}

/// Something a template can call: a macro, a `caller`, a builtin function or a bound method.
public final class Callable: @unchecked Sendable {
    // @unchecked: the captured Scope is only touched by the single render that created it.
    enum Kind {
        case macro(MacroDefinition)
        case caller(MacroDefinition)
        case builtin(Builtin)
        case method(receiver: Value, name: String)
    }

    let kind: Kind
    /// The frame a macro or caller was defined in. A macro stored in its own frame forms a cycle, which
    /// the interpreter breaks when the render ends (weak references would slow all refcounting of the frame).
    let closure: Scope?

    init(_ kind: Kind, closure: Scope? = nil) {
        self.kind = kind
        self.closure = closure
    }

    /// The name Python would show for it.
    public var name: String {
        switch kind {
        case .macro(let def), .caller(let def): return def.name.name
        case .builtin(let b): return b.rawValue
        case .method(_, let name): return name
        }
    }
}

/// A one-shot iterator: always truthy, without length or indexing, and exhausted once iterated,
/// as the Python generators and iterators that jinja2 filters return.
public final class ValueIterator: @unchecked Sendable {
    // @unchecked: advanced only by the render that created it.
    let items: [Value]
    private var position = 0
    /// The Python type name (`generator`, `list_reverseiterator`, ...).
    let typeName: String
    /// The generator function's name, shown by repr.
    let function: String

    init(_ items: [Value], typeName: String = "generator", function: String) {
        self.items = items
        self.typeName = typeName
        self.function = function
    }

    var remaining: Int { items.count - position }

    func next() -> Value? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }

    /// The items not yet consumed; the iterator is exhausted afterwards.
    func drain() -> [Value] {
        defer { position = items.count }
        return position == 0 ? items : Array(items[position...])
    }
}

/// The `loop` variable of a `for` block.
public final class LoopContext: @unchecked Sendable {
    // @unchecked: mutated only by the render that owns the loop, as Jinja2's LoopContext is.
    let items: [Value]
    var index0 = 0
    let depth0: Int
    var lastChanged: [Value]?
    let node: ForNode?
    /// The frame a recursive loop runs in (nil for ordinary loops), for `loop(...)` calls.
    let scope: Scope?

    init(items: [Value], depth0: Int, node: ForNode?, scope: Scope?) {
        self.items = items
        self.depth0 = depth0
        self.node = node
        self.scope = scope
    }

    var length: Int { items.count }

    func attribute(_ name: String) -> Value? {
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(length - index0)
        case "revindex0": return .int(length - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == length - 1)
        case "length": return .int(length)
        case "depth": return .int(depth0 + 1)
        case "depth0": return .int(depth0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined
        case "nextitem": return index0 + 1 < length ? items[index0 + 1] : .undefined
        case "cycle", "changed": return .callable(Callable(.method(receiver: .loop(self), name: name)))
        default: return nil
        }
    }
}
