/// Jinja2 resolves names statically per frame (jinja2 3.1 `idtracking.py`): a name assigned in a frame is
/// that frame's local for the whole frame. Its starting value is the enclosing frame's variable if one of
/// the enclosing frames mentions the name, the context value if the frame reads it before assigning it
/// (or assigns it inside an `if`), and otherwise Undefined — even when the context has it.
/// The interpreter resolves names dynamically through its scope chain, which agrees with all of this
/// except the last case; this pass finds those names so each frame can bind them to Undefined on entry.
enum ScopeAnalysis {
    private enum Load {
        case parameter, resolve, alias, undefined
    }

    /// A port of jinja2's `Symbols`, keyed by symbol id.
    private final class Symbols {
        let parent: Symbols?
        var loads: [Int: Load] = [:]
        var stores: Set<Int> = []

        init(parent: Symbols?) { self.parent = parent }

        func copy() -> Symbols {
            let s = Symbols(parent: parent)
            s.loads = loads
            s.stores = stores
            return s
        }

        func findRef(_ id: Int) -> Bool { loads[id] != nil || (parent?.findRef(id) ?? false) }

        func store(_ id: Int) {
            stores.insert(id)
            guard loads[id] == nil else { return }
            loads[id] = (parent?.findRef(id) ?? false) ? .alias : .undefined
        }

        func declareParameter(_ id: Int) {
            stores.insert(id)
            loads[id] = .parameter
        }

        func load(_ id: Int) {
            if !findRef(id) { loads[id] = .resolve }
        }

        /// jinja2 3.1.6: every name first assigned inside a branch starts from the enclosing value or the context.
        func branchUpdate(_ branches: [Symbols]) {
            var branchStores: Set<Int> = []
            for branch in branches { branchStores.formUnion(branch.stores) }
            branchStores.subtract(stores)
            for branch in branches {
                loads.merge(branch.loads) { _, new in new }
                stores.formUnion(branch.stores)
            }
            for id in branchStores {
                loads[id] = (parent?.findRef(id) ?? false) ? .alias : .resolve
            }
        }
    }

    /// A child frame met while visiting a frame, analyzed once the enclosing frame is complete.
    private enum ChildFrame {
        case loop(ForNode)
        case macro(MacroDefinition)
        case with([(Target, Expr)], [Statement], FrameInfo)
        case block([Statement], FrameInfo, filters: [FilterCall])
    }

    static func analyze(root: [Statement], frame: FrameInfo) {
        analyzeFrame(root, frame: frame, symbols: Symbols(parent: nil))
    }

    private static func analyzeFrame(_ body: [Statement], frame: FrameInfo, symbols: Symbols,
                                     preVisit: (Visitor) -> Void = { _ in }) {
        let visitor = Visitor(symbols)
        preVisit(visitor)
        visitor.visit(body)
        frame.undefinedOnEntry = symbols.loads.filter { $0.value == .undefined }.map(\.key).sorted()
        for child in visitor.children {
            switch child {
            case .loop(let node):
                analyzeFrame(node.body, frame: node.bodyFrame, symbols: Symbols(parent: symbols)) { v in
                    v.symbols.declareParameter(Symbol.loop.id)
                    v.visit(node.target, parameter: true)
                }
                analyzeFrame(node.elseBody, frame: node.elseFrame, symbols: Symbols(parent: symbols))
            case .macro(let def):
                analyzeFrame(def.body, frame: def.frame, symbols: Symbols(parent: symbols)) { v in
                    for special in [Symbol.caller, Symbol.varargs, Symbol.kwargs] { v.symbols.declareParameter(special.id) }
                    for (param, _) in def.parameters { v.symbols.declareParameter(param.id) }
                    for (_, dflt) in def.parameters { dflt.map(v.visit) }
                }
            case .with(let assignments, let body, let info):
                analyzeFrame(body, frame: info, symbols: Symbols(parent: symbols)) { v in
                    for (target, _) in assignments { v.visit(target, parameter: true) }
                }
            case .block(let body, let info, let filters):
                analyzeFrame(body, frame: info, symbols: Symbols(parent: symbols)) { v in
                    for f in filters { f.args.forEach(v.visit) }
                }
            }
        }
    }

    /// jinja2's FrameSymbolVisitor: what a frame's own statements load and store.
    private final class Visitor {
        var symbols: Symbols
        var children: [ChildFrame] = []

        init(_ symbols: Symbols) { self.symbols = symbols }

        func visit(_ body: [Statement]) {
            for statement in body { visit(statement) }
        }

        func visit(_ statement: Statement) {
            switch statement.kind {
            case .text, .breakLoop, .continueLoop: break
            case .output(let e): visit(e)
            case .print(let exprs): exprs.forEach(visit)
            case .ifBlock(let branches, let otherwise): visitIf(branches[...], otherwise)
            case .forBlock(let node):
                visit(node.iterable)
                children.append(.loop(node))
            case .set(let target, let e):
                visit(e)
                visit(target, parameter: false)
            case .setBlock(let target, let filters, let body, let frame):
                visit(target, parameter: false)
                children.append(.block(body, frame, filters: filters))
            case .macro(let def):
                symbols.store(def.name.id)
                children.append(.macro(def))
            case .callBlock(let call, let caller):
                visit(call)
                children.append(.macro(caller))
            case .filterBlock(let filters, let body, let frame):
                for f in filters { f.args.forEach(visit) }
                children.append(.block(body, frame, filters: filters))
            case .with(let assignments, let body, let frame):
                for (_, e) in assignments { visit(e) }
                children.append(.with(assignments, body, frame))
            case .scope(let body, let frame):
                children.append(.block(body, frame, filters: []))
            }
        }

        /// jinja2's visit_If: the test, then body / elif chain / else as three branches.
        private func visitIf(_ branches: ArraySlice<(Expr, [Statement])>, _ otherwise: [Statement]) {
            guard let (test, body) = branches.first else { return visit(otherwise) }
            visit(test)
            let original = symbols
            func branch(_ work: () -> Void) -> Symbols {
                symbols = original.copy()
                work()
                defer { symbols = original }
                return symbols
            }
            // An elif is an If node inside the elif branch, with its own (empty) elif and else.
            let bodySymbols = branch { visit(body) }
            let elifSymbols = branch {
                for (elifTest, elifBody) in branches.dropFirst() { visitIf([(elifTest, elifBody)][...], []) }
            }
            let elseSymbols = branch { visit(otherwise) }
            symbols.branchUpdate([bodySymbols, elifSymbols, elseSymbols])
        }

        func visit(_ target: Target, parameter: Bool) {
            switch target {
            case .name(let s): parameter ? symbols.declareParameter(s.id) : symbols.store(s.id)
            case .attribute(let ns, _): symbols.load(ns.id)
            case .tuple(let items): for t in items { visit(t, parameter: parameter) }
            }
        }

        func visit(_ e: Expr) {
            if case .name(let s) = e.kind { symbols.load(s.id) }
            e.kind.forEachChild(visit)
        }
    }
}
