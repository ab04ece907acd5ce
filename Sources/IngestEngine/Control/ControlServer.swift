@preconcurrency import Dispatch
import Foundation
import Logging
import NewsProtocol
import NewsSystem
import Synchronization

/// Who may run commands that change newsd's state.
public struct AccessPolicy: Sendable, Equatable {
    /// Users allowed to run every command: root, the daemon's own user, `control.adminUsers`.
    public var adminUIDs: Set<UInt32>
    /// `control.adminGroup`: a peer in this group (its primary or a supplementary group, as the
    /// kernel reports them for the socket) may run every command.
    public var adminGID: UInt32?
    /// The group's name as configured, for the refusal's sentence.
    public var adminGroupName: String

    /// Resolves `control.adminUsers` (names or numbers) and `control.adminGroup` (a name or
    /// number; empty: none); unknown names are an error.
    public init(adminUsers: [String], adminGroup: String = "", ownUID: UInt32 = UserDatabase.effectiveUserID) throws {
        adminGroupName = adminGroup
        if adminGroup.isEmpty {
            adminGID = nil
        } else if let gid = UInt32(adminGroup) ?? UserDatabase.groupID(named: adminGroup) {
            adminGID = gid
        } else {
            throw ConfigLoadError(key: "control.adminGroup", problem: "no group named \"\(adminGroup)\"")
        }
        // The overflow group is what a user namespace shows for every group it does not map:
        // naming it would make unrelated users admins.
        if let gid = adminGID, gid == 65534 || gid == UInt32.max {
            throw ConfigLoadError(key: "control.adminGroup", problem: "\"\(adminGroup)\" is gid \(gid), the group unmapped ids show as; name a group of its own")
        }
        var uids: Set<UInt32> = [0, ownUID]
        for user in adminUsers {
            if let uid = UInt32(user) ?? UserDatabase.userID(named: user) {
                uids.insert(uid)
            } else {
                throw ConfigLoadError(key: "control.adminUsers", problem: "no user named \"\(user)\"")
            }
        }
        adminUIDs = uids
    }

    /// Whether `peer` may run every command.
    public func isAdmin(_ peer: PeerCredentials) -> Bool {
        if adminUIDs.contains(peer.uid) { return true }
        guard let adminGID else { return false }
        return peer.gid == adminGID || peer.groups.contains(adminGID)
    }

    /// Nil when `peer` may run `command`, else the refusal.
    public func check(_ command: ControlCommand, _ peer: PeerCredentials) -> ControlErrorBody? {
        guard !command.isReadOnly, !isAdmin(peer) else { return nil }
        let own = UserDatabase.effectiveUserID
        let user = UserDatabase.userName(own) ?? "uid \(own)"
        let group = adminGID == nil ? "" : ", a member of control.adminGroup (\(adminGroupName))"
        return ControlErrorBody(
            code: .forbidden,
            message: "\"\(command.rawValue)\" changes newsd's state and needs root, the \(user) user\(group) or a user in control.adminUsers; "
                + "you are uid \(peer.uid) (read-only commands such as status are open to you)")
    }
}

/// The control socket: a Unix stream socket speaking newline-delimited JSON, one request and
/// one response per connection. Requests over `ControlProtocol.maxRequestBytes` or slower than
/// the time limit get an error and are closed. Requests are answered on a concurrent queue, so
/// a slow command (a search) or a client that does not read its answer holds up neither other
/// clients nor ingestion.
public final class ControlServer: @unchecked Sendable {
    // @unchecked: `listenSource` and `connections` are touched only on `queue`.
    private let queue = DispatchQueue(label: "newsd.control")
    /// Each request is answered on a serial queue of its own. A serial queue gets a thread even
    /// when the parse workers hold every thread of the shared (non-overcommitting) pool, as they
    /// do under a large backlog; a concurrent queue would wait behind them, and `status` with it.
    private func requestQueue() -> DispatchQueue {
        DispatchQueue(label: "newsd.control.request", qos: .default)
    }
    private let path: String
    private let mode: Int
    private let group: String
    private let policy: AccessPolicy
    private let logger: Logger
    /// Answers each validated call.
    private let handler: CommandHandler
    private let maxClients: Int
    private let limits: ConnectionLimits
    /// When the last refusal for want of room was logged (one line per 10 s at most).
    private var lastRefusalLog = Date.distantPast
    private var acceptPaused = false
    private var listenSource: DispatchSourceRead?
    private var connections: [Int32: Connection] = [:]
    private let requestTimeout: DispatchTimeInterval = .seconds(5)

    private final class Connection {
        let source: DispatchSourceRead
        let timer: DispatchSourceTimer
        var buffer: [UInt8] = []
        var answered = false
        let acceptedAt = ContinuousClock.now
        let uid: UInt32
        let admin: Bool
        init(source: DispatchSourceRead, timer: DispatchSourceTimer, uid: UInt32, admin: Bool) {
            self.admin = admin
            self.source = source
            self.timer = timer
            self.uid = uid
        }
    }

