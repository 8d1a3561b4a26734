public import DockerEngine
public import SSH
import Foundation

/// Opens a fresh `direct-streamlocal@openssh.com` channel to a host's Docker socket for each
/// connection the Docker client asks for, all on the host's one SSH session.
public struct DockerTunnel: ByteStreamConnector {
    public let session: SSHSession
    public let socketPath: String

    public init(session: SSHSession, socketPath: String) {
        self.session = session
        self.socketPath = socketPath
    }

    public func connect() async throws -> any ByteStream {
        do {
            return ChannelStream(channel: try await session.openUnixSocket(socketPath))
        } catch let error as SSHError where error.code == .channelRefused {
            throw SSHError(.channelRefused, host: error.host,
                "cannot reach the Docker socket \(socketPath): \(error.message.components(separatedBy: "Unix socket \(socketPath) ").last ?? error.message) — is dockerd running, and may this user open the socket?")
        }
    }
}

/// An SSH channel seen as the byte stream the Docker client speaks HTTP over.
struct ChannelStream: ByteStream {
    let channel: SSHChannel

    func write(_ bytes: [UInt8]) async throws {
        try await channel.write(bytes)
    }

    func read(maxLength: Int) async throws -> [UInt8] {
        try await channel.read(maxLength: maxLength)
    }

    func close() async {
        await channel.close()
    }
}
