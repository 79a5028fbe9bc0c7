import Foundation

/// How to pick the next token: OpenAI's and vLLM's sampling parameters.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 means greedy (argmax).
    public var temperature: Float = 1
    /// 0 means no limit.
    public var topK: Int = 0
    public var topP: Float = 1
    public var minP: Float = 0
    /// Subtracted once from the logit of every token already generated (OpenAI semantics).
    public var presencePenalty: Float = 0
    /// Subtracted per occurrence from the logit of every token already generated.
    public var frequencyPenalty: Float = 0
    /// Divides positive (multiplies negative) logits of tokens in the prompt or output (CTRL, as vLLM); 1 is off.
    public var repetitionPenalty: Float = 1
    /// Added to the logits of the given tokens before anything else.
    public var logitBias: [Int32: Float] = [:]
    /// A seeded request draws the same tokens whatever else runs.
    public var seed: UInt64?

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, presencePenalty: Float = 0,
                frequencyPenalty: Float = 0, repetitionPenalty: Float = 1, logitBias: [Int32: Float] = [:], seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.repetitionPenalty = repetitionPenalty
        self.logitBias = logitBias
        self.seed = seed
    }

    /// Greedy decoding.
    public static let greedy = SamplingParameters(temperature: 0)
}

/// xoshiro256** seeded through splitmix64: small, fast, and reproducible across platforms.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var z = seed
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var r = z
            r = (r ^ (r >> 30)) &* 0xBF58_476D_1CE4_E5B9
            r = (r ^ (r >> 27)) &* 0x94D0_49BB_1331_11EB
            return r ^ (r >> 31)
        }
        s = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// A uniform Float in [0, 1).
    public mutating func nextUnit() -> Float { Float(next() >> 40) * 0x1p-24 }
}

