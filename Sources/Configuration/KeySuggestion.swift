/// Finds the key a misspelt or misplaced one was probably meant to be.
enum KeySuggestion {
    /// The closest known key path or section to `path`, if one is close enough to be a plausible typo.
    static func nearest(to path: String) -> String? {
        let sections = ServeConfig.sections
        let paths = ServeConfig.keys.map(\.path)
        let isSection = !path.contains(".")
        let leaf = String(path.split(separator: ".").last ?? Substring(path))
        // A real key name in the wrong place, e.g. `server.threads` or a top-level `port`, is the likeliest slip.
        if let moved = paths.first(where: { $0.hasSuffix("." + leaf) && $0 != path }) { return moved }
        let candidates = isSection ? sections : paths.filter { $0.hasPrefix(path.prefix { $0 != "." } + ".") }
        let target = isSection ? path : leaf
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let name = isSection ? candidate : String(candidate.split(separator: ".").last ?? "")
            let distance = editDistance(target.lowercased(), name)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, target.count / 3) else { return nil }
        return best.name
    }

    /// Levenshtein distance between two strings, by characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
