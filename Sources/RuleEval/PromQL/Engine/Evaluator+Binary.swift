#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSDB

extension Evaluator {
    /// Evaluates a binary operation.
    func evalBinary(_ b: Binary) throws(QueryError) -> EvalValue {
        let lhs = try eval(b.lhs)
        let rhs = try eval(b.rhs)
        switch (lhs, rhs) {
        case (.scalar(let l), .scalar(let r)):
            var out = [Double](repeating: 0, count: l.count)
            for i in out.indices {
                let (v, keep) = Self.apply(b.op, l[i], r[i])
                out[i] = b.op.isComparison ? (keep ? 1 : 0) : v
            }
            return .scalar(out)
        case (.vector(let l), .scalar(let r)):
            return .vector(try vectorScalar(b, l, r, scalarOnLeft: false))
        case (.scalar(let l), .vector(let r)):
            return .vector(try vectorScalar(b, r, l, scalarOnLeft: true))
        case (.vector(let l), .vector(let r)):
            let matching = b.matching ?? VectorMatching(cardinality: b.op.isSetOperator ? .manyToMany : .oneToOne, labels: [], on: false, include: [])
            switch b.op {
            case .and, .or, .unless: return .vector(try setOperation(b.op, l, r, matching))
            default: return .vector(try vectorVector(b, l, r, matching))
            }
        default:
            throw .execution("binary operator \"\(b.op.rawValue)\" needs scalar or instant-vector operands")
        }
    }

    /// The operator on two floats: the value, and for comparisons whether the pair is kept.
    @inline(__always)
    static func apply(_ op: BinaryOp, _ l: Double, _ r: Double) -> (Double, Bool) {
        switch op {
        case .add: return (l + r, true)
        case .sub: return (l - r, true)
        case .mul: return (l * r, true)
        case .div: return (l / r, true)
        case .pow: return (pow(l, r), true)
        case .mod: return (fmod(l, r), true)
        case .atan2: return (atan2(l, r), true)
        case .eql: return (l, l == r)
        case .neq: return (l, l != r)
        case .gtr: return (l, l > r)
        case .lss: return (l, l < r)
        case .gte: return (l, l >= r)
        case .lte: return (l, l <= r)
        case .and, .or, .unless: return (l, true)
        }
    }

    /// Arithmetic drops the metric name; comparisons keep it unless `bool` is given.
    static func dropsName(_ op: BinaryOp, returnBool: Bool) -> Bool {
        returnBool || (!op.isComparison && !op.isSetOperator)
    }

    func vectorScalar(_ b: Binary, _ vector: [StepSeries], _ scalar: [Double], scalarOnLeft: Bool) throws(QueryError) -> [StepSeries] {
        var out = vector
        let drop = Self.dropsName(b.op, returnBool: b.returnBool)
        for si in out.indices {
            var pts: [FPoint] = []
            pts.reserveCapacity(out[si].points.count)
            for p in out[si].points {
                let s = scalar[index(p.t)]
                var (v, keep) = scalarOnLeft ? Self.apply(b.op, s, p.v) : Self.apply(b.op, p.v, s)
                // A comparison keeps the vector's value even when the scalar is on the left.
                if b.op.isComparison && scalarOnLeft { v = p.v }
                if b.returnBool { v = keep ? 1 : 0; keep = true }
                if keep { pts.append(FPoint(t: p.t, v: v)) }
            }
            out[si].points = pts
            if drop { dropName(&out[si]) }
        }
        out.removeAll { $0.points.isEmpty }
        return drop ? try afterNameDrop(out) : out
    }

    /// The matching signature of a label set: the `on` labels, or all but the `ignoring` ones and the
    /// name (`__type__`/`__unit__` stay: series of different types do not match).
    static func signature(_ l: Labels, _ m: VectorMatching) -> Labels {
        if m.on {
            return Labels(sortedUnchecked: l.pairs.filter { m.labels.contains($0.name) })
        }
        return Labels(sortedUnchecked: l.pairs.filter { $0.name != "__name__" && !m.labels.contains($0.name) })
    }

