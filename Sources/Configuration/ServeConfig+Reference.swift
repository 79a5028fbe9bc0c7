extension ServeConfig {
    /// Documentation of every key for `hearth serve --help`: a table of key path, flag, environment variable,
    /// default and help, no line wider than 100 columns.
    public static var reference: String {
        let width = 100
        let rows = keys.map { key in
            (key.path, key.flag + (key.isRepeatable ? " +" : ""), key.env, key.defaultText, key.help)
        }
        let pathWidth = rows.map(\.0.count).max() ?? 0
        let flagWidth = rows.map(\.1.count).max() ?? 0
        let envWidth = rows.map(\.2.count).max() ?? 0
        func row(_ columns: String...) -> String {
            let padded = zip(columns, [pathWidth, flagWidth, envWidth]).map { $0.padding(to: $1) }
            return (padded + columns.dropFirst(3)).joined(separator: "  ").trimmingWhitespace
        }

        var lines = wrap("""
            Settings come from flags, else HEARTH_* environment variables, else the config file (--config FILE or \
            HEARTH_CONFIG; config/hearth.yaml if it exists), else the defaults below. In the file each key path is \
            a key under its section, e.g. server.port is `port:` under `server:`. Relative paths in the file \
            resolve against the file's directory, elsewhere against the working directory.
            """, width: width)
        lines += wrap("""
            Sizes: 1000000, 64KiB, 512MiB, 2GiB, 1.5GB. Durations: seconds (30, 0.5) or 500ms, 30s, 2m. \
            Booleans: true/false, yes/no, 1/0. Lists: repeat a flag marked +, separate with commas in the \
            environment, and give a YAML list (or one value) in the file.
            """, width: width)
        lines.append("")
        lines.append(row("KEY", "FLAG", "ENVIRONMENT", "DEFAULT"))
        var section = ""
        for (key, columns) in zip(keys, rows) {
            if key.section != section, !section.isEmpty { lines.append("") }
            section = key.section
            lines.append(row(columns.0, columns.1, columns.2, columns.3))
            lines += wrap(columns.4, width: width, indent: "    ")
        }
        return lines.joined(separator: "\n")
    }

    /// Splits text into lines of at most `width` columns at spaces, each starting with `indent`.
    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        if line.count > indent.count { lines.append(line) }
        return lines
    }
}

extension String {
    /// The string followed by spaces up to `width` characters.
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
