import Foundation
import Testing
@testable import Server

/// The hand-written reader of `POST /api/v2/alerts` bodies agrees with JSONSerialization and refuses malformed input.
@Suite struct AlertJSONReaderTests {
    @Test func readsWhatSendersPost() throws {
        let body = #"""
            [ {"labels": {"alertname": "Disk\u00fc\"q\\", "emoji": "\ud83d\ude00", "tab": "a\tb"},
               "annotations": {"summary": "x / y \/ z"}, "startsAt": "2026-11-24T10:00:00.123Z", "endsAt": null,
               "generatorURL": "http://p/graph?g0.expr=up\u0026x=1", "status": {"state": "active", "n": [1, 2.5e3, true, false, null]}},
              {"labels": {"a": "b"}} ]
            """#
        let got = try AlertJSONReader.alerts(Array(body.utf8))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        #expect(got.count == 2)
        #expect(got[0].labels == reference[0]["labels"] as? [String: String])
        #expect(got[0].labels["emoji"] == "😀" && got[0].labels["alertname"] == "Diskü\"q\\")
        #expect(got[0].annotations == reference[0]["annotations"] as? [String: String])
        #expect(got[0].startsAt == "2026-11-24T10:00:00.123Z" && got[0].endsAt == nil)
        #expect(got[0].generatorURL == "http://p/graph?g0.expr=up&x=1")
        #expect(got[1].labels == ["a": "b"] && got[1].annotations == nil)
        #expect(try AlertJSONReader.alerts(Array(" [ ] ".utf8)).isEmpty)
    }

    @Test(arguments: [
        "", "{}", "[", "[{}]", #"[{"labels": {"a": 1}}]"#, #"[{"labels": {"a": "b"}"#, #"[{"labels": {"a": "b\x"}}]"#,
        #"[{"labels": {"a": "b"}}] x"#, #"[{"labels": {"a": "b"}},]"#, #"[{"annotations": {}}]"#,
        "[" + String(repeating: #"{"labels":{"a":"b"},"x":"#, count: 1) + String(repeating: "[", count: 100) + "]",
        "[{\"labels\": {\"a\": \"line\nbreak\"}}]",
    ])
    func refusesMalformedBodies(_ body: String) {
        #expect(throws: AlertJSONReader.Failure.self) { try AlertJSONReader.alerts(Array(body.utf8)) }
    }
}
