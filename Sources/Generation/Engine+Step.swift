import Foundation
import Grammar
import Inference
import Scheduling
import Tokenizers

extension Engine {
    /// One engine step: schedule, one batched forward pass, sample, update, deliver.
    func step() {
        let out = scheduler.schedule()
        counters.steps += 1
        if out.scheduled.isEmpty { return }
        let now = ContinuousClock.now

        // Batch: each scheduled request's next tokens at its positions, with its block table. Prompt positions
        // come first, generated positions after (ForwardBatch keeps the two classes apart; every row takes the same
        // row-invariant kernels, so a position's numbers never depend on its neighbours).
        var batch = ForwardBatch()
        batch.tokens.reserveCapacity(out.totalTokens)
        var generatedParts: [(ScheduledRequest, Int)] = []
        logitOwners.removeAll(keepingCapacity: true)
        for s in out.scheduled {
            guard let r = scheduler.request(s.id) else { continue }
            let split = min(max(r.promptTokens.count, s.start), s.end)
            if split > s.start {
                batch.append(tokens: r.tokens(s.start..<split), startPosition: s.start, blockTable: s.blockTable,
                             wantsLogits: s.sampled && split == s.end)
                if s.sampled && split == s.end { logitOwners.append(s.id) }
            }
            if split < s.end { generatedParts.append((s, split)) }
            if let a = active[s.id], a.firstScheduled == nil {
                a.firstScheduled = now
                a.cachedTokens = r.numCachedTokens
            }
        }
        for (s, split) in generatedParts {
            guard let r = scheduler.request(s.id) else { continue }
            batch.append(tokens: r.tokens(split..<s.end), startPosition: split, blockTable: s.blockTable,
                         wantsLogits: s.sampled, generated: true)
            if s.sampled { logitOwners.append(s.id) }
        }
        do {
            try transformer.forward(batch)
        } catch {
            for s in out.scheduled { finish(s.id, reason: .error, message: "forward pass failed: \(error)") }
            return
        }

        // Sample every sequence that reached its last known token; logit rows come in batch order.
        var sampled: [RequestID: Int32] = [:]
        var deadEnds: [RequestID] = []
        for (row, id) in logitOwners.enumerated() {
            guard let a = active[id] else { continue }
            let logits = transformer.logitsRow(row)
            let token: Int32
            let constraint = a.constrainingMatcher
            if let k = a.request.logprobs {
                // Log-probabilities come from the raw logits; sampling rewrites the row (grammar mask, bias,
                // penalties, temperature).
                for i in 0..<logits.count { logprobScratch[i] = logits[i] }
                if let constraint { mask(logits, with: constraint) }
                token = a.sampler.sample(logits)
                let lp = logprobScratch.withUnsafeBufferPointer { LogProbs.compute($0, token: token, top: k) }
                a.pendingLogprobs.append(TokenLogprob(token: token, logprob: lp.logprob,
                                                      top: lp.top.map { TokenLogprob.Alternative(token: $0.0, logprob: $0.1) }))
            } else {
                if let constraint { mask(logits, with: constraint) }
                token = a.sampler.sample(logits)
            }
            sampled[id] = token
            a.sampler.accept(token)
            // The mask allowed only tokens the grammar accepts; a refusal means no token could continue.
            if !a.advanceGrammar(token: token, constrained: constraint != nil, tokenizer: tokenizer) { deadEnds.append(id) }
            a.pendingTokens.append(token)
            a.generated += 1
        }
        counters.generationTokens += sampled.count

        let finished = scheduler.update(out, sampledTokens: sampled)
        for (id, token) in sampled { deliver(id, token: token) }
        for r in finished {
            guard case .finished(let reason) = r.status else { continue }
            finish(r.id, reason: reason, message: reason == .error ? "the scheduler ended the request" : nil)
        }
        for id in deadEnds where active[id] != nil {
            finish(id, reason: .error, message: "structured output: no token can continue the document")
        }
    }

    /// Turns a sampled token into text for the handle, cutting at stop strings.
    private func deliver(_ id: RequestID, token: Int32) {
        guard let a = active[id] else { return }
        if a.firstToken == nil { a.firstToken = .now }
        // End-of-generation tokens finish the request but are not part of the text.
        let isStopToken = !a.request.ignoreEOS && tokenizer.endOfGenerationIDs.contains(token)
        // Nor are they listed in logprobs, as OpenAI never lists the token that stopped generation.
        if isStopToken, a.request.logprobs != nil, !a.pendingLogprobs.isEmpty { a.pendingLogprobs.removeLast() }
        let piece = isStopToken ? "" : a.detokenizer.append(token)
        let (text, stopped) = a.stops.append(piece)
        let (answer, reasoning) = a.split(text)
        let (content, calls) = a.takeToolCalls(answer, final: false)
        if !content.isEmpty || !reasoning.isEmpty || !a.pendingLogprobs.isEmpty || stopped {
            a.handle.push(.tokens(text: content, reasoning: reasoning, tokens: a.pendingTokens, logprobs: a.pendingLogprobs))
            a.pendingTokens.removeAll(keepingCapacity: true)
            a.pendingLogprobs.removeAll(keepingCapacity: true)
        }
        if !calls.isEmpty { a.handle.push(.toolCalls(calls)) }
        if stopped {
            a.stoppedByString = true
            finish(id, reason: .stop)
        }
    }

