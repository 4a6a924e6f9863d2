import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import RuleEval
import Testing
import TSDB
@testable import Server

/// The Prometheus query API served over loopback by a real server on a real database: the JSON
/// shapes, error types and statuses, parameter parsing and the metadata and status endpoints.
@Suite(.serialized) struct QueryAPITests {
    /// 2023-11-14T22:13:20Z: samples every 15 s from here for one minute.
    static let t0: Int64 = 1_700_000_000_000

    /// A database with known series, the query API over it on an ephemeral port, an HTTP client.
    final class Server: Sendable {
        let dir = NSTemporaryDirectory() + "tm-queryapi-\(UUID().uuidString)"
        let db: DB
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let port: Int
        let task: Task<Void, Error>

        init(features: [String] = []) async throws {
            db = try DB.open(directory: dir)
            var app = db.appender()
            func add(_ labels: [String: String], _ values: [Double], from t: Int64 = QueryAPITests.t0) throws {
                let l = try Labels(labels)
                for (k, v) in values.enumerated() { app.append(l, t: t + Int64(k) * 15_000, v: v) }
            }
            try add(["__name__": "up", "job": "api", "instance": "a"], [1, 1, 1, 1, 1])
            try add(["__name__": "up", "job": "api", "instance": "b"], [0, 0, 0, 0, 0])
            for (kind, v) in [("nan", Double.nan), ("inf", .infinity), ("neginf", -.infinity), ("frac", 0.1),
                              ("big", 1e21), ("small", 1e-7)] {
                try add(["__name__": "special", "kind": kind], [v])
            }
            try add(["__name__": "esc", "v": "a\"b\\c\nd"], [2])
            try add(["__name__": "old_metric", "job": "batch"], [3], from: QueryAPITests.t0 - 3_600_000)
            _ = try app.commit()

            var options = EngineOptions()
            options.experimentalFunctions = EnabledFeatures(features).experimentalFunctions
            let api = QueryAPI(
                engine: PromQLEngine(storage: db, options: options), db: db, maxTimeout: .seconds(30),
                status: ServerStatus(flags: ["query.timeout": "30s", "storage.tsdb.path": dir], storageRetention: "15d",
                                     startTime: Date(), configState: { (true, Date()) },
                                     metadata: {
                                         ["up": [MetricMetadata(type: "gauge", help: "Target up.")],
                                          "reqs_total": [MetricMetadata(type: "counter", help: "Requests \"served\".\nAll of them."),
                                                         MetricMetadata(type: "counter", help: "Requests.", unit: "")]]
                                     }))
            let router = Router()
            api.register(on: router)
            var quiet = Logger(label: "queryapi")
            quiet.logLevel = .critical
            let (stream, cont) = AsyncStream.makeStream(of: Int.self)
            let app2 = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                   onServerRunning: { ch in cont.yield(ch.localAddress?.port ?? 0) }, logger: quiet)
            task = Task { try await app2.runService() }
            var it = stream.makeAsyncIterator()
            port = await it.next() ?? 0
        }