    /// Signature ids for both sides, from one shared numbering.
    func signatureIDs(_ l: [StepSeries], _ r: [StepSeries], _ m: VectorMatching) -> (lhs: [Int], rhs: [Int], sigs: [Labels]) {
        var ids: [Labels: Int] = [:]
        var sigs: [Labels] = []
        func id(_ s: StepSeries) -> Int {
            let sig = Self.signature(s.labels, m)
            if let i = ids[sig] { return i }
            ids[sig] = sigs.count
            sigs.append(sig)
            return sigs.count - 1
        }
        let li = l.map(id)
        let ri = r.map(id)
        return (li, ri, sigs)
    }

    /// Calls `body(step, lhs present, rhs present)` for each step with the samples present on each side.
    func forEachStep(_ l: [StepSeries], _ r: [StepSeries],
                     _ body: (Int, [(series: Int, v: Double)], [(series: Int, v: Double)]) throws(QueryError) -> Void) throws(QueryError) {
        var lc = [Int](repeating: 0, count: l.count), rc = [Int](repeating: 0, count: r.count)
        var lp: [(series: Int, v: Double)] = [], rp: [(series: Int, v: Double)] = []
        func gather(_ input: [StepSeries], _ cursors: inout [Int], _ t: Int64, _ out: inout [(series: Int, v: Double)]) {
            out.removeAll(keepingCapacity: true)
            for si in input.indices {
                var c = cursors[si]
                let pts = input[si].points
                while c < pts.count && pts[c].t < t { c += 1 }
                cursors[si] = c
                if c < pts.count && pts[c].t == t { out.append((si, pts[c].v)) }
            }
        }
        for i in 0..<stepCount {
            try ctx.check()
            let t = time(i)
            gather(l, &lc, t, &lp)
            gather(r, &rc, t, &rp)
            try body(i, lp, rp)
        }
    }

    /// `and`, `or`, `unless`.
    func setOperation(_ op: BinaryOp, _ l: [StepSeries], _ r: [StepSeries], _ m: VectorMatching) throws(QueryError) -> [StepSeries] {
        if op == .and && (l.isEmpty || r.isEmpty) { return [] }
        if op == .unless && r.isEmpty { return l }
        if op == .or && r.isEmpty { return l }
        if op == .or && l.isEmpty { return r }
        let (lsig, rsig, sigs) = signatureIDs(l, r, m)
        var lhsSeen = [Int](repeating: -1, count: sigs.count), rhsSeen = [Int](repeating: -1, count: sigs.count)
        var lpts = [[FPoint]](repeating: [], count: l.count), rpts = [[FPoint]](repeating: [], count: r.count)
        try forEachStep(l, r) { (i, lp, rp) throws(QueryError) in
            let t = time(i)
            switch op {
            case .and:
                for e in rp { rhsSeen[rsig[e.series]] = i }
                for e in lp where rhsSeen[lsig[e.series]] == i { lpts[e.series].append(FPoint(t: t, v: e.v)) }
            case .unless:
                for e in rp { rhsSeen[rsig[e.series]] = i }
                for e in lp where rhsSeen[lsig[e.series]] != i { lpts[e.series].append(FPoint(t: t, v: e.v)) }
            default:
                for e in lp { lhsSeen[lsig[e.series]] = i; lpts[e.series].append(FPoint(t: t, v: e.v)) }
                for e in rp where lhsSeen[rsig[e.series]] != i { rpts[e.series].append(FPoint(t: t, v: e.v)) }
            }
        }
        var out: [StepSeries] = []
        for (si, s) in l.enumerated() where !lpts[si].isEmpty {
            out.append(StepSeries(labels: s.labels, points: lpts[si], dropName: s.dropName))
        }
        for (si, s) in r.enumerated() where !rpts[si].isEmpty {
            out.append(StepSeries(labels: s.labels, points: rpts[si], dropName: s.dropName))
        }
        return try Self.mergeSameLabels(out)
    }

