import Hummingbird
import NIOCore
import TSDB

/// Reads a push body, decompressing gzip or snappy (`Content-Encoding`), within the size limit.
enum PushBody {
    enum Failure: Error {
        case response(Response)
    }

    /// A snappy body too large once decompressed is over the body limit (413), as an oversized
    /// compressed one is; anything else about it is malformed (400).
    static func status(for error: SnappyError) -> HTTPResponse.Status {
        if case .decompressedTooLarge = error { return .contentTooLarge }
        return .badRequest
    }

    static func read(_ req: Request, limit: Int) async throws -> [UInt8] {
        let buf = try await req.body.collect(upTo: limit)
        let enc = req.headers[.contentEncoding]?.lowercased() ?? "identity"
        switch enc {
        case "identity", "":
            return Array(buf.readableBytesView)
        case "gzip", "deflate", "x-gzip":
            do {
                return try buf.withUnsafeReadableBytes { raw throws(Gzip.Error) in try Gzip.decompress(raw, limit: limit) }
            } catch {
                throw Failure.response(APIResponse.text(
                    error.description.contains("larger than") ? .contentTooLarge : .badRequest, "\(error)\n"))
            }
        case "snappy":
            var out: [UInt8] = []
            do {
                try buf.withUnsafeReadableBytes { raw throws(SnappyError) in
                    try SnappyBlock.decompress(raw, maxDecompressedBytes: limit, into: &out)
                }
            } catch {
                throw Failure.response(APIResponse.text(status(for: error), "snappy: \(error)\n"))
            }
            return out
        default:
            throw Failure.response(APIResponse.text(.unsupportedMediaType, "unsupported Content-Encoding \"\(enc)\"\n"))
        }
    }
}

/// The samples of a text exposition body, parsed whole before anything is stored.
struct ParsedPush {
    var samples: [(labels: Labels, t: Int64?, v: Double)] = []
    var seriesCount = 0

    /// Parses `body` (format from the content type), applying `extra` labels over the parsed
    /// ones; throws a 400 response naming the line on a parse error, or on too many series.
    static func parse(_ body: [UInt8], contentType: String?, extra: [Label], maxSeries: Int) throws(PushBody.Failure) -> ParsedPush {
        let format = contentType.map { ExpositionFormat(contentType: $0) } ?? .prometheusText
        var out = ParsedPush()
        var seen = Set<Labels>()
        let result: Result<Void, ExpositionError> = body.withUnsafeBytes { raw in
            var parser = ExpositionParser(raw, format: format)
            do throws(ExpositionError) {
                while let entry = try parser.next() {
                    guard case .sample(let s) = entry else { continue }
                    var labels = try s.makeLabels()
                    if !extra.isEmpty {
                        var pairs = labels.pairs.filter { p in !extra.contains { $0.name == p.name } }
                        pairs.append(contentsOf: extra)
                        pairs.sort()
                        labels = Labels(sortedUnchecked: pairs)
                    }
                    if seen.insert(labels).inserted { out.seriesCount += 1 }
                    out.samples.append((labels, s.timestamp, s.value))
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let e) = result { throw .response(APIResponse.text(.badRequest, "\(e)\n")) }
        if out.seriesCount > maxSeries {
            throw .response(APIResponse.text(.badRequest, "too many series in one request: \(out.seriesCount) > \(maxSeries)\n"))
        }
        return out
    }
}