    init(
        path: String, mode: Int, group: String = "", policy: AccessPolicy, maxClients: Int = 64, logger: Logger,
        handler: CommandHandler
    ) {
        self.maxClients = maxClients
        self.limits = ConnectionLimits(maxClients: maxClients)
        self.path = path
        self.mode = mode
        self.group = group
        self.policy = policy
        self.logger = logger
        self.handler = handler
    }

    /// Binds and listens. A socket file left by a dead newsd is replaced; one that answers
    /// means another newsd is running, and start-up stops.
    func start() throws {
        let dir = (path as NSString).deletingLastPathComponent
        try Directory.makeDirectories(dir, mode: 0o755)
        var gid: UInt32?
        if !group.isEmpty {
            guard let id = UInt32(group) ?? UserDatabase.groupID(named: group) else {
                throw ConfigLoadError(key: "control.group", problem: "no group named \"\(group)\"")
            }
            gid = id
        }
        if (try? FileSystem.status(atPath: path, followingLinks: false)) != nil {
            if UnixSocket.isAnswered(at: path) {
                throw SystemError(call: "bind", errno: Errno.addressInUse, context: "\(path): another newsd is answering on this socket")
            }
            try? FileSystem.removeFile(atPath: path)
        }
        // Created with no access, then given the configured mode and group: no window in which
        // it is more open than configured.
        let listener = try ListeningSocket.unix(path: path, mode: UInt32(mode), group: gid, backlog: 64)
        queue.sync {
            let source = DispatchSource.makeReadSource(fileDescriptor: listener.fd, queue: queue)
            source.setEventHandler { [weak self] in self?.acceptAll(listener) }
            source.setCancelHandler { listener.close() }
            listenSource = source
            source.resume()
        }
        logger.info("control socket listening", metadata: ["socket": "\(path)"])
    }

    /// Stops listening, closes open connections and removes the socket file.
    func stop() {
        queue.sync {
            listenSource?.cancel()
            listenSource = nil
            // Connections being answered close themselves when their answer is written.
            for (fd, c) in connections where !c.answered {
                c.timer.cancel()
                c.source.cancel()
                connections[fd] = nil
            }
        }
        try? FileSystem.removeFile(atPath: path)
    }

    private func acceptAll(_ listener: ListeningSocket) {
        // At most a few connections per event: under a flood of connects the backlog never
        // empties, and the requests of clients already accepted (status) must get their turn.
        for _ in 0..<16 {
            let accepted: AcceptedConnection
            do {
                guard let connection = try listener.accept() else { return }  // wait for the next event
                accepted = connection
            } catch {
                if error.isResourceShortage {
                    // Out of descriptors: the listening socket stays readable, so waiting for
                    // the next event would spin. Stop accepting for a moment instead.
                    pauseAccepting("cannot accept a control connection: \(error.message)")
                }
                return
            }
            let fd = accepted.fd
            guard let peer = accepted.peer else {
                Socket.close(fd)
                continue
            }
            let uid = peer.uid
            let admin = policy.isAdmin(peer)
            let held = connections.map { ConnectionLimits.Held(id: $0.key, uid: $0.value.uid, admin: $0.value.admin, answered: $0.value.answered, acceptedAt: $0.value.acceptedAt) }
            switch limits.admit(uid: uid, admin: admin, held: held, inputWaiting: Socket.hasInputWaiting) {
            case .accept: break
            case .evictThenAccept(let idle):
                respond(idle, ControlResponse(ok: false, error: ControlErrorBody(code: .busy, message: "closed to make room for a newer connection: no request received (control.maxClients)")))
            case .refuse:
                refuse(fd)
                continue
            }
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let connection = Connection(source: source, timer: timer, uid: uid, admin: admin)
            connections[fd] = connection
            source.setEventHandler { [weak self] in self?.readable(fd, peer) }
            source.setCancelHandler { Socket.close(fd) }
            timer.schedule(deadline: .now() + requestTimeout)
            timer.setEventHandler { [weak self] in
                self?.respond(fd, ControlResponse(ok: false, error: ControlErrorBody(code: .timeout, message: "no complete request within 5 seconds")))
            }
            source.resume()
            timer.resume()
        }
    }

    /// A connection over `control.maxClients`: one error line, if the socket takes it at once,
    /// and closed. Costs no thread and holds no descriptor.
    private func refuse(_ fd: Int32) {
        let body = ControlResponse(
            ok: false,
            error: ControlErrorBody(code: .busy, message: "newsd already has \(maxClients) control connections (control.maxClients); try again"))
        if var bytes = try? Array(JSONEncoder().encode(body)) {
            bytes.append(0x0A)
            Socket.sendNow(fd, bytes)
        }
        Socket.close(fd)
        if Date().timeIntervalSince(lastRefusalLog) > 10 {
            lastRefusalLog = Date()
            logger.warning("control connections refused: control.maxClients reached", metadata: ["max_clients": "\(maxClients)"])
        }
    }

