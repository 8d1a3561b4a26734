extension DockerClient {
    /// Attaches a container to a network: `POST /networks/{id}/connect`.
    ///
    /// Before API 1.44 a container is created on one network only; the others are connected
    /// this way between create and start.
    ///
    /// - Parameter endpointConfig: `IPAMConfig`, `Aliases`, `Links`, `DriverOpts`, ... as the
    ///   engine takes them; `null` or `{}` for none.
    public func connectNetwork(_ network: String, container: String, endpointConfig: JSONValue = [:]) async throws {
        var body: JSONValue = ["Container": .string(container)]
        if !endpointConfig.isNull { body["EndpointConfig"] = endpointConfig }
        _ = try await send(try request(.post, versioned("networks", network, "connect"), json: body))
    }

    /// Detaches a container from a network: `POST /networks/{id}/disconnect`.
    public func disconnectNetwork(_ network: String, container: String, force: Bool = false) async throws {
        let body: JSONValue = ["Container": .string(container), "Force": .bool(force)]
        _ = try await send(try request(.post, versioned("networks", network, "disconnect"), json: body))
    }
}
