import FlyingFox
import Foundation

/// Where `--listen` binds.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public init(host: String, port: UInt16, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable { public let description: String }

    /// `PORT`, `HOST:PORT`, `[V6]:PORT`; `localhost` means 127.0.0.1.
    public static func parse(_ text: String) throws(Invalid) -> ListenAddress {
        var host = "127.0.0.1"
        var portText = text
        var v6 = false
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(description: "--listen: expected [ADDRESS]:PORT, got \(text)")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[text.index(close, offsetBy: 2)...])
            v6 = true
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if host.contains(":") { throw Invalid(description: "--listen: put IPv6 addresses in brackets: [::1]:9216") }
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard let port = UInt16(portText) else { throw Invalid(description: "--listen: bad port in \(text)") }
        let valid = v6 ? (try? sockaddr_in6.inet6(ip6: host, port: port)) != nil : (try? sockaddr_in.inet(ip4: host, port: port)) != nil
        guard valid else { throw Invalid(description: "--listen: not an IP address: \(host)") }
        return ListenAddress(host: host, port: port, isIPv6: v6)
    }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        if isIPv6 { return host == "::1" || host == "0:0:0:0:0:0:0:1" }
        return host.hasPrefix("127.")
    }
}

/// The HTTP endpoint of `tail` (FlyingFox): `GET /metrics`, `GET /report`, `GET /healthz`.
/// Other paths get 404, other methods 405, requests with a body 413.
public final class MetricsServer: @unchecked Sendable {
    let server: HTTPServer
    private var task: Task<Void, any Error>?

    public init(address: ListenAddress, live: LiveState) throws {
        let handler = EndpointHandler(live: live)
        if address.isIPv6 {
            server = HTTPServer(address: try .inet6(ip6: address.host, port: address.port), timeout: 15, logger: .disabled, handler: handler)
        } else {
            server = HTTPServer(address: try .inet(ip4: address.host, port: address.port), timeout: 15, logger: .disabled, handler: handler)
        }
    }

    /// Starts listening; returns the bound address as `host:port` once the socket is listening.
    public func start() throws -> String {
        let server = self.server
        let outcome = ResultBox()
        let sem = DispatchSemaphore(value: 0)
        task = Task.detached {
            do {
                try await server.run()
            } catch {
                // A failed bind ends `run` at once: report it now, not after the listening timeout.
                outcome.set(.failure(ServerError(description: MetricsServer.explain(error))))
                sem.signal()
            }
        }
        Task.detached {
            do {
                try await server.waitUntilListening(timeout: 10)
                switch await server.listeningAddress {
                case .ip4(let h, let p)?: outcome.set(.success("\(h):\(p)"))
                case .ip6(let h, let p)?: outcome.set(.success("[\(h)]:\(p)"))
                default: outcome.set(.failure(ServerError(description: "not listening")))
                }
            } catch {
                outcome.set(.failure(ServerError(description: "cannot listen: \(error)")))
            }
            sem.signal()
        }
        sem.wait()
        return try outcome.get()
    }

    public func stop() {
        let server = self.server
        let sem = DispatchSemaphore(value: 0)
        Task.detached {
            await server.stop(timeout: 1)
            sem.signal()
        }
        _ = sem.wait(timeout: .now() + 3)
    }

    struct ServerError: Error, CustomStringConvertible { let description: String }

    /// A socket error as a user reads it (`address already in use` rather than an errno dump).
    static func explain(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("errno: 98") { return "address already in use" }
        if text.contains("Permission denied") || text.contains("errno: 13") { return "permission denied (a port below 1024 needs privileges)" }
        if text.contains("Cannot assign requested address") || text.contains("errno: 99") { return "no such local address" }
        return "cannot listen: \(text)"
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<String, ServerError>?
        /// The first outcome wins (a failed run and a timed-out wait may both report).
        func set(_ v: Result<String, ServerError>) { lock.lock(); if value == nil { value = v }; lock.unlock() }
        func get() throws -> String {
            lock.lock(); defer { lock.unlock() }
            return try (value ?? .failure(ServerError(description: "not started"))).get()
        }
    }
}

struct EndpointHandler: HTTPHandler {
    let live: LiveState
    static let paths: Set<String> = ["/metrics", "/report", "/healthz"]

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        // The raw request target, not FlyingFox's standardized path (which folds "/metrics/").
        let path = request.target.path()
        guard Self.paths.contains(path) else {
            return Self.text(.notFound, "not found\n")
        }
        guard request.method == .GET else {
            var r = Self.text(.methodNotAllowed, "method not allowed\n")
            r.headers[.init("Allow")] = "GET"
            return r
        }
        let length = request.headers[.contentLength].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        if length != 0 || request.headers[.transferEncoding] != nil {
            var r = Self.text(.payloadTooLarge, "request bodies are not accepted\n")
            r.headers[.connection] = "close"
            return r
        }
        switch path {
        case "/metrics":
            return Self.text(.ok, live.metricsText(), type: "text/plain; version=0.0.4; charset=utf-8")
        case "/report":
            return Self.text(.ok, live.reportJSON(), type: "application/json")
        default:
            // Unhealthy while a followed file is missing or unreadable (checked at each request).
            let problems = live.fileProblems()
            if problems.isEmpty { return Self.text(.ok, "ok\n") }
            return Self.text(.serviceUnavailable, problems.joined(separator: "\n") + "\n")
        }
    }

    static func text(_ status: HTTPStatusCode, _ body: String, type: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: type], body: Data(body.utf8))
    }
}