    /// Arithmetic and comparisons between two vectors, with one-to-one or group_left/right matching.
    func vectorVector(_ b: Binary, _ l: [StepSeries], _ r: [StepSeries], _ m: VectorMatching) throws(QueryError) -> [StepSeries] {
        if l.isEmpty || r.isEmpty { return [] }
        if m.cardinality == .manyToMany { throw .execution("many-to-many matching is only allowed for set operators") }
        // The "many" side is iterated; the other side must be unique per signature.
        let swapped = m.cardinality == .oneToMany
        let many = swapped ? r : l, one = swapped ? l : r
        let (msig, osig, sigs) = signatureIDs(many, one, m)
        let drop = Self.dropsName(b.op, returnBool: b.returnBool)
        let delayed = ctx.options.delayedNameRemoval
        var oneAt = [Int](repeating: -1, count: sigs.count)
        var oneStep = [Int](repeating: -1, count: sigs.count)
        var oneValue = [Double](repeating: 0, count: sigs.count)
        var matchedStep = [Int](repeating: -1, count: sigs.count)
        var insertedBySig: [Int: Set<Labels>] = [:]
        var outIndex: [Labels: Int] = [:]
        var pairOut: [Int: Int] = [:]  // (many series, one series) → output series
        var out: [StepSeries] = []
        try forEachStep(many, one) { (i, mp, op) throws(QueryError) in
            let t = time(i)
            for e in op {
                let sig = osig[e.series]
                if oneStep[sig] == i {
                    let side = swapped ? "left" : "right"
                    let a = one[e.series].labels, d = one[oneAt[sig]].labels
                    throw .execution("found duplicate series for the match group \(Self.matchGroup(sigs[sig], m)) on the \(side) hand-side of the operation: [\(a), \(d)];many-to-many matching not allowed: matching labels must be unique on one side")
                }
                oneStep[sig] = i
                oneAt[sig] = e.series
                oneValue[sig] = e.v
            }
            insertedBySig.removeAll(keepingCapacity: true)
            for e in mp {
                let sig = msig[e.series]
                guard oneStep[sig] == i else { continue }
                let oi = oneAt[sig]
                let ov = oneValue[sig]
                let (fl, fr) = swapped ? (ov, e.v) : (e.v, ov)
                var (v, keep) = Self.apply(b.op, fl, fr)
                if m.cardinality == .oneToOne {
                    if matchedStep[sig] == i {
                        throw .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                    }
                    matchedStep[sig] = i
                }
                if b.returnBool { v = keep ? 1 : 0; keep = true }
                let key = e.series &* one.count &+ oi
                let target: Int
                if let k = pairOut[key] {
                    target = k
                } else {
                    let labels = resultLabels(many[e.series].labels, one[oi].labels, m, dropName: drop && !delayed)
                    let dn = delayed && (drop || many[e.series].dropName)
                    if let k = outIndex[labels] { target = k; if dn { out[k].dropName = true } } else {
                        outIndex[labels] = out.count
                        out.append(StepSeries(labels: labels, points: [], dropName: dn))
                        target = out.count - 1
                    }
                    pairOut[key] = target
                }
                if m.cardinality != .oneToOne {
                    var set = insertedBySig[sig] ?? []
                    if !set.insert(out[target].labels).inserted {
                        throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
                    }
                    insertedBySig[sig] = set
                }
                guard keep else { continue }
                if let last = out[target].points.last, last.t == t {
                    throw .execution("vector cannot contain metrics with the same labelset")
                }
                out[target].points.append(FPoint(t: t, v: v))
            }
        }
        out.removeAll { $0.points.isEmpty }
        return out
    }

    /// The labels of a matched pair's result.
    func resultLabels(_ many: Labels, _ one: Labels, _ m: VectorMatching, dropName: Bool) -> Labels {
        var pairs = many.pairs
        if dropName { pairs.removeAll { ctx.nameLabels.contains($0.name) } }
        if m.cardinality == .oneToOne {
            if m.on { pairs.removeAll { !m.labels.contains($0.name) } } else { pairs.removeAll { m.labels.contains($0.name) } }
        }
        var result = Labels(sortedUnchecked: pairs)
        for name in m.include { result = result.setting(name, to: one[name]) }
        return result
    }

    /// The match group as Prometheus prints it in errors: the signature labels.
    static func matchGroup(_ sig: Labels, _ m: VectorMatching) -> String {
        "{" + sig.pairs.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}
