import Foundation
import Yams

/// Reads the YAML config file into settings, checking every key and value against `ServeConfig.keys`.
enum ConfigFile {
    /// Parses `yaml`; `source` names the file in errors and relative paths resolve against `baseDirectory`.
    static func settings(yaml: String, source: String, baseDirectory: String) throws(ConfigError) -> [String: Setting] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, keyPath: "config", message: syntaxMessage(error))
        }
        guard let root, !isNull(root) else { return [:] }
        guard case .mapping(let sections) = root else {
            throw ConfigError(source: source, keyPath: "config", message: "expected a mapping of sections ("
                + ServeConfig.sections.joined(separator: ", ") + "), got \(describe(root))")
        }
        var result: [String: Setting] = [:]
        for (sectionNode, body) in sections {
            let section = name(of: sectionNode)
            guard ServeConfig.sections.contains(section) else {
                throw ConfigError(source: source, keyPath: section, message: unknownKeyMessage(section, node: sectionNode))
            }
            if isNull(body) { continue }  // "server:" with nothing under it
            guard case .mapping(let entries) = body else {
                throw ConfigError(source: source, keyPath: section,
                                  message: "expected a mapping of settings, got \(describe(body))" + at(body))
            }
            for (keyNode, valueNode) in entries {
                let path = section + "." + name(of: keyNode)
                guard let key = ServeConfig.key(at: path) else {
                    throw ConfigError(source: source, keyPath: path, message: unknownKeyMessage(path, node: keyNode))
                }
                // An explicit null (`id: ~` or `id:`) reads as "not set here", like leaving the line out.
                if isNull(valueNode) { continue }
                do throws(InvalidValue) {
                    result[path] = Setting(value: try value(of: valueNode, kind: key.kind, base: baseDirectory), source: source)
                } catch {
                    throw ConfigError(source: source, keyPath: path, message: error.message + at(valueNode))
                }
            }
        }
        return result
    }

    /// A scalar is read by its text, exactly like an environment variable or flag, so `port: "8080"` equals
    /// `port: 8080`; only list keys take sequences, and no key takes a mapping.
    private static func value(of node: Node, kind: ConfigKey.Kind, base: String) throws(InvalidValue) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            return try kind.parse(scalar.string, relativeTo: base)
        case .sequence(let sequence) where kind == .list:
            var entries: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item, !isNull(item) else {
                    throw InvalidValue(message: "expected a list of strings, got \(describe(item)) in the list")
                }
                entries.append(scalar.string)
            }
            return try kind.parseList(entries)
        default:
            throw InvalidValue(message: "expected \(kind.expectation), got \(describe(node))")
        }
    }

    /// Yams' error as one line with its line and column, without the multi-line source snippet it appends.
    static func syntaxMessage(_ error: any Error) -> String {
        func location(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        func context(_ context: YamlError.Context?) -> String {
            context.map { " (\($0.text) at \(location($0.mark)))" } ?? ""
        }
        guard let error = error as? YamlError else { return "invalid YAML: \(error)" }
        switch error {
        case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
             .composer(let ctx, let problem, let mark, _):
            return "invalid YAML at \(location(mark)): \(problem)\(context(ctx))"
        case .reader(let problem, let offset, _, _):
            return "invalid YAML: \(problem)" + (offset.map { " at character \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let ctx):
            let names = duplicates.sorted().joined(separator: ", ")
            // ctx.text is the whole mapping's source, too long and multi-line for an error line.
            return "invalid YAML: duplicate key \(names) in the mapping at \(location(ctx.mark))"
        default:
            return "invalid YAML: \(error)"
        }
    }

    private static func unknownKeyMessage(_ path: String, node: Node) -> String {
        let suggestion = KeySuggestion.nearest(to: path).map { " (did you mean \($0)?)" } ?? ""
        return "unknown key" + suggestion + at(node)
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.null != nil }
        return false
    }

    private static func name(of node: Node) -> String {
        if case .scalar(let scalar) = node { return scalar.string }
        return describe(node)
    }

    private static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): isNull(node) ? "null" : quoted(scalar.string)
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    /// " (line N)" for errors about a node, so the user can find it in a long file.
    private static func at(_ node: Node) -> String {
        node.mark.map { " (line \($0.line))" } ?? ""
    }
}
