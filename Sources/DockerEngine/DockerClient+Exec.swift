extension DockerClient {
    /// Runs a command in a running container and waits for it: exec create, start attached,
    /// then inspect for the exit code.
    ///
    /// - Parameters:
    ///   - command: the program and its arguments, run without a shell.
    ///   - user: the user to run as, `name` or `uid:gid`; the container's user when `nil`.
    ///   - timeout: how long the command may run; the client's ``timeout`` when `nil`.
    /// - Throws: ``DockerError``: `notFound` without such a container, `conflict` when it does
    ///   not run. A command that fails is not an error: see ``ExecResult/exitCode``.
    public func exec(in container: String, command: [String], user: String? = nil, timeout: Duration? = nil) async throws -> ExecResult {
        var create: JSONValue = [
            "AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Tty": false,
            "Cmd": .array(command.map(JSONValue.string)),
        ]
        if let user { create["User"] = .string(user) }
        let createRequest = try request(.post, versioned("containers", container, "exec"), json: create)
        guard let id = try await json(createRequest)["Id"]?.stringValue, !id.isEmpty else {
            throw DockerError(.malformedResponse, "the engine created an exec without telling its Id", request: createRequest.summary)
        }

        // Without `Upgrade: tcp` the engine answers 200 and then streams the output,
        // multiplexed because there is no terminal, until the command exits.
        let startRequest = try request(.post, versioned("exec", id, "start"), json: ["Detach": false, "Tty": false])
        let limits = Limits(whole: timeout ?? self.timeout, idle: nil)
        let (stdout, stderr) = try await streaming(startRequest, limits: limits) { response in
            var decoder = MultiplexedStreamDecoder(mode: .multiplexed)
            var stdout: [UInt8] = []
            var stderr: [UInt8] = []
            let limit = http.configuration.maxBodySize
            func take(_ pieces: [(ContainerLogs.Stream, [UInt8])]) throws {
                for (stream, bytes) in pieces {
                    if stream == .stdout { stdout += bytes } else { stderr += bytes }
                }
                guard stdout.count + stderr.count <= limit else {
                    throw DockerError(.malformedResponse, "the command's output is larger than \(limit) bytes")
                }
            }
            for try await chunk in response.body { try take(decoder.decode(chunk)) }
            try take(try decoder.finish())
            return (stdout, stderr)
        }

        // The output ends when the process does, but the engine may record the exit code a
        // moment later.
        let inspectRequest = HTTPRequest(.get, versioned("exec", id, "json"))
        for attempt in 0..<50 {
            let state = try await json(inspectRequest)
            if state["Running"]?.boolValue != true, let code = state["ExitCode"]?.integerValue {
                return ExecResult(exitCode: Int(code), stdout: stdout, stderr: stderr)
            }
            try await Task.sleep(for: .milliseconds(attempt < 10 ? 20 : 100))
        }
        throw DockerError(.timeout, "the command's output ended but the engine reports no exit code", request: inspectRequest.summary)
    }
}
