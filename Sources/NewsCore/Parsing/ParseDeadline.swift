/// How long parsing and enriching one file may take (`parser.maxSeconds`; for a large NDJSON
/// file, one chunk of it). Every parser is linear in its input; this is the net under that
/// rule: the loops over lines and records, and enrichment before each record, check it, and a
/// file past it fails with `parse_timeout` so the worker moves on to the next file. libxml2
/// and JSONSerialization cannot be interrupted: their input is capped instead (file size,
/// attributes per element, nesting depth).
public struct ParseDeadline: Sendable {
    /// The allowance in seconds, for the failure's sentence.
    public let seconds: Double
    private let end: ContinuousClock.Instant

    /// A deadline `seconds` from now.
    public init(seconds: Double) {
        self.seconds = seconds
        let clamped = min(max(seconds, 0), 1e9)
        end = ContinuousClock.now.advanced(by: .nanoseconds(Int64(clamped * 1e9)))
    }

    /// A deadline that has already passed (tests).
    public static var passed: ParseDeadline { ParseDeadline(seconds: 0) }

    /// Whether the time is up.
    public var isPast: Bool { ContinuousClock.now >= end }

    /// Throws `parse_timeout` when the time is up.
    public func check() throws(IngestFailure) {
        if isPast {
            throw IngestFailure(
                .parseTimeout,
                "parsing and enriching took longer than \(seconds) s (parser.maxSeconds); the file is set aside so it cannot hold a worker")
        }
    }
}
