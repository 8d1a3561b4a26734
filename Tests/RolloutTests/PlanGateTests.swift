import Foundation
import Playbook
import Rollout
import Testing

/// `molt plan --output json` shows the playbook's gates beside the batches (SPEC §10).
struct PlanGateTests {
    @Test("each batch a gate follows is one entry, with its hold, checks and promotion, and whether this plan reaches it")
    func gatesInThePlan() throws {
        let playbook = try Playbook.parse(text: """
            name: web
            hosts: all
            container: web
            image: web:2
            batches: [1, "50%", "100%"]
            gates:
              - after: [1, 3]
                hold: 90s
                http:
                  - url: http://127.0.0.1:9090/api/v1/query?query=errors
                    value: $.data.result[0].value[1]
                    max: 0.01
                interval: 500ms
                promote: manual
            """, source: "gated.yml")
        let gates = PlanGate.gates(of: playbook, batches: 3)
        #expect(gates.map(\.after) == [1, 3])
        #expect(gates.map(\.reached) == [true, false], "a gate after the last batch is never reached")
        #expect(gates.allSatisfy { $0.holdSeconds == 90 && $0.intervalSeconds == 0.5 && $0.promote == "manual" })
        #expect(gates.first?.checks == [PlanGate.Check(url: "http://127.0.0.1:9090/api/v1/query?query=errors",
                                                       value: "$.data.result[0].value[1]", min: nil, max: 0.01, equals: nil)])

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try #require(String(data: try encoder.encode(PlanReport(batches: [], gates: gates)), encoding: .utf8))
        #expect(json.contains(#""gates":[{"after":1,"checks":[{"max":0.01,"url":"http:\/\/127.0.0.1:9090\/api\/v1\/query?query=errors","value":"$.data.result[0].value[1]"}],"hold_seconds":90,"interval_seconds":0.5,"promote":"manual","reached":true,"#), "\(json)")
        #expect(PlanGate.gates(of: try Playbook.parse(text: "name: w\nhosts: all\ncontainer: w\nimage: w:1\n", source: "p.yml"), batches: 2).isEmpty)
    }
}
