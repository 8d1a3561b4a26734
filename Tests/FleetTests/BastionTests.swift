import DockerEngine
import Foundation
import Inventory
import MoltTestSupport
import Testing

extension LabFleetTests {
    /// A fleet behind a bastion (issue 8's "done means"): `scripts/lab bastion on` makes lab2..N
    /// refuse SSH from this machine, so molt reaches them only through lab1, the way an operator
    /// reaches most real fleets. The fixture's own sessions were opened before, and live on.
    @Suite("molt through a bastion on the lab fleet")
    struct BastionTests {
        /// The two bastion inventories `scripts/lab up` writes beside the lab's own.
        static func inventory(_ form: String, _ lab: Lab) -> String {
            "\(lab.directory)/inventory-\(form).yml"
        }

        @Test("ProxyJump in ansible_ssh_common_args (lab3 through two hops): status, find, plan, rollout, trial and rollback reach every host")
        func proxyJump() async throws {
            try await throughBastion(Self.inventory("proxyjump", try Lab.current()))
        }

        @Test("ssh_config aliases with ProxyJump (lab3 through lab2, itself through lab1): status, find, plan, rollout, trial and rollback reach every host")
        func sshConfigAliases() async throws {
            try await throughBastion(Self.inventory("ssh-config", try Lab.current()))
        }

        @Test("without the jump, the hosts behind the bastion are reported unreachable at once, lab1 answers")
        func withoutJump() async throws {
            let lab = try Lab.current()
            try await withBastion(lab) {
                let started = ContinuousClock.now
                let result = try await Shell.molt("status", "-i", lab.inventoryPath, "--output", "json")
                let elapsed = ContinuousClock.now - started
                #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
                #expect(elapsed < .seconds(20), "refused connections are reported quickly, not after timeouts: \(elapsed)")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
                let hosts = try #require(document["hosts"] as? [[String: Any]])
                for host in hosts {
                    let name = host["name"] as? String ?? ""
                    #expect((host["reachable"] as? Bool) == (name == "lab1"), "\(host)")
                    if name != "lab1" {
                        let error = host["error"] as? String ?? ""
                        #expect(error.contains("refused"), "\(name): \(error)")
                    }
                }
            }
        }

        /// Every command an operator runs, through the bastion, on web (every host) and db (lab3, lab4).
        private func throughBastion(_ inventory: String) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            try await withBastion(lab) {
                func molt(_ arguments: String...) async throws -> Shell.Result {
                    try await Shell.run(
                        [Shell.molt] + arguments + ["-i", inventory, "--journal", fixture.journal],
                        environment: Shell.cleanEnvironment)
                }
                let status = try await molt("status", "--output", "json")
                #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
                for host in lab.hosts {
                    #expect(status.stdout.contains("\"\(host.name)\""), "\(status.stdout)")
                }

                let find = try await molt("find", "--package", "libssl3", "--below", "dpkg:3.0.15-1~deb12u1,apk:3.1.7-r1")
                #expect(find.status == 0 || find.status == 1, "\(find.stdout)\(find.stderr)")
                #expect(!find.stdout.contains("unreachable") && !find.stderr.contains("unreachable"), "\(find.stdout)\(find.stderr)")

                let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "100%"]"#)
                let plan = try await molt("plan", playbook, "--output", "json")
                #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
                let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])["batches"] as? [[[String: Any]]]
                #expect(planned?.joined().map { $0["action"] as? String } == Array(repeating: "update", count: lab.hosts.count))

                let rollout = try await molt("rollout", playbook, "--yes")
                #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
                let after = try await fixture.webs()
                for host in lab.hosts {
                    #expect(after[host.name]?.configImage == RolloutFixture.web2, "\(host.name)")
                    #expect(after[host.name]?.state.health?.status == "healthy", "\(host.name)")
                }

                let db = try fixture.scratch.write("db-bastion.yml", """
                    name: db
                    hosts: lab3:lab4
                    container: db
                    image: \(RolloutFixture.db2)
                    health: {interval: 500ms, timeout: 20s, stable: 1s}
                    trial:
                      volumes: all
                      env: {PORT: "15433"}
                    batches: ["100%"]
                    """)
                // A trial runs on the first batch's hosts: both, lab3 through two hops.
                let trial = try await molt("trial", db)
                #expect(trial.status == 0, "\(trial.stdout)\(trial.stderr)")
                #expect(trial.stdout.contains("lab3") && trial.stdout.contains("lab4"), "\(trial.stdout)")

                let rollback = try await molt("rollback", playbook, "--yes")
                #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
                let back = try await fixture.webs()
                for host in lab.hosts {
                    #expect(back[host.name]?.id == before[host.name]?.id, "\(host.name) is back on its 1.0 container")
                    #expect(back[host.name]?.state.health?.status == "healthy", "\(host.name)")
                }
            }
            try await fixture.expectNoStrays()
        }

        /// Runs `body` with bastion mode on, and turns it off afterwards whatever happened.
        private func withBastion(_ lab: Lab, _ body: () async throws -> Void) async throws {
            try await lab.script("bastion", "on")
            do {
                try await body()
            } catch {
                try await lab.script("bastion", "off")
                throw error
            }
            try await lab.script("bastion", "off")
        }
    }
}