        /// `(status, body)` of GET `path` (a path with its query string).
        func get(_ path: String) async throws -> (Int, String) {
            try await send(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"))
        }

        /// `(status, body)` of a form-encoded POST.
        func post(_ path: String, form: String) async throws -> (Int, String) {
            var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            r.method = .POST
            r.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            r.body = .bytes(ByteBuffer(string: form))
            return try await send(r)
        }

        private func send(_ r: HTTPClientRequest) async throws -> (Int, String) {
            let resp = try await client.execute(r, timeout: .seconds(10))
            let body = try await resp.body.collect(upTo: 16 << 20)
            return (Int(resp.status.code), String(buffer: body))
        }

        func shutdown() async throws {
            try await client.shutdown()
            task.cancel()
            _ = try? await task.value
            try db.close()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Runs `body` against a fresh server, shutting it down even when the body throws.
    static func withServer(features: [String] = [], _ body: (Server) async throws -> Void) async throws {
        let s = try await Server(features: features)
        do { try await body(s) } catch { try await s.shutdown(); throw error }
        try await s.shutdown()
    }

    /// `s` percent-encoded for a query string.
    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    static func errorBody(_ type: String, _ message: String) -> String {
        #"{"status":"error","errorType":"\#(type)","error":\#(APIResponse.jsonString(message))}"#
    }

    // MARK: - Result shapes

    @Test func instantVectorShape() async throws {
        try await Self.withServer { s in
            let (code, body) = try await s.get("/api/v1/query?query=\(Self.enc(#"up{instance="a"}"#))&time=1700000060")
            #expect(code == 200)
            #expect(body == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"a","job":"api"},"value":[1700000060,"1"]}]}}"#)
            // Nothing matches: an empty list, not null.
            let (_, none) = try await s.get("/api/v1/query?query=nothing_here&time=1700000060")
            #expect(none == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        }
    }

    @Test func scalarStringAndMatrixShapes() async throws {
        try await Self.withServer { s in
            let (_, scalar) = try await s.get("/api/v1/query?query=1.5&time=1700000060")
            #expect(scalar == #"{"status":"success","data":{"resultType":"scalar","result":[1700000060,"1.5"]}}"#)
            let (_, string) = try await s.get("/api/v1/query?query=\(Self.enc(#""a\"b""#))&time=1700000060.25")
            #expect(string == #"{"status":"success","data":{"resultType":"string","result":[1700000060.250,"a\"b"]}}"#)
            // A range selector in an instant query is a matrix of the raw samples.
            let (_, m) = try await s.get("/api/v1/query?query=\(Self.enc(#"up{instance="b"}[1m]"#))&time=1700000060")
            #expect(m.hasPrefix(#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"b","job":"api"},"values":[["#))
            #expect(m.hasSuffix(#"[1700000045,"0"],[1700000060,"0"]]}]}}"#))
        }
    }

    @Test func rangeQueryShape() async throws {
        try await Self.withServer { s in
            let (code, body) = try await s.get("/api/v1/query_range?query=\(Self.enc(#"up{instance="a"}"#))&start=1700000000&end=1700000060&step=15s")
            #expect(code == 200)
            #expect(body == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a","job":"api"},"values":[[1700000000,"1"],[1700000015,"1"],[1700000030,"1"],[1700000045,"1"],[1700000060,"1"]]}]}}"#)
            // Step as float seconds and times as RFC 3339 give the same answer.
            let (_, same) = try await s.get("/api/v1/query_range?query=\(Self.enc(#"up{instance="a"}"#))&start=2023-11-14T22:13:20Z&end=\(Self.enc("2023-11-15T00:14:20+02:00"))&step=15")
            #expect(same == body)
        }
    }

    @Test func specialValuesAndEscapedLabels() async throws {
        try await Self.withServer { s in
            let (_, body) = try await s.get("/api/v1/query?query=special&time=1700000010")
            for (kind, v) in [("nan", "NaN"), ("inf", "+Inf"), ("neginf", "-Inf"), ("frac", "0.1"),
                              ("big", "1e+21"), ("small", "1e-07")] {  // Prometheus: exponent form from 1e21 up, below 1e-6
                #expect(body.contains(#"{"metric":{"__name__":"special","kind":"\#(kind)"},"value":[1700000010,"\#(v)"]}"#), "\(kind) in \(body)")
            }
            let (_, esc) = try await s.get("/api/v1/query?query=esc&time=1700000010")
            #expect(esc.contains(#"{"metric":{"__name__":"esc","v":"a\"b\\c\nd"},"value":[1700000010,"2"]}"#), "\(esc)")
        }
    }

    @Test func limitCutsSeriesWithAWarning() async throws {
        try await Self.withServer { s in
            let (_, body) = try await s.get("/api/v1/query?query=up&time=1700000060&limit=1")
            #expect(body.hasSuffix(#"]},"warnings":["results truncated due to limit"]}"#), "\(body)")
            #expect(body.components(separatedBy: #""metric""#).count == 2)
        }
    }

    // MARK: - Errors

    @Test func badDataErrorsNameTheParameter() async throws {
        try await Self.withServer { s in
            let (c1, b1) = try await s.get("/api/v1/query?query=up&time=abc")
            #expect(c1 == 400)
            #expect(b1 == Self.errorBody("bad_data", #"invalid parameter "time": cannot parse "abc" to a valid timestamp"#))

            let (c2, b2) = try await s.get("/api/v1/query?query=\(Self.enc("sum(up"))")
            #expect(c2 == 400)
            #expect(b2.hasPrefix(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": "#), "\(b2)")

            let (c3, b3) = try await s.get("/api/v1/query_range?query=up&start=1700000060&end=1700000000&step=15")
            #expect(c3 == 400)
            #expect(b3 == Self.errorBody("bad_data", #"invalid parameter "end": end timestamp must not be before start time"#))

            let (_, b4) = try await s.get("/api/v1/query_range?query=up&start=1700000000&end=1700000060&step=0")
            #expect(b4 == Self.errorBody("bad_data", #"invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer"#))

            let (_, b5) = try await s.get("/api/v1/query_range?query=up&start=0&end=11001&step=1")
            #expect(b5 == Self.errorBody("bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"))
            // 11,000 points exactly is allowed.
            let (c6, _) = try await s.get("/api/v1/query_range?query=1&start=0&end=11000&step=1")
            #expect(c6 == 200)

            let (_, b7) = try await s.get("/api/v1/query_range?query=up&end=1700000060&step=15")
            #expect(b7 == Self.errorBody("bad_data", #"invalid parameter "start": cannot parse "" to a valid timestamp"#))

            let (_, b8) = try await s.get("/api/v1/query_range?query=up&start=1&end=2&step=fast")
            #expect(b8 == Self.errorBody("bad_data", #"invalid parameter "step": cannot parse "fast" to a valid duration"#))

            let (c9, b9) = try await s.get("/api/v1/query_range?query=\(Self.enc("up[5m]"))&start=1&end=2&step=1")
            #expect(c9 == 400)
            #expect(b9 == Self.errorBody("bad_data", #"invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector"#))

            let (c10, b10) = try await s.get("/api/v1/query?query=up&timeout=soon")
            #expect(c10 == 400)
            #expect(b10 == Self.errorBody("bad_data", #"invalid parameter "timeout": cannot parse "soon" to a valid duration"#))

            let (c11, _) = try await s.get("/api/v1/query?query=up&limit=-1")
            #expect(c11 == 400)
        }
    }

    @Test func executionErrorIs422AndTimeoutIs503() async throws {
        try await Self.withServer { s in
            // Two `up` series share job="api": one-to-one matching on job finds duplicates.
            let (c1, b1) = try await s.get("/api/v1/query?query=\(Self.enc("up + on(job) up"))&time=1700000060")
            #expect(c1 == 422)
            #expect(b1.hasPrefix(#"{"status":"error","errorType":"execution","error":"#), "\(b1)")
            // A deadline already passed.
            let (c2, b2) = try await s.get("/api/v1/query?query=up&time=1700000060&timeout=0s")
            #expect(c2 == 503)
            #expect(b2.hasPrefix(#"{"status":"error","errorType":"timeout","error":"#), "\(b2)")
        }
    }

    @Test func deadlineCancelsARunningEvaluation() async throws {
        // Evaluation that only ends when cancelled: the deadline must cancel it and report timeout.
        do {
            _ = try await QueryDeadline.run(timeout: .milliseconds(20)) { () throws(QueryError) -> QueryResult in
                while !Task.isCancelled { await Task.yield() }
                throw .canceled
            }
            Issue.record("expected a timeout")
        } catch {
            guard case .timeout = error else { Issue.record("got \(error)"); return }
        }
        // Evaluations that never yield their threads, more of them than there are cooperative
        // threads: the deadline still fires for each (its timer does not wait for a free thread).
        let spinners = ProcessInfo.processInfo.activeProcessorCount + 1
        let timedOut = await withTaskGroup(of: Bool.self) { g in
            for _ in 0..<spinners {
                g.addTask {
                    do throws(QueryError) {
                        _ = try await QueryDeadline.run(timeout: .milliseconds(50)) { () throws(QueryError) -> QueryResult in
                            while !Task.isCancelled {}
                            throw .canceled
                        }
                        return false
                    } catch {
                        if case .timeout = error { return true }
                        return false
                    }
                }
            }
            return await g.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(timedOut == spinners)
        let r = try await QueryDeadline.run(timeout: .seconds(30)) { () throws(QueryError) in QueryResult(value: .scalar(t: 1, v: 2)) }
        guard case .scalar(1, 2) = r.value else { Issue.record("got \(r.value)"); return }
        // An evaluation error passes through as it is.
        await #expect(throws: QueryError.self) {
            try await QueryDeadline.run(timeout: .seconds(30)) { () throws(QueryError) -> QueryResult in throw .execution("boom") }
        }
    }

    // MARK: - Parameters

    @Test func timestampsParseAsPrometheusDoes() throws {
        #expect(try APITimeParser.timestamp("1700000060") == 1_700_000_060_000)
        #expect(try APITimeParser.timestamp("1700000060.123") == 1_700_000_060_123)
        #expect(try APITimeParser.timestamp("1700000060.1236") == 1_700_000_060_124)
        #expect(try APITimeParser.timestamp("-1.5") == -1_500)
        #expect(try APITimeParser.timestamp("2023-11-14T22:14:20Z") == 1_700_000_060_000)
        #expect(try APITimeParser.timestamp("2023-11-14T22:14:20.5Z") == 1_700_000_060_500)
        #expect(try APITimeParser.timestamp("2023-11-14T22:14:20.123456789Z") == 1_700_000_060_123)
        #expect(try APITimeParser.timestamp("2023-11-15T00:14:20+02:00") == 1_700_000_060_000)
        #expect(try APITimeParser.timestamp("2023-11-14T17:44:20.25-04:30") == 1_700_000_060_250)
        #expect(try APITimeParser.timestamp("1969-12-31T23:59:59Z") == -1_000)
        #expect(try APITimeParser.timestamp("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(try APITimeParser.timestamp(APITimeParser.minTimeText) == APITimeParser.minTime)
        #expect(try APITimeParser.timestamp(APITimeParser.maxTimeText) == APITimeParser.maxTime)
        for bad in ["abc", "", "2023-02-29T00:00:00Z", "2023-11-14T22:14:20", "2023-11-14 22:14:20Z", "2023-11-14T24:00:00Z",
                    "2023-11-14T22:14:20.Z", "NaN", "Inf", "1e300"] {
            #expect(throws: ParseError.self, "\(bad)") { try APITimeParser.timestamp(bad) }
        }
        #expect(try APITimeParser.duration("15s") == 15_000)
        #expect(try APITimeParser.duration("1m30s") == 90_000)
        #expect(try APITimeParser.duration("2.5") == 2_500)
        #expect(try APITimeParser.duration("-1") == -1_000)
        #expect(throws: ParseError.self) { try APITimeParser.duration("fast") }
    }

    @Test func formPostMergesWithURLParameters() async throws {
        try await Self.withServer { s in
            let form = "query=\(Self.enc(#"up{instance="a"}"#))&time=1700000060"
            let (code, body) = try await s.post("/api/v1/query", form: form)
            #expect(code == 200)
            let (_, viaGet) = try await s.get("/api/v1/query?\(form)")
            #expect(body == viaGet)
            // The body's value wins over the URL's.
            let (_, both) = try await s.post("/api/v1/query?time=1&query=nothing", form: form)
            #expect(both == viaGet)
            let (_, range) = try await s.post("/api/v1/query_range", form: "query=1&start=1700000000&end=1700000030&step=15s")
            #expect(range == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"1"],[1700000015,"1"],[1700000030,"1"]]}]}}"#)
            // match[] from the body and the URL together.
            let (_, series) = try await s.post("/api/v1/series?match%5B%5D=esc", form: "match%5B%5D=\(Self.enc(#"up{instance="b"}"#))")
            #expect(series == #"{"status":"success","data":[{"__name__":"esc","v":"a\"b\\c\nd"},{"__name__":"up","instance":"b","job":"api"}]}"#)
        }
    }

    // MARK: - Series, labels, values, metadata

    @Test func seriesWithMatchersTimeRangeAndLimit() async throws {
        try await Self.withServer { s in
            let (code, body) = try await s.get("/api/v1/series?match%5B%5D=up")
            #expect(code == 200)
            #expect(body == #"{"status":"success","data":[{"__name__":"up","instance":"a","job":"api"},{"__name__":"up","instance":"b","job":"api"}]}"#)
            let (_, two) = try await s.get("/api/v1/series?match%5B%5D=\(Self.enc(#"up{instance="b"}"#))&match%5B%5D=\(Self.enc(#"special{kind="nan"}"#))")
            #expect(two == #"{"status":"success","data":[{"__name__":"special","kind":"nan"},{"__name__":"up","instance":"b","job":"api"}]}"#)
            // old_metric's only sample is an hour before t0.
            let (_, all) = try await s.get("/api/v1/series?match%5B%5D=\(Self.enc(#"{job=~".+"}"#))")
            #expect(all.contains("old_metric"))
            let (_, recent) = try await s.get("/api/v1/series?match%5B%5D=\(Self.enc(#"{job=~".+"}"#))&start=2023-11-14T22:00:00Z&end=1700000100")
            #expect(!recent.contains("old_metric") && recent.contains(#""instance":"a""#))
            let (_, cut) = try await s.get("/api/v1/series?match%5B%5D=up&limit=1")
            #expect(cut == #"{"status":"success","data":[{"__name__":"up","instance":"a","job":"api"}],"warnings":["results truncated due to limit"]}"#)
            let (_, none) = try await s.get("/api/v1/series?match%5B%5D=nothing_here")
            #expect(none == #"{"status":"success","data":[]}"#)

            let (c1, b1) = try await s.get("/api/v1/series")
            #expect(c1 == 400 && b1 == Self.errorBody("bad_data", "no match[] parameter provided"))
            let (c2, b2) = try await s.get("/api/v1/series?match%5B%5D=\(Self.enc(#"{job=~".*"}"#))")
            #expect(c2 == 400 && b2.contains("bad_data") && b2.contains("at least one non-empty matcher"), "\(b2)")
            let (c3, _) = try await s.get("/api/v1/series?match%5B%5D=\(Self.enc("rate(up[5m])"))")
            #expect(c3 == 400)
        }
    }

    @Test func labelNamesAndValues() async throws {
        try await Self.withServer { s in
            let (_, names) = try await s.get("/api/v1/labels")
            #expect(names == #"{"status":"success","data":["__name__","instance","job","kind","v"]}"#)
            let (_, upNames) = try await s.get("/api/v1/labels?match%5B%5D=up")
            #expect(upNames == #"{"status":"success","data":["__name__","instance","job"]}"#)
            let (_, posted) = try await s.post("/api/v1/labels", form: "match%5B%5D=\(Self.enc(#"{__name__="special"}"#))")
            #expect(posted == #"{"status":"success","data":["__name__","kind"]}"#)

            let (_, jobs) = try await s.get("/api/v1/label/job/values")
            #expect(jobs == #"{"status":"success","data":["api","batch"]}"#)
            let (_, recentJobs) = try await s.get("/api/v1/label/job/values?match%5B%5D=\(Self.enc(#"{job=~".+"}"#))&start=1700000000")
            #expect(recentJobs == #"{"status":"success","data":["api"]}"#)
            let (_, metricNames) = try await s.get("/api/v1/label/__name__/values?limit=2")
            #expect(metricNames == #"{"status":"success","data":["esc","old_metric"],"warnings":["results truncated due to limit"]}"#)
            // Prometheus 3's U__ escaping of a name in the path.
            let (_, escaped) = try await s.get("/api/v1/label/U__in_73_tance/values")
            #expect(escaped == #"{"status":"success","data":["a","b"]}"#)
            let (_, none) = try await s.get("/api/v1/label/absent/values")
            #expect(none == #"{"status":"success","data":[]}"#)
            let (code, bad) = try await s.get("/api/v1/label/1bad/values")
            #expect(code == 400 && bad == Self.errorBody("bad_data", #"invalid label name: "1bad""#))
        }
    }

    @Test func metadataListsTargetsMetadataWithPrometheusParameters() async throws {
        try await Self.withServer { s in
            let (code, body) = try await s.get("/api/v1/metadata?metric=up")
            #expect(code == 200 && body == #"{"status":"success","data":{"up":[{"type":"gauge","help":"Target up.","unit":""}]}}"#)
            let (_, all) = try await s.get("/api/v1/metadata")
            #expect(all == #"{"status":"success","data":{"reqs_total":[{"type":"counter","help":"Requests \"served\".\nAll of them.","unit":""},{"type":"counter","help":"Requests.","unit":""}],"up":[{"type":"gauge","help":"Target up.","unit":""}]}}"#)
            let (_, limited) = try await s.get("/api/v1/metadata?limit=1&limit_per_metric=1")
            #expect(limited == #"{"status":"success","data":{"reqs_total":[{"type":"counter","help":"Requests \"served\".\nAll of them.","unit":""}]}}"#)
            let (_, none) = try await s.get("/api/v1/metadata?metric=nope")
            #expect(none == #"{"status":"success","data":{}}"#)
            let (bad, _) = try await s.get("/api/v1/metadata?limit=x")
            #expect(bad == 400)
        }
    }

    // MARK: - format_query, parse_query, status

    @Test func formatAndParseQuery() async throws {
        try await Self.withServer { s in
            let (_, f) = try await s.get("/api/v1/format_query?query=\(Self.enc("sum(rate(foo[5m]))by(job)"))")
            #expect(f == #"{"status":"success","data":"sum by (job) (rate(foo[5m]))"}"#)
            let (code, bad) = try await s.post("/api/v1/format_query", form: "query=\(Self.enc("foo{"))")
            #expect(code == 400 && bad.contains(#"invalid parameter \"query\""#))

            // No exemplars are stored: a valid request gets an empty list, a bad one Prometheus' error.
            let (exCode, ex) = try await s.get("/api/v1/query_exemplars?query=up&start=0&end=100")
            #expect(exCode == 200 && ex == #"{"status":"success","data":[]}"#, "\(ex)")
            let (badEx, _) = try await s.get("/api/v1/query_exemplars?query=\(Self.enc("up{"))")
            let (backwards, _) = try await s.get("/api/v1/query_exemplars?query=up&start=100&end=0")
            #expect(badEx == 400 && backwards == 400)

            let (_, p) = try await s.get("/api/v1/parse_query?query=\(Self.enc(#"up{job="a"} offset 1m"#))")
            #expect(p == #"{"status":"success","data":{"matchers":[{"name":"job","type":"=","value":"a"},{"name":"__name__","type":"=","value":"up"}],"name":"up","offset":60000,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"}}"#
                    || p == #"{"status":"success","data":{"matchers":[{"name":"__name__","type":"=","value":"up"},{"name":"job","type":"=","value":"a"}],"name":"up","offset":60000,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"}}"#, "\(p)")
            let (_, agg) = try await s.get("/api/v1/parse_query?query=\(Self.enc("topk(3, -2 * x)"))")
            #expect(agg.contains(#""op":"topk","param":{"type":"numberLiteral","val":"3"},"type":"aggregation","without":false"#), "\(agg)")
            #expect(agg.contains(#"{"bool":false,"lhs":{"type":"numberLiteral","val":"-2"},"matching":null,"op":"*""#), "\(agg)")
            let (_, call) = try await s.get("/api/v1/parse_query?query=\(Self.enc("rate(x[5m] @ start())"))")
            #expect(call.contains(#""func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call""#), "\(call)")
            #expect(call.contains(#""range":300000,"startOrEnd":"start","timestamp":null,"type":"matrixSelector""#), "\(call)")
        }
    }

    @Test func statusEndpoints() async throws {
        try await Self.withServer { s in
            let (_, build) = try await s.get("/api/v1/status/buildinfo")
            #expect(build.hasPrefix(#"{"status":"success","data":{"version":"\#(TidemarkVersion.string)","revision":"#))
            let (_, flags) = try await s.get("/api/v1/status/flags")
            #expect(flags.hasPrefix(#"{"status":"success","data":{"query.timeout":"30s","storage.tsdb.path":"#))
            let (_, runtime) = try await s.get("/api/v1/status/runtimeinfo")
            #expect(runtime.contains(#""reloadConfigSuccess":true"#) && runtime.contains(#""storageRetention":"15d""#))

            let (_, tsdb) = try await s.get("/api/v1/status/tsdb?limit=2")
            #expect(tsdb.hasPrefix(#"{"status":"success","data":{"headStats":{"numSeries":10,"numLabelPairs":"#), "\(tsdb)")
            #expect(tsdb.contains(#""minTime":1699996400000,"maxTime":1700000060000}"#), "\(tsdb)")
            #expect(tsdb.contains(#""seriesCountByMetricName":[{"name":"special","value":6},{"name":"up","value":2}]"#), "\(tsdb)")
            #expect(tsdb.contains(#""labelValueCountByLabelName":[{"name":"kind","value":6},{"name":"__name__","value":4}]"#), "\(tsdb)")
            #expect(tsdb.contains(#""seriesCountByLabelValuePair":[{"name":"__name__=special","value":6},"#), "\(tsdb)")
            let (code, _) = try await s.get("/api/v1/status/tsdb?limit=0")
            #expect(code == 400)
        }
    }

    // MARK: - Encoding

    @Test func valuesAndTimestampsEncodeAsGoDoes() {
        func value(_ v: Double) -> String { var b = JSONBuffer(); b.sampleValue(v); return b.text }
        #expect(value(1) == #""1""#)
        #expect(value(-0.0) == #""-0""#)
        #expect(value(123.456) == #""123.456""#)
        // Prometheus (2.42 and current, checked against Debian's 2.42) switches to the exponent
        // form from 1e21 up and below 1e-6.
        #expect(value(1e21) == #""1e+21""#)
        #expect(value(9.99e20) == #""999000000000000000000""#)
        #expect(value(1e-6) == #""0.000001""#)
        #expect(value(1.5e-7) == #""1.5e-07""#)
        #expect(value(-1.5e22) == #""-1.5e+22""#)
        #expect(value(.greatestFiniteMagnitude) == #""1.7976931348623157e+308""#)
        #expect(value(5e-324) == #""5e-324""#)
        #expect(value(0) == #""0""#)
        #expect(value(9_007_199_254_740_993) == #""9007199254740992""#)
        #expect(value(.nan) == #""NaN""#)
        #expect(value(-.infinity) == #""-Inf""#)
        func ts(_ ms: Int64) -> String { var b = JSONBuffer(); b.timestamp(ms); return b.text }
        #expect(ts(1_700_000_000_000) == "1700000000")
        #expect(ts(1_700_000_000_100) == "1700000000.100")
        #expect(ts(1_700_000_000_007) == "1700000000.007")
        #expect(ts(-1_500) == "-1.500")
        #expect(ts(.min) == "-9223372036854775.808")
        #expect(APIResponse.jsonString("a\u{1}\t\"é") == #""a\u0001\t\"é""#)
    }

    @Test func queryFlagsBecomeEngineOptions() throws {
        let logger = Logger(label: "test")
        let c = try TidemarkCommand.parse(["--query.timeout=30s", "--query.max-samples", "1000", "--query.max-concurrency=3",
                                           "--query.lookback-delta=1m", "--enable-feature=promql-experimental-functions",
                                           "--enable-feature", "promql-delayed-name-removal"])
        let o = try c.engineOptions(logger: logger)
        #expect(o.timeout == .seconds(30) && o.maxSamples == 1000 && o.maxConcurrentQueries == 3 && o.lookbackDeltaMs == 60_000)
        #expect(o.experimentalFunctions && o.delayedNameRemoval)
        #expect(c.flagValues["query.timeout"] == "30s")
        let d = try TidemarkCommand.parse([]).engineOptions(logger: logger)
        #expect(d.timeout == .seconds(120) && d.maxSamples == 50_000_000 && d.maxConcurrentQueries == 20 && d.lookbackDeltaMs == 300_000)
        #expect(!d.experimentalFunctions && !d.delayedNameRemoval)
        #expect(throws: (any Error).self) { try TidemarkCommand.parse(["--query.timeout=0s"]).engineOptions(logger: logger) }
        #expect(throws: (any Error).self) { try TidemarkCommand.parse(["--query.lookback-delta=soon"]).engineOptions(logger: logger) }
    }

    @Test func experimentalFunctionsNeedTheFeature() async throws {
        let query = "/api/v1/query?query=\(Self.enc(#"sort_by_label(up, "instance")"#))&time=1700000060"
        try await Self.withServer { s in
            let (code, body) = try await s.get(query)
            #expect(code == 400 && body.contains("promql-experimental-functions"), "\(body)")
        }
        try await Self.withServer(features: ["promql-experimental-functions"]) { s in
            let (code, body) = try await s.get(query)
            #expect(code != 400, "\(body)")
        }
    }

    @Test func enableFeatureFlagValues() {
        let f = EnabledFeatures(["promql-experimental-functions,foo", " promql-delayed-name-removal ", "", "type-and-unit-labels"])
        #expect(f.experimentalFunctions && f.delayedNameRemoval && f.typeAndUnitLabels && f.unknown == ["foo"])
        #expect(EnabledFeatures([]) == EnabledFeatures([""]))
    }
}
