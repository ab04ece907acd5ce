import Foundation
import Logging
import Synchronization

/// newsd's log lines on standard error, one per event, metadata as sorted `key=value` pairs.
///
/// Under systemd (`$JOURNAL_STREAM` set: stderr is the journal) each line starts with the
/// sd-daemon(3) priority prefix (`<3>` error … `<7>` debug) and carries no timestamp, so
/// `journalctl -p warning -u newsd` filters by level. Elsewhere lines start with an ISO 8601
/// time and the level name.
public struct NewsdLogHandler: LogHandler {
    /// The threshold: the shared control's when there is one (so a reload's `log.level` reaches
    /// every logger already made), unless this logger's level was set; else this handler's own.
    public var logLevel: Logger.Level {
        get { overridden ? ownLevel : control?.level ?? ownLevel }
        set {
            ownLevel = newValue
            overridden = true
        }
    }
    private var ownLevel: Logger.Level
    private var overridden = false
    private let control: LogLevelControl?
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let journal: Bool
    private let write: @Sendable (String) -> Void

    /// A handler writing to standard error; `journal` defaults to whether `$JOURNAL_STREAM` is set.
    public init(
        label: String, level: Logger.Level, journal: Bool? = nil, control: LogLevelControl? = nil,
        write: (@Sendable (String) -> Void)? = nil
    ) {
        self.label = label
        self.ownLevel = level
        self.control = control
        self.journal = journal ?? (ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil)
        self.write = write ?? { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A line for an error that stops newsd before logging is set up (an invalid
    /// configuration): under systemd it carries the `<3>` priority prefix, so the journal
    /// files it as an error rather than at the default, info.
    public static func fatalLine(
        _ message: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        (environment["JOURNAL_STREAM"] != nil ? "<\(priority(.error))>" : "") + message + "\n"
    }

    /// The sd-daemon priority of a level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        write(format(level: event.level, message: "\(event.message)", metadata: all))
    }

    /// One line, newline included.
    public func format(level: Logger.Level, message: String, metadata: Logger.Metadata, now: Date = Date()) -> String {
        var line = journal ? "<\(Self.priority(level))>" : "\(now.formatted(.iso8601)) \(level) \(label): "
        line += message.replacingOccurrences(of: "\n", with: " ")
        for key in metadata.keys.sorted() {
            let value = "\(metadata[key]!)".replacingOccurrences(of: "\n", with: " ")
            line += " \(key)=" + (value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value)
        }
        return line + "\n"
    }
}

/// A log level shared by every handler made with it: `newsd` sets it from `log.level` at start
/// and again on each reload.
public final class LogLevelControl: Sendable {
    private let raw: Atomic<UInt8>

    /// Creates a control at `level`.
    public init(_ level: Logger.Level) {
        raw = Atomic(Self.code(level))
    }

    /// The current level.
    public var level: Logger.Level {
        get { Self.levels[Int(raw.load(ordering: .relaxed))] }
        set { raw.store(Self.code(newValue), ordering: .relaxed) }
    }

    private static let levels: [Logger.Level] = Logger.Level.allCases
    private static func code(_ level: Logger.Level) -> UInt8 { UInt8(levels.firstIndex(of: level)!) }
}
