public import DockerEngine
public import Inventory
public import SSH

/// One host reached: its SSH session, and a Docker client whose requests ride on that session.
///
/// Opened once per command and reused for every API call on the host (SPEC §1).
public struct HostConnection: Sendable {
    /// The inventory host.
    public let host: InventoryHost
    /// The host's one SSH session.
    public let session: SSHSession
    /// The Docker engine client, speaking the negotiated API version.
    public let docker: DockerClient
    /// What the engine said about itself.
    public let engine: EngineVersion

    /// Connects, verifies the host key, authenticates and negotiates the Docker API version.
    ///
    /// `connector` is the command's: hosts behind the same jump host share its session.
    /// - Throws: `HostFailure` naming the host and the cause.
    public static func open(
        _ host: InventoryHost, settings: ConnectionSettings, connector: SSHConnector
    ) async throws(HostFailure) -> HostConnection {
        let endpoint: SSHEndpoint
        do {
            endpoint = try settings.endpoint(for: host)
        } catch {
            throw HostFailure(host: host.name, stage: .connect, message: error.message)
        }
        let session: SSHSession
        do {
            session = try await SSHSession.connect(to: endpoint, using: connector)
        } catch {
            throw HostFailure(host: host.name, stage: .connect, error: error)
        }
        do {
            let tunnel = DockerTunnel(session: session, socketPath: host.dockerSocket)
            let client = DockerClient(connector: tunnel, timeout: settings.requestTimeout)
            let (docker, engine) = try await client.negotiated()
            return HostConnection(host: host, session: session, docker: docker, engine: engine)
        } catch {
            await session.close()
            throw HostFailure(host: host.name, stage: .docker, message: "Docker engine at \(host.dockerSocket): \(ErrorText.oneLine(error))")
        }
    }

    /// Ends the SSH session; channels still open are closed with it. Suspends (holding no
    /// thread) until the session's thread is done.
    public func close() async {
        await session.close()
    }
}