    /// On `queue`: stops reading the listening socket for 100 ms.
    private func pauseAccepting(_ why: String) {
        guard !acceptPaused, let source = listenSource else { return }
        acceptPaused = true
        source.suspend()
        if Date().timeIntervalSince(lastRefusalLog) > 10 {
            lastRefusalLog = Date()
            logger.warning("control connections wait: out of descriptors", metadata: ["error": "\(why)"])
        }
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            acceptPaused = false
            listenSource?.resume()
        }
    }

    /// Control connections open now.
    var connectionCount: Int { queue.sync { connections.count } }

    private func readable(_ fd: Int32, _ peer: PeerCredentials) {
        guard let connection = connections[fd], !connection.answered else { return }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n: Int
        do {
            guard let received = try Socket.receive(fd, into: &chunk) else { return }  // nothing yet
            n = received
        } catch {
            closeConnection(fd)
            return
        }
        if n == 0 {
            closeConnection(fd)
            return
        }
        connection.buffer.append(contentsOf: chunk[0..<n])
        guard let newline = connection.buffer.firstIndex(of: 0x0A) else {
            if connection.buffer.count > ControlProtocol.maxRequestBytes {
                respond(fd, ControlResponse(ok: false, error: ControlErrorBody(code: .tooLarge, message: "request exceeds \(ControlProtocol.maxRequestBytes) bytes")))
            }
            return
        }
        let line = Data(connection.buffer[..<newline])
        // One request per connection: stop reading and the time limit, answer elsewhere.
        connection.answered = true
        connection.timer.cancel()
        connection.source.suspend()
        requestQueue().async { [self] in
            answer(line, peer) { [self] response in
                write(fd, response)
                queue.async { [self] in
                    guard let c = connections[fd] else { return }
                    c.source.resume()
                    closeConnection(fd)
                }
            }
        }
    }

    /// The answer to one request line: decoded, its version checked, the caller's right to the
    /// command checked, its arguments validated (`ControlCall.decode`), then handled. No line a
    /// client can send gets past this as anything but a typed, in-range call or an error answer.
    func answer(_ line: Data, _ peer: PeerCredentials, reply: @escaping @Sendable (ControlResponse) -> Void) {
        func refuse(_ code: ControlErrorCode, _ message: String) {
            reply(ControlResponse(ok: false, error: ControlErrorBody(code: code, message: message)))
        }
        let request: ControlRequest
        do {
            request = try JSONDecoder().decode(ControlRequest.self, from: line)
        } catch let unknown as ControlRequest.UnknownCommand {
            guard unknown.v == ControlProtocol.version else { return refuse(.unsupportedVersion, Self.versionMessage(unknown.v)) }
            return reply(ControlResponse(ok: false, error: unknown.answer))
        } catch {
            return refuse(.badRequest, "the request is not a JSON object with \"v\" and \"command\"")
        }
        if request.v != ControlProtocol.version {
            return refuse(.unsupportedVersion, Self.versionMessage(request.v))
        }
        if let refusal = policy.check(request.command, peer) {
            logger.warning("control command refused", metadata: ["command": "\(request.command.rawValue)", "uid": "\(peer.uid)", "pid": "\(peer.pid)"])
            return reply(ControlResponse(ok: false, error: refusal))
        }
        switch ControlCall.decode(request) {
        case .success(let call): handler.handle(call, peer, reply: reply)
        case .failure(let error): reply(ControlResponse(ok: false, error: error))
        }
    }

    private static func versionMessage(_ v: Int) -> String {
        "this newsd speaks protocol version \(ControlProtocol.version), not \(v)"
    }

    /// `answer`, waiting for the reply (tests and the fuzz target).
    func answer(_ line: Data, _ peer: PeerCredentials) -> ControlResponse {
        let result = Mutex<ControlResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        answer(line, peer) { response in
            result.withLock { $0 = response }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }!
    }

    /// Answers a request that never completed (too large, too slow) and closes at once.
    private func respond(_ fd: Int32, _ response: ControlResponse) {
        guard let c = connections[fd], !c.answered else { return }
        c.answered = true
        write(fd, response)
        closeConnection(fd)
    }

    /// Writes the response line; a client that does not read it within a second loses it.
    private func write(_ fd: Int32, _ response: ControlResponse) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var bytes = try? Array(encoder.encode(response)) else { return }
        bytes.append(0x0A)
        Socket.setBlocking(fd, true)
        Socket.setTimeouts(fd, seconds: 1)
        try? Socket.writeAll(fd, bytes)
    }

    private func closeConnection(_ fd: Int32) {
        guard let c = connections.removeValue(forKey: fd) else { return }
        c.timer.cancel()
        c.source.cancel()
    }
}