/// Picks tokens from logits for one sequence; holds its RNG and the counts its penalties need.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: Xoshiro256
    /// Occurrences of each generated token (presence/frequency penalties).
    private var outputCounts: [Int32: Int] = [:]
    /// Tokens of prompt and output (repetition penalty).
    private var seen: Set<Int32> = []
    // Reused between calls so sampling allocates only while warming up.
    private var candidates: [Int32] = []
    private var probs: [Float] = []

    /// A sampler for one sequence whose prompt is `prompt`.
    public init(parameters: SamplingParameters, prompt: [Int32] = []) {
        self.parameters = parameters
        rng = Xoshiro256(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
        if parameters.repetitionPenalty != 1 { seen = Set(prompt) }
    }

    /// Records a token that was generated, for the penalties.
    public mutating func accept(_ token: Int32) {
        if parameters.presencePenalty != 0 || parameters.frequencyPenalty != 0 { outputCounts[token, default: 0] += 1 }
        if parameters.repetitionPenalty != 1 { seen.insert(token) }
    }

    /// Chooses the next token; `logits` is modified in place (biases, penalties, temperature).
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        let p = parameters
        let n = logits.count
        for (token, bias) in p.logitBias where Int(token) < n && token >= 0 { logits[Int(token)] += bias }
        if p.repetitionPenalty != 1 {
            for token in seen where Int(token) < n {
                let v = logits[Int(token)]
                logits[Int(token)] = v > 0 ? v / p.repetitionPenalty : v * p.repetitionPenalty
            }
        }
        for (token, count) in outputCounts where Int(token) < n {
            logits[Int(token)] -= p.presencePenalty + p.frequencyPenalty * Float(count)
        }
        if p.temperature == 0 { return Self.argmax(logits) }

        // Candidates sorted by logit, cut by top-k; at most 1024 unless top-p needs more of the tail.
        let maxLogit = logits.max() ?? 0
        let limit = p.topK > 0 ? min(p.topK, n) : n
        selectTop(logits, count: min(limit, 1024))
        // Softmax at temperature over the whole vocabulary gives the normaliser; candidates hold the head.
        let invT = 1 / p.temperature
        var total: Double = 0
        for i in 0..<n { total += Double(expf((logits[i] - maxLogit) * invT)) }
        probs.removeAll(keepingCapacity: true)
        var mass: Double = 0
        for id in candidates {
            let q = Double(expf((logits[Int(id)] - maxLogit) * invT)) / total
            probs.append(Float(q))
            mass += q
        }
        if candidates.count < limit && mass < Double(p.topP) - 1e-6 {
            // The head does not reach the nucleus: fall back to the full sorted vocabulary (rare, flat distributions).
            selectTop(logits, count: limit)
            probs.removeAll(keepingCapacity: true)
            for id in candidates { probs.append(Float(Double(expf((logits[Int(id)] - maxLogit) * invT)) / total)) }
        }
        // top-p: keep the smallest prefix whose mass reaches topP; min-p: drop tokens below minP · p_max.
        var keep = probs.count
        if p.topP < 1 {
            var cumulative: Float = 0
            for (i, q) in probs.enumerated() {
                cumulative += q
                if cumulative >= p.topP { keep = i + 1; break }
            }
        }
        if p.minP > 0, let top = probs.first {
            let floor = p.minP * top
            while keep > 1 && probs[keep - 1] < floor { keep -= 1 }
        }
        var sum: Float = 0
        for i in 0..<keep { sum += probs[i] }
        var r = rng.nextUnit() * sum
        for i in 0..<keep {
            r -= probs[i]
            if r < 0 { return candidates[i] }
        }
        return candidates[keep - 1]
    }

    /// Index of the largest logit (the first on ties).
    public static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        var best = 0
        var value = -Float.infinity
        for i in 0..<logits.count where logits[i] > value {
            value = logits[i]
            best = i
        }
        return Int32(best)
    }

    /// Fills `candidates` with the ids of the `count` largest logits, largest first.
    private mutating func selectTop(_ logits: UnsafeMutableBufferPointer<Float>, count: Int) {
        candidates.removeAll(keepingCapacity: true)
        if count >= logits.count {
            candidates.append(contentsOf: (0..<Int32(logits.count)))
        } else {
            // A binary min-heap of the `count` best (value, id); most logits fail the root check at once.
            var heap = [(Float, Int32)]()
            heap.reserveCapacity(count)
            func less(_ a: (Float, Int32), _ b: (Float, Int32)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 > b.1) }
            for i in 0..<logits.count {
                let e = (logits[i], Int32(i))
                if heap.count < count {
                    heap.append(e)
                    var c = heap.count - 1
                    while c > 0, less(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
                } else if less(heap[0], e) {
                    heap[0] = e
                    var c = 0
                    while true {
                        let l = 2 * c + 1, r = l + 1
                        var m = c
                        if l < count, less(heap[l], heap[m]) { m = l }
                        if r < count, less(heap[r], heap[m]) { m = r }
                        if m == c { break }
                        heap.swapAt(c, m)
                        c = m
                    }
                }
            }
            candidates.append(contentsOf: heap.map(\.1))
        }
        candidates.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
    }
}

/// Log-probabilities of raw logits, for OpenAI's `logprobs`.
public enum LogProbs {
    /// log-softmax of `logits` at `token`, and the `top` most likely (id, logprob) pairs, most likely first.
    public static func compute(_ logits: UnsafeBufferPointer<Float>, token: Int32, top: Int) -> (logprob: Float, top: [(Int32, Float)]) {
        let maxLogit = logits.max() ?? 0
        var sum: Double = 0
        for v in logits { sum += Double(expf(v - maxLogit)) }
        let logZ = Float(log(sum)) + maxLogit
        var best: [(Int32, Float)] = []
        if top > 0 {
            for (i, v) in logits.enumerated() {
                if best.count < top {
                    best.append((Int32(i), v))
                    best.sort { $0.1 > $1.1 }
                } else if v > best[top - 1].1 {
                    best[top - 1] = (Int32(i), v)
                    best.sort { $0.1 > $1.1 }
                }
            }
        }
        return (logits[Int(token)] - logZ, best.map { ($0.0, $0.1 - logZ) })
    }
}