    /// Ends a request: frees its blocks (if the scheduler still holds it), flushes held-back text, sends the summary.
    func finish(_ id: RequestID, reason: FinishReason, message: String? = nil) {
        if scheduler.request(id) != nil { scheduler.finish(id, reason: reason) }
        guard let a = active.removeValue(forKey: id) else { return }
        if reason != .cancelled && !a.stoppedByString {
            // Text still held back (a partial character or a possible stop-string prefix) belongs to the output.
            let tail = a.stops.append(a.detokenizer.finish()).emit + a.stops.flush()
            var (answer, reasoning) = a.split(tail)
            if let held = a.reasoning?.flush() {
                answer += held.content
                reasoning += held.reasoning
            }
            let (content, calls) = a.takeToolCalls(answer, final: true)
            if !content.isEmpty || !reasoning.isEmpty || !a.pendingTokens.isEmpty {
                a.handle.push(.tokens(text: content, reasoning: reasoning, tokens: a.pendingTokens, logprobs: a.pendingLogprobs))
            }
            if !calls.isEmpty { a.handle.push(.toolCalls(calls)) }
        }
        let now = ContinuousClock.now
        a.handle.push(.finished(GenerationSummary(
            reason: reason,
            errorMessage: message,
            promptTokens: a.request.promptTokens.count,
            completionTokens: a.generated,
            cachedTokens: a.cachedTokens,
            queueSeconds: seconds((a.firstScheduled ?? now) - a.submitted),
            firstTokenSeconds: a.firstToken.map { seconds($0 - a.submitted) },
            totalSeconds: seconds(now - a.submitted),
            openedReasoning: a.reasoning?.hasReasoning ?? false, failedToolCalls: a.tools?.failures ?? 0)))
    }
}

extension Engine.Active {
    /// Answer text split into content and tool calls, when the request offers tools; `final` at the end of output.
    func takeToolCalls(_ answer: String, final: Bool) -> (content: String, calls: [ToolCall]) {
        guard var parser = tools else { return (answer, []) }
        var (content, calls) = parser.append(answer)
        if final {
            let rest = parser.finish()
            content += rest.content
            calls += rest.calls
        }
        tools = parser
        return (content, calls)
    }

    /// Text split into answer and reasoning, when the request asked for reasoning to be split.
    func split(_ text: String) -> (content: String, reasoning: String) {
        guard var parser = reasoning, !text.isEmpty else { return (text, "") }
        let (r, c) = parser.append(text)
        reasoning = parser
        return (c, r)
    }
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

// MARK: - Structured output

extension Engine {
    /// Every token's bytes; end-of-generation tokens end a complete document, other control tokens never appear.
    static func vocabularyIndex(_ tokenizer: Tokenizer) -> TokenVocabularyIndex {
        let n = tokenizer.vocabularySize
        let ids = (0..<n).map { Int32($0) }
        let control = Set(ids.filter { tokenizer.isControl($0) && !tokenizer.endOfGenerationIDs.contains($0) })
        return TokenVocabularyIndex(tokenBytes: ids.map(tokenizer.tokenPieceBytes), endOfGeneration: tokenizer.endOfGenerationIDs,
                                    control: control)
    }

    /// Sets every token the grammar does not allow next to -inf in `logits` (one row), so sampling (bias,
    /// penalties, temperature, top-k/p) works on the allowed tokens only. Rows past the tokenizer's vocabulary
    /// (padding in the output matrix) are never allowed.
    func mask(_ logits: UnsafeMutableBufferPointer<Float>, with matcher: GrammarMatcher) {
        matcher.fillMask(into: &maskWords)
        for (w, word) in maskWords.enumerated() where word != ~0 {
            var banned = ~word
            while banned != 0 {
                let i = w * 64 + banned.trailingZeroBitCount
                if i < logits.count { logits[i] = -.infinity }
                banned &= banned - 1
            }
        }
        for i in min(maskWords.count * 64, logits.count)..<logits.count { logits[i] = -.infinity }
    }
}

extension Engine.Active {
    /// The grammar that constrains the next token, if any: structured output starts after a reasoning section.
    var constrainingMatcher: GrammarMatcher? {
        guard let m = matcher ?? lazy?.matcher, !(reasoning?.isInReasoning ?? false) else { return nil }
        return m
    }

    /// Moves the request's grammar past a sampled token (`constrained`: the grammar masked it). False when the
    /// grammar refused it.
    func advanceGrammar(token: Int32, constrained: Bool, tokenizer: Tokenizer) -> Bool {
        if matcher != nil { return !constrained || matcher?.accept(token: token) == true }
        guard var state = lazy else { return true }
        let ok = state.accept(token: token, bytes: tokenizer.tokenPieceBytes(token), inReasoning: reasoning?.isInReasoning ?? false)
        lazy = state
        return ok
    }
}
