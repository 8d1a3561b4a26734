import DockerEngine
import Playbook

/// What a start-first swap of a live container would run into, read from its configuration
/// before anything changes: `molt plan` shows it as warnings.
///
/// Start-first runs the new copy beside the old one until the new one is healthy. A host port
/// the old copy publishes cannot be published twice: Docker refuses to start the new copy,
/// and every host rolls back with nothing gained. On host networking, two copies can share a
/// port only when the program sets SO_REUSEPORT, which molt cannot see from outside, so that
/// is no warning; but a probe of the shared port may then be answered by the old copy.
enum StartFirstHazards {
    /// Warnings for starting a second copy of `live` beside it, checked by `health`.
    static func warnings(for live: ContainerDetails, health: HealthSpec) -> [String] {
        var warnings: [String] = []
        let fixed = live.fixedHostPorts
        if !fixed.isEmpty {
            warnings.append(
                "start-first: \(live.name) publishes host port\(fixed.count == 1 ? "" : "s") \(fixed.joined(separator: ", ")), "
                    + "which the new copy cannot publish while \(live.name) runs: Docker refuses to start it, and the host "
                    + "rolls back; use order: stop-first, or publish no fixed host port (a proxy in front)")
        }
        if live.hostConfig["NetworkMode"]?.stringValue == "host" {
            let probes = [health.http.map { "http probe of port \($0.port)" }, health.tcp.map { "tcp probe of port \($0.port)" }]
                .compactMap { $0 }
            if !probes.isEmpty {
                warnings.append(
                    "start-first on host networking: the new copy shares its ports with \(live.name) only if it sets SO_REUSEPORT, "
                        + "and then the \(probes.joined(separator: " and ")) may be answered by the old copy; a HEALTHCHECK that asks "
                        + "the new copy itself (health: docker: true) tells them apart")
            }
        }
        return warnings
    }
}
