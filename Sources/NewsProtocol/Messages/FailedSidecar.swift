/// The JSON written beside a file moved to failed/ (`NAME.json`): why it failed, machine-readable.
public struct FailedSidecar: Codable, Sendable, Equatable {
    /// The file's name in failed/ (may differ from the dropped name after a collision).
    public var file: String
    /// The name it was dropped under.
    public var originalName: String
    /// Stable failure code (`too_large`, `not_text`, …).
    public var code: String
    /// A sentence saying what was wrong.
    public var reason: String
    /// When newsd claimed the file (ISO 8601).
    public var firstSeen: String
    /// When it was moved to failed/ (ISO 8601).
    public var failedAt: String
    /// Processing attempts.
    public var attempts: Int
    /// Size in bytes, when known.
    public var sizeBytes: Int
    /// SHA-256 of the bytes, hex, when the file could be read.
    public var sha256: String?

    /// Creates a sidecar.
    public init(
        file: String, originalName: String, code: String, reason: String, firstSeen: String,
        failedAt: String, attempts: Int, sizeBytes: Int, sha256: String?
    ) {
        self.file = file
        self.originalName = originalName
        self.code = code
        self.reason = reason
        self.firstSeen = firstSeen
        self.failedAt = failedAt
        self.attempts = attempts
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case file, code, reason, attempts
        case originalName = "original_name"
        case firstSeen = "first_seen"
        case failedAt = "failed_at"
        case sizeBytes = "size_bytes"
        case sha256
    }
}
